"""The documents the secretariat sends after a merge, drafted from the merge's Report (.docx, Nghị định
30/2020/NĐ-CP thể thức): the period's report (:mod:`.draft_report`), a correction sheet per agency with its
workbook re-issued (:mod:`.corrections`), the reminders (:mod:`.reminders`: công văn đôn đốc and a CSV for mail
merge), and the year's timeliness (:mod:`.timeliness`)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..periods import Period
from ..plan import Plan
from ..report import Report

KINDS = ("report", "corrections", "reminders")


def draft_report_name(report: Report) -> str:
    return f"bao-cao-du-thao_{report.period.code}.docx"


def write_documents(report: Report, out_dir: str | Path, *, kinds: tuple[str, ...] = KINDS,
                    as_of: dt.date | None = None, key: bytes | None = None, ledger: str | Path | None = None,
                    fix_by: dt.date | None = None, issued: dt.date | None = None) -> list[Path]:
    """Write the documents ``kinds`` of ``report`` into ``out_dir`` and return their paths: the draft report
    (with the year's timeliness when ``ledger`` holds runs of the year), the correction sheets in
    ``out_dir/phieu-bo-sung`` (with the re-issued workbooks when ``key`` is given, dated ``issued``), and the
    reminders.  ``as_of`` (default: today in Vietnam) counts days overdue; ``fix_by`` is the date corrections
    are due (left for the officer when None)."""
    out = Path(out_dir)
    paths: list[Path] = []
    if "report" in kinds:
        from .draft_report import write_draft_report
        from .timeliness import report_timeliness
        paths.append(write_draft_report(report, out / draft_report_name(report), as_of=as_of,
                                        timeliness=report_timeliness(report, ledger)))
    if "corrections" in kinds:
        from .corrections import write_corrections
        paths += write_corrections(report, out / "phieu-bo-sung", fix_by=fix_by, key=key, issued=issued)
    if "reminders" in kinds:
        from .reminders import write_reminders
        paths += write_reminders(report, out, as_of)
    return paths


def documents_from_returns(plan: Plan, period: Period, returns_dir: str | Path, key: bytes | None,
                           out_dir: str | Path, *, kinds: tuple[str, ...] = KINDS, ledger: str | Path | None = None,
                           as_of: dt.date | None = None, fix_by: dt.date | None = None,
                           workers: int | None = None) -> list[Path]:
    """Merge ``returns_dir`` as ``parxl merge`` does (writing no workbook, recording nothing in the ledger, which
    only gives the previous period's figures and the year's timeliness) and write the documents ``kinds``.
    Raises :class:`~parxl.errors.LedgerError` when ``ledger`` is given but is not there (a typo would otherwise
    leave the year's timeliness out without a word)."""
    from ..ledger import Ledger
    from ..merge_ledger import prepare
    from ..merge import merge
    if ledger is not None and not Path(ledger).is_file():
        Ledger.open(ledger, create=False).close()       # a ledger named but not there: refused, saying why
    report = merge(plan, period, returns_dir, key, workers=workers)
    if ledger is not None:
        led = prepare(report, Path(ledger))
        if led is not None:
            led.close()
    return write_documents(report, out_dir, kinds=kinds, as_of=as_of, key=key, ledger=ledger, fix_by=fix_by,
                           issued=as_of)


__all__ = ["KINDS", "write_documents", "documents_from_returns", "draft_report_name"]
