"""Reading a plan's appendix table from the document the province publishes (.docx, or an .xlsx/.ods copy).

The table is ``Số TT | Nhiệm vụ cụ thể | Tiến độ | Cơ quan chủ trì | Cơ quan phối hợp | Kết quả/sản phẩm``:
:func:`read_appendix` gives its rows as cell texts (merged cells repeated in every cell they cover, line
breaks inside cells kept), and the lines of text above it, where the document's title stands.  What the rows
mean (sections, headings, tasks) is :mod:`parxl.plan_import.tasks`' job.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ..errors import ParxlError
from ..i18n import _, finding_message
from .targets import fold

__all__ = ["read_appendix", "read_document", "AppendixError", "header_index", "columns",
           "MAX_APPENDIX_ROWS", "MAX_APPENDIX_COLS", "MAX_DOCX_PART"]

_COLUMNS = {  # folded header words → column
    "stt": ("so tt", "stt", "tt"),
    "title": ("nhiem vu", "noi dung"),
    "deadline": ("tien do", "thoi gian", "thoi han"),
    "lead": ("chu tri",),
    "coordinators": ("phoi hop",),
    "result": ("ket qua", "san pham"),
}


class AppendixError(ParxlError):
    """The file holds no table this importer can read (the operator must fix it)."""


# An appendix is read with the file, zip and XML limits of a return (parxl/reader.py); a sheet within these
# bounds (a plan has a few hundred rows), a .docx's parts each within MAX_DOCX_PART unpacked (lxml builds a
# tree ten times a part's size).
MAX_APPENDIX_ROWS = 5_000
MAX_APPENDIX_COLS = 64
MAX_DOCX_PART = 16 * 1024 * 1024


def read_appendix(path: str | Path) -> list[list[str]]:
    """The appendix table's rows as lists of cell texts, merged cells repeated in every cell they cover."""
    return read_document(Path(path))[0]


def read_document(path: Path) -> tuple[list[list[str]], list[str], list[str]]:
    """The appendix table's rows, the lines of text above it (where the document's title stands), and what
    the reader wants checked (the rows where a table inside a cell was read into the cell's text)."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        tables = _docx_tables(path)
    elif suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        tables = _sheet_tables(path)
    else:
        raise AppendixError(_("{path}: expected a .docx or .xlsx appendix, got {suffix}").format(
            path=path, suffix=suffix or _("no extension")))
    for rows, above, nested in tables:
        h = header_index(rows)
        if h is not None:
            notes = [_("table row {row}: a table inside a cell was read into the cell's text, one line per row "
                       "(cells separated by ' | '); check the row").format(row=i + 1) for i in nested]
            return rows, above + [" ".join(c for c in dict.fromkeys(r) if c) for r in rows[:h]], notes
    raise AppendixError(_("{path}: no table with the header '{header}'").format(
        path=path, header="Số TT | Nhiệm vụ cụ thể | Tiến độ | Cơ quan chủ trì | Cơ quan phối hợp | Kết quả/sản phẩm"))


def _refused(path: Path, f) -> AppendixError:
    where = " ".join(x for x in (f.sheet, f.cell) if x)
    if f.code == "file.not-xlsx":
        return AppendixError(_("{path}: not read: not a valid {kind} file (damaged, or saved in another format: "
                               "open it and save it again as {kind})").format(path=path, kind=path.suffix.lower()))
    what = finding_message(f) if f.code != "layout.cell-outside" else _(
        "{count} cells with data beyond the {rows} rows and {cols} columns an appendix is read to (first: {cell}); "
        "delete them or move the table").format(count=f.seen, rows=MAX_APPENDIX_ROWS, cols=MAX_APPENDIX_COLS,
                                                cell=f.cell)
    return AppendixError(_("{path}: not read: {problem}").format(path=path, problem=f"{where}: {what}" if where else what))


def _docx_tables(path: Path) -> list[tuple[list[list[str]], list[str], list[int]]]:
    import io
    import docx   # python-docx
    from docx.table import Table
    from ..reader import check_package
    data, problem = check_package(path, max_part=MAX_DOCX_PART)
    if problem is not None:
        raise _refused(path, problem)
    out = []
    above: list[str] = []
    for block in docx.Document(io.BytesIO(data)).iter_inner_content():
        if not isinstance(block, Table):
            above += [ln for ln in _cell_text(block.text).split("\n") if ln]
            continue
        # row.cells repeats a horizontally merged cell across its grid columns and gives the top cell
        # of a vertically merged one in each row it covers: exactly "repeated in every cell it covers"
        rows, nested = [], []
        for i, row in enumerate(block.rows):
            cells = []
            for c in row.cells:
                text = _cell_text(c.text)
                inner = _nested_text(c)
                if inner:
                    text = "\n".join(x for x in (text, inner) if x)
                    if i not in nested:
                        nested.append(i)
                cells.append(text)
            rows.append(cells)
        out.append((rows, list(above), nested))
    return out


def _nested_text(cell, depth: int = 0) -> str:
    """The text of the tables inside a cell (python-docx's ``cell.text`` leaves them out): a line per row, its
    cells separated by " | ", a table inside those read the same way (to a depth of 5)."""
    lines = []
    for table in cell.tables if depth < 5 else []:
        for row in table.rows:
            texts, seen = [], set()
            for c in row.cells:
                if id(c._tc) in seen:           # a merged cell, repeated across the columns it covers
                    continue
                seen.add(id(c._tc))
                t = " ".join(x for x in (_cell_text(c.text), _nested_text(c, depth + 1)) if x)
                texts.append(t.replace("\n", " "))
            if any(texts):
                lines.append(" | ".join(texts))
    return "\n".join(lines)


def _sheet_tables(path: Path) -> list[tuple[list[list[str]], list[str], list[int]]]:
    from ..reader import read_table_file
    wb, stops = read_table_file(path, max_rows=MAX_APPENDIX_ROWS, max_cols=MAX_APPENDIX_COLS)
    if stops:
        raise _refused(path, stops[0])
    out = []
    for name, sheet in wb.sheets.items():
        rows = [[_cell_text(_as_text(v)) for v in r] for r in sheet.rows]
        width = max((len(r) for r in rows), default=0)
        rows = [r + [""] * (width - len(r)) for r in rows]
        for (r1, c1), (r2, c2) in sheet.merged:
            if r1 >= len(rows) or c1 >= width:       # a merge below or right of every value: nothing to spread
                continue
            top = rows[r1][c1]
            for r in range(r1, min(r2, len(rows) - 1) + 1):
                for c in range(c1, min(c2, width - 1) + 1):
                    rows[r][c] = top
        out.append((rows, [], []))
    return out


def _as_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _cell_text(s: str) -> str:
    s = unicodedata.normalize("NFC", s).replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    return "\n".join(re.sub(r"[ \t]+", " ", ln).strip() for ln in s.split("\n")).strip()


def header_index(rows) -> int | None:
    """The index of the header row (naming the task and the lead columns at least) among the first 40 rows."""
    for i, row in enumerate(rows[:40]):
        cols = columns(row)
        if cols and {"title", "lead"} <= cols.keys():
            return i
    return None


def columns(row: list[str]) -> dict[str, int]:
    """Which column of a header row holds what: "stt", "title", "deadline", "lead", "coordinators", "result"."""
    cols: dict[str, int] = {}
    for j, cell in enumerate(row):
        f = fold(cell).replace("\n", " ")
        for key, words in _COLUMNS.items():
            if key not in cols and any(re.search(rf"\b{w}\b", f) for w in words):
                if key == "stt" and len(f) > 8:
                    continue
                cols[key] = j
                break
    return cols

