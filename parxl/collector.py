"""How parxl keeps Python's cyclic garbage collector out of the way of big work held in memory.

* :func:`gc_paused` keeps collections off while an output is built (the consolidated workbook, the JSON report).
* :func:`kept_from_collection` lets the merge move what it holds into the collector's permanent generation as it
  arrives, so that the collections its growing report sets off do not walk it again and again.

Neither changes what is freed: reference counting frees everything as before; only the collector's walks of live
objects are spared.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """No cyclic garbage collection inside the block (restored after, as it was).

    Building the consolidated workbook or the report allocates hundreds of thousands of small
    tuples and lists, none in reference cycles; each collection then walks every live object,
    the whole report included, and costs as much as the work itself (with collections kept off:
    0.8 s → 0.3 s for the 150,000 cells of "Dữ liệu" at 280 returns).  Memory is unchanged:
    reference counting frees all of it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def kept_from_collection():
    """A block in which what the merge has built so far can be kept out of the garbage collector's way: the
    function it yields collects what is garbage and moves every other object tracked so far into the collector's
    permanent generation (``gc.freeze``), which collections skip; leaving the block moves them all back
    (``gc.unfreeze``).

    A merge holds every return's results (some 40 KB of small objects a return) until its outputs are written,
    and the collector's full collections walked all of them, again and again as they grew: at 4,200 returns
    about 1 s of the merge process's CPU, while the workers want both cores of a two-core machine.  Nothing but
    the objects' place in the collector changes: reference counting frees them as before, and garbage is not
    frozen (each freeze follows a collection of the young objects, those made since the last freeze but for
    the rare few a collection promoted meanwhile), so a reference cycle the process drops is held until the
    block ends only if it was still in use when frozen.  When the process has frozen objects of its own (or
    another thread's merge has), nothing is frozen or unfrozen here: that is theirs to manage; a freeze made by
    another thread while the block runs is undone with the block's."""
    if gc.get_freeze_count():
        yield _nothing
        return
    try:
        yield _keep
    finally:
        gc.unfreeze()


def _keep() -> None:
    gc.collect(1)       # the young objects: those made since the last freeze, but for a rare few
    gc.freeze()


def _nothing() -> None:
    pass
