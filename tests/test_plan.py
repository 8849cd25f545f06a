"""The plan catalog against the seed's own appendix, and plan/registry loading errors."""
from __future__ import annotations

import re
import subprocess
import sys
import unicodedata

import pytest

from conftest import PLAN, SEED
from parxl.errors import PlanError
from parxl.plan import load_plan

# Every task row of the appendix, read off the seed by hand (STT per section; letters for rows
# sharing one STT).  An oracle independent of the TOML file.
SEED_TASKS = (
    "I.1 I.2 I.3 I.4 I.5 I.6 I.7 I.8 "
    "II.1.a II.1.b II.2 II.3 II.4 "
    "III.1.a III.1.b III.2.1 III.2.2.a III.2.2.b III.2.2.c III.2.3.a III.2.3.b III.3.1 III.3.2 III.3.3 "
    "III.3.4 III.4.1 III.4.2 III.4.3 III.4.4 III.4.5 III.5.1 III.5.2 "
    "IV.1 IV.2 IV.3 IV.4 IV.5.1 IV.5.2 IV.5.3 "
    "V.1 V.2 V.3 V.4 V.5 "
    "VI.1.1 VI.1.2 VI.1.3 VI.2.1 VI.2.2.a VI.2.2.b VI.2.3 VI.3 VI.4 "
    "VII.1.1 VII.1.2 VII.1.3 VII.2.1 VII.2.2 VII.2.3 VII.3.1 VII.3.2 VII.3.3 VII.3.4 VII.3.5 "
    "VIII.1 VIII.2 VIII.3 VIII.4 VIII.5"
).split()

# (indicator, op, value, upper, baseline_year): the seed's comparator and number, by hand.
SEED_TARGETS = {
    "I.1/1": (">=", 33, None, None), "I.3/1": (">=", 30, None, None), "I.3/2": (">=", 100, None, None),
    "I.3/3": (">=", 100, None, None), "I.5/1": (">=", 1, None, None), "I.6/1": (">=", 3, None, None),
    "I.7/1": (">=", 100, None, None), "I.8/1": (">=", 100, None, None),
    "II.1.a/1": (">=", 3, None, None), "II.2/1": (">=", 100, None, None),
    "III.1.a/1": ("=", 0, None, None), "III.2.2.a/1": (">=", 100, None, None),
    "III.2.2.b/1": (">=", 100, None, None), "III.2.2.c/1": (">=", 100, None, None),
    "III.2.3.a/1": (">=", 100, None, None), "III.2.3.b/1": (">=", 100, None, None),
    "III.3.1/1": (">=", 100, None, None), "III.3.2/1": (">=", 100, None, None),
    "III.3.3/1": (">=", 50, None, None), "III.3.4/1": (">=", 30, None, None),
    "III.4.1/1": (">", 95, None, None), "III.4.2/1": (">", 95, None, None), "III.4.3/1": (">", 95, None, None),
    "III.4.5/1": ("between", 80, 100, None), "III.5.1/1": (">=", 100, None, None),
    "III.5.2/1": (">=", 100, None, None),
    "IV.2/1": (">=", 100, None, None), "IV.3/1": ("<", -10, None, 2021), "IV.4/1": ("<", 0, None, 2023),
    "IV.5.3/1": (">=", 100, None, None),
    "V.2/1": (">=", 100, None, None), "V.2/2": (">=", 100, None, None), "V.4/1": (">=", 100, None, None),
    "V.5/1": (">=", 100, None, None),
    "VI.1.3/1": (">=", 90, None, None), "VI.3/1": (">=", 2, None, None), "VI.3/2": (">=", 2, None, None),
    "VI.4/1": ("<=", -10, None, 2021),
    "VII.1.3/1": (">=", 100, None, None), "VII.2.1/1": (">=", 80, None, None), "VII.2.1/2": (">=", 50, None, None),
    "VII.2.2/1": (">=", 100, None, None), "VII.2.3/1": (">=", 100, None, None), "VII.3.3/1": (">=", 80, None, None),
    "VII.3.4/1": (">=", 100, None, None), "VII.3.4/2": (">=", 50, None, None), "VII.3.5/1": (">=", 100, None, None),
    "VII.3.5/2": (">=", 100, None, None), "VII.3.5/3": (">=", 30, None, None),
    "VIII.1/1": (">=", 100, None, None), "VIII.2/1": (">", 0, None, 2023), "VIII.3/1": (">=", 20, None, 2023),
    "VIII.4/1": (">", 0, None, 2023), "VIII.5/1": (">", 0, None, 2023),
}


def test_every_task_row_of_the_appendix(plan):
    assert [t.code for t in plan.tasks] == SEED_TASKS
    assert len(plan.tasks) == 69


def test_every_numeric_target_with_the_seeds_comparator_and_number(plan):
    numeric = {i.code: i for i in plan.indicators if i.target.op != "done"}
    assert set(numeric) == set(SEED_TARGETS)
    for code, (op, value, upper, base) in SEED_TARGETS.items():
        t = numeric[code].target
        assert (t.op, t.value, t.upper, t.baseline_year) == (op, value, upper, base), code


def test_completion_tasks_get_one_done_indicator(plan):
    with_numbers = {c.split("/")[0] for c in SEED_TARGETS}
    for t in plan.tasks:
        mine = [i for i in plan.indicators if i.task is t]
        if t.code not in with_numbers:
            assert [(i.code, i.measure, i.target.op) for i in mine] == [(f"{t.code}/1", "done", "done")]


def _fold(s: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip()


def test_target_numbers_are_written_in_their_tasks_words(plan):
    """Each numeric target's number stands in its own task's title or result."""
    for i in plan.indicators:
        if i.target.op == "done":
            continue
        words = _fold(i.task.result + " " + i.task.title)
        v = int(i.target.upper if i.target.op == "between" else abs(i.target.value))
        if v:  # 0 is "Không có", "cao hơn", "giảm so với": words, not digits
            assert re.search(rf"(?<!\d)0?{v}(?!\d)", words), (i.code, v)


def test_task_titles_and_results_are_the_seeds_words(plan):
    if not SEED.exists():
        pytest.skip(f"the seed is not beside this clone ({SEED})")
    seed = _fold(SEED.read_text(encoding="utf-8"))
    # the seed's typos, corrected in the catalog (each task's note says so)
    typos = {"tối thiểu": "tối thiếu", "tính khả thi": "tỉnh khả thi", "kỹ lưỡng": "kỹ lường", "vận động": "vân động"}
    for t in plan.tasks:
        assert _fold(t.title)[:30] in seed, t.code
        first = _fold(t.result.lstrip("- "))[:25]
        for right, wrong in typos.items():
            first = first.replace(right, wrong)
        assert first in seed, (t.code, first)


def test_rates_are_never_typed(plan):
    for i in plan.indicators:
        if i.unit == "%" and i.measure not in ("done", "change"):
            assert i.measure == "rate" and i.numerator and i.denominator, i.code


def test_registry_resolves_every_phrase_and_names_18_districts(plan):
    reg = plan.registry
    districts = reg.members("ubnd-huyen")
    assert len(districts) == 18
    assert "UBND thành phố Tam Kỳ" in [reg.name(d) for d in districts]
    # communes are not listed: the districts report on their behalf
    assert [a.on_behalf_of for a in reg.resolve("UBND cấp xã")] == ["ubnd-xa"] * 18
    assert reg.resolve("Các Sở, Ban, ngành") == reg.resolve("sở, ban, ngành")
    assert reg.resolve("Sở Hỏa tiễn") is None
    roles = dict((i.code, r.role) for i, r in plan.assignments("NUITHANH"))
    assert roles["III.4.2/1"] == "Chủ trì"
    assert roles["III.4.3/1"] == "Chủ trì (tổng hợp UBND cấp xã)"


def test_indicator_reporters_follow_the_plan(plan):
    assert [r.agency for r in plan.indicator("I.1/1").reporters] == ["SNV"]
    assert len(plan.indicator("I.5/1").reporters) == 20 + 18       # every sở and district, its own count
    assert [r.agency for r in plan.indicator("VIII.4/1").reporters] == ["CTHUE"]
    assert all(plan.registry.agencies[r.agency].group == "so-nganh" for r in plan.indicator("VII.2.1/1").reporters)
    # bodies named by the plan that receive no workbook
    assert "DKTCCHC" not in plan.reporting_agencies()


BROKEN = '''
[plan]
id = "broken"
version = "1"
title = "t"
province = "p"
year = 2024
agencies = "{agencies}"

[[section]]
code = "I"
title = "A"
sheet = "A sheet name that is far too long for Excel"

[[task]]
code = "I.1"
section = "I"
title = "x"
deadline = "d"
lead = ["Sở Không Tồn Tại"]
result = "r"
[[task.indicator]]
label = "l"
measure = "rate"
unit = "%"
target = {{ op = "about", value = 3 }}

[[task]]
code = "II.1"
section = "II"
title = "x"
deadline = "d"
lead = ["Sở Nội vụ"]
result = "r"
'''


def test_broken_plan_reports_every_problem_at_once(tmp_path):
    p = tmp_path / "plan.toml"
    p.write_text(BROKEN.format(agencies=(PLAN.parent / "agencies.toml").as_posix()), encoding="utf-8")
    with pytest.raises(PlanError) as e:
        load_plan(p)
    wheres = [x.where for x in e.value.problems]
    assert any("task[0] (I.1).indicator[0].target" in w for w in wheres)  # bad op
    # a model error stops before phrase resolution; fix it and the rest all come together
    p.write_text(BROKEN.format(agencies=(PLAN.parent / "agencies.toml").as_posix())
                 .replace('op = "about"', 'op = ">="').replace('measure = "rate"', 'measure = "rate"\nnumerator = "n"\ndenominator = "d"'),
                 encoding="utf-8")
    with pytest.raises(PlanError) as e:
        load_plan(p)
    text = [str(x) for x in e.value.problems]
    assert any("31 characters" in t for t in text)
    assert any("unknown section 'II'" in t for t in text)
    assert any("Sở Không Tồn Tại" in t and "task[0] (I.1).lead[0]" in t for t in text)
    assert all(str(p) in t for t in text)


def test_plan_check_cli_exits_2_without_traceback(tmp_path):
    p = tmp_path / "plan.toml"
    p.write_text("[plan\nid=", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "parxl.cli", "plan", "check", str(p)], capture_output=True, text=True)
    assert r.returncode == 2
    assert "không phải TOML hợp lệ" in r.stderr and "Traceback" not in r.stderr   # Vietnamese by default


def test_plan_show_json_shape(plan):
    r = subprocess.run([sys.executable, "-m", "parxl.cli", "plan", "show", str(PLAN), "--json"],
                       capture_output=True, text=True, check=True)
    import json
    d = json.loads(r.stdout)
    assert set(d) >= {"id", "version", "title", "sections", "tasks", "indicators"}
    assert len(d["tasks"]) == 69 and len(d["sections"]) == 8
    t = d["tasks"][0]
    assert set(t) >= {"code", "section", "title", "deadline", "lead", "coordinators", "result"}
    i = next(x for x in d["indicators"] if x["code"] == "III.4.1/1")
    assert i["unit"] == "%" and i["target"] == {"op": ">", "value": 95, "upper": None, "baseline_year": None}
    assert "SNV" in d["tasks"][0]["coordinators"]


def test_periods_follow_the_reporting_regime():
    import datetime as dt
    from parxl.errors import UsageError
    from parxl.periods import Period
    d = dt.date
    assert Period.parse("2024-Q1").window == (d(2023, 12, 15), d(2024, 3, 14))
    assert Period.parse("2024-Q2").window == (d(2023, 12, 15), d(2024, 6, 14))   # the six-month report
    assert Period.parse("2024-Q3").window == (d(2024, 6, 15), d(2024, 9, 14))
    assert Period.parse("2024-Q4").window == (d(2023, 12, 15), d(2024, 12, 14))  # the annual report
    assert Period.parse("2024-Q2").label_vi == "Báo cáo 6 tháng năm 2024"
    assert Period.parse("2024-Q1").label_vi == "Báo cáo quý I năm 2024"
    assert Period.parse("2024-Q4").label_vi == "Báo cáo năm 2024"          # the annual report, not "năm năm"
    assert Period.parse("2024-Q3").due == d(2024, 9, 20)
    assert Period.parse("2024-Q3", due=d(2024, 9, 25)).due == d(2024, 9, 25)
    for spelling in ("2024Q3", "Q3-2024", "2024-q3"):             # read as people write them (tests/test_cli.py)
        assert Period.parse(spelling).code == "2024-Q3"
    for bad in ("2024-Q5", "2024-3", "Q3", "2024"):
        with pytest.raises(UsageError):
            Period.parse(bad)
    with pytest.raises(UsageError):
        Period.parse("2024-Q3", due=d(2024, 9, 1))


# -- the reports a plan feeds ([plan] periods; issue 18) -------------------------------------------------------

def test_the_bundled_plan_feeds_the_quarter_iii_and_annual_reports(plan):
    """The seed: its results go into the Quý III report and the annual CCHC report."""
    assert plan.periods == (3, 4) and plan.periods_vi() == "quý III, năm"
    assert [plan.collects(q) for q in (1, 2, 3, 4)] == [False, False, True, True]
    assert plan.to_dict()["periods"] == ["Q3", "Q4"]


def test_a_plan_without_periods_feeds_every_report_and_a_wrong_one_is_refused(tmp_path):
    import pytest as _pytest
    from conftest import PLAN
    from parxl.errors import PlanError
    from parxl.plan import load_plan
    (tmp_path / "agencies.toml").write_bytes((PLAN.parent / "agencies.toml").read_bytes())
    text = PLAN.read_text(encoding="utf-8")
    (tmp_path / "plan.toml").write_text(text.replace('periods = ["Q3", "Q4"]\n', ""), encoding="utf-8")
    every = load_plan(tmp_path / "plan.toml")
    assert every.periods == () and all(every.collects(q) for q in (1, 2, 3, 4)) and every.periods_vi() == ""
    (tmp_path / "plan.toml").write_text(text.replace('periods = ["Q3", "Q4"]', 'periods = ["Q5"]'), encoding="utf-8")
    with _pytest.raises(PlanError):
        load_plan(tmp_path / "plan.toml")


def test_generate_and_merge_for_a_report_the_plan_does_not_feed_say_so(tmp_path):
    import subprocess
    from conftest import PARXL
    run = lambda *a: subprocess.run([*PARXL, *a], capture_output=True, text=True, cwd=tmp_path)  # noqa: E731
    q1 = run("generate", "2024-Q1", "--out", "q1", "--agency", "TAMKY")
    assert q1.returncode == 0 and (tmp_path / "q1" / "2024-Q1_TAMKY.xlsx").exists()
    assert "kế hoạch chỉ phục vụ các báo cáo: quý III, năm; Báo cáo quý I năm 2024 không nằm" in q1.stderr
    q3 = run("generate", "2024-Q3", "--out", "q3", "--agency", "TAMKY")
    assert q3.returncode == 0 and "chỉ phục vụ" not in q3.stderr
    (tmp_path / "r").mkdir()
    m = run("merge", "2024-Q2", "--returns", "r", "--out", "o/t.xlsx", "--key", "parxl.key", "--allow-empty",
            "--no-ledger")
    assert "Báo cáo 6 tháng năm 2024 không nằm" in m.stderr, m.stderr
    en = run("--lang", "en", "generate", "2024-Q1", "--out", "q1en", "--agency", "TAMKY")
    assert "the plan feeds only these reports: quý III, năm" in en.stderr
