"""Issue 21, imports and slow files: what the operator imports is read with a return's bounds and zip limits,
a return that costs too much work is refused (and a costly superseded return is not read twice), and the
reader checks exactly the parts python-calamine reads.

Every file is built by hand with zipfile, named for its quirk; memory cases run the CLI (or the reader) in
a fresh process and measure its peak resident memory.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from xlsxwriter.utility import xl_rowcol_to_cell

from conftest import ROOT
from parxl.layout import IDENTITY_SHEET
from test_reader_bounds import _ods_cell, write_ods

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HEADER = ["code", "name", "group", "parent"]

# the CLI in a fresh process; the wrapper's only child is the CLI, so RUSAGE_CHILDREN is its peak
RUN = """
import json, resource, subprocess, sys, time
t = time.time()
r = subprocess.run([sys.executable, "-m", "parxl", "--lang", "en", *sys.argv[1:]], capture_output=True, text=True)
print(json.dumps({"rc": r.returncode, "out": r.stdout, "err": r.stderr, "seconds": time.time() - t,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}))
"""
READ = """
import json, resource, sys, time
from parxl.reader import read_return
t = time.time()
wb = read_return(sys.argv[1])
print(json.dumps({"seconds": time.time() - t, "sheets": {n: s.rows[:3] for n, s in wb.sheets.items()},
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  "findings": [[f.code, f.sheet, f.cell, f.seen] for f in wb.findings]}, default=str))
"""


def run(*args) -> dict:
    r = subprocess.run([sys.executable, "-c", RUN, *map(str, args)], capture_output=True, text=True, timeout=300,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def read(path: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", READ, str(path)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sheet_xml(rows: list[list[str]], extra: str = "", head: str = "") -> bytes:
    body = "".join(f'<row r="{i + 1}">' + "".join(
        f'<c r="{xl_rowcol_to_cell(i, j)}" t="inlineStr"><is><t>{_esc(v)}</t></is></c>' for j, v in enumerate(r) if v)
        + "</row>" for i, r in enumerate(rows))
    return f'{head}<worksheet xmlns="{MAIN}"><sheetData>{body}{extra}</sheetData></worksheet>'.encode()


def far(ref: str) -> str:
    row = "".join(ch for ch in ref if ch.isdigit())
    return f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>ghi chú</t></is></c></row>'


def write_xlsx(path: Path, sheets: dict[str, bytes], targets: dict[str, str] | None = None,
               extra: dict[str, bytes] | None = None, names: list[str] | None = None) -> Path:
    """A workbook by hand: ``sheets`` maps each part to its XML (sheet names S1, S2...), ``targets`` a part to
    the relationship target the workbook gives it (default: relative to xl/), ``extra`` more parts."""
    targets, sheet_names = targets or {}, names
    names = list(sheets)
    wb = (f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
          + "".join(f'<sheet name="{(sheet_names or [])[i] if i < len(sheet_names or []) else f"S{i + 1}"}" '
                    f'sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(len(names)))
          + "</sheets></workbook>")
    rels = (f'<Relationships xmlns="{PKG_REL}">'
            + "".join(f'<Relationship Id="rId{i + 1}" Type="{REL}/worksheet" '
                      f'Target="{targets.get(p, p.removeprefix("xl/"))}"/>' for i, p in enumerate(names))
            + "</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
                   '.spreadsheetml.sheet.main+xml"/></Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
                   f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        for part, xml in {**sheets, **(extra or {})}.items():
            z.writestr(part, xml)
    return path


def agencies(n: int) -> list[list[str]]:
    return [HEADER, ["SNV", "Sở Nội vụ", "Sở, ban, ngành", ""]] + \
        [[f"XA{i:04d}", f"UBND xã Số {i}", "UBND cấp xã", ""] for i in range(n)]


_BIT = bytes(0x61 + (i & 1) for i in range(256))


def empty_cells(n: int, per_row: int = 100_000) -> bytes:
    """``n`` empty cells without a reference, in rows of ``per_row``: ``<c/>`` or ``<c />`` at random, so the
    part packs like a real one (about 30:1, within the compression-ratio limit)."""
    return b"".join(b"<row>" + os.urandom(per_row).translate(_BIT).replace(b"a", b"<c/>").replace(b"b", b"<c />")
                    + b"</row>" for _ in range(n // per_row))


def check_bounded(got: dict) -> None:
    assert got["peak_mb"] < 500 and got["seconds"] < 60, {k: got[k] for k in ("peak_mb", "seconds")}


# -- 1. imports -----------------------------------------------------------------------------------------
def test_registry_import_xlsx_with_one_value_at_XFD1048576_exits_2_without_allocating(tmp_path):
    src = write_xlsx(tmp_path / "danh-sach.xlsx", {"xl/worksheets/sheet1.xml":
                                                   sheet_xml(agencies(3), far("XFD1048576"))})
    got = run("registry", "import", src, "--out", tmp_path / "agencies.toml")
    check_bounded(got)
    assert got["rc"] == 2 and "XFD1048576" in got["err"] and "Traceback" not in got["err"], got["err"]
    assert not (tmp_path / "agencies.toml").exists()


def test_registry_import_3000_rows_and_a_note_at_XFD1_exits_2_within_500_MB(tmp_path):
    rows = agencies(3000)
    src = write_xlsx(tmp_path / "danh-sach-3000.xlsx", {"xl/worksheets/sheet1.xml": sheet_xml(
        rows, head='<?xml version="1.0"?>').replace(b'<c r="A1"', b'<c r="XFD1" t="inlineStr"><is><t>ghi chu</t></is>'
                                                   b'</c><c r="A1"', 1)})
    got = run("registry", "import", src, "--out", tmp_path / "agencies.toml")
    check_bounded(got)
    assert got["rc"] == 2 and "XFD1" in got["err"], got["err"]


@pytest.mark.parametrize("sheet", ["DanhMuc", "Hướng dẫn"])
def test_registry_import_reads_a_sheet_named_as_a_template_sheet_a_return_never_reads(tmp_path, sheet):
    src = write_xlsx(tmp_path / "danh-sach.xlsx", {"xl/worksheets/sheet1.xml": sheet_xml(agencies(2))}, names=[sheet])
    got = run("registry", "import", src, "--out", tmp_path / "agencies.toml")
    assert got["rc"] == 0, got["err"]
    assert (tmp_path / "agencies.toml").read_text(encoding="utf-8").count("[[agency]]") == 3


def test_registry_import_of_3000_rows_within_the_bounds_reads_them(tmp_path):
    src = write_xlsx(tmp_path / "danh-sach-3000.xlsx", {"xl/worksheets/sheet1.xml": sheet_xml(agencies(3000))})
    got = run("registry", "import", src, "--out", tmp_path / "agencies.toml")
    assert got["rc"] == 0, got["err"]
    assert (tmp_path / "agencies.toml").read_text(encoding="utf-8").count("[[agency]]") == 3001


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\ufeff", "\u202e", "\u2066", "\u00ad"],
                         ids=["zero-width-space", "zwnj", "zwj", "bom", "rlo", "lri", "soft-hyphen"])
def test_registry_import_refuses_an_invisible_character_in_a_name_naming_row_and_column(tmp_path, char):
    rows = agencies(2)
    rows[3][1] = f"UBND xã{char} Số 1"
    src = write_xlsx(tmp_path / "danh-sach.xlsx", {"xl/worksheets/sheet1.xml": sheet_xml(rows)})
    got = run("registry", "import", src, "--out", tmp_path / "agencies.toml")
    assert got["rc"] == 2 and "row 4, column B (name)" in got["err"] and f"U+{ord(char):04X}" in got["err"], got["err"]


def test_registry_import_refuses_a_zero_width_space_in_a_csv_code(tmp_path):
    src = tmp_path / "danh-sach.csv"
    src.write_text("code,name,group,parent\nSNV\u200b,Sở Nội vụ,\"Sở, ban, ngành\",\n", encoding="utf-8")
    got = run("registry", "import", src, "--out", tmp_path / "agencies.toml")
    assert got["rc"] == 2 and "row 2, column A (code)" in got["err"] and "U+200B" in got["err"], got["err"]


def test_registry_import_csv_with_a_huge_line_exits_2(tmp_path):
    src = tmp_path / "danh-sach.csv"
    src.write_text("code,name,group,parent\nSNV,Sở Nội vụ" + "x" * 3_000_000 + ",Sở ban ngành,\n", encoding="utf-8")
    got = run("registry", "import", src, "--out", tmp_path / "agencies.toml")
    check_bounded(got)
    assert got["rc"] == 2 and "Traceback" not in got["err"] and "danh-sach.csv" in got["err"], got["err"]


def test_registry_import_reads_an_ods_list(tmp_path):
    rows = "".join("<table:table-row>" + "".join(_ods_cell(v) for v in r) + "</table:table-row>" for r in agencies(2))
    got = run("registry", "import", write_ods(tmp_path / "danh-sach.ods", rows), "--out", tmp_path / "agencies.toml")
    assert got["rc"] == 0, got["err"]
    assert (tmp_path / "agencies.toml").read_text(encoding="utf-8").count("[[agency]]") == 3


def test_registry_import_ods_with_a_far_value_exits_2(tmp_path):
    rows = "".join("<table:table-row>" + "".join(_ods_cell(v) for v in r) + "</table:table-row>" for r in agencies(2))
    rows += '<table:table-row table:number-rows-repeated="1048000"><table:table-cell/></table:table-row>' \
            f'<table:table-row>{_ods_cell("xa")}</table:table-row>'
    got = run("registry", "import", write_ods(tmp_path / "danh-sach.ods", rows), "--out", tmp_path / "agencies.toml")
    check_bounded(got)
    assert got["rc"] == 2 and "A1048005" in got["err"], got["err"]


APPENDIX_HEADER = ["Số TT", "Nhiệm vụ cụ thể", "Tiến độ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Kết quả/sản phẩm"]
APPENDIX = [APPENDIX_HEADER, ["I", "CÔNG TÁC CHỈ ĐẠO", "", "", "", ""],
            ["1", "Ban hành kế hoạch cải cách hành chính năm 2026", "Tháng 01/2026", "Sở Nội vụ", "Các sở, ban, ngành",
             "Kế hoạch"]]


def test_plan_import_xlsx_with_a_far_cell_exits_2_without_allocating(tmp_path):
    src = write_xlsx(tmp_path / "phu-luc.xlsx", {"xl/worksheets/sheet1.xml": sheet_xml(APPENDIX, far("XFD1048576"))})
    got = run("plan", "import", src, "--agencies", ROOT / "templates" / "quangnam-2024" / "agencies.toml",
              "--out", tmp_path / "plan.toml")
    check_bounded(got)
    assert got["rc"] == 2 and "XFD1048576" in got["err"] and "Traceback" not in got["err"], got["err"]


def test_plan_import_xlsx_within_bounds_reads_merged_cells_on_the_safe_path(tmp_path):
    """A sheet the fast path cannot prove (a cell without r) is rebuilt; its merged ranges are kept."""
    xml = sheet_xml(APPENDIX[:1] + [["I. CÔNG TÁC CHỈ ĐẠO"]] + APPENDIX[2:]).replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A2:F2"/></mergeCells>').replace(
        b'<c r="A3"', b"<c", 1)
    src = write_xlsx(tmp_path / "phu-luc.xlsx", {"xl/worksheets/sheet1.xml": xml})
    got = run("plan", "import", src, "--agencies", ROOT / "templates" / "quangnam-2024" / "agencies.toml",
              "--out", tmp_path / "plan.toml", "--year", "2026")
    assert got["rc"] == 0, got["err"]
    assert "1 section, 1 task" in got["out"], got["out"]


def _docx(path: Path, body: str, extra: dict[str, bytes] | None = None, document_head: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
                   f'Type="{REL}/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", f'{document_head}<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>')
        for part, data in (extra or {}).items():
            z.writestr(part, data)
    return path


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{_esc(text)}</w:t></w:r></w:p>"


def _tbl(rows: list[list[str]]) -> str:
    return "<w:tbl>" + "".join("<w:tr>" + "".join(f"<w:tc>{c if c.startswith('<') else _p(c)}</w:tc>" for c in r)
                               + "</w:tr>" for r in rows) + "</w:tbl>"


def test_plan_import_docx_zip_bomb_exits_2_within_500_MB(tmp_path):
    path = tmp_path / "phu-luc-bomb.docx"
    _docx(path, _tbl(APPENDIX))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z, z.open("word/settings.xml", "w", force_zip64=True) as f:
        f.write(f'<w:settings xmlns:w="{W}"><w:x a="'.encode())
        chunk = b"a" * (1 << 20)
        for _ in range(400):                         # 400 MB of one letter: about 400 kB packed
            f.write(chunk)
        f.write(b'"/></w:settings>')
    assert path.stat().st_size < 3 << 20
    got = run("plan", "import", path, "--agencies", ROOT / "templates" / "quangnam-2024" / "agencies.toml",
              "--out", tmp_path / "plan.toml")
    check_bounded(got)
    assert got["rc"] == 2 and "safe unpacked-size limits" in got["err"], got["err"]


def test_plan_import_docx_with_a_dtd_exits_2_naming_the_part(tmp_path):
    path = _docx(tmp_path / "phu-luc-dtd.docx", _tbl(APPENDIX),
                 document_head='<?xml version="1.0"?><!--' + "x" * 10000 + '--><!DOCTYPE d [<!ENTITY a "b">]>')
    got = run("plan", "import", path, "--agencies", ROOT / "templates" / "quangnam-2024" / "agencies.toml",
              "--out", tmp_path / "plan.toml")
    assert got["rc"] == 2 and "DOCTYPE/ENTITY in part word/document.xml" in got["err"], got["err"]


def test_plan_import_docx_reads_a_nested_table_and_says_so(tmp_path):
    nested = _tbl([["Báo cáo quý"], ["Báo cáo năm"]])
    rows = [r[:] for r in APPENDIX]
    rows[2][5] = _p("Kết quả:") + nested + _p("")
    path = _docx(tmp_path / "phu-luc-nested.docx", _tbl(rows))
    out = tmp_path / "plan.toml"
    got = run("plan", "import", path, "--agencies", ROOT / "templates" / "quangnam-2024" / "agencies.toml",
              "--out", out, "--year", "2026")
    assert got["rc"] == 0, got["err"]
    assert "table row 3: a table inside a cell" in got["out"], got["out"]
    draft = out.read_text(encoding="utf-8")
    assert "Báo cáo quý" in draft and "Báo cáo năm" in draft


# -- 2. slow files: a work budget on the safe path; a costly superseded return is not read twice ----------
def test_tens_of_millions_of_empty_cells_are_refused_with_file_too_much_work(tmp_path):
    xml = sheet_xml([["a"]]).replace(b"</sheetData>", empty_cells(20_000_000) + b"</sheetData>")
    got = read(write_xlsx(tmp_path / "return_20_million_empty_cells.xlsx", {"xl/worksheets/sheet1.xml": xml}))
    assert [f[0] for f in got["findings"]] == ["file.too-much-work"]
    assert got["seconds"] < 20 and got["peak_mb"] < 500, got


def test_a_costly_return_within_the_budget_is_noted_with_file_much_work(tmp_path):
    from parxl.reader import MAX_WORK
    xml = sheet_xml([["a"]]).replace(b"</sheetData>", empty_cells(MAX_WORK // 2) + b"</sheetData>")
    got = read(write_xlsx(tmp_path / "return_2_million_empty_cells.xlsx", {"xl/worksheets/sheet1.xml": xml}))
    assert [f[0] for f in got["findings"]] == ["file.much-work"] and got["sheets"]["S1"] == [["a"]]


def test_a_superseded_return_that_was_costly_to_read_is_not_read_again(plan, period, issued, tmp_path, monkeypatch):
    """Three returns, one superseded and costly (2 million empty cells: within the budget, file.much-work):
    the merge reads it once, not again for the sheet Nộp lại."""
    import datetime as dt
    from conftest import KEY, WHEN
    from parxl import merge as merge_mod
    from parxl.demo import simulate
    from parxl.reader import MAX_WORK
    from test_reader_bounds import part_of, rewrite
    folder = tmp_path / "returns"
    folder.mkdir()
    simulate.fill_openpyxl(issued["TAMKY"], folder / "tamky.xlsx", plan, "TAMKY", {"I.5/1": {"value": 2}}, WHEN)
    simulate.fill_openpyxl(issued["HOIAN"], tmp_path / "lan1.xlsx", plan, "HOIAN", {"I.5/1": {"value": 1}},
                           WHEN - dt.timedelta(days=2))
    simulate.fill_openpyxl(issued["HOIAN"], folder / "hoian_lan2.xlsx", plan, "HOIAN", {"I.5/1": {"value": 3}}, WHEN)
    part = part_of(tmp_path / "lan1.xlsx", IDENTITY_SHEET)
    empty = empty_cells(MAX_WORK // 2)
    rewrite(tmp_path / "lan1.xlsx", folder / "hoian_lan1.xlsx",
            {part: lambda x: x.replace(b"</sheetData>", empty + b"</sheetData>", 1)})
    reread = []
    check = merge_mod.check_paths
    monkeypatch.setattr(merge_mod, "check_paths", lambda paths, *a, **k: reread.append(paths) or check(paths, *a, **k))
    report = merge_mod.merge_to_files(plan, period, folder, tmp_path / "th.xlsx", KEY)
    codes = {(f.file, f.code) for f in report.findings}
    assert {("hoian_lan1.xlsx", "file.much-work"), ("hoian_lan1.xlsx", "return.superseded")} <= codes, codes
    assert reread == []


def test_a_superseded_return_read_cheaply_is_read_again_for_the_comparison(plan, period, issued, tmp_path,
                                                                          monkeypatch):
    """The control: the same three returns without the empty cells, and the superseded one is read again."""
    import datetime as dt
    from conftest import KEY, WHEN
    from parxl import merge as merge_mod
    from parxl.demo import simulate
    folder = tmp_path / "returns"
    folder.mkdir()
    simulate.fill_openpyxl(issued["HOIAN"], folder / "hoian_lan1.xlsx", plan, "HOIAN", {"I.5/1": {"value": 1}},
                           WHEN - dt.timedelta(days=2))
    simulate.fill_openpyxl(issued["HOIAN"], folder / "hoian_lan2.xlsx", plan, "HOIAN", {"I.5/1": {"value": 3}}, WHEN)
    reread = []
    check = merge_mod.check_paths
    monkeypatch.setattr(merge_mod, "check_paths", lambda paths, *a, **k: reread.append(paths) or check(paths, *a, **k))
    merge_mod.merge_to_files(plan, period, folder, tmp_path / "th.xlsx", KEY)
    assert [p.name for ps in reread for p in ps] == ["hoian_lan1.xlsx"]


# -- 3. the part that is checked is the part calamine reads; a DTD anywhere ------------------------------------
def test_sheet_target_with_a_dot_segment_is_checked_where_calamine_reads_it(tmp_path):
    """``./worksheets/x.xml``: calamine reads the part ``xl/./worksheets/x.xml``; a harmless
    ``xl/worksheets/x.xml`` beside it must not be what the bounds are checked on."""
    path = write_xlsx(tmp_path / "return_dot_target.xlsx",
                      {"xl/./worksheets/x.xml": sheet_xml([["xa"]], far("XFD1048576"))},
                      targets={"xl/./worksheets/x.xml": "./worksheets/x.xml"},
                      extra={"xl/worksheets/x.xml": sheet_xml([["gần"]])})
    got = read(path)
    check_bounded(got)
    assert got["findings"] == [["layout.cell-outside", "S1", "XFD1048576", 1]] and got["sheets"]["S1"] == [["xa"]]


@pytest.mark.parametrize("target,part", [("/xl/worksheets/x.xml", "xl/worksheets/x.xml"),
                                         ("../xl/worksheets/x.xml", "xl/../xl/worksheets/x.xml"),
                                         ("/worksheets/x.xml", "worksheets/x.xml"),
                                         ("worksheets//x.xml", "xl/worksheets//x.xml")],
                         ids=["absolute", "dot-dot", "absolute-outside-xl", "double-slash"])
def test_sheet_target_absolute_or_odd_is_checked_where_calamine_reads_it(tmp_path, target, part):
    extra = {"xl/worksheets/x.xml": sheet_xml([["gần"]])} if part != "xl/worksheets/x.xml" else {}
    path = write_xlsx(tmp_path / "return_odd_target.xlsx", {part: sheet_xml([["xa"]], far("XFD1048576"))},
                      targets={part: target}, extra=extra)
    got = read(path)
    check_bounded(got)
    assert got["findings"] == [["layout.cell-outside", "S1", "XFD1048576", 1]] and got["sheets"]["S1"] == [["xa"]]


def test_sheet_target_naming_two_parts_that_differ_only_in_case_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "return_case_target.xlsx", {"xl/worksheets/A.xml": sheet_xml([["xa"]], far("XFD9"))},
                      targets={"xl/worksheets/A.xml": "worksheets/x.xml"},
                      extra={"xl/worksheets/X.xml": sheet_xml([["a"]]), "xl/worksheets/x.XML": sheet_xml([["b"]])})
    got = read(path)
    assert [f[0] for f in got["findings"]] == ["file.not-xlsx"] and not got["sheets"]


@pytest.mark.parametrize("where", ["prolog-past-the-head", "after-the-root", "utf16"])
def test_a_dtd_anywhere_in_a_part_only_calamine_parses_is_refused_naming_the_part(tmp_path, where):
    styles = f'<styleSheet xmlns="{MAIN}"/>'
    dtd = '<!DOCTYPE s [<!ENTITY a "b">]>'
    xml = {"prolog-past-the-head": ('<?xml version="1.0"?><!--' + "x" * 20000 + "-->" + dtd + styles).encode(),
           "after-the-root": (styles + "<!--" + "x" * 20000 + "-->" + dtd).encode(),
           "utf16": ('<?xml version="1.0" encoding="UTF-16"?><!--' + "x" * 20000 + "-->" + dtd + styles).encode("utf-16")
           }[where]
    path = write_xlsx(tmp_path / "return_dtd_in_styles.xlsx", {"xl/worksheets/sheet1.xml": sheet_xml([["a"]])},
                      extra={"xl/styles.xml": xml})
    got = read(path)
    assert got["findings"] == [["file.xml-entities", None, None, "xl/styles.xml"]] and not got["sheets"]
