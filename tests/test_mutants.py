"""Checks that a mutation run found unheld: disabling one left every test green (issue 22).

Each test here was seen to fail with its check disabled and to pass on the real code (the README's
"Testing" section lists the mutations as spot-checks anyone can repeat).
"""
from __future__ import annotations

import openpyxl
import pytest

from conftest import fill
from parxl.demo import libreoffice
from parxl.layout import COL, agency_layout, cell_name

RATE = "III.4.2/1"            # a rate on Tam Kỳ's workbook: numerator ≤ denominator, whole numbers
SCRATCH = 26                  # column Z (0-based 25 + 1): no input, no layout column


def _numerator_validation(path, plan):
    """The Excel validation on Tam Kỳ's rate numerator as the workbook holds it: (sheet, row, formula)."""
    sheet, row = next((s.name, r.excel_row) for s in agency_layout(plan, "TAMKY") for r in s.rows
                      if r.indicator.code == RATE)
    ws = openpyxl.load_workbook(path)[sheet]
    cell = cell_name(row, COL["numerator"])
    dv = next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == cell)
    assert dv.type == "custom", dv.type
    return sheet, row, dv.formula1


@pytest.mark.libreoffice
def test_the_rate_numerator_validation_refuses_what_the_merge_refuses(plan, issued, tmp_path):
    """The validation on a rate's numerator (Measure.validation), computed by LibreOffice on the typed
    cells: a whole number from 0 up to the denominator passes, a numerator above its denominator (the
    merge's value.numerator-gt-denominator), a negative, a decimal or text is refused."""
    sheet, row, formula = _numerator_validation(issued["TAMKY"], plan)
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
