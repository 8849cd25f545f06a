"""How much of a sheet is read.

python-calamine builds a dense grid up to a sheet's last used cell, so one value at XFD1048576 would cost
it 512 GiB.  Each sheet is therefore read within max_rows × max_cols: a cheap linear check of the sheet
XML (:func:`plainly_within`, else :func:`provably_within`) proves a normal workbook is within bounds, and
calamine reads the package as it is (the fast path); anything it cannot prove goes through the streaming
parse of parxl.reader.stream (the safe path).
"""
from __future__ import annotations

import functools
import re

from .limits import FAST_AMPLIFY, FAST_PART, FAST_TOTAL, Budget
from .package import Parts, stored_package
from .refs import col_number
from .scan import F_NAME, REF_TAG, error_scan, formula_scan
from .sheets import NOT_READ, SHOWN, shared_string_parts, sheet_parts
from .stream import rebuild_xlsx

# -- the fast path: a linear check, at C speed, that calamine can read a sheet as it is --------------
_CELL_WITHOUT_R = re.compile(rb'<c(?=[\s/>])(?! r=")')      # a cell whose first attribute is not r
_ROW_WITHOUT_R = re.compile(rb'<row(?=[\s/>])(?! r=")')
_BAD_REF = re.compile(rb'<c r="(?![A-Z]{1,3}[0-9]{1,7}")')     # an r that is no cell reference
# any prefix, however long ({1,64} let a longer one through: a red-team review); linear, as a run of the
# class never holds a "<"
_PREFIXED = re.compile(rb"<[^\s<>/!?:]+:(?:c|row|sheetData|v|is|t|f)[\s/>]")
_WIDE = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')


# A cell or row with a second r attribute: the tests here read the first, calamine the last (a red-team review:
# <c r="A8" r="XFD1048576"> passed as A8 and made calamine allocate 512 GiB); expat refuses it on the safe path.
_SECOND_R = re.compile(rb"""<(?:c|row)(?=[\s/>])[^<>]*?[\s"']r\s*=[^<>]*?[\s"']r\s*=""")


def provably_within(xml: bytes, max_rows: int, max_cols: int) -> bool:
    """The exact tests, for any sheet: each search stops at the first offender."""
    if any(p.search(xml) for p in (_CELL_WITHOUT_R, _ROW_WITHOUT_R, _BAD_REF, _PREFIXED, _SECOND_R)):
        return False
    letters = set(_WIDE.findall(xml)) if max_cols >= 26 else {c for c, _ in REF_TAG.findall(xml)}
    if any(col_number(c.decode()) > max_cols for c in letters):
        return False
    long_row = re.compile(rb'<(?:c r="[A-Z]{1,3}|row r=")([0-9]{%d,})"' % len(str(max_rows)))
    return not any(int(r) > max_rows for r in set(long_row.findall(xml)))


def plainly_within(xml: bytes, max_rows: int, max_cols: int) -> bool:
    """The usual sheet, proved within bounds in two quick searches: every cell's ``r`` a single letter
    and fewer digits than ``max_rows`` has, every row's as many digits, nothing namespace-prefixed.  A
    sheet that is not (columns past Z, a cell without ``r``...) is left to provably_within, which
    accepts whatever this accepts."""
    return plain_formulas(xml, max_rows, max_cols)[0]


def plain_formulas(xml: bytes, max_rows: int, max_cols: int) -> tuple[bool, list[int] | None]:
    """Whether the sheet is plainly within bounds (:func:`plainly_within`), and if it is, where each of its
    formula elements begins, in order, as parxl.reader.scan finds them (None past ``_KEPT`` of them: the scan
    finds them again).  The search that proves the cells and rows plain finds the formula elements as it goes
    ("<f" is one more name after the "<" it stops at), so the fast path reads each sheet's XML one time fewer
    (a regex reads ~0.3 ns a byte wherever it stops: ~0.05 ms of a return's 160 KB of sheets)."""
    if max_cols < 26 or max_rows < 10:
        return False, None
    at: list[int] | None = []
    for m in _not_plain(len(str(max_rows)) - 1).finditer(xml):
        if m.lastindex is None:                 # a cell or row that is not plain
            return False, None
        if at is not None:
            at.append(m.start())
            if len(at) > _KEPT:                 # a sheet of many formulas: their places not held (a red team's find)
                at = None
    if _PREFIXED_END.search(xml) and _PREFIXED.search(xml):
        return False, None
    return True, at


_KEPT = 4096          # formula places kept of one sheet (a return's sheet holds up to ~150)


@functools.lru_cache(maxsize=8)
def _not_plain(digits: int) -> re.Pattern:
    """A cell or row that is not plain (its first attribute no plain r, or the rest of its tag not plain: another r
    would be read by calamine, see _SECOND_R), or (group 1) a formula element: the formula element matches only
    "<f", so no cell or row is passed over."""
    return re.compile(rb'<(?:c(?=[\s/>])(?! r="[A-Z][0-9]{1,%d}"%s)|row(?=[\s/>])(?! r="[0-9]{1,%d}"%s)|(%s))'
                      % (digits, _PLAIN_REST, digits, _PLAIN_REST, F_NAME))


# The rest of a plain cell's or row's tag: attributes in double quotes, none named r or anything else beginning
# with r (a cell's are s, t, cm, vm, ph; a row's spans, ht, customHeight...), then its end.  (A lookahead that
# looked for a second r anywhere in the tag cost twice the search; this one 1.7 times.)
_PLAIN_REST = rb"""(?:\s+[^\sr<>=/"'][^\s<>=/"']*="[^"<>]*")*\s*/?>"""


_PREFIXED_END = re.compile(rb":(?:c|row|sheetData|v|is|t|f)[\s/>]")   # how a _PREFIXED tag ends: rare, found fast
def bounded_xlsx(parts: Parts, names, max_rows: int, max_cols: int, fast: bool = True,
                  budget: Budget | None = None, skip: frozenset = NOT_READ):
    """(bytes for calamine, {sheet: (error cells, formula cells)}, {sheet: (first outside cell, count)}): on
    the fast path the package with the parts already inflated stored (see stored_package), otherwise a
    bounded copy."""
    sheets = sheet_parts(parts, names)
    read = [(n, p) for n, p in sheets if n not in skip or n == SHOWN]     # the cover is read too
    # every worksheet part in the package is checked, not only the ones we resolved
    extra = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")
                   and n not in {p for _, p in sheets})
    shared_tables = shared_string_parts(names)
    total, checked, formulas_at = 0, [], {}
    for name, part in read + [(None, p) for p in extra]:
        if not fast or part is None or parts.zf.getinfo(part).file_size > FAST_PART or total > FAST_TOTAL:
            fast = False
            break
        xml = parts.read(part)
        total += len(xml)
        checked.append(part)
        plain, at = plain_formulas(xml, max_rows, max_cols)
        if plain:
            if at is not None and name is not None:     # a part no sheet reads: its formulas are never scanned
                formulas_at[part] = at
        elif not provably_within(xml, max_rows, max_cols):
            fast = False
            break
    if fast and shared_tables:
        # shared-string cells × the longest shared string: bounded first by the most cells the sheets' XML can
        # hold, which settles a usual workbook without counting them (a search of every sheet: ~75 µs a return)
        longest = max(_longest_shared(parts.read(n)) for n in shared_tables)
        if (total // _SHARED_CELL_BYTES) * longest > FAST_AMPLIFY:
            shared_cells = sum(len(_SHARED_TYPE.findall(parts.read(p))) for p in checked)
            fast = shared_cells * longest <= FAST_AMPLIFY
    if fast:
        cells = {}
        for n, p in read:
            xml = parts.read(p)
            cells[n] = (error_scan(xml), formula_scan(xml, formulas_at.get(p)))
        return stored_package(parts), cells, {}
    return rebuild_xlsx(parts, names, sheets, max_rows, max_cols, budget or Budget(), skip)


# Fewer bytes than any cell of a fast-path sheet that shows a shared string takes: <c r="A1" t="s"><v>0</v></c>
# is 28 (a fast-path cell opens with its r; without a <v> it shows nothing).
_SHARED_CELL_BYTES = 16
# A cell's type "s" however XML lets it be written (calamine reads each of these as a shared string): either
# quote, white space about the "=".  Counting only t="s" let t='s' through (found by a red-team review).
_SHARED_TYPE = re.compile(rb"""\st\s*=\s*(?:"s"|'s')""")
# a "<" inside an attribute's value: not XML, though a lenient parser may read past it
_LT_IN_VALUE = re.compile(rb"""=\s*(?:"[^"<]*<|'[^'<]*<)""")


def _longest_shared(sst: bytes) -> int:
    """A bound on the length of any one shared string (in bytes of XML).  calamine joins every <t> of an <si>,
    whatever else stands between them, and ends the string at the first </si>: so a string lies between two
    </si>, unless one is hidden where no tag is read (a comment, CDATA, a processing instruction, an attribute's
    value), and then the whole part is the bound.  (Splitting at "<si" let one string of many runs, with
    <six/> or a CDATA "<si" between them, pass for many short ones.)"""
    if b"<!" in sst or sst.count(b"<?") > 1 or _LT_IN_VALUE.search(sst):
        return len(sst)
    return max(map(len, sst.split(b"</si>")))
