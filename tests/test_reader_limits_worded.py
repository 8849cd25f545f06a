"""The reader returns data, the catalog words it: a limit passed is reported as an Amount (a count and what it
counts), which the finding's message words in Vietnamese or English; no Vietnamese text is built in the reader."""
from __future__ import annotations

import ast
import re

import openpyxl

from conftest import ROOT
from parxl import reader
from parxl.findings import Amount
from parxl.reader import read_return
from parxl.reader.limits import MAX_SHEETS

AGENCY = "HOIAN"
VIETNAMESE = re.compile(r"[À-ỹ]")      # a letter with Vietnamese diacritics


def test_too_many_sheets_is_reported_as_an_amount_worded_by_the_catalog(issued, tmp_path):
    wb = openpyxl.load_workbook(issued[AGENCY])
    while len(wb.sheetnames) <= MAX_SHEETS:
        wb.create_sheet(f"Thêm {len(wb.sheetnames)}")
    path = tmp_path / "return_many_sheets.xlsx"
    wb.save(path)
    got = read_return(path)
    [f] = got.findings
    assert (f.code, f.seen, f.expected) == ("file.too-large", Amount(MAX_SHEETS + 1, "sheets"), MAX_SHEETS)
    assert f"({MAX_SHEETS + 1} sheets; at most {MAX_SHEETS})" in f.message_en
    assert f"({MAX_SHEETS + 1} sheet; tối đa {MAX_SHEETS})" in f.message


def test_too_much_work_is_reported_as_an_amount_worded_by_the_catalog(issued, monkeypatch):
    monkeypatch.setattr(reader.limits, "MAX_WORK", 50)
    [f] = read_return(issued[AGENCY], fast=False).findings
    assert (f.code, f.seen, f.expected) == ("file.too-much-work", Amount(50, "xml-elements", more=True), 50)
    assert "(more than 50 XML elements; at most 50)" in f.message_en
    assert "(hơn 50 phần tử XML; tối đa 50)" in f.message


def test_no_vietnamese_text_is_built_in_the_reader():
    """Docstrings and comments may be in any language; a string the reader builds may not be Vietnamese."""
    found = []
    for path in sorted((ROOT / "parxl" / "reader").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body
                and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        found += [f"{path.name}:{n.lineno}: {n.value!r}" for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
                  and VIETNAMESE.search(n.value)]
    assert found == []
