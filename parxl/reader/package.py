"""Opening the container safely: a return's bytes, its zip checked before anything is unpacked, no part
that declares a DTD ever parsed, each part inflated once (:class:`Parts`), and the copy calamine reads.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import Element, TreeBuilder, XMLParser
from xml.parsers import expat

from ..findings import Amount, Finding
from .limits import FAST_PART, FAST_TOTAL, MAX_ENTRIES, MAX_FILE, MAX_PART, MAX_RATIO, MAX_UNPACKED

# the codes this module adds (tests/test_catalog_coverage.py holds it to what the code does)
EMITS = frozenset({"file.unreadable", "file.not-regular", "file.too-large", "file.not-xlsx", "file.xml-entities"})

# How a return is opened.  O_NONBLOCK (POSIX): opening a FIFO must not wait for a writer, so the FIFO is
# seen by fstat and reported (file.not-regular); Windows has no such flag, nor FIFOs in a folder.
# O_BINARY (Windows): os.open is in text mode there by default, which turns CR LF into LF and stops at
# the first Ctrl-Z.  O_CLOEXEC: no worker inherits the descriptor (Python's default there too).
OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
              | getattr(os, "O_CLOEXEC", 0))


def check_package(path: str | Path, *, max_part: int = MAX_PART) -> tuple[bytes | None, Finding | None]:
    """Any other Office package the operator hands parxl (a plan's .docx), checked as a return is before any
    parser sees it: file size, entry count, unpacked size (each part within ``max_part``), compression
    ratio, a DTD anywhere in any part.  The file's bytes (parse these, not the path again), or the first
    problem as a finding."""
    name = Path(path).name
    try:
        fd = os.open(path, OPEN_FLAGS)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None, Finding("file.not-regular", file=name, seen=name)
            data, size, _sha = read_fd(fd)
        finally:
            os.close(fd)
    except OSError as e:
        return None, Finding("file.unreadable", file=name, seen=e.strerror or type(e).__name__)
    if data is None:
        return None, Finding("file.too-large", file=name, seen=Amount(size, "bytes"), expected=Amount(MAX_FILE, "bytes"))
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
        problem = check_zip(infos)
        big = next((i for i in infos if i.file_size > max_part), None)
        if problem is None and big is not None:
            problem = (Amount(big.file_size, "bytes", part=big.filename), Amount(max_part, "bytes"))
        if problem:
            return None, Finding("file.too-large", file=name, seen=problem[0], expected=problem[1])
        parts = Parts(zf, data)
        dtd = next((i.filename for i in infos if parts.declares_dtd(i)), None)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        return None, Finding("file.not-xlsx", file=name, seen=type(e).__name__)
    if dtd is not None:
        return None, Finding("file.xml-entities", file=name, seen=dtd)
    return data, None


def file_sha256(path: str | Path) -> str:
    """A file's SHA-256, read in chunks (for a file the reader itself could not finish)."""
    fd = os.open(path, OPEN_FLAGS)
    try:
        h = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            h.update(chunk)
        return h.hexdigest()
    finally:
        os.close(fd)


def read_fd(fd: int) -> tuple[bytes | None, int, str]:
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


def check_zip(infos) -> tuple[Amount, Amount | int] | None:
    """What of the zip directory passes a limit, and the limit; None when nothing does."""
    if len(infos) > MAX_ENTRIES:
        return Amount(len(infos), "entries"), MAX_ENTRIES
    total = 0
    for i in infos:
        total += i.file_size
        if i.file_size > MAX_PART:
            return Amount(i.file_size, "bytes", part=i.filename), Amount(MAX_PART, "bytes")
        if i.compress_size and i.file_size / i.compress_size > MAX_RATIO and i.file_size > 1 << 20:
            return Amount(i.file_size // i.compress_size, "ratio", part=i.filename), Amount(MAX_RATIO, "ratio")
    if total > MAX_UNPACKED:
        return Amount(total, "unpacked"), Amount(MAX_UNPACKED, "bytes")
    return None


# No part that declares a DTD is parsed, so no entity is ever declared, let alone expanded: every part is
# searched whole before anything is parsed (Parts.declares_dtd), and each parser the reader runs itself
# also refuses a DTD the moment one begins, wherever it stands (calamine's expands no entity a DTD declares).
# A DTD anywhere in a part, in UTF-8 or UTF-16 (calamine parses some parts the reader never parses, and a
# DTD behind a long comment lies past any head): every part is searched whole, streamed when not kept.
_DTD_ANYWHERE = re.compile(b"|".join([rb"<!(?:DOCTYPE|ENTITY)"] + [re.escape(w.encode(enc))
                                     for w in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-16-le", "utf-16-be")]),
                           re.I)
_DTD_OVERLAP = 32
HEAD = 4096                  # how much of each XML part is looked at for a DTD


def _declares(data: bytes) -> bool:
    """Whether ``<!DOCTYPE`` or ``<!ENTITY`` (UTF-8 or UTF-16) stands in ``data``: the regex, where an "!"
    follows a "<" ("<!" in UTF-8, "<\\0!" in UTF-16 of either byte order).  The "!"s are found by a one-byte
    search (a memchr; a part holds a few, in references such as DanhMuc!$A$1), where the regex, or a search
    for "<!", stops at every "<" of the markup (280 returns' parts: 0.34 s of regex under a profile, then
    0.14 s searching for "<!", now a few ms).  Past a few dozen "!"s the two-byte searches decide."""
    i = data.find(b"!")
    for _ in range(_BANGS):
        if i < 0:
            return False
        if i and (data[i - 1] == 0x3C or (data[i - 1] == 0 and i > 1 and data[i - 2] == 0x3C)):
            return _DTD_ANYWHERE.search(data) is not None
        i = data.find(b"!", i + 1)
    return (b"<!" in data or b"<\x00!" in data) and _DTD_ANYWHERE.search(data) is not None


_BANGS = 64


class DtdDeclared(Exception):
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
        raise DtdDeclared(self.part)


def tree(parts: Parts, name: str) -> Element:
    """A part parsed into an element tree (ParseError when it is not well-formed)."""
    parser = XMLParser(target=_TreeWithoutDtd(name))
    parser.feed(parts.read(name))
    return parser.close()


def expat_parser(part: str):
    """A streaming parser for the safe path, which refuses a DTD as it begins."""
    def refuse(*_):
        raise DtdDeclared(part)
    p = expat.ParserCreate()
    p.buffer_text = True
    p.StartDoctypeDeclHandler = refuse
    return p


# The parts read whole, by the reader or by calamine: inflated whole when the DTD check first looks at
# them, and kept.
_READ_WHOLE = {"docProps/custom.xml", "docProps/core.xml", "docProps/app.xml", "xl/workbook.xml",
               "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", "xl/styles.xml",
               "content.xml", "meta.xml", "styles.xml"}


def read_whole(name: str) -> bool:
    """Whether the part is read whole: kept once inflated."""
    return name in _READ_WHOLE or (name.startswith(("xl/worksheets/", "xl/externalLinks/")) and name.endswith(".xml"))


class Parts:
    """A package's parts, each inflated at most once: a part the reader reads whole is inflated
    whole when the DTD check first looks at it, and kept (within FAST_PART each and FAST_TOTAL in
    all, as the fast path reads sheets); of any other part only its head is inflated.  A part too
    large to keep is inflated again when read, as the safe path streams it."""

    def __init__(self, zf: zipfile.ZipFile, data: bytes):
        self.zf, self.data = zf, data
        self.kept: dict[zipfile.ZipInfo, bytes] = {}
        self.kept_size = 0

    def head(self, info: zipfile.ZipInfo) -> bytes:
        """The part's first HEAD bytes."""
        if (read_whole(info.filename) and info.file_size <= FAST_PART
                and self.kept_size + info.file_size <= FAST_TOTAL):
            whole = _inflate(self.data, info, info.file_size)
            if whole is not None:
                self.kept[info] = whole
                self.kept_size += len(whole)
                return whole[:HEAD]
        head = _inflate(self.data, info, HEAD)
        if head is None:
            with self.zf.open(info) as f:
                head = f.read(HEAD)
        return head

    def declares_dtd(self, info: zipfile.ZipInfo) -> bool:
        """Whether ``<!DOCTYPE`` or ``<!ENTITY`` stands anywhere in the part (a part kept whole is searched
        in memory; any other is inflated in pieces, each searched with the end of the one before)."""
        head = self.head(info)
        whole = self.kept.get(info)
        if whole is not None or len(head) >= info.file_size:
            return _declares(whole if whole is not None else head)
        if _declares(head):
            return True
        tail, seen = b"", 0
        for piece in self._pieces(info):
            seen += len(piece)
            if _declares(tail + piece) or seen > MAX_PART:
                return _declares(tail + piece)
            tail = (tail + piece)[-_DTD_OVERLAP:]     # a short or empty piece keeps what came before
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
        """The whole part, as ``ZipFile.read`` gives it (so either can be handed to sheet_parts)."""
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


def stored_package(parts: Parts) -> bytes:
    """The package as calamine is to read it: every entry, in order, each part the reader inflated
    (and checked) stored as it was inflated, any other copied as it lies.  So calamine reads what
    was checked, and inflates nothing a second time.  The original bytes when an entry cannot be
    copied faithfully, or when entries overlap (a copy must not grow past the file).

    Kept because it pays: reading 280 returns takes 0.92× the time it takes when calamine is handed the
    file's own bytes (CPU 0.921 [0.913-0.926], wall 0.914 [0.885-0.937], n=7; ``python3 bench/repack.py``).
    Besides, calamine's zip reader then sees one directory, zipfile's, so the two cannot read the package
    differently; but that is no barrier the reader relies on: in any unusual case (a flag, a local header
    that disagrees, another method) calamine is handed the original bytes, and the limits and the DTD
    search cover every part zipfile lists either way."""
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
