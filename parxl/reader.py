"""Returned workbook → raw cell values with provenance.  The only module that reads cells.

A return is read, never written.  Before any parser sees it, the file is checked under
limits (size, entry count, unpacked size, compression ratio, DTD declarations), so a zip
bomb or an entity-expansion sheet is refused in bounded time and memory.  Values are read
with python-calamine; error cells (which calamine shows as blank) are found in the sheet XML.
Each part is inflated once, from the file in memory (see _Parts).

calamine builds a dense grid up to a sheet's last used cell, so one value at XFD1048576
would cost it 512 GiB.  Each sheet is therefore read within MAX_ROWS × MAX_COLS: a cheap
linear check of the sheet XML proves a normal workbook is within bounds (the fast path:
calamine reads the package as it is, its checked parts handed over already inflated);
anything it cannot prove goes through a streaming parse that keeps only the cells within
bounds and hands calamine a rebuilt, bounded copy (the safe path).  Values beyond the bounds
are counted in one ``layout.cell-outside`` per sheet.

Formulas: calamine gives a formula cell's cached result as if it were typed, so the reader finds every
cell holding a formula in the sheet XML (a linear scan on the fast path, the streaming parse on the
safe path, ``table:formula`` in OpenDocument) and records its text beside the values; the checks decide
what a formula in an input cell means.  A package that links to outside data (``xl/externalLinks/…``,
DDE or OLE links, data connections; OpenDocument's linked tables and DDE sources) gets one
``file.external-link`` per link.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, XMLParser
from xml.parsers import expat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import python_calamine as pc

from .findings import Finding
from .identity import FIELDS, OPTIONAL_FIELDS
from .sheetnames import COVER_SHEET, IDENTITY_SHEET, LIST_SHEET, MAX_TEXT
from .vocab import VIETNAM


# xml.sax.saxutils's escape and quoteattr, byte for byte: that module imports urllib.request (~15 ms of start-up).
def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _qa(value: str) -> str:
    v = _esc(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in v:
        return f'"{v}"'
    return f"'{v}'" if "'" not in v else '"' + v.replace('"', "&quot;") + '"'


# Limits checked on the zip directory before anything is unpacked.
MAX_FILE = 50 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_UNPACKED = 200 * 1024 * 1024
MAX_PART = 100 * 1024 * 1024
MAX_RATIO = 150
# Bounds of what is read of each sheet (the layout has 16 columns; agencies may insert some).
MAX_ROWS = 2000
MAX_COLS = 64
MAX_SHEETS = 40
MAX_CELL_TEXT = 20_000_000          # characters of cell text per workbook on the safe path
MAX_SHARED = 1_000_000              # shared strings on the safe path
MAX_MERGES = 10_000                 # merged ranges kept of a sheet on the safe path
MAX_WORK = 4_000_000                # XML elements the safe path (and OpenDocument's scan) processes per file
MUCH_WORK = MAX_WORK // 4           # beyond this much work a file is noted as costly to read (file.much-work)
_FAST_PART = 4 * 1024 * 1024        # a sheet part larger than this always takes the safe path
_FAST_TOTAL = 16 * 1024 * 1024      # nor do sheets beyond this much XML in all
_FAST_AMPLIFY = 64 * 1024 * 1024    # shared-string cells × longest shared string, per workbook
_NOT_READ = frozenset({COVER_SHEET, LIST_SHEET})   # what the issued workbook says there is never read back as values
_SHOWN = COVER_SHEET                    # ... though the cover is read, for what it shows (the template id)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
# the codes this module adds (tests/test_catalog_coverage.py holds it to what the code does)
EMITS = frozenset({"file.unreadable", "file.not-regular", "file.empty", "file.too-large", "file.too-much-work",
                   "file.much-work", "file.xml-entities", "file.encrypted", "file.legacy-xls", "file.not-xlsx",
                   "file.external-link", "layout.cell-outside"})


@dataclass
class Sheet:
    name: str
    visible: bool
    rows: list[list[Any]]                     # zero-based grid from A1
    errors: dict[tuple[int, int], str] = field(default_factory=dict)   # (row, col) → "#DIV/0!"
    # (row, col) → the cell's formula text: str, or the fast path's XML bytes, decoded by formula()
    formulas: dict[tuple[int, int], str | bytes] = field(default_factory=dict)
    # merged ranges ((first row, first col), (last row, last col)), zero-based, within bounds
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    def cell(self, r: int, c: int):
        if (r, c) in self.errors:
            return CellError(self.errors[(r, c)])
        try:
            return self.rows[r][c]
        except IndexError:
            return None

    def formula(self, r: int, c: int) -> str | None:
        """The formula the cell holds ("SUM(F5:F7)"; "" when its text is unknown), None when it holds none."""
        f = self.formulas.get((r, c))
        if f is None or isinstance(f, str):
            return f
        return html.unescape(f.decode("utf-8", "replace"))[:_FORMULA_TEXT]


@dataclass(frozen=True)
class CellError:
    code: str

    def __str__(self):
        return self.code


@dataclass
class Workbook:
    """What was read from one returned file."""
    path: Path
    name: str                                   # relative to the returns folder
    sha256: str
    size: int
    mtime: dt.datetime
    sheets: dict[str, Sheet] = field(default_factory=dict)
    identity_sheet: dict[str, str] | None = None
    identity_sheet_name: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    modified: dt.datetime | None = None         # docProps/core.xml dcterms:modified
    application: str | None = None
    findings: list[Finding] = field(default_factory=list)
    cover: Sheet | None = None                  # the cover sheet, read only for what it shows

    @property
    def readable(self) -> bool:
        return not any(f.rejects for f in self.findings)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
# How a return is opened.  O_NONBLOCK (POSIX): opening a FIFO must not wait for a writer, so the FIFO is
# seen by fstat and reported (file.not-regular); Windows has no such flag, nor FIFOs in a folder.
# O_BINARY (Windows): os.open is in text mode there by default, which turns CR LF into LF and stops at
# the first Ctrl-Z.  O_CLOEXEC: no worker inherits the descriptor (Python's default there too).
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
               | getattr(os, "O_CLOEXEC", 0))


class _TooMuchWork(Exception):
    """The safe path processed more than MAX_WORK elements: the file gets ``file.too-much-work``."""


class _TooLarge(Exception):
    """A bound of the safe path was passed: the file gets ``file.too-large``."""

    def __init__(self, seen: str, expected: str):
        super().__init__(seen)
        self.seen, self.expected = seen, expected


def read_return(path: str | Path, name: str | None = None, *, max_rows: int = MAX_ROWS,
                max_cols: int = MAX_COLS, fast: bool = True, every_sheet: bool = False) -> Workbook:
    """Read one returned file.  Never raises on the file's content: every problem is a finding.

    The path is opened once (non-blocking, so a FIFO cannot hang the read); whether a symbolic
    link is followed is the caller's decision.  ``fast=False`` sends every sheet through the
    streaming path (the tests compare both paths on real files).
    """
    path = Path(path)
    wb = Workbook(path, name or path.name, "", 0, _EPOCH)

    def bad(code, **kw):
        wb.findings.append(Finding(code, file=wb.name, **kw))
        return wb
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as e:
        return bad("file.unreadable", seen=e.strerror or type(e).__name__)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return bad("file.not-regular", seen=wb.name)
        wb.mtime = dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).replace(microsecond=0)
        data, wb.size, wb.sha256 = _read_fd(fd)
    except OSError as e:
        return bad("file.unreadable", seen=e.strerror or type(e).__name__)
    finally:
        os.close(fd)
    if wb.size == 0:
        return bad("file.empty")
    if data is None:
        return bad("file.too-large", seen=f"{wb.size} B", expected=f"{MAX_FILE} B")
    try:
        _parse(wb, data, bad, max_rows, max_cols, fast, frozenset() if every_sheet else _NOT_READ)
    except _TooLarge as e:
        wb.sheets.clear()
        return bad("file.too-large", seen=e.seen, expected=e.expected)
    except _TooMuchWork as e:
        wb.sheets.clear()
        return bad("file.too-much-work", seen=str(e), expected=f"{MAX_WORK}")
    except _DtdDeclared as e:
        wb.sheets.clear()
        return bad("file.xml-entities", seen=e.part)
    except pc.PasswordError:
        wb.sheets.clear()
        return bad("file.encrypted")
    except Exception as e:  # noqa: BLE001 - calamine, zipfile, expat raise many unrelated types
        wb.sheets.clear()
        return bad("file.not-xlsx", seen=f"{type(e).__name__}: {str(e)[:60]}")
    return wb


def read_table_file(path: str | Path, *, max_rows: int, max_cols: int) -> tuple[Workbook, list[Finding]]:
    """A table the operator imports (a list of agencies, a plan's appendix), read as a return is read: the
    same file, zip and XML limits, every sheet within ``max_rows`` × ``max_cols``.  The workbook, and the
    findings that keep it from being read whole (one that rejects the file, a value beyond the bounds)."""
    wb = read_return(path, max_rows=max_rows, max_cols=max_cols, every_sheet=True)
    return wb, [f for f in wb.findings if f.rejects or f.code == "layout.cell-outside"]


def check_package(path: str | Path, *, max_part: int = MAX_PART) -> tuple[bytes | None, Finding | None]:
    """Any other Office package the operator hands parxl (a plan's .docx), checked as a return is before any
    parser sees it: file size, entry count, unpacked size (each part within ``max_part``), compression
    ratio, a DTD anywhere in any part.  The file's bytes (parse these, not the path again), or the first
    problem as a finding."""
    name = Path(path).name
    try:
        fd = os.open(path, _OPEN_FLAGS)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None, Finding("file.not-regular", file=name, seen=name)
            data, size, _sha = _read_fd(fd)
        finally:
            os.close(fd)
    except OSError as e:
        return None, Finding("file.unreadable", file=name, seen=e.strerror or type(e).__name__)
    if data is None:
        return None, Finding("file.too-large", file=name, seen=f"{size} B", expected=f"{MAX_FILE} B")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
        problem = _check_zip(infos)
        big = next((i for i in infos if i.file_size > max_part), None)
        if problem is None and big is not None:
            problem = (f"{big.filename}: {big.file_size} B", f"{max_part} B")
        if problem:
            return None, Finding("file.too-large", file=name, seen=problem[0], expected=problem[1])
        parts = _Parts(zf, data)
        dtd = next((i.filename for i in infos if parts.declares_dtd(i)), None)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        return None, Finding("file.not-xlsx", file=name, seen=type(e).__name__)
    if dtd is not None:
        return None, Finding("file.xml-entities", file=name, seen=dtd)
    return data, None


def file_sha256(path: str | Path) -> str:
    """A file's SHA-256, read in chunks (for a file the reader itself could not finish)."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        h = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            h.update(chunk)
        return h.hexdigest()
    finally:
        os.close(fd)


def _read_fd(fd: int) -> tuple[bytes | None, int, str]:
    """The whole file (None when it is larger than MAX_FILE), its size and SHA-256, in one read."""
    h, chunks, size = hashlib.sha256(), [], 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        h.update(chunk)
        size += len(chunk)
        if chunks is not None and size <= MAX_FILE:
            chunks.append(chunk)
        else:
            chunks = None
    return (b"".join(chunks) if chunks is not None else None), size, h.hexdigest()


def _parse(wb: Workbook, data: bytes, bad, max_rows: int, max_cols: int, fast: bool,
           skip: frozenset = _NOT_READ) -> None:
    if data.startswith(_OLE):
        bad("file.encrypted" if _ENCRYPTED in data else "file.legacy-xls")
        return
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        bad("file.not-xlsx", seen=type(e).__name__)
        return
    problem = _check_zip(infos)
    if problem:
        bad("file.too-large", seen=problem[0], expected=problem[1])
        return
    names = {i.filename for i in infos}
    ods = "mimetype" in names and "content.xml" in names
    if not ods and "xl/workbook.xml" not in names:
        bad("file.not-xlsx", seen="no xl/workbook.xml")
        return
    parts = _Parts(zf, data)
    try:
        for info in infos:
            if parts.declares_dtd(info):
                bad("file.xml-entities", seen=info.filename)
                return
        if ods:
            if b"opendocument.spreadsheet" not in parts.read("mimetype"):
                bad("file.not-xlsx", seen="OpenDocument, not a spreadsheet")
                return
            wb.properties, wb.modified, wb.application = _ods_meta(parts, names)
        else:
            wb.properties = _custom_properties(parts, names)
            wb.modified, wb.application = _core(parts, names)
    except (zipfile.BadZipFile, OSError, EOFError, ParseError, ValueError) as e:
        bad("file.not-xlsx", seen=type(e).__name__)
        return
    budget = _Budget()
    if ods:
        source, outside, cells, links = _bounded_ods(parts, max_rows, max_cols, fast, budget)
    else:
        source, cells, outside = _bounded_xlsx(parts, names, max_rows, max_cols, fast, budget, skip)
        links = _external_links(parts, names)
    if budget.elements > MUCH_WORK:
        bad("file.much-work", seen=f"{budget.elements}", expected=f"{MAX_WORK}")
    del parts                       # the inflated parts are not kept while calamine reads
    book = pc.CalamineWorkbook.from_filelike(io.BytesIO(source))
    metas = book.sheets_metadata
    if len(metas) > MAX_SHEETS:
        raise _TooLarge(f"{len(metas)} sheets", f"{MAX_SHEETS}")
    for meta in metas:
        if meta.name in skip and meta.name != _SHOWN:
            continue
        rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        sheet = Sheet(meta.name, str(meta.visible).endswith("Visible"), rows, *cells.get(meta.name, ()))
        sheet.merged = list(book.get_sheet_by_name(meta.name).merged_cell_ranges or [])
        if meta.name == _SHOWN and skip:
            wb.cover = sheet
        else:
            wb.sheets[meta.name] = sheet
    for link in links:
        bad("file.external-link", seen=link)
    for sheet, (first, count) in outside.items():
        bad("layout.cell-outside", sheet=sheet, cell=first, seen=count)
    _find_identity(wb)


def _check_zip(infos) -> tuple[str, str] | None:
    if len(infos) > MAX_ENTRIES:
        return f"{len(infos)} entries", f"{MAX_ENTRIES}"
    total = 0
    for i in infos:
        total += i.file_size
        if i.file_size > MAX_PART:
            return f"{i.filename}: {i.file_size} B", f"{MAX_PART} B"
        if i.compress_size and i.file_size / i.compress_size > MAX_RATIO and i.file_size > 1 << 20:
            return f"{i.filename}: ratio {i.file_size // i.compress_size}:1", f"{MAX_RATIO}:1"
    if total > MAX_UNPACKED:
        return f"{total} B unpacked", f"{MAX_UNPACKED} B"
    return None


# No part that declares a DTD is parsed, so no entity is ever declared, let alone expanded: every part is
# searched whole before anything is parsed (_Parts.declares_dtd), and each parser the reader runs itself
# also refuses a DTD the moment one begins, wherever it stands (calamine's expands no entity a DTD declares).
# A DTD anywhere in a part, in UTF-8 or UTF-16 (calamine parses some parts the reader never parses, and a
# DTD behind a long comment lies past any head): every part is searched whole, streamed when not kept.
_DTD_ANYWHERE = re.compile(b"|".join([rb"<!(?:DOCTYPE|ENTITY)"] + [re.escape(w.encode(enc))
                                     for w in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-16-le", "utf-16-be")]),
                           re.I)
_DTD_OVERLAP = 32
_HEAD = 4096                  # how much of each XML part is looked at for a DTD


class _DtdDeclared(Exception):
    """A part declares a DTD: the file gets ``file.xml-entities``."""

    def __init__(self, part: str):
        super().__init__(part)
        self.part = part


class _TreeWithoutDtd(TreeBuilder):
    """ElementTree's builder, for the C parser: a DTD stops the parse as it begins."""

    def __init__(self, part: str):
        super().__init__()
        self.part = part

    def doctype(self, name, pubid, system):
        raise _DtdDeclared(self.part)


def _tree(parts: _Parts, name: str) -> Element:
    """A part parsed into an element tree (ParseError when it is not well-formed)."""
    parser = XMLParser(target=_TreeWithoutDtd(name))
    parser.feed(parts.read(name))
    return parser.close()


def _expat_parser(part: str):
    """A streaming parser for the safe path, which refuses a DTD as it begins."""
    def refuse(*_):
        raise _DtdDeclared(part)
    p = expat.ParserCreate()
    p.buffer_text = True
    p.StartDoctypeDeclHandler = refuse
    return p


# The parts read whole, by the reader or by calamine: inflated whole when the DTD check first looks at
# them, and kept.
_READ_WHOLE = {"docProps/custom.xml", "docProps/core.xml", "docProps/app.xml", "xl/workbook.xml",
               "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", "xl/styles.xml",
               "content.xml", "meta.xml", "styles.xml"}


def _read_whole(name: str) -> bool:
    """Whether the part is read whole: kept once inflated."""
    return name in _READ_WHOLE or (name.startswith(("xl/worksheets/", "xl/externalLinks/")) and name.endswith(".xml"))


class _Parts:
    """A package's parts, each inflated at most once: a part the reader reads whole is inflated
    whole when the DTD check first looks at it, and kept (within _FAST_PART each and _FAST_TOTAL in
    all, as the fast path reads sheets); of any other part only its head is inflated.  A part too
    large to keep is inflated again when read, as the safe path streams it."""

    def __init__(self, zf: zipfile.ZipFile, data: bytes):
        self.zf, self.data = zf, data
        self.kept: dict[zipfile.ZipInfo, bytes] = {}
        self.kept_size = 0

    def head(self, info: zipfile.ZipInfo) -> bytes:
        """The part's first _HEAD bytes."""
        if (_read_whole(info.filename) and info.file_size <= _FAST_PART
                and self.kept_size + info.file_size <= _FAST_TOTAL):
            whole = _inflate(self.data, info, info.file_size)
            if whole is not None:
                self.kept[info] = whole
                self.kept_size += len(whole)
                return whole[:_HEAD]
        head = _inflate(self.data, info, _HEAD)
        if head is None:
            with self.zf.open(info) as f:
                head = f.read(_HEAD)
        return head

    def declares_dtd(self, info: zipfile.ZipInfo) -> bool:
        """Whether ``<!DOCTYPE`` or ``<!ENTITY`` stands anywhere in the part (a part kept whole is searched
        in memory; any other is inflated in pieces, each searched with the end of the one before)."""
        head = self.head(info)
        whole = self.kept.get(info)
        if whole is not None or len(head) >= info.file_size:
            return bool(_DTD_ANYWHERE.search(whole if whole is not None else head))
        if _DTD_ANYWHERE.search(head):
            return True
        tail, seen = b"", 0
        for piece in self._pieces(info):
            seen += len(piece)
            if _DTD_ANYWHERE.search(tail + piece) or seen > MAX_PART:
                return bool(_DTD_ANYWHERE.search(tail + piece))
            tail = piece[-_DTD_OVERLAP:]
        return False

    def _pieces(self, info: zipfile.ZipInfo):
        """The part inflated in pieces of at most 1 MiB (zipfile's reader when the entry is unusual)."""
        raw = _compressed(self.data, info)
        if raw is not None and info.compress_type == zipfile.ZIP_STORED:
            for i in range(0, len(raw), 1 << 20):
                yield raw[i:i + (1 << 20)]
            return
        if raw is not None and info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                for i in range(0, len(raw), 1 << 16):
                    piece = inflater.decompress(raw[i:i + (1 << 16)], 1 << 20)
                    yield piece
                    while inflater.unconsumed_tail:
                        yield (piece := inflater.decompress(inflater.unconsumed_tail, 1 << 20))
            except zlib.error:
                return
            return
        with self.zf.open(info) as f:
            while piece := f.read(1 << 20):
                yield piece

    def read(self, name: str) -> bytes:
        """The whole part, as ``ZipFile.read`` gives it (so either can be handed to _sheet_parts)."""
        info = self.zf.getinfo(name)
        whole = self.kept.get(info)
        if whole is None:
            whole = _inflate(self.data, info, info.file_size)
        if whole is None:
            with self.zf.open(info) as f:
                whole = f.read(MAX_PART + 1)
        return whole

    def take(self, name: str) -> bytes | None:
        """The whole part if it is kept, no longer kept (the safe path streams it otherwise)."""
        return self.kept.pop(self.zf.getinfo(name), None)


_LOCAL_HEADER = struct.Struct(zipfile.structFileHeader)
_UNREAD_FLAGS = 0x1 | 0x20 | 0x40      # encrypted, patched, strongly encrypted: zipfile refuses them


def _compressed(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """The entry's data as it lies in the package, found as zipfile finds it; None when anything is
    unusual (a flag, a local header that does not agree with the directory, a short file)."""
    start = info.header_offset
    header = data[start:start + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size or info.flag_bits & _UNREAD_FLAGS:
        return None
    magic, _, _, flags, _, _, _, _, _, _, name_size, extra_size = _LOCAL_HEADER.unpack(header)
    start += _LOCAL_HEADER.size
    try:
        name = data[start:start + name_size].decode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None
    if magic != zipfile.stringFileHeader or name != info.orig_filename:
        return None
    start += name_size + extra_size
    raw = data[start:start + info.compress_size]
    return raw if len(raw) == info.compress_size else None


def _inflate(data: bytes, info: zipfile.ZipInfo, size: int) -> bytes | None:
    """The part's first ``size`` bytes, inflated from the package in memory; exactly what
    ``ZipFile.open(info).read(size)`` returns, without its overhead.  None when anything is unusual
    (another method, a flag, a header or checksum that does not agree): zipfile then reads the part,
    and raises what it raises."""
    raw = _compressed(data, info)
    if raw is None:
        return None
    whole = size >= info.file_size
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size == info.file_size:
        out = raw[:size]
        ended = len(out) == info.file_size
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            out = inflater.decompress(raw, min(size, info.file_size) or 1)
        except zlib.error:
            return None
        ended = inflater.eof
    else:
        return None
    if whole:
        return out if len(out) == info.file_size and zlib.crc32(out) == info.CRC else None
    return out if len(out) == size and not ended else None


_CENTRAL_ENTRY = struct.Struct(zipfile.structCentralDir)
_END = struct.Struct(zipfile.structEndArchive)
_DOS_DATE = (1 << 5) | 1                # 1980-01-01: calamine reads no time
_UTF8_NAME = 0x800


def _stored_package(parts: _Parts) -> bytes:
    """The package as calamine is to read it: every entry, in order, each part the reader inflated
    (and checked) stored as it was inflated, any other copied as it lies.  So calamine reads what
    was checked, and inflates nothing a second time.  The original bytes when an entry cannot be
    copied faithfully, or when entries overlap (a copy must not grow past the file)."""
    infos = parts.zf.infolist()
    if sum(i.compress_size for i in infos) > len(parts.data):
        return parts.data
    local, central, offset = [], [], 0
    for info in infos:
        body = parts.kept.get(info)
        if body is not None:
            method, size = zipfile.ZIP_STORED, len(body)
        else:
            body = _compressed(parts.data, info)
            if body is None or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                return parts.data
            method, size = info.compress_type, len(body)
        name = info.orig_filename.encode("utf-8")
        local += [_LOCAL_HEADER.pack(zipfile.stringFileHeader, 20, 0, _UTF8_NAME, method, 0, _DOS_DATE,
                                     info.CRC, size, info.file_size, len(name), 0), name, body]
        central += [_CENTRAL_ENTRY.pack(zipfile.stringCentralDir, 20, 0, 20, 0, _UTF8_NAME, method, 0, _DOS_DATE,
                                        info.CRC, size, info.file_size, len(name), 0, 0, 0, 0, 0, offset), name]
        offset += _LOCAL_HEADER.size + len(name) + size
    directory_size = sum(map(len, central))
    end = _END.pack(zipfile.stringEndArchive, 0, 0, len(infos), len(infos), directory_size, offset, 0)
    return b"".join(local + central + [end])


_NS_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_NS_DCT = "{http://purl.org/dc/terms/}"
_NS_APP = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"


def _metadata(parts: _Parts, names, part: str):
    """A document-metadata part, parsed; None when absent or malformed.  Metadata is optional: a
    return whose docProps cannot be parsed is still read (its identity lives on the sheet, and the
    merge then dates it by the file's own time)."""
    if part not in names:
        return None
    try:
        return _tree(parts, part)
    except ParseError:
        return None


def _custom_properties(parts: _Parts, names) -> dict[str, str]:
    root = _metadata(parts, names, "docProps/custom.xml")
    if root is None:
        return {}
    out = {}
    for prop in root.findall(f"{_NS_CUSTOM}property"):
        name = prop.get("name", "")
        value = next((c.text or "" for c in prop), "")
        if name.startswith("parxl_"):
            out[name[6:]] = value.strip()
    return out


_ISO_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,30}))?)?"
                       r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?")


def _timestamp(text: str | None) -> dt.datetime | None:
    """An ISO 8601 time from document metadata, to the second, in UTC.  A time that names no zone is
    Vietnam time (UTC+7): LibreOffice writes an OpenDocument's save time as the local time of the PC that
    saved it, with no zone, and the PCs that fill these workbooks are in Vietnam.

    Any number of fractional digits (.NET writes seven), ``Z`` or ±hh[:mm], or a date alone;
    None for anything else."""
    if not isinstance(text, str):
        return None
    m = _ISO_TIME.fullmatch(text.strip()[:80])
    if not m:
        return None
    y, mo, d, h, mi, s, _frac, zone = m.groups()
    try:
        tz = dt.timezone.utc if zone else VIETNAM
        if zone and zone not in "Zz":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0)))
        t = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz)
        return t.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        return None


def _core(parts: _Parts, names) -> tuple[dt.datetime | None, str | None]:
    modified = app = None
    core = _metadata(parts, names, "docProps/core.xml")
    if core is not None:
        el = core.find(f"{_NS_DCT}modified")
        modified = _timestamp(el.text if el is not None else None)
    props = _metadata(parts, names, "docProps/app.xml")
    if props is not None:
        el = props.find(f"{_NS_APP}Application")
        app = el.text if el is not None else None
    return modified, app


_NS_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_NS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_NS_DC = "{http://purl.org/dc/elements/1.1/}"


def _ods_meta(parts: _Parts, names) -> tuple[dict[str, str], dt.datetime | None, str | None]:
    """An OpenDocument return: custom properties are meta:user-defined entries of meta.xml."""
    if "meta.xml" not in names:
        return {}, None, None
    meta = _tree(parts, "meta.xml").find(f"{_NS_OFFICE}meta")
    if meta is None:
        return {}, None, None
    props = {}
    for el in meta.findall(f"{_NS_META}user-defined"):
        name = el.get(f"{_NS_META}name", "")
        if name.startswith("parxl_"):
            props[name[6:]] = (el.text or "").strip()
    date = meta.find(f"{_NS_DC}date")
    modified = _timestamp(date.text if date is not None else None)
    gen = meta.find(f"{_NS_META}generator")
    return props, modified, gen.text if gen is not None else None


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _col_number(letters: str) -> int:
    c = 0
    for ch in letters:
        c = c * 26 + ord(ch) - 64
    return c


def _a1(row: int, col: int) -> str:
    """1-based (row, col) → 'B7'."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def _calamine_part(target: str, names) -> str | None:
    """The part python-calamine reads for a sheet's relationship target, exactly: ``/x`` is ``x``, any other
    target is joined to ``xl/`` as it is written (``./worksheets/a.xml`` is ``xl/./worksheets/a.xml``, a part
    of its own), the part of that name, else the one part whose name differs only in case.  None when no
    part is found (calamine finds none either); ValueError (``file.not-xlsx``) when two differ only in case."""
    part = target[1:] if target.startswith("/") else "xl/" + target
    if part in names:
        return part
    same = [n for n in names if n.lower() == part.lower()]
    if len(same) > 1:
        raise ValueError(f"sheet target {target[:60]}: {len(same)} parts differ only in case")
    return same[0] if same else None


def _sheet_parts(parts: _Parts, names) -> list[tuple[str, str | None]]:
    """(sheet name, worksheet part or None when the workbook points nowhere), in workbook order."""
    wbx = _tree(parts, "xl/workbook.xml")
    rels = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for r in _tree(parts, "xl/_rels/workbook.xml.rels"):
            rels[r.get("Id")] = r.get("Target", "")
    sheets = wbx.find(f"{_NS_MAIN}sheets")
    out = []
    for s in (sheets if sheets is not None else []):
        out.append((s.get("name", ""), _calamine_part(rels.get(s.get(f"{_NS_REL}id"), ""), names)))
    if len(out) > MAX_SHEETS:
        raise _TooLarge(f"{len(out)} sheets", f"{MAX_SHEETS}")
    return out


# -- links to outside data: each is named; nothing is ever fetched ------------------------------------------
_LINK_RELS = ("externalLink", "connections")


def _external_links(parts: _Parts, names) -> list[str]:
    """Every link of the package to outside data, described: an external workbook, a DDE or OLE link
    (``xl/externalLinks/…``, wherever the workbook's relationships put them), data connections."""
    found = {n for n in names if n.startswith("xl/externalLinks/") and n.endswith(".xml")}
    if "xl/connections.xml" in names:
        found.add("xl/connections.xml")
    rels = "xl/_rels/workbook.xml.rels"
    if rels in names and any(f"/{kind}".encode() in parts.read(rels) for kind in _LINK_RELS):
        try:
            for r in _tree(parts, rels):
                if r.get("Type", "").rpartition("/")[2] in _LINK_RELS:
                    found.add(_rel_target("xl", r.get("Target", "")))
        except ParseError:
            pass
    return [_describe_link(parts, names, part) for part in sorted(found)]


def _rel_target(base: str, target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else str(PurePosixPath(base) / target)


def _describe_link(parts: _Parts, names, part: str) -> str:
    """``part: what it points at`` (a file, ``DDE service|topic``, ``OLE progid``, a connection's name)."""
    if part not in names:
        return part
    try:
        root = _tree(parts, part)
        folder, _, leaf = part.rpartition("/")
        rels_part = f"{folder}/_rels/{leaf}.rels"
        targets = {r.get("Id"): r.get("Target", "") for r in _tree(parts, rels_part)} if rels_part in names else {}
    except ParseError:
        return part
    for el in root.iter():
        kind = el.tag.rpartition("}")[2]
        target = targets.get(el.get(f"{_NS_REL}id"), "")
        if kind == "externalBook":
            return f"{part}: {target}"
        if kind == "ddeLink":
            return f"{part}: DDE {el.get('ddeService', '')}|{el.get('ddeTopic', '')}"
        if kind == "oleLink":
            return f"{part}: OLE {el.get('progId', '')} {target}".rstrip()
        if kind == "connection":
            return f"{part}: {el.get('name', '')}".rstrip(": ")
    return part


# -- the fast path: a linear check, at C speed, that calamine can read a sheet as it is --------------
_CELL_WITHOUT_R = re.compile(rb'<c(?=[\s/>])(?! r=")')      # a cell whose first attribute is not r
_ROW_WITHOUT_R = re.compile(rb'<row(?=[\s/>])(?! r=")')
_BAD_REF = re.compile(rb'<c r="(?![A-Z]{1,3}[0-9]{1,7}")')     # an r that is no cell reference
_PREFIXED = re.compile(rb"<[^\s<>/!?:]{1,64}:(?:c|row|sheetData|v|is|t|f)[\s/>]")
_REF_TAG = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_WIDE = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')


def _fast_ok(xml: bytes, max_rows: int, max_cols: int) -> bool:
    """True when every cell and row is provably within bounds: all carry an explicit, well-formed
    ``r`` as their first attribute, none is namespace-prefixed, none lies beyond the bounds."""
    return _plainly_within(xml, max_rows, max_cols) or _provably_within(xml, max_rows, max_cols)


def _provably_within(xml: bytes, max_rows: int, max_cols: int) -> bool:
    """The exact tests, for any sheet: each search stops at the first offender."""
    if any(p.search(xml) for p in (_CELL_WITHOUT_R, _ROW_WITHOUT_R, _BAD_REF, _PREFIXED)):
        return False
    letters = set(_WIDE.findall(xml)) if max_cols >= 26 else {c for c, _ in _REF_TAG.findall(xml)}
    if any(_col_number(c.decode()) > max_cols for c in letters):
        return False
    long_row = re.compile(rb'<(?:c r="[A-Z]{1,3}|row r=")([0-9]{%d,})"' % len(str(max_rows)))
    return not any(int(r) > max_rows for r in set(long_row.findall(xml)))


def _plainly_within(xml: bytes, max_rows: int, max_cols: int) -> bool:
    """The usual sheet, proved within bounds in two quick searches: every cell's ``r`` a single letter
    and fewer digits than ``max_rows`` has, every row's as many digits, nothing namespace-prefixed.  A
    sheet that is not (columns past Z, a cell without ``r``...) is left to _provably_within, which
    accepts whatever this accepts."""
    if max_cols < 26 or max_rows < 10:
        return False
    if _not_plain(len(str(max_rows)) - 1).search(xml):
        return False
    return not (_PREFIXED_END.search(xml) and _PREFIXED.search(xml))


@functools.lru_cache(maxsize=8)
def _not_plain(digits: int) -> re.Pattern:
    return re.compile(rb'<(?:c(?=[\s/>])(?! r="[A-Z][0-9]{1,%d}")|row(?=[\s/>])(?! r="[0-9]{1,%d}"))'
                      % (digits, digits))


_PREFIXED_END = re.compile(rb":(?:c|row|sheetData|v|is|t|f)[\s/>]")   # how a _PREFIXED tag ends: rare, found fast


_OPEN_C = re.compile(rb"<c [^<>]*>")


def _error_scan(xml: bytes) -> dict[tuple[int, int], str]:
    """Cells holding Excel errors (#DIV/0!, #N/A...) in a fast-path sheet: calamine reads them as
    blank.  Linear: each cell's value is looked for only between its tag and the next cell's."""
    out: dict[tuple[int, int], str] = {}
    if b't="e"' not in xml:
        return out
    tags = [(m.start(), m.end(), m.group()) for m in _OPEN_C.finditer(xml)]
    for i, (start, end, tag) in enumerate(tags):
        if b't="e"' not in tag or tag.endswith(b"/>"):
            continue
        limit = tags[i + 1][0] if i + 1 < len(tags) else len(xml)
        close = xml.find(b"</c>", end, limit)
        limit = close if close >= 0 else limit
        v = xml.find(b"<v>", end, limit)
        if v < 0:
            continue
        v_end = xml.find(b"</v>", v, limit)
        m = _REF_TAG.match(tag)
        if v_end < 0 or not m:
            continue
        out[(int(m.group(2)) - 1, _col_number(m.group(1).decode()) - 1)] = \
            xml[v + 3:v_end].decode("utf-8", "replace")
    return out


# A formula element: <f>, <f t="shared" si="0"/> (a namespace-prefixed one, <x:f>, sends its sheet to the
# safe path, as a prefixed cell or value does: see _PREFIXED).
_F_TAG = re.compile(rb"<f(?=[\s/>])")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_FORMULA_TEXT = 256                 # characters of a formula's text kept (it is shown, never evaluated)


def _formula_scan(xml: bytes) -> dict[tuple[int, int], bytes]:
    """Cells holding a formula in a fast-path sheet (every cell there opens with ``<c r="..."``), each with
    the formula's text as it stands in the XML (escaped; :meth:`Sheet.formula` decodes it when asked); a
    shared formula's follower gets its master's.  Linear: a formula's cell is the tag just before it (as
    the schema orders a cell's children), else it is looked for back only as far as the previous formula;
    its text runs to the next tag."""
    out: dict[tuple[int, int], bytes] = {}
    shared: dict[bytes, bytes] = {}
    lo, cell = 0, None
    find, rfind = xml.find, xml.rfind
    for m in _F_TAG.finditer(xml):
        pos = m.start()
        start = rfind(b"<", lo, pos)
        if start < 0 or xml[start + 1:start + 2] != b"c" or xml[pos - 2] == 0x2F:
            start = rfind(b'<c r="', lo, pos)      # not right after its cell's tag: an odd order, or none
        if start >= 0:             # the cell this formula stands in, unless that cell closed before it
            ref, end = _REF_TAG.match(xml, start), find(b">", start, pos)
            cell = None
            if ref and end > 0 and xml[end - 1] != 0x2F and find(b"</c>", end, pos) < 0:
                cell = (int(ref.group(2)) - 1, _col_index(ref.group(1)))
        elif cell is not None and find(b"</c>", lo, pos) >= 0:
            cell = None            # a second formula element, after its cell closed
        lo = pos
        close = find(b">", m.end())
        if close < 0:
            break
        text = b""
        if xml[close - 1] != 0x2F:
            stop = find(b"<", close)
            text = xml[close + 1:stop if stop >= 0 else len(xml)][:8 * _FORMULA_TEXT]
        if find(b"shared", m.end(), close) >= 0:
            attrs = dict(_ATTR.findall(xml[m.end():close]))
            if attrs.get(b"t") == b"shared":
                si = attrs.get(b"si", b"")
                text = shared.setdefault(si, text) if text else shared.get(si, b"")
        if cell is not None and cell not in out:
            out[cell] = text
    return out


@functools.lru_cache(maxsize=1024)
def _col_index(letters: bytes) -> int:
    """b'D' → 3 (zero-based)."""
    return _col_number(letters.decode()) - 1


def _bounded_xlsx(parts: _Parts, names, max_rows: int, max_cols: int, fast: bool = True,
                  budget: _Budget | None = None, skip: frozenset = _NOT_READ):
    """(bytes for calamine, {sheet: (error cells, formula cells)}, {sheet: (first outside cell, count)}): on
    the fast path the package with the parts already inflated stored (see _stored_package), otherwise a
    bounded copy."""
    sheets = _sheet_parts(parts, names)
    read = [(n, p) for n, p in sheets if n not in skip or n == _SHOWN]     # the cover is read too
    # every worksheet part in the package is checked, not only the ones we resolved
    extra = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")
                   and n not in {p for _, p in sheets})
    shared_tables = _shared_string_parts(names)
    total, shared_cells = 0, 0
    for name, part in read + [(None, p) for p in extra]:
        if not fast or part is None or parts.zf.getinfo(part).file_size > _FAST_PART or total > _FAST_TOTAL:
            fast = False
            break
        xml = parts.read(part)
        total += len(xml)
        if shared_tables:
            shared_cells += xml.count(b't="s"')
        if not _fast_ok(xml, max_rows, max_cols):
            fast = False
            break
    if fast and shared_cells:
        longest = max(_longest_shared(parts.read(n)) for n in shared_tables)
        fast = shared_cells * longest <= _FAST_AMPLIFY
    if fast:
        cells = {}
        for n, p in read:
            xml = parts.read(p)
            cells[n] = (_error_scan(xml), _formula_scan(xml))
        return _stored_package(parts), cells, {}
    return _rebuild_xlsx(parts, names, sheets, max_rows, max_cols, budget or _Budget(), skip)


_SHARED_STRINGS = "xl/sharedStrings.xml"


def _shared_string_parts(names) -> list[str]:
    """Every part calamine may read as the shared-string table (it finds the part whatever its case),
    the one named exactly first."""
    found = (n for n in names if n.lower() == _SHARED_STRINGS.lower())
    return sorted(found, key=lambda n: (n != _SHARED_STRINGS, n))


def _longest_shared(sst: bytes) -> int:
    """A bound on the length of any one shared string (in bytes of XML)."""
    return max(map(len, sst.split(b"<si"))) if b"<si" in sst else len(sst)


# -- the safe path: a streaming parse that keeps only what lies within bounds ------------------------
def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _feed(parser, parts: _Parts, part: str) -> None:
    whole = parts.take(part)
    if whole is not None:
        parser.Parse(whole, True)
        return
    with parts.zf.open(part) as f:
        while chunk := f.read(1 << 20):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


class _Budget:
    def __init__(self):
        self.chars = 0
        self.elements = 0          # XML elements processed by the streaming parses (MAX_WORK)

    def step(self) -> None:
        self.elements += 1
        if self.elements > MAX_WORK:
            raise _TooMuchWork(f"hơn {MAX_WORK} phần tử XML")

    def take(self, n: int) -> None:
        self.chars += n
        if self.chars > MAX_CELL_TEXT:
            raise _TooLarge(f"hơn {MAX_CELL_TEXT} ký tự", f"{MAX_CELL_TEXT} ký tự")


def _shared_strings(parts: _Parts, names, budget: _Budget) -> list[str]:
    """The shared-string table, each string cut to MAX_TEXT + 1 characters (enough to be flagged
    as too long); rich-text runs are joined, phonetic guides (rPh) left out, as calamine does."""
    table = _shared_string_parts(names)
    if not table:
        return []
    out: list[str] = []
    buf: list[str] = []
    state = {"rph": 0, "t": 0, "len": 0}
    cap = MAX_TEXT + 1

    def start(tag, attrs):
        budget.step()
        t = _local(tag)
        if t == "si":
            buf.clear()
            state["len"] = 0
        elif t == "rPh":
            state["rph"] += 1
        elif t == "t":
            state["t"] += 1

    def end(tag):
        t = _local(tag)
        if t == "si":
            if len(out) >= MAX_SHARED:
                raise _TooLarge(f"hơn {MAX_SHARED} chuỗi dùng chung", f"{MAX_SHARED}")
            s = "".join(buf)[:cap]
            budget.take(len(s) // 4)     # the table itself counts a little: it is read once
            out.append(s)
        elif t == "rPh":
            state["rph"] -= 1
        elif t == "t":
            state["t"] -= 1

    def chars(text):
        if state["t"] and not state["rph"] and state["len"] < cap:
            buf.append(text[:cap - state["len"]])
            state["len"] += len(buf[-1])

    p = _expat_parser(table[0])
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, chars
    _feed(p, parts, table[0])
    return out


class _SheetScan:
    """One worksheet, streamed: each cell placed as Excel and calamine place it (a cell or row
    without ``r`` follows the previous one), cells within bounds re-serialised with an explicit
    ``r``, their style and type, shared strings inlined; values beyond bounds only counted."""

    def __init__(self, shared: list[str], budget: _Budget, max_rows: int, max_cols: int):
        self.shared, self.budget = shared, budget
        self.max_rows, self.max_cols = max_rows, max_cols
        self.cells: dict[tuple[int, int], str] = {}
        self.errors: dict[tuple[int, int], str] = {}
        self.formulas: dict[tuple[int, int], str] = {}
        self.shared_formulas: dict[str, str] = {}
        self.formula: list[str] | None = None     # the current cell's formula text, once one began
        self.formula_attrs: dict = {}
        self.in_f = 0
        self.first: str | None = None
        self.outside = 0
        self.row = 0
        self.col = 0
        self.cell: tuple[int, int] | None = None
        self.attrs: dict = {}
        self.text: list[str] = []
        self.text_len = 0
        self.has_v = self.has_is = False
        self.in_v = self.in_t = self.rph = 0
        self.merges: list[str] = []

    def start(self, tag, attrs):
        self.budget.step()
        t = _local(tag)
        if t == "c":
            m = _CELL_REF.fullmatch(attrs.get("r", ""))
            if m:
                r, c = int(m.group(2)), _col_number(m.group(1))
            else:
                r, c = self.row, self.col + 1
            self.col = c
            self.cell, self.attrs = (r, c), attrs
            self.text, self.text_len = [], 0
            self.has_v = self.has_is = False
            self.formula, self.in_f = None, 0
        elif self.cell is None:
            if t == "mergeCell":
                self._merge(attrs.get("ref", ""))
            if t == "row":
                r = attrs.get("r", "")
                self.row = int(r) if r.isdigit() and len(r) <= 7 else self.row + 1
                self.col = 0
        elif t == "v":
            self.in_v += 1
            self.has_v = True
        elif t == "is":
            self.has_is = True
        elif t == "f":
            self.in_f += 1
            if self.formula is None:
                self.formula, self.formula_attrs = [], attrs
        elif t == "t":
            self.in_t += 1
        elif t == "rPh":
            self.rph += 1

    def chars(self, text):
        if self.cell is not None and self.in_f:
            if sum(map(len, self.formula)) < _FORMULA_TEXT:
                self.formula.append(text[:_FORMULA_TEXT])
            return
        if self.cell is not None and (self.in_v or (self.has_is and self.in_t and not self.rph)):
            room = MAX_TEXT + 1 - self.text_len
            if room > 0:
                self.text.append(text[:room])
                self.text_len += min(len(text), room)

    def end(self, tag):
        t = _local(tag)
        if self.cell is None:
            return
        if t == "v":
            self.in_v -= 1
        elif t == "f":
            self.in_f -= 1
        elif t == "t":
            self.in_t -= 1
        elif t == "rPh":
            self.rph -= 1
        elif t == "c":
            self._close()

    def _close(self):
        (r, c), a = self.cell, self.attrs
        self.cell = None
        self.in_v = self.in_t = self.rph = self.in_f = 0
        formula = self._formula_text()
        value = "".join(self.text)
        kind = a.get("t", "")
        if kind == "s" and self.has_v:
            try:
                value = self.shared[int(value)]
            except (ValueError, IndexError):
                value = ""
        if not (1 <= r <= self.max_rows and 1 <= c <= self.max_cols):
            if value and r >= 1 and c >= 1:
                self.outside += 1
                if self.first is None:
                    self.first = _a1(r, c)
            return
        self.budget.take(len(value))
        head = f'<c r="{_a1(r, c)}"' + (f" s={_qa(a['s'])}" if "s" in a else "")
        if kind in ("s", "inlineStr") and (self.has_v or self.has_is):
            xml = f'{head} t="inlineStr"><is><t xml:space="preserve">{_esc(value)}</t></is></c>'
        elif self.has_v:
            xml = f"{head}{' t=' + _qa(kind) if kind else ''}><v>{_esc(value)}</v></c>"
        else:
            xml = f"{head}{' t=' + _qa(kind) if kind else ''}/>"
        self.cells[(r, c)] = xml
        if formula is not None:
            self.formulas[(r - 1, c - 1)] = formula
        else:
            self.formulas.pop((r - 1, c - 1), None)
        if kind == "e" and self.has_v:
            self.errors[(r - 1, c - 1)] = value
        else:
            self.errors.pop((r - 1, c - 1), None)

    def _merge(self, ref: str) -> None:
        """A merged range whose first cell lies within bounds, kept (clipped to them) for calamine."""
        m = re.fullmatch(r"([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})", ref)
        if not m or len(self.merges) >= MAX_MERGES:
            return
        r1, c1 = int(m.group(2)), _col_number(m.group(1))
        r2, c2 = min(int(m.group(4)), self.max_rows), min(_col_number(m.group(3)), self.max_cols)
        if 1 <= r1 <= r2 and 1 <= c1 <= c2:
            self.merges.append(f"{_a1(r1, c1)}:{_a1(r2, c2)}")

    def _formula_text(self) -> str | None:
        """The closing cell's formula (a shared formula's follower: its master's text), None without one."""
        if self.formula is None:
            return None
        text = "".join(self.formula)[:_FORMULA_TEXT]
        a = {_local(k): v for k, v in self.formula_attrs.items()}
        if a.get("t") == "shared":
            si = a.get("si", "")
            text = self.shared_formulas.setdefault(si, text) if text else self.shared_formulas.get(si, "")
        return text

    def xml(self) -> bytes:
        out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS_MAIN[1:-1]}">'
               "<sheetData>"]
        row = None
        for (r, c) in sorted(self.cells):
            if r != row:
                out.append(("</row>" if row is not None else "") + f'<row r="{r}">')
                row = r
            out.append(self.cells[(r, c)])
        out.append(("</row>" if row is not None else "") + "</sheetData>")
        if self.merges:
            out.append(f'<mergeCells count="{len(self.merges)}">'
                       + "".join(f'<mergeCell ref="{m}"/>' for m in self.merges) + "</mergeCells>")
        out.append("</worksheet>")
        return "".join(out).encode("utf-8")


_EMPTY_SHEET = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS_MAIN[1:-1]}">'
                "<sheetData/></worksheet>").encode()


def _scan_sheet(parts: _Parts, part, shared, budget, max_rows, max_cols) -> _SheetScan:
    scan = _SheetScan(shared, budget, max_rows, max_cols)
    p = _expat_parser(part)
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = scan.start, scan.end, scan.chars
    _feed(p, parts, part)
    return scan


def _rebuild_xlsx(parts: _Parts, names, sheet_parts, max_rows, max_cols, budget: _Budget,
                  skip: frozenset = _NOT_READ):
    """A copy of the package with every worksheet re-serialised within bounds and no shared strings."""
    shared = _shared_strings(parts, names, budget)
    cells, outside, sheets = {}, {}, {}
    for name, part in sheet_parts:
        if part is None:
            continue
        if name in skip and name != _SHOWN:
            sheets[part] = _EMPTY_SHEET
            continue
        scan = _scan_sheet(parts, part, shared, budget, max_rows, max_cols)
        sheets[part] = scan.xml()
        cells[name] = (scan.errors, scan.formulas)
        if scan.outside:
            outside[name] = (scan.first, scan.outside)
    out = io.BytesIO()
    keep = {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
            "xl/styles.xml"}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for n in sorted(keep & names):
            z.writestr(n, parts.read(n))
        for part, xml in sheets.items():
            z.writestr(part, xml)
        if "xl/sharedStrings.xml" in names:
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{_NS_MAIN[1:-1]}" count="0" uniqueCount="0"/>')
    return out.getvalue(), cells, outside


# -- OpenDocument: positions follow the repeat counts; non-empty repeats must stay within bounds -----
_NS_TABLE_URI = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


class _OdsScan:
    """Streams content.xml and re-emits it with every table clipped to the bounds: rows and cells
    beyond are dropped, repeat counts clamped.  Only the extent of non-empty cells is reported."""

    def __init__(self, max_rows: int, max_cols: int, budget: _Budget):
        self.max_rows, self.max_cols, self.budget = max_rows, max_cols, budget
        self.out: list[str] = []
        self.outside: dict[str, tuple[str, int]] = {}
        self.beyond = False
        self.mute = 0            # depth inside a dropped subtree (not re-emitted)
        self.table: str | None = None
        self.tables = 0
        self.row = 0             # 0-based index of the current row's first instance
        self.row_rep = 1
        self.col = 0
        self.cell_depth = 0      # > 0 inside a cell (nested tables are content, not rows)
        self.cell: tuple | None = None
        self.cell_text = 0
        self.formulas: dict[str, dict[tuple[int, int], str]] = {}
        self.links: list[str] = []

    def start(self, tag, attrs):
        self.budget.step()
        local = _local(tag)
        if local in _ODS_LINKS:
            self.links.append(_ods_link(tag, attrs))
        if local in ("table", "table-row", "table-cell", "covered-table-cell") and \
                not tag.startswith("table:") and self.cell_depth == 0:
            raise ValueError(f"unexpected element {tag[:40]}")
        if self.cell_depth:
            self.cell_depth += 1
            self.cell[3][0] = True              # any child (text:p...) makes the cell non-empty
        elif tag == "table:table":
            self.tables += 1
            if self.tables > MAX_SHEETS:
                raise _TooLarge(f"hơn {MAX_SHEETS} sheets", f"{MAX_SHEETS}")
            self.table, self.row = attrs.get("table:name", ""), 0
        elif tag == "table:table-row" and self.table is not None:
            rep = _repeat(attrs.get("table:number-rows-repeated"))
            self.row_rep, self.col = rep, 0
            if self.row >= self.max_rows and not self.mute:
                self.mute = 1                   # dropped, but its cells are still counted
                return
            if self.row + rep > self.max_rows:
                attrs = dict(attrs, **{"table:number-rows-repeated": str(self.max_rows - self.row)})
        elif tag in ("table:table-cell", "table:covered-table-cell") and self.table is not None:
            rep = _repeat(attrs.get("table:number-columns-repeated"))
            self.cell = (self.row, self.col, rep, [("office:value-type" in attrs) or ("calcext:value-type" in attrs)])
            formula = attrs.get("table:formula")
            if formula is not None:       # every instance within bounds (rows do not overlap: linear in all)
                cells = self.formulas.setdefault(self.table, {})
                for r in range(self.row, min(self.row + self.row_rep, self.max_rows)):
                    for c in range(self.col, min(self.col + rep, self.max_cols)):
                        cells[(r, c)] = formula[:_FORMULA_TEXT]
            self.cell_text, self.cell_depth = 0, 1
            self.col += rep
            if self.cell[1] >= self.max_cols and not self.mute:
                self.mute = 1
                return
            if self.cell[1] + rep > self.max_cols:
                attrs = dict(attrs, **{"table:number-columns-repeated": str(self.max_cols - self.cell[1])})
        if self.mute:
            self.mute += 1
        else:
            self.out.append(f"<{tag}{''.join(f' {k}={_qa(v)}' for k, v in attrs.items())}>")

    def chars(self, text):
        if self.cell_depth:
            if text.strip():
                self.cell[3][0] = True
            self.cell_text += len(text)
        if not self.mute:
            self.out.append(_esc(text))

    def end(self, tag):
        if self.mute:
            self.mute -= 1
        else:
            self.out.append(f"</{tag}>")
        if self.cell_depth:
            self.cell_depth -= 1
            if self.cell_depth == 0:
                self._cell_done()
        elif tag == "table:table-row" and self.table is not None:
            self.row += self.row_rep
        elif tag == "table:table":
            self.table = None

    def _cell_done(self):
        row, col, rep, nonempty = self.cell
        self.cell = None
        if not nonempty[0]:
            return
        rows = self.row_rep
        keep_r = max(0, min(rows, self.max_rows - row))
        keep_c = max(0, min(rep, self.max_cols - col))
        self.budget.take(keep_r * keep_c * max(self.cell_text, 1))
        count = rows * rep - keep_r * keep_c
        if count:
            self.beyond = True
            first = _a1(row + 1, max(col, self.max_cols) + 1) if col + rep > self.max_cols and keep_r \
                else _a1(max(row, self.max_rows) + 1, col + 1)
            prev = self.outside.get(self.table or "")
            self.outside[self.table or ""] = (prev[0] if prev else first, (prev[1] if prev else 0) + count)


_ODS_LINKS = {"table-source", "cell-range-source", "dde-source"}     # a linked sheet or range, a DDE link


def _ods_link(tag: str, attrs: dict) -> str:
    """What an OpenDocument link element points at: a linked file, or a DDE application|topic!item."""
    href = attrs.get("xlink:href")
    dde = "|".join(attrs.get(f"office:dde-{k}", "") for k in ("application", "topic", "item")).strip("|")
    return f"content.xml: {tag} {href or dde}".strip()


def _repeat(value) -> int:
    try:
        n = int(value) if value is not None else 1
    except ValueError:
        return 1
    return n if n >= 1 else 1


def _bounded_ods(parts: _Parts, max_rows: int, max_cols: int, fast: bool = True, budget: _Budget | None = None):
    """(bytes for calamine, {sheet: (first outside cell, count)}, {sheet: ({}, formula cells)}, outside links):
    the package as read (see _stored_package) when every non-empty cell lies within bounds, otherwise a copy
    whose content.xml is clipped to them."""
    scan = _OdsScan(max_rows, max_cols, budget or _Budget())
    p = _expat_parser("content.xml")
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = scan.start, scan.end, scan.chars
    p.Parse(parts.read("content.xml"), True)
    cells = {name: ({}, formulas) for name, formulas in scan.formulas.items()}
    if fast and not scan.beyond:
        return _stored_package(parts), {}, cells, scan.links
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("mimetype", parts.read("mimetype"))
        for n in ("META-INF/manifest.xml", "styles.xml", "meta.xml"):
            if n in parts.zf.namelist():
                z.writestr(n, parts.read(n))
        z.writestr("content.xml", ('<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(scan.out)).encode())
    return out.getvalue(), scan.outside, cells, scan.links


def _find_identity(wb: Workbook) -> None:
    """The key/value identity, from the sheet named _parxl or, if it was renamed, any sheet that holds it."""
    candidates = [IDENTITY_SHEET] + [n for n in wb.sheets if n != IDENTITY_SHEET]
    for name in candidates:
        sh = wb.sheets.get(name)
        if sh is None:
            continue
        kv = {}
        for row in sh.rows[:40]:
            if len(row) >= 2 and isinstance(row[0], str) and row[0] in (*FIELDS, *OPTIONAL_FIELDS, "signature"):
                v = row[1]
                kv[row[0]] = v if isinstance(v, str) else "" if v is None else str(v)
        if "signature" in kv and "template_id" in kv:
            wb.identity_sheet, wb.identity_sheet_name = kv, name
            return
