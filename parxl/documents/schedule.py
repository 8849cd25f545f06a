"""When a task of the plan falls due, read from its deadline as the plan writes it ("Trong năm 2024",
"Quý II/2024", "Tháng 6/2024", "Trước ngày 30/6/2024", "Thường xuyên"), in reporting periods.

A task is *due in* a period when its deadline falls in that period or before it, or when it is ongoing
("Thường xuyên", "Hằng quý", "Định kỳ"); a deadline parxl cannot place ("Theo kế hoạch của Bộ Nội vụ") is
never due, and the documents say so rather than guess.  A deadline of the whole year ("Trong năm 2024",
"Năm 2024") falls in the annual report's period (Q4)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..periods import Period
from ..plan import Task
from ..targets import fold

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_ONGOING = re.compile(r"\b(thuong xuyen|hang quy|hang thang|dinh ky|hang nam|lien tuc)\b")
_QUARTER = re.compile(r"\bquy\s*(iv|i{1,3}|[1-4])\b\s*(?:/|nam|-)?\s*(\d{4})?")
_HALF = re.compile(r"\b6 thang (?:dau )?nam\b\s*(\d{4})?")
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_MONTH = re.compile(r"\bthang\s*(\d{1,2})\s*(?:/|nam|-)\s*(\d{4})\b")
_YEAR = re.compile(r"\b(?:trong |ca |cuoi )?nam\s*(\d{4})\b|^(\d{4})$")


@dataclass(frozen=True)
class Due:
    ongoing: bool = False
    year: int | None = None
    quarter: int | None = None      # the reporting quarter the deadline falls in (None: unknown)

    @property
    def known(self) -> bool:
        return self.ongoing or self.quarter is not None


def due_of(deadline: str, plan_year: int) -> Due:
    """Where a deadline falls, in the plan's year when it names no year."""
    f = " ".join(fold(unicodedata.normalize("NFC", deadline)).split())
    if _ONGOING.search(f):
        return Due(ongoing=True)
    if m := _DATE.search(f):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if 1 <= mo <= 12:
            return Due(year=y, quarter=_quarter_of_day(mo, d))
    if m := _QUARTER.search(f):
        q = m.group(1)
        return Due(year=int(m.group(2) or plan_year), quarter=_ROMAN.get(q) or int(q))
    if m := _HALF.search(f):
        return Due(year=int(m.group(1) or plan_year), quarter=2)
    if m := _MONTH.search(f):
        mo = int(m.group(1))
        if 1 <= mo <= 12:
            return Due(year=int(m.group(2)), quarter=(mo - 1) // 3 + 1)
    if m := _YEAR.search(f):
        return Due(year=int(m.group(1) or m.group(2)), quarter=4)
    return Due()


def _quarter_of_day(month: int, day: int) -> int:
    """The quarter a dated deadline falls in (its calendar quarter: a task due on 30/6 is reported as due in
    the six-month report, although that report's data is cut off on 14/6)."""
    return (month - 1) // 3 + 1


def due_by(task: Task, period: Period, plan_year: int) -> bool:
    """Is the task due by the end of ``period`` (ongoing, or dated in or before it)?"""
    d = due_of(task.deadline, plan_year)
    if d.ongoing:
        return True
    return d.quarter is not None and (d.year, d.quarter) <= (period.year, period.quarter)


def next_period(period: Period) -> Period:
    q, y = period.quarter % 4 + 1, period.year + (period.quarter == 4)
    return Period.parse(f"{y}-Q{q}")


def due_in(task: Task, period: Period, plan_year: int) -> bool:
    """Does the task fall due in ``period`` itself (ongoing, or dated in it)?"""
    d = due_of(task.deadline, plan_year)
    return d.ongoing or (d.quarter is not None and (d.year, d.quarter) == (period.year, period.quarter))


def period_words(period: Period) -> str:
    """"quý III năm 2024", "6 tháng năm 2024", "năm 2024": the period as a title or a sentence says it."""
    label = period.label_vi
    return label[len("Báo cáo "):] if label.startswith("Báo cáo ") else label
