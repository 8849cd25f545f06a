"""Reading one return, step by step: the file opened once; its container checked (parxl.reader.package);
its metadata (parxl.reader.metadata); each sheet bounded (parxl.reader.bounds, parxl.reader.stream,
parxl.reader.ods); the values read by python-calamine; the identity sheet found (parxl.identity)."""
from __future__ import annotations

import datetime as dt
import io
import os
import stat
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

import python_calamine as pc

from ..findings import Amount, Finding
from ..identity import find_identity
from .bounds import bounded_xlsx
from .limits import MAX_COLS, MAX_FILE, MAX_ROWS, MAX_SHEETS, MAX_WORK, MUCH_WORK, Budget, TooLarge, TooMuchWork
from .links import external_links
from .metadata import core, custom_properties, ods_meta
from .model import Sheet, Workbook
from .ods import bounded_ods
from .package import OPEN_FLAGS, DtdDeclared, Parts, check_zip, read_fd
from .sheets import NOT_READ, SHOWN

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
# the codes this module adds (tests/test_catalog_coverage.py holds it to what the code does)
EMITS = frozenset({"file.unreadable", "file.not-regular", "file.empty", "file.too-large", "file.too-much-work",
                   "file.much-work", "file.xml-entities", "file.encrypted", "file.legacy-xls", "file.not-xlsx",
                   "file.external-link", "layout.cell-outside"})


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


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
        fd = os.open(path, OPEN_FLAGS)
    except OSError as e:
        return bad("file.unreadable", seen=e.strerror or type(e).__name__)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return bad("file.not-regular", seen=wb.name)
        wb.mtime = dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).replace(microsecond=0)
        data, wb.size, wb.sha256 = read_fd(fd)
    except OSError as e:
        return bad("file.unreadable", seen=e.strerror or type(e).__name__)
    finally:
        os.close(fd)
    if wb.size == 0:
        return bad("file.empty")
    if data is None:
        return bad("file.too-large", seen=Amount(wb.size, "bytes"), expected=Amount(MAX_FILE, "bytes"))
    try:
        _parse(wb, data, bad, max_rows, max_cols, fast, frozenset() if every_sheet else NOT_READ)
    except TooLarge as e:
        wb.sheets.clear()
        return bad("file.too-large", seen=e.seen, expected=e.expected)
    except TooMuchWork as e:
        wb.sheets.clear()
        return bad("file.too-much-work", seen=e.seen, expected=e.expected)
    except DtdDeclared as e:
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


def _parse(wb: Workbook, data: bytes, bad, max_rows: int, max_cols: int, fast: bool,
           skip: frozenset = NOT_READ) -> None:
    """The file's bytes read into ``wb``: the container checked, its metadata, each sheet within bounds, the
    values, the identity sheet; each problem reported through ``bad``.  A limit passed or a DTD found deeper
    in is raised (LimitPassed, DtdDeclared) for read_return to report."""
    if data.startswith(_OLE):
        bad("file.encrypted" if _ENCRYPTED in data else "file.legacy-xls")
        return
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        bad("file.not-xlsx", seen=type(e).__name__)
        return
    problem = check_zip(infos)
    if problem:
        bad("file.too-large", seen=problem[0], expected=problem[1])
        return
    names = {i.filename for i in infos}
    ods = "mimetype" in names and "content.xml" in names
    if not ods and "xl/workbook.xml" not in names:
        bad("file.not-xlsx", seen="no xl/workbook.xml")
        return
    parts = Parts(zf, data)
    try:
        for info in infos:
            if parts.declares_dtd(info):
                bad("file.xml-entities", seen=info.filename)
                return
        if ods:
            if b"opendocument.spreadsheet" not in parts.read("mimetype"):
                bad("file.not-xlsx", seen="OpenDocument, not a spreadsheet")
                return
            wb.properties, wb.modified, wb.application = ods_meta(parts, names)
        else:
            wb.properties = custom_properties(parts, names)
            wb.modified, wb.application = core(parts, names)
    except (zipfile.BadZipFile, OSError, EOFError, ParseError, ValueError) as e:
        bad("file.not-xlsx", seen=type(e).__name__)
        return
    budget = Budget()
    if ods:
        source, outside, cells, links = bounded_ods(parts, max_rows, max_cols, fast, budget)
    else:
        source, cells, outside = bounded_xlsx(parts, names, max_rows, max_cols, fast, budget, skip)
        links = external_links(parts, names)
    if budget.elements > MUCH_WORK:
        bad("file.much-work", seen=f"{budget.elements}", expected=f"{MAX_WORK}")
    del parts                       # the inflated parts are not kept while calamine reads
    book = pc.CalamineWorkbook.from_filelike(io.BytesIO(source))
    metas = book.sheets_metadata
    if len(metas) > MAX_SHEETS:
        raise TooLarge(Amount(len(metas), "sheets"), MAX_SHEETS)
    for meta in metas:
        if meta.name in skip and meta.name != SHOWN:
            continue
        got = book.get_sheet_by_name(meta.name)     # calamine parses the sheet here: once
        sheet = Sheet(meta.name, str(meta.visible).endswith("Visible"), got.to_python(skip_empty_area=False),
                      *cells.get(meta.name, ()))
        sheet.merged = list(got.merged_cell_ranges or [])
        if meta.name == SHOWN and skip:
            wb.cover = sheet
        else:
            wb.sheets[meta.name] = sheet
    for link in links:
        bad("file.external-link", seen=link)
    for sheet, (first, count) in outside.items():
        bad("layout.cell-outside", sheet=sheet, cell=first, seen=count)
    found = find_identity({n: s.rows for n, s in wb.sheets.items()})
    if found:
        wb.identity_sheet_name, wb.identity_sheet = found
