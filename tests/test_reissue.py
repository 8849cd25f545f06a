"""A workbook re-issued to correct a return: the agency's own values already in, the cells to fix marked with
why, signed anew; sent back untouched it is not a return, corrected it supersedes the first return.

Hội An's 2024-Q3 return, typed by the test (the oracle):
  I.7/1     rate  12 / 10             → value.numerator-gt-denominator on the numerator: marked, kept as typed
  IV.1/1    done  Hoàn thành, no evidence → value.evidence-missing on the evidence cell: marked
  I.5/1     count "nhiều"             → not a number on the value cell: marked, left blank (nothing valid to keep)
  III.4.2/1 rate  980 / 1000          → fine: prefilled, not marked
  VI.3/1    count 4                   → fine: prefilled, not marked
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from conftest import KEY
from parxl.demo import simulate
from parxl.identity import verify
from parxl.layout import COL, agency_layout
from parxl.merge import merge_to_files
from parxl.periods import Period
from parxl.reader import read_return
from parxl.reissue import refill_of, reissue
from parxl.style import CARRIED_FILL, FIX_FILL
from parxl.writer import generate

PERIOD = Period.parse("2024-Q3")
A = "HOIAN"
TYPED = {"I.7/1": {"numerator": 12, "denominator": 10}, "IV.1/1": {"status": "Hoàn thành"},
         "I.5/1": {"value": "nhiều"}, "III.4.2/1": {"numerator": 980, "denominator": 1000}, "VI.3/1": {"value": 4}}
MARKED = {("I.7/1", "numerator"), ("IV.1/1", "evidence"), ("I.5/1", "value")}


def _at(days: int) -> dt.datetime:
    return dt.datetime.combine(PERIOD.due, dt.time(2, 0), dt.timezone.utc) - dt.timedelta(days=days)


@pytest.fixture(scope="module")
def first(plan, tmp_path_factory):
    root = tmp_path_factory.mktemp("reissue")
    issued = generate(plan, PERIOD, root / "issued", KEY, agencies=[A])[0]
    (root / "returns").mkdir()
    simulate.fill_openpyxl(issued.path, root / "returns" / "hoian.xlsx", plan, A, TYPED, _at(5))
    rep = merge_to_files(plan, PERIOD, root / "returns", root / "out" / "tong-hop.xlsx", KEY)
    refill = refill_of([r for r in rep.results if r.agency == A], rep.findings, "hoian.xlsx")
    again = reissue(plan, PERIOD, A, refill, root / "bo-sung", KEY, issued=dt.date(2024, 9, 20))
    return root, rep, refill, again


def _cell(wb, plan, code, key):
    s, row = next((s, r) for s in agency_layout(plan, A) for r in s.rows if r.indicator.code == code)
    return wb[s.name].cell(row.excel_row + 1, COL[key] + 1)


def test_the_cells_to_fix_are_exactly_the_findings_cells(plan, first):
    """The planted errors, and every input a row still lacks (value.missing): nothing else."""
    _, rep, refill, _ = first
    from parxl.layout import col_letter
    key_of = {col_letter(c): k for k, c in COL.items()}
    pointed = {(f.indicator, key_of[f.cell.rstrip("0123456789")]) for f in rep.findings
               if f.file == "hoian.xlsx" and f.indicator and f.cell and f.severity.value != "info"}
    assert MARKED <= pointed and set(refill.fixes) == pointed
    missing = {(f.indicator, f.code) for f in rep.findings if f.file == "hoian.xlsx" and f.code == "value.missing"}
    assert ("VII.3.5/3", "value.missing") in missing        # a row Hội An left blank
    assert ("III.4.2/1", "value.missing") not in missing
    assert "lớn hơn mẫu số" in refill.fixes[("I.7/1", "numerator")]


def test_the_reissued_workbook_holds_the_agencys_values_and_marks(plan, first):
    _, _, _, again = first
    wb = openpyxl.load_workbook(again.path)
    fill = lambda c: c.fill.fgColor.rgb[-6:]   # noqa: E731
    assert _cell(wb, plan, "III.4.2/1", "numerator").value == 980
    assert _cell(wb, plan, "VI.3/1", "value").value == 4
    assert _cell(wb, plan, "I.7/1", "numerator").value == 12          # kept as typed, marked to fix
    assert _cell(wb, plan, "IV.1/1", "status").value == "Hoàn thành"
    assert _cell(wb, plan, "I.5/1", "value").value is None            # nothing valid to keep
    for code, key in MARKED:
        c = _cell(wb, plan, code, key)
        assert fill(c) == FIX_FILL[1:] and c.comment is not None and c.comment.text.strip(), (code, key)
        assert not c.protection.locked
    for code, key in (("III.4.2/1", "numerator"), ("VI.3/1", "value"), ("IV.1/1", "status")):
        c = _cell(wb, plan, code, key)
        assert fill(c) == CARRIED_FILL[1:] and c.comment is None, (code, key)
    cover = "\n".join(str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value)
    assert "hoian.xlsx" in cover and "Ô cần sửa, bổ sung" in cover


def test_the_reissued_workbook_is_signed_for_the_same_period(plan, first):
    _, _, _, again = first
    ident = read_return(again.path).identity_sheet
    assert verify(ident, KEY) and ident["period"] == PERIOD.code and ident["agency"] == A
    assert ident["issued"] == "2024-09-20" and ident["carried"]


def test_sent_back_untouched_it_is_not_a_return_and_the_first_stands(plan, first, tmp_path):
    root, _, _, again = first
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "hoian.xlsx").write_bytes((root / "returns" / "hoian.xlsx").read_bytes())
    simulate.fill_openpyxl(again.path, tmp_path / "r" / "hoian-lan2.xlsx", plan, A, {}, _at(1))
    rep = merge_to_files(plan, PERIOD, tmp_path / "r", tmp_path / "o" / "t.xlsx", KEY)
    assert "return.reissued-untouched" in {f.code for f in rep.findings if f.file == "hoian-lan2.xlsx"}
    got = {r.indicator: r for r in rep.results if r.agency == A}
    assert got["III.4.2/1"].file == "hoian.xlsx"


def test_corrected_it_supersedes_the_first_return(plan, first, tmp_path):
    root, _, _, again = first
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "hoian.xlsx").write_bytes((root / "returns" / "hoian.xlsx").read_bytes())
    fixed = {"I.7/1": {"numerator": 9}, "IV.1/1": {"evidence": "Quyết định 45/QĐ-UBND", "doc_date": dt.date(2024, 8, 2)},
             "I.5/1": {"value": 6}}
    simulate.fill_openpyxl(again.path, tmp_path / "r" / "hoian-lan2.xlsx", plan, A, fixed, _at(1))
    rep = merge_to_files(plan, PERIOD, tmp_path / "r", tmp_path / "o" / "t.xlsx", KEY)
    got = {r.indicator: r for r in rep.results if r.agency == A}
    assert {r.file for r in got.values() if r.file} == {"hoian-lan2.xlsx"}
    assert got["I.7/1"].numerator == 9 and got["I.7/1"].denominator == 10
    assert got["IV.1/1"].verdict.value == "met" and got["I.5/1"].value == 6
    assert got["III.4.2/1"].numerator == 980 and got["III.4.2/1"].carried == ("denominator", "numerator")
    bad = {f.code for f in rep.findings if f.file == "hoian-lan2.xlsx" and f.indicator in ("I.7/1", "IV.1/1", "I.5/1")}
    assert not bad & {"value.numerator-gt-denominator", "value.evidence-missing", "value.not-number"}
    assert [e.status.value for e in rep.returns if e.file == "hoian.xlsx"] == ["superseded"]


def test_the_reissued_workbook_passes_the_ooxml_schema_check(first):
    """Notes on cells and the extra formats keep the package at 0 errors of openxml-audit."""
    import json
    import shutil
    import subprocess
    import sys
    from pathlib import Path
    _, _, _, again = first
    audit = shutil.which("openxml-audit") or str(Path(sys.executable).with_name("openxml-audit"))
    run = subprocess.run([audit, "--output", "json", str(again.path)], capture_output=True, text=True)
    (found,) = json.loads(run.stdout)
    assert found["error_count"] == 0 and found["valid"], run.stdout[:2000]
    assert found["verdict"]["prediction"] == "opens-clean"


def test_a_correction_sent_after_the_due_date_leaves_the_agency_on_time(plan, first, tmp_path):
    """Hội An reported on time (5 days before the due date); its correction comes 6 days after it: its values
    are the correction's, its timeliness its first return's (no return.late*, no days late)."""
    root, _, _, again = first
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "hoian.xlsx").write_bytes((root / "returns" / "hoian.xlsx").read_bytes())
    simulate.fill_openpyxl(again.path, tmp_path / "r" / "hoian-lan2.xlsx", plan, A, {"I.7/1": {"numerator": 9}},
                           _at(-6))
    rep = merge_to_files(plan, PERIOD, tmp_path / "r", tmp_path / "o" / "t.xlsx", KEY)
    got = {r.indicator: r for r in rep.results if r.agency == A}
    assert got["I.7/1"].numerator == 9 and got["I.7/1"].file == "hoian-lan2.xlsx"
    assert not [f.code for f in rep.findings if f.agency == A and f.code.startswith("return.late")]
    assert rep.late_days(A) is None
    from parxl.documents.collection import collection
    assert next(s for s in collection(rep) if s.agency == A).label_vi() == "Đúng hạn"


def test_an_agency_whose_first_return_was_late_is_late_by_that_one(plan, first, tmp_path):
    root, _, _, again = first
    (tmp_path / "r").mkdir()
    simulate.fill_openpyxl(root / "returns" / "hoian.xlsx", tmp_path / "r" / "hoian.xlsx", plan, A, {}, _at(-3))
    simulate.fill_openpyxl(again.path, tmp_path / "r" / "hoian-lan2.xlsx", plan, A, {"I.7/1": {"numerator": 9}},
                           _at(-8))
    rep = merge_to_files(plan, PERIOD, tmp_path / "r", tmp_path / "o" / "t.xlsx", KEY)
    late = [f for f in rep.findings if f.agency == A and f.code.startswith("return.late")]
    assert [(f.code, f.file) for f in late] == [("return.late", "hoian.xlsx")]
    assert rep.late_days(A) == 3
