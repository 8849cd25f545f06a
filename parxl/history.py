"""What ``parxl history`` prints: every recorded period's value, verdict and source (file, sheet, cell) of an
agency and/or an indicator, as a table for the terminal or as JSON for scripts, from the ledger
(:meth:`parxl.ledger.Ledger.history`).  The checks of a report against an agency's own history are
:mod:`parxl.history_checks`.
"""
from __future__ import annotations

import json
from pathlib import Path

from .errors import UsageError
from .i18n import _, language
from .ledger import Ledger, frac
from .vocab import Verdict, format_number


def history_text(ledger: str | Path, agency: str | None = None, indicator: str | None = None,
                 as_json: bool = False, all_runs: bool = False, units: dict[str, str] | None = None) -> str:
    """What ``parxl history`` prints: for an agency and/or an indicator, every recorded period's value, verdict
    and source (file, sheet, cell), oldest first — the period's current run, or every run with ``all_runs``.

    ``as_json``: a JSON document ``{"ledger", "agency", "indicator", "rows": [{"period", "run", "run_at",
    "current", "agency", "indicator", "verdict", "status", "numerator", "denominator", "value", "current_value",
    "baseline", "evidence", "doc_date", "source": {"file", "sheet", "cell", "cells"}}]}`` with exact numbers as
    JSON numbers (integers stay integers).  Raises :class:`LedgerError` when the ledger is missing or cannot
    be used, and :class:`~parxl.errors.UsageError` when neither an agency nor an indicator is given.
    ``units``: each indicator's unit ("%", "văn bản"), written after its value in the text."""
    if not agency and not indicator:
        raise UsageError(_("give an agency (--agency) and/or an indicator (--indicator)"))
    with Ledger.open(ledger, create=False) as led:
        rows = led.history(agency, indicator, all_runs)
        left_out = led.operator_notice() if led.unreadable else None
    if as_json:
        def n(s):
            x = frac(s)
            return None if x is None else (int(x) if x.denominator == 1 else float(x))
        doc = {"ledger": str(ledger), "agency": agency.upper() if agency else None, "indicator": indicator,
               "rows": [{"period": r["period"], "run": r["run_id"], "run_at": r["run_at"],
                         "current": bool(r["is_current"]), "agency": r["agency"], "indicator": r["indicator"],
                         "verdict": r["verdict"], "status": r["status"], "numerator": n(r["numerator"]),
                         "denominator": n(r["denominator"]), "value": n(r["value"]),
                         "current_value": n(r["current"]), "baseline": n(r["baseline"]),
                         "evidence": r["evidence"], "doc_date": r["doc_date"],
                         "source": {"file": r["file"], "sheet": r["sheet"], "cell": r["cell"],
                                    "cells": json.loads(r["cells"]) if r["cells"] else {}}
                         if r["file"] else None} for r in rows],
               "left_out": list(led.unreadable)}
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if not rows:
        return _("nothing recorded for {what}").format(
            what=" / ".join(x for x in (agency and agency.upper(), indicator) if x)) + "\n"
    vi = language() == "vi"      # a verdict is named by its Vietnamese word, or by its code in English
    # the column heads: one message, tab-separated, so that they are translated together as one table's
    head = tuple(_("Period\tAgency\tIndicator\tVerdict\tValue\tNum/Den\tSource").split("\t"))
    lines = []
    for r in rows:
        verdict = Verdict(r["verdict"])
        value = frac(r["value"])
        nd = "" if r["numerator"] is None else f"{format_number(frac(r['numerator']))}/{format_number(frac(r['denominator']))}"
        where = f"{r['file']} · {r['sheet']}!{r['cell']}" if r["file"] else "—"
        period = r["period"] + ("" if r["is_current"] else f" (#{r['run_id']})")
        lines.append((period, r["agency"], r["indicator"], verdict.vi if vi else verdict.value.replace("_", " "),
                      "" if value is None else _with_unit(format_number(value, 2), (units or {}).get(r["indicator"])),
                      nd, where))
    widths = [max(len(str(x[k])) for x in [head, *lines]) for k in range(len(head))]
    out = ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip() for row in [head, *lines]]
    return "\n".join(out + ([left_out] if left_out else [])) + "\n"


def _with_unit(value: str, unit: str | None) -> str:
    return value if not unit else f"{value}%" if unit == "%" else f"{value} {unit}"
