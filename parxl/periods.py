"""Reporting periods: ``YYYY-Qn``, their data windows and return due dates.

The periodic CCHC reporting regime cuts data off on the 14th of the quarter's last
month: Q1 covers 15/12 (previous year) – 14/3, Q2 (the six-month report) 15/12 – 14/6,
Q3 15/6 – 14/9 and Q4 (the annual report) 15/12 – 14/12.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .errors import UsageError

_RE = re.compile(r"^(\d{4})-Q([1-4])$")
DEFAULT_DUE_DAYS = 6  # returns are due on the 20th of the quarter's last month by default

_KIND_VI = {1: "Báo cáo quý I", 2: "Báo cáo 6 tháng", 3: "Báo cáo quý III", 4: "Báo cáo năm"}


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int
    due: dt.date

    @classmethod
    def parse(cls, text: str, due: dt.date | None = None) -> "Period":
        m = _RE.match(text.strip())
        if not m:
            raise UsageError(f"period {text!r} is not of the form YYYY-Qn (e.g. 2024-Q3)")
        year, q = int(m.group(1)), int(m.group(2))
        end = dt.date(year, 3 * q, 14)
        due = due or end + dt.timedelta(days=DEFAULT_DUE_DAYS)
        if due < end:
            raise UsageError(f"due date {due:%d/%m/%Y} is before the data window closes ({end:%d/%m/%Y})")
        return cls(year, q, due)

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        end = dt.date(self.year, 3 * self.quarter, 14)
        start = dt.date(self.year, 6, 15) if self.quarter == 3 else dt.date(self.year - 1, 12, 15)
        return start, end

    @property
    def evidence_window(self) -> tuple[dt.date, dt.date]:
        """The dates a document cited as evidence may bear: from the start of the reporting year's data
        (15/12 of the year before: a task done in an earlier quarter still counts) to the due date.
        One definition, used by the date validation, the cover text and the merge's date check."""
        return dt.date(self.year - 1, 12, 15), self.due

    def evidence_window_vi(self) -> str:
        a, b = self.evidence_window
        return f"{a:%d/%m/%Y} – {b:%d/%m/%Y}"

    @property
    def label_vi(self) -> str:
        return f"{_KIND_VI[self.quarter]} năm {self.year}"

    def window_vi(self) -> str:
        a, b = self.window
        return f"{a:%d/%m/%Y} – {b:%d/%m/%Y}"

    def __str__(self) -> str:
        return self.code
