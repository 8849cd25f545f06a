"""isolated_map: one job that aborts, panics, hangs or eats memory costs that job only.

Real worker processes, no mocks.  The job functions are module-level (forked workers run them);
each takes (context, job) like the merge's ``_check_job``.
"""
from __future__ import annotations

import pickle
from fractions import Fraction

import faulthandler
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from itertools import count, islice
from pathlib import Path

import pytest

from parxl.pool import DEFAULT_MEMORY_LIMIT, Failure, isolated_map

WORKERS = [pytest.param(1, id="one-worker"), pytest.param(2, id="two-workers")]
JOBS = list(range(12))
BAD = 5
ROOT = Path(__file__).resolve().parent.parent


class PanicException(BaseException):
    """Stands in for pyo3_runtime.PanicException, which derives from BaseException."""


# --- job functions ------------------------------------------------------------------------------

def square(context, job):
    return job * job + context


def jittered(context, job):
    time.sleep((job * 7 % 5) / 500)     # finish out of order with two workers
    return job * job + context


def _quiet() -> None:
    faulthandler.disable()      # pytest enables it: a native crash would dump every thread's stack


def aborts(context, job):
    if job == BAD:
        _quiet()
        os.abort()
    return square(context, job)


def killed(context, job):
    if job == BAD:
        os.kill(os.getpid(), signal.SIGKILL)    # what the OOM killer does
    return square(context, job)


def panics(context, job):
    if job == BAD:
        raise PanicException("called `Result::unwrap()` on an `Err` value: capacity overflow")
    return square(context, job)


def exits(context, job):
    if job == BAD:
        sys.exit(3)
    return square(context, job)


def hangs(context, job):
    if job == BAD:
        while True:
            time.sleep(60)
    return square(context, job)


def allocates(context, job):
    if job == BAD:
        return len(bytearray(2 << 30))      # 2 GiB under a 1 GiB limit: MemoryError in the worker
    return square(context, job)


def buggy(context, job):
    if job == BAD:
        raise ValueError(f"bug on job {job}")
    return square(context, job)


def unpicklable(context, job):
    if job == BAD:
        return lambda: None
    return square(context, job)


def logged(context, job):
    """Appends the job to the log file named by the context, then misbehaves like ``aborts``."""
    with open(context, "a") as f:
        f.write(f"{job}\n")
    if job in (3, 8):
        _quiet()
        os.abort()
    return job


def pid(context, job):
    return os.getpid()


def rlimit_as(context, job):
    import resource
    return resource.getrlimit(resource.RLIMIT_AS)[0]


# --- helpers --------------------------------------------------------------------------------------

def _children() -> set[int]:
    """Pids whose parent is this process, zombies included (read from /proc)."""
    me, out = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            out.add(int(entry))
    return out


def _alive(p: int) -> bool:
    try:
        state = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(autouse=True)
def no_children_left():
    if os.environ.get("PARXL_START_METHOD") in ("spawn", "forkserver"):
        # multiprocessing's own helper (one per session, started by the first spawned worker), not a worker
        from multiprocessing import resource_tracker
        resource_tracker.ensure_running()
    if os.environ.get("PARXL_START_METHOD") == "forkserver":
        from multiprocessing import forkserver
        forkserver.ensure_running()
    before = _children()
    yield
    assert multiprocessing.active_children() == []
    assert _children() <= before, "worker processes left behind"


def _expected(bad_outcome):
    return [(j, bad_outcome if j == BAD else square(1, j)) for j in JOBS]


# --- results ----------------------------------------------------------------------------------

@pytest.mark.parametrize("workers", WORKERS)
def test_results_come_in_the_jobs_order(workers):
    assert list(isolated_map(jittered, JOBS * 4, 1, workers)) == [(j, j * j + 1) for j in JOBS * 4]


@pytest.mark.parametrize("workers", WORKERS)
def test_jobs_run_outside_the_callers_process(workers):
    pids = {p for _, p in isolated_map(pid, JOBS, (), workers)}
    assert os.getpid() not in pids
    assert len(pids) == workers


def test_no_jobs_starts_no_worker():
    assert list(isolated_map(square, [], 1, 2)) == []


def test_jobs_are_pulled_lazily_from_an_endless_iterator():
    assert [r for _, r in islice(isolated_map(square, count(), 1, 2), 100)] == [j * j + 1 for j in range(100)]


# --- failures -----------------------------------------------------------------------------------

@pytest.mark.parametrize("workers", WORKERS)
def test_abort_fails_that_job_only(workers):
    assert list(isolated_map(aborts, JOBS, 1, workers)) == _expected(Failure("crashed", "SIGABRT"))


@pytest.mark.parametrize("workers", WORKERS)
def test_sigkill_like_the_oom_killer_fails_that_job_only(workers):
    assert list(isolated_map(killed, JOBS, 1, workers)) == _expected(Failure("crashed", "SIGKILL"))


@pytest.mark.parametrize("workers", WORKERS)
def test_panic_exception_fails_that_job_only(workers):
    out = list(isolated_map(panics, JOBS, 1, workers))
    failure = out[BAD][1]
    assert failure.kind == "crashed" and failure.detail.startswith("PanicException: called `Result::unwrap()`")
    assert out == _expected(failure)


def test_system_exit_is_a_crash():
    assert list(isolated_map(exits, JOBS, 1, 2)) == _expected(Failure("crashed", "SystemExit: 3"))


@pytest.mark.parametrize("workers", WORKERS)
def test_hanging_job_times_out_and_the_others_go_on(workers):
    started = time.monotonic()
    out = list(isolated_map(hangs, JOBS, 1, workers, timeout=2))
    elapsed = time.monotonic() - started
    assert out == _expected(Failure("timeout", "2 s"))
    assert 2 <= elapsed < 6


@pytest.mark.parametrize("workers", WORKERS)
def test_memory_limit_makes_a_runaway_allocation_fail_in_the_worker(workers):
    # A MemoryError is the limit doing its job, not a bug in our code: the job crashed.
    out = list(isolated_map(allocates, JOBS, 1, workers, memory_limit=1 << 30))
    assert out == _expected(Failure("crashed", "MemoryError"))


def test_memory_limit_is_set_in_the_worker_only():
    import resource
    mine = resource.getrlimit(resource.RLIMIT_AS)
    assert [r for _, r in isolated_map(rlimit_as, [0], (), 1, memory_limit=DEFAULT_MEMORY_LIMIT)] == [2 << 30]
    assert resource.getrlimit(resource.RLIMIT_AS) == mine


def test_a_memory_limit_below_what_a_worker_starts_with_is_refused_at_once():
    with pytest.raises(ValueError, match="memory_limit"):
        isolated_map(square, JOBS, 1, 1, memory_limit=1 << 20)


@pytest.mark.parametrize("workers", WORKERS)
def test_no_job_is_lost_or_run_twice_when_workers_crash(workers, tmp_path):
    log = tmp_path / "runs.log"
    log.touch()
    out = list(isolated_map(logged, range(12), str(log), workers))
    assert [j for j, _ in out] == list(range(12))
    assert [j for j, r in out if isinstance(r, Failure)] == [3, 8]
    assert sorted(int(line) for line in log.read_text().split()) == list(range(12))


# --- our own bugs are raised, not reported ---------------------------------------------------------

@pytest.mark.parametrize("workers", WORKERS)
def test_an_exception_in_the_job_function_is_raised_in_the_caller(workers):
    seen = []
    with pytest.raises(ValueError, match="bug on job 5") as info:
        for job, result in isolated_map(buggy, JOBS, 1, workers):
            seen.append(job)
    assert seen == JOBS[:BAD]
    assert "raise ValueError" in str(info.value.__cause__)    # the worker's traceback


def test_a_result_that_cannot_be_sent_back_is_raised_in_the_caller():
    with pytest.raises(RuntimeError, match="cannot send the result"):
        list(isolated_map(unpicklable, JOBS, 1, 1))


# --- shutdown -----------------------------------------------------------------------------------

def test_closing_early_stops_the_workers():
    it = isolated_map(hangs, JOBS, 1, 2, timeout=60)
    assert next(it) == (0, 1)
    it.close()      # job 5 may be hanging in a worker: it is killed, not waited for


def test_an_exception_in_the_caller_stops_the_workers():
    with pytest.raises(KeyboardInterrupt):
        for job, _ in isolated_map(hangs, JOBS, 1, 2, timeout=60):
            if job == 3:
                raise KeyboardInterrupt


PARENT = textwrap.dedent("""
    import sys, threading, time
    sys.path[:0] = [{root!r}, {tests!r}]
    from parxl.pool import isolated_map
    from test_isolation import hangs, pid

    def run():
        for job, worker in isolated_map(pid, [0], (), 1):
            print(worker, flush=True)
        for job, result in isolated_map(hangs, [5], 0, 1, timeout=600):
            pass

    if {threaded}:
        threading.Thread(target=run).start()
    else:
        run()
""")


@pytest.mark.parametrize("threaded", [False, True], ids=["main-thread", "other-thread"])
def test_workers_die_with_their_parent(threaded):
    code = PARENT.format(root=str(ROOT), tests=str(ROOT / "tests"), threaded=threaded)
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        int(parent.stdout.readline())       # the first pool has come and gone
        deadline = time.monotonic() + 10
        workers: set[int] = set()
        while not workers and time.monotonic() < deadline:
            workers = {int(p) for p in os.listdir("/proc") if p.isdigit() and _ppid(int(p)) == parent.pid}
            time.sleep(0.05)
        assert workers, "the hanging worker did not start"
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in workers)


def _ppid(p: int) -> int | None:
    try:
        return int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


# --- a real return, read under the suggested memory limit ----------------------------------------

def test_real_returns_read_the_same_in_workers_under_the_default_memory_limit(plan, period, issued):
    from parxl.merge import _check_job
    key = bytes.fromhex("11" * 32)
    jobs = [(p, p.name) for p in sorted(issued.values())[:6]]
    from parxl.checks import check_return
    from parxl.reader import read_return
    here = [check_return(read_return(*job), plan, period, key) for job in jobs]
    there = [pickle.loads(c) for _, c in isolated_map(_check_job, jobs, (plan, period, key), 2,
                                                      memory_limit=DEFAULT_MEMORY_LIMIT)]
    assert [(c.agency, c.accepted, [f.code for f in c.findings]) for c in there] == \
           [(c.agency, c.accepted, [f.code for f in c.findings]) for c in here]
    # packed for the trip (figures as ints, words by name) and unpacked: every field the same, of the same type
    fields = lambda c: [(k, [(f, getattr(r, f), type(getattr(r, f))) for f in r.__dataclass_fields__])  # noqa: E731
                        for k, r in sorted(c.results.items())]
    assert [fields(c) for c in there] == [fields(c) for c in here]
    # a figure that is not whole, a whole one, a verdict, a status and a read value cross as they were
    from parxl.checks import Checked, Result
    from parxl.merge import _packed
    from parxl.vocab import TaskStatus, Verdict
    r = Result("TAMKY", "I.1/1", Verdict.NOT_MET, Fraction(95), Fraction(100), Fraction(191, 2), gap=Fraction(1, 3),
               reported_status=TaskStatus.DONE, read=(("numerator", Fraction(95)), ("evidence", "Số 12/QĐ")))
    back = pickle.loads(_packed(Checked(here[0].workbook, "TAMKY", results={"I.1/1": r}))).results["I.1/1"]
    assert back == r and back.verdict is Verdict.NOT_MET and back.reported_status is TaskStatus.DONE
    assert [type(getattr(back, f)) for f in ("numerator", "value", "gap")] == [Fraction] * 3
