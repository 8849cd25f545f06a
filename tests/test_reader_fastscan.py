"""The fast path's scan of a sheet's XML: the search that proves a sheet plainly within bounds finds its formula
elements as it goes (parxl.reader.bounds.plain_formulas), and each formula's cell and text come out as the
streaming (safe) path reads them, however the cell is written.

Real files: a generated workbook (xlsxwriter), one filled in openpyxl, and the generated input sheet with cells
appended the ways other tools write formulas (shared formulas, a formula after its value, <f/>, attributes in
another order, error cells).  The tag soups check the one search against the two it replaced, and the formula
scan against the scan as it was (kept here as the reference).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import example, given, settings, strategies as st

from parxl.reader import MAX_COLS, MAX_ROWS, bounds, read_return, scan
from parxl.reader.limits import FORMULA_TEXT
from parxl.reader.refs import col_index
from parxl.reader.sheets import sheet_parts

AGENCY = "HOIAN"
INPUT = "I. Chỉ đạo điều hành"


def formulas(wb) -> dict:
    return {n: {k: s.formula(*k) for k in s.formulas} for n, s in wb.sheets.items()}


def same_through_both_paths(path: Path, rows: bool = True):
    """The fast path's read; its formulas and error cells (and values, with ``rows``) as the safe path's."""
    fast, safe = read_return(path), read_return(path, fast=False)
    assert [f.code for f in fast.findings] == [f.code for f in safe.findings] == []
    assert formulas(fast) == formulas(safe)
    assert {n: s.errors for n, s in fast.sheets.items()} == {n: s.errors for n, s in safe.sheets.items()}
    if rows:
        assert {n: s.rows for n, s in fast.sheets.items()} == {n: s.rows for n, s in safe.sheets.items()}
    return fast


def input_part(path: Path) -> str:
    z = zipfile.ZipFile(path)
    return dict(sheet_parts(z, set(z.namelist())))[INPUT]


def sheet_xml(path: Path) -> bytes:
    return zipfile.ZipFile(path).read(input_part(path))


def with_rows(src: Path, dst: Path, rows: str) -> Path:
    """The package with ``rows`` appended to the input sheet's data."""
    part = input_part(src)
    zin = zipfile.ZipFile(src)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>", 1)
            z.writestr(info.filename, data)
    return dst


# -- real files ---------------------------------------------------------------------------------------------
def test_generated_workbook_formulas_read_the_same_through_both_paths(issued):
    fast = same_through_both_paths(issued[AGENCY])
    assert sum(map(len, formulas(fast).values())) > 10       # xlsxwriter writes the layout's checks as formulas
    assert bounds.plain_formulas(sheet_xml(issued[AGENCY]), MAX_ROWS, MAX_COLS)[1]


def test_formulas_typed_in_openpyxl_read_the_same_through_both_paths(issued, tmp_path):
    wb = openpyxl.load_workbook(issued[AGENCY])
    ws = wb[INPUT]
    ws["F5"] = '=IF(1<2,"a&b","c")'
    ws["G5"] = "=SUM(F5:F9)"
    ws["G6"] = "=1/0"
    path = tmp_path / "return_openpyxl_formulas.xlsx"
    wb.save(path)
    assert bounds.plain_formulas(sheet_xml(path), MAX_ROWS, MAX_COLS)[1]   # the fast scan reads this sheet
    sheet = same_through_both_paths(path).sheets[INPUT]
    assert sheet.formula(4, 5) == 'IF(1<2,"a&b","c")' and sheet.formula(4, 6) == "SUM(F5:F9)"
    assert sheet.formula(5, 6) == "1/0" and sheet.formula(6, 6) is None


# Cells written the ways other tools write them, appended to the generated input sheet.
ODD_CELLS = (
    '<row r="100"><c r="B100" t="str"><f t="shared" ref="B100:B104" si="7">SUM(A100:A101)&amp;"x"</f><v>1</v></c>'
    '<c r="C100"><f si="3" ref="C100:C101" t="shared">A100*2</f><v>2</v></c></row>'
    '<row r="101"><c r="B101"><f t="shared" si="7"/><v>2</v></c><c r="C101"><f si="3" t="shared"/></c></row>'
    '<row r="102"><c r="B102" t="n" s="0"><f\tt="shared"\tsi="7"\t/><v>3</v></c></row>'
    '<row r="103"><c r="B103"><v>4</v><f t="shared" si="7"/></c><c r="C103"><v>5</v><f>C100+1</f></c></row>'
    '<row r="104"><c r="B104" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="C104" t="e"><v>#N/A</v></c></row>'
    '<row r="105"><c r="B105"><f/></c><c r="C105"><f >2*3</f><v>6</v></c>'
    '<c r="D105"><f aca="false" t="normal">A1+1</f><v>1</v></c></row>'
    '<row r="106"><c r="B106" s="1" t="str"><f t="array" ref="B106">LEN("&lt;f&gt;")</f><v>3</v></c>'
    '<c r="C106" t="str"><f>' + "9+" * 300 + '9</f><v>2709</v></c></row>'
)


def test_formulas_however_written_read_the_same_through_both_paths(issued, tmp_path):
    """(Values are not compared: calamine drops a value written before its cell's formula, B103 and C103, which
    the safe path keeps; as before this scan.)"""
    path = with_rows(issued[AGENCY], tmp_path / "return_odd_formulas.xlsx", ODD_CELLS)
    xml = sheet_xml(path)
    assert bounds.plain_formulas(xml, MAX_ROWS, MAX_COLS) == (True, [m.start() for m in re.finditer(rb"<f[\s/>]", xml)])
    sheet = same_through_both_paths(path, rows=False).sheets[INPUT]
    master = 'SUM(A100:A101)&"x"'
    assert [sheet.formula(r, 1) for r in range(99, 105)] == [master, master, master, master, "1/0", ""]
    assert [sheet.formula(r, 2) for r in range(99, 106)] == ["A100*2", "A100*2", None, "C100+1", None, "2*3",
                                                             ("9+" * 300)[:FORMULA_TEXT]]
    assert sheet.formula(104, 3) == "A1+1" and sheet.formula(105, 1) == 'LEN("<f>")'
    assert sheet.errors[(103, 1)] == "#DIV/0!" and sheet.errors[(103, 2)] == "#N/A"


def test_a_sheet_only_provably_within_bounds_has_its_formulas_scanned_too(issued, tmp_path):
    """A column past Z: not plain, so its formula elements are found by the scan's own search."""
    path = with_rows(issued[AGENCY], tmp_path / "return_wide_formulas.xlsx", ODD_CELLS.replace(
        '<c r="D105">', '<c r="AD105">'))
    xml = sheet_xml(path)
    assert not bounds.plain_formulas(xml, MAX_ROWS, MAX_COLS)[0] and bounds.provably_within(xml, MAX_ROWS, MAX_COLS)
    sheet = same_through_both_paths(path, rows=False).sheets[INPUT]
    assert sheet.formula(104, 29) == "A1+1" and sheet.formula(100, 1) == 'SUM(A100:A101)&"x"'


# -- the one search against the two it replaced ---------------------------------------------------------------
_TAGS = ['<c r="A1">', '<c r="B2" t="str">', '<c r="C3" t="e">', '<c r="AA1">', '<c r="D12345">', '<c r="A1"/>',
         '<c s="1" r="A1">', '<c>', '<c/>', '<c\tr="A1">', '<f>', '<f/>', '<f t="shared" si="0"/>', '<f >',
         '<f t="shared" si="0" ref="A1:A3">', '<f si="1" t="shared">', "<f t='shared' si='0'/>", '<f\tsi="0"/>',
         '</f>', '<v>1</v>', '<v>#N/A</v>', '</c>', '<row r="1">', '<row>', '<row r="12345">', '</row>', 'SUM(A1:A2)',
         '&lt;', '<x:c r="A1">', '<x:f>', ':f ', '<is><t>a</t></is>', '<fx>', '<formula1>1</formula1>', '<f', '>',
         '/', '"', '<', '<!-- <f> -->', '<![CDATA[<f>]]>', '<c r="Z999" s="1"']
_BOUNDS = [(MAX_ROWS, MAX_COLS), (2000, 26), (10, 64), (100, 30), (5, 3), (10 ** 9, 64)]
_F_TAG = re.compile(rb"<f(?=[\s/>])")


def _plainly_within_as_before(xml: bytes, max_rows: int, max_cols: int) -> bool:
    """The two searches plain_formulas replaced (parxl 73b2aaa)."""
    if max_cols < 26 or max_rows < 10:
        return False
    digits = len(str(max_rows)) - 1
    not_plain = re.compile(rb'<(?:c(?=[\s/>])(?! r="[A-Z][0-9]{1,%d}")|row(?=[\s/>])(?! r="[0-9]{1,%d}"))'
                           % (digits, digits))
    if not_plain.search(xml):
        return False
    return not (re.search(rb":(?:c|row|sheetData|v|is|t|f)[\s/>]", xml)
                and re.search(rb"<[^\s<>/!?:]{1,64}:(?:c|row|sheetData|v|is|t|f)[\s/>]", xml))


_REF_TAG = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


def _formula_scan_as_before(xml: bytes) -> dict:
    """The formula scan as it was (parxl 73b2aaa): the reference the faster one must agree with."""
    out, shared = {}, {}
    lo, cell = 0, None
    find, rfind = xml.find, xml.rfind
    for m in _F_TAG.finditer(xml):
        pos = m.start()
        start = rfind(b"<", lo, pos)
        if start < 0 or xml[start + 1:start + 2] != b"c" or xml[pos - 2] == 0x2F:
            start = rfind(b'<c r="', lo, pos)
        if start >= 0:
            ref, end = _REF_TAG.match(xml, start), find(b">", start, pos)
            cell = None
            if ref and end > 0 and xml[end - 1] != 0x2F and find(b"</c>", end, pos) < 0:
                cell = (int(ref.group(2)) - 1, col_index(ref.group(1)))
        elif cell is not None and find(b"</c>", lo, pos) >= 0:
            cell = None
        lo = pos
        close = find(b">", m.end())
        if close < 0:
            break
        text = b""
        if xml[close - 1] != 0x2F:
            stop = find(b"<", close)
            text = xml[close + 1:stop if stop >= 0 else len(xml)][:8 * FORMULA_TEXT]
        if find(b"shared", m.end(), close) >= 0:
            attrs = dict(_ATTR.findall(xml[m.end():close]))
            if attrs.get(b"t") == b"shared":
                si = attrs.get(b"si", b"")
                text = shared.setdefault(si, text) if text else shared.get(si, b"")
        if cell is not None and cell not in out:
            out[cell] = text
    return out


_PLAIN_TAG = re.compile(rb"""<(?:c|row)((?:\s+[^\s<>=/"']+="[^"<>]*")*)\s*/?>""")


def _odd_tag(xml: bytes) -> bool:
    """Some cell's or row's tag is not a plain one: not attributes in double quotes up to its end, or an attribute
    after the first whose name begins with r (another r, which calamine would read)."""
    for m in re.finditer(rb"<(?:c|row)(?=[\s/>])", xml):
        tag = _PLAIN_TAG.match(xml, m.start())
        if tag is None or any(n.startswith(b"r") for n in re.findall(rb"""\s([^\s<>=/"']+)=""", tag.group(1))[1:]):
            return True
    return False


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_TAGS), max_size=14), st.sampled_from(_BOUNDS))
@example(['<c r="Z999" s="1"', ':f ', '>'], (2000, 26))      # text between a tag's attributes and its end
def test_one_search_proves_what_the_two_proved_and_finds_every_formula_element(tags, where):
    xml = "".join(tags).encode()
    plain, at = bounds.plain_formulas(xml, *where)
    assert plain == bounds.plainly_within(xml, *where)
    # never plainer than before; stricter only where a cell's or row's tag does not end as a plain one does
    # (another r, an attribute in single quotes, a tag left open, anything but attributes before its end): the
    # safe path reads those
    before = _plainly_within_as_before(xml, *where)
    assert plain <= before
    if before and not plain:
        assert _odd_tag(xml)
    if plain:
        assert at == [m.start() for m in _F_TAG.finditer(xml)]
        assert scan.formula_scan(xml, at) == _formula_scan_as_before(xml)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_TAGS), max_size=14))
def test_the_formula_scan_finds_what_it_found_before(tags):
    xml = "".join(tags).encode()
    assert scan.formula_scan(xml) == _formula_scan_as_before(xml)
    if b't="e"' not in xml:
        assert scan.error_scan(xml) == {}


def _scan_time(xml: bytes) -> float:
    import time
    best = float("inf")
    for _ in range(3):
        t = time.process_time()
        scan.formula_scan(xml)
        best = min(best, time.process_time() - t)
    return best


def test_the_formula_scan_takes_time_in_proportion_to_a_sheet_that_is_no_xml():
    """Formula elements that never close, one ">" after them all ("<f <f <f ... >"): calamine reads such a
    sheet, and a scan in which each element searched ahead to the same far ">" took quadratic time (80,000 of
    them in a return: 5.5 s). Eight times the elements must cost about eight times the time, not 64."""
    def sheet(n: int) -> bytes:
        return (b'<sheetData><row r="1"><c r="A1"><f ' + b"<f " * n + b'>1</f></c></row>'
                + b'<row r="2"><c r="B2"><f t="shared" ' + b"<f shared " * n + b'si="0">A1</f></c></row></sheetData>')
    small, large = sheet(4_000), sheet(32_000)
    assert scan.formula_scan(small) == _formula_scan_as_before(small)
    _scan_time(small)                                           # warm
    assert _scan_time(large) < 24 * max(_scan_time(small), 1e-4)


# -- what a red-team review of the fast path found (each read the same as the safe path now) ---------------
@pytest.mark.parametrize("row", [
    '<row r="108"><c r="D108" r="CZ108"><v>7</v></c></row>',          # a second r: calamine takes the last
    '<row r="108"><c r="A108"r="XFD1048576"><v>7</v></c></row>',      # ... written without a space: 512 GiB
    "<row r=\"108\"><c r=\"A108\" s='1' r = 'XFD1048576'><v>7</v></c></row>",
    '<row r="108" r="1048576"><c r="A108"><v>7</v></c></row>',
])
def test_a_cell_or_row_with_a_second_reference_goes_to_the_safe_path(issued, tmp_path, row):
    path = with_rows(issued[AGENCY], tmp_path / "return_second_r.xlsx", row)
    xml = sheet_xml(path)
    assert not bounds.plainly_within(xml, MAX_ROWS, MAX_COLS) and not bounds.provably_within(xml, MAX_ROWS, MAX_COLS)
    wb = read_return(path)          # the safe path: expat refuses the duplicate attribute (no 512 GiB grid)
    assert [f.code for f in wb.findings] == ["file.not-xlsx"]


def test_a_namespace_prefix_of_any_length_goes_to_the_safe_path(issued, tmp_path):
    prefix = "tiền_tố_" * 12                                           # 120 bytes of UTF-8
    path = with_rows(issued[AGENCY], tmp_path / "return_long_prefix.xlsx",
                     f'<row r="108"><{prefix}:c r="CZ108"><v>7</v></{prefix}:c></row>')
    assert not bounds.plainly_within(sheet_xml(path), MAX_ROWS, MAX_COLS)
    assert not bounds.provably_within(sheet_xml(path), MAX_ROWS, MAX_COLS)


@pytest.mark.parametrize("cell", ["<c r=\"B108\" t='e'><v>#N/A</v></c>", '<c r="B108" t = "e"><v>#N/A</v></c>',
                                  '<c r="B108" s="1" t="e"><v xml:space="preserve">#N/A</v></c>',
                                  '<c r="B108" t="e"><v >#N/A</v></c>'])
def test_an_error_cell_however_written_is_found(issued, tmp_path, cell):
    path = with_rows(issued[AGENCY], tmp_path / "return_error_cell.xlsx", f'<row r="108">{cell}</row>')
    fast, safe = read_return(path), read_return(path, fast=False)
    assert fast.sheets[INPUT].errors == safe.sheets[INPUT].errors == {(107, 1): "#N/A"}
