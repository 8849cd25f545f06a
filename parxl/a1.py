"""A1 cell references for what must start without xlsxwriter: ``parxl check`` loads no writer
(tests/test_imports.py), yet the checks name the cell of each finding.  Importing this loads nothing.

The writers use ``xlsxwriter.utility`` (``xl_rowcol_to_cell``, ``xl_col_to_name``), which names every cell
the same way (tests/test_style.py holds it); a reference is never parsed here (the reader parses the sheet
XML's own, :mod:`parxl.reader.refs`).
"""
from __future__ import annotations


def col_letter(col: int) -> str:
    """Zero-based column → its letters: 0 → "A", 26 → "AA"."""
    s = ""
    col += 1
    while col:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_name(row: int, col: int) -> str:
    """Zero-based row and column → an A1 reference: (6, 1) → "B7"."""
    return f"{col_letter(col)}{row + 1}"
