"""A whole quarter on the bundled plan, in one call: generate, simulate the agencies, merge."""
from __future__ import annotations

import datetime as dt
from collections import Counter
import random
from pathlib import Path
from typing import Callable

from . import libreoffice, simulate
from ..identity import KEY_FILE_NAME, resolve_key
from ..merge import merge_to_files
from ..periods import Period
from ..plan import load_plan
from ..report import section_line
from ..writer import generate

PERIOD = "2024-Q3"


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
    key, kpath, _ = resolve_key(None, out / KEY_FILE_NAME, create_at=out / KEY_FILE_NAME)
    echo(f"generating workbooks for {period.code} ...")
    issues = generate(plan, period, issued, key, workers=2)
    rng = random.Random(seed)
    agencies = [i.agency for i in issues]
    by_agency = {i.agency: i.path for i in issues}
    shuffled = agencies[:]
    rng.shuffle(shuffled)
    never, twice, broken, lo_agency = shuffled[:3], shuffled[3], shuffled[4], shuffled[5]
    base = dt.datetime.combine(period.window[1], dt.time(9, 0), dt.timezone.utc)
    echo(f"simulating {len(agencies) - len(never)} agencies filling their workbooks ...")
    lo_used = False
    for k, a in enumerate(agencies):
        if a in never:
            continue
        values = simulate.answers(plan, a, period, rng, miss_rate=0.06)
        when = base + dt.timedelta(hours=3 * k)
        dst = returns / f"{a.lower()}_baocao_quy3.xlsx"
        if a == broken:
            data = by_agency[a].read_bytes()
            dst.write_bytes(data[: len(data) // 3])      # a truncated upload
            continue
        if a == lo_agency and libreoffice_fill and libreoffice.available():
            simulate.fill_libreoffice(by_agency[a], dst, plan, a, values)
            lo_used = True
            continue
        if a == twice:
            first = dict(values)
            code = next(iter(first))
            first[code] = {**first[code], "status": "Đang thực hiện", "evidence": None}
            simulate.fill_openpyxl(by_agency[a], returns / f"{a.lower()}_lan1.xlsx", plan, a, first, when)
            when = when + dt.timedelta(days=2)
            dst = returns / f"{a.lower()}_lan2_bosung.xlsx"
        simulate.fill_openpyxl(by_agency[a], dst, plan, a, values, when)
    echo("merging ...")
    report = merge_to_files(plan, period, returns, out / "tong-hop-2024-Q3.xlsx", key, out / "report-2024-Q3.json")
    c = report.counts()
    lines = [f"parxl demo — {plan.title}, {period.code}",
             f"simulated: {len(agencies)} agencies issued; {len(never)} never returned ({', '.join(never)}); "
             f"{twice} returned twice; {broken} sent a broken file; "
             + (f"{lo_agency} saved its return with LibreOffice" if lo_used else "LibreOffice not used"),
             f"returns: {c['accepted']} accepted, {c['rejected']} rejected, {c['superseded']} superseded; "
             f"{c['missing']} agencies missing",
             "agency results: " + ", ".join(f"{n} {v.value.replace('_', ' ')}" for v, n in
                                            Counter(r.verdict for r in report.results).most_common()),
             "targets by section (province-wide):"]
    lines += [section_line(s) for s in report.by_section()]
    lines += [f"consolidated workbook: {out / 'tong-hop-2024-Q3.xlsx'}",
              f"JSON report:           {out / 'report-2024-Q3.json'}",
              f"key:                   {kpath}"]
    return "\n".join(lines)
