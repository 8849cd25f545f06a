"""TableSheet writes a table body fast and writes exactly what xlsxwriter writes for the same cells."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from parxl.consolidate import write_consolidated
from parxl.merge import merge
from parxl.tablesheet import MAX_TEXT, TableSheet

from conftest import KEY
from test_merge import quarter  # noqa: F401  (fixture)


@pytest.fixture
def one_by_one(monkeypatch):
    """Table rows sent through xlsxwriter's own write_* calls: the reference."""
    monkeypatch.setattr(TableSheet, "streamed", False)


def _book(path, rows, header=True, chart=False, columns=None):
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": dt.datetime(2024, 9, 30)})    # the zip entries' time: same file twice
    bold = wb.add_format({"bold": True, "border": 1})
    money = wb.add_format({"num_format": "[$-42A]#,##0.00", "bg_color": "#C6EFCE"})
    day = wb.add_format({"num_format": "dd/mm/yyyy"})
    fmts = {"bold": bold, "money": money, "day": day, None: None}
    ws = wb.add_worksheet("Bảng", worksheet_class=TableSheet)
    ws.set_column(3, 3, 14, wb.add_format({"text_wrap": True, "italic": True}))   # D's cells without a format
    if header:
        ws.write_string(0, 0, "Cơ quan", bold)
        ws.write_string(0, 1, "Giá trị", bold)
        ws.set_row(0, 30)
    ws.set_row(3, 45)
    if columns is None:
        ws.write_rows(1, [[(v, fmts[f]) for v, f in row] for row in rows])
    else:       # a value in its column's format as it is, a pair where the cell has a format of its own
        ws.write_rows(1, [[v if f == columns[c] else (v, fmts[f]) for c, (v, f) in enumerate(row)] for row in rows],
                      formats=[fmts[f] for f in columns])
    if chart:
        c = wb.add_chart({"type": "bar"})
        c.add_series({"categories": ["Bảng", 1, 0, len(rows), 0], "values": ["Bảng", 1, 1, len(rows), 1]})
        ws.insert_chart(0, 5, c)
    wb.close()
    return path


ROWS = [
    [("Sở Nội vụ", "bold"), (95.5, "money"), (dt.datetime(2024, 9, 16, 8, 30), "day"), (None, "money")],
    [("=1+1 stays text", None), (3, None), (None, None), ("", "bold")],   # a blank without format: no cell
    [("UBND xã Điện Bàn Đông", None), (-0.125, "money"), (dt.datetime(1900, 3, 1), None), ("  lề  ", None)],
    *[[(f"Xã thử nghiệm {k:04d}", None), (k * 1.5, "money")] for k in range(40)],   # over 16 rows: spans blocks
]


def test_table_rows_are_byte_identical_to_xlsxwriter_cell_by_cell(tmp_path, monkeypatch):
    fast = _book(tmp_path / "fast.xlsx", ROWS, chart=True)
    monkeypatch.setattr(TableSheet, "streamed", False)
    slow = _book(tmp_path / "slow.xlsx", ROWS, chart=True)
    assert fast.read_bytes() == slow.read_bytes()
    ws = openpyxl.load_workbook(fast)["Bảng"]
    assert [c.value for c in ws[2]][:3] == ["Sở Nội vụ", 95.5, dt.datetime(2024, 9, 16, 8, 30)]
    assert ws["B2"].number_format == "[$-42A]#,##0.00" and ws["B2"].fill.fgColor.rgb.endswith("C6EFCE")
    assert ws["A3"].value == "=1+1 stays text" and ws["A3"].data_type == "s"
    assert ws["C3"].value is None and ws["D2"].fill.fgColor.rgb.endswith("C6EFCE")   # formatted blank kept
    assert ws.row_dimensions[4].height == 45
    assert ws["D4"].font.i and not ws["D2"].font.i            # the column's format, unless the cell has one
    assert ws["C4"].value == 61      # a date without a format: its serial number, as xlsxwriter writes it


def test_values_in_their_columns_formats_are_written_as_their_pairs(tmp_path, monkeypatch):
    """A table gives each column's format once and a cell its own only where it differs: the same file."""
    columns = [None, "money", "day", None]      # A and D: none from the table (D's cells take set_column's)
    fast = _book(tmp_path / "fast.xlsx", ROWS, chart=True, columns=columns)
    monkeypatch.setattr(TableSheet, "streamed", False)
    assert fast.read_bytes() == _book(tmp_path / "slow.xlsx", ROWS, chart=True).read_bytes()
    assert _book(tmp_path / "slow2.xlsx", ROWS, chart=True, columns=columns).read_bytes() == fast.read_bytes()


def test_rows_of_one_height_share_their_row_properties_and_are_written_as_set_row_writes_them(tmp_path, monkeypatch):
    """xlsxwriter keeps a RowInfo and a size list for each row given a height; a table's rows of one height
    share one of each (214,000 rows in the consolidated workbook at 4,200 returns: 27 MB), same file."""
    def book(path):
        wb = xlsxwriter.Workbook(str(path))
        wb.set_properties({"created": dt.datetime(2024, 9, 30)})
        ws = wb.add_worksheet("x", worksheet_class=TableSheet)
        ws.write_rows(1, [[(f"r{k}", None)] for k in range(6)], [15, 30, 15, 30, 15.1, 0])
        wb.close()
        return ws
    ws = book(tmp_path / "fast.xlsx")
    assert ws.row_info[1] is ws.row_info[3] is ws.row_info[5] and ws.row_sizes[2] is ws.row_sizes[4]
    assert ws.row_info[1] is not ws.row_info[2] and ws.row_info[6].hidden      # height 0: set_row's hidden row
    monkeypatch.setattr(TableSheet, "streamed", False)
    slow = book(tmp_path / "slow.xlsx")
    assert ws.row_info == slow.row_info and ws.row_sizes == slow.row_sizes
    assert (tmp_path / "fast.xlsx").read_bytes() == (tmp_path / "slow.xlsx").read_bytes()


def test_table_rows_come_in_order(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    ws = wb.add_worksheet("x", worksheet_class=TableSheet)
    ws.write_rows(10, [[("a", None)]])
    with pytest.raises(ValueError):
        ws.write_rows(3, [[("b", None)]])
    wb.close()


def test_rows_without_a_header_and_only_table_rows(tmp_path, monkeypatch):
    fast = _book(tmp_path / "fast.xlsx", ROWS[3:], header=False)
    monkeypatch.setattr(TableSheet, "streamed", False)
    assert fast.read_bytes() == _book(tmp_path / "slow.xlsx", ROWS[3:], header=False).read_bytes()


def test_a_text_longer_than_a_cell_holds_is_cut_with_an_ellipsis(tmp_path, monkeypatch):
    long = "Đ" * 20_000 + "😀" * 10_000 + "x" * 5          # 40,005 UTF-16 units
    fast = _book(tmp_path / "fast.xlsx", [[(long, None), (1, None)]])
    monkeypatch.setattr(TableSheet, "streamed", False)
    assert fast.read_bytes() == _book(tmp_path / "slow.xlsx", [[(long, None), (1, None)]]).read_bytes()
    got = openpyxl.load_workbook(fast)["Bảng"]["A2"].value
    assert got.endswith("…") and got.startswith("Đ" * 20_000)
    assert len(got.encode("utf-16-le")) // 2 == MAX_TEXT


@pytest.mark.parametrize("bad", [True, float("nan"), float("inf"), dt.date(2024, 1, 1), object()])
def test_a_value_no_cell_can_hold_is_refused(tmp_path, bad):
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    ws = wb.add_worksheet("x", worksheet_class=TableSheet)
    with pytest.raises((TypeError, ValueError)):
        ws.write_rows(0, [[("a", None), (bad, None)]])
    wb.close()


def test_a_row_written_both_ways_is_refused(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    ws = wb.add_worksheet("x", worksheet_class=TableSheet)
    ws.write_string(2, 0, "trước")
    with pytest.raises(ValueError):
        ws.write_rows(2, [[("bảng", None)]])
    ws.write_rows(5, [[("bảng", None)]])
    ws.write_string(5, 3, "sau")
    with pytest.raises(ValueError):
        wb.close()


def test_consolidated_workbook_is_the_same_file_cell_by_cell(plan, period, quarter, tmp_path, monkeypatch):  # noqa: F811
    """The real consolidated workbook: every sheet, chart caches included, identical either way."""
    rep = merge(plan, period, quarter, KEY)
    fast = write_consolidated(rep, tmp_path / "fast.xlsx")
    monkeypatch.setattr(TableSheet, "streamed", False)
    slow = write_consolidated(rep, tmp_path / "slow.xlsx")
    assert fast.read_bytes() == slow.read_bytes()


def test_consolidated_workbook_passes_the_ooxml_schema_check(plan, period, quarter, tmp_path):  # noqa: F811
    """openxml-audit (a test dependency) checks the package against the OOXML schema: 0 errors."""
    rep = merge(plan, period, quarter, KEY)
    out = write_consolidated(rep, tmp_path / "tong-hop.xlsx")
    audit = shutil.which("openxml-audit") or str(Path(sys.executable).with_name("openxml-audit"))
    run = subprocess.run([audit, "--output", "json", str(out)], capture_output=True, text=True)
    (found,) = json.loads(run.stdout)
    assert found["error_count"] == 0 and found["valid"], run.stdout[:2000]
    assert found["verdict"]["prediction"] == "opens-clean"


def test_an_xlsxwriter_without_the_private_row_writer_is_refused(tmp_path, monkeypatch):
    """xlsxwriter 3.2 has no worksheet.row_info (and writes no file TableSheet can match): a worksheet whose
    xlsxwriter lacks a private member TableSheet uses refuses to start, naming it, instead of writing."""
    from xlsxwriter.worksheet import Worksheet
    monkeypatch.delattr(Worksheet, "_write_empty_row")
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    with pytest.raises(RuntimeError, match=r"xlsxwriter 3\.3.*_write_empty_row"):
        wb.add_worksheet("x", worksheet_class=TableSheet)
    wb.close()


def test_setup_cfg_admits_one_minor_version_of_xlsxwriter_and_this_is_it():
    """The range is one minor version from the release the tests pass with (3.3.1; 3.3.0 writes fractional
    column widths as other bytes): a new minor release may change the private members TableSheet uses.  The
    installed xlsxwriter (the lock's, or the lowest in CI's lower-bound venv) is inside it."""
    import configparser
    import re
    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).resolve().parent.parent / "setup.cfg", encoding="utf-8")
    (req,) = [r.strip() for r in cfg["options"]["install_requires"].splitlines() if r.strip().startswith("xlsxwriter")]
    lo_major, lo_minor, hi_major, hi_minor = map(int, re.fullmatch(
        r"xlsxwriter>=(\d+)\.(\d+)(?:\.\d+)?,<(\d+)\.(\d+)", req).groups())
    assert (hi_major, hi_minor) == (lo_major, lo_minor + 1), req
    assert tuple(map(int, xlsxwriter.__version__.split(".")[:2])) == (lo_major, lo_minor), (xlsxwriter.__version__, req)
