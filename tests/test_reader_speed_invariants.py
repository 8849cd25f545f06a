"""What the reader's speed must not cost: each part inflated once, no DTD ever parsed, the bounds.

Each return is a generated workbook with one part changed the way a hostile or broken tool would
write it; where the two paths differ, it is read through both (``fast=False`` streams every sheet).
"""
from __future__ import annotations

import io
import random
import zipfile
from fractions import Fraction
from pathlib import Path

import pytest
import python_calamine as pc
from hypothesis import given, settings, strategies as st

from parxl import reader, values
from parxl.layout import IDENTITY_SHEET, MAX_TEXT
from parxl.reader import MAX_COLS, MAX_ROWS, read_return

AGENCY = "HOIAN"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DTD = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
PROLOG_PAST_THE_HEAD = b'<?xml version="1.0"?><!--' + b"x" * 2 * reader.package.HEAD + b"-->"
CALAMINE = pc.CalamineWorkbook


def package(src: Path, dst: Path, parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED,
            drop: frozenset = frozenset()) -> Path:
    """A copy of ``src`` with some parts replaced, added or dropped."""
    zin = zipfile.ZipFile(src)
    with zipfile.ZipFile(dst, "w", method) as z:
        for name in zin.namelist():
            if name not in drop:
                z.writestr(name, parts.get(name, zin.read(name)))
        for name in sorted(parts.keys() - set(zin.namelist())):
            z.writestr(name, parts[name])
    return dst


def body(xml: bytes) -> bytes:
    """A part without its XML declaration."""
    return xml[xml.index(b"?>") + 2:].lstrip() if xml.startswith(b"<?xml") else xml


def input_part(path: Path) -> str:
    z = zipfile.ZipFile(path)
    return next(p for n, p in reader.sheets.sheet_parts(z, set(z.namelist())) if n not in (*reader.sheets.NOT_READ, IDENTITY_SHEET))


def findings(wb) -> list[tuple]:
    return [(f.code, f.seen) for f in wb.findings]


# -- no part that declares a DTD reaches a parser --------------------------------------------------------
PARTS_WITH_A_DTD = ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "docProps/custom.xml", "docProps/core.xml",
                    "docProps/app.xml", "xl/styles.xml", "[Content_Types].xml", "sheet", "sharedStrings"]


def calamine_spy(note):
    """python_calamine's workbook class, calling ``note`` with each package it is handed."""
    class Spy:
        @staticmethod
        def from_filelike(f):
            note(f.getvalue())
            return CALAMINE.from_filelike(io.BytesIO(f.getvalue()))
    return Spy


@pytest.fixture
def parsers_seen(monkeypatch):
    """Every part handed to a parser: the reader's own parsers' parts, and "calamine" for calamine."""
    seen = []
    tree, expat_parser = reader.package.tree, reader.package.expat_parser
    monkeypatch.setattr(reader.package, "tree", lambda parts, name: seen.append(name) or tree(parts, name))
    monkeypatch.setattr(reader.package, "expat_parser", lambda part: seen.append(part) or expat_parser(part))
    monkeypatch.setattr(pc, "CalamineWorkbook", calamine_spy(lambda package: seen.append("calamine")))
    return seen


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("where", PARTS_WITH_A_DTD)
def test_a_dtd_in_any_part_is_refused_before_any_parser_sees_the_file(issued, tmp_path, parsers_seen, where, fast):
    src = issued[AGENCY]
    part = {"sheet": input_part(src), "sharedStrings": "xl/sharedStrings.xml"}.get(where, where)
    old = zipfile.ZipFile(src).read(part) if part in zipfile.ZipFile(src).namelist() else \
        f'<sst xmlns="{MAIN}" count="0" uniqueCount="0"/>'.encode()
    path = package(src, tmp_path / "return_with_a_dtd.xlsx", {part: DTD + body(old)})
    parsers_seen.clear()
    wb = read_return(path, fast=fast)
    assert findings(wb) == [("file.xml-entities", part)] and not wb.sheets
    assert parsers_seen == []


@pytest.mark.parametrize("where", ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "docProps/custom.xml",
                                   "docProps/core.xml", "docProps/app.xml"])
def test_a_dtd_past_the_head_stops_the_readers_own_parser(issued, tmp_path, where):
    """A prolog longer than the head the check looks at: the parser refuses the DTD as it begins."""
    src = issued[AGENCY]
    xml = PROLOG_PAST_THE_HEAD + DTD[DTD.index(b"<!DOCTYPE"):] + body(zipfile.ZipFile(src).read(where))
    wb = read_return(package(src, tmp_path / "return_long_prolog.xlsx", {where: xml}))
    assert findings(wb) == [("file.xml-entities", where)] and not wb.sheets


def test_a_dtd_past_the_head_of_a_sheet_on_the_safe_path_is_refused(issued, tmp_path):
    src = issued[AGENCY]
    part = input_part(src)
    xml = PROLOG_PAST_THE_HEAD + DTD[DTD.index(b"<!DOCTYPE"):] + body(zipfile.ZipFile(src).read(part))
    wb = read_return(package(src, tmp_path / "return_long_prolog_sheet.xlsx", {part: xml}), fast=False)
    assert findings(wb) == [("file.xml-entities", part)]


def test_a_utf16_part_declaring_entities_is_refused(issued, tmp_path):
    xml = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]>'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           "<Application>&a;</Application></Properties>").encode("utf-16")
    wb = read_return(package(issued[AGENCY], tmp_path / "return_utf16.xlsx", {"docProps/app.xml": xml}))
    assert findings(wb) == [("file.xml-entities", "docProps/app.xml")]


def test_the_dtd_check_reads_extensions_whatever_their_case(issued, tmp_path):
    path = package(issued[AGENCY], tmp_path / "return_upper_case_part.xlsx", {"xl/extra/notes.XML": DTD + b"<a/>"})
    assert findings(read_return(path)) == [("file.xml-entities", "xl/extra/notes.XML")]


# -- each part inflated once; calamine reads what was checked -------------------------------------------
def test_each_part_is_inflated_at_most_once(issued, monkeypatch):
    inflated, opened = [], []
    inflate = reader.package._inflate
    monkeypatch.setattr(reader.package, "_inflate", lambda data, info, size: inflated.append(info.filename) or
                        inflate(data, info, size))
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, *a, **k: opened.append(a) or 1 / 0)
    wb = read_return(issued[AGENCY])
    assert wb.findings == [] and wb.identity_sheet is not None
    assert sorted(inflated) == sorted(set(inflated)) and opened == []


def test_calamine_reads_the_checked_parts_already_inflated_and_the_same_values(issued, monkeypatch):
    path = issued[AGENCY]
    handed = []
    monkeypatch.setattr(pc, "CalamineWorkbook", calamine_spy(handed.append))
    wb = read_return(path)
    monkeypatch.undo()
    original = zipfile.ZipFile(path)
    given = zipfile.ZipFile(io.BytesIO(handed[0]))
    assert given.namelist() == original.namelist()
    for info in given.infolist():
        assert given.read(info) == original.read(info.filename)
        if reader.package.read_whole(info.filename):
            assert info.compress_type == zipfile.ZIP_STORED
    book = CALAMINE.from_path(str(path))
    assert wb.findings == [] and len(wb.sheets) > 5
    for name, sheet in wb.sheets.items():
        assert sheet.rows == book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def test_a_stored_package_reads_as_a_deflated_one(issued, tmp_path):
    src = issued[AGENCY]
    wb = read_return(package(src, tmp_path / "return_stored.xlsx", {}, zipfile.ZIP_STORED))
    plain = read_return(src)
    assert wb.findings == [] and {n: s.rows for n, s in wb.sheets.items()} == {n: s.rows for n, s in plain.sheets.items()}


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_calamine_is_handed_the_file_itself_when_a_part_is_compressed_otherwise(issued, tmp_path, monkeypatch, method):
    """zipfile reads bzip2 and lzma; whether calamine does is calamine's to say, as before."""
    path = package(issued[AGENCY], tmp_path / f"return_method_{method}.xlsx", {}, method)
    handed = []
    monkeypatch.setattr(pc, "CalamineWorkbook", calamine_spy(handed.append))
    read_return(path)
    assert handed == [path.read_bytes()]


def _with_crc_flipped(data: bytes, part: str) -> bytes:
    """The package with one part's CRC wrong in the central directory."""
    data = bytearray(data)
    pos = int.from_bytes(data[data.rindex(b"PK\x05\x06") + 16:][:4], "little")
    while data[pos:pos + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = (int.from_bytes(data[pos + o:pos + o + 2], "little") for o in (28, 30, 32))
        if data[pos + 46:pos + 46 + name_len].decode() == part:
            data[pos + 16] ^= 1
        pos += 46 + name_len + extra_len + comment_len
    return bytes(data)


@pytest.mark.parametrize("where", ["sheet", "docProps/custom.xml"])
def test_a_part_failing_its_checksum_is_refused_as_zipfile_refuses_it(issued, tmp_path, where):
    src = issued[AGENCY]
    part = input_part(src) if where == "sheet" else where
    path = tmp_path / "return_bad_crc.xlsx"
    path.write_bytes(_with_crc_flipped(src.read_bytes(), part))
    wb = read_return(path)
    assert [f.code for f in wb.findings] == ["file.not-xlsx"] and "BadZipFile" in wb.findings[0].seen


# -- the bounds hold as before ----------------------------------------------------------------------------
def _shared_string_amplification(src: Path, dst: Path, table: str, length: int) -> Path:
    """Many cells of one input sheet pointing at one more shared string, the table renamed ``table``."""
    rnd = random.Random(1)
    text = "".join(rnd.choice("abcdefghij") for _ in range(length))   # a ratio deflate cannot make suspicious
    z = zipfile.ZipFile(src)
    sst = z.read("xl/sharedStrings.xml")
    index = sst.count(b"<si>")
    sst = sst.replace(b"</sst>", f"<si><t>{text}</t></si></sst>".encode())
    cells = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="s"><v>{index}</v></c>' for c in "RSTUVWXYZ")
                    + "</row>" for r in range(1000, 1500)).encode()
    part = input_part(src)
    xml = z.read(part).replace(b"</sheetData>", cells + b"</sheetData>", 1)
    return package(src, dst, {part: xml, table: sst}, drop=frozenset({"xl/sharedStrings.xml"} - {table}))


@pytest.mark.parametrize("table", ["xl/sharedStrings.xml", "xl/SharedStrings.xml"])
def test_shared_string_amplification_is_capped_whatever_the_tables_case(issued, tmp_path, table):
    """calamine finds the table whatever its case: so does the cap, and both paths read the same."""
    path = _shared_string_amplification(issued[AGENCY], tmp_path / "return_amplified.xlsx", table, 1 << 16)
    fast, safe = read_return(path), read_return(path, fast=False)
    for wb in (fast, safe):
        assert max(len(v) for s in wb.sheets.values() for r in s.rows for v in r if isinstance(v, str)) <= MAX_TEXT + 1
    assert {n: s.rows for n, s in fast.sheets.items()} == {n: s.rows for n, s in safe.sheets.items()}


@pytest.mark.parametrize("table", ["xl/sharedStrings.xml", "xl/SharedStrings.xml"])
def test_a_short_shared_string_table_reads_alike_through_both_paths_whatever_its_case(issued, tmp_path, table):
    path = _shared_string_amplification(issued[AGENCY], tmp_path / "return_shared.xlsx", table, 40)
    fast, safe = read_return(path), read_return(path, fast=False)
    assert fast.findings == safe.findings == []
    assert {n: s.rows for n, s in fast.sheets.items()} == {n: s.rows for n, s in safe.sheets.items()}
    assert any(len(v) == 40 for s in fast.sheets.values() for r in s.rows for v in r if isinstance(v, str))


_TAGS = ['<c r="A1">', '<c r="Z999" t="s">', '<c r="AA1">', '<c r="BL2000">', '<c r="BM1">', '<c r="A2001">',
         '<c r="A0001">', '<c r="XFD1048576">', '<c>', '<c/>', '<c\tr="A1">', '<c r="a1">', '<c r="AAAA1">',
         '<row r="1">', '<row>', '<row r="2001">', '<row r="0999">', '<row spans="1:2">', '<x:c r="A1">',
         '<x:row r="1">', '<ns:v>', '<v>1</v>', '</c>', '</row>', '<col min="1"/>', 'text :c ', '<!-- <c> -->']


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_TAGS), max_size=8), st.sampled_from([(MAX_ROWS, MAX_COLS), (2000, 26), (10, 64),
                                                                       (100, 30), (5, 3)]))
def test_the_quick_proof_of_bounds_accepts_nothing_the_exact_tests_refuse(tags, bounds):
    xml = "".join(tags).encode()
    if reader.bounds.plainly_within(xml, *bounds):
        assert reader.bounds.provably_within(xml, *bounds)


# -- plan figures and cell numbers, exactly as before ----------------------------------------------------------
@settings(max_examples=2000)
@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-2 ** 60, 2 ** 60).map(float),
                 st.integers(-10 ** 30, 10 ** 30)))
def test_a_cells_number_is_the_decimal_it_shows(x):
    assert values._cell_fraction(x) == (Fraction(repr(x)) if isinstance(x, float) else Fraction(x))
