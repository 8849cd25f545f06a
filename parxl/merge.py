"""The secretariat's merge: a folder of returns → a Report (who returned, what is met, what is wrong).

Intake finds every spreadsheet under the folder (Office lock files ignored), reads and
checks each one without stopping on any, keeps the latest valid return per agency, and
computes each indicator's province-wide figure by the rule the plan gives it.
"""
from __future__ import annotations

import copyreg
import datetime as dt
import enum
import io
import operator
import os
import pickle
from collections import Counter, deque
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .checks import RESULT_FIELDS, Checked, Result, check_return, make_result
from .errors import KeyFileError, UsageError
from . import receipts
from .findings import Finding, Findings, Severity
from .i18n import _
from .intake import Entry, find_returns, safe_name
from .collector import gc_paused, kept_from_collection
from .outputs import OutputLock, atomic_paths, check_output_paths
from .periods import Period
from .measures import measure_of
from .plan import Plan
from .pool import Failure, isolated_map
from .reader import Workbook, file_sha256, read_return
from .report import ACCEPTED, REJECTED, SKIPPED, SUPERSEDED, Report, ReturnEntry
from .vocab import TaskStatus, Verdict, format_number, format_time, vietnam_time

# the codes this module adds (tests/test_catalog_coverage.py holds it to what the code does)
EMITS = frozenset({"file.output-skipped", "file.too-slow", "file.reader-crashed", "file.bad-name",
                   # when a return was saved, and whether in time
                   "return.no-save-time", "return.clock-future", "return.clock-before-issue",
                   "return.file-clock-future", "return.late", "return.late-file-time",
                   "return.late-received",
                   # which return counts for an agency
                   "return.superseded", "return.missing"})
_NOT_REREAD = ("file.much-work", "file.too-much-work")   # a superseded return not read again for Nộp lại
READ_TIMEOUT = 60.0          # seconds one file may take to read and check before it is given up
READ_MEMORY = 2 << 30        # address space of a reading process: a runaway allocation fails there
CLOCK_SLACK = dt.timedelta(days=1)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def check_files(entries: Iterable[Entry], plan: Plan, period: Period | None, key: bytes | None,
                progress: Callable[[Entry], None] | None = None, workers: int | None = None,
                timeout: float = READ_TIMEOUT) -> Iterator[Checked]:
    """Read and check each file in a worker process of its own, in order; the cell grid is dropped once
    checked, so memory stays flat.  A file that crashes or hangs its reader gets ``file.reader-crashed``
    or ``file.too-slow``; the other files go on in a fresh worker.

    ``workers=None`` uses one process per core, up to 4, from 16 files on (the checks are Python-bound)."""
    jobs = [(e.path, e.name) for e in entries]
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if len(jobs) >= 16 else 1
    cells: dict[tuple, tuple] = {}
    for (path, name), out in isolated_map(_check_job, jobs, (plan, period, key), workers, timeout=timeout,
                                          memory_limit=READ_MEMORY):
        out = _failed(path, name, out, timeout) if isinstance(out, Failure) else _share_cells(pickle.loads(out), cells)
        yield out
        if progress:
            progress(path)


def _check_job(context, job) -> bytes:
    """Read and check one file in a worker: what it turned out to be, packed for the trip to the merge."""
    plan, period, key = context
    path, name = job
    wb = read_return(path, name)
    if wb.properties.get("output"):   # a consolidated workbook of ours, dropped among the returns
        wb.findings.append(Finding("file.output-skipped", file=name, seen=name))
        wb.sheets = {}
        return _packed(Checked(wb, findings=Findings(wb.findings)))
    c = check_return(wb, plan, period or _claimed_period(wb, plan), key)
    c.workbook.sheets, c.workbook.cover = {}, None
    return _packed(c)


_SHARED_CELLS = 100_000     # distinct (input key, cell) tuples kept to share: an agency's rows are where it got them


def _share_cells(c: Checked, seen: dict[tuple, tuple]) -> Checked:
    """Each result's ``cells`` (input key and A1 cell of each value read) replaced by an equal tuple of an earlier
    return, if any: agencies given the same rows have the same cells, and a tuple of pairs of short strings
    unpacked anew for every result is some 500 bytes (35 MB at 4,200 returns)."""
    for r in c.results.values():
        got = seen.get(r.cells)
        if got is None:
            if len(seen) < _SHARED_CELLS:
                seen[r.cells] = r.cells
        elif got is not r.cells:
            object.__setattr__(r, "cells", got)     # a frozen Result: its value is the same
    return c


def _packed(c: Checked) -> bytes:
    """``c`` pickled with its figures as plain ints (a Fraction pickles to text the merge must parse back,
    ~3 µs each) and its words by name (an enum pickles to a call of the enum class): unpacking the results
    of a return in the merge's process, which every worker waits on, costs about half as much."""
    buf = io.BytesIO()
    p = pickle.Pickler(buf, pickle.HIGHEST_PROTOCOL)
    p.dispatch_table = _PACKING
    p.dump(c)
    return buf.getvalue()


def _fraction(x: Fraction):
    return (Fraction, (x.numerator,)) if x.denominator == 1 else (Fraction, (x.numerator, x.denominator))


def _by_name(e: enum.Enum):
    return getattr, (type(e), e.name)


_result_values = operator.attrgetter(*RESULT_FIELDS)


def _result(r: Result):
    """A result as its fields' values in order (no field names, no instance dict to fill: the merge unpacks some
    18 results a return), made again by :func:`parxl.checks.make_result`."""
    return make_result, _result_values(r)


_PACKING = {**copyreg.dispatch_table, Fraction: _fraction, Verdict: _by_name, TaskStatus: _by_name,
            Severity: _by_name, Result: _result}


def _failed(path: Path, name: str, failure: Failure, timeout: float) -> Checked:
    """What is known of a file whose reader died or hung: its size, time and hash, and why."""
    try:
        st = os.stat(path)
        size, mtime = st.st_size, dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).replace(microsecond=0)
        sha = file_sha256(path)
    except OSError:
        size, mtime, sha = 0, dt.datetime.fromtimestamp(0, dt.timezone.utc), ""
    wb = Workbook(path, name, sha, size, mtime)
    if failure.kind == "timeout":
        f = Finding("file.too-slow", file=name, seen=failure.detail, expected=f"{timeout:g}")
    else:
        f = Finding("file.reader-crashed", file=name, seen=failure.detail)
    return Checked(wb, findings=Findings([f]))


def _listed(entry: Entry) -> Checked:
    """An entry that is not opened: it is listed with the findings that say why."""
    wb = Workbook(entry.path, entry.name, "", 0, dt.datetime.fromtimestamp(0, dt.timezone.utc))
    return Checked(wb, findings=Findings(entry.findings))


def merge(plan: Plan, period: Period, returns_dir: str | Path, key: bytes | None,
          progress: Callable[[Entry], None] | None = None, workers: int | None = None,
          entries: list[Entry] | None = None, allow_empty: bool = True,
          now: dt.datetime | None = None, timeout: float = READ_TIMEOUT) -> Report:
    """Merge every return under ``returns_dir``.  Raises :class:`UsageError` when the folder holds no
    spreadsheet or when every signed return is for another period (unless ``allow_empty``), and
    :class:`KeyFileError` when no signed return verifies with the key."""
    with kept_from_collection() as keep:
        return _merge(plan, period, returns_dir, key, progress, workers, entries, allow_empty, now, timeout, keep)


def _merge(plan: Plan, period: Period, returns_dir: str | Path, key: bytes | None, progress, workers, entries,
           allow_empty: bool, now, timeout: float, keep: Callable[[], None]) -> Report:
    """:func:`merge`, freezing what it builds with ``keep`` (see parxl.collector.kept_from_collection)."""
    entries = find_returns(returns_dir) if entries is None else entries
    to_read = [e for e in entries if e.readable]
    if not to_read and not allow_empty:
        raise UsageError(_("no spreadsheet (.xlsx, .xlsm, .ods) found in {folder}; check the folder, or pass "
                           "--allow-empty to write a report of missing returns").format(folder=returns_dir))
    listed = {e.name: _listed(e) for e in entries if not e.readable}
    extra = {e.name: e.findings for e in to_read if e.findings}
    signatures: Counter = Counter()     # (verified?, period claimed) of every identity checked
    log, log_findings = receipts.read_log(returns_dir)
    keep()          # the plan too, before the workers fork: their collections then skip what they inherit
    read = _kept(check_files(to_read, plan, period, key, progress, workers, timeout), keep)
    checked = _tallied(_in_name_order(read, listed, extra), signatures)
    report = build_report(plan, period, checked, now, received=log)
    report.findings.extend([*log_findings, *receipts.unknown(log, (e.name for e in entries))])
    if key is not None:
        _check_key(signatures)
    if not allow_empty:
        _check_period(signatures, period)
    return report


def _kept(checked: Iterator[Checked], keep: Callable[[], None]) -> Iterator[Checked]:
    """Each checked return, kept from the collector (see parxl.collector.kept_from_collection) once it has arrived."""
    for c in checked:
        keep()
        yield c


def _tallied(checked: Iterator[Checked], signatures: Counter) -> Iterator[Checked]:
    for c in checked:
        if c.signed is not None:
            signatures[c.signed, c.identity.get("period", "")] += 1
        yield c


def _in_name_order(read: Iterator[Checked], listed: dict[str, Checked], extra: dict) -> Iterator[Checked]:
    """The read files and the listed entries, merged in name order (both come sorted by name)."""
    pending = deque(sorted(listed.items()))
    for c in read:
        while pending and pending[0][0] < c.workbook.name:
            yield pending.popleft()[1]
        if c.workbook.name in extra:
            c.findings.extend(extra[c.workbook.name])
        yield c
    for _name, c in pending:
        yield c


def _check_key(signatures: Counter) -> None:
    """No signed return verifying means the key, not the returns, is wrong: one genuine return proves the
    key, and then every other bad signature is that file's own (``identity.bad-signature``)."""
    bad = sum(n for (ok, _period), n in signatures.items() if not ok)
    if bad and bad == sum(signatures.values()):
        raise KeyFileError(_(
            "the signed return does not verify with this key: the key is not the one the workbooks were "
            "generated with (see --key, or the working folder's key); nothing was written") if bad == 1 else _(
            "none of the {n} signed returns verifies with this key: the key is not the one the workbooks were "
            "generated with (see --key, or the working folder's key); nothing was written").format(
                n=format_number(bad)))


def _check_period(signatures: Counter, period: Period) -> None:
    """Returns that all prove to be of another period mean a wrong --period or a wrong folder, not
    agencies that sent nothing: refuse, naming the periods they are for (``allow_empty`` skips this:
    the first file in may really be an agency's old one)."""
    claimed = Counter()
    for (ok, code), n in signatures.items():
        if ok:
            claimed[code] += n
    if claimed and period.code not in claimed:
        codes = ", ".join(f"{code} ({format_number(n)})" for code, n in sorted(claimed.items()))
        raise UsageError(_("no return in the folder is for {period}: the signed returns are for {periods}; "
                           "check --period and the returns folder, or pass --allow-empty to report every agency as not returned; "
                           "nothing was written").format(
                             period=period.code, periods=codes))


def _saved_at(c: Checked, now: dt.datetime) -> tuple[dt.datetime | None, str | None, Finding | None]:
    """When the return was saved, and by what account: the workbook's own record ("document"), else the
    file's time ("file"), else unknown (None).  The workbook's record is not used when it lies more than a
    day in the future or before the template was even issued (a wrong clock, or an edited time); the
    file's time is not used when it lies in the future.  Days are Vietnam days (see vocab.VIETNAM)."""
    wb = c.workbook
    where = dict(file=wb.name, agency=c.agency)
    problem = None
    if wb.modified is None:
        problem = Finding("return.no-save-time", **where, expected=format_time(wb.mtime))
    elif wb.modified > now + CLOCK_SLACK:
        problem = Finding("return.clock-future", **where, seen=format_time(wb.modified),
                          expected=format_time(wb.mtime))
    elif (issued := _issued(c)) is not None and vietnam_time(wb.modified).date() < issued:
        problem = Finding("return.clock-before-issue", **where, seen=format_time(wb.modified),
                          expected=f"{issued:%d/%m/%Y}")
    else:
        return wb.modified, "document", None
    if wb.mtime > now + CLOCK_SLACK:
        return None, None, Finding("return.file-clock-future", **where, seen=format_time(wb.mtime))
    return wb.mtime, "file", problem


def _issued(c: Checked) -> dt.date | None:
    """The day the template was issued, from its signed identity."""
    try:
        return dt.date.fromisoformat(c.identity.get("issued", ""))
    except ValueError:
        return None


def _late(c: Checked, at: dt.datetime | None, source: str | None, period: Period,
          received: dt.datetime | None = None) -> Finding | None:
    """A return that came after the due date, judged by the Vietnam day of what dates it: the day the receipt
    log says it was received (``return.late-received``: what the regulation counts), else the workbook's save
    time (``return.late``), else the file's own time (``return.late-file-time``: weaker evidence, as a copy or a
    download sets it too)."""
    if received is not None:
        if vietnam_time(received).date() <= period.due:
            return None
        return Finding("return.late-received", file=c.workbook.name, agency=c.agency, seen=format_time(received),
                       expected=f"{period.due:%d/%m/%Y}")
    if at is None or vietnam_time(at).date() <= period.due:
        return None
    code = "return.late" if source == "document" else "return.late-file-time"
    return Finding(code, file=c.workbook.name, agency=c.agency, seen=format_time(at), expected=f"{period.due:%d/%m/%Y}")


def _newest_key(at: dt.datetime | None, c: Checked) -> tuple:
    """Orders an agency's valid returns: by the time that dates each (a return whose time is unknown before
    any with a time), then, when two save times tie to the second, by the file's own time, then by name."""
    return (at is not None, at or _EPOCH, c.workbook.mtime, c.workbook.name)


def _tie(winner: Checked, valid: list[Checked], saved: dict) -> str | None:
    """What chose ``winner`` among the agency's ``valid`` returns when another's save time equals its own to the
    second: ``"file_time"`` (the file's own time), ``"name"`` (the name, sorting last; the file times tie too),
    or None (no tie)."""
    at = saved[id(winner)][0]
    tied = [c for c in valid if c is not winner and saved[id(c)][0] == at]
    if not tied:
        return None
    return "name" if any(c.workbook.mtime == winner.workbook.mtime for c in tied) else "file_time"


def build_report(plan: Plan, period: Period, checked: Iterable[Checked], now: dt.datetime | None = None,
                 received: dict[str, dt.datetime] | None = None) -> Report:
    """``received``: the returns folder's receipt log (:func:`parxl.receipts.read_log`): a return listed there is
    judged on time or late by the day it was received."""
    report = Report(plan, period)
    now = now or dt.datetime.now(dt.timezone.utc)
    chosen: dict[str, Checked] = {}
    seen: list[Checked] = []
    saved: dict[int, tuple[dt.datetime | None, str | None]] = {}
    for c in checked:
        seen.append(c)
        if c.accepted and c.agency:
            at, source, note = _saved_at(c, now)
            saved[id(c)] = (at, source)
            if note:
                c.findings.extend([note])
            old = chosen.get(c.agency)
            if old is None or _newest_key(at, c) > _newest_key(saved[id(old)][0], old):
                chosen[c.agency] = c
                loser = old
            else:
                loser = c
            if loser is not None:
                loser.results = {}   # only the latest return's values are used; keep memory flat
    # an agency is on time when its first valid return came by the due date: a correction sent later (a
    # re-issued workbook, a resubmission) supersedes its values, not the day it reported
    arrived = {id(x): receipts.received_at(received or {}, x.workbook.name) for x in seen}
    dated = {id(x): arrived[id(x)] or saved[id(x)][0] for x in seen if id(x) in saved}
    first: dict[str, Checked] = {}
    for x in seen:
        if dated.get(id(x)) is not None and (x.agency not in first or dated[id(x)] < dated[id(first[x.agency])]):
            first[x.agency] = x
    candidates = Counter(c.agency for c in seen if id(c) in saved)
    ties = {a: _tie(c, [x for x in seen if id(x) in saved and x.agency == a], saved)
            for a, c in chosen.items() if candidates[a] > 1}
    for c in seen:
        wb = c.workbook
        status, newer = REJECTED, None
        if c.accepted and c.agency:
            status = ACCEPTED if chosen[c.agency] is c else SUPERSEDED
            if status == SUPERSEDED:
                newer = chosen[c.agency].workbook.name
        elif not any(f.rejects for f in c.findings):
            status = SKIPPED
        at, source = saved.get(id(c), (None, None))
        got = arrived[id(c)]
        rivals = candidates[c.agency] - 1 if status == ACCEPTED else 0
        report.returns.append(ReturnEntry(wb.name, wb.sha256, c.agency or c.identity.get("agency") or None, status,
                                          c.identity.get("template_id"), wb.modified, wb.application, newer,
                                          saved_at=at, saved_source=source, rivals=rivals,
                                          tie=ties.get(c.agency) if status == ACCEPTED else None,
                                          received_at=got))
        report.findings.extend(c.findings)
        if status == SUPERSEDED:
            report.findings.append(Finding("return.superseded", file=wb.name, agency=c.agency, expected=newer))
        if status == ACCEPTED:
            f = first.get(c.agency, c)
            if (late := _late(f, *saved[id(f)], period, arrived[id(f)])):
                report.findings.append(late)
    for agency in plan.reporting_agencies():
        if agency not in chosen:
            report.missing.append(agency)
            report.findings.append(Finding("return.missing", agency=agency))
    for ind in plan.indicators:
        rows = []
        for rep in ind.reporters:
            c = chosen.get(rep.agency)
            rows.append(c.results[ind.code] if c else Result(rep.agency, ind.code, Verdict.NOT_RETURNED))
        report.results.extend(rows)
        returned = sum(rep.agency in chosen for rep in ind.reporters)
        report.indicators.append(measure_of(ind).aggregate(ind, rows, returned, period))
    return report


def merge_to_files(plan: Plan, period: Period, returns_dir: str | Path, out: str | Path, key: bytes | None,
                   report_path: str | Path | None = None,
                   progress: Callable[[Entry], None] | None = None, workers: int | None = None,
                   key_path: Path | None = None, allow_empty: bool = True,
                   entries: list[Entry] | None = None, ledger: str | Path | None = None) -> Report:
    """Merge a folder of returns and publish the consolidated workbook and the JSON report as a pair.

    Before anything is read, the outputs are checked (never onto a return, the key, each other, or
    inside the returns folder; writable) and locked against a concurrent run; both are written to
    temporary files and renamed into place together only once both are complete.

    With ``ledger`` (parxl.ledger), the run is recorded inside the lock once the outputs are published, and
    the outputs carry the previous period's figures, the year so far and what resubmitted returns changed.
    The ledger never costs the outputs: when it cannot be used (misplaced, locked, corrupt, newer schema)
    the workbook and the report are written all the same, without its history, and ``report.ledger_problem``
    says why, for the caller to print.  A return superseded in the folder is read again to show what
    its successor changed (sheet "Nộp lại"), with or without a ledger."""
    from . import history_checks, merge_ledger
    from .consolidate import render_consolidated
    returns_dir = Path(returns_dir)
    out = Path(out)
    report_path = Path(report_path) if report_path else None
    entries = find_returns(returns_dir) if entries is None else entries
    protected = [e.path for e in entries] + ([key_path] if key_path else [])
    check_output_paths({"--out": out, "--report": report_path}, inputs_folder=returns_dir, protected=protected,
                       suffixes={"--out": (".xlsx",), "--report": (".json",)})
    ledger_problem = None
    if ledger is not None:
        try:
            check_output_paths({"--out": out, "--report": report_path, "--ledger": Path(ledger)},
                               inputs_folder=returns_dir, protected=protected)
        except UsageError as e:
            ledger, ledger_problem = None, str(e)
    paths = {e.name: e.path for e in entries}

    def reread(name: str):
        """A superseded return's values, read again (the merge dropped them to keep memory flat)."""
        if name not in paths:
            return None
        if any(f.file == name and f.code in _NOT_REREAD for f in report.findings):
            return None           # its first read was costly (file.much-work): not paid twice
        c = check_paths([paths[name]], plan, period, key)[0]
        return c.results if c.accepted else None

    with OutputLock(out), kept_from_collection() as keep:
        report = _merge(plan, period, returns_dir, key, progress, workers, entries, allow_empty, None, READ_TIMEOUT,
                        keep)
        keep()                    # the report, held until the outputs are written and the run recorded
        led = merge_ledger.prepare(report, Path(ledger) if ledger is not None else None, reread)
        if led is not None:       # the agencies' figures against their own year so far, before this run is recorded
            history_checks.add_to_report(report, led, key)
        report.ledger_problem = report.ledger_problem or ledger_problem
        try:
            with atomic_paths(*([out, report_path] if report_path else [out])) as tmps:
                render_consolidated(report, tmps[0])
                if report_path:
                    with open(tmps[1], "w", encoding="utf-8", newline="\n") as fh, gc_paused():
                        report.write_json(fh)
        except BaseException:
            if led is not None:
                led.close()
            raise
        merge_ledger.finish(report, led, {"returns": str(returns_dir), "signed": key is not None,
                                          "allow_empty": allow_empty}, key)
    return report


def check_paths(paths: list[Path], plan: Plan, period: Period | None, key: bytes | None,
                progress: Callable[[Entry], None] | None = None, timeout: float = READ_TIMEOUT) -> list[Checked]:
    """Check single returns without merging; without a period, each against the period it claims.

    Each file is read in a worker process (a crash or a hang costs that file only); a path that is
    not a regular file (a FIFO, a folder) is reported, never opened."""
    entries = []
    for p in paths:
        name, bad = safe_name(str(p))
        entries.append(Entry(Path(p), name, (Finding("file.bad-name", file=name, seen=name),) if bad else ()))
    out = list(check_files(entries, plan, period, key, progress, workers=1, timeout=timeout))
    for e, c in zip(entries, out):
        c.findings.extend(e.findings)
    return out


def _claimed_period(wb: Workbook, plan: Plan) -> Period:
    """The period a return claims in its identity, else the plan year's Q4."""
    try:
        return Period.parse((wb.identity_sheet or {}).get("period", ""))
    except UsageError:
        return Period.parse(f"{plan.year}-Q4")
