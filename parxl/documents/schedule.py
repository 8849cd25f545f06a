"""When a task of the plan falls due, in reporting periods, for the documents: the deadline is read once, by
parxl.deadlines (``Task.due``); this module only asks it the documents' questions.

A task is *due by* a period when its deadline falls in or before that period, or when it recurs; a deadline
that could not be read is judged as if due (parxl.deadlines' rule).  It is *due in* the next period when it
recurs or its deadline falls after this period's end and by the next one's."""
from __future__ import annotations

from ..deadlines import Due, report_end
from ..periods import Period
from ..plan import Task


def due_by(task: Task, period: Period) -> bool:
    """Is the task due by the end of ``period``?"""
    return task.due.at(period) is not Due.NOT_YET


def ongoing(task: Task) -> bool:
    return task.due.recurring


def due_in(task: Task, period: Period) -> bool:
    """Does the task fall due in ``period`` itself (it recurs, or its deadline lies in that period)?"""
    d = task.due
    if d.recurring:
        return True
    if d.due is None:
        return False
    before = previous_period(period)
    return report_end(before) < d.due <= report_end(period)


def next_period(period: Period) -> Period:
    q, y = period.quarter % 4 + 1, period.year + (period.quarter == 4)
    return Period.parse(f"{y}-Q{q}")


def previous_period(period: Period) -> Period:
    q, y = (period.quarter - 2) % 4 + 1, period.year - (period.quarter == 1)
    return Period.parse(f"{y}-Q{q}")
