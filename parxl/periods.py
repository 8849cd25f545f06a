"""Reporting periods: ``YYYY-Qn``, their data windows and return due dates.

The periodic CCHC reporting regime cuts data off on the 14th of the quarter's last
month: Q1 covers 15/12 (previous year) – 14/3, Q2 (the six-month report) 15/12 – 14/6,
Q3 15/6 – 14/9 and Q4 (the annual report) 15/12 – 14/12.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from .errors import UsageError
from .i18n import _

# What people type for a quarter, once lower-cased and with "quý"/"quarter" written "q" and "năm"/"year"
# dropped: 2024-Q3, 2024q3, 2024 Q3, 2024/Q3, Q3-2024, Q3/2024, quý 3 2024, quý III năm 2024.
_Q = r"q\s*([1-4]|iv|i{1,3})"
_SEP = r"\s*[-/.,_ ]?\s*"
_YEAR_FIRST = re.compile(rf"^(\d{{4}}){_SEP}{_Q}$")
_QUARTER_FIRST = re.compile(rf"^{_Q}{_SEP}(\d{{4}})$")
_BARE = re.compile(r"^(\d{4})\s*[-/.]\s*0?([1-4])$")         # 2024-3: a quarter or a month? asked, not guessed
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
DEFAULT_DUE_DAYS = 6  # returns are due on the 20th of the quarter's last month by default

# what each quarter's report is called: Q2's is the six-month report, Q4's the annual report.  The one table of
# period names: titles, sentences and column headings are built from it (Period.label_vi, words_vi, heading_vi).
REPORT_VI = {1: "quý I", 2: "6 tháng", 3: "quý III", 4: "năm"}


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int
    due: dt.date

    @classmethod
    def parse(cls, text: str, due: dt.date | None = None) -> "Period":
        """``YYYY-Qn``, read case-insensitively and in the common spellings (``2024q3``, ``Q3/2024``,
        ``quý 3 2024``, ``quý III năm 2024``); anything else is refused with the form to use."""
        year, q = _read(text)
        end = dt.date(year, 3 * q, 14)
        due = due or end + dt.timedelta(days=DEFAULT_DUE_DAYS)
        if due < end:
            raise UsageError(_("due date {due} is before the data window closes ({end})").format(
                due=f"{due:%d/%m/%Y}", end=f"{end:%d/%m/%Y}"))
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
        """"Báo cáo quý I năm 2024", "Báo cáo 6 tháng năm 2024", … "Báo cáo năm 2024" (not "năm năm")."""
        return f"Báo cáo {self.words_vi}"

    @property
    def words_vi(self) -> str:
        """"quý III năm 2024", "6 tháng năm 2024", "năm 2024": the period as a title or a sentence says it."""
        kind = REPORT_VI[self.quarter]
        return f"{kind} {self.year}" if kind == "năm" else f"{kind} năm {self.year}"

    @property
    def heading_vi(self) -> str:
        """"Quý III 2024", "6 tháng 2024", "Năm 2024": the period as a column heading."""
        kind = REPORT_VI[self.quarter]
        return f"{kind[0].upper()}{kind[1:]} {self.year}"

    def window_vi(self) -> str:
        a, b = self.window
        return f"{a:%d/%m/%Y} – {b:%d/%m/%Y}"

    def __str__(self) -> str:
        return self.code


def _read(text: str) -> tuple[int, int]:
    s = unicodedata.normalize("NFC", text or "").strip().lower()
    s = re.sub(r"\b(quý|quy|quarter|qtr)\b\.?", "q", s)
    s = re.sub(r"\b(năm|nam|year)\b", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    m = _YEAR_FIRST.match(s)
    if m:
        return int(m.group(1)), _quarter(m.group(2))
    m = _QUARTER_FIRST.match(s)
    if m:
        return int(m.group(2)), _quarter(m.group(1))
    m = _BARE.match(s)
    if m:
        raise UsageError(_("period {text!r}: write the quarter with a Q, e.g. {example} for quarter {q} of {year}")
                         .format(text=text, example=f"{m.group(1)}-Q{int(m.group(2))}", q=int(m.group(2)),
                                 year=m.group(1)))
    year = re.search(r"\b(\d{4})\b", s)
    example = f"{year.group(1) if year else dt.date.today().year}-Q3"
    raise UsageError(_("period {text!r} is not a quarter; write it as YEAR-Qn, e.g. {example}")
                     .format(text=text, example=example))


def _quarter(s: str) -> int:
    return _ROMAN[s] if s in _ROMAN else int(s)
