"""What reading a return gives: the workbook, its sheets as values with provenance, its error cells."""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..findings import Finding
from .limits import FORMULA_TEXT


@dataclass
class Sheet:
    name: str
    visible: bool
    rows: list[list[Any]]                     # zero-based grid from A1
    errors: dict[tuple[int, int], str] = field(default_factory=dict)   # (row, col) → "#DIV/0!"
    # (row, col) → the cell's formula text: str, or the fast path's XML bytes, decoded by formula()
    formulas: dict[tuple[int, int], str | bytes] = field(default_factory=dict)
    # merged ranges ((first row, first col), (last row, last col)), zero-based, within bounds
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    def cell(self, r: int, c: int):
        if (r, c) in self.errors:
            return CellError(self.errors[(r, c)])
        try:
            return self.rows[r][c]
        except IndexError:
            return None

    def formula(self, r: int, c: int) -> str | None:
        """The formula the cell holds ("SUM(F5:F7)"; "" when its text is unknown), None when it holds none."""
        f = self.formulas.get((r, c))
        if f is None or isinstance(f, str):
            return f
        return html.unescape(f.decode("utf-8", "replace"))[:FORMULA_TEXT]


@dataclass(frozen=True)
class CellError:
    code: str

    def __str__(self):
        return self.code


@dataclass
class Workbook:
    """What was read from one returned file."""
    path: Path
    name: str                                   # relative to the returns folder
    sha256: str
    size: int
    mtime: dt.datetime
    sheets: dict[str, Sheet] = field(default_factory=dict)
    identity_sheet: dict[str, str] | None = None
    identity_sheet_name: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    modified: dt.datetime | None = None         # docProps/core.xml dcterms:modified
    application: str | None = None
    findings: list[Finding] = field(default_factory=list)
    cover: Sheet | None = None                  # the cover sheet, read only for what it shows

    @property
    def readable(self) -> bool:
        return not any(f.rejects for f in self.findings)
