"""A worksheet that takes a table's body in one call, renders it at once and keeps it on disk.

xlsxwriter spends about 12 µs and some 200 bytes of memory on each cell of a large table until
the workbook is closed: a call through its argument converters, a named tuple in a dict of dicts,
then an attribute list, escaping and a format lookup per cell.  The consolidated workbook has some
150,000 cells at 280 returns and 7 million at 18,000, most of them in *Dữ liệu* and the *Ma trận*
sheets.  :meth:`TableSheet.write_rows` renders each row's cells as XML with one f-string per cell
when it is written and appends it to a temporary file; memory holds five numbers a row.

The file is the one xlsxwriter writes for the same cells, byte for byte: strings go to the same
shared-string table in the same order, format indices are taken in the same order (both ways take
a cell's format index when the cell is written), and the row elements (spans, heights) come from
xlsxwriter's own code at close.  ``TableSheet.streamed = False`` sends the same rows through
xlsxwriter's ``write_*`` calls instead; the tests compare the two, chart caches included.

It relies on xlsxwriter's private worksheet members (:data:`_PRIVATE`), so setup.cfg admits one minor
version of xlsxwriter, the one the tests pass with at both ends; a worksheet without them refuses to start
rather than write a wrong file.  The supported routes measured slower at 280 returns (consolidated
workbook alone, interleaved, n=5, CPU time): the same rows through ``write_*`` 1.9-2.5x, xlsxwriter's
``constant_memory`` mode 2.5x (and it writes inline strings and drops rows written out of order).
"""
from __future__ import annotations

import bisect
import datetime as dt
import io
import math
import re
import tempfile
from array import array
from typing import Sequence

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name
from xlsxwriter import worksheet as _xlsxwriter_worksheet
from xlsxwriter.worksheet import Worksheet


MAX_TEXT = 32_767         # UTF-16 units a cell may hold (Excel's limit)
_SHORT = MAX_TEXT // 2    # a string of at most this many characters fits whatever they are
# xlsxwriter's private members this module uses: worksheet methods, worksheet attributes, and those of
# the shared-string table and a format (3.2 has no row_info; a rename shows here, not as a wrong file).
_PRIVATE = {"worksheet": ("_write_row", "_write_rows", "_write_cell", "_write_empty_row", "_calculate_spans",
                          "_get_range_data", "_check_dimensions", "_convert_date_time", "_xml_end_tag"),
            "worksheet attribute": ("row_info", "row_sizes", "col_info", "table", "row_spans", "comments", "fh",
                                    "tmpdir", "dim_colmin"),
            "worksheet module": ("RowInfo",),
            "shared strings": ("_get_shared_string_index", "_get_shared_string"),
            "shared strings attribute": ("string_table", "count"),
            "format": ("_get_xf_index",)}
_RENDERED = re.compile(r'<c r="([A-Z]+)\d+"(?: s="\d+")?( t="s")?(?:/>|><v>([^<]*)</v></c>)')


class TableSheet(Worksheet):
    """A worksheet with :meth:`write_rows`; everything else is xlsxwriter's worksheet."""

    streamed = True     # False: the same rows through write_string / write_number (the reference)

    def __init__(self):
        super().__init__()
        _require_private_members(self)
        self._spill = None                    # the rendered rows, in order
        self._spilled = 0                     # bytes in it
        # per table row, in increasing row order: row, offset and length in the spill, first and last column
        self._row, self._at, self._len, self._lo, self._hi = (array("q") for _ in range(5))
        self._styles: dict = {}               # format (or None) -> ' s="N"' (or "")
        self._letters: list[str] = []         # column letters, A, B, ...
        self._heights: dict = {}              # pixels -> (RowInfo, row size) shared by the rows of that height
        self._row_tags: dict = {}             # a row's properties -> its start tag's attributes after r

    def write_rows(self, first_row: int, rows: Sequence[Sequence], heights: Sequence[float] | None = None,
                   formats: Sequence[Format | None] = ()) -> None:
        """Write ``rows`` (each a sequence of cells from column A) from ``first_row`` on, with ``heights``
        (points) if given.  A cell is a value (a string, a number, a naive datetime, or None for a blank) in its
        column's format from ``formats`` (none past its end), or a ``(value, format)`` pair.  Calls must come in
        increasing row order, below any row a previous call wrote; a row must not also be written cell by cell.

        A string longer than a cell may hold is cut to :data:`MAX_TEXT` UTF-16 units ending in "…"
        (only the workbook's copy; the JSON report keeps the whole text).  A cell without a format
        takes its row's or column's format as set when it is written."""
        if heights is not None:
            for r, h in enumerate(heights, first_row):
                if self._set_height(r, h):
                    raise ValueError(f"row {r + 1} of {self.name} is outside the worksheet")
        if not self.streamed:
            for r, row in enumerate(rows, first_row):
                for c, cell in enumerate(row):
                    if cell.__class__ is tuple:
                        self.write_cell(r, c, *cell)
                    else:
                        self.write_cell(r, c, cell, formats[c] if c < len(formats) else None)
            return
        if self._row and first_row <= self._row[-1]:
            raise ValueError(f"rows of {self.name} written out of order: row {first_row + 1} after "
                             f"row {self._row[-1] + 1}")
        if self._spill is None:
            self._spill = tempfile.TemporaryFile(dir=self.tmpdir)
        strings = self.str_table
        table, add = strings.string_table, strings._get_shared_string_index
        date = self._convert_date_time
        styles, letters = self._styles, self._letters
        spill, offsets, rows_at, lengths, los, his = self._spill, self._at, self._row, self._len, self._lo, self._hi
        column = list(formats)
        column_style = [None] * len(column)      # a column's format as ' s="N"', known once a cell took it
        counted = 0                              # strings found in the table (a new one is counted by add)
        try:
            for r, row in enumerate(rows, first_row):
                n, parts, lo, hi = r + 1, [], -1, -1
                if len(row) > len(letters):
                    letters.extend(xl_col_to_name(k) for k in range(len(letters), len(row)))
                if len(row) > len(column):
                    column.extend([None] * (len(row) - len(column)))
                    column_style.extend([None] * (len(row) - len(column_style)))
                put = parts.append
                for c, value in enumerate(row):
                    kind = value.__class__
                    if kind is not tuple:
                        s = column_style[c]
                        if s is None:
                            fmt = column[c]
                            if fmt is not None:
                                s = column_style[c] = styles.get(fmt) or self._style(fmt)
                    else:
                        value, fmt = value
                        kind = value.__class__
                        s = None if fmt is None else styles.get(fmt) or self._style(fmt)
                    if s is None:                # no format given: the row's, the column's, a date's, or none
                        if value is None:
                            continue
                        fmt = self._format_without(r, c, value)
                        s = "" if fmt is None else styles.get(fmt) or self._style(fmt)
                    if kind is str:
                        index = table.get(value)
                        if index is None:
                            index = add(value if len(value) <= _SHORT else _fit(value))
                        else:
                            counted += 1
                        put(f'<c r="{letters[c]}{n}"{s} t="s"><v>{index}</v></c>')
                    elif value is None:
                        put(f'<c r="{letters[c]}{n}"{s}/>')
                    elif kind is dt.datetime:
                        put(f'<c r="{letters[c]}{n}"{s}><v>{date(value):.16G}</v></c>')
                    else:
                        put(f'<c r="{letters[c]}{n}"{s}><v>{_number(value):.16G}</v></c>')
                    if lo < 0:
                        lo = c
                    hi = c
                if lo < 0:
                    continue
                if self.table.get(r):
                    raise ValueError(f"row {n} of {self.name} is written both cell by cell and as a table row")
                if self._check_dimensions(r, lo) or self._check_dimensions(r, hi):
                    raise ValueError(f"row {n} of {self.name} is outside the worksheet")
                data = "".join(parts).encode("utf-8")
                spill.write(data)
                rows_at.append(r)
                offsets.append(self._spilled)
                lengths.append(len(data))
                los.append(lo)
                his.append(hi)
                self._spilled += len(data)
        finally:
            strings.count += counted

    def _style(self, fmt: Format) -> str:
        """A format's ' s="N"' attribute; its index taken now, when the first cell of it is written (as xlsxwriter
        takes it), so that the formats are numbered in the same order either way."""
        s = self._styles[fmt] = f' s="{fmt._get_xf_index()}"'
        return s

    def _set_height(self, row: int, points: float) -> int:
        """``set_row(row, points)``, the row's properties shared by every row of the same height: xlsxwriter
        keeps a RowInfo and a list for each row it is told the height of (some 130 bytes a row: 27 MB at
        4,200 returns, whose consolidated workbook has 214,000 such rows), and never changes either."""
        px = None if points is None else int(points * 4.0 / 3.0 + 0.5)     # as set_row turns points into pixels
        if not self.streamed or px is None or px <= 0:
            return self.set_row(row, points)           # the default height, or a hidden row: set_row's way
        if self._check_dimensions(row, self.dim_colmin if self.dim_colmin is not None else 0):
            return -1
        shared = self._heights.get(px)
        if shared is None:
            shared = self._heights[px] = (_xlsxwriter_worksheet.RowInfo(height=px), [px, False])
        self.row_info[row], self.row_sizes[row] = shared
        return 0

    def write_cell(self, row: int, col: int, value, fmt: Format | None = None) -> None:
        """One cell through xlsxwriter's own calls, typed as :meth:`write_rows` types it."""
        effective = fmt or self._format_without(row, col, value)
        if effective is not None and not (value is None and fmt is None):
            effective._get_xf_index()      # the format's index taken when written, as write_rows takes it
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

    def _format_without(self, row: int, col: int, value) -> Format | None:
        """The format xlsxwriter gives a cell written without one: the default date format to a date,
        else its row's, else its column's."""
        if value.__class__ is dt.datetime:
            return self.default_date_format
        info = self.row_info.get(row)
        if info is not None and info.row_format:
            return info.row_format
        info = self.col_info.get(col)
        return info.column_format if info is not None else None

    # -- at close: xlsxwriter's row loop, with the table rows copied from the spill ------------------
    def _get_range_data(self, row_start, col_start, row_end, col_end):
        """A chart's cached values of a range, table rows included (as xlsxwriter gives them)."""
        if not self._row:
            return super()._get_range_data(row_start, col_start, row_end, col_end)
        data = []
        for r in range(row_start, row_end + 1):
            k = bisect.bisect_left(self._row, r)
            if k == len(self._row) or self._row[k] != r:
                data.extend(super()._get_range_data(r, col_start, r, col_end))
                continue
            by_col = {}
            for letters, shared, v in _RENDERED.findall(self._read(k)):
                col = xl_cell_to_rowcol(letters + "1")[1]
                by_col[col] = (self.str_table._get_shared_string(int(v)) if shared
                               else "" if not v else f"{float(v):.16g}")
            data.extend(by_col.get(c) for c in range(col_start, col_end + 1))
        return data

    def _read(self, k: int) -> str:
        self._spill.seek(self._at[k])
        return self._spill.read(self._len[k]).decode("utf-8")

    def _calculate_spans(self) -> None:
        super()._calculate_spans()
        blocks: dict[int, list[int]] = {}
        for r, lo, hi in zip(self._row, self._lo, self._hi):
            b = blocks.setdefault(r // 16, [lo, hi])
            b[0], b[1] = min(b[0], lo), max(b[1], hi)
        for index, (lo, hi) in blocks.items():
            if index in self.row_spans:
                a, b = (int(x) - 1 for x in self.row_spans[index].split(":"))
                lo, hi = min(lo, a), max(hi, b)
            self.row_spans[index] = f"{lo + 1}:{hi + 1}"

    def _write_rows(self) -> None:
        if not self._row:
            return super()._write_rows()
        self._calculate_spans()
        spill, write = self._spill, self.fh.write
        spill.seek(0)
        k, count = 0, len(self._row)
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            if k < count and self._row[k] == row_num:
                if self.table.get(row_num):
                    raise ValueError(f"row {row_num + 1} of {self.name} is written both cell by cell and as a "
                                     f"table row")
                start = self._row_start(row_num, self.row_spans.get(row_num // 16), self.row_info.get(row_num))
                write(f'{start}{spill.read(self._len[k]).decode("utf-8")}</row>')
                k += 1
            else:
                self._write_row_as_xlsxwriter(row_num)
        spill.close()
        self._spill = None

    def _row_start(self, row_num: int, span: str | None, info) -> str:
        """A table row's start tag as xlsxwriter's ``_write_row`` writes it: written by it once for each set of
        row properties (a table's rows share a few), then its attributes after ``r`` reused."""
        key = (span, None if info is None else (info.height, id(info.row_format), info.hidden, info.level,
                                                 info.collapsed))
        rest = self._row_tags.get(key)
        if rest is not None:
            return f'<row r="{row_num + 1}"{rest}'
        fh, self.fh = self.fh, io.StringIO()
        try:
            self._write_row(row_num, span, info)
            tag = self.fh.getvalue()
        finally:
            self.fh = fh
        head = f'<row r="{row_num + 1}"'
        if tag.startswith(head):
            self._row_tags[key] = tag[len(head):]      # a row format's index is taken by the first row's tag
        return tag

    def _write_row_as_xlsxwriter(self, row_num: int) -> None:
        """One row of xlsxwriter's own ``_write_rows`` loop (cells written one by one)."""
        if not (row_num in self.row_info or row_num in self.comments or self.table.get(row_num)):
            return
        span = self.row_spans.get(row_num // 16)
        if self.table.get(row_num):
            self._write_row(row_num, span, self.row_info.get(row_num))
            for col_num in range(self.dim_colmin, self.dim_colmax + 1):
                if col_num in self.table[row_num]:
                    self._write_cell(row_num, col_num, self.table[row_num][col_num])
            self._xml_end_tag("row")
        else:
            self._write_empty_row(row_num, span, self.row_info.get(row_num))


def _require_private_members(ws: Worksheet) -> None:
    """Refuse an xlsxwriter whose private members are not those :class:`TableSheet` was written against."""
    from xlsxwriter.sharedstrings import SharedStringTable
    owners = {"worksheet": type(ws), "worksheet attribute": ws, "shared strings": SharedStringTable,
              "shared strings attribute": SharedStringTable(),
              "format": Format, "worksheet module": _xlsxwriter_worksheet}
    missing = [f"{where} {name}" for where, names in _PRIVATE.items() for name in names
               if not hasattr(owners[where], name)]
    if missing:
        raise RuntimeError(f"parxl's consolidated workbook needs xlsxwriter 3.3 (setup.cfg); xlsxwriter "
                           f"{xlsxwriter.__version__} has no {', '.join(missing)}")


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
