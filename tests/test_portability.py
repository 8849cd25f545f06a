"""parxl on Windows (and macOS), proven on Linux.

* A whole quarter (keygen → generate → agencies fill → check → merge with a ledger → history → next
  period's generate with the ledger) runs as fresh ``python -m parxl`` processes on a Python made to look
  like Windows' (``SIMULATED_WINDOWS`` below, a ``sitecustomize``).
* The job pool under spawn, the memory bound where RLIMIT_AS does not exist, the Windows structures.
* Outputs: a destination that cannot be replaced (Windows: the workbook open in Excel) keeps the new
  files beside it and replaces none; paths compared as Windows and macOS compare them; no lock file
  left behind.
* The ledger on a drive that refuses SQLite's WAL.
"""
from __future__ import annotations

import ctypes
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import KEY, PARXL, PLAN, ROOT, WHEN
from parxl import ledger as L
from parxl import outputs, pool
from parxl.errors import OutputInUseError, UsageError
from parxl.merge import merge_to_files
from parxl.pool import Failure, isolated_map

# --- a Python that looks like Windows' to parxl ------------------------------------------------------

SIMULATED_WINDOWS = '''
"""Windows' Python, as far as parxl can tell (tests/test_portability.py).

Removed for everyone, as on Windows: os.fork, os.forkpty, os.register_at_fork; the modules resource,
termios, pwd and grp (an ImportError from a meta-path finder); the start methods fork and forkserver
(spawn is the default and the only one).

Refused to parxl's own code only, where a library legitimately behaves differently on Windows (the
importing or calling module's name tells):
* ``import fcntl``: filelock imports it on Linux; on Windows it uses msvcrt instead.
* os.O_NONBLOCK and the other os names Windows lacks (``_OS_ABSENT``): filelock's Unix lock opens its
  file with O_NONBLOCK; on Windows it is another class that does not.
* select.poll, epoll, devpoll, kqueue (absent on Windows); select.select and the selectors on anything
  but a socket (Windows' select takes sockets only).  multiprocessing's own wait() uses
  WaitForMultipleObjects on Windows and selectors here, so it is left alone.
sys.platform stays "linux": where parxl branches on it, the simulation takes the Linux branch.
"""
import builtins
import importlib.abc
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import os
import select
import selectors
import socket
import stat
import sys
import types

if os.environ.get("PARXL_SIM_LOG"):
    with open(os.environ["PARXL_SIM_LOG"], "a") as _log:
        _log.write(repr(sys.argv) + "\\n")

for _name in ("fork", "forkpty", "register_at_fork"):
    if hasattr(os, _name):
        delattr(os, _name)
_OS_ABSENT = {"O_NONBLOCK", "O_CLOEXEC", "O_NOFOLLOW", "O_NOCTTY", "O_DIRECTORY", "O_SYNC", "O_DSYNC", "fchmod",
              "fchown", "chown", "lchown", "getuid", "geteuid", "getgid", "getegid", "getpgid", "killpg", "setsid",
              "mkfifo", "mknod", "pipe2", "sched_getaffinity", "sysconf", "statvfs", "uname", "getloadavg"}

_NOWHERE = {"resource", "termios", "pwd", "grp"}
_NOT_FOR_PARXL = _NOWHERE | {"fcntl"}


def _parxl(name):
    return name == "parxl" or name.startswith("parxl.")


class _NoSuchModule(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in _NOWHERE:
            raise ImportError(f"No module named {fullname!r} (simulated Windows)", name=fullname)
        return None


for _name in _NOWHERE:
    sys.modules.pop(_name, None)
sys.meta_path.insert(0, _NoSuchModule())
_import = builtins.__import__


def _windows_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name.split(".")[0] in _NOT_FOR_PARXL:
        importer = (globals or {}).get("__name__") or ""
        spec = (globals or {}).get("__spec__")
        if _parxl(importer) or (spec is not None and _parxl(spec.name or "")):
            raise ImportError(f"No module named {name!r} (simulated Windows)", name=name)
    return _import(name, globals, locals, fromlist, level)


builtins.__import__ = _windows_import

multiprocessing.set_start_method("spawn", force=True)
for _name in ("fork", "forkserver"):
    multiprocessing.context._concrete_contexts.pop(_name, None)
multiprocessing.get_all_start_methods = lambda: ["spawn"]
multiprocessing.context.DefaultContext.get_all_start_methods = lambda self: ["spawn"]


def _caller_is_parxl(depth):
    return _parxl(sys._getframe(depth + 1).f_globals.get("__name__", ""))


def _is_socket(obj):
    if isinstance(obj, socket.socket):
        return True
    if isinstance(obj, int):
        try:
            return stat.S_ISSOCK(os.fstat(obj).st_mode)
        except OSError:
            return False
    return False


def _not_a_socket():
    return OSError(10038, "An operation was attempted on something that is not a socket (simulated Windows)")


_real_select = select.select


def _select(r, w, x, *timeout):
    if _caller_is_parxl(1) and not all(_is_socket(o) for o in [*r, *w, *x]):
        raise _not_a_socket()
    return _real_select(r, w, x, *timeout)


class _WindowsSelector(selectors.SelectSelector):
    def register(self, fileobj, events, data=None):
        if not _is_socket(fileobj):
            raise _not_a_socket()
        return super().register(fileobj, events, data)


_ABSENT = {"poll", "epoll", "devpoll", "kqueue", "POLLIN", "EPOLLIN"}
_SELECTORS = {"DefaultSelector", "SelectSelector", "PollSelector", "EpollSelector", "DevpollSelector",
              "KqueueSelector"}


class _Select(types.ModuleType):
    def __getattribute__(self, name):
        real = object.__getattribute__(self, "_real")
        if _caller_is_parxl(1):
            if name in _ABSENT:
                raise AttributeError(f"module 'select' has no attribute {name!r} (simulated Windows)")
            if name == "select":
                return _select
        return getattr(real, name)


class _Selectors(types.ModuleType):
    def __getattribute__(self, name):
        real = object.__getattribute__(self, "_real")
        if _caller_is_parxl(1) and name in _SELECTORS:
            if name in ("DefaultSelector", "SelectSelector"):
                return _WindowsSelector
            raise AttributeError(f"module 'selectors' has no attribute {name!r} (simulated Windows)")
        return getattr(real, name)


class _Os(types.ModuleType):
    def __getattribute__(self, name):
        real = object.__getattribute__(self, "_real")
        if name in _OS_ABSENT and _caller_is_parxl(1):
            raise AttributeError(f"module 'os' has no attribute {name!r} (simulated Windows)")
        return getattr(real, name)


for _mod, _cls in ((select, _Select), (selectors, _Selectors), (os, _Os)):
    _proxy = _cls(_mod.__name__)
    object.__setattr__(_proxy, "_real", _mod)
    sys.modules[_mod.__name__] = _proxy
'''


@pytest.fixture(scope="module")
def windows(tmp_path_factory):
    """Environment variables that run ``python -m parxl`` on the simulated Windows Python (and its workers)."""
    site = tmp_path_factory.mktemp("simulated-windows")
    (site / "sitecustomize.py").write_text(SIMULATED_WINDOWS)
    env = {k: v for k, v in os.environ.items() if k not in ("PARXL_LANG", "PARXL_START_METHOD", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    env["PARXL_SIM_LOG"] = str(site / "processes.log")
    return env


def _run(env, *args, cwd=None, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([*PARXL, *map(str, args)], capture_output=True, text=True, cwd=cwd or ROOT,
                          env={**env, **extra}, timeout=600)


def _py(env, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def test_the_simulated_windows_is_windows_like(windows):
    r = _py(windows, """
        import multiprocessing as mp, os, sys
        assert not hasattr(os, "fork") and not hasattr(os, "register_at_fork")
        assert mp.get_all_start_methods() == ["spawn"] and mp.get_start_method() == "spawn"
        for bad in ("import resource", "mp.get_context('fork')"):
            try:
                exec(bad)
            except (ImportError, ValueError):
                pass
            else:
                raise AssertionError(bad)
        # what parxl's own code meets
        probe = {"__name__": "parxl.probe"}
        for bad in ("import fcntl", "import os; os.O_NONBLOCK", "import os; os.sysconf", "import select; select.poll", "import select, os; select.select([os.pipe()[0]], [], [], 0)",
                    "import selectors, os; selectors.DefaultSelector().register(os.pipe()[0], selectors.EVENT_READ)"):
            try:
                exec(bad, probe)
            except (ImportError, AttributeError, OSError):
                pass
            else:
                raise AssertionError(bad)
        import filelock, socket, select                      # libraries are left their Linux ways
        a, b = socket.socketpair()
        exec("import select; select.select([a], [], [], 0)", {"__name__": "parxl.probe", "a": a})
        import parxl.pool as pool, parxl.reader as reader
        assert pool.start_method(prefer_fork=True) is None and pool._memory_guard() == "watch"
        assert reader.package.OPEN_FLAGS == os.O_RDONLY
        print("ok")
    """)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_a_quarter_on_simulated_windows(windows, plan, tmp_path):
    """Every command of the secretariat's quarter, each a fresh process on the simulated Windows Python;
    generate, check and merge run their workers spawned."""
    from parxl.demo import simulate
    from parxl.periods import Period
    log = Path(windows["PARXL_SIM_LOG"])
    key, issued, returns, out = tmp_path / "parxl.key", tmp_path / "issued", tmp_path / "returns", tmp_path / "out"
    ledger = tmp_path / "ledger.sqlite"

    def spawned() -> int:
        text = log.read_text() if log.exists() else ""
        log.write_text("")
        return text.count("--multiprocessing-fork")

    spawned()
    r = _run(windows, "keygen", key)
    assert r.returncode == 0, r.stderr
    r = _run(windows, "generate", "--plan", PLAN, "--period", "2024-Q3", "--out", issued, "--key", key,
             "--workers", "2")
    assert r.returncode == 0, r.stderr
    assert spawned() == 2
    agencies = plan.reporting_agencies()
    assert sorted(p.name for p in issued.iterdir()) == sorted(f"2024-Q3_{a}.xlsx" for a in agencies)

    returns.mkdir()
    rng = random.Random(7)
    period = Period.parse("2024-Q3")
    for a in agencies:
        simulate.fill_xml(issued / f"2024-Q3_{a}.xlsx", returns / f"{a.lower()}.xlsx", plan, a,
                          simulate.answers(plan, a, period, rng), WHEN)
    r = _run(windows, "check", "--plan", PLAN, "--key", key, "--json", *sorted(returns.iterdir())[:3])
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr      # 1: findings, not a crash
    assert len(json.loads(r.stdout)) == 3
    assert spawned() == 1

    r = _run(windows, "merge", "--plan", PLAN, "--period", "2024-Q3", "--returns", returns, "--key", key,
             "--out", out / "tong-hop-2024-Q3.xlsx", "--report", out / "report-2024-Q3.json", "--ledger", ledger,
             "--workers", "2", PARXL_LANG="en")
    assert r.returncode == 0, r.stderr
    assert f"{len(agencies)} accepted, 0 rejected" in r.stdout
    assert spawned() == 2
    assert sorted(p.name for p in out.iterdir()) == ["report-2024-Q3.json", "tong-hop-2024-Q3.xlsx"]   # no lock left
    report = json.loads((out / "report-2024-Q3.json").read_text())
    assert {e["status"] for e in report["returns"]} == {"accepted"}

    r = _run(windows, "history", "--ledger", ledger, "--agency", agencies[0], "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)

    r = _run(windows, "generate", "--plan", PLAN, "--period", "2024-Q4", "--out", tmp_path / "q4", "--key", key,
             "--ledger", ledger, "--agency", agencies[0], PARXL_LANG="en")
    assert r.returncode == 0, r.stderr
    assert "last period's values (2024-Q3)" in r.stdout


# --- the pool, spawned, and its memory bound where RLIMIT_AS is missing --------------------------------

def grows(context, job):
    """Job 3 keeps allocating (and touching) memory until it is stopped."""
    if job == 3:
        hoard = []
        while True:
            hoard.append(b"x" * (16 << 20))
            time.sleep(0.005)
    return job * 2


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_the_watched_memory_bound_fails_that_job_only(monkeypatch, method):
    """Where RLIMIT_AS does not exist or is not enforced (macOS, and the simulated Windows), the parent
    watches each busy worker's resident memory and kills one above the limit: a crashed job."""
    monkeypatch.setenv("PARXL_START_METHOD", method)
    monkeypatch.setattr(pool, "_memory_guard", lambda: "watch")
    # a forked worker starts with this process's resident memory (the spawned one, a fresh interpreter's)
    limit = ((pool._status(os.getpid(), b"VmRSS:") if method == "fork" else 0) >> 20 << 20) + (256 << 20)
    started = time.monotonic()
    out = list(isolated_map(grows, range(6), (), 2, timeout=60, memory_limit=limit))
    assert time.monotonic() - started < 30
    assert [j for j, _ in out] == list(range(6))
    bad = out[3][1]
    assert isinstance(bad, Failure) and bad.kind == "crashed"
    assert bad.detail.startswith(f"memory above the {limit >> 20} MiB limit")
    assert [r for j, r in out if j != 3] == [0, 2, 4, 8, 10]


CRASHING_READER = """
import os
if os.environ.get("PARXL_TEST_CRASH_ON"):      # read_return aborts, as a native crash would, on those files
    import parxl.merge as m
    _real = m.read_return

    def fragile(path, name=None, **kw):
        if str(name).startswith(os.environ["PARXL_TEST_CRASH_ON"]):
            os.abort()
        return _real(path, name, **kw)
    m.read_return = fragile
"""


def test_a_reader_crash_in_a_spawned_worker_costs_only_that_file(plan, period, issued, tmp_path, monkeypatch):
    """What tests/test_merge_safety.py proves with a monkeypatch forked workers inherit, for spawned workers:
    the crash is planted by a sitecustomize every fresh interpreter runs."""
    from parxl.demo import simulate
    from parxl.merge import merge
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(CRASHING_READER)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("PARXL_TEST_CRASH_ON", "crash")
    monkeypatch.setenv("PARXL_START_METHOD", "spawn")
    returns = tmp_path / "returns"
    returns.mkdir()
    good = {"III.4.2/1": {"numerator": 96, "denominator": 100}}
    for a, name in (("TAMKY", "tamky"), ("HOIAN", "hoian"), ("DAILOC", "crash")):
        simulate.fill_xml(issued[a], returns / f"{name}.xlsx", plan, a, good, WHEN)
    report = merge(plan, period, returns, KEY, workers=2)
    status = {r.file: r.status.value for r in report.returns}
    assert status == {"crash.xlsx": "rejected", "hoian.xlsx": "accepted", "tamky.xlsx": "accepted"}
    crash = [f for f in report.findings if f.file == "crash.xlsx"]
    assert [f.code for f in crash] == ["file.reader-crashed"] and "SIGABRT" in str(crash[0].seen)


def test_a_start_method_the_system_does_not_have_is_an_operator_error(monkeypatch):
    monkeypatch.setenv("PARXL_START_METHOD", "vfork")
    with pytest.raises(UsageError, match="PARXL_START_METHOD=vfork"):
        isolated_map(grows, [1], (), 1)
    with pytest.raises(UsageError, match="PARXL_START_METHOD=vfork"):
        list(pool.ordered_map(grows, [1, 2], (), 2))


def test_spawned_workers_get_no_memory_limit_below_what_they_start_with(monkeypatch):
    monkeypatch.setenv("PARXL_START_METHOD", "spawn")
    with pytest.raises(ValueError, match="memory_limit"):
        isolated_map(grows, [1], (), 1, memory_limit=32 << 20)


def test_windows_structures_have_the_sizes_of_winnt_h():
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION as winnt.h lays it out on x64 (and x86), rusage_info_v0 as macOS."""
    if ctypes.sizeof(ctypes.c_void_p) == 8:
        assert ctypes.sizeof(pool._BasicLimits) == 64
        assert pool._BasicLimits.LimitFlags.offset == 16 and pool._BasicLimits.Affinity.offset == 48
        assert ctypes.sizeof(pool._IoCounters) == 48
        assert pool._ExtendedLimits.IoInfo.offset == 64 and pool._ExtendedLimits.ProcessMemoryLimit.offset == 112
        assert ctypes.sizeof(pool._ExtendedLimits) == 144
    assert ctypes.sizeof(pool._RusageInfoV0) == 96 and pool._RusageInfoV0.ri_phys_footprint.offset == 72


def test_a_windows_crash_code_is_named_in_hex():
    assert pool._death(0xC0000005) == "exit code 0xC0000005"
    assert pool._death(1) == "exit code 1"


# --- outputs: a destination open in Excel --------------------------------------------------------------

def _immutable(path: Path) -> bool:
    """Make ``path`` refuse to be replaced (chattr +i: rename over it fails with EPERM, as Windows refuses a
    file open in Excel); False when this machine cannot (not root, or a file system without the flag)."""
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0


def _mutable(path: Path) -> None:
    subprocess.run(["chattr", "-i", str(path)], capture_output=True)


@pytest.fixture
def quarter(plan, issued, tmp_path):
    """A returns folder with two returns, and outputs already written by a first merge."""
    from parxl.demo import simulate
    from parxl.periods import Period
    returns = tmp_path / "returns"
    returns.mkdir()
    for a in ("TAMKY", "HOIAN"):
        simulate.fill_xml(issued[a], returns / f"{a.lower()}.xlsx", plan, a,
                          {"III.4.2/1": {"numerator": 96, "denominator": 100}}, WHEN)
    shutil.copyfile(issued["TAMKY"], tmp_path / "tamky-blank.xlsx")     # for a later return
    out, rep = tmp_path / "out" / "tong-hop-2024-Q3.xlsx", tmp_path / "out" / "report-2024-Q3.json"
    period = Period.parse("2024-Q3")
    merge_to_files(plan, period, returns, out, KEY, rep)
    return plan, period, returns, out, rep


def _after_second_merge(quarter, blocked: Path, how: str) -> tuple[OutputInUseError, dict]:
    """Add a return and merge again while ``blocked`` cannot be replaced; what is in the folder after."""
    from parxl.demo import simulate
    plan, period, returns, out, rep = quarter
    simulate.fill_xml(returns.parent / "tamky-blank.xlsx", returns / "extra.xlsx", plan, "TAMKY", {"III.4.2/1": {"numerator": 1, "denominator": 100}},
                      WHEN + dt.timedelta(hours=1))
    if how == "chattr":
        if not _immutable(blocked):
            pytest.skip("chattr +i is not available here (needs root and ext4/xfs/tmpfs)")
        try:
            with pytest.raises(OutputInUseError) as info:
                merge_to_files(plan, period, returns, out, KEY, rep)
        finally:
            _mutable(blocked)
    else:
        real = os.replace

        def refuse(src, dst, *a, **k):
            if Path(dst) == blocked:
                raise PermissionError(13, "The process cannot access the file because it is being used by "
                                          "another process", str(dst))
            return real(src, dst, *a, **k)
        import unittest.mock
        with unittest.mock.patch.object(os, "replace", refuse), pytest.raises(OutputInUseError) as info:
            merge_to_files(plan, period, returns, out, KEY, rep)
    return info.value, {p.name: p.read_bytes() for p in out.parent.iterdir()}


@pytest.mark.parametrize("how", ["chattr", "monkeypatched"])
@pytest.mark.parametrize("which", ["workbook", "report"])
def test_an_output_that_cannot_be_replaced_keeps_the_new_pair_beside_and_replaces_none(quarter, how, which):
    plan, period, returns, out, rep = quarter
    before = {p.name: p.read_bytes() for p in out.parent.iterdir()}
    assert sorted(before) == [rep.name, out.name]
    blocked = out if which == "workbook" else rep
    error, after = _after_second_merge(quarter, blocked, how)
    assert str(blocked) in str(error) and "Excel" in str(error)
    # the old pair is untouched, byte for byte; the new pair is beside it, under one time; nothing else
    assert after[out.name] == before[out.name] and after[rep.name] == before[rep.name]
    new = sorted(set(after) - set(before))
    assert len(new) == 2, sorted(after)
    stamp = new[0][len("report-2024-Q3 (new "):-len(").json")]
    assert new == [f"report-2024-Q3 (new {stamp}).json", f"tong-hop-2024-Q3 (new {stamp}).xlsx"]
    assert dt.datetime.strptime(stamp, "%Y-%m-%d %H%M")
    assert error.kept == {out: out.parent / new[1], rep: out.parent / new[0]}
    # the kept pair is the new merge (three returns now), and a pair: the same inputs fingerprint
    kept = json.loads(after[new[0]])
    assert len(kept["returns"]) == 3 and kept["inputs"] != json.loads(before[rep.name])["inputs"]
    from parxl.reader import read_return
    assert read_return(out.parent / new[1]).properties.get("inputs") == kept["inputs"]


def test_the_cli_says_in_vietnamese_to_close_the_workbook_and_exits_2(quarter):
    plan, period, returns, out, rep = quarter
    (returns.parent / "parxl.key").write_text(KEY.hex())
    if not _immutable(out):
        pytest.skip("chattr +i is not available here (needs root and ext4/xfs/tmpfs)")
    try:
        r = subprocess.run([*PARXL, "merge", "--period", "2024-Q3", "--returns", str(returns), "--key",
                            str(returns.parent / "parxl.key"), "--out", str(out), "--report", str(rep)],
                           capture_output=True, text=True, cwd=ROOT, timeout=300,
                           env={**{k: v for k, v in os.environ.items() if k != "PARXL_LANG"}, "PYTHONPATH": str(ROOT)})
    finally:
        _mutable(out)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"không thay được tệp {out}" in r.stderr and "Hãy đóng tệp rồi chạy lại" in r.stderr
    assert "tong-hop-2024-Q3 (mới " in r.stderr
    assert len(list(out.parent.glob("tong-hop-2024-Q3 (mới *).xlsx"))) == 1
    assert len(list(out.parent.glob("report-2024-Q3 (mới *).json"))) == 1


def test_a_destination_turned_into_a_folder_keeps_the_new_file_beside(tmp_path):
    """Another failure than PermissionError: the message gives the error; still nothing is lost."""
    dest = tmp_path / "a.json"
    with pytest.raises(OutputInUseError) as info:
        with outputs.atomic_path(dest) as tmp:
            tmp.write_text("new")
            dest.mkdir()
            (dest / "x").write_text("someone's")     # not empty: the rename cannot replace it
    assert "Excel" not in str(info.value) and str(dest) in str(info.value)
    kept = info.value.kept[dest]
    assert kept.parent == tmp_path and kept.name.startswith("a (new ") and kept.read_text() == "new"
    assert (dest / "x").read_text() == "someone's"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.json", kept.name])


def test_a_second_refusal_in_the_same_minute_gets_a_name_of_its_own(tmp_path):
    dest = tmp_path / "a.json"
    dest.mkdir()
    (dest / "x").touch()
    kept = []
    for text in ("one", "two"):
        with pytest.raises(OutputInUseError) as info:
            with outputs.atomic_path(dest) as tmp:
                tmp.write_text(text)
        kept.append(info.value.kept[dest])
    assert kept[0] != kept[1] and [k.read_text() for k in kept] == ["one", "two"]


def test_an_error_while_writing_leaves_no_temporary_file(tmp_path):
    with pytest.raises(RuntimeError):
        with outputs.atomic_paths(tmp_path / "a.xlsx", tmp_path / "b.json") as tmps:
            for t in tmps:
                t.write_text("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


# --- outputs: paths compared as the file system compares them -----------------------------------------

def test_names_fold_as_windows_and_macos_fold_them():
    import unicodedata
    win, mac, linux = (outputs._fold_for(p) for p in ("win32", "darwin", "linux"))
    assert win("C:/Báo cáo/Tong-Hop.XLSX") == win("c:\\báo cáo\\tong-hop.xlsx")
    assert mac(unicodedata.normalize("NFD", "/Users/sv/Tổng Hợp.xlsx")) == mac("/Users/sv/tổng hợp.XLSX")
    assert linux("/a/B") != linux("/a/b")


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_an_output_spelled_in_another_case_is_still_refused(platform, tmp_path, monkeypatch):
    """On a case-insensitive file system ``RETURNS/th.xlsx`` is inside ``returns`` and ``KEY.txt`` is the key."""
    fold = outputs._fold_for(platform)
    monkeypatch.setattr(outputs, "_fold", (lambda p: fold(p).replace("\\", "/")) if platform == "win32" else fold)
    returns = tmp_path / "returns"
    returns.mkdir()
    key = tmp_path / "key.txt"
    key.write_text("k")
    with pytest.raises(UsageError, match="inside the returns folder"):
        outputs.check_output_paths({"--out": tmp_path / "RETURNS" / "th.xlsx"}, inputs_folder=returns)
    with pytest.raises(UsageError, match="would overwrite"):
        outputs.check_output_paths({"--report": tmp_path / "KEY.txt"}, protected=[key])
    with pytest.raises(UsageError, match="the same file"):
        outputs.check_output_paths({"--out": tmp_path / "o" / "TH.xlsx", "--ledger": tmp_path / "O" / "th.xlsx"})
    outputs.check_output_paths({"--out": tmp_path / "o" / "th.xlsx"}, inputs_folder=returns, protected=[key])


def test_the_same_existing_file_is_found_under_another_name(tmp_path):
    """A folder reached through another path (here a hard-linked key under the same name elsewhere is
    the key; a folder's alias through a symbolic link is resolved) is the same file."""
    returns = tmp_path / "returns"
    (returns / "sub").mkdir(parents=True)
    alias = tmp_path / "alias"
    alias.symlink_to(returns / "sub", target_is_directory=True)
    with pytest.raises(UsageError, match="inside the returns folder"):
        outputs.check_output_paths({"--out": alias / "th.xlsx"}, inputs_folder=returns)
    key = tmp_path / "parxl.key"
    key.write_text("k")
    (tmp_path / "o").mkdir()
    os.link(key, tmp_path / "o" / "PARXL.KEY")
    with pytest.raises(UsageError, match="would overwrite"):
        outputs.check_output_paths({"--report": tmp_path / "o" / "PARXL.KEY"}, protected=[key])


def test_a_file_system_without_file_ids_is_never_one_file():
    """Some network shares give every file the inode 0: that is no proof of sameness."""
    zero = os.stat_result((0o100644, 0, 7, 1, 0, 0, 1, 0, 0, 0))
    assert not outputs._same_stat(zero, zero)


# --- outputs: no lock file left behind -------------------------------------------------------------

def test_the_lock_file_is_removed_after_the_run_and_a_held_lock_still_refuses(tmp_path):
    main = tmp_path / "th.xlsx"
    lock = outputs.OutputLock(main)
    with lock:
        assert lock.path.exists()
        with pytest.raises(UsageError, match="another parxl run"):
            with outputs.OutputLock(main):
                pass
    assert not lock.path.exists()
    with outputs.OutputLock(main):           # and the next run locks afresh
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_lock_file_someone_else_wrote_is_not_removed(tmp_path):
    main = tmp_path / "th.xlsx"
    path = tmp_path / ".th.xlsx.lock"
    path.write_text("not ours")
    with outputs.OutputLock(main):
        pass
    assert path.read_text() == "not ours"


def test_an_empty_lock_file_left_by_an_earlier_parxl_is_removed(tmp_path):
    (tmp_path / ".th.xlsx.lock").touch()
    with outputs.OutputLock(tmp_path / "th.xlsx"):
        pass
    assert list(tmp_path.iterdir()) == []


# --- the ledger on a drive that refuses WAL ---------------------------------------------------------------

REFUSING_VFS = "unix-dotfile"      # SQLite's dot-file locking VFS has no shared memory: it refuses WAL


@pytest.fixture
def refusing_drive(monkeypatch):
    real = sqlite3.connect

    def connect(database, *args, **kwargs):
        kwargs.pop("uri", None)
        return real(f"file:{database}?vfs={REFUSING_VFS}", *args, uri=True, **kwargs)
    monkeypatch.setattr(sqlite3, "connect", connect)
    return real


def test_sqlite_really_refuses_wal_there(refusing_drive, tmp_path):
    db = sqlite3.connect(str(tmp_path / "x.sqlite"), isolation_level=None)
    assert db.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "delete"
    db.close()


def test_a_new_ledger_on_such_a_drive_uses_a_rollback_journal_and_says_so(quarter, refusing_drive, tmp_path):
    plan, period, returns, out, rep = quarter
    path = tmp_path / "share" / "ledger.sqlite"
    report = merge_to_files(plan, period, returns, out, KEY, rep, ledger=path)
    assert report.ledger_run == 1
    assert report.ledger_problem is None          # used, and recorded: a caveat, not a failure
    assert "does not allow SQLite's WAL journal" in report.ledger_notice and str(path) in report.ledger_notice
    with L.Ledger.open(path) as led:
        assert led.db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert len(led.runs()) == 1
    assert not Path(f"{path}-wal").exists()


def test_a_wal_ledger_moved_to_such_a_drive_is_turned_into_a_rollback_one(quarter, tmp_path, monkeypatch):
    plan, period, returns, out, rep = quarter
    path = tmp_path / "ledger.sqlite"
    first = merge_to_files(plan, period, returns, out, KEY, rep, ledger=path)
    assert first.ledger_problem is None and first.ledger_run == 1
    real = sqlite3.connect
    plain = real(str(path))
    assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    plain.close()
    monkeypatch.setattr(sqlite3, "connect",
                        lambda db, *a, **k: real(f"file:{db}?vfs={REFUSING_VFS}", *a, uri=True, **k))
    with L.Ledger.open(path) as led:
        assert led.notice and led.db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert [r["id"] for r in led.runs()] == [1]
    monkeypatch.setattr(sqlite3, "connect", real)
    with L.Ledger.open(path) as led:                 # back on an ordinary drive: WAL again, no notice
        assert led.notice is None and led.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_cli_prints_the_rollback_journal_notice(quarter, tmp_path):
    plan, period, returns, out, rep = quarter
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent(f"""
        import sqlite3
        _real = sqlite3.connect
        sqlite3.connect = lambda db, *a, **k: _real(f"file:{{db}}?vfs={REFUSING_VFS}", *a, uri=True,
                                                    **{{n: v for n, v in k.items() if n != "uri"}})
    """))
    (tmp_path / "parxl.key").write_text(KEY.hex())
    env = {k: v for k, v in os.environ.items() if k != "PARXL_LANG"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    r = subprocess.run([*PARXL, "merge", "--period", "2024-Q3", "--returns", str(returns), "--key",
                        str(tmp_path / "parxl.key"), "--out", str(out), "--ledger", str(tmp_path / "l.sqlite")],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "không cho dùng nhật ký WAL" in r.stderr


def test_a_plan_that_has_worked_out_its_layouts_still_goes_to_spawned_workers():
    """A plan keeps what it works out once (each agency's layout and its hash, each row's locked text): it goes
    pickled to the workers where they are spawned (Windows, macOS), so what it keeps must pickle (a read-only
    mapping kept there did not, and every spawned merge after a generate in the same process failed)."""
    import pickle

    from parxl.layout import agency_layout, agency_layout_hash
    from parxl.plan import load_plan
    plan = load_plan(PLAN)
    agencies = plan.reporting_agencies()
    hashes = {a: agency_layout_hash(plan, a) for a in agencies}
    texts = {a: [dict(r.locked_text()) for s in agency_layout(plan, a) for r in s.rows] for a in agencies}
    again = pickle.loads(pickle.dumps(plan))
    assert {a: agency_layout_hash(again, a) for a in agencies} == hashes
    assert {a: [dict(r.locked_text()) for s in agency_layout(again, a) for r in s.rows] for a in agencies} == texts
