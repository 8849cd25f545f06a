"""The safe path: a streaming parse of each sheet that keeps only the cells within bounds, counts the
values beyond them, and re-serialises a bounded copy of the package for calamine."""
from __future__ import annotations

import io
import re
import zipfile

from ..findings import Amount
from . import package
from .limits import FORMULA_TEXT, KEPT_TEXT, MAX_MERGES, MAX_SHARED, Budget, TooLarge
from .markup import esc, local, qa
from .package import Parts
from .refs import CELL_REF, a1, col_number
from .sheets import NOT_READ, NS_MAIN, SHOWN, shared_string_parts

def _feed(parser, parts: Parts, part: str) -> None:
    whole = parts.take(part)
    if whole is not None:
        parser.Parse(whole, True)
        return
    with parts.zf.open(part) as f:
        while chunk := f.read(1 << 20):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _shared_strings(parts: Parts, names, budget: Budget) -> list[str]:
    """The shared-string table, each string cut to KEPT_TEXT characters (enough to be flagged
    as too long); rich-text runs are joined, phonetic guides (rPh) left out, as calamine does."""
    table = shared_string_parts(names)
    if not table:
        return []
    out: list[str] = []
    buf: list[str] = []
    state = {"rph": 0, "t": 0, "len": 0}
    cap = KEPT_TEXT

    def start(tag, attrs):
        budget.step()
        t = local(tag)
        if t == "si":
            buf.clear()
            state["len"] = 0
        elif t == "rPh":
            state["rph"] += 1
        elif t == "t":
            state["t"] += 1

    def end(tag):
        t = local(tag)
        if t == "si":
            if len(out) >= MAX_SHARED:
                raise TooLarge(Amount(MAX_SHARED, "shared-strings", more=True), MAX_SHARED)
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

    p = package.expat_parser(table[0])
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, chars
    _feed(p, parts, table[0])
    return out


class _SheetScan:
    """One worksheet, streamed: each cell placed as Excel and calamine place it (a cell or row
    without ``r`` follows the previous one), cells within bounds re-serialised with an explicit
    ``r``, their style and type, shared strings inlined; values beyond bounds only counted."""

    def __init__(self, shared: list[str], budget: Budget, max_rows: int, max_cols: int):
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
        t = local(tag)
        if t == "c":
            m = CELL_REF.fullmatch(attrs.get("r", ""))
            if m:
                r, c = int(m.group(2)), col_number(m.group(1))
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
            if sum(map(len, self.formula)) < FORMULA_TEXT:
                self.formula.append(text[:FORMULA_TEXT])
            return
        if self.cell is not None and (self.in_v or (self.has_is and self.in_t and not self.rph)):
            room = KEPT_TEXT - self.text_len
            if room > 0:
                self.text.append(text[:room])
                self.text_len += min(len(text), room)

    def end(self, tag):
        t = local(tag)
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
                    self.first = a1(r, c)
            return
        self.budget.take(len(value))
        head = f'<c r="{a1(r, c)}"' + (f" s={qa(a['s'])}" if "s" in a else "")
        if kind in ("s", "inlineStr") and (self.has_v or self.has_is):
            xml = f'{head} t="inlineStr"><is><t xml:space="preserve">{esc(value)}</t></is></c>'
        elif self.has_v:
            xml = f"{head}{' t=' + qa(kind) if kind else ''}><v>{esc(value)}</v></c>"
        else:
            xml = f"{head}{' t=' + qa(kind) if kind else ''}/>"
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
        r1, c1 = int(m.group(2)), col_number(m.group(1))
        r2, c2 = min(int(m.group(4)), self.max_rows), min(col_number(m.group(3)), self.max_cols)
        if 1 <= r1 <= r2 and 1 <= c1 <= c2:
            self.merges.append(f"{a1(r1, c1)}:{a1(r2, c2)}")

    def _formula_text(self) -> str | None:
        """The closing cell's formula (a shared formula's follower: its master's text), None without one."""
        if self.formula is None:
            return None
        text = "".join(self.formula)[:FORMULA_TEXT]
        a = {local(k): v for k, v in self.formula_attrs.items()}
        if a.get("t") == "shared":
            si = a.get("si", "")
            text = self.shared_formulas.setdefault(si, text) if text else self.shared_formulas.get(si, "")
        return text

    def xml(self) -> bytes:
        out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS_MAIN[1:-1]}">'
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


_EMPTY_SHEET = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS_MAIN[1:-1]}">'
                "<sheetData/></worksheet>").encode()


def _scan_sheet(parts: Parts, part, shared, budget, max_rows, max_cols) -> _SheetScan:
    scan = _SheetScan(shared, budget, max_rows, max_cols)
    p = package.expat_parser(part)
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = scan.start, scan.end, scan.chars
    _feed(p, parts, part)
    return scan


def rebuild_xlsx(parts: Parts, names, sheet_parts, max_rows, max_cols, budget: Budget,
                  skip: frozenset = NOT_READ):
    """A copy of the package with every worksheet re-serialised within bounds and no shared strings."""
    shared = _shared_strings(parts, names, budget)
    cells, outside, sheets = {}, {}, {}
    for name, part in sheet_parts:
        if part is None:
            continue
        if name in skip and name != SHOWN:
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
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{NS_MAIN[1:-1]}" count="0" uniqueCount="0"/>')
    return out.getvalue(), cells, outside
