"""A worksheet that takes a table's body in one call and writes it with little work per cell.

xlsxwriter spends about 12 µs on each cell of a large table: a call through its argument
converters, a named tuple in a dict of dicts, and at ``close`` an attribute list, escaping and a
format lookup per cell.  The consolidated workbook has some 150,000 cells at 280 returns, most in
two sheets (*Dữ liệu* and the *Ma trận* sheets).  :class:`TableSheet` keeps the body as plain
tuples and renders each row's cells with one f-string each when the workbook is closed.

The file it writes is the one xlsxwriter writes for the same cells, byte for byte: strings go to
the same shared-string table in the same order, format indices are taken in the same order, and
the row elements (spans, heights) come from xlsxwriter's own code.  ``TableSheet.streamed = False``
sends the same rows through xlsxwriter's ``write_*`` calls instead; the tests compare the two.
It relies on xlsxwriter's private worksheet methods, so setup.cfg pins xlsxwriter's major version
and that test fails on any change of theirs that matters.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Sequence

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

Cell = tuple  # (value, Format | None); value: str, int, float, naive datetime, or None (a blank)

MAX_TEXT = 32_767   # UTF-16 units a cell may hold (Excel's limit)
_SHORT = MAX_TEXT // 2   # a string of at most this many characters fits whatever they are
_STRING, _NUMBER, _BLANK = 0, 1, 2


class TableSheet(Worksheet):
    """A worksheet with :meth:`write_rows`; everything else is xlsxwriter's worksheet."""

    streamed = True     # False: the same rows through write_string / write_number (the reference)

    def __init__(self):
        super().__init__()
        self._bodies: dict[int, list[tuple]] = {}   # row -> [(col, kind, payload, format)]

    def write_rows(self, first_row: int, rows: Sequence[Sequence[Cell]]) -> None:
        """Write ``rows`` (each a sequence of ``(value, format)`` from column A) from ``first_row`` on.

        A string longer than a cell may hold is cut to :data:`MAX_TEXT` UTF-16 units ending in "…"
        (only the workbook's copy; the JSON report keeps the whole text).  A row must not also be
        written cell by cell."""
        if not self.streamed:
            return self._write_rows_one_by_one(first_row, rows)
        sst = self.str_table._get_shared_string_index
        date = self._convert_date_time
        for r, row in enumerate(rows, first_row):
            cells = []
            add = cells.append
            for c, (value, fmt) in enumerate(row):
                kind = value.__class__
                if kind is str:
                    add((c, _STRING, sst(value if len(value) <= _SHORT else _fit(value)), fmt))
                elif value is None:
                    if fmt is not None:
                        add((c, _BLANK, None, fmt))
                elif kind is dt.datetime:
                    add((c, _NUMBER, date(value), fmt or self.default_date_format))
                else:
                    add((c, _NUMBER, _number(value), fmt))
            if not cells:
                continue
            if self.table.get(r):
                raise ValueError(f"row {r + 1} of {self.name} is written both cell by cell and as a table row")
            if self._check_dimensions(r, cells[0][0]) or self._check_dimensions(r, cells[-1][0]):
                raise ValueError(f"row {r + 1} of {self.name} is outside the worksheet")
            self._bodies[r] = cells

    def write_cell(self, row: int, col: int, value, fmt: Format | None = None) -> None:
        """One cell through xlsxwriter's own calls, typed as :meth:`write_rows` types it."""
        if value is None:
            ret = self.write_blank(row, col, None, fmt)
        elif value.__class__ is str:
            ret = self.write_string(row, col, _fit(value), fmt)
        elif isinstance(value, dt.datetime):
            ret = self.write_datetime(row, col, value, fmt)
        else:
            ret = self.write_number(row, col, _number(value), fmt)
        if ret:
            raise ValueError(f"xlsxwriter returned {ret} for row {row + 1}, column {col + 1} of {self.name}")

    def _write_rows_one_by_one(self, first_row: int, rows: Sequence[Sequence[Cell]]) -> None:
        for r, row in enumerate(rows, first_row):
            for c, (value, fmt) in enumerate(row):
                self.write_cell(r, c, value, fmt)

    # -- at close: xlsxwriter's row loop, with the table rows rendered here --------------------------
    def _get_range_data(self, row_start, col_start, row_end, col_end):
        """A chart's cached values of a range, table rows included (as xlsxwriter gives them)."""
        if not self._bodies:
            return super()._get_range_data(row_start, col_start, row_end, col_end)
        data = []
        for r in range(row_start, row_end + 1):
            cells = self._bodies.get(r)
            if cells is None:
                data.extend(super()._get_range_data(r, col_start, r, col_end))
                continue
            by_col = {c: (kind, payload) for c, kind, payload, _fmt in cells}
            for c in range(col_start, col_end + 1):
                kind, payload = by_col.get(c, (None, None))
                if kind == _STRING:
                    data.append(self.str_table._get_shared_string(payload))
                elif kind == _NUMBER:
                    data.append(f"{payload:.16g}")
                else:
                    data.append("" if kind == _BLANK else None)
        return data

    def _calculate_spans(self) -> None:
        super()._calculate_spans()
        if not self._bodies:
            return
        blocks: dict[int, list[int]] = {}
        for r, cells in self._bodies.items():
            lo, hi = cells[0][0], cells[-1][0]
            b = blocks.setdefault(r // 16, [lo, hi])
            b[0], b[1] = min(b[0], lo), max(b[1], hi)
        for index, (lo, hi) in blocks.items():
            if index in self.row_spans:
                a, b = (int(x) - 1 for x in self.row_spans[index].split(":"))
                lo, hi = min(lo, a), max(hi, b)
            self.row_spans[index] = f"{lo + 1}:{hi + 1}"

    def _write_rows(self) -> None:
        if not self._bodies:
            return super()._write_rows()
        self._calculate_spans()
        names = [xl_col_to_name(c) for c in range(self.dim_colmax + 1)]
        styles: dict[int, str] = {}
        write = self.fh.write
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            n = row_num + 1
            cells = self._bodies.get(row_num)
            if cells is None:
                self._write_row_as_xlsxwriter(row_num)
                continue
            if self.table.get(row_num):
                raise ValueError(f"row {n} of {self.name} is written both cell by cell and as a table row")
            self._write_row(row_num, self.row_spans.get(row_num // 16), self.row_info.get(row_num))
            parts = []
            for c, kind, payload, fmt in cells:
                fmt = fmt or self._fallback_format(row_num, c)
                if fmt is None:
                    s = ""
                else:
                    s = styles.get(id(fmt))
                    if s is None:
                        s = styles[id(fmt)] = f' s="{fmt._get_xf_index()}"'
                if kind == _STRING:
                    parts.append(f'<c r="{names[c]}{n}"{s} t="s"><v>{payload}</v></c>')
                elif kind == _NUMBER:
                    parts.append(f'<c r="{names[c]}{n}"{s}><v>{payload:.16G}</v></c>')
                else:
                    parts.append(f'<c r="{names[c]}{n}"{s}/>')
            write("".join(parts))
            self._xml_end_tag("row")

    def _fallback_format(self, row: int, col: int) -> Format | None:
        """The format xlsxwriter gives a cell written without one: its row's, else its column's."""
        info = self.row_info.get(row)
        if info is not None and info.row_format:
            return info.row_format
        info = self.col_info.get(col)
        return info.column_format if info is not None else None

    def _write_row_as_xlsxwriter(self, row_num: int) -> None:
        """One row of xlsxwriter's own ``_write_rows`` loop (cells written one by one)."""
        if not (row_num in self.row_info or row_num in self.comments or self.table[row_num]):
            return
        span = self.row_spans.get(row_num // 16)
        if self.table[row_num]:
            self._write_row(row_num, span, self.row_info.get(row_num))
            for col_num in range(self.dim_colmin, self.dim_colmax + 1):
                if col_num in self.table[row_num]:
                    self._write_cell(row_num, col_num, self.table[row_num][col_num])
            self._xml_end_tag("row")
        else:
            self._write_empty_row(row_num, span, self.row_info.get(row_num))


def _fit(text: str) -> str:
    """``text`` as a cell can hold it: cut to MAX_TEXT UTF-16 units, ending in "…"."""
    if len(text) <= _SHORT or len(text.encode("utf-16-le")) // 2 <= MAX_TEXT:
        return text
    units = 0
    for k, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > MAX_TEXT - 1:
            return text[:k] + "…"
    return text   # pragma: no cover


def _number(value) -> float | int:
    if value.__class__ is int:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"a table cell holds a string, a number, a datetime or None, not {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"a table cell cannot hold {value!r}")
    return value
