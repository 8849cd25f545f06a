"""Who returned what, and when: each agency's return for the period as on time, late by n days, not returned,
or refused (a file came but could not be used).  One rule for the draft report, the reminders and the
timeliness table: a return is late when the Vietnam day of the time that dated it (parxl.merge) is after
the period's due date (parxl.periods); days overdue count Vietnam days."""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

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
    by_name: bool = False                   # refused: the agency's only by the files' names (unreadable files)

    def label_vi(self) -> str:
        if self.standing is Standing.LATE:
            return f"Muộn {self.days_late} ngày"
        return self.standing.vi + (" (theo tên tệp)" if self.by_name else "")


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


def agency_by_name(file: str, agencies: list[str]) -> str | None:
    """The agency a file's name points to, for a file that could not be read at all (so says nothing itself):
    the one agency code among the name's words ("2024-Q3_BTCD.xlsx", the name parxl gives; "btcd_baocao.xlsx"),
    compared without case; None when no code or several are there."""
    words = {w.casefold() for w in re.split(r"[^0-9A-Za-z]+", PurePosixPath(file).stem) if w}
    found = [a for a in agencies if a.casefold() in words]
    return found[0] if len(found) == 1 else None


def collection(report: Report, as_of: dt.date | None = None) -> list[AgencyReturn]:
    """Every reporting agency's standing for the report's period, in registry order.  ``as_of`` (default:
    today in Vietnam) counts the days overdue of the agencies that have not returned.  A rejected file that
    names no agency (it could not be read) counts as the agency its file name points to (:func:`agency_by_name`),
    marked ``by_name``: weaker evidence, which the documents say."""
    as_of = as_of or today_vietnam()
    agencies = report.plan.reporting_agencies()
    accepted = {r.agency: r for r in report.returns if r.status is ReturnStatus.ACCEPTED and r.agency}
    refused: dict[str, list[str]] = {}
    named: dict[str, list[str]] = {}
    for r in report.returns:
        if r.status is ReturnStatus.REJECTED and r.agency:
            refused.setdefault(r.agency, []).append(r.file)
        elif r.status is ReturnStatus.REJECTED and (a := agency_by_name(r.file, agencies)):
            named.setdefault(a, []).append(r.file)
    out = []
    times = report.return_times()
    for a in agencies:
        e = accepted.get(a)
        # dated as the merge dates it: its first valid return (a correction sent later does not make it late),
        # by the receipt log's day when the return is in it, else its save time
        out.append(standing(report.period.due, times.first_dated(a) if e else None, e is not None,
                            refused.get(a) or named.get(a, []), a,
                            as_of))
        if out[-1].standing is Standing.REFUSED and a not in refused:
            out[-1] = dataclasses.replace(out[-1], by_name=True)
    return out
