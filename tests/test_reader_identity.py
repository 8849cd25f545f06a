"""The identity a return holds is found where an agency may have moved it: on the sheet named _parxl, or on
whichever sheet holds it once that sheet was renamed (parxl.identity.find_identity)."""
from __future__ import annotations

import openpyxl

from parxl.layout import IDENTITY_SHEET
from parxl.reader import read_return

AGENCY = "HOIAN"


def test_the_identity_is_found_on_the_sheet_it_was_issued_on(issued):
    wb = read_return(issued[AGENCY])
    assert wb.identity_sheet_name == IDENTITY_SHEET and wb.identity_sheet["agency"] == AGENCY
    assert wb.identity_sheet["template_id"] and wb.identity_sheet["signature"]


def test_the_identity_is_found_on_a_renamed_sheet(issued, tmp_path):
    book = openpyxl.load_workbook(issued[AGENCY])
    book[IDENTITY_SHEET].title = "Thông tin"
    path = tmp_path / "return_identity_renamed.xlsx"
    book.save(path)
    wb = read_return(path)
    assert wb.identity_sheet_name == "Thông tin"
    assert wb.identity_sheet == read_return(issued[AGENCY]).identity_sheet


def test_a_return_without_its_identity_has_none(issued, tmp_path):
    book = openpyxl.load_workbook(issued[AGENCY])
    del book[IDENTITY_SHEET]
    path = tmp_path / "return_identity_removed.xlsx"
    book.save(path)
    wb = read_return(path)
    assert wb.identity_sheet is None and wb.identity_sheet_name is None
