"""README's generated sections: the CLI reference, the finding catalog and the ledger's tables.

``python -m parxl.docs README.md`` rewrites them in place; a test fails when README is stale.
"""
from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path
from typing import Iterator

import click

from .findings import catalog_markdown


def cli_reference() -> str:
    """Every command's --help, in English whatever PARXL_LANG says, so that README is deterministic."""
    from .cli import cli
    from .i18n import language, set_language
    before = language()
    set_language("en")
    try:
        return _cli_reference(cli)
    finally:
        set_language(before)


def _cli_reference(cli) -> str:
    out = []

    def walk(cmd, path):
        if isinstance(cmd, click.Group) and path:
            for name, sub in cmd.commands.items():
                walk(sub, path + [name])
            return
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [name])
            return
        ctx = click.Context(cmd, info_name="parxl " + " ".join(path))
        out.append(f"### `parxl {' '.join(path)}`\n\n```\n{cmd.get_help(ctx).strip()}\n```\n")

    walk(cli, [])
    return "\n".join(out)


# What each table and column of the ledger holds: README's "Ledger" section is generated from the live schema
# (parxl.ledger.MIGRATIONS) and these words; a test fails when a column is undescribed.
LEDGER_DOC: dict[str, tuple[str, dict[str, str]]] = {
    "runs": ("One row per merge recorded (the same inputs are recorded once).", {
        "id": "run number, in the order recorded",
        "at": "when it was recorded (UTC, ISO 8601)",
        "plan_id": "the plan's id", "plan_version": "the plan's version",
        "period": "the period merged (`2024-Q3`)", "year": "its year", "quarter": "its quarter (1–4)",
        "options": "the merge's options (JSON: returns folder, signed or not, allow_empty)",
        "inputs": "the inputs' fingerprint (`inputs` of the JSON report, `parxl_inputs` of the workbook); unique",
        "province": "the plan's province (a ledger holding another province's runs is refused); empty before schema 2",
    }),
    "periods": ("The current run of each plan × period: the latest merge recorded (or re-run) for it.", {
        "plan_id": "the plan's id", "period": "the period", "year": "its year", "quarter": "its quarter",
        "current_run": "the run whose values and figures are the period's (earlier runs are kept)",
    }),
    "files": ("Every file a run saw in the returns folder.", {
        "id": "row number", "run": "the run", "path": "the file, relative to the returns folder",
        "sha256": "its SHA-256 (empty when it could not be read)",
        "agency": "the agency it claims to be from (its identity), when readable",
        "period": "the period it was accepted for (accepted and superseded files)",
        "template_id": "the template id in its identity",
        "status": "`accepted`, `superseded`, `rejected` or `skipped`",
        "superseded_by": "the newer return of the same agency that won over it",
        "saved_at": "the save time that decided which return is newest (UTC)",
        "saved_time_from": "`document` (the workbook's own record) or `file` (the file's time)",
    }),
    "agency_values": ("Every agency × indicator of a run: what was typed, the verdict, and where it came from.", {
        "run": "the run", "period": "the period", "agency": "the agency", "indicator": "the indicator code",
        "verdict": "the agency's verdict (`met`, `not_met`, `overdue`, `in_progress_not_due`, … `not_returned`)",
        "status": "the task status typed (`Hoàn thành`, …)",
        "numerator": "rate: numerator (exact)", "denominator": "rate: denominator (exact)",
        "value": "the rate (%), the count or the percent change (exact)",
        "current": "change: this year's figure (exact)", "baseline": "change: the baseline year's figure (exact)",
        "gap": "how far the value is from meeting the target (exact; 0 when met)",
        "evidence": "the evidence typed", "doc_date": "the document date (ISO)",
        "issues": "difficulties typed", "proposals": "proposals typed",
        "file": "provenance: the file", "sheet": "provenance: the sheet",
        "cell": "provenance: the row's `Mã chỉ tiêu` cell",
        "cells": "provenance: every input's cell (JSON: input key → A1 cell)",
        "seal": "HMAC-SHA256, with the secretariat's key, of the run's plan and period, the agency, the indicator "
                "and the fields above: `generate --ledger` carries over only sealed values",
    }),
    "figures": ("Every province figure of a run, with its coverage.", {
        "run": "the run", "period": "the period", "indicator": "the indicator code",
        "rule": "`ratio`, `sum` or `each`",
        "verdict": "`met`, `not_met`, `provisional_met`, `provisional_not_met`, `not_applicable`, `not_assessable`, "
                   "`not_due`",
        "final": "1 when the verdict cannot change with more returns",
        "value": "the province figure (exact)", "numerator": "Σ numerators, Σ this year, or agencies meeting",
        "denominator": "Σ denominators, Σ baselines, or agencies it applies to",
        "required": "agencies that must report it", "returned": "… whose valid return was merged",
        "assessed": "… whose data counted", "not_applicable": "… that declared Không phát sinh",
        "met": "… that met it on their own",
    }),
    "changes": ("What an agency's winning return changed against the return it replaced, field by field.", {
        "run": "the run", "period": "the period", "agency": "the agency", "indicator": "the indicator code",
        "field": "`status`, `numerator`, `denominator`, `value`, `current`, `baseline`, `evidence`, "
                 "`doc_date`, `issues`, `proposals` or `verdict`",
        "old": "the replaced return's value (as stored in `agency_values`)", "new": "the winning return's value",
        "old_file": "the replaced return", "new_file": "the winning return",
        "cell": "the field's cell in the winning return",
        "old_run": "the earlier run the old value was recorded in; empty when both returns lay in this run's folder",
    }),
}


def ledger_columns() -> Iterator[tuple[str, list[tuple[str, str, bool, str]]]]:
    """Each table of a freshly migrated ledger: (name, [(column, type, not null, key)])."""
    from .ledger import MIGRATIONS
    db = sqlite3.connect(":memory:")
    try:
        for stmt in "".join(MIGRATIONS).split(";"):
            if stmt.strip():
                db.execute(stmt)
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
        for name in names:
            fks = {r[3]: f"→ {r[2]}.{r[4]}" for r in db.execute(f"PRAGMA foreign_key_list({name})")}
            cols = [(r[1], r[2], bool(r[3]), "PK" if r[5] else fks.get(r[1], ""))
                    for r in db.execute(f"PRAGMA table_info({name})")]
            yield name, cols
    finally:
        db.close()


def ledger_tables() -> str:
    """README's ledger tables, generated from the ledger's migrations (parxl.ledger) and :data:`LEDGER_DOC`."""
    from .ledger import APPLICATION_ID, SCHEMA_VERSION
    out = [f"Schema version {SCHEMA_VERSION} (`PRAGMA user_version`; `PRAGMA application_id` = "
           f"{APPLICATION_ID:#x}). Numbers are exact fractions as text (`\"96\"`, `\"286/3\"`); times UTC, ISO 8601."]
    for name, cols in ledger_columns():
        doc, words = LEDGER_DOC[name]
        out.append(f"\n**`{name}`** — {doc}\n\n| column | type | key | meaning |\n|---|---|---|---|")
        for col, typ, notnull, key in cols:
            out.append(f"| `{col}` | {typ}{' not null' if notnull else ''} | {key} | {words[col]} |")
    return "\n".join(out)


SECTIONS = {"cli": cli_reference, "findings": catalog_markdown, "ledger": ledger_tables}


def render(text: str) -> str:
    for name, fn in SECTIONS.items():
        pat = re.compile(rf"(<!-- {name}:start -->).*?(<!-- {name}:end -->)", re.S)
        text = pat.sub(lambda m: m.group(1) + "\n" + fn().strip() + "\n" + m.group(2), text)
    return text


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
