"""What a resubmitted return changed: for each agency whose winning return replaced another, every field that
differs, cell by cell (the consolidated workbook's sheet "Nộp lại", the JSON report's ``changes``, the ledger's
``changes`` table).

The return replaced is the one the ledger recorded for the agency in the run a merge is compared with
(:meth:`parxl.ledger.Ledger.earlier_return`), else, with or without a ledger, the latest return of the agency
that the winner superseded in the same folder.  Values are compared as the ledger stores them
(:func:`parxl.ledger.result_fields`: numbers as exact fractions, dates ISO), so a change reads the same
whichever of the two the old value came from.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from .checks import Result
from .ledger import decode, result_fields
from .report import ACCEPTED, SUPERSEDED, Change, Report


def resubmission_changes(report: Report, reread: Callable[[str], dict[str, Result] | None] | None = None,
                         earlier: Callable[[str], tuple[str, str, dict, int] | None] | None = None) -> list[Change]:
    """For each agency whose return replaced another, every field that differs (indicator, field, old, new,
    old and new file, the field's cell in the new file), in the plan's order.

    The replaced return is the one ``earlier(agency)`` gives (the ledger's previous run) when its hash
    differs from the winner's, else the latest superseded return of the agency in this folder, whose values
    ``reread(file)`` gives (the merge drops a superseded return's values to keep memory flat)."""
    order = {i.code: k for k, i in enumerate(report.plan.indicators)}
    new_by_agency: dict[str, list[Result]] = {}
    for r in report.results:
        new_by_agency.setdefault(r.agency, []).append(r)
    superseded: dict[str, list] = {}
    for s in report.returns:
        if s.status is SUPERSEDED:
            superseded.setdefault(s.agency, []).append(s)
    out: list[Change] = []
    for e in report.returns:
        if e.status is not ACCEPTED or not e.agency:
            continue
        old = earlier(e.agency) if earlier else None
        old_file, old_vals, old_run = None, None, None
        if old and old[1] == e.sha256:
            continue              # the same file as last time: nothing was resubmitted since
        if old:
            old_file, _, old_vals, old_run = old
        else:
            rivals = superseded.get(e.agency, [])
            if rivals and reread:
                last = max(rivals, key=lambda s: (s.saved_at or dt.datetime.min.replace(tzinfo=dt.timezone.utc),
                                                  s.file))
                got = reread(last.file)
                if got:
                    old_file = last.file
                    old_vals = {code: result_fields(r) for code, r in got.items()}
        if old_vals is None:
            continue
        for r in sorted(new_by_agency.get(e.agency, []), key=lambda r: order.get(r.indicator, 0)):
            before = old_vals.get(r.indicator)
            if before is None:
                continue
            cells = dict(r.cells)
            for f, new in result_fields(r).items():
                if before.get(f) != new:
                    cell = cells.get(f) or (cells.get("value") if f == "current" else None)
                    out.append(Change(e.agency, r.indicator, f, before.get(f), new, old_file, e.file, cell, old_run))
    return out


def display(field: str, text: str | None) -> Any:
    """A changed value (as stored, :attr:`Change.old` / :attr:`Change.new`) as a person reads it: a number, a
    date, the Vietnamese word of a task status or a verdict, or the text."""
    if field in ("status", "verdict"):
        try:
            return decode(field, text).vi if text is not None else None
        except ValueError:
            return text
    return decode(field, text)
