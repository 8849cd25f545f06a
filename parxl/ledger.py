"""The reporting year's memory: every merge recorded in an embedded SQLite ledger — the store, and only that.

A secretariat reports four times a year (Quý I, 6 tháng, Quý III, năm) and each report is read
against the last.  The ledger (one SQLite file, stdlib :mod:`sqlite3`, WAL where the drive allows it, else a
rollback journal: see :meth:`Ledger._journal`) keeps, for every merge:
the run (time, plan, period, options, the inputs' fingerprint), every file seen (hash, identity,
status, which file superseded it), every agency's values with their provenance (file, sheet, cell),
the province figures with their coverage, and what an agency changed when it resubmitted.

This module is the schema and its migrations, opening (locks, journal, damage), recording a run, reading
back what was recorded, and the trust checks on what is read back (a record that is not what a merge
writes, or not sealed with the secretariat's key, is left out and described).  What uses it lives beside
its use: :mod:`parxl.merge_ledger` (a merge's bookkeeping), :mod:`parxl.resubmissions` (what a resubmitted
return changed, with or without a ledger), :mod:`parxl.history` (``parxl history``'s output),
:mod:`parxl.docs` (README's tables, from :data:`MIGRATIONS`).

* Re-running the same merge (the same ``Report.inputs_digest()``) adds nothing.  A re-merge after a late
  return is a new run: it becomes the period's current run, and the earlier run is kept.
* :meth:`Ledger.previous_figures`, :meth:`Ledger.year_figures` and :meth:`Ledger.history` read the
  current run of each period; :meth:`Ledger.earlier_return` gives an agency's return in the run a merge is
  compared with; :meth:`Ledger.last_period` (:func:`last_period_of`) what carries into the next workbooks.
* A ledger that cannot be used (locked by another program, corrupt, made by a newer parxl, not a parxl
  ledger) raises :class:`LedgerError` with a message that says so.

Numbers are stored exactly, as the text of a fraction (``"96"``, ``"286/3"``): the ledger says what the
report said, to the last digit.  Times are UTC, ISO 8601.
"""
from __future__ import annotations

import datetime as dt
import hmac
import json
import sqlite3
import time
import unicodedata
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterable

from .checks import Result
from .errors import LedgerError
from .i18n import _
from .measures import ProvinceFigure
from .periods import Period
from .report import ACCEPTED, SUPERSEDED, Change, Report
from .vocab import ProvinceVerdict, TaskStatus, Verdict

SCHEMA_VERSION = 2
APPLICATION_ID = 0x50415258          # "PARX" in PRAGMA application_id: a parxl ledger and nothing else
LOCK_TIMEOUT = 10.0                  # seconds to wait for another program's write to finish
LEDGER_FILE_NAME = "parxl-ledger.sqlite"

# One entry per schema version; never edit an entry once released, append the next one (and say what a new
# column holds in parxl.docs.LEDGER_DOC: README's tables are generated from both).
MIGRATIONS: list[str] = [
    """
    CREATE TABLE runs (
        id            INTEGER PRIMARY KEY,
        at            TEXT NOT NULL,
        plan_id       TEXT NOT NULL,
        plan_version  TEXT NOT NULL,
        period        TEXT NOT NULL,
        year          INTEGER NOT NULL,
        quarter       INTEGER NOT NULL,
        options       TEXT NOT NULL,
        inputs        TEXT NOT NULL UNIQUE
    );
    CREATE TABLE periods (
        plan_id       TEXT NOT NULL,
        period        TEXT NOT NULL,
        year          INTEGER NOT NULL,
        quarter       INTEGER NOT NULL,
        current_run   INTEGER NOT NULL REFERENCES runs(id),
        PRIMARY KEY (plan_id, period)
    );
    CREATE TABLE files (
        id              INTEGER PRIMARY KEY,
        run             INTEGER NOT NULL REFERENCES runs(id),
        path            TEXT NOT NULL,
        sha256          TEXT NOT NULL,
        agency          TEXT,
        period          TEXT,
        template_id     TEXT,
        status          TEXT NOT NULL,
        superseded_by   TEXT,
        saved_at        TEXT,
        saved_time_from TEXT,
        UNIQUE (run, path)
    );
    CREATE TABLE agency_values (
        run           INTEGER NOT NULL REFERENCES runs(id),
        period        TEXT NOT NULL,
        agency        TEXT NOT NULL,
        indicator     TEXT NOT NULL,
        verdict       TEXT NOT NULL,
        status        TEXT,
        numerator     TEXT,
        denominator   TEXT,
        value         TEXT,
        current       TEXT,
        baseline      TEXT,
        gap           TEXT,
        evidence      TEXT,
        doc_date      TEXT,
        issues        TEXT,
        proposals     TEXT,
        file          TEXT,
        sheet         TEXT,
        cell          TEXT,
        cells         TEXT,
        PRIMARY KEY (run, agency, indicator)
    );
    CREATE INDEX agency_values_by_agency ON agency_values (agency, indicator);
    CREATE INDEX agency_values_by_indicator ON agency_values (indicator);
    CREATE TABLE figures (
        run            INTEGER NOT NULL REFERENCES runs(id),
        period         TEXT NOT NULL,
        indicator      TEXT NOT NULL,
        rule           TEXT NOT NULL,
        verdict        TEXT NOT NULL,
        final          INTEGER NOT NULL,
        value          TEXT,
        numerator      TEXT,
        denominator    TEXT,
        required       INTEGER NOT NULL,
        returned       INTEGER NOT NULL,
        assessed       INTEGER NOT NULL,
        not_applicable INTEGER NOT NULL,
        met            INTEGER NOT NULL,
        PRIMARY KEY (run, indicator)
    );
    CREATE TABLE changes (
        run           INTEGER NOT NULL REFERENCES runs(id),
        period        TEXT NOT NULL,
        agency        TEXT NOT NULL,
        indicator     TEXT NOT NULL,
        field         TEXT NOT NULL,
        old           TEXT,
        new           TEXT,
        old_file      TEXT,
        new_file      TEXT,
        cell          TEXT,
        old_run       INTEGER REFERENCES runs(id),
        PRIMARY KEY (run, agency, indicator, field)
    );
    """,
    # 2: a ledger carries its province (another province's ledger is refused) and a seal on every agency
    # value (an HMAC with the secretariat's key: what `generate --ledger` carries over must be what a merge
    # recorded, not a row written into the file by other means).
    """
    ALTER TABLE runs ADD COLUMN province TEXT;
    ALTER TABLE agency_values ADD COLUMN seal TEXT;
    """,
]

# The fields of an agency value that are stored, sealed and compared on resubmission: (field, Result attribute).
# How people name them is vocabulary (:data:`parxl.vocab.FIELD_VI`).
FIELDS: tuple[tuple[str, str], ...] = (
    ("status", "reported_status"),
    ("numerator", "numerator"),
    ("denominator", "denominator"),
    ("current", "current"),
    ("baseline", "baseline"),
    ("value", "value"),
    ("evidence", "evidence"),
    ("doc_date", "doc_date"),
    ("issues", "issues"),
    ("proposals", "proposals"),
    ("verdict", "verdict"),
)
_NUMERIC = {"numerator", "denominator", "value", "current", "baseline", "gap"}


def default_path(key_path: Path | str) -> Path:
    """Where the ledger lives by default: beside the secretariat's key."""
    return Path(key_path).with_name(LEDGER_FILE_NAME)


# -- encoding --------------------------------------------------------------------------------------

def enc(x: Any) -> str | None:
    """A value as the ledger stores it: fractions exactly, dates ISO, vocabulary by its value.  (A run records
    some half a million values at 4,200 returns: the usual types are looked up by their class first.)"""
    if x is None:
        return None
    quick = _ENC.get(x.__class__)
    return quick(x) if quick is not None else _enc(x)


def _fraction(x: Fraction) -> str:
    """``str(x)``: "n" or "n/d"."""
    n, d = x.numerator, x.denominator
    return str(n) if d == 1 else f"{n}/{d}"


def _enc(x: Any) -> str | None:
    if isinstance(x, Fraction):
        return str(x)
    if isinstance(x, (int,)) and not isinstance(x, bool):
        return str(x)
    if isinstance(x, (dt.date, dt.datetime)):
        return x.isoformat()
    if isinstance(x, Enum):
        return str(x.value)
    return str(x)


_ENC = {Fraction: _fraction, int: str, str: str, dt.date: dt.date.isoformat, dt.datetime: dt.datetime.isoformat,
        Verdict: lambda v: str(v.value), TaskStatus: lambda v: str(v.value), ProvinceVerdict: lambda v: str(v.value)}


def frac(s: str | None) -> Fraction | None:
    return None if s is None else Fraction(s)


def decode(field: str, text: str | None) -> Any:
    """A stored field as the value it was: a number exactly, a date, a task status or a verdict, else the text
    (the inverse of :func:`enc`, for a record already found sound)."""
    if text is None:
        return None
    if field in _NUMERIC:
        return Fraction(text)
    if field == "doc_date":
        return dt.date.fromisoformat(text)
    if field == "status":
        return TaskStatus(text)
    if field == "verdict":
        return Verdict(text)
    return text


def result_fields(r: Result) -> dict[str, str | None]:
    """A result's compared fields, encoded as the ledger stores them."""
    return {f: enc(getattr(r, attr)) for f, attr in FIELDS}


def seal(key: bytes, plan_id: str, period: str, agency: str, indicator: str, fields: dict) -> str:
    """The seal of one agency value: HMAC-SHA256 with the secretariat's key over where it belongs and every
    field of :data:`FIELDS` as stored."""
    msg = _SEAL_JSON([plan_id, period, agency, indicator, [fields.get(f) for f, _ in FIELDS]])
    return hmac.digest(key, msg.encode("utf-8"), "sha256").hex()


# json.dumps(..., ensure_ascii=False, separators=(",", ":")) without building an encoder for each of a merge's values
_SEAL_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _same_province(a: str, b: str) -> bool:
    norm = lambda x: " ".join(unicodedata.normalize("NFC", x).casefold().split())  # noqa: E731
    return norm(a) == norm(b)


def _bad_field(row: sqlite3.Row, numeric: Iterable[str], words: dict[str, type[Enum]]) -> str | None:
    """The first field of a record read back that is not what the ledger writes, described; None when sound."""
    for f in numeric:
        v = row[f]
        if v is None:
            continue
        try:
            Fraction(v)
        except (ValueError, ZeroDivisionError, TypeError):
            return f"{f} = {str(v)[:40]!r}"
    for f, vocab in words.items():
        v = row[f]
        if v is None and f != "verdict":
            continue
        try:
            vocab(v)
        except ValueError:
            return f"{f} = {str(v)[:40]!r}"
    if "doc_date" in row.keys() and row["doc_date"] is not None:
        try:
            dt.date.fromisoformat(row["doc_date"])
        except (ValueError, TypeError):
            return f"doc_date = {str(row['doc_date'])[:40]!r}"
    return None


_VALUE_NUMERIC = ("numerator", "denominator", "value", "current", "baseline", "gap")
_VALUE_WORDS = {"verdict": Verdict, "status": TaskStatus}
_FIGURE_NUMERIC = ("value", "numerator", "denominator")
_FIGURE_WORDS = {"verdict": ProvinceVerdict}


# -- the ledger ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LastPeriod:
    """The period before the one being issued, as the ledger recorded it (plain data: it travels to the
    processes that write workbooks).

    ``values``: agency → indicator → field (:data:`FIELDS`) → its value, decoded (:func:`decode`: a number as a
    ``Fraction``, ``doc_date`` a date, ``status`` a :class:`TaskStatus`, ``verdict`` a :class:`Verdict`, the
    texts as typed), so that a reader of it never reads the ledger's storage format.  What carries over into the
    new workbooks (``writer.generate(..., ledger=)``): the baseline-year figure, only when the plan's version is
    the same (``same_plan_version``: the same targets, so the same baseline year — a new version may move
    it, even mid-year); within the year (``same_year``), a task reported "Hoàn thành" with its evidence and
    document date — last year's completed tasks are last year's work, and their documents predate the new
    year's evidence window."""
    period: str
    run: int
    same_year: bool
    same_plan_version: bool
    values: dict

    def of(self, agency: str) -> dict:
        return self.values.get(agency, {})


@dataclass(frozen=True)
class Recorded:
    """One agency value of an earlier period as the ledger recorded it (the period's current run), for the
    checks of a new report against the agency's own history (:mod:`parxl.history_checks`).  ``numbers``:
    the numeric fields recorded (``numerator``, ``denominator``, ``value``, ``current``, ``baseline``) that
    are not empty, exactly; ``cells``: input key → A1 cell in ``file``."""
    plan_id: str
    period: str
    year: int
    quarter: int
    run: int
    agency: str
    indicator: str
    verdict: Verdict
    numbers: dict
    file: str | None
    sheet: str | None
    cells: dict
    plan_version: str = ""    # the run's plan version: a baseline or a running total is compared within one


class Ledger:
    """An open ledger.  Use :meth:`open`; close it (or use it as a context manager) when done."""

    def __init__(self, db: sqlite3.Connection, path: Path):
        self.db, self.path = db, path
        #: Set when the ledger is used with a rollback journal because its drive refuses WAL (said to the operator).
        self.notice: str | None = None
        #: Records that could not be read back (a value that is not a number, a word outside the vocabulary, a
        #: seal that does not match): left out, each described here for the operator.
        self.unreadable: list[str] = []

    # opening ----------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, create: bool = True, timeout: float | None = None) -> "Ledger":
        """Open the ledger at ``path`` (created, with its folder, when absent and ``create``) and bring its
        schema up to date.  Raises :class:`LedgerError` when it is missing (``create=False``), locked, corrupt,
        made by a newer parxl, or not a parxl ledger."""
        path = Path(path)
        if not path.exists() and not create:
            raise LedgerError(_("no ledger at {path}: a ledger is made by the first merge given --ledger")
                              .format(path=path))
        if path.is_dir():
            raise LedgerError(_("the ledger {path} is a folder; give a file name, e.g. {name}")
                              .format(path=path, name=LEDGER_FILE_NAME))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(path), timeout=LOCK_TIMEOUT if timeout is None else timeout,
                                 isolation_level=None)
        except (OSError, sqlite3.Error) as e:
            raise _problem(path, e) from None
        led = cls(db, path)
        try:
            try:
                led._prepare()
            except sqlite3.OperationalError as e:
                if not _wal_unreachable(path, e):
                    raise
                db.close()
                led.db = db = _out_of_wal(path, LOCK_TIMEOUT if timeout is None else timeout)
                led._prepare()
        except sqlite3.Error as e:
            db.close()
            raise _problem(path, e) from None
        except LedgerError:
            db.close()
            raise
        return led

    def _prepare(self) -> None:
        db = self.db
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
        app = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if app != APPLICATION_ID and (app != 0 or tables or version):
            raise LedgerError(_("{path} is an SQLite database but not a parxl ledger; give another file")
                              .format(path=self.path))
        if version > SCHEMA_VERSION:
            raise LedgerError(_("the ledger {path} was written by a newer parxl (schema {found}; this parxl "
                                "knows up to {known}): upgrade parxl, or give another ledger")
                              .format(path=self.path, found=version, known=SCHEMA_VERSION))
        self._journal()
        if version < SCHEMA_VERSION:
            db.execute("BEGIN IMMEDIATE")     # another process may be migrating the same new file right now:
            try:                              # read the version again under the write lock
                version = db.execute("PRAGMA user_version").fetchone()[0]
                for v in range(version, SCHEMA_VERSION):
                    for stmt in MIGRATIONS[v].split(";"):
                        if stmt.strip():
                            db.execute(stmt)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        check = db.execute("PRAGMA quick_check(1)").fetchone()[0]
        if check != "ok":
            raise LedgerError(_("the ledger {path} is damaged ({error}); restore it from a backup, or move it "
                                "away to start a new one").format(path=self.path, error=check))

    def _journal(self) -> None:
        """WAL where the drive allows it; else (a network share whose file system cannot share SQLite's WAL
        index) a rollback journal, and ``notice`` says so."""
        db = self.db
        mode = db.execute("PRAGMA journal_mode").fetchone()[0].lower()
        if mode == "wal":
            return
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:     # changing the journal needs the file to itself: another run may be creating it now
            try:
                mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower()
                break
            except sqlite3.OperationalError as e:
                if not _locked(e):
                    mode = None
                    break
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return      # the other run made it WAL meanwhile
        if mode != "wal":
            db.execute("PRAGMA journal_mode = DELETE").fetchone()
            self.notice = _("the ledger {path} is on a drive that does not allow SQLite's WAL journal (a network "
                            "share?): it is written with a rollback journal instead; let one parxl run at a time "
                            "write it").format(path=self.path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _q(self, sql: str, args: Iterable = ()) -> list[sqlite3.Row]:
        try:
            return self.db.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as e:
            raise _problem(self.path, e) from None

    # recording --------------------------------------------------------------------------------
    def record(self, report: Report, changes: Iterable[Change] | None = None, options: dict | None = None,
               now: dt.datetime | None = None, key: bytes | None = None) -> tuple[int, bool]:
        """Record a merge; returns (run id, whether anything was added).

        The same inputs (``report.inputs_digest()``) are recorded once: recording them again adds nothing and
        makes that run the period's current one again.  ``changes`` defaults to ``report.changes``.  With ``key``
        every agency value is sealed (:func:`seal`)."""
        digest = report.inputs_digest()
        per, plan = report.period, report.plan
        changes = list(report.changes if changes is None else changes)
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT id FROM runs WHERE inputs = ?", (digest,)).fetchone()
                added = row is None
                if added:
                    run = self._insert(report, digest, changes, options or {}, now, key)
                else:
                    run = row[0]
                db.execute("INSERT INTO periods (plan_id, period, year, quarter, current_run) VALUES (?, ?, ?, ?, ?) "
                           "ON CONFLICT (plan_id, period) DO UPDATE SET current_run = excluded.current_run",
                           (plan.id, per.code, per.year, per.quarter, run))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.Error as e:
            raise _problem(self.path, e) from None
        return run, added

    def _insert(self, report: Report, digest: str, changes: list[Change], options: dict,
                now: dt.datetime | None, key: bytes | None) -> int:
        db, per, plan = self.db, report.period, report.plan
        at = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(microsecond=0)
        cur = db.execute("INSERT INTO runs (at, plan_id, plan_version, period, year, quarter, options, inputs, "
                         "province) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (at.isoformat(), plan.id, plan.version, per.code, per.year, per.quarter,
                          json.dumps(options, ensure_ascii=False, sort_keys=True), digest, plan.province))
        run = cur.lastrowid
        db.executemany(
            "INSERT INTO files (run, path, sha256, agency, period, template_id, status, superseded_by, saved_at, "
            "saved_time_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run, e.file, e.sha256, e.agency, per.code if e.status in (ACCEPTED, SUPERSEDED) else None,
              e.template_id, e.status.value, e.superseded_by, enc(e.saved_at), e.saved_source)
             for e in report.returns])
        cells_json: dict[tuple, str] = {}      # results read from the same cells share their tuple (merge._share_cells)

        def cells(r: Result) -> str | None:
            got = cells_json.get(r.cells)
            if got is None and r.cells:
                got = cells_json[r.cells] = json.dumps(dict(r.cells))
            return got
        db.executemany(
            "INSERT INTO agency_values (run, period, agency, indicator, verdict, status, numerator, denominator, value, "
            "current, baseline, gap, evidence, doc_date, issues, proposals, file, sheet, cell, cells, seal) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run, per.code, r.agency, r.indicator, r.verdict.value, f["status"], f["numerator"], f["denominator"],
              f["value"], f["current"], f["baseline"], enc(r.gap), r.evidence, f["doc_date"], r.issues, r.proposals,
              r.file if r.sheet else None, r.sheet, r.cell, cells(r),
              seal(key, plan.id, per.code, r.agency, r.indicator, f) if key else None)
             for r in report.results for f in (result_fields(r),)])     # each field encoded once, stored and sealed
        db.executemany(
            "INSERT INTO figures (run, period, indicator, rule, verdict, final, value, numerator, denominator, "
            "required, returned, assessed, not_applicable, met) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run, per.code, f.indicator, f.rule, f.verdict.value, int(f.verdict.final), enc(f.value),
              enc(f.numerator), enc(f.denominator), f.required, f.returned, f.assessed, f.not_applicable, f.met)
             for f in report.indicators])
        db.executemany(
            "INSERT INTO changes (run, period, agency, indicator, field, old, new, old_file, new_file, cell, old_run) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run, per.code, c.agency, c.indicator, c.field, c.old, c.new, c.old_file, c.new_file, c.cell,
              c.old_run) for c in changes])
        return run

    # reading ----------------------------------------------------------------------------------
    def runs(self, plan_id: str | None = None, period: str | None = None) -> list[dict]:
        """Every run recorded (oldest first), optionally of one plan and/or period."""
        sql, args = "SELECT * FROM runs WHERE 1", []
        if plan_id:
            sql, args = sql + " AND plan_id = ?", args + [plan_id]
        if period:
            sql, args = sql + " AND period = ?", args + [period]
        return [dict(r) for r in self._q(sql + " ORDER BY id", args)]

    def current_run(self, plan_id: str | None, period: str) -> int | None:
        """The period's current run (of ``plan_id``; of any plan when None, the latest recorded)."""
        sql = "SELECT current_run FROM periods WHERE period = ?"
        args: list = [period]
        if plan_id:
            sql, args = sql + " AND plan_id = ?", args + [plan_id]
        rows = self._q(sql + " ORDER BY current_run DESC LIMIT 1", args)
        return rows[0][0] if rows else None

    def figures(self, run: int) -> dict[str, ProvinceFigure]:
        """A run's province figures by indicator."""
        out = {}
        for r in self._q("SELECT * FROM figures WHERE run = ? ORDER BY rowid", (run,)):
            bad = _bad_field(r, _FIGURE_NUMERIC, _FIGURE_WORDS) or next(
                (f"{c} = {str(r[c])[:40]!r}" for c in ("required", "returned", "assessed", "not_applicable", "met")
                 if type(r[c]) is not int), None)
            if bad:
                self._unreadable("figures", r["period"], run, r["indicator"], bad)
                continue
            out[r["indicator"]] = ProvinceFigure(r["indicator"], ProvinceVerdict(r["verdict"]), frac(r["value"]),
                                                 frac(r["numerator"]), frac(r["denominator"]), r["required"],
                                                 r["returned"], r["assessed"], r["not_applicable"], r["met"], r["rule"])
        return out

    def operator_notice(self) -> str | None:
        """What the operator should know although the ledger was used: its journal (:attr:`notice`), and the
        records left out (:attr:`unreadable`, the first three named)."""
        parts = [self.notice] if self.notice else []
        if self.unreadable:
            n = len(self.unreadable)
            shown = "; ".join(self.unreadable[:3]) + ("; …" if n > 3 else "")
            parts.append(_("{n} record(s) of the ledger {path} could not be used and were left out ({shown})")
                         .format(n=n, path=self.path, shown=shown))
        return "\n".join(parts) or None

    def _unreadable(self, table: str, period: str, run: int, what: str, why: str) -> None:
        self.unreadable.append(f"{table}: {period} (#{run}) {what}: {why}")

    def refuse_other_province(self, province: str) -> None:
        """:class:`LedgerError` when the ledger holds runs of another province's plan: its figures would be read
        as this province's, matched by indicator code, and this run recorded into its year."""
        for r in self._q("SELECT DISTINCT province, plan_id FROM runs WHERE province IS NOT NULL"):
            if not _same_province(r["province"], province):
                raise LedgerError(_("the ledger {path} belongs to another province ({other}, plan {plan}), not "
                                    "{province}: give this plan's ledger (--ledger) or a new file")
                                  .format(path=self.path, other=r["province"], plan=r["plan_id"], province=province))

    def previous_figures(self, plan_id: str, period: Period) -> tuple[str, dict[str, ProvinceFigure]] | None:
        """The previous period's figures (its current run): Q(n-1) of the same plan, or, for Q1, the previous
        year's Q4 (of any plan: a new year usually has a new plan; indicators match by code).  None when the
        ledger does not have it."""
        if period.quarter > 1:
            code, plan = f"{period.year}-Q{period.quarter - 1}", plan_id
        else:
            code, plan = f"{period.year - 1}-Q4", None
        run = self.current_run(plan, code)
        return None if run is None else (code, self.figures(run))

    def last_period(self, plan_id: str, plan_version: str, period: Period,
                    key: bytes | None = None) -> "LastPeriod | None":
        """What each agency reported in the period before ``period`` (its current run), for the workbooks of
        ``period``: Q(n-1) of the same year and the same plan id; for Q1, the previous year's Q4 of the same
        plan id.  None when the ledger does not have it.  See :class:`LastPeriod` for what may carry over.

        With ``key``, only values whose seal matches (:func:`seal`: recorded by a merge with this key) are
        given; a record that is unsealed, sealed otherwise, or not what the ledger writes is left out and
        described in :attr:`unreadable`."""
        if period.quarter > 1:
            code, same_year = f"{period.year}-Q{period.quarter - 1}", True
        else:
            code, same_year = f"{period.year - 1}-Q4", False
        run = self.current_run(plan_id, code)
        if run is None:
            return None
        version = self._q("SELECT plan_version FROM runs WHERE id = ?", (run,))[0][0]
        values: dict[str, dict[str, dict[str, str | None]]] = {}
        for r in self._q("SELECT * FROM agency_values WHERE run = ? ORDER BY agency, indicator", (run,)):
            fields = {f: r[f] for f, _ in FIELDS}
            bad = _bad_field(r, _VALUE_NUMERIC, _VALUE_WORDS)
            if bad is None and key is not None and not hmac.compare_digest(
                    r["seal"] or "", seal(key, plan_id, code, r["agency"], r["indicator"], fields)):
                bad = _("no seal of this secretariat's key (not written by a merge with it)")
            if bad:
                self._unreadable("agency_values", code, run, f"{r['agency']} {r['indicator']}", bad)
                continue
            values.setdefault(r["agency"], {})[r["indicator"]] = {f: decode(f, x) for f, x in fields.items()}
        return LastPeriod(code, run, same_year, version == plan_version, values)

    def year_figures(self, plan_id: str | None, year: int) -> dict[str, dict[str, ProvinceFigure]]:
        """Each recorded period of ``year`` (current runs), oldest first: period code → indicator → figure.
        ``plan_id=None``: of any plan (the latest run when two plans cover one period)."""
        out = {}
        for q in range(1, 5):
            run = self.current_run(plan_id, f"{year}-Q{q}")
            if run is not None:
                out[f"{year}-Q{q}"] = self.figures(run)
        return out

    def year_returns(self, plan_id: str | None, year: int) -> dict[str, tuple[list[str], list[dict]]]:
        """For the timeliness table (parxl.documents.timeliness): each recorded period of ``year`` (its current
        run), oldest first: period code → (the agencies that had to report, in the order recorded; every file
        the run saw, as :meth:`files` gives it: agency, status, saved_at (UTC, ISO 8601), ...)."""
        out = {}
        for q in range(1, 5):
            code = f"{year}-Q{q}"
            run = self.current_run(plan_id, code)
            if run is None:
                continue
            agencies = [r[0] for r in self._q("SELECT agency FROM agency_values WHERE run = ? GROUP BY agency "
                                               "ORDER BY min(rowid)", (run,))]
            out[code] = (agencies, self.files(run))
        return out

    def history(self, agency: str | None = None, indicator: str | None = None,
                all_runs: bool = False) -> list[dict]:
        """Every period's value of an agency and/or an indicator (the current run of each period; every run
        with ``all_runs``), oldest first: period, run time, agency, indicator, verdict, the values typed and
        the source file, sheet and cell."""
        sql = ("SELECT v.*, r.at AS run_at, r.plan_id AS plan_id, r.id AS run_id, "
               "(p.current_run IS NOT NULL) AS is_current FROM agency_values v JOIN runs r ON r.id = v.run "
               "LEFT JOIN periods p ON p.current_run = v.run WHERE 1")
        args: list = []
        if agency:
            sql, args = sql + " AND v.agency = ?", args + [agency.upper()]
        if indicator:
            sql, args = sql + " AND v.indicator = ?", args + [indicator]
        if not all_runs:
            sql += " AND p.current_run IS NOT NULL"
        sql += " ORDER BY r.year, r.quarter, r.id, v.agency, v.indicator"
        out = []
        for r in self._q(sql, args):
            bad = _bad_field(r, _VALUE_NUMERIC, _VALUE_WORDS)
            if bad:
                self._unreadable("agency_values", r["period"], r["run_id"], f"{r['agency']} {r['indicator']}", bad)
                continue
            out.append(dict(r))
        return out

    def files(self, run: int) -> list[dict]:
        return [dict(r) for r in self._q("SELECT * FROM files WHERE run = ? ORDER BY id", (run,))]

    def recorded_before(self, period: Period, agencies: Iterable[str] | None = None,
                        key: bytes | None = None) -> list[Recorded]:
        """Every agency value recorded for a period before ``period`` (each period's current run, of any plan),
        oldest first, of ``agencies`` (all when None): what a new report is checked against.

        Only what the ledger wrote is given: a record whose numbers or words are not what a merge writes, or,
        with ``key``, whose seal does not match (:func:`seal`), is left out and described in :attr:`unreadable`."""
        sql = ("SELECT v.*, r.plan_id AS plan_id, r.plan_version AS plan_version, r.year AS year, "
               "r.quarter AS quarter FROM agency_values v "
               "JOIN periods p ON p.current_run = v.run JOIN runs r ON r.id = v.run "
               "WHERE (r.year < ? OR (r.year = ? AND r.quarter < ?))")
        args: list = [period.year, period.year, period.quarter]
        wanted = None if agencies is None else set(agencies)
        out = []
        for r in self._q(sql + " ORDER BY r.year, r.quarter, r.id, v.rowid", args):
            if wanted is not None and r["agency"] not in wanted:
                continue
            fields = {f: r[f] for f, _ in FIELDS}
            bad = _bad_field(r, _VALUE_NUMERIC, _VALUE_WORDS)
            if bad is None and key is not None and not hmac.compare_digest(
                    r["seal"] or "", seal(key, r["plan_id"], r["period"], r["agency"], r["indicator"], fields)):
                bad = _("no seal of this secretariat's key (not written by a merge with it)")
            cells: dict = {}
            if bad is None and r["cells"]:
                try:
                    cells = json.loads(r["cells"])
                except ValueError:
                    bad = f"cells = {str(r['cells'])[:40]!r}"
                if not isinstance(cells, dict):
                    bad, cells = f"cells = {str(r['cells'])[:40]!r}", {}
            if bad:
                self._unreadable("agency_values", r["period"], r["run"], f"{r['agency']} {r['indicator']}", bad)
                continue
            numbers = {f: Fraction(r[f]) for f in ("numerator", "denominator", "value", "current", "baseline")
                       if r[f] is not None}
            out.append(Recorded(r["plan_id"], r["period"], r["year"], r["quarter"], r["run"], r["agency"],
                                r["indicator"], Verdict(r["verdict"]), numbers, r["file"], r["sheet"], cells,
                                r["plan_version"]))
        return out

    def _base_run(self, report: Report) -> int | None:
        """The run this merge is compared with: the period's latest run recorded before this one (before the
        run with the same inputs, when this merge is a re-run: a re-run shows what the first run showed)."""
        same = self._q("SELECT id FROM runs WHERE inputs = ?", (report.inputs_digest(),))
        sql = "SELECT max(id) FROM runs WHERE plan_id = ? AND period = ?"
        args: list = [report.plan.id, report.period.code]
        if same:
            sql, args = sql + " AND id < ?", args + [same[0][0]]
        return self._q(sql, args)[0][0]

    def earlier_return(self, report: Report) -> Callable[[str], tuple[str, str, dict, int] | None]:
        """For :func:`parxl.resubmissions.resubmission_changes`: an agency's accepted return in the run this
        merge is compared with (file, sha256, indicator → fields, run)."""
        base = self._base_run(report)

        def earlier(agency: str):
            if base is None:
                return None
            f = self._q("SELECT path, sha256 FROM files WHERE run = ? AND agency = ? AND status = 'accepted'",
                        (base, agency))
            if not f:
                return None
            vals = {}
            for r in self._q("SELECT * FROM agency_values WHERE run = ? AND agency = ?", (base, agency)):
                bad = _bad_field(r, _VALUE_NUMERIC, _VALUE_WORDS)
                if bad:
                    self._unreadable("agency_values", r["period"], base, f"{agency} {r['indicator']}", bad)
                else:
                    vals[r["indicator"]] = {k: r[k] for k, _ in FIELDS}
            return f[0]["path"], f[0]["sha256"], vals, base
        return earlier


def last_period_of(path: str | Path, plan_id: str, plan_version: str, province: str, period: Period,
                   key: bytes | None = None) -> tuple[LastPeriod | None, tuple[str, ...]]:
    """For the workbooks of ``period`` (``generate --ledger``): the period before it as the ledger at ``path``
    recorded it (:meth:`Ledger.last_period`, its values decoded), and the records left out (unreadable, or not sealed with
    ``key``), each described.  Raises :class:`LedgerError` when the ledger is missing, cannot be used or holds
    another province's runs."""
    with Ledger.open(path, create=False) as led:
        led.refuse_other_province(province)
        last = led.last_period(plan_id, plan_version, period, key)
        return last, tuple(led.unreadable)


def _locked(e: sqlite3.Error) -> bool:
    low = str(e).lower()
    return "locked" in low or "busy" in low


def _wal_unreachable(path: Path, e: sqlite3.OperationalError) -> bool:
    """A ledger in WAL mode that this drive cannot open as such (SQLite cannot map its WAL index there)."""
    if getattr(e, "sqlite_errorcode", None) != sqlite3.SQLITE_CANTOPEN:
        return False
    try:
        with open(path, "rb") as f:
            header = f.read(20)
    except OSError:
        return False
    return header.startswith(b"SQLite format 3\0") and header[18:19] == b"\x02"     # write version 2: WAL


def _out_of_wal(path: Path, timeout: float) -> sqlite3.Connection:
    """Open a WAL ledger where WAL is refused: in exclusive locking mode SQLite needs no shared WAL index, so it
    can read the ledger and turn it into a rollback-journal one (its last WAL frames checkpointed first)."""
    db = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    try:
        db.execute("PRAGMA locking_mode = EXCLUSIVE").fetchone()
        db.execute("PRAGMA journal_mode = DELETE").fetchone()
        db.execute("PRAGMA locking_mode = NORMAL").fetchone()
    except BaseException:
        db.close()
        raise
    return db


def _problem(path: Path, e: BaseException) -> LedgerError:
    """An sqlite3/OS error as a message an operator can act on."""
    text = str(e)
    low = text.lower()
    if "locked" in low or "busy" in low:
        return LedgerError(_("the ledger {path} is locked by another program (another parxl run, or a "
                             "database tool holding it open); close it and run again").format(path=path))
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return LedgerError(_("the ledger {path} is damaged ({error}); restore it from a backup, or move it "
                             "away to start a new one").format(path=path, error=text))
    return LedgerError(_("the ledger {path} cannot be used ({error})").format(path=path, error=text))
