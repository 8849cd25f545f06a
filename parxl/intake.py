"""What lies in the returns folder: every entry either to be read or listed with why it is not.

Only regular files are ever opened.  The folder is walked with ``os.scandir`` so that a
sub-folder that cannot be listed is reported instead of silently skipped.  Symbolic links:
a link whose target lies inside the returns folder is read at its target (a linked file) or
listed (a linked folder: its files are read where they really lie); a link leading outside
the folder is never followed and is listed with ``file.outside-folder`` — a returns folder
must not be a way to make the merge read, hash or report on other files of the machine.
"""
from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import UsageError
from .findings import Finding
from .i18n import _, os_reason

# the codes this module adds (tests/test_catalog_coverage.py holds it to what the code does)
EMITS = frozenset({"file.folder-unreadable", "file.same-name", "file.bad-name", "file.outside-folder",
                   "file.unreadable", "file.not-regular", "file.not-spreadsheet"})

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
LOCK_PREFIXES = ("~$", ".~lock")   # Office and LibreOffice lock files: not returns, not listed
MAX_ENTRIES = 100_000              # a returns folder holds hundreds of files; past this, stop walking
MAX_DEPTH = 32
RECEIPT_LOG = "so-nhan.csv"        # parxl.receipts.LOG_NAME: read by the merge, never listed as a return


@dataclass(frozen=True)
class Entry:
    """One entry of the returns folder."""
    path: Path                      # what to open (a link's target inside the folder)
    name: str                       # relative to the folder, safe to show and to write into a workbook
    findings: tuple[Finding, ...] = field(default=())

    @property
    def readable(self) -> bool:
        """To be read; otherwise it is only listed, with its findings saying why."""
        return not any(f.code in _NOT_OPENED for f in self.findings)


_NOT_OPENED = {"file.not-regular", "file.outside-folder", "file.folder-unreadable", "file.not-spreadsheet",
               "file.unreadable"}


def safe_name(raw: str) -> tuple[str, bool]:
    """A file name fit to show and to store in XML: undecodable bytes and control characters become U+FFFD,
    and the text is NFC.  Returns (name, whether it had to be changed beyond NFC)."""
    try:
        raw.encode("utf-8")
        text, bad = raw, False
    except UnicodeEncodeError:   # bytes that were not UTF-8, kept by Python as lone surrogates
        text, bad = os.fsencode(raw).decode("utf-8", "replace"), True
    cleaned = "".join("\ufffd" if (ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF or ord(c) in (0x7F, 0xFFFE, 0xFFFF))
                      else c for c in text)
    return unicodedata.normalize("NFC", cleaned), bad or cleaned != text


def find_returns(folder: str | Path) -> list[Entry]:
    """Every entry under ``folder``, recursively, in a stable order (lock files left out)."""
    root = Path(folder)
    try:
        st = os.stat(root)
    except OSError as e:
        raise UsageError(_("returns folder {folder}: {error}").format(folder=root, error=os_reason(e))) from None
    if not stat.S_ISDIR(st.st_mode):
        raise UsageError(_("returns folder {folder} is not a folder").format(folder=root))
    real_root = os.path.realpath(root)
    out: list[Entry] = []
    stack: list[tuple[str, str, int]] = [(str(root), "", 0)]
    while stack and len(out) < MAX_ENTRIES:
        path, rel, depth = stack.pop()
        try:
            with os.scandir(path) as it:
                items = sorted(it, key=lambda e: e.name)
        except OSError as e:
            if not rel:
                raise UsageError(_("returns folder {folder}: {error}").format(folder=root,
                                                                              error=os_reason(e))) from None
            name, _bad_name = safe_name(rel)
            out.append(Entry(Path(path), name + "/", (Finding("file.folder-unreadable", file=name + "/",
                                                              seen=f"{name}/ ({e.strerror})"),)))
            continue
        subdirs = []
        for item in items:
            relname = f"{rel}/{item.name}" if rel else item.name
            if item.name.startswith(LOCK_PREFIXES):
                continue
            if not rel and item.name.casefold() == RECEIPT_LOG:      # the secretariat's receipt log, not a return
                continue
            entry = _entry(item, relname, real_root)
            if entry is None:
                if depth + 1 <= MAX_DEPTH:
                    subdirs.append((item.path, relname, depth + 1))
                continue
            out.append(entry)
        stack.extend(reversed(subdirs))
    return _apart(sorted(out, key=lambda e: (e.name, str(e.path))))


def _apart(entries: list[Entry]) -> list[Entry]:
    """Names are shown NFC, so two files whose names differ only in Unicode form (NFD from a Mac, NFC from
    Windows: "báo cáo.xlsx" twice) would show, be recorded and be compared as one.  Each later one is given
    a name of its own, "báo cáo.xlsx [2]", with ``file.same-name`` saying why; the files are read as usual."""
    taken = {e.name for e in entries}
    seen: set[str] = set()
    out = []
    for e in entries:
        if e.name in seen:
            k, name = 2, f"{e.name} [2]"
            while name in taken:
                k += 1
                name = f"{e.name} [{k}]"
            taken.add(name)
            e = Entry(e.path, name, (*(replace(f, file=name) if f.file == e.name else f for f in e.findings),
                                     Finding("file.same-name", file=name, seen=name)))
        seen.add(e.name)
        out.append(e)
    return sorted(out, key=lambda e: e.name)


def _entry(item: os.DirEntry, relname: str, real_root: str) -> Entry | None:
    """The entry for one directory item, or None for a real sub-folder to walk into."""
    name, bad = safe_name(relname)
    extra = (Finding("file.bad-name", file=name, seen=name),) if bad else ()

    def listed(code, seen=name):
        return Entry(Path(item.path), name, (*extra, Finding(code, file=name, seen=seen)))

    try:
        if item.is_symlink():
            target = os.path.realpath(item.path)
            if not (target == real_root or target.startswith(real_root + os.sep)):
                return listed("file.outside-folder", f"{name} → {safe_name(target)[0]}")
            try:
                st = os.stat(target)
            except OSError as e:
                return listed("file.unreadable", f"{name}: {e.strerror}")
            if stat.S_ISDIR(st.st_mode):
                return listed("file.not-regular", f"{name} (liên kết tới thư mục)")
            path = Path(target)
        else:
            st = item.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                return None
            path = Path(item.path)
    except OSError as e:
        return listed("file.unreadable", f"{name}: {e.strerror}")
    if not stat.S_ISREG(st.st_mode):
        return listed("file.not-regular")
    if not item.name.lower().endswith(SPREADSHEET_SUFFIXES):
        return listed("file.not-spreadsheet")
    return Entry(path, name, extra)
