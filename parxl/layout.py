"""The shape of an agency's workbook, shared by the writer (which lays it out) and the
reader (which finds it again): sheets, columns, rows, which cells are inputs, and the
hash of the locked layout that the identity signs.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from .a1 import cell_name, col_letter  # noqa: F401 (re-exported: the checks name cells without xlsxwriter)
from .measures import measure_of
from .plan import Indicator, Plan
from .sheetnames import COVER_SHEET, FORMAT, IDENTITY_SHEET, LIST_SHEET, MAX_TEXT  # noqa: F401 (re-exported)
from .textfit import BODY, fit_height

HEADER_ROW = 3          # zero-based: the header is on Excel row 4
FIRST_ROW = HEADER_ROW + 1


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float
    kind: str  # "locked" | "input" | "formula"


# Code, indicator and target first (frozen on screen, repeated on every printed page), the self-check
# right beside the numbers being typed, the long task text last.
COLUMNS: tuple[Column, ...] = (
    Column("code", "Mã chỉ tiêu", 9, "locked"),
    Column("label", "Chỉ tiêu", 28, "locked"),
    Column("target", "Mục tiêu", 16, "locked"),
    Column("self_check", "Tự kiểm tra", 12, "formula"),
    Column("status", "Tình trạng", 13, "input"),
    Column("numerator", "Tử số", 9, "input"),
    Column("denominator", "Mẫu số", 9, "input"),
    Column("value", "Kết quả", 9, "input"),
    Column("baseline", "Số liệu năm gốc", 10, "input"),
    Column("change", "Mức thay đổi (%)", 9, "formula"),
    Column("evidence", "Minh chứng", 22, "input"),
    Column("doc_date", "Ngày văn bản", 11, "input"),
    Column("issues", "Khó khăn, vướng mắc", 22, "input"),
    Column("proposals", "Đề xuất, kiến nghị", 22, "input"),
    Column("task", "Nhiệm vụ", 30, "locked"),
    Column("role", "Vai trò", 11, "locked"),
)
KEY_COLUMNS = 3          # code, indicator, target: frozen on screen and repeated on paper
PRINT_SCALE = 75         # 11 pt prints at 8.25 pt
PRINTED = "proposals"    # the last printed column: task text and role are read on screen
COL = {c.key: i for i, c in enumerate(COLUMNS)}
# With a ledger (``generate --ledger``): one more column right after the last input (PRINTED), printed with
# the evidence, locked, saying what the agency reported last period; the task text and role move one column
# right (no input moves).  Its header is none of COLUMNS', so the reader ignores it, and the layout hash
# (standard headers, locked texts, inputs) does not cover it.
REFERENCE_COLUMN = COL[PRINTED] + 1
REFERENCE_WIDTH = 40
REFERENCE_HEADER = "Kỳ trước ({period})"
REFERENCE_PREFIX = REFERENCE_HEADER.split("(")[0].strip()


def column_places(reference: bool) -> dict[str, int]:
    """Each standard column's index: :data:`COL`, or with the "Kỳ trước" column (``reference``) those after it
    one to the right."""
    if not reference:
        return COL
    return {k: j + (j >= REFERENCE_COLUMN) for k, j in COL.items()}
REQUIRED_HEADERS = tuple(c.header for c in COLUMNS)

@dataclass(frozen=True)
class Row:
    indicator: Indicator
    role: str
    excel_row: int  # zero-based

    @property
    def inputs(self) -> tuple[str, ...]:
        """The cells the agency fills on this row (the measure decides)."""
        return measure_of(self.indicator).inputs(self.indicator)

    def locked_text(self) -> Mapping[str, str]:
        """What the agency may not change on the row, by column key (the same for every agency given the
        indicator in this role: worked out once, kept on the indicator)."""
        return MappingProxyType(self._locked()[0])

    def _locked(self) -> tuple[dict[str, str], str]:
        """(locked text, the row's entry in the layout hash as JSON), kept on the indicator by role."""
        i = self.indicator
        kept = i.__dict__.setdefault("_locked_by_role", {})
        got = kept.get(self.role)
        if got is None:
            text = {"code": i.code, "task": f"{i.task.code}. {i.task.title}", "label": i.label,
                    "target": i.target_vi(), "role": self.role}
            entry = json.dumps([i.code, text, list(self.inputs), i.task.section], ensure_ascii=False, sort_keys=True)
            got = kept[self.role] = (text, entry)      # plain values: a plan is pickled for spawned workers
        return got


@dataclass(frozen=True)
class SheetLayout:
    section: str
    name: str
    title: str
    rows: tuple[Row, ...]


def agency_layout(plan: Plan, agency: str) -> tuple[SheetLayout, ...]:
    """One input sheet per section that holds the agency's indicators, in plan order (computed once per plan)."""
    cache = plan.__dict__.setdefault("_layouts", {})
    if agency not in cache:
        cache[agency] = _layout(plan, agency)
    return cache[agency]


def agency_layout_hash(plan: Plan, agency: str) -> str:
    cache = plan.__dict__.setdefault("_layout_hashes", {})
    if agency not in cache:
        cache[agency] = layout_hash(agency_layout(plan, agency))
    return cache[agency]


def _layout(plan: Plan, agency: str) -> tuple[SheetLayout, ...]:
    sheets = []
    assigned = plan.assignments(agency)
    for s in plan.sections:
        mine = [(i, r) for i, r in assigned if i.task.section == s.code]
        if mine:
            rows = tuple(Row(i, r.role, FIRST_ROW + k) for k, (i, r) in enumerate(mine))
            sheets.append(SheetLayout(s.code, s.sheet, f"{s.code}. {s.title}", rows))
    return tuple(sheets)


def layout_hash(sheets) -> str:
    """SHA-256 over what the agency may not change: each row's locked text and input cells.

    Sheet names and row and column positions are left out: a renamed sheet or a moved
    column is reported, but does not make the return unreadable.
    """
    rows = sorted((r.indicator.code, r._locked()[1]) for s in sheets for r in s.rows)
    # json.dumps({"format": ..., "headers": ..., "rows": [[code, locked text, inputs, section], ...]},
    # ensure_ascii=False, sort_keys=True), each row's entry dumped once per indicator and role
    head = json.dumps({"format": FORMAT, "headers": list(REQUIRED_HEADERS)}, ensure_ascii=False, sort_keys=True)
    blob = f'{head[:-1]}, "rows": [{", ".join(entry for _, entry in rows)}]}}'
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def row_height(texts, font=None) -> float:
    """Row height (points) that shows wrapped text whole, from (column width, text) or (column width, text, Font)
    triples, measured with the fonts' glyph widths (parxl.textfit; Times New Roman 11 pt unless a cell says).

    LibreOffice does not grow rows by itself in files it did not write, so every writer sets them."""
    return fit_height(((c[0], c[1], c[2] if len(c) > 2 else font or BODY) for c in texts))

