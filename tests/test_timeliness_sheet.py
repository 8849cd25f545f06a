"""The consolidated workbook with a ledger: the year's timeliness (sheet "Đúng hạn cả năm"), and on "Dữ liệu" the
inputs a return still holds as generate prefilled them from last period.

A year of two agencies' returns, the other 44 never returning, each period merged into one ledger:
  2024-Q1  Tam Kỳ on time (a task done, with its evidence and date; a change with its baseline);
           Hội An 5 days late (saved 25/03 10:00 Vietnam time, due 20/03)
  2024-Q2  issued with the ledger: Tam Kỳ's done task (status, evidence, date) and its baseline come prefilled,
           left as they are, the rest typed, on time; Hội An returns nothing
  2024-Q4  (the annual report) Tam Kỳ on time; Hội An sends a file with a locked cell edited: refused
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from conftest import KEY
from parxl.demo import simulate
from parxl.merge import merge_to_files
from parxl.periods import Period
from parxl.writer import generate

UTC = dt.timezone.utc
AGENCIES = ["TAMKY", "HOIAN"]
RATE, CHANGE, DONE, DOING = "III.4.2/1", "IV.3/1", "IV.1/1", "IV.2/1"
Q1_TAMKY = {RATE: {"numerator": 900, "denominator": 1000}, CHANGE: {"value": 80, "baseline": 100},
            DONE: {"status": "Hoàn thành", "evidence": "Quyết định 12/QĐ-UBND", "doc_date": dt.date(2024, 3, 10)},
            DOING: {"status": "Đang thực hiện"}}
SHEET = "Đúng hạn cả năm"


def _days_after_due(period: Period, days: int) -> dt.datetime:
    """10:00 Vietnam time, ``days`` days after the period's due date (negative: before it)."""
    return dt.datetime.combine(period.due + dt.timedelta(days=days), dt.time(3, 0), UTC)


@pytest.fixture(scope="module")
def year(plan, tmp_path_factory):
    root = tmp_path_factory.mktemp("timeliness-sheet")
    ledger = root / "ledger.sqlite"
    q1, q2, q4 = (Period.parse(c) for c in ("2024-Q1", "2024-Q2", "2024-Q4"))
    issued = {i.agency: i.path for i in generate(plan, q1, root / "issued-q1", KEY, agencies=AGENCIES)}
    (root / "q1").mkdir()
    simulate.fill_openpyxl(issued["TAMKY"], root / "q1" / "tamky.xlsx", plan, "TAMKY", Q1_TAMKY,
                           _days_after_due(q1, -3))
    simulate.fill_openpyxl(issued["HOIAN"], root / "q1" / "hoian.xlsx", plan, "HOIAN",
                           {RATE: {"numerator": 800, "denominator": 1000}}, _days_after_due(q1, 5))
    merge_to_files(plan, q1, root / "q1", root / "q1.xlsx", KEY, ledger=ledger)

    issued = {i.agency: i.path for i in generate(plan, q2, root / "issued-q2", KEY, agencies=AGENCIES, ledger=ledger)}
    (root / "q2").mkdir()
    simulate.fill_openpyxl(issued["TAMKY"], root / "q2" / "tamky.xlsx", plan, "TAMKY",
                           {RATE: {"numerator": 960, "denominator": 1000}, CHANGE: {"value": 70},
                            DOING: {"status": "Đang thực hiện"}}, _days_after_due(q2, -2))
    merge_to_files(plan, q2, root / "q2", root / "q2.xlsx", KEY, root / "q2.json", ledger=ledger)

    issued = {i.agency: i.path for i in generate(plan, q4, root / "issued-q4", KEY, agencies=AGENCIES)}
    (root / "q4").mkdir()
    simulate.fill_openpyxl(issued["TAMKY"], root / "q4" / "tamky.xlsx", plan, "TAMKY", Q1_TAMKY,
                           _days_after_due(q4, -1))
    simulate.fill_openpyxl(issued["HOIAN"], root / "q4" / "hoian.xlsx", plan, "HOIAN",
                           {RATE: {"numerator": 990, "denominator": 1000, "label": "Chỉ tiêu đã bị sửa"}},
                           _days_after_due(q4, -1))
    report = merge_to_files(plan, q4, root / "q4", root / "q4.xlsx", KEY, ledger=ledger)
    plain = merge_to_files(plan, q4, root / "q4", root / "q4-no-ledger.xlsx", KEY)
    return root, report, plain


def _table(ws):
    rows = [list(r) for r in ws.iter_rows(min_row=4, values_only=True)]
    return rows[0], rows[1:]


def test_the_annual_workbook_lists_each_agencys_return_in_each_period(plan, year):
    root, report, _ = year
    assert report.ledger_problem is None and [e.status.value for e in report.returns] == ["rejected", "accepted"]
    wb = openpyxl.load_workbook(root / "q4.xlsx")
    heads, rows = _table(wb[SHEET])
    assert heads == ["Mã", "Cơ quan", "Quý I 2024", "6 tháng 2024", "Năm 2024"]   # Q3 was never merged
    by = {r[0]: r[2:] for r in rows if r[0]}
    assert by["HOIAN"] == ["Muộn 5 ngày", "Chưa nộp", "Bị từ chối"]
    assert by["TAMKY"] == ["Đúng hạn", "Đúng hạn", "Đúng hạn"]
    others = [a for a in plan.reporting_agencies() if a not in AGENCIES]
    assert len(others) == 44 and all(by[a] == ["Chưa nộp"] * 3 for a in others)
    assert list(by) == plan.reporting_agencies()                      # every agency once, in registry order
    assert rows[-1][1:] == ["Số báo cáo đúng hạn / phải nộp", "1/46", "1/46", "1/46"]
    # late amber, not returned or refused red, on time plain
    ws = wb[SHEET]
    hoian = next(r for r in ws.iter_rows(min_row=5) if r[0].value == "HOIAN")
    tamky = next(r for r in ws.iter_rows(min_row=5) if r[0].value == "TAMKY")
    fill = [c.fill.fgColor.rgb[-6:] for c in hoian[2:]]
    assert fill == ["FFEB9C", "FFC7CE", "FFC7CE"]
    assert all(c.fill.fill_type is None for c in tamky[2:])
    # printed as the other sheets: the agency columns repeated, the header row too, on A4 landscape
    assert ws.print_title_cols == "$A:$B" and ws.print_title_rows == "$4:$4"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9


def test_each_workbook_shows_the_year_so_far_and_without_a_ledger_none(year):
    root, _, _ = year
    heads, rows = _table(openpyxl.load_workbook(root / "q2.xlsx")[SHEET])
    assert heads[2:] == ["Quý I 2024", "6 tháng 2024"]
    assert {r[0]: r[2:] for r in rows}["HOIAN"] == ["Muộn 5 ngày", "Chưa nộp"]
    heads, _ = _table(openpyxl.load_workbook(root / "q1.xlsx")[SHEET])
    assert heads[2:] == ["Quý I 2024"]
    plain = openpyxl.load_workbook(root / "q4-no-ledger.xlsx")
    assert SHEET not in plain.sheetnames
    ledger_sheets = {SHEET, "Diễn biến"}
    assert [s for s in openpyxl.load_workbook(root / "q4.xlsx").sheetnames if s not in ledger_sheets] == plain.sheetnames


def test_data_sheet_names_the_inputs_still_as_prefilled(year):
    root, _, _ = year
    ws = openpyxl.load_workbook(root / "q2.xlsx")["Dữ liệu"]
    heads, rows = _table(ws)
    assert heads[-1] == "Điền sẵn từ kỳ trước"
    col = {h: k for k, h in enumerate(heads)}
    carried = {(r[col["Mã cơ quan"]], r[col["Mã chỉ tiêu"]]): r[-1] for r in rows}
    assert carried[("TAMKY", DONE)] == "Tình trạng, Minh chứng, Ngày văn bản"
    assert carried[("TAMKY", CHANGE)] == "Số liệu năm gốc"
    assert {k: v for k, v in carried.items() if v} == {("TAMKY", DONE): "Tình trạng, Minh chứng, Ngày văn bản",
                                                        ("TAMKY", CHANGE): "Số liệu năm gốc"}
    row = next(r for r in rows if (r[col["Mã cơ quan"]], r[col["Mã chỉ tiêu"]]) == ("TAMKY", DONE))
    assert row[col["Tình trạng"]] == "Hoàn thành" and row[col["Minh chứng"]] == "Quyết định 12/QĐ-UBND"
    # a workbook none of whose returns was prefilled has no such column
    heads, _ = _table(openpyxl.load_workbook(root / "q4.xlsx")["Dữ liệu"])
    assert heads[-1] == "Ô"
