"""Running one function over many jobs, in order, in a process pool when asked.

The shared context (the plan, the period, the key...) is sent to each worker process once,
by the pool's initializer, not with every job.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterator, Sequence, TypeVar

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
