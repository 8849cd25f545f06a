"""The receipt log: a return is on time or late by the day the secretariat received it (what the regulation
counts), not by its save time, when the returns folder's so-nhan.csv lists it.

The cases (due date of 2024-Q3: 20/09/2024), returns typed by the test:
  TAMKY  saved 18/09, re-saved on the secretariat's PC 25/09, received 19/09 → Đúng hạn (save time says late)
  HOIAN  saved 19/09 (on time by its save time), received 24/09           → return.late-received, 4 days late
  SNV    saved 23/09, not in the log                                       → return.late, by its save time
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import unicodedata

import pytest

from conftest import KEY, PARXL
from parxl import receipts
from parxl.demo import simulate
from parxl.merge import merge_to_files
from parxl.periods import Period
from parxl.vocab import VIETNAM
from parxl.writer import generate

PERIOD = Period.parse("2024-Q3")
VALUE = {"III.4.2/1": {"numerator": 980, "denominator": 1000}}


def _vn(d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(2024, 9, d, h, 0, tzinfo=VIETNAM)


@pytest.fixture(scope="module")
def folder(plan, tmp_path_factory):
    root = tmp_path_factory.mktemp("receipts")
    issued = {i.agency: i.path for i in generate(plan, PERIOD, root / "issued", KEY, agencies=["TAMKY", "HOIAN", "SNV"])}
    r = root / "nhan"
    r.mkdir()
    snv_value = {"I.1/1": {"value": 30}}
    simulate.fill_openpyxl(issued["TAMKY"], r / "tamky.xlsx", plan, "TAMKY", VALUE, _vn(25))
    simulate.fill_openpyxl(issued["HOIAN"], root / "hoian.xlsx", plan, "HOIAN", VALUE, _vn(19))
    simulate.fill_openpyxl(issued["SNV"], r / "snv.xlsx", plan, "SNV", snv_value, _vn(23))
    (r / receipts.LOG_NAME).write_text("Tệp;Ngày nhận;Ghi chú\r\nTAMKY.xlsx;19/09/2024 16:40;thư điện tử\r\n",
                                       encoding="utf-8-sig")
    got = subprocess.run([*PARXL, "receive", str(root / "hoian.xlsx"), "--returns", str(r), "--at", "24/09/2024 08:15"],
                         capture_output=True, text=True)
    assert got.returncode == 0, got.stderr
    rep = merge_to_files(plan, PERIOD, r, root / "out" / "tong-hop.xlsx", KEY, report_path=root / "out" / "r.json")
    return root, rep


def test_receive_copies_the_file_and_appends_to_the_log(folder):
    root, _ = folder
    r = root / "nhan"
    assert (r / "hoian.xlsx").read_bytes() == (root / "hoian.xlsx").read_bytes()   # the original is untouched
    lines = (r / receipts.LOG_NAME).read_bytes().decode("utf-8-sig").splitlines()
    assert lines[-1] == "hoian.xlsx;24/09/2024 08:15:00;"
    log, bad = receipts.read_log(r)
    assert bad == [] and log == {"tamky.xlsx": _vn(19, 16).replace(minute=40), "hoian.xlsx": _vn(24, 8).replace(minute=15)}


def test_a_return_received_on_time_is_on_time_whatever_its_save_time(folder):
    _, rep = folder
    assert not [f for f in rep.findings if f.agency == "TAMKY" and f.code.startswith("return.late")]
    assert rep.late_days("TAMKY") is None


def test_a_return_received_late_is_late_by_the_days_after_the_due_date(folder):
    _, rep = folder
    late = [f for f in rep.findings if f.agency == "HOIAN" and f.code.startswith("return.late")]
    assert [f.code for f in late] == ["return.late-received"] and late[0].expected == "20/09/2024"
    assert rep.late_days("HOIAN") == 4


def test_a_return_not_in_the_log_is_judged_by_its_save_time(folder):
    root, rep = folder
    assert [f.code for f in rep.findings if f.agency == "SNV" and f.code.startswith("return.late")] == ["return.late"]
    assert rep.late_days("SNV") == 3
    data = json.loads((root / "out" / "r.json").read_text(encoding="utf-8"))
    got = {e["agency"]: e["received_at"] for e in data["returns"]}
    assert got == {"TAMKY": "2024-09-19T09:40:00+00:00", "HOIAN": "2024-09-24T01:15:00+00:00", "SNV": None}
    assert all(e["file"] != receipts.LOG_NAME for e in data["returns"])    # the log is not a return


def _cp1258(text: str) -> bytes:
    """As Windows writes Vietnamese in its code page: a precomposed letter where the page has one, the tone mark
    after it as a combining character ("ệ" = "ê" + U+0323)."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            base, marks = d[0], d[1:]
            for m in marks:      # the mark the page has a precomposed letter for (ê, â, ơ, ư, ă …)
                head = unicodedata.normalize("NFC", base + m)
                if len(head) == 1:
                    try:
                        head.encode("cp1258")
                    except UnicodeEncodeError:
                        continue
                    base, marks = head, marks.replace(m, "", 1)
                    break
            out += (base + marks).encode("cp1258")
    return out


def test_the_log_as_excel_saves_it_and_its_slips(tmp_path):
    """Excel's plain "CSV" on a Vietnamese Windows writes the code page 1258 with ',' or ';'; a row without a
    usable date, or naming a file the folder lacks, is a finding, the rest is used."""
    text = "Tệp,Ngày nhận\r\na.xlsx,21/09/2024\r\nb.xlsx,hôm qua\r\nc.xlsx,2024-09-20T23:30:00+07:00\r\n"
    (tmp_path / receipts.LOG_NAME).write_bytes(_cp1258(text))
    log, bad = receipts.read_log(tmp_path)
    assert log == {"a.xlsx": dt.datetime(2024, 9, 21, tzinfo=VIETNAM), "c.xlsx": _vn(20, 23).replace(minute=30)}
    assert [(f.code, f.cell) for f in bad] == [("receipt.bad-row", "3")]
    assert [f.seen for f in receipts.unknown(log, ["A.XLSX"])] == ["c.xlsx"]
    (tmp_path / receipts.LOG_NAME).write_text("Tên;Ngày\r\na.xlsx;21/09/2024\r\n", encoding="utf-8")
    log, bad = receipts.read_log(tmp_path)
    assert log == {} and [f.code for f in bad] == ["receipt.bad-row"]


def test_a_log_row_for_a_missing_file_is_a_finding_in_the_merge(plan, tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / receipts.LOG_NAME).write_text("Tệp;Ngày nhận\nkhong-co.xlsx;20/09/2024\n", encoding="utf-8")
    rep = merge_to_files(plan, PERIOD, tmp_path / "r", tmp_path / "o" / "t.xlsx", KEY)
    assert [(f.code, f.seen) for f in rep.findings if f.code.startswith("receipt.")] == [
        ("receipt.unknown-file", "khong-co.xlsx")]
