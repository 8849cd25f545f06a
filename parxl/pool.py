"""Running one function over many jobs, in order, in worker processes.

``ordered_map`` is the plain pool (generate uses it): the shared context (the plan, the period,
the key...) is sent to each worker process once, by the pool's initializer, not with every job.

``isolated_map`` is for work on files we do not trust (the merge reading returns): every job
runs in a worker process, so a native reader that aborts, panics, hangs or eats memory on one
hostile file costs that file only; it comes back as a ``Failure`` value, the other jobs go on.

How workers start.  On Linux ``isolated_map`` forks (a worker inherits ``fn`` and ``context``);
Windows and macOS spawn (a worker is a fresh interpreter that imports parxl and receives ``fn`` and
``context`` pickled, so both must be picklable and ``fn`` a module-level function; macOS can fork
but forking is unsafe there, so parxl does not).  ``ordered_map`` uses the platform's default.  The
environment variable ``PARXL_START_METHOD`` (``fork``, ``spawn`` or ``forkserver``) forces the start
method of both, so the test suite can run a second time the way Windows and macOS start workers
(``PARXL_START_METHOD=spawn``); a method the platform does not have is an operator error.

How a worker's memory is bounded (``memory_limit``).  Linux and other Unixes: ``RLIMIT_AS``, set in
the worker (its whole address space).  Windows: a Job Object with ``JOB_OBJECT_LIMIT_PROCESS_MEMORY``
(the memory the worker commits), assigned by the parent before the worker gets a job; the same Job
Object kills the workers when the parent dies (``KILL_ON_JOB_CLOSE``) and keeps a crashing worker from
opening an error dialog (``DIE_ON_UNHANDLED_EXCEPTION``).  macOS does not enforce ``RLIMIT_AS``, so
there (and wherever neither is available) the parent watches each busy worker's resident memory every
50 ms and kills a worker above the limit: a sampled bound, which an allocation faster than the
sampling can pass for a moment.  Whichever bound stops a worker, its job comes back as
``Failure("crashed", ...)``.
"""
from __future__ import annotations

import ctypes
import itertools
import math
import multiprocessing as mp
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import wait as _wait_any
from typing import Callable, Iterable, Iterator, Sequence, TypeVar

from .errors import UsageError
from .i18n import _

J = TypeVar("J")
R = TypeVar("R")

START_METHOD_ENV = "PARXL_START_METHOD"
_START_METHODS = ("fork", "spawn", "forkserver")

_STATE: tuple = ()


def _init(fn, context) -> None:
    global _STATE
    _STATE = (fn, context)


def _call(job):
    fn, context = _STATE
    return fn(context, job)


def start_method(prefer_fork: bool = False) -> str | None:
    """The start method workers get: ``PARXL_START_METHOD`` when set, else fork when ``prefer_fork`` and the
    platform is Linux, else None (the platform's default: spawn on Windows and macOS)."""
    forced = os.environ.get(START_METHOD_ENV, "").strip().lower()
    available = mp.get_all_start_methods()
    if forced:
        if forced not in _START_METHODS or forced not in available:
            raise UsageError(_("{env}={value}: this system starts worker processes with {methods}").format(
                env=START_METHOD_ENV, value=forced, methods=", ".join(m for m in _START_METHODS if m in available)))
        return forced
    if prefer_fork and sys.platform.startswith("linux") and "fork" in available:
        return "fork"
    return None


def ordered_map(fn: Callable[[tuple, J], R], jobs: Sequence[J], context: tuple, workers: int = 1,
                chunksize: int | None = None) -> Iterator[tuple[J, R]]:
    """Yield (job, fn(context, job)) for each job, in the jobs' order; ``fn`` must be a module-level function
    (and, where workers are spawned, ``fn``, ``context`` and the results picklable)."""
    if workers > 1 and len(jobs) > 1:
        size = chunksize or max(1, len(jobs) // (4 * workers))
        ctx = mp.get_context(start_method())
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init, initargs=(fn, context)) as pool:
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

#: The smallest ``memory_limit`` accepted for a worker that starts a fresh interpreter (spawn,
#: forkserver): one that imports parxl and python-calamine takes some 50 MiB before its first job.
SPAWN_MEMORY_FLOOR = 64 << 20

# Jobs dispatched but not yet yielded, per worker: bounds what is buffered behind a slow job.
_WINDOW_PER_WORKER = 8
_DETAIL_MAX = 200
_PR_SET_PDEATHSIG = 1
_WATCH_EVERY = 0.05     # seconds between two looks at a watched worker's memory

# Parent-side ends of every live worker's pipe in this process.  A worker forked later inherits
# them and closes its copies first, so a worker sees EOF when its parent goes away.
_PARENT_ENDS: set = set()


@dataclass(frozen=True)
class Failure:
    """A job that did not finish: its worker died (``crashed``) or ran out of time (``timeout``).

    ``detail`` says how: "SIGABRT", "SIGKILL", "exit code 1", "PanicException: ...",
    "MemoryError: ...", "memory above the 1024 MiB limit", "60 s".
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
    ``PanicException``, ``SystemExit``) or a ``MemoryError``, or whose worker goes over
    ``memory_limit``, yields ``Failure("crashed", detail)``; a job still running after ``timeout``
    seconds (wall time) has its worker killed and yields ``Failure("timeout", ...)``.  The worker is
    replaced; the crashed job is not retried, no other job is lost or run twice (a job sent to a worker
    that died before starting it goes to another).  An ordinary ``Exception`` from ``fn`` is a bug in
    our code, not a finding: it is re-raised here, at the job's place in the order, with the worker's
    traceback as its ``__cause__``.

    Workers are forked on Linux, so they inherit ``context`` and ``fn`` instead of receiving them
    pickled; elsewhere (or with ``PARXL_START_METHOD``) they are spawned and receive both pickled
    once, when they start.  Either way a worker stays alive for the next job: jobs go one at a time
    over a pipe, results come back pickled.  Only jobs within a window of ``8 × workers`` past the
    next one to yield are started, so results are streamed, not collected.  Forking a process that
    runs other threads is only safe if those threads hold no lock the job needs.

    ``memory_limit`` (bytes) bounds each worker's memory (see the module's docstring for how, by
    platform), so a runaway allocation fails the job instead of swapping the machine.  On Linux it
    counts the whole address space, which a forked worker starts with its parent's;
    ``DEFAULT_MEMORY_LIMIT`` (2 GiB) is a sane value for reading returns.  ``None`` sets no limit.

    Workers exit when the iterator is exhausted, closed or abandoned by an exception (busy
    workers are killed), and also when this process dies.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    method = start_method(prefer_fork=True)
    if memory_limit is not None:
        forks = method == "fork" or (method is None and mp.get_start_method(allow_none=True) == "fork")
        if not forks:
            used = SPAWN_MEMORY_FLOOR
        elif _memory_guard() == "rlimit":
            used = _status(os.getpid(), b"VmSize:")     # a forked worker starts with this address space...
        else:
            used = _status(os.getpid(), b"VmRSS:")      # ... and this much resident memory
        if used is not None and memory_limit <= used:
            raise ValueError(f"memory_limit={memory_limit} is below the {used} bytes of memory "
                             f"each worker already has when it starts")
    return _run(fn, iter(jobs), context, workers, timeout, memory_limit, method)


class _Worker:
    __slots__ = ("proc", "conn", "ready", "index", "deadline")

    def __init__(self, proc, conn):
        self.proc, self.conn = proc, conn
        self.ready = False
        self.index: int | None = None      # the job it is running
        self.deadline = 0.0


def _memory_guard() -> str:
    """How this platform bounds a worker's memory: "job" (Windows), "rlimit" (RLIMIT_AS, set in the worker)
    or "watch" (the parent samples the worker's resident memory: macOS, or no RLIMIT_AS)."""
    if sys.platform == "win32":
        return "job"
    if sys.platform == "darwin":       # RLIMIT_AS is accepted there but not enforced
        return "watch"
    try:
        import resource
        resource.RLIMIT_AS
    except (ImportError, AttributeError):
        return "watch"
    return "rlimit"


def _run(fn, jobs: Iterator, context, workers: int, timeout, memory_limit, method) -> Iterator:
    ctx = mp.get_context(method)
    guard = _memory_guard() if memory_limit is not None else None
    job_object = _WinJob(memory_limit) if sys.platform == "win32" else None
    pool: list[_Worker] = []
    taken: dict[int, object] = {}          # index → job, for jobs dispatched and not yet yielded
    done: dict[int, tuple] = {}            # index → ("ok", value) | ("failure", Failure) | ("error", exc)
    retry: list[tuple[int, object]] = []   # taken but never started: the next idle worker runs it
    counter = itertools.count()
    next_out = 0
    exhausted = False
    window = _WINDOW_PER_WORKER * workers
    watched = memory_limit if guard == "watch" else None
    next_look = 0.0                        # when the watched workers' memory is looked at again

    def start() -> _Worker:
        parent_end, child_end = ctx.Pipe()
        # A forked worker inherits fn and context.  A spawned one gets them over its pipe once started, not
        # with the process object: multiprocessing writes that to the child before start() returns and would
        # block for good on a child that died before reading it all; a write on our pipe fails instead.
        inherit = ctx.get_start_method() == "fork"
        proc = ctx.Process(target=_worker_main, name="parxl-isolated",
                           args=(child_end, (fn, context) if inherit else None,
                                 memory_limit if guard == "rlimit" else None,
                                 os.getpid(), threading.current_thread() is threading.main_thread()),
                           daemon=True)
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
        if job_object is not None:
            job_object.assign(proc.pid)      # before the worker is sent any job
        if not inherit:
            try:
                parent_end.send((fn, context))
            except (BrokenPipeError, ConnectionResetError):
                buried(w)                    # raises WorkerStartError: it died before its first job
        return w

    def retire(w: _Worker) -> None:
        """Kill ``w`` if it still runs, reap it, close its pipe."""
        pool.remove(w)
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
            raise WorkerStartError(f"a worker died before taking a job ({detail}); where workers are spawned, "
                                   f"the job function and its context must be picklable and importable")
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

    def over_memory() -> None:
        """Kill each busy worker whose resident memory is above the limit (the "watch" bound), every 50 ms."""
        nonlocal next_look
        if time.monotonic() < next_look:
            return
        next_look = time.monotonic() + _WATCH_EVERY
        for w in [w for w in pool if w.index is not None]:
            used = _resident(w.proc.pid)
            if used is not None and used > watched and not w.conn.poll(0):
                index = w.index
                retire(w)
                done[index] = ("failure", Failure(CRASHED, f"memory above the {watched >> 20} MiB limit "
                                                            f"({used >> 20} MiB)"))

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
            if watched is not None:
                wait_for = min(wait_for, _WATCH_EVERY)
            # Every worker's pipe and process sentinel (multiprocessing's wait takes both on every platform).
            owner = {}
            for w in pool:
                owner[w.conn] = owner[w.proc.sentinel] = w
            for obj in _wait_any(list(owner), None if wait_for == math.inf else max(0.0, wait_for)):
                w = owner[obj]
                if w not in pool:
                    continue
                if obj is w.conn:
                    if not receive(w) and w in pool:
                        buried(w)
                else:
                    buried(w)
            if watched is not None:
                over_memory()
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
        if job_object is not None:
            job_object.close()


def _status(pid: int, field: bytes) -> int | None:
    """A size from /proc/<pid>/status (``VmSize:``, ``VmRSS:``) in bytes, where /proc tells it."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _resident(pid: int) -> int | None:
    """Resident memory of process ``pid`` in bytes (Linux: /proc; macOS: its physical footprint), or None."""
    if sys.platform == "darwin":
        return _darwin_footprint(pid)
    return _status(pid, b"VmRSS:")


class _RusageInfoV0(ctypes.Structure):
    """struct rusage_info_v0 (macOS <sys/resource.h>), filled by proc_pid_rusage(pid, RUSAGE_INFO_V0, ...)."""
    _fields_ = [("ri_uuid", ctypes.c_uint8 * 16)] + [(name, ctypes.c_uint64) for name in (
        "ri_user_time", "ri_system_time", "ri_pkg_idle_wkups", "ri_interrupt_wkups", "ri_pageins",
        "ri_wired_size", "ri_resident_size", "ri_phys_footprint", "ri_proc_start_abstime", "ri_proc_exit_abstime")]


_LIBPROC = None


def _darwin_footprint(pid: int) -> int | None:
    global _LIBPROC
    try:
        if _LIBPROC is None:
            lib = ctypes.CDLL("/usr/lib/libSystem.B.dylib", use_errno=True)
            lib.proc_pid_rusage.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_void_p)
            lib.proc_pid_rusage.restype = ctypes.c_int
            _LIBPROC = lib
        info = _RusageInfoV0()
        if _LIBPROC.proc_pid_rusage(pid, 0, ctypes.byref(info)) != 0:   # 0: RUSAGE_INFO_V0
            return None
        return int(info.ri_phys_footprint)
    except (OSError, AttributeError):
        return None


# --- Windows: a Job Object bounds each worker's memory and ends the workers with the parent -----------

class _IoCounters(ctypes.Structure):
    """IO_COUNTERS (winnt.h): six ULONGLONG."""
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
        "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]


class _BasicLimits(ctypes.Structure):
    """JOBOBJECT_BASIC_LIMIT_INFORMATION (winnt.h).  LARGE_INTEGER → int64, DWORD → uint32,
    SIZE_T and ULONG_PTR → size_t (ctypes aligns the fields as MSVC does: 64 bytes on x64)."""
    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64),
                ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", ctypes.c_uint32),
                ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t),
                ("ActiveProcessLimit", ctypes.c_uint32),
                ("Affinity", ctypes.c_size_t),
                ("PriorityClass", ctypes.c_uint32),
                ("SchedulingClass", ctypes.c_uint32)]


class _ExtendedLimits(ctypes.Structure):
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION (winnt.h): 144 bytes on x64, ProcessMemoryLimit at 112."""
    _fields_ = [("BasicLimitInformation", _BasicLimits),
                ("IoInfo", _IoCounters),
                ("ProcessMemoryLimit", ctypes.c_size_t),
                ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t),
                ("PeakJobMemoryUsed", ctypes.c_size_t)]


_JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9          # JOBOBJECTINFOCLASS JobObjectExtendedLimitInformation
_JOB_OBJECT_LIMIT_PROCESS_MEMORY = 0x00000100
_JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x00000400
_JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000
_PROCESS_TERMINATE = 0x0001
_PROCESS_SET_QUOTA = 0x0100


def _kernel32():
    """kernel32 with the prototypes used here (a private WinDLL: ctypes.windll's is shared by everyone)."""
    import ctypes.wintypes as wt
    k = ctypes.WinDLL("kernel32", use_last_error=True)
    k.CreateJobObjectW.argtypes = (ctypes.c_void_p, wt.LPCWSTR)
    k.CreateJobObjectW.restype = wt.HANDLE
    k.SetInformationJobObject.argtypes = (wt.HANDLE, ctypes.c_int, ctypes.c_void_p, wt.DWORD)
    k.SetInformationJobObject.restype = wt.BOOL
    k.OpenProcess.argtypes = (wt.DWORD, wt.BOOL, wt.DWORD)
    k.OpenProcess.restype = wt.HANDLE
    k.AssignProcessToJobObject.argtypes = (wt.HANDLE, wt.HANDLE)
    k.AssignProcessToJobObject.restype = wt.BOOL
    k.CloseHandle.argtypes = (wt.HANDLE,)
    k.CloseHandle.restype = wt.BOOL
    return k


class _WinJob:
    """One Job Object for a pool's workers (Windows only).  ``limits``: whether the memory limit is in force
    (False when the Job Object could not be made or a worker could not be put in it: the workers then run
    without a memory bound, as they would with ``memory_limit=None``)."""

    def __init__(self, memory_limit: int | None):
        self.handle = None
        self.limits = False
        try:
            self.k = _kernel32()
            handle = self.k.CreateJobObjectW(None, None)       # unnamed, not inheritable
            if not handle:
                return
            info = _ExtendedLimits()
            flags = _JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | _JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION
            if memory_limit is not None:
                flags |= _JOB_OBJECT_LIMIT_PROCESS_MEMORY
                info.ProcessMemoryLimit = memory_limit
            info.BasicLimitInformation.LimitFlags = flags
            if not self.k.SetInformationJobObject(handle, _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
                                                  ctypes.byref(info), ctypes.sizeof(info)):
                self.k.CloseHandle(handle)
                return
            self.handle = handle
            self.limits = memory_limit is not None
        except (OSError, AttributeError):
            self.handle = None

    def assign(self, pid: int) -> None:
        """Put worker ``pid`` in the job.  If that fails (Windows 7 refuses to nest jobs when parxl itself runs in
        one), the worker runs without the job's bounds; nothing else changes."""
        if self.handle is None:
            return
        process = self.k.OpenProcess(_PROCESS_SET_QUOTA | _PROCESS_TERMINATE, False, pid)
        if not process:
            self.limits = False
            return
        try:
            if not self.k.AssignProcessToJobObject(self.handle, process):
                self.limits = False
        finally:
            self.k.CloseHandle(process)

    def close(self) -> None:
        """Close the job (KILL_ON_JOB_CLOSE: any worker still in it ends; the pool has already retired them)."""
        if self.handle is not None:
            self.k.CloseHandle(self.handle)
            self.handle = None


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return signal.Signals(-exitcode).name
        except ValueError:
            return f"signal {-exitcode}"
    if exitcode is not None and exitcode > 0xFFFF:        # Windows: an NTSTATUS such as 0xC0000005
        return f"exit code 0x{exitcode:08X}"
    return f"exit code {exitcode}"


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text if len(text) <= _DETAIL_MAX else text[:_DETAIL_MAX - 1] + "…"


def _worker_main(conn, work, memory_limit, parent_pid, main_thread) -> None:
    for end in list(_PARENT_ENDS):     # other workers' parent ends, inherited by fork
        end.close()
    _PARENT_ENDS.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    _follow_parent(parent_pid, main_thread)
    try:
        fn, context = work if work is not None else conn.recv()     # spawned: the first message
    except (EOFError, OSError):
        return
    if memory_limit is not None:       # only where the parent found RLIMIT_AS (see _memory_guard)
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
    """Make this worker die with its parent, even in native code that holds the GIL.

    Linux: the kernel's parent-death signal (prctl), when this process is the parent's own child.
    Windows: the pool's Job Object (KILL_ON_JOB_CLOSE) ends the worker when the parent's handle to it
    closes, whatever the worker is doing; a thread also waits on the parent process's handle.  A worker
    started by a fork server (forkserver) waits on multiprocessing's parent sentinel; elsewhere a thread
    polls the parent's pid (an orphan is re-parented)."""
    own_child = os.getppid() == parent_pid
    if sys.platform.startswith("linux") and main_thread and own_child:
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
    parent = mp.parent_process() if sys.platform == "win32" or not own_child else None

    def watch():
        if parent is not None:     # the parent's handle (Windows) or a pipe it holds open (fork server)
            parent.join()
        else:
            while os.getppid() == parent_pid:
                time.sleep(1.0)
        os._exit(70)

    threading.Thread(target=watch, name="parxl-parent-watch", daemon=True).start()
