"""Shared fixtures: the bundled plan, a key, workbooks generated once per session."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from parxl.demo import libreoffice
from parxl.periods import Period
from parxl.plan import load_plan
from parxl.writer import generate

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "templates" / "quangnam-2024" / "plan.toml"
SEED = ROOT.parent / "shared" / "seed" / "000_e9165317fb568495.txt"
KEY = bytes.fromhex("11" * 32)


def pytest_collection_modifyitems(config, items):
    if libreoffice.available():
        return
    if os.environ.get("PARXL_REQUIRE_LIBREOFFICE") == "1":
        return  # the tests will run and fail: CI must have LibreOffice
    skip = pytest.mark.skip(reason="LibreOffice (soffice + python3-uno) is not installed")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def plan():
    return load_plan(PLAN)


@pytest.fixture(scope="session")
def period():
    return Period.parse("2024-Q3")


@pytest.fixture(scope="session")
def issued(plan, period, tmp_path_factory):
    """Every agency's workbook for 2024-Q3, generated once; tests copy, never modify them."""
    out = tmp_path_factory.mktemp("issued")
    return {i.agency: i.path for i in generate(plan, period, out, KEY)}


@pytest.fixture
def returns_dir(tmp_path):
    d = tmp_path / "returns"
    d.mkdir()
    return d


def copy_to(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


WHEN = dt.datetime(2024, 9, 16, 10, 0, tzinfo=dt.timezone.utc)
PARXL = [sys.executable, "-m", "parxl"]   # the CLI, whatever the PATH holds


def cli_env(**extra) -> dict:
    """The environment the CLI runs in for a test: this checkout's parxl, whatever folder the command runs in,
    and no language or work folder from the person running the tests (``extra`` sets them)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PARXL_LANG", "PARXL_FOLDER")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def cli(*args, cwd: Path | None = None, timeout: float = 300, **env) -> subprocess.CompletedProcess:
    """``parxl ARGS`` run as a person runs it, a subprocess in ``cwd`` (the checkout unless given); ``env``:
    environment variables to set (PARXL_LANG="vi", ...)."""
    return subprocess.run([*PARXL, *map(str, args)], capture_output=True, text=True, cwd=cwd or ROOT,
                          env=cli_env(**env), timeout=timeout)


def fill(issued: dict, plan, agency: str, dst: Path, values: dict, when: dt.datetime = WHEN) -> Path:
    """The agency's issued workbook (``issued``: agency → path) filled with ``values`` ({indicator code: {input
    key: as typed}}) in openpyxl, as a person fills it, saved at ``when`` to ``dst``."""
    from parxl.demo import simulate
    return simulate.fill_openpyxl(issued[agency], dst, plan, agency, values, when)


# -- every finding code is produced by some test ------------------------------------------------------------
# Each Finding created while the tests run (in this process, and in the merge's forked workers) has its code
# written to CODES_SEEN (one file per process).  When the whole suite ran and passed, the session fails if a
# catalog code was never produced: a check no test reaches is a check no test holds.  Runs of a subset
# (-k, -m, a file, a test id) only record.  The CLI run as a subprocess is not recorded: a code only a
# subprocess can produce is named in SUBPROCESS_ONLY with the test that asserts it.
import tempfile  # noqa: E402

from parxl.findings import CATALOG, Finding  # noqa: E402

CODES_SEEN = Path(tempfile.mkdtemp(prefix="parxl-codes-"))
_seen: set[str] = set()
_seen_pid = os.getpid()
_post_init = Finding.__post_init__


def _recording_post_init(self):
    global _seen_pid
    _post_init(self)
    if os.getpid() != _seen_pid:      # a forked worker: start its own file
        _seen.clear()
        _seen_pid = os.getpid()
    if self.code not in _seen:
        _seen.add(self.code)
        try:
            with open(CODES_SEEN / f"{_seen_pid}.txt", "a", encoding="utf-8") as f:
                f.write(self.code + "\n")
        except OSError:               # a worker under a tight limit (files, size): it stays unrecorded
            pass


Finding.__post_init__ = _recording_post_init


# Codes only a subprocess produces, each with the test that asserts it there: counted as produced when that
# test passed.  (A folder's permissions bind root only in a process without its capabilities.)
SUBPROCESS_ONLY = {
    "file.folder-unreadable":
        "tests/test_merge_safety.py::test_unreadable_subfolder_is_reported_not_silently_skipped",
}
_passed: set[str] = set()


def codes_produced() -> set[str]:
    seen = {c for p in CODES_SEEN.glob("*.txt") for c in p.read_text(encoding="utf-8").split()}
    return seen | {code for code, test in SUBPROCESS_ONLY.items() if test in _passed}


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        _passed.add(report.nodeid)


def _whole_suite(session) -> bool:
    """Whether this run selected every test: no paths but the configured ones, no -k, -m or --deselect, and
    LibreOffice there (or required) so its tests ran."""
    cfg = session.config
    if getattr(cfg, "args_source", None) != pytest.Config.ArgsSource.TESTPATHS:
        return False
    if cfg.getoption("keyword") or cfg.getoption("markexpr") or cfg.getoption("deselect", None) \
            or cfg.getoption("lf", False) or cfg.getoption("collectonly", False):
        return False
    return libreoffice.available() or os.environ.get("PARXL_REQUIRE_LIBREOFFICE") == "1"


def pytest_sessionfinish(session, exitstatus):
    if session.testscollected and _whole_suite(session):
        never = sorted(set(CATALOG) - codes_produced())
        session.config._parxl_never_produced = never
        if never and exitstatus == 0:
            session.exitstatus = 1
    shutil.rmtree(CODES_SEEN, ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    never = getattr(terminalreporter.config, "_parxl_never_produced", None)
    if never:
        terminalreporter.section("finding codes no test produced", red=True)
        terminalreporter.line("These catalog codes were never produced by a test (see tests/conftest.py): "
                              + ", ".join(never))
    elif never is not None:
        terminalreporter.write_line(f"every one of the {len(CATALOG)} finding codes was produced by a test")
