"""What calamine does not show of a fast-path sheet, found in its XML by linear scans: the cells holding an
Excel error (calamine reads them as blank) and the cells holding a formula (calamine gives the cached
result as if it were typed)."""
from __future__ import annotations

import re

from .limits import FORMULA_TEXT
from .refs import col_index, col_number

REF_TAG = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_OPEN_C = re.compile(rb"<c [^<>]*>")
# A cell's type "e" however XML lets it be written (t="e", t='e', t = "e": a red-team review found the last two
# read as blank cells), looked for in a sheet first by its quoted value alone: a search of the compiled literal,
# not ``in`` (bytes' search stops at every '"', about half the time again), and 'e' only in a sheet holding a "'"
# (a memchr: a sheet usually has none; 0.06 ms a return less).
_ERROR_TYPE = re.compile(rb"""\st\s*=\s*(?:"e"|'e')""")
_ERROR_VALUE = (re.compile(rb'"e"'), re.compile(rb"'e'"))


def error_scan(xml: bytes) -> dict[tuple[int, int], str]:
    """Cells holding Excel errors (#DIV/0!, #N/A...) in a fast-path sheet: calamine reads them as
    blank.  Linear: each cell's value is looked for only between its tag and the next cell's."""
    out: dict[tuple[int, int], str] = {}
    if not (_ERROR_VALUE[0].search(xml) or (b"'" in xml and _ERROR_VALUE[1].search(xml))) \
            or not _ERROR_TYPE.search(xml):
        return out
    tags = [(m.start(), m.end(), m.group()) for m in _OPEN_C.finditer(xml)]
    for i, (start, end, tag) in enumerate(tags):
        if tag.endswith(b"/>") or not _ERROR_TYPE.search(tag):
            continue
        limit = tags[i + 1][0] if i + 1 < len(tags) else len(xml)
        close = xml.find(b"</c>", end, limit)
        limit = close if close >= 0 else limit
        v = _V_OPEN.search(xml, end, limit)          # <v>, or <v xml:space="preserve">
        if v is None:
            continue
        v_end = xml.find(b"</v>", v.end(), limit)
        m = REF_TAG.match(tag)
        if v_end < 0 or not m:
            continue
        out[(int(m.group(2)) - 1, col_number(m.group(1).decode()) - 1)] = \
            xml[v.end():v_end].decode("utf-8", "replace")
    return out


_V_OPEN = re.compile(rb"<v(?:\s[^<>]*)?>")


# A formula element: <f>, <f t="shared" si="0"/> (a namespace-prefixed one, <x:f>, sends its sheet to the
# safe path, as a prefixed cell or value does: see _PREFIXED).  F_NAME is what follows its "<" (parxl.reader.bounds
# finds formula elements in the same search that proves a sheet within bounds).
F_NAME = rb"f(?=[\s/>])"
_F_TAG = re.compile(b"<" + F_NAME)
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


# How much of a formula element's attributes is read: t, ref, si... take a few dozen bytes; more is no XML.
_ATTRS = 256


# The usual layout, matched from the "<" just before a formula element: its cell's tag, then the element's
# (group 3 its attributes).
_CELL_THEN_F = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^<>]*>(?<!/>)<f([^<>]*)>')


def formula_scan(xml: bytes, at: list[int] | None = None) -> dict[tuple[int, int], bytes]:
    """Cells holding a formula in a fast-path sheet (every cell there opens with ``<c r="..."``), each with
    the formula's text as it stands in the XML (escaped; :meth:`Sheet.formula` decodes it when asked); a
    shared formula's follower gets its master's.  Linear: a formula's cell is the tag just before it (as
    the schema orders a cell's children), else it is looked for back only as far as the previous formula;
    its text runs to the next tag.  ``at``: where each formula element begins, in order, exactly as
    ``_F_TAG`` finds them, when the caller has found them already."""
    out: dict[tuple[int, int], bytes] = {}
    shared: dict[bytes, bytes] = {}
    lo, cell = 0, None
    find, rfind = xml.find, xml.rfind
    # Where ">", "<" and "shared" next stand, kept between formula elements: in a sheet that is no XML (a
    # hostile "<f <f <f ... >" with one ">" after them all) every element would search ahead to the same far
    # places, and the scan would take time quadratic in the sheet's size (80,000 of them: 5.5 s).
    seen: dict[bytes, tuple[int, int]] = {}

    def first(what: bytes, at: int) -> int:
        """``xml.find(what, at)``, len(xml) for -1, remembered: no occurrence lies between where the last
        search began and what it found."""
        began, got = seen.get(what, (-1, -1))
        if not began <= at <= got:
            got = find(what, at)
            got = len(xml) if got < 0 else got
            seen[what] = (at, got)
        return got
    for pos in (at if at is not None else (m.start() for m in _F_TAG.finditer(xml))):
        start = rfind(b"<", lo, pos)
        usual = _CELL_THEN_F.match(xml, start) if start >= 0 else None
        if usual is not None:      # the element right after its cell's tag (the tag's "<" is the last before it)
            col, row, attrs = usual.groups()
            cell = (int(row) - 1, col_index(col))
            text = b""
            if attrs[-1:] != b"/":
                close = usual.end()
                stop = find(b"<", close)
                text = xml[close:stop if stop >= 0 else len(xml)][:8 * FORMULA_TEXT]
        else:
            if start < 0 or xml[start + 1:start + 2] != b"c" or xml[pos - 2] == 0x2F:
                start = rfind(b'<c r="', lo, pos)      # not right after its cell's tag: an odd order, or none
            if start >= 0:         # the cell this formula stands in, unless that cell closed before it
                ref, end = REF_TAG.match(xml, start), find(b">", start, pos)
                cell = None
                if ref and end > 0 and xml[end - 1] != 0x2F and find(b"</c>", end, pos) < 0:
                    cell = (int(ref.group(2)) - 1, col_index(ref.group(1)))
            elif cell is not None and find(b"</c>", lo, pos) >= 0:
                cell = None        # a second formula element, after its cell closed
            close = first(b">", pos + 2)
            if close == len(xml):
                break
            attrs, text = xml[pos + 2:min(close, pos + 2 + _ATTRS)], b""
            if xml[close - 1] != 0x2F:
                text = xml[close + 1:min(first(b"<", close), close + 1 + 8 * FORMULA_TEXT)]
            if first(b"shared", pos + 2) + 6 > close:
                attrs = b""
        lo = pos
        if b"shared" in attrs:
            parsed = dict(_ATTR.findall(attrs))
            if parsed.get(b"t") == b"shared":
                si = parsed.get(b"si", b"")
                text = shared.setdefault(si, text) if text else shared.get(si, b"")
        if cell is not None and cell not in out:
            out[cell] = text
    return out
