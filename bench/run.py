"""parxl against the floor, measured side by side in one run.

    python bench/run.py [--runs 3] [--scale 5000] [--quick]

1. generate vs bare xlsxwriter replaying exactly the same calls (cells, formats, validations);
   also with a process pool of 2.
2. merge (read + check + consolidate) vs a bare python-calamine read of the same files, and vs
   the route a user would write with pandas + openpyxl.
3. a scale run: N returns merged in a child process; time and peak memory (the largest of the
   process and its pool's workers), beside a run on N/5 (flat memory: the two peaks are about equal).

Both on the bundled plan (48 agencies) and on a synthetic registry of 280 agencies (the bundled
one plus synthetic communes "Xã thử nghiệm NNN", which are not real names).
Prints medians over --runs runs and the ratios.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import xlsxwriter  # noqa: E402

from parxl import writer  # noqa: E402
from parxl.demo import simulate  # noqa: E402
from parxl.identity import keygen, load_key  # noqa: E402
from parxl.merge import find_returns, merge, merge_to_files  # noqa: E402
from parxl.periods import Period  # noqa: E402
from parxl.plan import load_plan  # noqa: E402

PLAN = ROOT / "templates" / "quangnam-2024" / "plan.toml"
REGISTRY = ROOT / "templates" / "quangnam-2024" / "agencies.toml"


def synthetic_registry(path: Path, total: int = 280) -> Path:
    """The bundled registry plus synthetic communes under the 18 districts, to ``total`` reporting agencies."""
    text = REGISTRY.read_text(encoding="utf-8")
    plan = load_plan(PLAN)
    districts = plan.registry.members("ubnd-huyen")
    n = total - len(plan.reporting_agencies())
    extra = [f'\n[[agency]]\ncode = "XA{k:03d}"\nname = "Xã thử nghiệm {k:03d}"\ngroup = "ubnd-xa"\n'
             f'parent = "{districts[k % len(districts)]}"\n' for k in range(1, n + 1)]
    path.write_text(text + "".join(extra), encoding="utf-8")
    return path


# -- bare xlsxwriter: record parxl's calls, replay them without parxl ------------------------------

class _Rec:
    def __init__(self, log, target, obj):
        self._log, self._target, self._obj = log, target, obj

    def __getattr__(self, name):
        attr = getattr(self._obj, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            self._log.append((self._target, name, [_enc(a) for a in args], {k: _enc(v) for k, v in kwargs.items()}))
            return attr(*args, **kwargs)
        return call


def _enc(v):
    if isinstance(v, xlsxwriter.format.Format):
        return ("F", v._rec_id)
    if isinstance(v, dict):
        return {k: _enc(x) for k, x in v.items()}
    return v


def _dec(v, fmts):
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "F":
        return fmts[v[1]]
    if isinstance(v, dict):
        return {k: _dec(x, fmts) for k, x in v.items()}
    return v


class RecordingWorkbook(xlsxwriter.Workbook):
    logs: list = []

    def __init__(self, filename, options=None):
        self.log, self.nf = None, 0        # xlsxwriter adds its default format while initialising
        super().__init__(filename, options)
        self.log = [("wb", "__init__", [dict(options or {})], {})]
        RecordingWorkbook.logs.append(self.log)

    def add_format(self, props=None):
        f = super().add_format(props)
        if self.log is None:
            return f
        f._rec_id = self.nf
        self.nf += 1
        self.log.append(("wb", "add_format", [dict(props or {})], {}))
        return f

    def add_worksheet(self, name=None):
        ws = super().add_worksheet(name)
        self.log.append(("wb", "add_worksheet", [name], {}))
        return _Rec(self.log, len([x for x in self.log if x[1] == "add_worksheet"]) - 1, ws)

    def set_properties(self, p):
        self.log.append(("wb", "set_properties", [p], {}))
        return super().set_properties(p)

    def set_custom_property(self, *a):
        self.log.append(("wb", "set_custom_property", list(a), {}))
        return super().set_custom_property(*a)


def record_calls(plan, period, key, agencies, out: Path) -> list:
    RecordingWorkbook.logs = []
    real = writer.xlsxwriter.Workbook
    writer.xlsxwriter.Workbook = RecordingWorkbook
    try:
        writer.generate(plan, period, out, key, agencies)
    finally:
        writer.xlsxwriter.Workbook = real
    return RecordingWorkbook.logs


def replay(logs: list, out: Path) -> None:
    for k, log in enumerate(logs):
        opts = log[0][2][0]
        wb = xlsxwriter.Workbook(str(out / f"bare_{k}.xlsx"), opts)
        fmts, sheets = [], []
        for target, meth, args, kwargs in log[1:]:
            args = [_dec(a, fmts) for a in args]
            kwargs = {a: _dec(v, fmts) for a, v in kwargs.items()}
            if target == "wb":
                if meth == "add_format":
                    fmts.append(wb.add_format(*args))
                elif meth == "add_worksheet":
                    sheets.append(wb.add_worksheet(*args))
                else:
                    getattr(wb, meth)(*args, **kwargs)
            else:
                getattr(sheets[target], meth)(*args, **kwargs)
        wb.close()


# -- the floors for reading ----------------------------------------------------------------------

def bare_calamine(files):
    import python_calamine as pc
    cells = 0
    for f in files:
        wb = pc.CalamineWorkbook.from_path(str(f))
        for name in wb.sheet_names:
            cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
    return cells


def pandas_openpyxl(files):
    """What a user would write: read every sheet of every file with pandas, stack the input sheets."""
    import pandas as pd
    frames = []
    for f in files:
        for _name, df in pd.read_excel(f, sheet_name=None, engine="openpyxl", header=3).items():
            if "Mã chỉ tiêu" in df.columns:
                df["file"] = f.name
                frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else None


def timed(fn, runs):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def fill_all(plan, period, issued, returns: Path, seed=1):
    rng = random.Random(seed)
    when = dt.datetime(2024, 9, 16, 8, 0, tzinfo=dt.timezone.utc)
    for i in issued:
        values = simulate.answers(plan, i.agency, period, rng)
        simulate.fill_openpyxl(i.path, returns / i.path.name, plan, i.agency, values, when)


SCALE_CHILD = """
import resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[5])
from parxl.identity import load_key
from parxl.merge import merge_to_files
from parxl.periods import Period
from parxl.plan import load_plan
plan = load_plan(sys.argv[1], sys.argv[2])
t = time.perf_counter()
r = merge_to_files(plan, Period.parse("2024-Q3"), Path(sys.argv[3]), Path(sys.argv[4]) / "th.xlsx", load_key(Path(sys.argv[4]) / "k.key"))
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(round(time.perf_counter() - t, 2), peak // 1024, len(r.returns))
"""


def scale_run(registry: Path, returns: Path, n: int, work: Path, key_path: Path):
    d = work / f"scale{n}"
    d.mkdir()
    src = sorted(returns.glob("*.xlsx"))
    for k in range(n):
        f = src[k % len(src)]
        os.link(f, d / f"{k:05d}_{f.name}")
    shutil.copyfile(key_path, work / "k.key")
    r = subprocess.run([sys.executable, "-c", SCALE_CHILD, str(PLAN), str(registry), str(d), str(work), str(ROOT)],
                       capture_output=True, text=True, check=True)
    secs, peak, count = r.stdout.split()
    shutil.rmtree(d)
    return float(secs), int(peak), int(count)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scale", type=int, default=5000)
    ap.add_argument("--quick", action="store_true", help="bundled plan only, one run, scale 1000")
    a = ap.parse_args()
    if a.quick:
        a.runs, a.scale = 1, 1000
    period = Period.parse("2024-Q3")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        kp = keygen(work / "parxl.key")
        key = load_key(kp)
        setups = [("bundled plan, 48 agencies", None)]
        if not a.quick:
            setups.append(("synthetic registry, 280 agencies", synthetic_registry(work / "agencies280.toml")))
        for label, reg in setups:
            plan = load_plan(PLAN, reg)
            agencies = plan.reporting_agencies()
            tag = "r280" if reg else "r48"
            print(f"\n== {label}: {len(agencies)} workbooks, median of {a.runs} run(s)")
            out = work / tag
            logs = record_calls(plan, period, key, agencies, out / "rec")
            t_parxl = timed(lambda: writer.generate(plan, period, out / "g1", key, agencies), a.runs)
            t_pool = timed(lambda: writer.generate(plan, period, out / "g2", key, agencies, workers=2), a.runs)
            (out / "bare").mkdir(parents=True, exist_ok=True)
            t_bare = timed(lambda: replay(logs, out / "bare"), a.runs)
            print(f"generate   parxl {t_parxl:7.2f} s | pool of 2 {t_pool:7.2f} s | bare xlsxwriter {t_bare:7.2f} s"
                  f" | parxl/bare {t_parxl / t_bare:5.2f}x | pool/bare {t_pool / t_bare:5.2f}x")
            issued = writer.generate(plan, period, out / "issued", key, agencies)
            returns = out / "returns"
            returns.mkdir()
            fill_all(plan, period, issued, returns)
            files = find_returns(returns)
            t_merge = timed(lambda: merge_to_files(plan, period, returns, out / "th.xlsx", key, out / "r.json"), a.runs)
            t_check = timed(lambda: merge(plan, period, returns, key), a.runs)
            t_check1 = timed(lambda: merge(plan, period, returns, key, workers=1), a.runs)
            t_cal = timed(lambda: bare_calamine(files), a.runs)
            t_pd = timed(lambda: pandas_openpyxl(files), 1 if a.runs < 3 else 2)
            print(f"merge      parxl {t_merge:7.2f} s | bare calamine read {t_cal:7.2f} s | pandas+openpyxl {t_pd:7.2f} s"
                  f" | parxl/calamine {t_merge / t_cal:5.2f}x | pandas/parxl {t_pd / t_merge:5.2f}x")
            print(f"           of which read + check {t_check:7.2f} s ({t_check / t_cal:5.2f}x calamine; "
                  f"in one process {t_check1:7.2f} s, {t_check1 / t_cal:5.2f}x), "
                  f"consolidated workbook + JSON {t_merge - t_check:7.2f} s")
            results[tag] = {"agencies": len(agencies), "generate_s": t_parxl, "generate_pool2_s": t_pool,
                            "bare_xlsxwriter_s": t_bare, "merge_s": t_merge, "bare_calamine_s": t_cal,
                            "pandas_openpyxl_s": t_pd, "read_check_s": t_check,
                            "read_check_one_process_s": t_check1}
            if reg or a.quick:
                small = max(50, a.scale // 5)
                s1, p1, n1 = scale_run(reg or REGISTRY, returns, small, work, kp)
                s2, p2, n2 = scale_run(reg or REGISTRY, returns, a.scale, work, kp)
                print(f"scale      {n1} returns: {s1:.1f} s, peak {p1} MB | {n2} returns: {s2:.1f} s, peak {p2} MB"
                      f" | per return {1000 * s2 / n2:.1f} ms | peak ratio {p2 / p1:.2f}")
                results["scale"] = {"small": [n1, s1, p1], "large": [n2, s2, p2]}
    print("\n" + json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
