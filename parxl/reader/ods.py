"""OpenDocument: content.xml streamed and, when a non-empty cell lies beyond the bounds, re-emitted with
every table clipped to them (positions follow the repeat counts); its formulas and its links found."""
from __future__ import annotations

import io
import zipfile

from ..findings import Amount
from . import package
from .limits import FORMULA_TEXT, MAX_SHEETS, Budget, TooLarge
from .markup import esc, local, qa
from .package import Parts, stored_package
from .refs import a1

# -- OpenDocument: positions follow the repeat counts; non-empty repeats must stay within bounds -----
_NS_TABLE_URI = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


class _OdsScan:
    """Streams content.xml and re-emits it with every table clipped to the bounds: rows and cells
    beyond are dropped, repeat counts clamped.  Only the extent of non-empty cells is reported."""

    def __init__(self, max_rows: int, max_cols: int, budget: Budget):
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
        short = local(tag)
        if short in _ODS_LINKS:
            self.links.append(_ods_link(tag, attrs))
        if short in ("table", "table-row", "table-cell", "covered-table-cell") and \
                not tag.startswith("table:") and self.cell_depth == 0:
            raise ValueError(f"unexpected element {tag[:40]}")
        if self.cell_depth:
            self.cell_depth += 1
            self.cell[3][0] = True              # any child (text:p...) makes the cell non-empty
        elif tag == "table:table":
            self.tables += 1
            if self.tables > MAX_SHEETS:
                raise TooLarge(Amount(MAX_SHEETS, "sheets", more=True), MAX_SHEETS)
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
                        cells[(r, c)] = formula[:FORMULA_TEXT]
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
            self.out.append(f"<{tag}{''.join(f' {k}={qa(v)}' for k, v in attrs.items())}>")

    def chars(self, text):
        if self.cell_depth:
            if text.strip():
                self.cell[3][0] = True
            self.cell_text += len(text)
        if not self.mute:
            self.out.append(esc(text))

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
            first = a1(row + 1, max(col, self.max_cols) + 1) if col + rep > self.max_cols and keep_r \
                else a1(max(row, self.max_rows) + 1, col + 1)
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


def bounded_ods(parts: Parts, max_rows: int, max_cols: int, fast: bool = True, budget: Budget | None = None):
    """(bytes for calamine, {sheet: (first outside cell, count)}, {sheet: ({}, formula cells)}, outside links):
    the package as read (see stored_package) when every non-empty cell lies within bounds, otherwise a copy
    whose content.xml is clipped to them."""
    scan = _OdsScan(max_rows, max_cols, budget or Budget())
    p = package.expat_parser("content.xml")
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = scan.start, scan.end, scan.chars
    p.Parse(parts.read("content.xml"), True)
    cells = {name: ({}, formulas) for name, formulas in scan.formulas.items()}
    if fast and not scan.beyond:
        return stored_package(parts), {}, cells, scan.links
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("mimetype", parts.read("mimetype"))
        for n in ("META-INF/manifest.xml", "styles.xml", "meta.xml"):
            if n in parts.zf.namelist():
                z.writestr(n, parts.read(n))
        z.writestr("content.xml", ('<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(scan.out)).encode())
    return out.getvalue(), scan.outside, cells, scan.links
