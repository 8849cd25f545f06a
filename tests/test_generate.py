"""Generated workbooks read back: sheets, headers, validations, protection, identity, reproducibility."""
from __future__ import annotations

import hashlib
import subprocess

import openpyxl
import pytest

from conftest import KEY, PARXL
from parxl.demo import libreoffice
from parxl.identity import FIELDS, verify
from parxl.layout import COL, COLUMNS, HEADER_ROW, IDENTITY_SHEET, LIST_SHEET, agency_layout
from parxl.vocab import TaskStatus
from parxl.reader import read_return
from parxl.writer import generate, workbook_name

REQUIRED = ["Mã chỉ tiêu", "Nhiệm vụ", "Chỉ tiêu", "Vai trò", "Tình trạng", "Tử số", "Mẫu số", "Kết quả",
            "Số liệu năm gốc", "Minh chứng", "Ngày văn bản", "Khó khăn, vướng mắc", "Đề xuất, kiến nghị"]


def test_one_workbook_per_reporting_agency(plan, period, issued):
    assert sorted(issued) == sorted(plan.reporting_agencies())
    assert len(issued) == len(plan.reporting_agencies()) == 46   # I.4: Đài PT-TH and Báo QN coordinate (plan.toml)
    for a, p in issued.items():
        assert p.name == workbook_name(period, a) == f"2024-Q3_{a}.xlsx"


def _validations(ws):
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    out[(row - 1, col - 1)] = dv
    return out


EXPECTED_TYPE = {"status": "list", "numerator": "custom", "denominator": "whole", "baseline": "decimal",
                 "doc_date": "date", "evidence": "textLength", "issues": "textLength", "proposals": "textLength"}


@pytest.mark.parametrize("agency", ["SNV", "TAMKY", "STC", "CTHUE", "SKHDT", "VPUBND"])
def test_every_input_cell_has_its_validation_and_protection(plan, issued, agency):
    wb = openpyxl.load_workbook(issued[agency])
    assert wb.sheetnames[0] == "Hướng dẫn"
    assert wb[LIST_SHEET].sheet_state == "hidden" and wb[IDENTITY_SHEET].sheet_state == "hidden"
    assert [wb[LIST_SHEET].cell(k + 1, 1).value for k in range(len(TaskStatus))] == [s.value for s in TaskStatus]
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
    for s in agency_layout(plan, agency):
        ws = wb[s.name]
        headers = [ws.cell(HEADER_ROW + 1, c + 1).value for c in range(len(COLUMNS))]
        assert all(h in headers for h in REQUIRED)
        dvs = _validations(ws)
        for row in s.rows:
            ind = row.indicator
            for c in COLUMNS:
                cell = ws.cell(row.excel_row + 1, COL[c.key] + 1)
                if c.key in row.inputs:
                    assert cell.protection.locked is False, (ind.code, c.key)
                    dv = dvs.get((row.excel_row, COL[c.key]))
                    assert dv is not None, (agency, ind.code, c.key)
                    want = EXPECTED_TYPE.get(c.key) or ("whole" if ind.measure == "count" else "decimal")
                    assert dv.type == want, (ind.code, c.key, dv.type)
                    assert dv.errorStyle in (None, "stop")
                    if c.key in ("status", "numerator", "value"):
                        assert ind.target_vi() in dv.prompt, (ind.code, dv.prompt)
                else:
                    assert cell.protection.locked is not False, (ind.code, c.key)
            assert ws.cell(row.excel_row + 1, COL["code"] + 1).value == ind.code


def test_identity_sheet_and_properties_agree_and_verify(plan, period, issued):
    for agency, path in issued.items():
        wb = read_return(path)
        assert wb.readable
        ident = wb.identity_sheet
        assert ident["agency"] == agency and ident["period"] == "2024-Q3" and ident["plan_id"] == plan.id
        assert {k: wb.properties[k] for k in (*FIELDS, "signature")} == {k: ident[k] for k in (*FIELDS, "signature")}
        assert verify(ident, KEY)
        assert not verify(ident, bytes(32))
        # the template id is quotable from a visible cell of each input sheet
        first = agency_layout(plan, agency)[0].name
        assert wb.sheets[first].cell(2, 1) == ident["template_id"]


def test_formulas_carry_their_initial_result(issued):
    """LibreOffice keeps cached values: the self-check must say 'Thiếu số liệu', not xlsxwriter's 0."""
    wb = read_return(issued["TAMKY"])
    sh = wb.sheets["III. Thủ tục hành chính"]
    checks = [sh.cell(r, COL["self_check"]) for r in range(HEADER_ROW + 1, len(sh.rows))]
    assert checks and set(checks) == {"Thiếu số liệu"}
    rates = [sh.cell(r, COL["value"]) for r in range(HEADER_ROW + 1, len(sh.rows))
             if sh.cell(r, COL["numerator"]) is not None]
    assert 0 not in rates and 0.0 not in rates


def test_output_is_byte_identical_for_the_same_inputs(plan, period, issued, tmp_path):
    again = generate(plan, period, tmp_path, KEY, ["SNV", "TAMKY"])
    for i in again:
        assert hashlib.sha256(i.path.read_bytes()).digest() == hashlib.sha256(issued[i.agency].read_bytes()).digest()
    other_key = generate(plan, period, tmp_path / "k2", bytes(32), ["SNV"])[0]
    assert other_key.path.read_bytes() != issued["SNV"].read_bytes()


def test_process_pool_gives_the_same_files(plan, period, issued, tmp_path):
    pooled = generate(plan, period, tmp_path, KEY, ["SNV", "TAMKY", "STC", "CTHUE"], workers=2)
    for i in pooled:
        assert i.path.read_bytes() == issued[i.agency].read_bytes()


def test_cli_generate_makes_a_key_and_says_where(tmp_path):
    out = tmp_path / "quy3" / "issued"
    r = subprocess.run(PARXL + ["generate", "--period", "2024-Q3", "--out", str(out), "--agency", "SNV",
                        "--agency", "TAMKY"], capture_output=True, text=True, cwd=str(__import__("conftest").ROOT))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "quy3" / "parxl.key").exists()
    assert str(tmp_path / "quy3" / "parxl.key") in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["2024-Q3_SNV.xlsx", "2024-Q3_TAMKY.xlsx"]
    bad = subprocess.run(PARXL + ["generate", "--period", "2024-Q5", "--out", str(out)], capture_output=True,
                         text=True, cwd=str(__import__("conftest").ROOT))
    assert bad.returncode == 2 and "2024-Q3" in bad.stderr and "Traceback" not in bad.stderr   # suggests the form


@pytest.mark.libreoffice
def test_every_workbook_opens_in_libreoffice(issued, tmp_path):
    """One soffice run converts all 48 to PDF; a file that fails to load produces no PDF."""
    import tempfile
    with tempfile.TemporaryDirectory() as prof:
        subprocess.run([libreoffice.soffice(), f"-env:UserInstallation=file://{prof}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, issued.values())],
                       check=True, capture_output=True, timeout=900)
    pdfs = {p.stem for p in tmp_path.glob("*.pdf")}
    assert pdfs == {p.stem for p in issued.values()}
    assert all((tmp_path / f"{s}.pdf").stat().st_size > 5000 for s in pdfs)
