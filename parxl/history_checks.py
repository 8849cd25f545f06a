"""A report read against the agency's own history in the ledger: figures that contradict the year.

Every period of a year counts from 15/12 of the year before (Quý I to 14/3, 6 tháng to 14/6, năm to 14/12:
see parxl.periods), so within a year an agency's figures can only grow, and the figure of a past baseline
year cannot change.  Three rules, each a warning (the figure is still used: the officer checks it with the
agency), each naming the earlier value, its period, its file and cell:

* ``history.shrank`` — a cumulative figure below the agency's largest earlier figure of the same year and
  plan.  Cumulative are the whole-number figures an agency counts: a rate's numerator and denominator, a
  count (:meth:`Measure.whole`); a change's "this year" figure is a level (staff, units), not a running
  total, and a rate itself may fall;
* ``history.baseline-changed`` — a baseline-year figure that differs from the one the agency last reported
  in the same year and plan;
* ``history.outlier`` — any figure typed (numerator, denominator, count, this year's figure) outside
  [min ÷ 10, max × 10] of the agency's own earlier non-zero values of it, with at least 2 of them, in any
  earlier period the ledger holds (a min–max band as DHIS2's outlier checks; a cumulative figure grows at
  most about fourfold within a year, so only a slip of a digit or a wrong unit leaves the band).  Not
  reported where the same figure already broke one of the two rules above.

What is read from the ledger is only what it recorded and can vouch for (:meth:`Ledger.recorded_before`).
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Iterable

from .checks import Checked, Result
from .errors import LedgerError
from .findings import Finding
from .layout import COLUMNS
from .measures import measure_of
from .periods import Period
from .plan import Plan
from .vocab import format_number

EMITS = frozenset({"history.shrank", "history.baseline-changed", "history.outlier"})   # the codes added here

OUTLIER_FACTOR = 10          # the band around the agency's own earlier values: [min / 10, max × 10]
OUTLIER_MIN_HISTORY = 2      # earlier non-zero values needed before a figure can be called far from them

# input key → the Result attribute / ledger field holding it
_FIELD = {"numerator": "numerator", "denominator": "denominator", "value": "current", "baseline": "baseline"}
_HEADER = {c.key: c.header for c in COLUMNS}


def cumulative_keys(ind) -> tuple[str, ...]:
    """The inputs of ``ind`` that count things since the year's start: whole numbers, not a baseline, of an
    indicator whose figures are running totals (the plan's ``cumulative``; by default counts are, rates are not:
    a rate's denominator is often a stock — procedures in force, staff — that may fall)."""
    m = measure_of(ind)
    if not m.cumulative(ind):
        return ()
    return tuple(k for k in m.inputs(ind) if k in ("numerator", "denominator", "value") and m.whole(k))


def baseline_keys(ind) -> tuple[str, ...]:
    return tuple(k for k in measure_of(ind).inputs(ind) if k == "baseline")


def figure_keys(ind) -> tuple[str, ...]:
    """Every figure the agency types for ``ind``, baseline aside (the outlier rule)."""
    return tuple(k for k in measure_of(ind).inputs(ind) if k in ("numerator", "denominator", "value"))


def history_findings(plan: Plan, period: Period, results: Iterable[Result], earlier: Iterable) -> list[Finding]:
    """The warnings on ``results`` (one report's or one file's) against ``earlier``
    (:class:`parxl.ledger.Recorded`, oldest first), in the order of ``results``."""
    by = {}
    for e in earlier:
        by.setdefault((e.agency, e.indicator), []).append(e)
    indicators = {i.code: i for i in plan.indicators}
    out: list[Finding] = []
    for r in results:
        ind = indicators.get(r.indicator)
        past = by.get((r.agency, r.indicator))
        if ind is None or not past or not r.sheet:
            continue
        cells = dict(r.cells)
        # the same plan and version: a new version may move a baseline year or redefine a figure
        this_year = [e for e in past if e.year == period.year and e.plan_id == plan.id
                     and e.plan_version == plan.version]
        flagged = set()
        loc = dict(file=r.file, agency=r.agency, sheet=r.sheet, indicator=r.indicator)
        for key in cumulative_keys(ind):
            now = getattr(r, _FIELD[key])
            before = [e for e in this_year if _FIELD[key] in e.numbers]
            if now is None or not before:
                continue
            top = max(before, key=lambda e: (e.numbers[_FIELD[key]], e.quarter))
            if now < top.numbers[_FIELD[key]]:
                flagged.add(key)
                out.append(Finding("history.shrank", cell=cells.get(key), seen=_what(key, now),
                                   expected=_source(key, top), **loc))
        for key in baseline_keys(ind):
            now = getattr(r, _FIELD[key])
            before = [e for e in this_year if _FIELD[key] in e.numbers]
            if now is None or not before:
                continue
            last = before[-1]
            if now != last.numbers[_FIELD[key]]:
                flagged.add(key)
                out.append(Finding("history.baseline-changed", cell=cells.get(key), seen=format_number(now),
                                   expected=_source(key, last), **loc))
        for key in figure_keys(ind):
            now = getattr(r, _FIELD[key])
            if now is None or key in flagged:
                continue
            band = outlier_band([e for e in past if e.numbers.get(_FIELD[key])], _FIELD[key])
            if band is None:
                continue
            lo, hi, smallest, largest, n = band
            if now < lo or now > hi:
                out.append(Finding("history.outlier", cell=cells.get(key), seen=_what(key, now),
                                   expected=f"từ {format_number(lo)} đến {format_number(hi)} (chia và nhân "
                                            f"{OUTLIER_FACTOR} lần số nhỏ nhất và lớn nhất của {n} số đã báo cáo: "
                                            f"{_source(key, smallest)}; {_source(key, largest)})", **loc))
    return out


def outlier_band(earlier: list, field: str):
    """(low, high, the smallest, the largest, how many) of the band [min ÷ 10, max × 10] around the earlier
    non-zero values of ``field``; None with fewer than :data:`OUTLIER_MIN_HISTORY` of them."""
    if len(earlier) < OUTLIER_MIN_HISTORY:
        return None
    smallest = min(earlier, key=lambda e: e.numbers[field])
    largest = max(earlier, key=lambda e: e.numbers[field])
    return (smallest.numbers[field] / OUTLIER_FACTOR, largest.numbers[field] * OUTLIER_FACTOR,
            smallest, largest, len(earlier))


def _what(key: str, x: Fraction) -> str:
    return f"{_HEADER[key]}: {format_number(x)}"


def _source(key: str, e) -> str:
    """An earlier value with its period, file and cell: "1.893 (Báo cáo quý I năm 2024, tệp x.xlsx, ô H12)"."""
    try:
        label = Period.parse(e.period).label_vi
    except Exception:       # a period code the ledger holds is always readable; never fail a warning on it
        label = e.period
    where = f", tệp {e.file}" if e.file else ""
    cell = e.cells.get(key)
    where += f", ô {cell}" if cell else ""
    return f"{format_number(e.numbers[_FIELD[key]])} ({label}{where})"


# -- where the rule is applied ----------------------------------------------------------------------

def add_to_report(report, led, key: bytes | None) -> None:
    """The merge's hook: the warnings on every result of ``report`` against the open ledger ``led`` (before
    this run is recorded), added to ``report.findings``.  Never raises: a ledger that cannot be read here
    is said in ``report.ledger_notice``."""
    agencies = {r.agency for r in report.results if r.sheet}
    before = len(led.unreadable)
    try:
        earlier = led.recorded_before(report.period, agencies, key)
    except LedgerError as e:
        report.ledger_notice = "\n".join(x for x in (report.ledger_notice, str(e)) if x)
        return
    report.findings.extend(history_findings(report.plan, report.period, report.results, earlier))
    if len(led.unreadable) > before:
        report.ledger_notice = led.operator_notice()


def add_to_checked(checked: list[Checked], plan: Plan, period: Period | None, ledger: str | Path,
                   key: bytes | None) -> None:
    """``parxl check FILES --ledger L``: each accepted file's warnings against the ledger, added to its
    findings; each file is read against the period it is for (``period``, else the one it claims).  Raises
    :class:`LedgerError` when the ledger is missing or cannot be used."""
    from .ledger import Ledger
    with Ledger.open(ledger, create=False) as led:
        for c in checked:
            if not (c.accepted and c.agency and c.results):
                continue
            try:
                per = period or Period.parse(c.identity.get("period", ""))
            except Exception:
                continue
            earlier = led.recorded_before(per, [c.agency], key)
            c.findings.extend(history_findings(plan, per, c.results.values(), earlier))
