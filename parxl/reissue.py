"""A workbook re-issued to an agency to correct its return: its own values already in, the cells to fix marked.

After a merge, an agency whose return has errors, missing data or missing evidence gets back the same
period's workbook, signed anew with the secretariat's key, holding the values it sent (so the clerk corrects
instead of retyping) and, on each cell a finding points at, a red mark and a note saying why.  Its values are
prefilled and signed like values carried over from last period (:mod:`parxl.carryover`), with the name of the
return it corrects (the signed ``refill`` field): sent back untouched, it is not a return
(``return.reissued-untouched``) and the first return stands; corrected, it supersedes the first return's
values as any later return does, while the agency's timeliness stays that of its first valid return.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable

from xlsxwriter.utility import xl_col_to_name

from .checks import Result
from .findings import Finding, Severity
from .layout import COL
from .periods import Period
from .plan import Plan
from .writer import Issue, Refill, workbook_name, write_workbook

_KEY_OF_COLUMN = {xl_col_to_name(j): k for k, j in COL.items()}


def refill_of(results: Iterable[Result], findings: Iterable[Finding], source: str) -> Refill:
    """What a re-issued workbook holds: the values read from the return ``source`` (``results``: its results) and
    a note on each input cell that one of ``findings`` (errors and warnings on a cell of that return) points at
    (a blank input the row needs has its ``value.missing``, a task done without evidence its
    ``value.evidence-missing``)."""
    results = [r for r in results if r.file == source]
    values = {r.indicator: dict(r.read) for r in results}
    fixes: dict[tuple[str, str], list[str]] = {}
    # the cell a finding names is the return's: where the agency moved a column, the key is what was read there
    read_at = {(r.indicator, cell): key for r in results for key, cell in r.cells}
    for f in findings:
        if f.file != source or not f.indicator or not f.cell or f.severity is Severity.INFO:
            continue
        key = read_at.get((f.indicator, f.cell)) or _KEY_OF_COLUMN.get(f.cell.rstrip("0123456789"))
        if key is not None:
            fixes.setdefault((f.indicator, key), []).append(f.message)
    return Refill(source, values, {k: "\n".join(dict.fromkeys(v)) for k, v in fixes.items()})


def reissue(plan: Plan, period: Period, agency: str, refill: Refill, out_dir: str | Path, key: bytes,
            issued: dt.date | None = None, password: str | None = None) -> Issue:
    """Write the agency's workbook of ``period`` again into ``out_dir`` with ``refill`` in it, signed with ``key``
    and dated ``issued`` (default: today)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_workbook(plan, agency, period, out_dir / workbook_name(period, agency), key,
                          issued or dt.date.today(), password, force=True, refill=refill)
