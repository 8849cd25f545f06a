"""A merge's bookkeeping in the ledger: what :func:`parxl.merge.merge_to_files` asks of it before the outputs
are written (:func:`prepare`: what resubmitted returns changed, the previous period's figures, the year so far,
put on the ``Report``) and after they are published (:func:`finish`: the run recorded).

Neither raises for the ledger's sake: the consolidated workbook is written whatever the ledger's state, and
a problem is put in ``Report.ledger_problem`` for the caller to print.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from .checks import Result
from .errors import LedgerError
from .ledger import Ledger
from .report import Report
from .resubmissions import resubmission_changes


def prepare(report: Report, ledger: Path | None,
            reread: Callable[[str], dict[str, Result] | None] | None = None) -> Ledger | None:
    """Before the outputs are written: the changes on resubmission (same folder, and against the ledger), the
    previous period's figures and the year so far, put on ``report``.  Returns the open ledger to record into
    (None without one, or when it cannot be used: ``report.ledger_problem`` then says why).  Never raises for
    the ledger's sake: the consolidated workbook must not depend on it."""
    led = None
    if ledger is not None:
        try:
            led = Ledger.open(ledger)
            led.refuse_other_province(report.plan.province)
            report.changes = resubmission_changes(report, reread, led.earlier_return(report))
            prev = led.previous_figures(report.plan.id, report.period)
            report.previous_period, report.previous = prev if prev else (None, {})
            trend = {p: f for p, f in led.year_figures(report.plan.id, report.period.year).items()
                     if p < report.period.code}
            last = led.current_run(None, f"{report.period.year - 1}-Q{report.period.quarter}")
            if last is not None:
                trend = {f"{report.period.year - 1}-Q{report.period.quarter}": led.figures(last), **trend}
            report.trend = trend
            report.year_returns = {p: v for p, v in led.year_returns(report.plan.id, report.period.year).items()
                                   if p < report.period.code}
            report.ledger_notice = led.operator_notice()
            return led
        except LedgerError as e:
            report.ledger_problem = str(e)
            report.trend = report.year_returns = None
            report.previous_period, report.previous = None, {}
            if led is not None:
                led.close()
    report.changes = resubmission_changes(report, reread)
    return None


def finish(report: Report, led: Ledger | None, options: dict | None = None, key: bytes | None = None) -> None:
    """After the outputs are published: record the run (its agency values sealed with ``key``).  A problem
    goes to ``report.ledger_problem``: the run is then not recorded, which the operator must be told."""
    if led is None:
        return
    try:
        run, added = led.record(report, options=options, key=key)
        report.ledger_run = run
    except LedgerError as e:
        report.ledger_problem = str(e)
    finally:
        led.close()
