"""A task's deadline read from the plan's words (parxl.deadlines), and where each report period stands
against it.  Every phrase reads as an exact day, as recurring, or as unknown — never as a guess."""
from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from parxl.deadlines import Due, deadline, read, report_end
from parxl.periods import Period

D = dt.date
YEAR = 2024          # the plan's year, for phrases that name none

CORPUS = [
    # a date
    ("30/6/2024", D(2024, 6, 30)),
    ("30/06/2024", D(2024, 6, 30)),
    ("30-6-2024", D(2024, 6, 30)),
    ("30.6.2024", D(2024, 6, 30)),
    ("Ngày 15/10/2024", D(2024, 10, 15)),
    ("Chậm nhất ngày 30/9/2024", D(2024, 9, 30)),
    ("ngày 30 tháng 6 năm 2024", D(2024, 6, 30)),
    ("Trước ngày 01/7/2024", D(2024, 6, 30)),
    ("trước 15/12/2024", D(2024, 12, 14)),
    # a month
    ("Tháng 6/2024", D(2024, 6, 30)),
    ("tháng 06 năm 2024", D(2024, 6, 30)),
    ("Trong tháng 2/2024", D(2024, 2, 29)),
    ("Tháng 12/2024", D(2024, 12, 31)),
    ("06/2024", D(2024, 6, 30)),
    ("Tháng 9", D(2024, 9, 30)),
    ("trước tháng 9/2024", D(2024, 8, 31)),
    ("Trước tháng 01/2025", D(2024, 12, 31)),
    # a quarter
    ("Quý II/2024", D(2024, 6, 30)),
    ("Quý 3 năm 2024", D(2024, 9, 30)),
    ("quý III năm 2024", D(2024, 9, 30)),
    ("Quý IV/2024", D(2024, 12, 31)),
    ("Quý I/2024", D(2024, 3, 31)),
    ("Trong Quý I", D(2024, 3, 31)),
    ("QUÝ II - 2024", D(2024, 6, 30)),
    ("Trước Quý III/2024", D(2024, 6, 30)),
    ("Q3/2024", D(2024, 9, 30)),                  # "Q" for "Quý"
    ("Quí III/2024", D(2024, 9, 30)),             # "Quí": a common spelling of "Quý"
    ("Quí II/2024", D(2024, 6, 30)),
    # a half year, a year
    ("6 tháng đầu năm", D(2024, 6, 30)),
    ("6 tháng đầu năm 2024", D(2024, 6, 30)),
    ("Sáu tháng cuối năm 2024", D(2024, 12, 31)),
    ("Giữa năm 2024", D(2024, 6, 30)),
    ("Giữa năm", D(2024, 6, 30)),
    ("Trong năm 2024", D(2024, 12, 31)),
    ("Năm 2024", D(2024, 12, 31)),
    ("Trong năm", D(2024, 12, 31)),
    ("Cuối năm 2024", D(2024, 12, 31)),
    ("Hằng năm", D(2024, 12, 31)),
    ("2024", D(2024, 12, 31)),
    ("Năm 2024 và các năm tiếp theo", D(2024, 12, 31)),
    ("Trước năm 2025", D(2024, 12, 31)),
    # ranges read as their end
    ("Từ tháng 3 đến tháng 6/2024", D(2024, 6, 30)),
    ("Quý I - Quý II/2024", D(2024, 6, 30)),
    ("Tháng 4 – tháng 5/2024", D(2024, 5, 31)),
    ("2024-2025", D(2025, 12, 31)),
    ("Quý II/2024 đến hết Quý III/2024", D(2024, 9, 30)),
    ("Năm học 2024-2025", D(2025, 5, 31)),       # a school year ends on 31/5, not a range of years
    # a two-digit year after "/" is 20yy
    ("Tháng 12/23", D(2023, 12, 31)),
    ("Quý IV/23", D(2023, 12, 31)),
    ("30/6/24", D(2024, 6, 30)),
    # unknown: judged as before, listed by `plan check`
    ("Theo Kế hoạch kiểm tra", None),
    ("Theo quy định của Bộ Nội vụ", None),
    ("Theo kế hoạch năm 2024", None),
    ("Theo tiến độ triển khai của Trung ương", None),
    ("Quý II/2024 (cấp tỉnh), Quý III/2024 (cấp huyện)", None),
    ("Tháng 3 và tháng 9/2024", None),
    ("Tháng 3, 6, 9, 12/2024", None),             # several months of one year: not the first one
    ("Tháng 6, 2025", None),                      # a number no unit reads: the words say more than was read
    ("Quý 3, 4/2024", None),
    ("Báo cáo 6 tháng năm 2024", None),
    ("31/02/2024", None),
    ("Tháng 13/2024", None),
    ("Khi có yêu cầu", None),
    ("", None),
    ("d", None),
]

RECURRING = ["Thường xuyên", "thường xuyên", "THƯỜNG XUYÊN", "Thường xuyên trong năm 2024", "Định kỳ hằng quý",
             "Hàng tháng", "Hằng quý", "Liên tục", "Định kỳ",
             # a day, month or quarter "hằng/hàng năm": every year's, not the plan year's 31/12
             "Trước 30/6 hằng năm", "Trước 30/6 hàng năm", "Quý I hằng năm",
             # several months listed, no year: every year's
             "Tháng 3, 6, 9, 12", "Tháng 6 và 12"]


@pytest.mark.parametrize("text,due", CORPUS, ids=[t or "(empty)" for t, _ in CORPUS])
def test_a_phrase_reads_as_its_exact_day_or_as_unknown(text, due):
    assert read(text, YEAR) == (due, False)
    # decomposed accents and odd spacing read alike
    assert read("  " + unicodedata.normalize("NFD", text).replace(" ", "   ") + " ", YEAR) == (due, False)


@pytest.mark.parametrize("text", RECURRING)
def test_recurring_words_read_as_recurring(text):
    assert read(text, YEAR) == (None, True)
    assert deadline(text, YEAR).at(Period.parse("2024-Q1")) is Due.RECURRING


@pytest.mark.parametrize("text,due", [("Tháng 12/24", D(2024, 12, 31)), ("Quý IV/24", D(2024, 12, 31)),
                                      ("Tháng 6", D(2025, 6, 30)), ("Hằng năm", D(2025, 12, 31))])
def test_a_two_digit_year_is_the_one_written_not_the_plans(text, due):
    # a task carried over into the 2025 plan keeps its 2024 deadline: overdue at 2025's first report
    assert read(text, 2025) == (due, False)
    assert deadline("Tháng 12/24", 2025).at(Period.parse("2025-Q1")) is Due.PASSED


def test_the_plan_may_state_the_deadline_for_the_machine():
    assert deadline("Theo Kế hoạch kiểm tra", YEAR, D(2024, 8, 31)).due == D(2024, 8, 31)
    assert deadline("Theo Kế hoạch kiểm tra", YEAR, "recurring").recurring
    assert not deadline("Trong năm 2024", YEAR, "unknown").known     # the words overridden the other way


@pytest.mark.parametrize("text,states", [
    # Quý I, 6 tháng, Quý III, năm
    ("Trong năm 2024", [Due.NOT_YET, Due.NOT_YET, Due.NOT_YET, Due.PASSED]),
    ("6 tháng đầu năm", [Due.NOT_YET, Due.PASSED, Due.PASSED, Due.PASSED]),
    ("Quý I/2024", [Due.PASSED] * 4),
    ("30/9/2024", [Due.NOT_YET, Due.NOT_YET, Due.PASSED, Due.PASSED]),
    ("trước tháng 9/2024", [Due.NOT_YET, Due.NOT_YET, Due.PASSED, Due.PASSED]),
    ("Quý I/2025", [Due.NOT_YET] * 4),
    ("Thường xuyên", [Due.RECURRING] * 4),
    ("Theo Kế hoạch kiểm tra", [Due.UNKNOWN] * 4),
])
def test_each_period_is_judged_at_the_end_of_what_it_accounts_for(text, states):
    periods = [Period.parse(f"2024-Q{q}") for q in (1, 2, 3, 4)]
    assert [report_end(p) for p in periods] == [D(2024, 3, 31), D(2024, 6, 30), D(2024, 9, 30), D(2024, 12, 31)]
    assert [deadline(text, YEAR).at(p) for p in periods] == states


def test_the_bundled_plan_reads_every_deadline_but_the_ones_it_leaves_to_other_plans(plan):
    unread = {t.deadline for t in plan.unread_deadlines()}
    assert unread and all(d.startswith("Theo") for d in unread)
    year_end = [t for t in plan.tasks if t.deadline == "Trong năm 2024"]
    assert len(year_end) == 56 and {t.due.due for t in year_end} == {D(2024, 12, 31)}
    assert sum(t.due.recurring for t in plan.tasks) == 9


def test_plan_check_lists_the_deadlines_it_could_not_read():
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "parxl", "--lang", "en", "plan", "check"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "4 deadlines could not be read" in r.stdout
    assert "  IV.1: Theo tiến độ triển khai của Trung ương" in r.stdout.splitlines()


@pytest.mark.parametrize("lang,says", [
    ("vi", "2 đạt, 0 đạt (tạm tính), 0 chưa đạt, 2 chưa đạt (tạm tính), 0 không đánh giá được, 0 không phát sinh "
           "(đạt 50% của 4 chỉ tiêu đã đến hạn); 2 chưa đến hạn"),
    ("en", "2 met, 0 met provisionally, 0 not met, 2 not met provisionally, 0 not assessable, 0 not applicable "
           "(50% met of 4 indicators due); 2 not yet due"),
])
def test_a_sections_share_met_is_said_over_the_indicators_due_it_is_computed_on(lang, says):
    # 6 indicators, 2 of them not yet due: the 50% is of the 4 due, and the line says so (it said "of 6")
    from parxl import i18n
    from parxl.measures import ProvinceFigure
    from parxl.report import section_line, tally
    from parxl.vocab import ProvinceVerdict as V
    verdicts = [V.MET, V.MET, V.PROVISIONAL_NOT_MET, V.PROVISIONAL_NOT_MET, V.NOT_DUE, V.NOT_DUE]
    figs = [ProvinceFigure(f"I.{i}/1", v, None, None, None, required=3, returned=3, assessed=3, not_applicable=0,
                           met=3, rule="sum") for i, v in enumerate(verdicts, 1)]
    s = tally("I", "Cải cách thể chế", figs)
    assert s["share_met"] == 50
    before = i18n.language()
    i18n.set_language(lang)
    try:
        assert section_line(s) == f"  I. Cải cách thể chế\n    {says}"
    finally:
        i18n.set_language(before)
