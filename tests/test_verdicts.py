"""Province verdicts honest about coverage, against hand-computed cases; and an agency's own verdict.

The rules (README, "How targets are computed"): a province verdict is final ("Đạt"/"Chưa đạt") only
when every agency the indicator applies to gave usable data, or when the missing ones could not change
it; otherwise it is provisional, with its coverage.  For "each" rules a missing agency counts as not
meeting the target.  A share of a province total gets no verdict of its own.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

import pytest

from conftest import KEY, WHEN, fill
from parxl.checks import Result
from parxl.demo import simulate
from parxl.measures import measure_of
from parxl.merge import merge
from parxl.periods import Period
from parxl.vocab import ProvinceVerdict as PV, Verdict as V

EVID = {"status": "Hoàn thành", "evidence": "Văn bản 12/BC-UBND", "doc_date": dt.date(2024, 8, 1)}


def _rows(ind, verdicts, **values):
    """Results for the indicator's first len(verdicts) reporters; the rest did not return."""
    out = []
    for k, rep in enumerate(ind.reporters):
        v = verdicts[k] if k < len(verdicts) else V.NOT_RETURNED
        extra = {key: F(vals[k]) for key, vals in values.items()} if k < len(verdicts) and v.assessed else {}
        out.append(Result(rep.agency, ind.code, v, **extra))
    return out


def _agg(ind, rows, period=Period.parse("2024-Q4")):
    returned = sum(r.verdict is not V.NOT_RETURNED for r in rows)
    return measure_of(ind).aggregate(ind, rows, returned, period)


def test_ratio_on_partial_coverage_is_provisional_with_its_coverage(plan):
    ind = plan.indicator("III.5.1/1")           # rate, Σ numerators / Σ denominators: "100%", 38 agencies
    n = len(ind.reporters)
    assert n == 38 and ind.aggregation == "ratio"
    rows = _rows(ind, [V.MET] * 34, numerator=[100] * 34, denominator=[100] * 34)
    fig = _agg(ind, rows)
    assert fig.value == 100 and fig.verdict is PV.PROVISIONAL_MET
    assert (fig.required, fig.returned, fig.assessed, fig.met) == (38, 34, 34, 34)
    assert fig.verdict_vi() == "Đạt (tạm tính, 34/38)"
    full = _agg(ind, _rows(ind, [V.MET] * 38, numerator=[100] * 38, denominator=[100] * 38))
    assert full.verdict is PV.MET and full.verdict_vi() == "Đạt"


def test_each_rule_counts_a_missing_agency_as_not_meeting(plan):
    ind = plan.indicator("IV.1/1")               # done, each: every lead agency must complete it (38 agencies)
    n = len(ind.reporters)
    fig = _agg(ind, _rows(ind, [V.MET] * (n - 4)))
    assert fig.verdict is PV.PROVISIONAL_NOT_MET      # could still hold if the 4 missing all complete it
    assert fig.value == F((n - 4) * 100, n)
    one_fails = _agg(ind, _rows(ind, [V.NOT_MET] + [V.MET] * (n - 5)))
    assert one_fails.verdict is PV.NOT_MET            # 100% is out of reach whatever the missing report
    na = _agg(ind, _rows(ind, [V.NOT_APPLICABLE] * 4 + [V.MET] * (n - 4)))
    assert na.verdict is PV.MET and na.value == 100   # "Không phát sinh" agencies leave the denominator


def test_each_rule_with_a_share_target_is_final_once_reached(plan):
    ind = plan.indicator("VII.2.1/1")           # rate each: 100% of the departments at ≥ 80%
    n = len(ind.reporters)
    fig = _agg(ind, _rows(ind, [V.MET] * n, numerator=[90] * n, denominator=[100] * n))
    assert fig.verdict is PV.MET


def test_count_total_at_least_n_is_final_once_reached_and_agencies_only_contribute(plan):
    ind = plan.indicator("VI.3/1")              # count, Σ over 38 agencies ≥ 2
    assert ind.target.op == ">=" and ind.target.value == 2
    fig = _agg(ind, _rows(ind, [V.CONTRIBUTES] * 3, value=[1, 1, 0]))
    assert fig.value == 2 and fig.verdict is PV.MET   # more returns can only add
    short = _agg(ind, _rows(ind, [V.CONTRIBUTES] * 3, value=[1, 0, 0]))
    assert short.verdict is PV.PROVISIONAL_NOT_MET


def test_count_with_a_ceiling_is_final_once_broken(plan):
    ind = plan.indicator("III.1.a/1")           # count "= 0": no procedure issued beyond authority
    rows = [Result(ind.reporters[0].agency, ind.code, V.NOT_MET, value=F(1))]
    assert _agg(ind, rows).verdict is PV.NOT_MET


def test_change_on_partial_coverage_is_provisional(plan):
    ind = plan.indicator("IV.3/1")              # change, Σ this year vs Σ 2021 < -10%
    fig = _agg(ind, _rows(ind, [V.MET] * 10, current=[8] * 10, baseline=[10] * 10))
    assert fig.value == -20 and fig.verdict is PV.PROVISIONAL_MET


def test_no_usable_data_is_not_assessable_and_all_not_applicable_is_said(plan):
    ind = plan.indicator("III.4.2/1")
    assert _agg(ind, _rows(ind, [])).verdict is PV.NOT_ASSESSABLE
    n = len(ind.reporters)
    assert _agg(ind, _rows(ind, [V.NOT_APPLICABLE] * n)).verdict is PV.NOT_APPLICABLE
    # every required agency returned "Không phát sinh": no return can change it, so it is final
    assert _agg(ind, _rows(ind, [V.NOT_APPLICABLE] * n)).verdict.final
    assert not _agg(ind, _rows(ind, [V.NOT_APPLICABLE] * (n - 1))).verdict.final      # one still missing


# -- on real files -----------------------------------------------------------------------------------

def test_merge_of_two_districts_is_provisional_and_missing_agencies_are_not_returned(plan, period, issued,
                                                                                       returns_dir):
    fill(issued, plan, "TAMKY", returns_dir / "tamky.xlsx", {
        "III.4.2/1": {"numerator": 96, "denominator": 100},
        "VI.3/1": {"value": 1}, "IV.1/1": EVID})
    fill(issued, plan, "HOIAN", returns_dir / "hoian.xlsx", {
        "III.4.2/1": {"numerator": 99, "denominator": 100},
        "VI.3/1": {"value": 1}, "IV.1/1": {"status": "Đang thực hiện"}})
    report = merge(plan, period, returns_dir, KEY)
    fig = {f.indicator: f for f in report.indicators}
    assert fig["III.4.2/1"].value == F(195, 2) and fig["III.4.2/1"].verdict is PV.PROVISIONAL_MET
    assert fig["III.4.2/1"].verdict_vi() == f"Đạt (tạm tính, 2/{len(plan.indicator('III.4.2/1').reporters)})"
    assert fig["VI.3/1"].value == 2 and fig["VI.3/1"].verdict is PV.MET
    assert fig["IV.1/1"].verdict is PV.NOT_MET           # Hội An has not completed it: 100% is out of reach
    by = {(r.agency, r.indicator): r.verdict for r in report.results}
    assert by[("TAMKY", "VI.3/1")] is V.CONTRIBUTES     # 1 of "at least 2 in the province": no red mark
    assert by[("DIENBAN", "III.4.2/1")] is V.NOT_RETURNED


@pytest.mark.parametrize("values,verdict", [
    ({"numerator": 96, "denominator": 100}, V.MET),
    ({"numerator": 95, "denominator": 100}, V.NOT_MET),
    ({"numerator": "95,5", "denominator": 100}, V.INVALID),                 # a numerator must be whole
    ({"numerator": 0, "denominator": 0}, V.NOT_APPLICABLE),                 # nothing arose
    ({"numerator": 5, "denominator": 0}, V.INVALID),
    ({"numerator": 96, "denominator": 100, "status": "Hoàn thành"}, V.MISSING_EVIDENCE),
    ({"numerator": 96, "denominator": 100, "status": "Không phát sinh"}, V.NOT_APPLICABLE),
    ({"numerator": 96, "denominator": 100, "status": "xong"}, V.INVALID),   # not one of the list
    ({"numerator": 96, "denominator": 100, "status": "  hoàn   thành ", "evidence": "CV 1"}, V.MET),
    ({"numerator": "96", "denominator": "1.000"}, V.NOT_MET),               # 9.6%: dots group thousands
    ({"numerator": 96}, V.MISSING_DATA),
    ({"numerator": -1, "denominator": 100}, V.INVALID),
])
def test_agency_verdict_on_a_rate_row(plan, period, issued, returns_dir, values, verdict):
    fill(issued, plan, "TAMKY", returns_dir / "tamky.xlsx", {"III.4.2/1": values})
    report = merge(plan, period, returns_dir, KEY)
    got = next(r for r in report.results if r.agency == "TAMKY" and r.indicator == "III.4.2/1")
    assert got.verdict is verdict


# -- the deadline: a task's verdict means what its deadline says (issue 18) -----------------------------

Q = {q: Period.parse(f"2024-Q{q}") for q in (1, 2, 3, 4)}
YEAR_END, UNREAD = "IV.2/1", "IV.1/1"           # "Trong năm 2024"; "Theo tiến độ triển khai của Trung ương"


def _task(plan, code, status, evidence=None, period=Q[1]):
    from parxl.measures import Inputs, judge
    from parxl.vocab import TaskStatus
    return judge(plan.indicator(code), Inputs(status=TaskStatus(status) if status else None, evidence=evidence),
                 period).verdict


@pytest.mark.parametrize("status,quarters", [
    ("Đang thực hiện", [V.IN_PROGRESS_NOT_DUE] * 3 + [V.OVERDUE]),
    ("Chưa thực hiện", [V.NOT_STARTED_NOT_DUE] * 3 + [V.OVERDUE]),
    ("Hoàn thành", [V.MISSING_EVIDENCE] * 4),
    ("Không phát sinh", [V.NOT_APPLICABLE] * 4),
    (None, [V.MISSING_DATA] * 4),
])
def test_a_year_end_task_is_judged_at_the_annual_report(plan, status, quarters):
    assert plan.indicator(YEAR_END).task.deadline == "Trong năm 2024"
    assert [_task(plan, YEAR_END, status, period=Q[q]) for q in (1, 2, 3, 4)] == quarters
    assert [_task(plan, YEAR_END, status, "QĐ 1/QĐ-UBND", Q[q]) for q in (1, 4)] == (
        [V.MET, V.MET] if status == "Hoàn thành" else [quarters[0], quarters[3]])


def test_a_task_whose_deadline_is_not_read_is_judged_as_before(plan):
    assert not plan.indicator(UNREAD).due.known
    assert {_task(plan, UNREAD, "Đang thực hiện", period=Q[q]) for q in (1, 2, 3, 4)} == {V.NOT_MET}


def test_words_and_enum_stay_one_to_one():
    words = [v.vi for v in V if v is not V.NOT_RETURNED]
    assert len(set(words)) == len(words)
    assert {"Chưa đạt (quá hạn)", "Đang thực hiện (chưa đến hạn)", "Chưa thực hiện (chưa đến hạn)"} <= set(words)
    assert not V.OVERDUE.not_due and V.OVERDUE.assessed and V.OVERDUE.failed
    assert V.IN_PROGRESS_NOT_DUE.not_due and not V.IN_PROGRESS_NOT_DUE.assessed
    assert PV.NOT_DUE.vi == "Chưa đến hạn" and not PV.NOT_DUE.final


def test_a_task_not_yet_due_is_not_counted_against_the_province(plan):
    ind = plan.indicator(YEAR_END)
    n = len(ind.reporters)
    doing = _rows(ind, [V.MET] * 10 + [V.IN_PROGRESS_NOT_DUE] * (n - 12) + [V.NOT_STARTED_NOT_DUE] * 2)
    fig = _agg(ind, doing, Q[1])
    assert fig.verdict is PV.NOT_DUE and fig.value == F(1000, n) and fig.not_due == n - 10
    assert fig.verdict_vi() == f"Chưa đến hạn (10/{n} đã hoàn thành)"
    assert _agg(ind, _rows(ind, [V.MET] * n), Q[1]).verdict is PV.MET              # done by all: met early
    assert _agg(ind, _rows(ind, [V.MET] * (n - 3)), Q[3]).verdict is PV.NOT_DUE     # 3 missing: still not due
    # the annual report: the deadline has passed; one overdue agency fails the province
    year = _agg(ind, _rows(ind, [V.OVERDUE] + [V.MET] * (n - 1)), Q[4])
    assert year.verdict is PV.NOT_MET
    # the section's share met leaves the task out while it is not due, and counts it once it is
    from parxl.report import tally
    met = _agg(plan.indicator("IV.3/1"), _rows(plan.indicator("IV.3/1"), [V.MET] * 38, current=[8] * 38,
                                                baseline=[10] * 38), Q[1])
    assert met.verdict is PV.MET
    assert tally("IV", "", [fig, met])["share_met"] == 100
    assert tally("IV", "", [year, met])["share_met"] == 50
    assert tally("IV", "", [fig])["share_met"] is None


def test_the_plan_may_date_a_task_for_the_machine(tmp_path):
    from conftest import PLAN
    src = PLAN.read_text(encoding="utf-8").replace(
        'agencies = "agencies.toml"', f'agencies = "{(PLAN.parent / "agencies.toml").as_posix()}"')
    head = '[[task]]\ncode = "IV.1"\n'
    assert head in src
    (tmp_path / "plan.toml").write_text(src.replace(head, head + "due = 2024-06-30\n"), encoding="utf-8")
    from parxl.plan import load_plan
    dated = load_plan(tmp_path / "plan.toml")
    assert dated.indicator(UNREAD).due.due == dt.date(2024, 6, 30)
    assert [_task(dated, UNREAD, "Đang thực hiện", period=Q[q]) for q in (1, 2, 3)] == [
        V.IN_PROGRESS_NOT_DUE, V.OVERDUE, V.OVERDUE]
    assert "IV.1" not in {t.code for t in dated.unread_deadlines()}
    (tmp_path / "plan.toml").write_text(src.replace(head, head + 'due = "someday"\n'), encoding="utf-8")
    from parxl.errors import PlanError
    with pytest.raises(PlanError):
        load_plan(tmp_path / "plan.toml")


def test_every_self_check_formula_fits_excel(plan):
    """Excel's limit is 8,192 characters a formula; the longest references the sheet can hold are used."""
    from parxl.measures import self_check_formula
    longest = max(len(self_check_formula(i, lambda k: "$XFD$1048576", Q[1])) for i in plan.indicators)
    assert longest < 8192


@pytest.mark.parametrize("quarter,word,json_word,province", [
    (1, "Đang thực hiện (chưa đến hạn)", "in_progress_not_due", "not_due"),
    (4, "Chưa đạt (quá hạn)", "overdue", "not_met"),
])
def test_merge_json_and_consolidated_workbook_say_the_deadline_word(plan, tmp_path, quarter, word, json_word,
                                                                     province):
    import json

    import openpyxl

    from parxl.merge import merge_to_files
    from parxl.writer import generate
    period = Q[quarter]
    issued = {i.agency: i.path for i in generate(plan, period, tmp_path / "issued", KEY, ["TAMKY", "HOIAN"])}
    returns = tmp_path / "returns"
    returns.mkdir()
    simulate.fill_openpyxl(issued["TAMKY"], returns / "tamky.xlsx", plan, "TAMKY",
                           {YEAR_END: {"status": "Đang thực hiện"}, "V.2/1": {"status": "Chưa thực hiện"}}, WHEN)
    simulate.fill_openpyxl(issued["HOIAN"], returns / "hoian.xlsx", plan, "HOIAN", {YEAR_END: EVID}, WHEN)
    out = tmp_path / "tong-hop.xlsx"
    merge_to_files(plan, period, returns, out, KEY, report_path=tmp_path / "report.json")
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    mine = {(r["agency"], r["indicator"]): r["verdict"] for r in data["results"]}
    assert mine["TAMKY", YEAR_END] == json_word and mine["HOIAN", YEAR_END] == "met"
    assert mine["TAMKY", "V.2/1"] == ("not_started_not_due" if quarter == 1 else "overdue")
    fig = next(f for f in data["indicators"] if f["indicator"] == YEAR_END)
    assert fig["verdict"] == province
    wb = openpyxl.load_workbook(out, read_only=True)
    words = {c for row in wb["Dữ liệu"].iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert word in words
    province_words = {c for row in wb["Chỉ tiêu"].iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert ("Chưa đến hạn (1/" in " ".join(province_words)) == (quarter == 1)


# -- numeric targets due at the deadline, not at every quarter (issue 18) -----------------------------------

FLOOR, EACH_FLOOR, CEILING = "II.1.a/1", "I.5/1", "III.1.a/1"   # ≥ 3 (one agency), ≥ 1 each, "= 0": "Trong năm 2024"
CUT, RECURRING_CHANGE, RATE = "IV.3/1", "VIII.2/1", "III.4.2/1"  # < -10% vs 2021; "> 0" "Thường xuyên"; > 95%


def _numbers(plan_or_ind, code=None, status=None, period=Q[1], **numbers):
    from parxl.measures import Inputs, judge
    from parxl.vocab import TaskStatus
    ind = plan_or_ind.indicator(code) if code else plan_or_ind
    return judge(ind, Inputs(status=TaskStatus(status) if status else None,
                             numbers={k: F(v) for k, v in numbers.items()}), period).verdict


def _retarget(ind, op, value, upper=None, deadline=None):
    """The indicator with another target (or its task with another deadline): targets the plan has not."""
    import dataclasses

    from parxl.deadlines import deadline as read_deadline
    from parxl.plan import Target
    spec = ind.spec.model_copy(update={"target": Target(op=op, value=value, upper=upper)})
    task = ind.task if deadline is None else dataclasses.replace(ind.task, due=read_deadline(deadline, 2024))
    return dataclasses.replace(ind, spec=spec, task=task)


QUARTERS = (1, 2, 3, 4)
NOT_YET_THEN_OVERDUE = [V.IN_PROGRESS_NOT_DUE] * 3 + [V.OVERDUE]


@pytest.mark.parametrize("code,numbers,quarters", [
    (FLOOR, {"value": 3}, [V.MET] * 4),                          # reached: met whenever
    (FLOOR, {"value": 5}, [V.MET] * 4),
    (FLOOR, {"value": 2}, NOT_YET_THEN_OVERDUE),                 # short: not failed before the deadline
    (FLOOR, {"value": 0}, NOT_YET_THEN_OVERDUE),
    (EACH_FLOOR, {"value": 0}, NOT_YET_THEN_OVERDUE),
    (EACH_FLOOR, {"value": 1}, [V.MET] * 4),
    (CEILING, {"value": 1}, [V.NOT_MET] * 4),                    # a ceiling broken is broken at once
    (CEILING, {"value": 0}, [V.MET] * 4),
    (CUT, {"value": 89, "baseline": 100}, [V.MET] * 4),          # -11% against "giảm trên 10%"
    (CUT, {"value": 90, "baseline": 100}, NOT_YET_THEN_OVERDUE),  # -10%: not yet, then overdue
    (CUT, {"value": 120, "baseline": 100}, NOT_YET_THEN_OVERDUE),  # grew: may still fall by year end
    (RECURRING_CHANGE, {"value": 1200}, [V.NOT_MET] * 4),        # recurring: judged at every period, as before
    (RATE, {"numerator": 95, "denominator": 100}, [V.NOT_MET] * 4),  # a rate is a share: judged at every period
    (RATE, {"numerator": 96, "denominator": 100}, [V.MET] * 4),
])
def test_a_numeric_target_is_judged_at_its_deadline(plan, code, numbers, quarters):
    ind = plan.indicator(code)
    if code == RECURRING_CHANGE:
        assert ind.due.recurring and ind.target.baseline_value is None
        numbers = {**numbers, "baseline": 1250}
    else:
        assert ind.task.deadline == "Trong năm 2024"
    assert [_numbers(plan, code, period=Q[q], **numbers) for q in QUARTERS] == quarters


def test_a_short_count_says_not_started_when_the_agency_says_so(plan):
    assert [_numbers(plan, FLOOR, "Chưa thực hiện", Q[q], value=0) for q in QUARTERS] == (
        [V.NOT_STARTED_NOT_DUE] * 3 + [V.OVERDUE])
    assert _numbers(plan, CUT, "Chưa thực hiện", Q[2], value=100, baseline=100) is V.NOT_STARTED_NOT_DUE


@pytest.mark.parametrize("op,value,upper,typed,quarters", [
    ("=", 3, None, 2, NOT_YET_THEN_OVERDUE),      # exactly 3: below may still reach it ...
    ("=", 3, None, 4, [V.NOT_MET] * 4),           # ... above never will
    ("=", 3, None, 3, [V.MET] * 4),
    ("between", 2, 4, 1, NOT_YET_THEN_OVERDUE),
    ("between", 2, 4, 5, [V.NOT_MET] * 4),
    (">", 2, None, 2, NOT_YET_THEN_OVERDUE),      # strict floor: 2 is short of "> 2"
    ("<=", 2, None, 3, [V.NOT_MET] * 4),          # "không quá 2": broken at once
    ("<", 2, None, 1, [V.MET] * 4),
])
def test_a_count_waits_below_its_floor_and_fails_above_its_ceiling(plan, op, value, upper, typed, quarters):
    ind = _retarget(plan.indicator(FLOOR), op, value, upper)
    assert [_numbers(ind, period=Q[q], value=typed) for q in QUARTERS] == quarters


def test_a_count_whose_deadline_is_not_read_or_recurring_is_judged_as_before(plan):
    for words in ("Theo kế hoạch của Bộ Nội vụ", "Hằng quý"):
        ind = _retarget(plan.indicator(FLOOR), ">=", 3, deadline=words)
        assert [_numbers(ind, period=Q[q], value=1) for q in QUARTERS] == [V.NOT_MET] * 4
    june = _retarget(plan.indicator(FLOOR), ">=", 3, deadline="Quý II/2024")
    assert [_numbers(june, period=Q[q], value=1) for q in QUARTERS] == [V.IN_PROGRESS_NOT_DUE] + [V.OVERDUE] * 3


def _mixed(ind, verdicts, **values):
    """Results for the first len(verdicts) reporters, each with its figures whatever its verdict; the rest did
    not return."""
    out = []
    for k, rep in enumerate(ind.reporters):
        if k < len(verdicts):
            out.append(Result(rep.agency, ind.code, verdicts[k], **{key: F(v[k]) for key, v in values.items()}))
        else:
            out.append(Result(rep.agency, ind.code, V.NOT_RETURNED))
    return out


def test_a_province_count_not_yet_due_is_not_due_until_reached(plan):
    one = plan.indicator(FLOOR)                 # ≥ 3, one agency
    short = _agg(one, _mixed(one, [V.IN_PROGRESS_NOT_DUE], value=[2], current=[2]), Q[1])
    assert short.verdict is PV.NOT_DUE and short.value == 2 and not short.verdict.final
    assert (short.assessed, short.not_due, short.unassessed) == (0, 1, 0)
    assert short.verdict_vi() == "Chưa đến hạn"
    reached = _agg(one, _mixed(one, [V.MET], value=[3]), Q[1])
    assert reached.verdict is PV.MET and reached.verdict.final
    year = _agg(one, _mixed(one, [V.OVERDUE], value=[2]), Q[4])
    assert year.verdict is PV.NOT_MET and year.verdict.final
    # a total several agencies add to (VI.3/1: ≥ 2 over 38): short in Quý III is not due, whoever is missing
    many = plan.indicator("VI.3/1")
    rows = _mixed(many, [V.CONTRIBUTES] * 3, value=[1, 0, 0])
    assert _agg(many, rows, Q[3]).verdict is PV.NOT_DUE
    assert _agg(many, rows, Q[4]).verdict is PV.PROVISIONAL_NOT_MET            # the 35 missing could add 1
    assert _agg(many, _mixed(many, [V.CONTRIBUTES] * 2, value=[1, 1]), Q[1]).verdict is PV.MET
    # a ceiling broken is not met in Quý I already
    ceiling = plan.indicator(CEILING)
    assert _agg(ceiling, _mixed(ceiling, [V.NOT_MET], value=[1]), Q[1]).verdict is PV.NOT_MET


def test_a_province_count_each_and_change_not_yet_due(plan):
    each = plan.indicator(EACH_FLOOR)           # ≥ 1 initiative, every one of 38 agencies
    n = len(each.reporters)
    rows = _mixed(each, [V.MET] * 30 + [V.IN_PROGRESS_NOT_DUE] * (n - 30), value=[1] * 30 + [0] * (n - 30))
    fig = _agg(each, rows, Q[2])
    assert fig.verdict is PV.NOT_DUE and fig.not_due == n - 30
    assert fig.verdict_vi() == f"Chưa đến hạn (30/{n} đã hoàn thành)"
    assert _agg(each, _mixed(each, [V.MET] * n, value=[1] * n), Q[1]).verdict is PV.MET
    assert _agg(each, _mixed(each, [V.OVERDUE] + [V.MET] * (n - 1), value=[0] + [1] * (n - 1)),
                Q[4]).verdict is PV.NOT_MET
    exactly = _retarget(each, "=", 1)          # "= 1" each: an agency over it fails the share for good
    over = _mixed(exactly, [V.NOT_MET] + [V.IN_PROGRESS_NOT_DUE] * (n - 1), value=[2] + [0] * (n - 1))
    assert _agg(exactly, over, Q[1]).verdict is PV.NOT_MET

    cut = plan.indicator(CUT)                   # Σ this year vs Σ 2021 < -10%
    n = len(cut.reporters)
    short = _mixed(cut, [V.IN_PROGRESS_NOT_DUE] * n, current=[95] * n, baseline=[100] * n)
    fig = _agg(cut, short, Q[1])
    assert fig.verdict is PV.NOT_DUE and fig.value == -5 and fig.numerator == 95 * n and fig.not_due == n
    half = _mixed(cut, [V.MET] * 10 + [V.IN_PROGRESS_NOT_DUE] * 10, current=[80] * 10 + [95] * 10,
                  baseline=[100] * 20)
    fig = _agg(cut, half, Q[3])                 # -12.5% on 20 of 38: reached, more returns may undo it
    assert fig.verdict is PV.PROVISIONAL_MET and fig.unassessed == n - 20
    assert fig.verdict_vi() == f"Đạt (tạm tính, 20/{n})"          # the 10 not yet due gave their figures
    year = _mixed(cut, [V.OVERDUE] * n, current=[95] * n, baseline=[100] * n)
    assert _agg(cut, year, Q[4]).verdict is PV.NOT_MET

    from parxl.report import tally
    met = _agg(each, _mixed(each, [V.MET] * len(each.reporters), value=[1] * len(each.reporters)), Q[1])
    assert tally("I", "", [met, _agg(cut, short, Q[1])])["share_met"] == 100     # not due: left out
    assert tally("I", "", [met, _agg(cut, year, Q[4])])["share_met"] == 50


@pytest.mark.parametrize("quarter", [1, 4])
def test_merge_json_and_workbook_follow_the_numeric_deadline(plan, tmp_path, quarter):
    import json

    import openpyxl

    from parxl.merge import merge_to_files
    from parxl.writer import generate
    period = Q[quarter]
    issued = {i.agency: i.path for i in generate(plan, period, tmp_path / "issued", KEY, ["TAMKY", "VPUBND"])}
    returns = tmp_path / "returns"
    returns.mkdir()
    simulate.fill_openpyxl(issued["TAMKY"], returns / "tamky.xlsx", plan, "TAMKY",
                           {EACH_FLOOR: {"value": 0}, CUT: {"value": 95, "baseline": 100}}, WHEN)
    simulate.fill_openpyxl(issued["VPUBND"], returns / "vpubnd.xlsx", plan, "VPUBND",
                           {EACH_FLOOR: {"value": 2}, CEILING: {"value": 1}, CUT: {"value": 80, "baseline": 100}},
                           WHEN)
    out = tmp_path / "tong-hop.xlsx"
    merge_to_files(plan, period, returns, out, KEY, report_path=tmp_path / "report.json")
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    mine = {(r["agency"], r["indicator"]): r["verdict"] for r in data["results"]}
    short = "in_progress_not_due" if quarter == 1 else "overdue"
    assert (mine["TAMKY", EACH_FLOOR], mine["TAMKY", CUT]) == (short, short)
    assert (mine["VPUBND", EACH_FLOOR], mine["VPUBND", CUT], mine["VPUBND", CEILING]) == ("met", "met", "not_met")
    fig = {f["indicator"]: f for f in data["indicators"]}
    assert fig[CEILING]["verdict"] == "not_met" and fig[CEILING]["final"]
    # Σ 175 vs Σ 200 = -12.5% on 2 of 38 agencies: reached, provisional; each: 1 of 38 has its initiative
    assert fig[CUT]["verdict"] == "provisional_met" and fig[CUT]["coverage"]["not_due"] == (quarter == 1)
    assert fig[EACH_FLOOR]["verdict"] == ("not_due" if quarter == 1 else "not_met")
    assert fig[EACH_FLOOR]["final"] == (quarter == 4)
    wb = openpyxl.load_workbook(out, read_only=True)
    words = {c for row in wb["Dữ liệu"].iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert ("Đang thực hiện (chưa đến hạn)" if quarter == 1 else "Chưa đạt (quá hạn)") in words
