"""Five minutes on a real office PC (Windows or macOS): does parxl do a quarter there?

What the test suite can only simulate on Linux, run for real: worker processes started by spawn, no
fork, no O_NONBLOCK, no resource/fcntl, the file system's own rules (case-insensitive names, a file
open in another program cannot be replaced), a working folder made by `parxl init`.

On the PC, with parxl installed with its demo extra (to fill workbooks as an agency would):

    py -m pip install "parxl[demo]"          (or, from a clone:  py -m pip install ".[demo]")
    py .ci\\office-pc-check.py               (macOS/Linux: python3 .ci/office-pc-check.py)

It works in a temporary folder, prints one line per step (OK / FAIL and why) and exits 1 if any step
failed.  Nothing outside the temporary folder is touched.  Send the whole output to the developers.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

PERIOD, NEXT = "2024-Q3", "2024-Q4"
AGENCIES = ("TAMKY", "HOIAN", "DIENBAN")
GOOD = {"III.4.2/1": {"numerator": 96, "denominator": 100}}
WHEN = dt.datetime(2024, 9, 16, 10, 0, tzinfo=dt.timezone.utc)
failures: list[str] = []


def cli(*args, cwd: Path, expect: int = 0) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PARXL_FOLDER", "PARXL_LANG", "PYTHONPATH")}
    r = subprocess.run([sys.executable, "-m", "parxl", *map(str, args)], cwd=cwd, env=env, capture_output=True,
                       text=True, encoding="utf-8", errors="replace", timeout=600)
    if r.returncode != expect:
        raise AssertionError(f"`parxl {' '.join(map(str, args))}` exited {r.returncode}, expected {expect}\n"
                             f"{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return r


def step(name: str):
    def run(fn):
        t = time.perf_counter()
        try:
            detail = fn() or ""
            print(f"OK    {name} ({time.perf_counter() - t:.1f} s) {detail}", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported, the next steps still run
            failures.append(name)
            print(f"FAIL  {name}: {e}", flush=True)
            if not isinstance(e, AssertionError):
                traceback.print_exc()
        return fn
    return run


def main() -> int:
    import parxl
    print(f"parxl {parxl.__version__} from {Path(parxl.__file__).parent}")
    print(f"Python {sys.version.split()[0]} on {platform.platform()}; start methods: "
          f"{__import__('multiprocessing').get_all_start_methods()}")
    tmp = Path(tempfile.mkdtemp(prefix="parxl-check-"))
    desk = tmp / "CCHC-2024"

    @step("import every module (no POSIX-only name at import)")
    def _():
        import importlib
        import pkgutil
        optional = ("parxl.__main__", "parxl.demo.uno_typist")     # runs the CLI; runs inside LibreOffice
        names = [m.name for m in pkgutil.walk_packages(parxl.__path__, "parxl.") if m.name not in optional]
        for n in names:
            importlib.import_module(n)
        return f"{len(names)} modules"

    @step("parxl init (bundled plan, key made)")
    def _():
        cli("init", desk, cwd=tmp)
        assert (desk / "parxl.toml").is_file() and (desk / "parxl.key").is_file()

    @step(f"parxl generate {PERIOD} in the working folder")
    def _():
        cli("generate", PERIOD, cwd=desk)
        n = len(list((desk / PERIOD / "phat-hanh").glob("*.xlsx")))
        assert n == 46, n
        return f"{n} workbooks"

    @step("agencies fill three workbooks (openpyxl)")
    def _():
        from parxl.demo import simulate
        from parxl.plan import load_plan
        plan = load_plan(desk / "ke-hoach" / "plan.toml")
        inbox = desk / PERIOD / "nhan"
        for a in AGENCIES:
            simulate.fill_openpyxl(desk / PERIOD / "phat-hanh" / f"{PERIOD}_{a}.xlsx", inbox / f"{a.lower()}.xlsx",
                                   plan, a, GOOD, WHEN)

    @step("parxl check (the folder's key verifies)")
    def _():
        r = cli("check", *sorted(p.name for p in (desk / PERIOD / "nhan").glob("*.xlsx")), cwd=desk / PERIOD / "nhan")
        assert "identity.no-key" not in r.stdout and "identity.bad-signature" not in r.stdout, r.stdout

    @step("parxl merge with 2 worker processes (spawn where there is no fork)")
    def _():
        cli("merge", PERIOD, "--workers", "2", cwd=desk)
        report = json.loads((desk / PERIOD / f"report-{PERIOD}.json").read_text(encoding="utf-8"))
        accepted = sorted(r["agency"] for r in report["returns"] if r["status"] == "accepted")
        assert accepted == sorted(AGENCIES), accepted
        leftovers = [p.name for p in (desk / PERIOD).iterdir() if p.name.endswith((".lock", ".tmp"))]
        assert not leftovers, f"left behind: {leftovers}"
        return "3 accepted, no lock file left"

    @step("a consolidated workbook open in another program is not lost")
    def _():
        out = desk / PERIOD / f"tong-hop-{PERIOD}.xlsx"
        before = out.read_bytes()
        with open(out, "rb"):     # Windows: an open file cannot be replaced, as when Excel has it open
            r = cli("merge", PERIOD, cwd=desk, expect=2 if os.name == "nt" else 0)
        if os.name == "nt":
            kept = [p.name for p in out.parent.glob(f"tong-hop-{PERIOD}*.xlsx") if p != out]
            assert kept and out.read_bytes() == before, (kept, r.stderr)
            return f"exit 2, new workbook kept as {kept[0]}; message: {r.stderr.strip()[:160]}"
        return "(replacing an open file is allowed on this system)"

    @step("parxl history (the folder's ledger)")
    def _():
        r = cli("history", "--agency", "TAMKY", cwd=desk)
        assert PERIOD in r.stdout, r.stdout

    @step(f"parxl generate {NEXT} with last period's values (the folder's ledger)")
    def _():
        r = cli("generate", NEXT, cwd=desk)
        assert PERIOD in r.stdout + r.stderr, r.stdout + r.stderr

    @step("a wrong key is refused without blaming the agencies")
    def _():
        cli("keygen", tmp / "other.key", cwd=tmp)
        r = cli("merge", PERIOD, "--key", tmp / "other.key", "--out", tmp / "x.xlsx", cwd=desk, expect=2)
        assert not (tmp / "x.xlsx").exists(), r.stderr

    print(f"\n{'all steps passed' if not failures else 'FAILED: ' + ', '.join(failures)}  (work folder: {tmp})")
    if not failures:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
