"""An agency's workbook on paper (issue 19): issued with the ledger (so the "Kỳ trước" column is there), printed
by LibreOffice to PDF and read back with pdfplumber — no glyph past a page's edge, over another glyph or cut by a
table rule, no table row lower than 1.25 times its font, no row of the workbook lower than 1.25 times the largest
font in it; last period's values beside the inputs, printed, each in its unit; a cover that says where the
return goes, whom to call and who signs; and the typing advice of the cover as LibreOffice behaves."""
from __future__ import annotations

from fractions import Fraction

import openpyxl
import pytest

from conftest import PLAN, ROOT
from parxl.demo import libreoffice
from parxl.identity import load_key
from parxl.layout import (COL, COLUMNS, COVER_SHEET, HEADER_ROW, PRINTED, REFERENCE_COLUMN, agency_layout, cell_name,
                          col_letter, column_places)
from parxl.merge import merge_to_files
from parxl.periods import Period
from parxl.plan import load_plan
from parxl.reader import read_return
from parxl.checks import check_return
from parxl.vocab import Verdict
from parxl.writer import BLANK, generate, reference_text
from printed_pages import crossing_rules, low_rows, low_table_rows, overlapping, page_flaws, past_edge
from test_print import _pages, _reads

AGENCIES = ("TAMKY", "VPUBND", "BQLKKT")     # sample returns last period; the most rows; the longest name
SECRETARIAT = """
[secretariat]
name = "Sở Nội vụ tỉnh Quảng Nam"
address = "Số 62 Hùng Vương, thành phố Tam Kỳ"
phone = "0235 3810 111"
email = "cchc@snv.quangnam.gov.vn"
contact = { name = "Nguyễn Thị Hoa", position = "Chuyên viên phòng CCHC", phone = "0905 111 222" }
"""
TAMKY_CONTACT = ('contact = { name = "Trần Văn An", position = "Phó Chánh Văn phòng", phone = "0235 3852 001", '
                 'email = "an@tamky.gov.vn" }\n')


def _registry_with_contacts(tmp) -> object:
    """The bundled registry with a [secretariat] and TAMKY's đầu mối (other agencies give none)."""
    text = (PLAN.parent / "agencies.toml").read_text(encoding="utf-8")
    head, rest = text.split("[[group]]", 1)
    at = rest.index('code = "TAMKY"')
    end = rest.index("\n\n", at) if "\n\n" in rest[at:] else len(rest)
    rest = rest[:end] + "\n" + TAMKY_CONTACT.rstrip("\n") + rest[end:]
    path = tmp / "agencies.toml"
    path.write_text(head + SECRETARIAT + "\n[[group]]" + rest, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def issued_q4(tmp_path_factory):
    """The samples' 2024-Q3 returns merged into a ledger, then 2024-Q4 issued with it (and a registry giving the
    secretariat and TAMKY's đầu mối)."""
    tmp = tmp_path_factory.mktemp("agency-paper")
    plan = load_plan(PLAN, _registry_with_contacts(tmp))
    key = load_key(ROOT / "samples" / "sample.key")
    ledger = tmp / "ledger.sqlite"
    merge_to_files(plan, Period.parse("2024-Q3"), ROOT / "samples" / "returns", tmp / "q3" / "tong-hop.xlsx", key,
                   ledger=ledger)
    issues = generate(plan, Period.parse("2024-Q4"), tmp / "q4", key, agencies=list(AGENCIES), ledger=ledger)
    assert all(i.previous == "2024-Q3" for i in issues)
    return plan, key, {i.agency: i.path for i in issues}


@pytest.fixture(scope="module")
def printed(issued_q4):
    _, _, paths = issued_q4
    pdfs = libreoffice.convert_many([paths[a] for a in AGENCIES], paths["TAMKY"].parent / "pdf", "pdf")
    return dict(zip(AGENCIES, pdfs))


# -- the checkers find what they look for -----------------------------------------------------------

def _glyph(text, x0, top, size=8.25, width=5.0):
    return {"text": text, "x0": x0, "x1": x0 + width, "top": top, "bottom": top + size, "size": size, "upright": True}


def _rule(x0, top, x1, bottom):
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom}


def test_the_checkers_find_each_flaw_and_pass_a_clean_cell():
    row = [_rule(10, 100, 200, 100), _rule(10, 115, 200, 115), _rule(10, 100, 10, 115), _rule(200, 100, 200, 115)]
    clean = [_glyph("A", 20, 103), _glyph("B", 25, 103)]
    assert not (crossing_rules(clean, row) or overlapping(clean) or low_table_rows(clean, row)
                or past_edge(clean, 842, 595))
    assert crossing_rules([_glyph("C", 20, 111)], row)                 # wrapped under the next row's rule
    assert crossing_rules([_glyph("D", 197, 103)], row)                # run on past the column's edge
    assert overlapping([_glyph("E", 20, 103), _glyph("F", 22, 104)])   # one cell's text over another's
    assert low_table_rows([_glyph("G", 20, 101, size=14)], row)        # 15 pt row, 14 pt text
    assert past_edge([_glyph("H", -40, 103)], 842, 595)


# -- on paper ------------------------------------------------------------------------------------------

@pytest.mark.libreoffice
def test_no_printed_page_has_a_flaw(printed):
    for agency, pdf in printed.items():
        assert page_flaws(pdf) == [], agency


def test_no_row_is_lower_than_its_text(issued_q4):
    plan, _, paths = issued_q4
    for agency, path in paths.items():
        assert low_rows(path) == [], agency
        ws = openpyxl.load_workbook(path)[agency_layout(plan, agency)[0].name]
        # a section title (14 pt) gets room for a capital's two marks: more than 1.25 times its size
        assert ws.row_dimensions[1].height >= 1.5 * 14


@pytest.mark.libreoffice
def test_title_subtitle_and_template_id_print_whole_on_both_pages_across(printed, issued_q4):
    plan, _, _ = issued_q4
    per = Period.parse("2024-Q4")
    for agency, pdf in printed.items():
        pages = _pages(pdf)
        sub = (f"{plan.registry.name(agency)} — {per.label_vi} — kỳ số liệu {per.window_vi()} — "
               f"hạn gửi {per.due:%d/%m/%Y}")
        for s in agency_layout(plan, agency):
            mine = [p for p in pages if p["text"].lstrip().startswith(s.title.split(" ", 1)[0] + " ")]
            assert len(mine) >= 2, (agency, s.title)
            for p in mine:        # every word of them inside the page, the title in one cell however it wraps
                on_page = {w["text"] for w in p["words"]}
                assert _reads(p["words"], s.title), (agency, s.title)
                missing = set(f"{s.title} {sub} Mã biểu mẫu:".split()) - on_page
                assert not missing, (agency, s.title, missing)
                assert any(w["text"].startswith(f"PARXL-2024-Q4-{agency}-") for w in p["words"]), (agency, s.title)


# -- last period, beside the inputs ---------------------------------------------------------------------

def test_last_period_stands_right_after_the_inputs_and_is_printed(issued_q4):
    plan, key, paths = issued_q4
    assert REFERENCE_COLUMN == COL[PRINTED] + 1                 # after the last input, before the task text
    places = column_places(True)
    assert all(places[c.key] == COL[c.key] for c in COLUMNS if c.kind == "input")     # no input moves
    wb = openpyxl.load_workbook(paths["TAMKY"])
    for s in agency_layout(plan, "TAMKY"):
        ws = wb[s.name]
        assert ws.cell(HEADER_ROW + 1, REFERENCE_COLUMN + 1).value == "Kỳ trước (2024-Q3)"
        assert ws.cell(HEADER_ROW + 1, places["task"] + 1).value == "Nhiệm vụ"
        assert ws.print_area.endswith(f":${col_letter(REFERENCE_COLUMN)}${s.rows[-1].excel_row + 1}")
    # a return of the workbook is read as the workbook: the task and role moved by the column are expected
    checked = check_return(read_return(paths["TAMKY"]), plan, Period.parse("2024-Q4"), key)
    codes = {f.code for f in checked.findings}
    assert "layout.column-moved" not in codes and "layout.header-missing" not in codes, codes


def test_last_period_is_shown_in_each_units_own_format(issued_q4):
    plan, _, paths = issued_q4
    count = next(i for i in plan.indicators if i.measure == "count" and i.unit and i.unit != "%")
    rate = next(i for i in plan.indicators if i.measure == "rate")
    change = next(i for i in plan.indicators if i.measure == "change")
    shown = reference_text({"current": Fraction(5), "value": Fraction(5), "verdict": Verdict.CONTRIBUTES}, count)
    assert shown.startswith(f"Kết quả 5 {count.unit} — ") and "%" not in shown and "Năm gốc" not in shown
    assert "%" not in reference_text({"current": Fraction(1), "value": Fraction(1), "verdict": Verdict.MET})
    assert reference_text({"numerator": Fraction(1387), "denominator": Fraction(1643),
                           "value": Fraction(138700, 1643), "verdict": Verdict.MET}, rate).startswith("Tử số 1.387 / Mẫu số 1.643 (84,42%)")
    assert reference_text({"current": Fraction(1756), "baseline": Fraction(1862), "value": Fraction(-5300, 931),
                           "verdict": Verdict.NOT_MET}, change).startswith(
        "Kết quả 1.756 / Năm gốc 1.862 (-5,69%)")
    # in the workbook: every count row of TAMKY's that has a value last period, without a %
    wb = openpyxl.load_workbook(paths["TAMKY"])
    seen = 0
    for s in agency_layout(plan, "TAMKY"):
        for r in s.rows:
            text = wb[s.name].cell(r.excel_row + 1, REFERENCE_COLUMN + 1).value or ""
            if r.indicator.measure == "count" and "Kết quả" in text:
                seen += 1
                assert "%" not in text.split("—")[0] and "Năm gốc" not in text, (r.indicator.code, text)
    assert seen


# -- the cover -------------------------------------------------------------------------------------------

def _cover_text(path) -> str:
    ws = openpyxl.load_workbook(path)[COVER_SHEET]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_cover_says_where_to_send_whom_to_call_and_who_signs(issued_q4):
    _, _, paths = issued_q4
    tamky, other = _cover_text(paths["TAMKY"]), _cover_text(paths["VPUBND"])
    for text in (tamky, other):
        assert "Sở Nội vụ tỉnh Quảng Nam; địa chỉ: Số 62 Hùng Vương, thành phố Tam Kỳ" in text
        assert "cchc@snv.quangnam.gov.vn" in text and "0235 3810 111" in text
        assert "Người liên hệ tại Sở Nội vụ tỉnh Quảng Nam" in text
        assert "Họ tên: Nguyễn Thị Hoa; chức vụ: Chuyên viên phòng CCHC; điện thoại: 0905 111 222" in text
        assert "NGƯỜI LẬP BIỂU" in text and "(Ký, ghi rõ họ tên)" in text
        assert "THỦ TRƯỞNG CƠ QUAN" in text and "(Ký tên, đóng dấu)" in text
    assert "Họ tên: Trần Văn An; chức vụ: Phó Chánh Văn phòng; điện thoại: 0235 3852 001" in tamky
    # an agency the registry gives no đầu mối: a line to fill in for each field
    assert f"Họ tên: {BLANK}; chức vụ: {BLANK}; điện thoại: {BLANK}; thư điện tử: {BLANK}" in other


def test_cover_without_a_secretariat_leaves_blanks_to_fill(tmp_path):
    plan = load_plan(PLAN)
    assert plan.registry.secretariat is None
    (issue,) = generate(plan, Period.parse("2024-Q3"), tmp_path, bytes(32), agencies=["HOIAN"])
    text = _cover_text(issue.path)
    assert f"Cơ quan nhận: {BLANK}; địa chỉ: {BLANK}; thư điện tử: {BLANK}" in text
    assert f"Người liên hệ tại Sở Nội vụ\nHọ tên: {BLANK}" in text


@pytest.mark.libreoffice
def test_cover_prints_on_two_pages_with_the_sign_off(printed):
    import pdfplumber
    with pdfplumber.open(printed["TAMKY"]) as doc:
        texts = [p.extract_text() or "" for p in doc.pages]
    cover = [k for k, t in enumerate(texts) if "Cơ quan báo cáo" in t or "Cách điền" in t or "Chú giải" in t
             or "NGƯỜI LẬP BIỂU" in t]
    assert cover == [0, 1], cover
    assert "NGƯỜI LẬP BIỂU" in texts[1] and "THỦ TRƯỞNG CƠ QUAN" in texts[1]
    assert "Gửi báo cáo về" in texts[0]


# -- instruction 8: how numbers and dates are typed -------------------------------------------------------

@pytest.mark.libreoffice
def test_typing_advice_holds_in_libreoffice_under_english_and_vietnamese_settings(issued_q4, tmp_path):
    """What the cover says to type is what LibreOffice reads, under en-US and vi-VN alike: whole numbers without
    separators, a decimal comma (the cells' formats are Vietnamese), dates as 2024-08-15; and what it warns of:
    "15/08/2024" is a date only under Vietnamese settings, "1,234" is one and a bit."""
    plan, _, paths = issued_q4
    text = _cover_text(paths["TAMKY"])
    for said in ("1234", "95,5", "95.5", "2024-08-15", "15/08/2024", "không gõ dấu phân cách hàng nghìn"):
        assert said in text, said
    rows = {r.indicator.measure: (s.name, r) for s in agency_layout(plan, "TAMKY") for r in s.rows}
    (csheet, count), (dsheet, change) = rows["count"], rows["change"]
    date_sheet, done = rows["done"]
    cells = {"whole": (csheet, cell_name(count.excel_row, COL["value"])),
             "decimal": (dsheet, cell_name(change.excel_row, COL["value"])),
             "date": (date_sheet, cell_name(done.excel_row, COL["doc_date"]))}
    typed = [("whole", "1234"), ("decimal", "95,5"), ("date", "2024-08-15")]
    seen = {}
    for loc in ("en-US", "vi-VN"):
        jobs = [{"src": paths["TAMKY"], "dst": tmp_path / f"{loc}-{k}.xlsx",
                 "edits": [[*cells[what], t] for what, t in batch]}
                for k, batch in enumerate((typed, [("whole", "1,234"), ("date", "15/08/2024")]))]
        logs = libreoffice.type_values(jobs, locale=loc)
        for batch, log in zip((typed, [("whole", "1,234"), ("date", "15/08/2024")]), logs):
            for what, t in batch:
                got = log["!".join(cells[what])]
                seen[loc, t] = (got["type"], got["value"])
    for loc in ("en-US", "vi-VN"):
        assert seen[loc, "1234"] == ("VALUE", 1234.0)
        assert seen[loc, "95,5"] == ("VALUE", 95.5)
        assert seen[loc, "2024-08-15"] == ("VALUE", 45519.0)            # 15 August 2024
        assert seen[loc, "1,234"] == ("VALUE", 1.234)                   # not a thousand: hence the advice
    assert seen["vi-VN", "15/08/2024"] == ("VALUE", 45519.0)
    assert seen["en-US", "15/08/2024"][0] == "TEXT"


def test_workbooks_issued_with_the_ledger_pass_the_ooxml_schema_check(issued_q4):
    """Merged titles, the sign-off and the moved columns keep each package at 0 errors of openxml-audit."""
    import json
    import shutil
    import subprocess
    import sys
    from pathlib import Path
    _, _, paths = issued_q4
    audit = shutil.which("openxml-audit") or str(Path(sys.executable).with_name("openxml-audit"))
    for agency, path in paths.items():
        run = subprocess.run([audit, "--output", "json", str(path)], capture_output=True, text=True)
        (found,) = json.loads(run.stdout)
        assert found["error_count"] == 0 and found["valid"], (agency, run.stdout[:2000])
        assert found["verdict"]["prediction"] == "opens-clean", agency
