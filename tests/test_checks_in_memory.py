"""Check cases on returns built in memory (tests/builders.py): each case types values into Tam Kỳ's workbook as
the reader gives it and asserts the verdict and the finding codes at their cells, in milliseconds.  The first
test holds the builder to the file: the same values filled in openpyxl, saved and read back, check the same."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from builders import returned
from conftest import fill

from parxl.checks import check_return
from parxl.layout import COL, agency_layout, cell_name
from parxl.reader import CellError, read_return
from parxl.vocab import Verdict

KEY = bytes.fromhex("11" * 32)
AGENCY = "TAMKY"
RATE, CHANGE, COUNT, TASK = "III.4.2/1", "IV.3/1", "VI.3/1", "IV.1/1"   # > 95%; < -10% vs a baseline;
# at least 2 units in the province (a contribution); a task


def where(plan, code, key):
    s, r = next((s, r) for s in agency_layout(plan, AGENCY) for r in s.rows if r.indicator.code == code)
    return s.name, cell_name(r.excel_row, COL[key])


def check(plan, period, issued, values):
    return check_return(returned(issued, plan, AGENCY, values), plan, period, KEY)


def codes(checked, indicator=None):
    return sorted((f.code, f.sheet, f.cell) for f in checked.findings if indicator in (None, f.indicator))


CASES = {
    RATE: {"numerator": 96, "denominator": 100, "status": "Hoàn thành", "evidence": "Báo cáo số 12/BC-UBND",
           "doc_date": dt.datetime(2024, 9, 2)},
    CHANGE: {"value": "95,5", "baseline": 120},
    COUNT: {"value": 3.5},
    TASK: {"status": "Hoàn thành"},
    "I.7/1": {"numerator": 5, "denominator": 4},
}


def test_a_case_built_in_memory_checks_as_the_same_values_filled_in_a_file(plan, period, issued, tmp_path):
    in_memory = check(plan, period, issued, CASES)
    from_file = check_return(read_return(fill(issued, plan, AGENCY, tmp_path / "tamky.xlsx", CASES)), plan, period,
                             KEY)
    assert {k: r.verdict for k, r in in_memory.results.items()} == {k: r.verdict for k, r in from_file.results.items()}
    assert codes(in_memory) == codes(from_file)
    assert {c for c, *_ in codes(in_memory)} >= {"value.not-whole", "value.numerator-gt-denominator",
                                                  "value.evidence-missing"}


def test_a_numerator_above_its_denominator_is_refused_at_the_numerator(plan, period, issued):
    c = check(plan, period, issued, {RATE: {"numerator": 120, "denominator": 100}})
    assert c.results[RATE].verdict is Verdict.INVALID
    assert codes(c, RATE) == [("value.numerator-gt-denominator", *where(plan, RATE, "numerator"))]


def test_nothing_arising_makes_a_rate_not_applicable_at_its_denominator(plan, period, issued):
    c = check(plan, period, issued, {RATE: {"numerator": 0, "denominator": 0}})
    assert c.results[RATE].verdict is Verdict.NOT_APPLICABLE
    assert codes(c, RATE) == [("value.zero-denominator", *where(plan, RATE, "denominator"))]


def test_a_zero_baseline_is_refused_at_the_baseline(plan, period, issued):
    c = check(plan, period, issued, {CHANGE: {"value": 12, "baseline": 0}})
    assert c.results[CHANGE].verdict is Verdict.INVALID
    assert codes(c, CHANGE) == [("value.zero-baseline", *where(plan, CHANGE, "baseline"))]


def test_a_blank_input_is_missing_at_its_cell(plan, period, issued):
    c = check(plan, period, issued, {RATE: {"numerator": 96}})
    assert c.results[RATE].verdict is Verdict.MISSING_DATA
    assert codes(c, RATE) == [("value.missing", *where(plan, RATE, "denominator"))]


def test_a_task_done_without_evidence_is_missing_its_evidence(plan, period, issued):
    c = check(plan, period, issued, {TASK: {"status": "Hoàn thành"}})
    assert c.results[TASK].verdict is Verdict.MISSING_EVIDENCE
    assert codes(c, TASK) == [("value.evidence-missing", *where(plan, TASK, "evidence"))]


def test_evidence_without_the_document_date_is_missing_the_date(plan, period, issued):
    c = check(plan, period, issued, {TASK: {"status": "Hoàn thành", "evidence": "Quyết định số 5/QĐ-UBND"}})
    assert c.results[TASK].verdict is Verdict.MET
    assert codes(c, TASK) == [("value.missing", *where(plan, TASK, "doc_date"))]


def test_a_figure_above_the_plausible_bound_is_kept_and_reported(plan, period, issued):
    c = check(plan, period, issued, {COUNT: {"value": 250_000}})
    assert c.results[COUNT].value == 250_000
    assert codes(c, COUNT) == [("value.implausible", *where(plan, COUNT, "value"))]


@pytest.mark.parametrize("typed, code", [("1,200", "value.ambiguous-comma"), (-3, "value.negative"),
                                         ("ba", "value.not-a-number"), (2.5, "value.not-whole")])
def test_a_count_typed_wrong_is_refused_with_its_reason(plan, period, issued, typed, code):
    c = check(plan, period, issued, {COUNT: {"value": typed}})
    assert c.results[COUNT].verdict is Verdict.INVALID
    assert [x for x, *_ in codes(c, COUNT)] == [code]


def test_a_number_typed_in_vietnamese_notation_is_read_and_noted(plan, period, issued):
    c = check(plan, period, issued, {CHANGE: {"value": "95,5", "baseline": "1.000"}})
    r = c.results[CHANGE]
    assert (r.current, r.baseline) == (Fraction(191, 2), 1000)
    assert [x for x, *_ in codes(c, CHANGE)] == ["value.coerced", "value.coerced"]


def test_an_excel_error_in_an_input_is_refused(plan, period, issued):
    c = check(plan, period, issued, {RATE: {"numerator": CellError("#DIV/0!"), "denominator": 100}})
    assert c.results[RATE].verdict is Verdict.INVALID
    assert codes(c, RATE) == [("value.error-cell", *where(plan, RATE, "numerator"))]


def test_a_document_dated_after_the_deadline_is_reported(plan, period, issued):
    c = check(plan, period, issued, {TASK: {"status": "Hoàn thành", "evidence": "Quyết định số 5/QĐ-UBND",
                                            "doc_date": dt.datetime(2025, 1, 5)}})
    assert [x for x, *_ in codes(c, TASK)] == ["value.date-future"]


def test_the_same_workbook_read_once_serves_every_case(plan, period, issued):
    """The builder copies: a case's values never leak into the next."""
    check(plan, period, issued, {RATE: {"numerator": 120, "denominator": 100}})
    c = check(plan, period, issued, {COUNT: {"value": 3}})
    assert c.results[RATE].verdict is Verdict.MISSING_DATA and c.results[COUNT].verdict is Verdict.CONTRIBUTES


# -- the layout: rows and sheets as a person moves, copies and adds them (each check held by its own test) ------

def _sheet_and_row(plan, wb, code):
    s, r = next((s, r) for s in agency_layout(plan, AGENCY) for r in s.rows if r.indicator.code == code)
    return wb.sheets[s.name], r.excel_row


def test_a_document_dated_before_the_window_is_reported(plan, period, issued):
    start, _end = period.evidence_window
    c = check(plan, period, issued, {TASK: {"status": "Hoàn thành", "evidence": "Quyết định số 5/QĐ-UBND",
                                            "doc_date": dt.datetime.combine(start, dt.time()) - dt.timedelta(days=1)}})
    assert codes(c, TASK) == [("value.date-outside-window", *where(plan, TASK, "doc_date"))]


def test_a_row_pasted_twice_is_used_neither_time(plan, period, issued):
    wb = returned(issued, plan, AGENCY, {RATE: {"numerator": 96, "denominator": 100}, COUNT: {"value": 3}})
    sheet, r = _sheet_and_row(plan, wb, RATE)
    sheet.rows.append(list(sheet.rows[r]))              # the row copied below the table
    c = check_return(wb, plan, period, KEY)
    assert [x for x, *_ in codes(c, RATE)] == ["row.duplicate"]
    assert c.results[RATE].verdict is Verdict.MISSING_DATA and c.results[COUNT].value == 3


def test_a_row_moved_is_read_by_its_code_and_said_so(plan, period, issued):
    wb = returned(issued, plan, AGENCY, {RATE: {"numerator": 96, "denominator": 100}})
    sheet, r = _sheet_and_row(plan, wb, RATE)
    sheet.rows.append(sheet.rows[r])                    # cut and pasted below the table
    sheet.rows[r] = [None] * len(sheet.rows[r])
    c = check_return(wb, plan, period, KEY)
    assert [x for x, *_ in codes(c, RATE)] == ["row.moved"]
    assert c.results[RATE].verdict is Verdict.MET and c.results[RATE].numerator == 96


def test_a_sheet_the_template_lacks_is_named_and_not_read(plan, period, issued):
    from parxl.reader.model import Sheet
    wb = returned(issued, plan, AGENCY, {RATE: {"numerator": 96, "denominator": 100}})
    wb.sheets["Nháp"] = Sheet("Nháp", True, [["III.4.2/1", None, 1, 1]])
    c = check_return(wb, plan, period, KEY)
    assert [(f.code, f.sheet) for f in c.findings if f.code.startswith("layout.")] == [("layout.sheet-unknown", "Nháp")]
    assert c.results[RATE].numerator == 96
