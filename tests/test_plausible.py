"""Implausible numbers and sheets the layout does not know, on real returns filled with openpyxl.

A value above the indicator's plausible maximum is kept and reported (value.implausible, warning) at
its exact cell; a sheet the agency added is reported once (layout.sheet-unknown, info) and not read.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import openpyxl
import pytest

from conftest import KEY, PLAN, ROOT
from corpus import where
from parxl.demo import simulate
from parxl.errors import PlanError
from parxl.findings import Severity
from parxl.merge import check_paths, merge
from parxl.measures import MAX_BY_UNIT, MAX_COUNT, MAX_RATE_TERM
from parxl.plan import load_plan
from parxl.vocab import format_number

WHEN = dt.datetime(2024, 9, 16, 8, 0, tzinfo=dt.timezone.utc)
AGENCIES = (ROOT / "templates" / "quangnam-2024" / "agencies.toml").as_posix()


def _reporter(plan, code):
    return plan.indicator(code).reporters[0].agency


def _check(plan, period, issued, tmp_path, code, values, name="return.xlsx", agency=None):
    agency = agency or _reporter(plan, code)
    path = simulate.fill_openpyxl(issued[agency], tmp_path / name, plan, agency, {code: values}, WHEN)
    [checked] = check_paths([path], plan, period, KEY)
    return agency, checked


def _codes(checked, code):
    return [f for f in checked.findings if f.code == code]


@pytest.mark.parametrize("code,values,keys,bound", [
    pytest.param("III.4.2/1", {"numerator": 97, "denominator": 1486000000000000}, ["denominator"],
                 MAX_RATE_TERM, id="rate_denominator_typed_as_1486000000000000"),
    pytest.param("III.4.2/1", {"numerator": 12_000_000, "denominator": 12_500_000}, ["numerator", "denominator"],
                 MAX_RATE_TERM, id="rate_terms_beyond_any_agency_each_named"),
    pytest.param("I.5/1", {"value": 2_500_000}, ["value"], MAX_COUNT, id="count_of_initiatives_in_millions"),
    pytest.param("VIII.4/1", {"value": 4200, "baseline": 38.5}, ["value"], MAX_BY_UNIT["%"],
                 id="share_in_percent_above_100"),
    pytest.param("VIII.2/1", {"value": 2100, "baseline": 2_000_000_000_000}, ["baseline"],
                 MAX_BY_UNIT["tỷ đồng"], id="baseline_typed_in_dong_not_ty_dong"),
])
def test_value_above_its_bound_is_reported_at_its_cell_and_kept(plan, period, issued, tmp_path,
                                                                code, values, keys, bound):
    agency, checked = _check(plan, period, issued, tmp_path, code, values)
    hits = _codes(checked, "value.implausible")
    assert [(f.sheet, f.cell, f.indicator, f.agency, f.seen, f.expected) for f in hits] == [
        (*where(plan, agency, code, k), code, agency, format_number(values[k], 4), format_number(bound, 4))
        for k in keys]
    for f in hits:
        assert f.severity is Severity.WARNING and f.file == str(tmp_path / "return.xlsx")
        assert f.seen in f.message and format_number(bound) in f.message
    assert checked.accepted                                   # a warning: the return is counted
    r = checked.results[code]
    kept = {"numerator": r.numerator, "denominator": r.denominator, "baseline": r.baseline, "value": r.current}
    for k in keys:
        assert kept[k] == Fraction(str(values[k]))            # the value is kept as typed


def test_the_1486000000000000_denominator_reaches_the_merged_report(plan, period, issued, returns_dir):
    agency = _reporter(plan, "III.4.2/1")
    simulate.fill_openpyxl(issued[agency], returns_dir / "return.xlsx", plan, agency,
                           {"III.4.2/1": {"numerator": 97, "denominator": 1486000000000000}}, WHEN)
    report = merge(plan, period, returns_dir, KEY)
    [f] = [f for f in report.findings if f.code == "value.implausible"]
    assert (f.file, f.cell) == ("return.xlsx", where(plan, agency, "III.4.2/1", "denominator")[1])
    r = next(r for r in report.results if r.agency == agency and r.indicator == "III.4.2/1")
    assert r.verdict == "not_met" and r.denominator == 1486000000000000   # what flipped the rate is named


@pytest.mark.parametrize("code,values", [
    pytest.param("III.4.2/1", {"numerator": 97, "denominator": 100}, id="ordinary_rate"),
    pytest.param("III.4.2/1", {"numerator": 9_999_000, "denominator": MAX_RATE_TERM}, id="rate_term_at_its_bound"),
    pytest.param("I.5/1", {"value": MAX_COUNT}, id="count_at_its_bound"),
    pytest.param("VIII.4/1", {"value": 100, "baseline": 38.5}, id="share_of_exactly_100_percent"),
    pytest.param("VIII.4/1", {"value": 0.42, "baseline": 38.5}, id="share_typed_as_a_fraction"),
    pytest.param("VIII.5/1", {"value": 120_000, "baseline": 110_000}, id="grdp_in_ty_dong"),
])
def test_plausible_values_get_no_finding(plan, period, issued, tmp_path, code, values):
    _, checked = _check(plan, period, issued, tmp_path, code, values)
    assert not _codes(checked, "value.implausible")
    assert checked.results[code].verdict in ("met", "not_met", "contributes")


# -- a plan's own max -------------------------------------------------------------------------------

def _plan_with(tmp_path, task_code: str, line: str):
    """The bundled plan with one line added to the first indicator of a task."""
    src = PLAN.read_text(encoding="utf-8")
    task = src.index(f'code = "{task_code}"\n')
    at = src.index("\ntarget = ", src.index("[[task.indicator]]", task)) + 1
    assert src.find("[[task]]", task) > at, f"task {task_code} has no [[task.indicator]]"
    text = (src[:at] + line + "\n" + src[at:]).replace('agencies = "agencies.toml"', f'agencies = "{AGENCIES}"')
    (tmp_path / "plan.toml").write_text(text, encoding="utf-8")
    return tmp_path / "plan.toml"


@pytest.fixture
def capped_plan(tmp_path):
    """The bundled plan, but a district can have solved at most 500 hồ sơ (III.4.2/1 max = 500)."""
    return load_plan(_plan_with(tmp_path, "III.4.2", "max = 500"))


def test_a_plans_max_overrides_the_default(plan, capped_plan, period, issued, tmp_path):
    assert capped_plan.indicator("III.4.2/1").bound == 500
    assert plan.indicator("III.4.2/1").bound == MAX_RATE_TERM
    assert capped_plan.indicator("III.4.3/1").bound == MAX_RATE_TERM          # only that indicator
    assert capped_plan.to_dict()["indicators"] != plan.to_dict()["indicators"]
    values = {"numerator": 960, "denominator": 1000}
    agency, default = _check(plan, period, issued, tmp_path, "III.4.2/1", values)
    assert not _codes(default, "value.implausible")                          # 1000 is fine by default
    # the same file (max shapes no cell: same layout, same signature) against the capped plan
    [capped] = check_paths([tmp_path / "return.xlsx"], capped_plan, period, KEY)
    assert capped.accepted
    hits = _codes(capped, "value.implausible")
    assert [(f.cell, f.seen, f.expected) for f in hits] == [
        (where(plan, agency, "III.4.2/1", "numerator")[1], "960", "500"),
        (where(plan, agency, "III.4.2/1", "denominator")[1], "1.000", "500")]


@pytest.mark.parametrize("task,line,words", [
    pytest.param("III.4.2", "max = 0", "greater than 0", id="zero_max"),
    pytest.param("IV.2", "max = 10", "'done' indicator takes no max", id="max_on_a_done_indicator"),
    pytest.param("I.1", "max = 20", "target value 33 is above the plausible maximum 20", id="max_below_the_target"),
])
def test_a_max_that_cannot_be_is_a_plan_error(tmp_path, task, line, words):
    with pytest.raises(PlanError) as e:
        load_plan(_plan_with(tmp_path, task, line))
    assert words in str(e.value)


# -- sheets the layout does not know -------------------------------------------------------------------

def _edit(src, dst, edit):
    wb = openpyxl.load_workbook(src)
    edit(wb)
    wb.save(dst)
    return dst


def test_a_scratch_sheet_is_reported_once_and_not_read(plan, period, issued, tmp_path):
    agency = _reporter(plan, "III.4.2/1")
    filled = simulate.fill_openpyxl(issued[agency], tmp_path / "filled.xlsx", plan, agency,
                                    {"III.4.2/1": {"numerator": 97, "denominator": 100}})

    def scratch(wb):
        ws = wb.create_sheet("Nháp")
        ws["A4"], ws["B4"], ws["G5"] = "Mã chỉ tiêu", "III.4.2/1", 5   # even data that looks like a row
    path = _edit(filled, tmp_path / "return_scratch_sheet.xlsx", scratch)
    [checked] = check_paths([path], plan, period, KEY)
    hits = _codes(checked, "layout.sheet-unknown")
    assert [(f.sheet, f.seen, f.agency) for f in hits] == [("Nháp", "Nháp", agency)]
    assert hits[0].severity is Severity.INFO
    assert checked.accepted and checked.results["III.4.2/1"].value == 97


def test_known_sheets_are_not_unknown(plan, period, issued, tmp_path):
    """A clean return, a renamed input sheet and a renamed identity sheet: nothing is 'unknown'."""
    agency = _reporter(plan, "III.4.2/1")

    def rename(wb):
        wb["_parxl"].title = "Định danh"
        for ws in wb.worksheets:
            if ws.title != "Định danh" and ws.sheet_state == "visible" and ws.title != "Hướng dẫn":
                ws.title = ws.title[:20] + " (sửa)"
                break
    clean = simulate.fill_openpyxl(issued[agency], tmp_path / "clean.xlsx", plan, agency,
                                   {"III.4.2/1": {"numerator": 97, "denominator": 100}})   # a blank one is no return
    renamed = _edit(clean, tmp_path / "renamed.xlsx", rename)
    checked = check_paths([clean, renamed], plan, period, KEY)
    for c in checked:
        assert c.accepted, [f.code for f in c.findings]
        assert not _codes(c, "layout.sheet-unknown"), [(f.sheet, f.code) for f in c.findings]
    assert _codes(checked[1], "layout.sheet-renamed")
