"""Returned workbook → raw cell values with provenance.  The only module that reads cells.

A return is read, never written.  Before any parser sees it, the file is checked under
limits (size, entry count, unpacked size, compression ratio, DTD declarations), so a zip
bomb or an entity-expansion sheet is refused in bounded time and memory.  Values are read
with python-calamine; error cells (which calamine shows as blank) are found in the sheet XML.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import python_calamine as pc
from defusedxml import ElementTree as SafeET

from .findings import Finding
from .identity import FIELDS
from .layout import COVER_SHEET, IDENTITY_SHEET, LIST_SHEET

# Limits checked on the zip directory before anything is unpacked.
MAX_FILE = 50 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_UNPACKED = 200 * 1024 * 1024
MAX_PART = 100 * 1024 * 1024
MAX_RATIO = 150
_NOT_READ = {COVER_SHEET, LIST_SHEET}   # what the issued workbook says there is never read back
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


@dataclass
class Sheet:
    name: str
    visible: bool
    rows: list[list[Any]]                     # zero-based grid from A1
    errors: dict[tuple[int, int], str] = field(default_factory=dict)   # (row, col) → "#DIV/0!"

    def cell(self, r: int, c: int):
        if (r, c) in self.errors:
            return CellError(self.errors[(r, c)])
        try:
            return self.rows[r][c]
        except IndexError:
            return None


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

    @property
    def readable(self) -> bool:
        return not any(f.rejects for f in self.findings)


def read_return(path: str | Path, name: str | None = None) -> Workbook:
    path = Path(path)
    st = path.stat()
    data = path.read_bytes() if st.st_size <= MAX_FILE else b""
    wb = Workbook(path, name or path.name, hashlib.sha256(data).hexdigest() if data else _sha_stream(path),
                  st.st_size, dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).replace(microsecond=0))
    def bad(code, **kw):
        wb.findings.append(Finding(code, file=wb.name, **kw))
        return wb
    if st.st_size == 0:
        return bad("file.empty")
    if st.st_size > MAX_FILE:
        return bad("file.too-large", seen=f"{st.st_size} B", expected=f"{MAX_FILE} B")
    if data.startswith(_OLE):
        return bad("file.encrypted" if _ENCRYPTED in data else "file.legacy-xls")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        return bad("file.not-xlsx", seen=type(e).__name__)
    problem = _check_zip(infos)
    if problem:
        return bad("file.too-large", seen=problem[0], expected=problem[1])
    names = {i.filename for i in infos}
    ods = "mimetype" in names and "content.xml" in names
    if not ods and "xl/workbook.xml" not in names:
        return bad("file.not-xlsx", seen="no xl/workbook.xml")
    try:
        for info in infos:
            if info.filename.endswith((".xml", ".rels", ".vml")) and _declares_dtd(zf, info):
                return bad("file.xml-entities", seen=info.filename)
        if ods:
            if b"opendocument.spreadsheet" not in _read_part(zf, "mimetype"):
                return bad("file.not-xlsx", seen="OpenDocument, not a spreadsheet")
            wb.properties, wb.modified, wb.application = _ods_meta(zf, names)
            errors = {}
        else:
            wb.properties = _custom_properties(zf, names)
            wb.modified, wb.application = _core(zf, names)
            errors = _error_cells(zf, names)
    except (zipfile.BadZipFile, OSError, EOFError, SafeET.ParseError, ValueError) as e:
        return bad("file.not-xlsx", seen=type(e).__name__)
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for meta in book.sheets_metadata:
            if meta.name in _NOT_READ:
                continue
            sh = book.get_sheet_by_name(meta.name)
            rows = sh.to_python(skip_empty_area=False)
            wb.sheets[meta.name] = Sheet(meta.name, str(meta.visible).endswith("Visible"), rows,
                                         errors.get(meta.name, {}))
    except pc.PasswordError:
        return bad("file.encrypted")
    except Exception as e:  # calamine raises several unrelated types for broken parts
        return bad("file.not-xlsx", seen=f"{type(e).__name__}: {str(e)[:60]}")
    _find_identity(wb)
    return wb


def _sha_stream(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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


_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)


def _declares_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """A DTD can only stand in the prolog, before the root element: read just that far."""
    with zf.open(info) as f:
        head = f.read(4096)
    m = re.search(rb"<[A-Za-z_]", head)
    prolog = head[: m.start()] if m else head
    return bool(_DTD.search(prolog))


def _read_part(zf, name: str) -> bytes:
    with zf.open(name) as f:
        return f.read(MAX_PART + 1)


_NS_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_NS_DCT = "{http://purl.org/dc/terms/}"
_NS_APP = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"


def _custom_properties(zf, names) -> dict[str, str]:
    if "docProps/custom.xml" not in names:
        return {}
    root = SafeET.fromstring(_read_part(zf, "docProps/custom.xml"))
    out = {}
    for prop in root.findall(f"{_NS_CUSTOM}property"):
        name = prop.get("name", "")
        value = next((c.text or "" for c in prop), "")
        if name.startswith("parxl_"):
            out[name[6:]] = value.strip()
    return out


def _timestamp(text: str | None) -> dt.datetime | None:
    """An ISO 8601 time from document metadata, in UTC when it names no zone, to the second."""
    if not text:
        return None
    try:
        t = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00")[:32])
    except ValueError:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)).replace(microsecond=0)


def _core(zf, names) -> tuple[dt.datetime | None, str | None]:
    modified = app = None
    if "docProps/core.xml" in names:
        el = SafeET.fromstring(_read_part(zf, "docProps/core.xml")).find(f"{_NS_DCT}modified")
        modified = _timestamp(el.text if el is not None else None)
    if "docProps/app.xml" in names:
        el = SafeET.fromstring(_read_part(zf, "docProps/app.xml")).find(f"{_NS_APP}Application")
        app = el.text if el is not None else None
    return modified, app


_NS_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_NS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_NS_DC = "{http://purl.org/dc/elements/1.1/}"


def _ods_meta(zf, names) -> tuple[dict[str, str], dt.datetime | None, str | None]:
    """An OpenDocument return: custom properties are meta:user-defined entries of meta.xml."""
    if "meta.xml" not in names:
        return {}, None, None
    meta = SafeET.fromstring(_read_part(zf, "meta.xml")).find(f"{_NS_OFFICE}meta")
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
_ERR_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(?:<f\b[^>]*?(?:/>|>.*?</f>))?<v>([^<]*)</v>', re.S)


def _error_cells(zf, names) -> dict[str, dict[tuple[int, int], str]]:
    """Cells holding Excel errors (#DIV/0!, #N/A...), by sheet name: calamine reads them as blank."""
    wbx = SafeET.fromstring(_read_part(zf, "xl/workbook.xml"))
    rels = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for r in SafeET.fromstring(_read_part(zf, "xl/_rels/workbook.xml.rels")):
            rels[r.get("Id")] = r.get("Target", "")
    out: dict[str, dict[tuple[int, int], str]] = {}
    sheets = wbx.find(f"{_NS_MAIN}sheets")
    for s in (sheets if sheets is not None else []):
        if s.get("name") in _NOT_READ:
            continue
        target = rels.get(s.get(f"{_NS_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        if part not in names:
            continue
        xml = _read_part(zf, part)
        if b't="e"' not in xml:
            continue
        cells = {}
        for col, row, val in _ERR_CELL.findall(xml):
            c = 0
            for ch in col.decode():
                c = c * 26 + ord(ch) - 64
            cells[(int(row) - 1, c - 1)] = val.decode("utf-8", "replace")
        out[s.get("name", "")] = cells
    return out


def _find_identity(wb: Workbook) -> None:
    """The key/value identity, from the sheet named _parxl or, if it was renamed, any sheet that holds it."""
    candidates = [IDENTITY_SHEET] + [n for n in wb.sheets if n != IDENTITY_SHEET]
    for name in candidates:
        sh = wb.sheets.get(name)
        if sh is None:
            continue
        kv = {}
        for row in sh.rows[:40]:
            if len(row) >= 2 and isinstance(row[0], str) and row[0] in (*FIELDS, "signature"):
                v = row[1]
                kv[row[0]] = v if isinstance(v, str) else "" if v is None else str(v)
        if "signature" in kv and "template_id" in kv:
            wb.identity_sheet, wb.identity_sheet_name = kv, name
            return
