"""A whole quarter on the bundled plan, in one call: generate, simulate the agencies, merge."""
from __future__ import annotations

import datetime as dt
from collections import Counter
import random
from pathlib import Path
from typing import Callable

from . import libreoffice, simulate
from .. import receipts
from ..i18n import _, language
from ..identity import KEY_FILE_NAME, resolve_key
from ..merge import merge_to_files
from ..periods import Period
from ..plan import load_plan
from ..report import section_line
from ..vocab import format_number as N, vietnam_time
from ..writer import generate
from ..documents import write_documents

PERIOD = "2024-Q3"
# the documents (parxl report) count days overdue to this many days after the due date
DOCUMENTS_AFTER_DUE = dt.timedelta(days=10)


def run_demo(out_dir: str | Path, plan_path: str | Path, seed: int = 2024, libreoffice_fill: bool = True,
             echo: Callable[[str], None] = print) -> str:
    """Simulate 2024-Q3: most agencies meet most targets, three never return, one returns twice,
    one sends a broken file, one fills through LibreOffice (when soffice is installed)."""
    simulate.require_openpyxl()          # before anything is written
    out = Path(out_dir)
    issued, returns = out / "issued", out / "returns"
    returns.mkdir(parents=True, exist_ok=True)
    for old in returns.rglob("*"):
        if old.is_file():
            old.unlink()
    plan = load_plan(plan_path)
    period = Period.parse(PERIOD)
    key, kpath, _created = resolve_key(None, out / KEY_FILE_NAME, create_at=out / KEY_FILE_NAME)
    echo(_("generating workbooks for {period} ...").format(period=period.code))
    issues = generate(plan, period, issued, key, workers=2)
    rng = random.Random(seed)
    agencies = [i.agency for i in issues]
    by_agency = {i.agency: i.path for i in issues}
    shuffled = agencies[:]
    rng.shuffle(shuffled)
    never, twice, broken, lo_agency = shuffled[:3], shuffled[3], shuffled[4], shuffled[5]
    base = dt.datetime.combine(period.window[1], dt.time(9, 0), dt.timezone.utc)
    echo(_("simulating {n} agencies filling their workbooks ...").format(n=N(len(agencies) - len(never))))
    lo_used = False
    arrived: dict[str, dt.datetime] = {}       # each return simulated → when it reached the secretariat
    for k, a in enumerate(agencies):
        if a in never:
            continue
        values = simulate.answers(plan, a, period, rng, miss_rate=0.06)
        when = base + dt.timedelta(hours=3 * k)
        dst = returns / f"{a.lower()}_baocao_quy3.xlsx"
        if a == broken:
            data = by_agency[a].read_bytes()
            dst.write_bytes(data[: len(data) // 3])      # a truncated upload
            arrived[dst.name] = when
            continue
        if a == lo_agency and libreoffice_fill and libreoffice.available():
            simulate.fill_libreoffice(by_agency[a], dst, plan, a, values)     # saved now: the receipt log dates it
            arrived[dst.name] = when
            lo_used = True
            continue
        if a == twice:
            first = dict(values)
            code = next(iter(first))
            first[code] = {**first[code], "status": "Đang thực hiện", "evidence": None}
            simulate.fill_openpyxl(by_agency[a], returns / f"{a.lower()}_lan1.xlsx", plan, a, first, when)
            arrived[f"{a.lower()}_lan1.xlsx"] = when
            when = when + dt.timedelta(days=2)
            dst = returns / f"{a.lower()}_lan2_bosung.xlsx"
        simulate.fill_openpyxl(by_agency[a], dst, plan, a, values, when)
        arrived[dst.name] = when
    write_receipt_log(returns, arrived)
    echo(_("merging ..."))
    report = merge_to_files(plan, period, returns, out / "tong-hop-2024-Q3.xlsx", key, out / "report-2024-Q3.json")
    as_of = period.due + DOCUMENTS_AFTER_DUE
    documents = write_documents(report, out / "van-ban", key=key, as_of=as_of, issued=as_of)
    c = report.counts()
    if lo_used:
        lo_text = _("{agency} saved its return with LibreOffice").format(agency=lo_agency)
    elif not libreoffice_fill:
        lo_text = _("LibreOffice not used (--no-libreoffice)")
    else:
        lo_text = _("LibreOffice not found, skipped: {agency} filled without it (install LibreOffice Calc to "
                    "include a return saved by it)").format(agency=lo_agency)
    lines = [f"parxl demo — {plan.title}, {period.code}",
             _("simulated: {n} agencies issued; {never} never returned ({codes}); {twice} returned twice; "
               "{broken} sent a broken file; ").format(n=N(len(agencies)), never=N(len(never)),
                                                       codes=", ".join(never), twice=twice, broken=broken) + lo_text,
             _("returns: {accepted} accepted, {rejected} rejected, {superseded} superseded; {missing} agencies "
               "missing").format(**{k: N(v) for k, v in c.items()}),
             _("agency results: {counts}").format(counts=", ".join(
                 f"{N(n)} {_verdict_words(v)}" for v, n in Counter(r.verdict for r in report.results).most_common())),
             _("targets by section (province-wide):")]
    lines += [section_line(s) for s in report.by_section()]
    lines.append(_("documents ({n} files: draft report, correction sheets, reminders): {path}").format(
        n=len(documents), path=out / "van-ban"))
    lines += _aligned([(_("consolidated workbook:"), out / "tong-hop-2024-Q3.xlsx"),
                       (_("JSON report:"), out / "report-2024-Q3.json"),
                       (_("key:"), kpath)])
    return "\n".join(lines)


def write_receipt_log(returns_dir: Path, arrived: dict[str, dt.datetime]) -> Path:
    """The returns folder's receipt log (parxl.receipts), written as the secretariat keeps it, with each simulated
    return's planted arrival time: a return saved now (through LibreOffice) is then judged by the day it
    arrived, not by today's date, and the demo is the same every run."""
    rows = ["Tệp;Ngày nhận;Ghi chú"] + [f"{name};{vietnam_time(at):%d/%m/%Y %H:%M:%S};thư điện tử"
                                        for name, at in sorted(arrived.items(), key=lambda x: (x[1], x[0]))]
    path = returns_dir / receipts.LOG_NAME
    path.write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    return path


YEAR = 2024
YEAR_MISS_RATES = (0.30, 0.20, 0.12, 0.05)     # agencies miss fewer targets as the year goes on


def run_year(out_dir: str | Path, plan_path: str | Path, seed: int = 2024, agencies: list[str] | None = None,
             echo: Callable[[str], None] = print) -> str:
    """Simulate the reporting year 2024 on one ledger: Quý I, 6 tháng, Quý III and the annual report in
    sequence, each generated, filled and merged into ``OUT_DIR/tong-hop-2024-Qn.xlsx`` and
    ``report-2024-Qn.json``, every merge recorded in ``OUT_DIR/parxl-ledger.sqlite`` (made afresh).

    Returns improve over the year (fewer targets missed each quarter); one agency returns the six-month
    report late (merged without it, then again once it arrives after the due date: the ledger keeps both
    runs); one agency corrects its Quý III return (a digit dropped from a numerator, then the right figure:
    sheet "Nộp lại"). The annual workbook's "Diễn biến" shows the four periods.  ``agencies``
    limits the simulation to some agencies (the tests); by default every agency of the plan reports.
    Returns the summary printed by ``parxl demo --year``."""
    simulate.require_openpyxl()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ledger = out / "parxl-ledger.sqlite"
    for p in (ledger, ledger.with_name(ledger.name + "-wal"), ledger.with_name(ledger.name + "-shm")):
        if p.exists():
            p.unlink()
    plan = load_plan(plan_path)
    key, kpath, _created = resolve_key(None, out / KEY_FILE_NAME, create_at=out / KEY_FILE_NAME)
    rng = random.Random(seed)
    codes = agencies or plan.reporting_agencies()
    order = codes[:]
    rng.shuffle(order)
    late, corrects = order[0], order[1 % len(order)]
    so_far: dict[str, dict] = {}       # each agency's true figures of the year so far: the next period continues them
    shrunk = rebased = None            # the two slips planted on purpose (simulate.plant_shrink, plant_baseline)
    lines = [f"parxl demo --year — {plan.title}, {YEAR}",
             _("simulated: {n} agencies; {late} returns the six-month report late; {corrects} corrects its Quý III "
               "return").format(n=N(len(codes)), late=late, corrects=corrects)]
    report = None
    for q, miss in zip(range(1, 5), YEAR_MISS_RATES):
        period = Period.parse(f"{YEAR}-Q{q}")
        issued, returns = out / "issued" / period.code, out / "returns" / period.code
        returns.mkdir(parents=True, exist_ok=True)
        for old in returns.rglob("*"):
            if old.is_file():
                old.unlink()
        echo(_("{period}: generating, filling, merging ...").format(period=period.code))
        by_agency = {i.agency: i.path for i in generate(plan, period, issued, key, agencies=codes, workers=2)}
        base = dt.datetime.combine(period.window[1], dt.time(9, 0), dt.timezone.utc)
        held = None
        for k, a in enumerate(codes):
            before = so_far.get(a)
            values = simulate.answers(plan, a, period, rng, miss_rate=miss, before=before)
            so_far[a], values = values, dict(values)
            if q == 3 and shrunk is None and before and a not in (late, corrects):
                if slip := simulate.plant_shrink(plan, values, before):
                    shrunk = (a, slip)
            if q == 4 and rebased is None and a not in (late, corrects) and (shrunk is None or a != shrunk[0]):
                if slip := simulate.plant_baseline(values):
                    rebased = (a, slip)
            when = base + dt.timedelta(hours=2 * k)
            dst = returns / f"{a.lower()}_{period.code}.xlsx"
            if a == late and q == 2:
                held = (a, values)
                continue
            if a == corrects and q == 3:
                wrong = _wrong_numerator(values)
                if wrong is not None:
                    simulate.fill_openpyxl(by_agency[a], returns / f"{a.lower()}_{period.code}_lan1.xlsx", plan, a,
                                           wrong, when)
                    when += dt.timedelta(days=2)
                    dst = returns / f"{a.lower()}_{period.code}_lan2_dinh-chinh.xlsx"
            simulate.fill_openpyxl(by_agency[a], dst, plan, a, values, when)
        wb, js = out / f"tong-hop-{period.code}.xlsx", out / f"report-{period.code}.json"
        report = merge_to_files(plan, period, returns, wb, key, js, ledger=ledger)
        lines.append(_year_line(report))
        if held:
            a, values = held
            when = dt.datetime.combine(period.due, dt.time(15, 0), dt.timezone.utc) + dt.timedelta(days=5)
            simulate.fill_openpyxl(by_agency[a], returns / f"{a.lower()}_{period.code}_nop-muon.xlsx", plan, a,
                                   values, when)
            report = merge_to_files(plan, period, returns, wb, key, js, ledger=ledger)
            lines.append(_year_line(report) + _(" (merged again: {agency}'s late return)").format(agency=a))
        if report.ledger_problem or report.ledger_notice:
            lines.append("  " + _("ledger: {problem}").format(problem=report.ledger_problem or report.ledger_notice))
    if shrunk:
        a, (indicator, was, now) = shrunk
        lines.append("  " + _("planted on purpose: {agency} typed {indicator} as {now} for {period}, below its {was} "
                              "of {earlier} (warned: history.shrank)").format(
            agency=a, indicator=indicator, now=N(now), was=N(was), period=f"{YEAR}-Q3", earlier=f"{YEAR}-Q2"))
    if rebased:
        a, (indicator, was, now) = rebased
        lines.append("  " + _("planted on purpose: {agency} typed {indicator} with the baseline-year figure {now} for "
                              "{period}, not its earlier {was} (warned: history.baseline-changed)").format(
            agency=a, indicator=indicator, now=N(now), was=N(was), period=f"{YEAR}-Q4"))
    lines += [_("targets by section in the annual report (province-wide):")]
    lines += [section_line(s) for s in report.by_section()]
    annual = write_documents(report, out / "van-ban", kinds=("report",), ledger=ledger,
                             as_of=report.period.due + DOCUMENTS_AFTER_DUE)
    lines.append(_("draft annual report, with the year's timeliness: {path}").format(path=annual[0]))
    lines += _aligned([(_("annual consolidated workbook:"),
                        _("{path} (sheet Diễn biến: the year)").format(path=out / f"tong-hop-{YEAR}-Q4.xlsx")),
                       (_("ledger:"), ledger),
                       (_("key:"), kpath)])
    return "\n".join(lines)


def _wrong_numerator(values: dict) -> dict | None:
    """The same answers with a digit dropped from one rate's numerator (668 typed 66): the slip to correct."""
    for code, a in values.items():
        if isinstance(a.get("numerator"), int) and a["numerator"] >= 100:
            return {**values, code: {**a, "numerator": a["numerator"] // 10}}
    return None


def _year_line(report) -> str:
    c = report.counts()
    met = sum(f.verdict.final and f.verdict.value == "met" for f in report.indicators)
    changed = len({(x.agency, x.indicator) for x in report.changes})
    return ("  " + _("{period}: {accepted} returns accepted, {superseded} superseded, {missing} missing; {met} of "
                     "{n} targets met province-wide").format(
                period=report.period.code, accepted=N(c["accepted"]), superseded=N(c["superseded"]),
                missing=N(c["missing"]), met=N(met), n=N(len(report.indicators)))
            + (_("; {n} indicator(s) changed on resubmission").format(n=N(changed)) if changed else ""))


def _verdict_words(v) -> str:
    """A verdict as the summary counts it: Vietnamese in lower case ("đạt"), or the English value ("not met")."""
    return v.vi.lower() if language() == "vi" else v.value.replace("_", " ")


def _aligned(pairs) -> list[str]:
    """``label value`` lines with the values in one column, whatever the labels' language."""
    width = max(len(label) for label, _value in pairs)
    return [f"{label:<{width}} {value}" for label, value in pairs]
