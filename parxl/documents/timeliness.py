"""Timeliness over the year, as DHIS2's reporting-rate reports show it: agencies × periods, each cell "Đúng hạn",
"Muộn n ngày", "Chưa nộp" or "Bị từ chối", from the ledger's record of each period's current run
(:meth:`parxl.ledger.Ledger.year_returns`), judged by the one rule of parxl.documents.collection.

The ledger does not record a period's due date: a period is judged against its default due date
(parxl.periods), except the period of the report at hand, judged against the report's own due date.
:func:`timeliness_table` gives the table as rows of text for the consolidated workbook (sheet "Đúng hạn cả năm");
:func:`add_table` puts it in a .docx."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..periods import Period
from ..plan import Plan
from .collection import AgencyReturn, Standing, standing

@dataclass(frozen=True)
class Timeliness:
    year: int
    periods: tuple[str, ...]                                     # period codes recorded, oldest first
    rows: tuple[tuple[str, tuple[AgencyReturn | None, ...]], ...]  # agency → its standing each period (None: not due)


def year_timeliness(ledger: str | Path, plan: Plan, year: int, due: dict[str, dt.date] | None = None) -> Timeliness:
    """The year's table from the ledger at ``ledger`` (opened read-only in effect: nothing is written).
    ``due`` overrides a period's due date (period code → date)."""
    from ..ledger import Ledger
    with Ledger.open(ledger, create=False) as led:
        recorded = led.year_returns(plan.id, year)
    return timeliness_of(recorded, plan, year, due)


def timeliness_of(recorded: dict[str, tuple[list[str], list[dict]]], plan: Plan, year: int,
                  due: dict[str, dt.date] | None = None,
                  judged: dict[str, list[AgencyReturn]] | None = None) -> Timeliness:
    """The year's table from what :meth:`parxl.ledger.Ledger.year_returns` gave (``recorded``), and ``judged``:
    periods already judged (period code → each agency's standing), such as the period of a report not yet
    recorded (:func:`parxl.documents.collection.collection`), in place of what the ledger holds of them."""
    due = due or {}
    recorded = {code: v for code, v in recorded.items() if code not in (judged or {})}
    table: dict[str, dict[str, AgencyReturn]] = {}
    for code, standings in (judged or {}).items():
        for x in standings:
            table.setdefault(x.agency, {})[code] = x
    for code, (agencies, files) in recorded.items():
        d = due.get(code) or Period.parse(code).due
        accepted = {f["agency"]: f for f in files if f["status"] == "accepted" and f["agency"]}
        refused: dict[str, list[str]] = {}
        for f in files:
            if f["status"] == "rejected" and f["agency"]:
                refused.setdefault(f["agency"], []).append(f["path"])
        for a in agencies:
            e = accepted.get(a)
            at = dt.datetime.fromisoformat(e["saved_at"]) if e and e["saved_at"] else None
            table.setdefault(a, {})[code] = standing(d, at, e is not None, refused.get(a, []), a, d)
    order = [a for a in plan.registry.agencies if a in table] + sorted(a for a in table
                                                                       if a not in plan.registry.agencies)
    periods = tuple(sorted({*recorded, *(judged or {})}))
    return Timeliness(year, periods, tuple((a, tuple(table[a].get(p) for p in periods)) for a in order))


def report_timeliness(report, ledger: str | Path | None) -> Timeliness | None:
    """The year of ``report`` (a parxl.report.Report) from ``ledger``, its own period judged against its own due
    date; None without a ledger file.  (The consolidated workbook, written before its run is recorded, takes
    the ledger's earlier periods from ``report.year_returns``, its own period from the report:
    :func:`timeliness_of`.)"""
    if ledger is None or not Path(ledger).exists():
        return None
    return year_timeliness(ledger, report.plan, report.period.year, {report.period.code: report.period.due})


def cell_vi(x: AgencyReturn | None) -> str:
    if x is None:
        return ""
    return {Standing.ON_TIME: "Đúng hạn", Standing.LATE: f"Muộn {x.days_late} ngày", Standing.MISSING: "Chưa nộp",
            Standing.REFUSED: "Bị từ chối"}[x.standing]


def timeliness_table(t: Timeliness, plan: Plan) -> tuple[list[str], list[list[str]]]:
    """The table as text, for the consolidated workbook: headers, then one row per agency (code, name, each
    period), then the row of on-time returns per period ("40/46")."""
    heads = ["Mã", "Cơ quan"] + [Period.parse(p).heading_vi for p in t.periods]
    reg = plan.registry
    rows = [[a, reg.name(a) if a in reg.agencies else a, *[cell_vi(x) for x in cells]] for a, cells in t.rows]
    totals = ["", "Số báo cáo đúng hạn / phải nộp"]
    for k in range(len(t.periods)):
        col = [cells[k] for _a, cells in t.rows if cells[k] is not None]
        totals.append(f"{sum(x.standing is Standing.ON_TIME for x in col)}/{len(col)}")
    return heads, rows + [totals]


def add_table(doc, t: Timeliness, plan: Plan, number: str, title: str) -> None:
    """The table as an appendix of a .docx (after a page break)."""
    from . import form      # python-docx: the consolidated workbook's timeliness sheet does without it
    doc.add_page_break()
    form.para(doc, number, bold=True, align="center", after=0)
    form.para(doc, f"{title} {t.year}", bold=True, align="center", after=6)
    if not t.periods:
        form.para(doc, "Sổ theo dõi chưa ghi nhận kỳ báo cáo nào của năm.")
        return
    heads, rows = timeliness_table(t, plan)
    w = form.usable_width_cm(doc)
    n = len(t.periods)
    form.grid(doc, heads, rows, [2.7, w - 2.7 - 2.9 * n, *[2.9] * n], size=10,
              align=["left", "left", *["center"] * n], fill=_colour)


def _colour(text: str) -> str | None:
    """The cell's colour, as reporting-rate tables show it: late amber, not returned or refused red."""
    if text.startswith("Muộn"):
        return "FFE699"
    if text in ("Chưa nộp", "Bị từ chối"):
        return "F8CBAD"
    return None
