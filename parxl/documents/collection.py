"""Who returned what, and when: each agency's return for the period as on time, late by n days, not returned,
or refused (a file came but could not be used).  One rule for the draft report, the reminders and the
timeliness table: a return is late when the Vietnam day of the time that dated it (parxl.merge) is after
the period's due date (parxl.periods); days overdue count Vietnam days."""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from ..report import Report
from ..vocab import VIETNAM, ReturnStatus, vietnam_time


class Standing(str, enum.Enum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"        # no file from the agency
    REFUSED = "refused"        # files came, none could be used (rejected)

    @property
    def vi(self) -> str:
        return {"on_time": "Đúng hạn", "late": "Muộn", "missing": "Chưa nộp", "refused": "Bị từ chối"}[self.value]


@dataclass(frozen=True)
class AgencyReturn:
    agency: str
    standing: Standing
    saved_at: dt.datetime | None = None     # the accepted return's time (the one that decided it)
    days_late: int = 0                      # late: days after the due date; missing/refused: days overdue so far
    files: tuple[str, ...] = ()             # refused: the files that could not be used

    def label_vi(self) -> str:
        if self.standing is Standing.LATE:
            return f"Muộn {self.days_late} ngày"
        return self.standing.vi


def today_vietnam() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def days_after(due: dt.date, day: dt.date) -> int:
    return max(0, (day - due).days)


def standing(due: dt.date, accepted_at: dt.datetime | None, accepted: bool, refused: list[str],
             agency: str, as_of: dt.date) -> AgencyReturn:
    """An agency's standing from what its files were: the one rule (used on a Report and on the ledger)."""
    if accepted:
        late = days_after(due, vietnam_time(accepted_at).date()) if accepted_at else 0
        return AgencyReturn(agency, Standing.LATE if late else Standing.ON_TIME, accepted_at, late)
    kind = Standing.REFUSED if refused else Standing.MISSING
    return AgencyReturn(agency, kind, None, days_after(due, as_of), tuple(refused))


def collection(report: Report, as_of: dt.date | None = None) -> list[AgencyReturn]:
    """Every reporting agency's standing for the report's period, in registry order.  ``as_of`` (default:
    today in Vietnam) counts the days overdue of the agencies that have not returned."""
    as_of = as_of or today_vietnam()
    accepted = {r.agency: r for r in report.returns if r.status is ReturnStatus.ACCEPTED and r.agency}
    refused: dict[str, list[str]] = {}
    for r in report.returns:
        if r.status is ReturnStatus.REJECTED and r.agency:
            refused.setdefault(r.agency, []).append(r.file)
    out = []
    for a in report.plan.reporting_agencies():
        e = accepted.get(a)
        # dated as the merge dates it: its first valid return (a correction sent later does not make it late),
        # by the receipt log's day when the return is in it, else its save time
        out.append(standing(report.period.due, report.first_dated(a) if e else None, e is not None,
                            refused.get(a, []), a,
                            as_of))
    return out
