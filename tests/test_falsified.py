"""Figures falsified or misattributed (issue 21): each case built as it happens, merged, read back.

1. an input cell holding a formula (an external reference, DDE, WEBSERVICE, plain arithmetic...) whose
   cached result calamine would read as if typed: refused at its cell (``value.formula``), and a link to
   outside data named (``file.external-link``);
2. another agency's signed identity copied into a filled workbook: refused (``identity.borrowed``);
3. "1,200" typed as text beside "1.000": ambiguous between notations, refused (``value.ambiguous-comma``);
4. lateness judged by the Vietnam day of the save time, whatever zone the file wrote it in; by the file's
   time when the workbook records none; one zone (Vietnam time) wherever a time is shown;
5. a blank template is not a return (``return.blank``): the agency stays in *Chưa nộp*, and a blank
   re-save never replaces a return that has data.

Each merge runs on a small batch with good returns beside the case; the outputs are written and read back.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import zipfile
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest

from conftest import KEY, WHEN, copy_to
from parxl.demo import libreoffice, simulate
from parxl.layout import COL, COVER_SHEET, IDENTITY_SHEET, agency_layout, cell_name
from parxl.merge import check_paths, merge, merge_to_files
from parxl.reader import read_return
from parxl.vocab import Verdict

GOOD = {"III.4.2/1": {"numerator": 96, "denominator": 100}}
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


# -- helpers: returns built the way they arrive ---------------------------------------------------------

def where(plan, agency, code, key):
    for s in agency_layout(plan, agency):
        for r in s.rows:
            if r.indicator.code == code:
                return s.name, cell_name(r.excel_row, COL[key])
    raise KeyError(code)


def fill(issued, plan, agency, dst, values=GOOD, when=WHEN):
    """The agency's answers written into its input cells (as a spreadsheet stores them: numbers, text)."""
    return simulate.fill_xml(issued[agency], dst, plan, agency, values, when)


def rewrite(path: Path, edit) -> Path:
    """The package with each part passed through ``edit(name, data)`` (None drops it; extra parts from
    ``edit(None, None)`` returning a dict are added)."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = edit(info.filename, src.read(info))
            if data is not None:
                out.writestr(info.filename, data)
        for name, data in (edit(None, None) or {}).items():
            out.writestr(name, data)
    path.write_bytes(buf.getvalue())
    return path


def sheet_part(path: Path, sheet: str) -> str:
    return simulate._sheet_parts(zipfile.ZipFile(path))[sheet]


def put_cell(path: Path, sheet: str, ref: str, inner: str, kind: str | None = None) -> Path:
    """Replace one cell of a sheet with ``<c r=ref s=... t=kind>inner</c>`` (its style kept)."""
    part = sheet_part(path, sheet)

    def edit(name, data):
        if name != part:
            return None if name is None else data
        xml = data.decode("utf-8")
        m = re.search(rf'<c r="{ref}"( s="\d+")?[^>]*?(/>|>.*?</c>)', xml)
        assert m, f"no cell {ref} in {part}"
        t = f' t="{kind}"' if kind else ""
        return (xml[:m.start()] + f'<c r="{ref}"{m.group(1) or ""}{t}>{inner}</c>' + xml[m.end():]).encode("utf-8")
    return rewrite(path, edit)


def set_core(path: Path, modified: str | None) -> Path:
    """docProps/core.xml's modified time written as given, or left out."""
    def edit(name, data):
        if name != "docProps/core.xml":
            return None if name is None else data
        if modified is None:
            return re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", b"", data)
        return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + modified.encode(), data)
    return rewrite(path, edit)


def add_external_link(path: Path, body: str, target: str | None) -> Path:
    """An ``xl/externalLinks/externalLink1.xml`` part, referenced as Excel references it (workbook
    relationships, externalReferences, content types), with its own relationship to ``target``."""
    def edit(name, data):
        if name is None:
            parts = {"xl/externalLinks/externalLink1.xml":
                     f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     f'<externalLink xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{body}</externalLink>'}
            if target:
                parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
                    f'<Relationship Id="rId1" Type="{REL_NS}/externalLinkPath" Target="{target}" '
                    f'TargetMode="External"/></Relationships>')
            return parts
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", f'<Relationship Id="rId900" Type="{REL_NS}/externalLink" '
                                f'Target="externalLinks/externalLink1.xml"/></Relationships>'.encode())
        if name == "xl/workbook.xml":
            return data.replace(b"</sheets>", b'</sheets><externalReferences><externalReference r:id="rId900"/>'
                                b"</externalReferences>")
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" '
                                b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                b'externalLink+xml"/></Types>')
        return data
    return rewrite(path, edit)


def codes(report, file=None):
    return [f.code for f in report.findings if file is None or f.file == file]


def hits(report, code, file=None):
    return [f for f in report.findings if f.code == code and (file is None or f.file == file)]


def result(report, agency, code):
    return next(r for r in report.results if r.agency == agency and r.indicator == code)


def merged_to_files(plan, period, folder, out: Path, **kw):
    """The merge, published: both outputs exist and the JSON reads back."""
    report = merge_to_files(plan, period, folder, out / "tong-hop.xlsx", KEY, out / "report.json", **kw)
    assert (out / "tong-hop.xlsx").stat().st_size > 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {r["file"] for r in data["returns"]} == {r.file for r in report.returns}
    return report, data


@pytest.fixture
def batch(plan, issued, returns_dir):
    """Two good returns; each case adds its own."""
    for a in ("TAMKY", "DIENBAN"):
        fill(issued, plan, a, returns_dir / f"{a.lower()}.xlsx")
    return returns_dir


def accepted(report) -> set[str]:
    return {r.agency for r in report.returns if r.status == "accepted"}


# -- 1. a formula in an input cell ----------------------------------------------------------------------

EXTERNAL_BOOK = ('<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames><sheetDataSet>'
                 '<sheetData sheetId="0"><row r="1"><cell r="A1"><v>8</v></cell></row></sheetData></sheetDataSet>'
                 '</externalBook>')
DDE_LINK = ('<ddeLink xmlns:r="%s" ddeService="Excel" ddeTopic="C:\\so-lieu\\bao-cao.xlsx">'
            '<ddeItems><ddeItem name="R1C1" advise="1"><values><value><val>8</val></value></values></ddeItem>'
            '</ddeItems></ddeLink>' % REL_NS)

# (id, the formula cell's content, its t attribute, the external link part added, the figure it caches)
FORMULAS = [
    ("external-workbook-reference", "<f>[1]Sheet1!$A$1</f><v>8</v>", None, (EXTERNAL_BOOK, "file:///C:/khac/other.xlsx")),
    ("dde-link", "<f>[1]!'R1C1'</f><v>8</v>", None, (DDE_LINK, None)),
    ("webservice", '<f>_xlfn.WEBSERVICE("http://so-lieu.example.invalid/q3")</f><v>8</v>', "str", None),
    ("internal-arithmetic", "<f>4*2</f><v>8</v>", None, None),
    ("sum-of-cells", "<f>SUM(G6:G6)-2</f><v>8</v>", None, None),
    ("numbervalue", '<f>_xlfn.NUMBERVALUE("8")</f><v>8</v>', None, None),
    ("array-formula", '<f t="array" ref="F6">SUM({4,4})</f><v>8</v>', None, None),
    ("no-cached-value", "<f>4*2</f>", None, None),
]


@pytest.mark.parametrize("case,inner,kind,link", FORMULAS, ids=[f[0] for f in FORMULAS])
def test_a_formula_in_an_input_cell_is_refused_at_its_cell(plan, period, issued, batch, tmp_path, case, inner,
                                                           kind, link):
    """I.7/1 is a rate "≥ 100%": 8 of 10 typed is "Chưa đạt"; the cached 8 of a formula must not count at all."""
    path = fill(issued, plan, "HOIAN", batch / "hoian.xlsx",
                {"I.7/1": {"numerator": 8, "denominator": 10, "status": "Đang thực hiện"}, **GOOD})
    sheet, cell = where(plan, "HOIAN", "I.7/1", "numerator")
    assert cell == "F6"          # the array formula's ref above names it
    put_cell(path, sheet, cell, inner, kind)
    if link:
        add_external_link(path, *link)
    report, data = merged_to_files(plan, period, batch, tmp_path / "out")
    assert accepted(report) == {"TAMKY", "DIENBAN", "HOIAN"}
    [f] = hits(report, "value.formula", "hoian.xlsx")      # our own self-check formulas are not flagged
    assert (f.sheet, f.cell, f.indicator, f.severity.value) == (sheet, cell, "I.7/1", "error")
    assert f.seen.startswith("=") and f.message != f.message_en
    r = result(report, "HOIAN", "I.7/1")
    assert r.verdict is Verdict.INVALID and r.numerator is None
    assert result(report, "HOIAN", "III.4.2/1").verdict is Verdict.MET          # the rest of the return counts
    links = hits(report, "file.external-link", "hoian.xlsx")
    assert bool(links) == bool(link)
    if link:
        assert links[0].seen.startswith("xl/externalLinks/externalLink1.xml")
        assert (link[1] or "DDE Excel|") in links[0].seen
    assert any(x["code"] == "value.formula" and x["cell"] == cell for x in data["findings"])


def test_a_shared_formula_refuses_every_cell_it_fills(plan, period, issued, batch, tmp_path):
    """A shared formula's follower carries no text of its own: it is still a formula, shown by its master's."""
    path = fill(issued, plan, "HOIAN", batch / "hoian.xlsx", GOOD)
    sheet, num = where(plan, "HOIAN", "I.7/1", "numerator")
    _, den = where(plan, "HOIAN", "I.7/1", "denominator")
    put_cell(path, sheet, num, f'<f t="shared" ref="{num}:{den}" si="0">4*2</f><v>8</v>')
    put_cell(path, sheet, den, '<f t="shared" si="0"/><v>8</v>')
    report = merge(plan, period, batch, KEY)
    found = {f.cell: f.seen for f in hits(report, "value.formula", "hoian.xlsx")}
    assert found == {num: "=4*2", den: "=4*2"}
    assert result(report, "HOIAN", "I.7/1").verdict is Verdict.INVALID


def test_the_safe_path_finds_the_same_formulas(plan, issued, tmp_path):
    """A sheet the quick bounds check cannot prove (a cell without ``r``) is streamed: same formulas found."""
    path = fill(issued, plan, "HOIAN", tmp_path / "hoian.xlsx", GOOD)
    sheet, cell = where(plan, "HOIAN", "I.7/1", "numerator")
    put_cell(path, sheet, cell, "<f>[1]Sheet1!$A$1</f><v>8</v>")
    fast, safe = read_return(path), read_return(path, fast=False)
    for wb in (fast, safe):
        s = wb.sheets[sheet]
        assert s.formula(5, COL["numerator"]) == "[1]Sheet1!$A$1"
        assert s.formula(5, COL["denominator"]) is None
        assert s.formula(5, COL["self_check"]).startswith("IF(")      # ours: read, and left to the checks
    assert {n: {k: s.formula(*k) for k in s.formulas} for n, s in fast.sheets.items()} == \
           {n: {k: s.formula(*k) for k in s.formulas} for n, s in safe.sheets.items()}


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_formula_typed_in_libreoffice_is_refused(plan, period, issued, batch, tmp_path, fmt):
    """A formula typed into an input cell, then saved by LibreOffice, which computes and caches it (xlsx:
    ``<f aca="false">``; OpenDocument: ``table:formula="of:=…"``)."""
    sheet, cell = where(plan, "HOIAN", "I.5/1", "value")
    src = tmp_path / "typed.xlsx"
    wb = openpyxl.load_workbook(issued["HOIAN"])
    wb[sheet][cell] = "=1+2"
    s3, c3 = where(plan, "HOIAN", "III.4.2/1", "numerator")
    wb[s3][c3], wb[s3][c3.replace("F", "G")] = 96, 100
    wb.save(src)
    out = libreoffice.convert(src, tmp_path / "lo", fmt)
    seen = read_return(out)
    kept = seen.sheets[sheet]
    r, c = int(cell[1:]) - 1, COL["value"]
    assert kept.cell(r, c) == 3 and kept.formula(r, c) is not None      # calamine alone would read a typed 3
    shutil.copyfile(out, batch / f"hoian.{fmt}")
    report = merge(plan, period, batch, KEY)
    [f] = hits(report, "value.formula", f"hoian.{fmt}")
    assert (f.sheet, f.cell) == (sheet, cell)
    assert "1+2" in f.seen
    assert result(report, "HOIAN", "I.5/1").verdict is Verdict.INVALID
    assert accepted(report) == {"TAMKY", "DIENBAN", "HOIAN"}


@pytest.mark.libreoffice
def test_an_opendocument_sheet_linked_to_another_file_is_named(plan, period, issued, batch, tmp_path):
    """OpenDocument's own links: a sheet linked to another file (table:table-source), a DDE source."""
    ods = libreoffice.convert(fill(issued, plan, "HOIAN", tmp_path / "hoian.xlsx"), tmp_path / "lo", "ods")

    def link(name, data):
        if name != "content.xml":
            return None if name is None else data
        data = re.sub(rb"(<table:table [^>]*>)", rb'\1<table:table-source xlink:type="simple" '
                      rb'xlink:href="file:///C:/khac/so-lieu.ods" table:mode="copy-all"/>', data, count=1)
        return data.replace(b"</office:spreadsheet>", b'<table:dde-links><table:dde-link><office:dde-source '
                            b'office:name="x" office:dde-application="soffice" office:dde-topic="C:/khac/a.ods" '
                            b'office:dde-item="A1"/><table:table/></table:dde-link></table:dde-links>'
                            b"</office:spreadsheet>")
    rewrite(copy_to(ods, batch / "hoian.ods"), link)
    report = merge(plan, period, batch, KEY)
    seen = sorted(f.seen for f in hits(report, "file.external-link", "hoian.ods"))
    assert len(seen) == 2 and "file:///C:/khac/so-lieu.ods" in seen[1] and "soffice|C:/khac/a.ods|A1" in seen[0]
    assert "HOIAN" in accepted(report)


# -- 2. a borrowed identity -------------------------------------------------------------------------------

def _borrow_identity(src: Path, donor: Path, dst: Path) -> Path:
    """``src`` with ``donor``'s hidden identity sheet and document properties copied in (openpyxl)."""
    wb = openpyxl.load_workbook(src)
    other = openpyxl.load_workbook(donor)
    ws, theirs = wb[IDENTITY_SHEET], other[IDENTITY_SHEET]
    for row in theirs.iter_rows():
        for c in row:
            ws.cell(c.row, c.column).value = c.value
    for p in list(wb.custom_doc_props):
        wb.custom_doc_props.__delitem__(p.name)
    for p in other.custom_doc_props:
        wb.custom_doc_props.append(p)
    wb.save(dst)
    simulate.stamp(dst, WHEN + dt.timedelta(days=2))
    return dst


def test_a_borrowed_identity_is_refused_naming_both_agencies(plan, period, issued, batch, tmp_path):
    """TAMKY's identity copied into HOIAN's filled workbook, saved after TAMKY's own return: it must not count
    as TAMKY, nor replace TAMKY's return."""
    hoian = fill(issued, plan, "HOIAN", tmp_path / "hoian.xlsx", {"III.4.2/1": {"numerator": 10, "denominator": 100}})
    _borrow_identity(hoian, issued["TAMKY"], batch / "tamky_moi.xlsx")
    report, data = merged_to_files(plan, period, batch, tmp_path / "out")
    entry = {r.file: r for r in report.returns}
    assert entry["tamky_moi.xlsx"].status == "rejected"
    assert entry["tamky.xlsx"].status == "accepted"
    assert accepted(report) == {"TAMKY", "DIENBAN"} and "HOIAN" in report.missing
    assert result(report, "TAMKY", "III.4.2/1").numerator == 96                   # TAMKY's own figures
    f = hits(report, "identity.borrowed", "tamky_moi.xlsx")[0]
    first = agency_layout(plan, "TAMKY")[0].name
    assert (f.sheet, f.cell) == (first, "B3")
    assert "HOIAN" in f.seen and "TAMKY" in f.expected and f.rejects
    assert f.message != f.message_en and "HOIAN" in f.message and "TAMKY" in f.message


@pytest.mark.parametrize("quirk", ["cover-still-shows-hoian", "sheet-id-cleared", "cover-line-deleted"])
def test_what_the_workbook_shows_must_be_the_signed_identity(plan, period, issued, batch, tmp_path, quirk):
    """Neighbours: the input sheets' ids rewritten too but the cover not; an id cleared; the cover's line
    deleted.  The genuine return keeps counting."""
    hoian = fill(issued, plan, "HOIAN", tmp_path / "hoian.xlsx")
    dst = _borrow_identity(hoian, issued["TAMKY"], batch / "tamky_moi.xlsx")
    tamky_id = openpyxl.load_workbook(issued["TAMKY"])[IDENTITY_SHEET]["B7"].value
    assert tamky_id.startswith("PARXL-2024-Q3-TAMKY-")
    wb = openpyxl.load_workbook(dst)
    inputs = [s.name for s in agency_layout(plan, "TAMKY")]
    for name in inputs:
        wb[name]["B3"] = tamky_id if quirk != "sheet-id-cleared" else None
    if quirk == "cover-line-deleted":
        cover = wb[COVER_SHEET]
        row = next(c.row for c in cover["A"] if c.value == "Mã biểu mẫu")
        cover.delete_rows(row)
    wb.save(dst)
    report = merge(plan, period, batch, KEY)
    assert {r.file: r.status for r in report.returns}["tamky_moi.xlsx"] == "rejected"
    assert accepted(report) == {"TAMKY", "DIENBAN"}
    if quirk == "cover-still-shows-hoian":
        f = hits(report, "identity.borrowed", "tamky_moi.xlsx")[0]
        row = next(c.row for c in openpyxl.load_workbook(dst)[COVER_SHEET]["A"] if c.value == "Mã biểu mẫu")
        assert (f.sheet, f.cell) == (COVER_SHEET, f"B{row}") and "HOIAN" in f.seen
    elif quirk == "sheet-id-cleared":
        f = hits(report, "layout.locked-cell-edited", "tamky_moi.xlsx")[0]
        assert (f.sheet, f.cell) == (inputs[0], "B3") and f.expected == tamky_id
    else:
        f = hits(report, "layout.locked-cell-edited", "tamky_moi.xlsx")[0]
        assert f.sheet == COVER_SHEET and tamky_id in f.expected


def test_a_genuine_return_shows_its_own_identity_everywhere(plan, period, issued, tmp_path):
    """The cross-check refuses nothing genuine: every agency's filled workbook passes it, and one saved by
    LibreOffice too (see test_hostile)."""
    paths = [fill(issued, plan, a, tmp_path / f"{a}.xlsx", {}) for a in ("HOIAN", "SNV", "CTHUE")]
    for c in check_paths(paths, plan, period, KEY):
        assert not [f.code for f in c.findings if f.code in ("identity.borrowed", "layout.locked-cell-edited")]


# -- 3. "1,200" beside "1.000" -------------------------------------------------------------------------------

@pytest.mark.parametrize("typed,code,verdict,change", [
    ("1,200", "value.ambiguous-comma", Verdict.INVALID, None),       # 1,2 or 1.200? not guessed
    # Vietnamese thousands: +20%, short of the cut due at year end: not yet due in Quý III
    ("1.200", None, Verdict.IN_PROGRESS_NOT_DUE, Fraction(20)),
    ("1.200,5", None, Verdict.IN_PROGRESS_NOT_DUE, Fraction("20.05")),
    ("1 200", None, Verdict.IN_PROGRESS_NOT_DUE, Fraction(20)),
    ("1,2", None, Verdict.MET, Fraction("-99.88")),                   # a decimal comma, unambiguous
    ("1,200%", "value.ambiguous-comma", Verdict.INVALID, None),
    ("1,200,000", "value.not-a-number", Verdict.INVALID, None),
], ids=["comma-3-digits", "dot-thousands", "dot-thousands-decimal-comma", "space-thousands", "decimal-comma",
        "with-percent", "english-millions"])
def test_a_comma_before_three_digits_is_ambiguous(plan, period, issued, batch, tmp_path, typed, code, verdict,
                                                  change):
    """IV.3/1 is a change "giảm trên 10%": "1,200" this year beside "1.000" in the baseline was read as 1,2
    (−99,88%, "Đạt") when the agency meant +20%."""
    fill(issued, plan, "HOIAN", batch / "hoian.xlsx", {"IV.3/1": {"value": typed, "baseline": "1.000"}, **GOOD})
    report, data = merged_to_files(plan, period, batch, tmp_path / "out")
    assert accepted(report) == {"TAMKY", "DIENBAN", "HOIAN"}
    r = result(report, "HOIAN", "IV.3/1")
    assert r.verdict is verdict and r.value == change
    sheet, cell = where(plan, "HOIAN", "IV.3/1", "value")
    errors = [f for f in report.findings if f.file == "hoian.xlsx" and f.severity.value == "error"]
    if code is None:
        assert not errors
    else:
        [f] = errors
        assert (f.code, f.sheet, f.cell, f.indicator) == (code, sheet, cell, "IV.3/1")
    if code == "value.ambiguous-comma":
        assert f.expected == "1,2 / 1.200"
        assert not [x for x in hits(report, "value.coerced", "hoian.xlsx") if x.cell == cell]   # nothing "read as"
    fig = next(x for x in report.indicators if x.indicator == "IV.3/1")
    # HOIAN's figure counts only when it is certain (short of the cut due at year end: counted, not yet due)
    assert fig.assessed + fig.not_due == (1 if code is None else 0)


# -- 4. lateness in Vietnam time -------------------------------------------------------------------------------

# 2024-Q3 is due on 20/09/2024.  03:00 on 21/09 in Vietnam is 20:00 UTC on 20/09: late, however it is written.
LATE_SAME_INSTANT = ["2024-09-20T20:00:00Z", "2024-09-21T03:00:00+07:00", "2024-09-21T03:00:00",
                     "2024-09-20T15:00:00-05:00", "2024-09-20T20:00:00.1234567Z"]
IN_TIME_SAME_INSTANT = ["2024-09-20T16:30:00Z", "2024-09-20T23:30:00+07:00", "2024-09-20T23:30:00"]


@pytest.mark.parametrize("stamp", LATE_SAME_INSTANT, ids=["utc-z", "plus-0700", "no-zone-is-vietnam-time",
                                                          "minus-0500", "dotnet-seven-digits"])
def test_lateness_is_judged_in_vietnam_time(plan, period, issued, batch, tmp_path, stamp):
    path = set_core(fill(issued, plan, "HOIAN", batch / "hoian.xlsx"), stamp)
    report, data = merged_to_files(plan, period, batch, tmp_path / "out")
    assert accepted(report) == {"TAMKY", "DIENBAN", "HOIAN"}
    [f] = hits(report, "return.late", "hoian.xlsx")
    assert f.seen == "21/09/2024 03:00" and f.expected == "20/09/2024"
    assert "giờ Việt Nam" in f.message
    entry = next(r for r in data["returns"] if r["file"] == "hoian.xlsx")
    assert dt.datetime.fromisoformat(entry["saved_at"]) == dt.datetime(2024, 9, 20, 20, 0, tzinfo=dt.timezone.utc)
    assert path.exists()


@pytest.mark.parametrize("stamp", IN_TIME_SAME_INSTANT, ids=["utc-z", "plus-0700", "no-zone-is-vietnam-time"])
def test_a_return_saved_before_midnight_in_vietnam_is_not_late(plan, period, issued, batch, tmp_path, stamp):
    set_core(fill(issued, plan, "HOIAN", batch / "hoian.xlsx"), stamp)
    report = merge(plan, period, batch, KEY)
    assert not [c for c in codes(report, "hoian.xlsx") if c.startswith("return.late")]


def test_the_consolidated_workbook_shows_one_zone(plan, period, issued, batch, tmp_path):
    """Two returns saved at the same instant, written in UTC and in +07:00, show the same time in *Cơ quan*
    and *Tệp nhận được*: 03:00 on 21/09, Vietnam time, said in the header."""
    set_core(fill(issued, plan, "HOIAN", batch / "hoian.xlsx"), "2024-09-20T20:00:00Z")
    set_core(fill(issued, plan, "DUYXUYEN", batch / "duyxuyen.xlsx"), "2024-09-21T03:00:00+07:00")
    merged_to_files(plan, period, batch, tmp_path / "out")
    wb = openpyxl.load_workbook(tmp_path / "out" / "tong-hop.xlsx", read_only=True)
    head = [c.value for c in next(wb["Cơ quan"].iter_rows(min_row=4, max_row=4))]
    col = head.index("Thời điểm lưu tệp (giờ Việt Nam)")
    shown = {r[0]: r[col] for r in wb["Cơ quan"].iter_rows(min_row=5, values_only=True) if r[0]}
    assert shown["HOIAN"] == shown["DUYXUYEN"] == dt.datetime(2024, 9, 21, 3, 0)
    assert shown["TAMKY"] == WHEN.replace(tzinfo=None) + dt.timedelta(hours=7)
    files = wb["Tệp nhận được"]
    head = [c.value for c in next(files.iter_rows(min_row=4, max_row=4))]
    col = head.index("Thời điểm lưu tệp (giờ Việt Nam)")
    times = {r[0]: r[col] for r in files.iter_rows(min_row=5, values_only=True) if r[0]}
    assert times["hoian.xlsx"] == times["duyxuyen.xlsx"] == dt.datetime(2024, 9, 21, 3, 0)


def test_a_return_without_a_save_time_is_judged_by_its_file_time(plan, period, issued, batch, tmp_path):
    """No save time in the workbook, the file ten days late: flagged, as weaker evidence than a save time."""
    path = set_core(fill(issued, plan, "HOIAN", batch / "hoian.xlsx"), None)
    t = dt.datetime(2024, 9, 30, 9, 0, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (t, t))
    report, data = merged_to_files(plan, period, batch, tmp_path / "out")
    assert accepted(report) == {"TAMKY", "DIENBAN", "HOIAN"}
    assert "return.no-save-time" in codes(report, "hoian.xlsx")
    [f] = hits(report, "return.late-file-time", "hoian.xlsx")
    assert f.seen == "30/09/2024 16:00" and f.severity.value == "warning"
    assert not hits(report, "return.late", "hoian.xlsx")


@pytest.mark.parametrize("quirk", ["file-time-in-the-future", "save-time-before-issue"])
def test_other_clocks_that_cannot_date_a_return(plan, period, issued, batch, tmp_path, quirk):
    """A file time in the future with no save time: its time is unknown, and it does not replace a dated
    return of the agency.  A save time before the template was issued (14/09/2024): the file's time dates it."""
    good = fill(issued, plan, "HOIAN", batch / "hoian_a.xlsx", {"III.4.2/1": {"numerator": 99, "denominator": 100}},
                dt.datetime(2024, 9, 18, 3, 0, tzinfo=dt.timezone.utc))
    t = dt.datetime(2024, 9, 18, 3, 0, tzinfo=dt.timezone.utc).timestamp()
    os.utime(good, (t, t))
    odd = fill(issued, plan, "HOIAN", batch / "hoian_b.xlsx", {"III.4.2/1": {"numerator": 50, "denominator": 100}})
    if quirk == "file-time-in-the-future":
        set_core(odd, None)
        t = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).timestamp()
    else:
        set_core(odd, "2024-09-01T08:00:00Z")
        t = dt.datetime(2024, 9, 19, 2, 0, tzinfo=dt.timezone.utc).timestamp()
    os.utime(odd, (t, t))
    report = merge(plan, period, batch, KEY)
    status = {r.file: r for r in report.returns}
    if quirk == "file-time-in-the-future":
        assert "return.file-clock-future" in codes(report, "hoian_b.xlsx")
        assert (status["hoian_a.xlsx"].status, status["hoian_b.xlsx"].status) == ("accepted", "superseded")
        assert status["hoian_b.xlsx"].saved_at is None
        assert result(report, "HOIAN", "III.4.2/1").numerator == 99
    else:
        [f] = hits(report, "return.clock-before-issue", "hoian_b.xlsx")
        assert f.seen == "01/09/2024 15:00" and f.expected == "14/09/2024"
        assert (status["hoian_a.xlsx"].status, status["hoian_b.xlsx"].status) == ("superseded", "accepted")
        assert status["hoian_b.xlsx"].saved_source == "file"


@pytest.mark.libreoffice
def test_an_opendocument_save_time_without_a_zone_is_vietnam_time(plan, period, issued, batch, tmp_path):
    """LibreOffice writes an .ods save time (meta.xml dc:date) with no zone, in the local time of the PC."""
    filled = fill(issued, plan, "HOIAN", tmp_path / "hoian.xlsx")
    ods = libreoffice.convert(filled, tmp_path / "lo", "ods")
    assert re.search(rb"<dc:date>\d{4}-\d\d-\d\dT[\d:.]+</dc:date>", zipfile.ZipFile(ods).read("meta.xml"))

    def stamp(name, data):
        if name == "meta.xml":
            return re.sub(rb"<dc:date>[^<]*</dc:date>", b"<dc:date>2024-09-21T03:00:00.123456789</dc:date>", data)
        return None if name is None else data
    rewrite(copy_to(ods, batch / "hoian.ods"), stamp)
    report = merge(plan, period, batch, KEY)
    assert "HOIAN" in accepted(report)
    [f] = hits(report, "return.late", "hoian.ods")
    assert f.seen == "21/09/2024 03:00"


# -- 5. a blank template is not a return -----------------------------------------------------------------------

def test_blank_templates_are_not_returns(plan, period, issued, tmp_path):
    """``--returns`` pointed at the issued folder, plus HOIAN's filled return and a later blank re-save of its
    template: the blank ones are refused, their agencies stay in *Chưa nộp*, HOIAN's data stands."""
    folder = tmp_path / "returns"
    folder.mkdir()
    for a in ("TAMKY", "DIENBAN", "HOIAN"):
        copy_to(issued[a], folder / issued[a].name)                           # as issued
    fill(issued, plan, "HOIAN", folder / "hoian_day_du.xlsx", {"III.4.2/1": {"numerator": 99, "denominator": 100}})
    resaved = folder / "hoian_luu_lai.xlsx"
    wb = openpyxl.load_workbook(issued["HOIAN"])
    wb.save(resaved)                                                          # opened and saved, nothing typed
    simulate.stamp(resaved, WHEN + dt.timedelta(days=3))
    report, data = merged_to_files(plan, period, folder, tmp_path / "out")
    status = {r.file: r.status for r in report.returns}
    assert status["hoian_day_du.xlsx"] == "accepted" and status["hoian_luu_lai.xlsx"] == "rejected"
    for a in ("TAMKY", "DIENBAN"):
        assert status[issued[a].name] == "rejected" and a in report.missing
    assert "HOIAN" not in report.missing
    assert result(report, "HOIAN", "III.4.2/1").numerator == 99
    blank = {f.file for f in hits(report, "return.blank")}
    assert blank == {issued["TAMKY"].name, issued["DIENBAN"].name, issued["HOIAN"].name, "hoian_luu_lai.xlsx"}
    for f in hits(report, "return.blank"):
        assert f.rejects and f.severity.value == "error" and f.agency
    assert not [c for c in codes(report, "hoian_luu_lai.xlsx") if c.startswith("value.")]   # no per-row noise
    wb = openpyxl.load_workbook(tmp_path / "out" / "tong-hop.xlsx", read_only=True)
    listed = {r[0]: r[4] for r in wb["Chưa nộp"].iter_rows(min_row=5, values_only=True) if r[0]}
    assert "TAMKY" in listed and issued["TAMKY"].name in (listed["TAMKY"] or "")
    assert "HOIAN" not in listed


@pytest.mark.parametrize("quirk,blank", [
    ("spaces-only", True),             # the self-check sees "   " as blank too
    ("one-status", False),
    ("one-excel-error", False),
    ("one-formula-without-value", False),
    ("only-issues-text", False),
])
def test_what_makes_a_workbook_a_return(plan, period, issued, batch, tmp_path, quirk, blank):
    path = fill(issued, plan, "HOIAN", batch / "hoian.xlsx", {})
    sheet, status = where(plan, "HOIAN", "I.5/1", "status")
    _, value = where(plan, "HOIAN", "I.5/1", "value")
    _, issues = where(plan, "HOIAN", "I.5/1", "issues")
    if quirk == "spaces-only":
        put_cell(path, sheet, value, '<is><t xml:space="preserve">   </t></is>', "inlineStr")
    elif quirk == "one-status":
        put_cell(path, sheet, status, "<is><t>Đang thực hiện</t></is>", "inlineStr")
    elif quirk == "one-excel-error":
        put_cell(path, sheet, value, "<v>#DIV/0!</v>", "e")
    elif quirk == "one-formula-without-value":
        put_cell(path, sheet, value, "<f>1+2</f>")
    else:
        put_cell(path, sheet, issues, "<is><t>Chưa có hướng dẫn của tỉnh.</t></is>", "inlineStr")
    report = merge(plan, period, batch, KEY)
    assert ("return.blank" in codes(report, "hoian.xlsx")) == blank
    assert ("HOIAN" in accepted(report)) == (not blank)
    assert accepted(report) >= {"TAMKY", "DIENBAN"}


def test_check_tells_an_agency_its_workbook_is_blank(plan, period, issued, tmp_path):
    [c] = check_paths([copy_to(issued["HOIAN"], tmp_path / "hoian.xlsx")], plan, period, KEY)
    assert [f.code for f in c.findings] == ["return.blank"] and not c.accepted


@pytest.mark.libreoffice
def test_a_blank_template_saved_by_libreoffice_is_not_a_return(plan, period, issued, batch, tmp_path):
    ods = libreoffice.convert(issued["HOIAN"], tmp_path / "lo", "ods")
    copy_to(ods, batch / "hoian.ods")
    report = merge(plan, period, batch, KEY)
    assert "return.blank" in codes(report, "hoian.ods") and "HOIAN" in report.missing
