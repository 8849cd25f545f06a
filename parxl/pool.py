"""Running one function over many jobs, in order, in worker processes.

``ordered_map`` is the plain pool (generate uses it): the shared context (the plan, the period,
the key...) is sent to each worker process once, by the pool's initializer, not with every job.

``isolated_map`` is for work on files we do not trust (the merge reading returns): every job
runs in a worker process, so a native reader that aborts, panics, hangs or eats memory on one
hostile file costs that file only; it comes back as a ``Failure`` value, the other jobs go on.
"""
from __future__ import annotations

import ctypes
import itertools
import math
import multiprocessing as mp
import os
import pickle
import selectors
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence, TypeVar

J = TypeVar("J")
R = TypeVar("R")

_STATE: tuple = ()


def _init(fn, context) -> None:
    global _STATE
    _STATE = (fn, context)


def _call(job):
    fn, context = _STATE
    return fn(context, job)


def ordered_map(fn: Callable[[tuple, J], R], jobs: Sequence[J], context: tuple, workers: int = 1,
                chunksize: int | None = None) -> Iterator[tuple[J, R]]:
    """Yield (job, fn(context, job)) for each job, in the jobs' order; ``fn`` must be a module-level function."""
    if workers > 1 and len(jobs) > 1:
        size = chunksize or max(1, len(jobs) // (4 * workers))
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(fn, context)) as pool:
            yield from zip(jobs, pool.map(_call, jobs, chunksize=size))
        return
    for job in jobs:
        yield job, fn(context, job)


# --- isolated_map ------------------------------------------------------------------------------

CRASHED = "crashed"
TIMEOUT = "timeout"

#: A suggested ``memory_limit`` for reading returns.  Measured (VmPeak, Linux, Python 3.11):
#: the interpreter alone takes 16 MiB of address space, with parxl and python-calamine imported
#: 44 MiB; a worker forked from a 48 MiB merge process peaks at 49 MiB over the 46 demo returns,
#: which all read the same under a limit as low as 64 MiB; a 6 MiB sheet of 200,000 × 10 numbers
#: (68 MiB unpacked) peaks at 67 MiB, as the reader stops at its row limit.  The limit counts
#: the whole address space, which a forked worker starts with its parent's (some hundreds of
#: MiB in a big caller), so 2 GiB leaves ample room while still stopping a runaway allocation
#: long before it swaps the machine.
DEFAULT_MEMORY_LIMIT = 2 << 30

# Jobs dispatched but not yet yielded, per worker: bounds what is buffered behind a slow job.
_WINDOW_PER_WORKER = 8
_DETAIL_MAX = 200
_PR_SET_PDEATHSIG = 1

# Parent-side ends of every live worker's pipe in this process.  A worker forked later inherits
# them and closes its copies first, so a worker sees EOF when its parent goes away.
_PARENT_ENDS: set = set()


@dataclass(frozen=True)
class Failure:
    """A job that did not finish: its worker died (``crashed``) or ran out of time (``timeout``).

    ``detail`` says how: "SIGABRT", "SIGKILL", "exit code 1", "PanicException: ...",
    "MemoryError: ...", "60 s".
    """
    kind: str
    detail: str


class WorkerStartError(RuntimeError):
    """A worker process died before it could take its first job: nothing a file can cause."""


class _RemoteTraceback(Exception):
    def __init__(self, tb: str):
        self.tb = tb

    def __str__(self):
        return self.tb


def isolated_map(fn: Callable[[tuple, J], R], jobs: Iterable[J], context: tuple, workers: int = 1,
                 timeout: float | None = 60.0, memory_limit: int | None = None
                 ) -> Iterator[tuple[J, R | Failure]]:
    """Yield (job, fn(context, job)) for each job, in the jobs' order, each job run in a worker process.

    A job whose worker dies (a signal such as SIGABRT or SIGSEGV, an exit, the OOM killer's
    SIGKILL), whose ``fn`` lets out a ``BaseException`` that is not an ``Exception`` (pyo3's
    ``PanicException``, ``SystemExit``) or a ``MemoryError``, yields ``Failure("crashed", detail)``;
    a job still running after ``timeout`` seconds (wall time) has its worker killed and yields
    ``Failure("timeout", ...)``.  The worker is replaced; the crashed job is not retried, no other
    job is lost or run twice (a job sent to a worker that died before starting it goes to another).  An ordinary ``Exception`` from ``fn`` is a bug in our code, not a
    finding: it is re-raised here, at the job's place in the order, with the worker's traceback
    as its ``__cause__``.

    Workers are forked (where the platform can), so they inherit ``context`` and ``fn`` instead of
    receiving them pickled; jobs go one at a time over a pipe, results come back pickled.  Only
    jobs within a window of ``8 × workers`` past the next one to yield are started, so results
    are streamed, not collected.  Forking a process that runs other threads is only safe if those
    threads hold no lock the job needs.

    ``memory_limit`` (bytes) caps each worker's address space (``RLIMIT_AS``), so a runaway
    allocation fails in the worker (a Rust abort → crashed; a Python ``MemoryError`` → crashed)
    instead of swapping the machine.  It counts the whole address space, which a forked worker
    starts with its parent's; ``DEFAULT_MEMORY_LIMIT`` (2 GiB) is a sane value for reading
    returns.  ``None`` sets no limit.

    Workers exit when the iterator is exhausted, closed or abandoned by an exception (busy
    workers are killed), and also when this process dies.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if memory_limit is not None:
        used = _address_space()
        if used is not None and memory_limit <= used:
            raise ValueError(f"memory_limit={memory_limit} is below the {used} bytes of address space "
                             f"this process (and so each forked worker) already has")
    return _run(fn, iter(jobs), context, workers, timeout, memory_limit)


class _Worker:
    __slots__ = ("proc", "conn", "ready", "index", "deadline")

    def __init__(self, proc, conn):
        self.proc, self.conn = proc, conn
        self.ready = False
        self.index: int | None = None      # the job it is running
        self.deadline = 0.0


def _run(fn, jobs: Iterator, context, workers: int, timeout, memory_limit) -> Iterator:
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)
    pool: list[_Worker] = []
    events = selectors.DefaultSelector()   # every worker's pipe and process sentinel
    taken: dict[int, object] = {}          # index → job, for jobs dispatched and not yet yielded
    done: dict[int, tuple] = {}            # index → ("ok", value) | ("failure", Failure) | ("error", exc)
    retry: list[tuple[int, object]] = []   # taken but never started: the next idle worker runs it
    counter = itertools.count()
    next_out = 0
    exhausted = False
    window = _WINDOW_PER_WORKER * workers

    def start() -> _Worker:
        parent_end, child_end = ctx.Pipe()
        proc = ctx.Process(target=_worker_main, name="parxl-isolated",
                           args=(child_end, fn, context, memory_limit, os.getpid(),
                                 threading.current_thread() is threading.main_thread()), daemon=True)
        _PARENT_ENDS.add(parent_end)
        try:
            proc.start()
        except BaseException:
            _PARENT_ENDS.discard(parent_end)
            parent_end.close()
            raise
        finally:
            child_end.close()
        w = _Worker(proc, parent_end)
        pool.append(w)
        events.register(parent_end, selectors.EVENT_READ, w)
        events.register(proc.sentinel, selectors.EVENT_READ, w)
        return w

    def retire(w: _Worker) -> None:
        """Kill ``w`` if it still runs, reap it, close its pipe."""
        pool.remove(w)
        events.unregister(w.conn)
        events.unregister(w.proc.sentinel)
        if w.proc.exitcode is None:
            w.proc.kill()
        w.proc.join()
        _PARENT_ENDS.discard(w.conn)
        w.conn.close()
        w.proc.close()

    def receive(w: _Worker) -> bool:
        """Take one message from ``w``; False if the pipe is closed (the worker died)."""
        try:
            msg = w.conn.recv()
        except (EOFError, OSError):
            return False
        tag = msg[0]
        if tag == "ready":
            w.ready = True
            return True
        index = msg[1]
        w.index = None
        if tag == "ok":
            done[index] = ("ok", msg[2])
        elif tag == "error":
            exc, tb = msg[2], msg[3]
            exc.__cause__ = _RemoteTraceback(tb)
            done[index] = ("error", exc)
        else:  # "crash": a BaseException or MemoryError; the worker is exiting
            done[index] = ("failure", Failure(CRASHED, msg[2]))
            retire(w)
        return True

    def buried(w: _Worker) -> None:
        """``w`` died: read what it sent before dying, then charge its job with the death."""
        while w in pool and w.conn.poll(0):
            if not receive(w):
                break
        if w not in pool:
            return
        w.proc.join(5)      # the pipe may close a moment before the process is reapable
        detail = _death(w.proc.exitcode)
        index, ready = w.index, w.ready
        retire(w)
        if not ready:
            raise WorkerStartError(f"a worker died before taking a job ({detail})")
        if index is not None:
            done[index] = ("failure", Failure(CRASHED, detail))

    def dispatch() -> None:
        """Give each idle worker a job; start workers while there are jobs for them."""
        nonlocal exhausted
        while len(taken) < window or retry:
            idle = next((w for w in pool if w.index is None), None)
            if idle is None and len(pool) >= workers:
                return
            if retry:
                index, job = retry.pop()
            else:
                if exhausted:
                    return
                try:
                    job = next(jobs)
                except StopIteration:
                    exhausted = True
                    return
                index = next(counter)
                taken[index] = job
            if idle is not None and not idle.proc.is_alive():   # died while idle: not this job's fault
                retry.append((index, job))
                buried(idle)
                continue
            w = idle or start()
            try:
                w.conn.send((index, job))
            except (BrokenPipeError, ConnectionResetError):
                retry.append((index, job))     # never reached the worker
                buried(w)
                continue
            w.index = index
            w.deadline = time.monotonic() + timeout if timeout is not None else math.inf

    try:
        while True:
            dispatch()
            if next_out in done:
                # Yield what is in order; the workers go on with the jobs just dispatched.
                while next_out in done:
                    tag, value = done.pop(next_out)
                    job = taken.pop(next_out)
                    next_out += 1
                    if tag == "error":
                        raise value
                    yield job, value
                continue
            busy = [w for w in pool if w.index is not None]
            if not busy:
                if not taken:
                    return
                raise RuntimeError("isolated_map lost track of a job")   # pragma: no cover
            wait_for = min(w.deadline for w in busy) - time.monotonic()
            for key, _ in events.select(None if wait_for == math.inf else max(0.0, wait_for)):
                w = key.data
                if w not in pool:
                    continue
                if key.fileobj is w.conn:
                    if not receive(w) and w in pool:
                        buried(w)
                else:
                    buried(w)
            now = time.monotonic()
            for w in [w for w in pool if w.index is not None and w.deadline <= now]:
                if w.conn.poll(0):      # finished while we were away: not a timeout
                    continue
                index = w.index
                retire(w)
                done[index] = ("failure", Failure(TIMEOUT, f"{timeout:g} s"))
    finally:
        for w in pool:
            if w.index is None:
                try:
                    w.conn.send(None)   # idle: let it exit by itself
                except OSError:
                    pass
        stop = time.monotonic() + 1.0
        for w in list(pool):
            if w.index is None:
                w.proc.join(max(0.0, stop - time.monotonic()))
            retire(w)                   # busy (or slow to stop): killed
        events.close()


def _address_space() -> int | None:
    """This process's address space in bytes (VmSize), where /proc tells it."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return signal.Signals(-exitcode).name
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit code {exitcode}"


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text if len(text) <= _DETAIL_MAX else text[:_DETAIL_MAX - 1] + "…"


def _worker_main(conn, fn, context, memory_limit, parent_pid, main_thread) -> None:
    for end in list(_PARENT_ENDS):     # other workers' parent ends, inherited by fork
        end.close()
    _PARENT_ENDS.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    _follow_parent(parent_pid, main_thread)
    if memory_limit is not None:
        import resource
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    conn.send(("ready",))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        index, job = msg
        try:
            reply = ("ok", index, fn(context, job))
        except MemoryError as exc:
            _crash(conn, index, exc)
        except Exception as exc:
            reply = ("error", index, _portable(exc), traceback.format_exc())
        except BaseException as exc:
            _crash(conn, index, exc)
        try:
            conn.send(reply)
        except MemoryError as exc:
            _crash(conn, index, exc)
        except Exception as exc:    # the result (or the exception) does not pickle: our bug
            tb = (reply[3] + "\n" if reply[0] == "error" else "") + traceback.format_exc()
            conn.send(("error", index, RuntimeError(f"cannot send the result of job {index} "
                                                    f"from the worker: {_short(exc)}"), tb))


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling (the parent re-raises it), else a RuntimeError naming it."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(_short(exc))


def _crash(conn, index, exc: BaseException):
    try:
        conn.send(("crash", index, _short(exc)))
    finally:
        os._exit(70)


def _follow_parent(parent_pid: int, main_thread: bool) -> None:
    """Make this worker die with its parent, even in native code that holds the GIL."""
    if sys.platform.startswith("linux") and main_thread:
        # The kernel sends the signal when the forking *thread* ends: only the main thread's
        # end is the process's end, so other callers get the polling thread below.
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent_pid:
                    os._exit(70)
                return
        except (OSError, AttributeError):
            pass

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(70)

    threading.Thread(target=watch, name="parxl-parent-watch", daemon=True).start()
