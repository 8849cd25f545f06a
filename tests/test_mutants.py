"""Checks that a mutation run found unheld: disabling one left every test green (issue 22).

Each test here was seen to fail with its check disabled and to pass on the real code (the README's
"Testing" section lists the mutations as spot-checks anyone can repeat).
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl.utils.datetime import from_excel

from conftest import KEY, fill
from parxl.checks import check_return
from parxl.demo import libreoffice
from parxl.layout import COL, agency_layout, cell_name
from parxl.reader import read_return

RATE = "III.4.2/1"            # a rate on Tam Kỳ's workbook: numerator ≤ denominator, whole numbers
TASK = "IV.1/1"               # a task on Tam Kỳ's workbook: status, evidence, the document's date
SCRATCH = 26                  # column Z (0-based 25 + 1): no input, no layout column


def _validation(path, plan, indicator: str, key: str):
    """The Excel validation on one input of Tam Kỳ's workbook as the file holds it: (sheet, row, validation)."""
    sheet, row = next((s.name, r.excel_row) for s in agency_layout(plan, "TAMKY") for r in s.rows
                      if r.indicator.code == indicator)
    ws = openpyxl.load_workbook(path)[sheet]
    cell = cell_name(row, COL[key])
    return sheet, row, next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == cell)


def test_the_document_date_validation_admits_exactly_the_dates_the_merge_admits(plan, period, issued, tmp_path):
    """The date validation on a task's document date (Measure.validation) and the merge's date checks hold
    the same window: the first and last day the validation admits get no date finding, the day before gets
    value.date-outside-window, the day after value.date-future."""
    _, _, dv = _validation(issued["TAMKY"], plan, TASK, "doc_date")
    assert (dv.type, dv.operator) == ("date", None)           # "between" is the default operator
    first, last = (from_excel(float(f)).date() for f in (dv.formula1, dv.formula2))
    codes = {}
    for day in (first - dt.timedelta(days=1), first, last, last + dt.timedelta(days=1)):
        path = fill(issued, plan, "TAMKY", tmp_path / f"{day}.xlsx",
                    {TASK: {"status": "Hoàn thành", "evidence": "QĐ 12/QĐ-UBND", "doc_date": day}})
        c = check_return(read_return(path), plan, period, KEY)
        codes[day] = [f.code for f in c.findings if f.code.startswith("value.date") and f.indicator == TASK]
    assert list(codes.values()) == [["value.date-outside-window"], [], [], ["value.date-future"]], codes


@pytest.mark.libreoffice
def test_the_rate_numerator_validation_refuses_what_the_merge_refuses(plan, issued, tmp_path):
    """The validation on a rate's numerator (Measure.validation), computed by LibreOffice on the typed
    cells: a whole number from 0 up to the denominator passes, a numerator above its denominator (the
    merge's value.numerator-gt-denominator), a negative, a decimal or text is refused."""
    sheet, row, dv = _validation(issued["TAMKY"], plan, RATE, "numerator")
    assert dv.type == "custom", dv.type
    formula = dv.formula1
    cases = {"96_of_100": (96, 100, True), "100_of_100": (100, 100, True), "5_no_denominator": (5, None, True),
             "0_of_0": (0, 0, True), "101_of_100": (101, 100, False), "minus_1": (-1, 100, False),
             "9.5_of_100": (9.5, 100, False), "96_as_text": ("96", 100, False)}
    typed = []
    for name, (n, d, _) in cases.items():
        path = fill(issued, plan, "TAMKY", tmp_path / f"{name}.xlsx", {RATE: {"numerator": n, "denominator": d}})
        wb = openpyxl.load_workbook(path)
        wb[sheet].cell(row + 1, SCRATCH).value = f"={formula}"     # the validation's formula, on its row
        wb.save(path)
        typed.append(path)
    out = tmp_path / "computed"
    out.mkdir()
    computed = libreoffice.convert_many(typed, out)
    seen = {p.stem: openpyxl.load_workbook(p, data_only=True)[sheet].cell(row + 1, SCRATCH).value for p in computed}
    assert seen == {name: ok for name, (_, _, ok) in cases.items()}
