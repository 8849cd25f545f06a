"""Where one return's time goes: each stage of reading and checking it, against the native floors.

    python bench/floors.py                          # 280 returns (built in a temporary folder, ~30 s)
    python bench/floors.py --reuse DIR              # keep / reuse the built returns (bench/run.py's --reuse)
    python bench/floors.py -n 280 --rounds 7

Each stage runs over every return, in one process, round after round (the order of the stages reversed every
other round, after one untimed warm-up round); each gives CPU milliseconds a return (``time.process_time``:
what a stage costs, not what the machine's other work adds), reported as median [min-max] over the rounds.

Stages (what parxl does to a return, in order, and the floors it cannot go below):
  bare calamine read       python-calamine reading the sheets parxl reads, from the file (bench/run.py's floor)
  open                     the file read once, its SHA-256, the zip directory (zipfile)
  inflate every part       zlib inflating each part whole: the DTD search looks at every byte of every part
  calamine, inflated       python-calamine reading the same sheets from the package with its parts inflated
                           (what parxl hands it: see parxl.reader.package.stored_package)
  read_return              parxl's whole reader (the three above, the DTD search, metadata, bounds, formula and
                           error scans, the identity sheet)
  check_return             the checks of parxl.checks on the workbook read
  pack, unpack             a checked return pickled in the worker and unpickled in the merge's process

The "beyond its floor" line is read_return less open, inflate and calamine-inflated: the reader's own Python.
The last lines say what bench/run.py's "read + check (pool of 2) ≤ 2×" asks of the CPU a return: on a machine of
two cores the pool's wall time is at best the CPU of the workers and the merge's process shared by two, so the
goal needs (read + check + pack + unpack) ≤ 4 × the bare read, at best.

The stages run in one process, round after round over the same returns, so they leave out what a merge adds: a
return read, checked and packed in turn rather than each stage over all returns, in a forked worker (its first
return ~10 ms), each job's and result's trip through a pipe, two workers running at once (each a little slower
than one alone: they share cache and memory), the merge's own process (unpacking, the pool, the figures after the
last return), and what parxl works out once per agency and keeps (layout, hash: ~0.06 ms an agency), which only
the warm-up round pays.  The last part therefore also runs the merge as bench/run.py times it
(``merge``, its default pool), interleaved with the bare read, each round with the plan loaded afresh (outside the
timing), and reports its CPU a return as it falls: the workers' (``os.times`` of the reaped children) and the
merge's own process, and their sum against the bare read, which is what the 2× goal divides by two cores.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import pickle
import statistics
import struct
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as B  # noqa: E402

import python_calamine as pc  # noqa: E402

from parxl.checks import check_return  # noqa: E402
from parxl.merge import _packed  # noqa: E402
from parxl.reader import read_return  # noqa: E402
from parxl.reader.package import Parts, stored_package  # noqa: E402
from parxl.reader.sheets import NOT_READ  # noqa: E402


def _calamine(source) -> int:
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(source)) if isinstance(source, bytes) \
        else pc.CalamineWorkbook.from_path(str(source))
    cells = 0
    for name in wb.sheet_names:
        if name not in NOT_READ:                    # as bench/run.py's bare read (parxl also reads the cover)
            cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
    return cells


def _open(data_of: dict) -> None:
    for f in data_of:
        data = f.read_bytes()
        hashlib.sha256(data).hexdigest()
        zipfile.ZipFile(io.BytesIO(data)).infolist()


def _raw(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A deflated part's bytes as they lie in the package (after its local header)."""
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    return data[start:start + info.compress_size]


def stages(files: list[Path], plan, period, key) -> dict:
    data_of = {f: f.read_bytes() for f in files}
    inflated = []
    for data in data_of.values():
        zf = zipfile.ZipFile(io.BytesIO(data))
        parts = Parts(zf, data)
        for info in zf.infolist():
            parts.head(info)
        inflated.append(stored_package(parts))
    raw_of = {f: [_raw(d, i) for i in zipfile.ZipFile(io.BytesIO(d)).infolist()
                  if i.compress_type == zipfile.ZIP_DEFLATED] for f, d in data_of.items()}
    books = [read_return(f) for f in files]
    checked = [check_return(read_return(f), plan, period, key) for f in files]
    for c in checked:               # as a worker sends it: the cells dropped once checked
        c.workbook.sheets, c.workbook.cover = {}, None
    packed = [_packed(c) for c in checked]

    def inflate_all():
        for parts in raw_of.values():
            for raw in parts:
                zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw)

    def check_all():
        for wb in books:
            check_return(wb, plan, period, key)

    def each(fn, items):            # nothing kept: what a stage costs, not the collector's walks of what it made
        def stage():
            for x in items:
                fn(x)
        return stage

    return {
        "bare calamine read": each(_calamine, files),
        "open": lambda: _open(data_of),
        "inflate every part": inflate_all,
        "calamine, inflated": each(_calamine, inflated),
        "read_return": each(read_return, files),
        "check_return": check_all,
        "pack": each(_packed, checked),
        "unpack": each(pickle.loads, packed),
    }


def measure(methods: dict, rounds: int, n: int) -> dict[str, list[float]]:
    names = list(methods)
    out = {k: [] for k in names}
    for k in names:
        methods[k]()
    for i in range(rounds):
        for k in (names if i % 2 == 0 else names[::-1]):
            c = time.process_time()
            methods[k]()
            out[k].append((time.process_time() - c) * 1000 / n)
    return out


def merge_as_run(folder: Path, files: list[Path], registry: Path, period, key, rounds: int, scratch: Path):
    """The merge as bench/run.py times it, interleaved with the bare read (bench/run.py's ``interleaved``): its
    times, and for each timed call (CPU s of the calling process, of its reaped children), the plan loaded afresh
    for each call outside the timing."""
    from parxl.merge import merge
    plans = iter([B.load_plan(B.PLAN, registry) for _ in range(rounds + 1)])    # the warm-up call's too
    split: dict[str, list[tuple[float, float]]] = {"merge": [], "bare": []}

    def merged():
        report = merge(next(plans), period, folder, key)
        assert report.counts()["accepted"] == len(files), report.counts()

    def cpu_split(name, fn):
        def call(_folder):
            t0 = os.times()
            fn()
            t1 = os.times()
            split[name].append((t1.user + t1.system - t0.user - t0.system,
                                t1.children_user + t1.children_system - t0.children_user - t0.children_system))
        return call
    times = B.interleaved({"merge": cpu_split("merge", merged), "bare": cpu_split("bare", lambda: B.bare_calamine(files))},
                          rounds, scratch)
    return times, {k: v[1:] for k, v in split.items()}     # the warm-up calls come first


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=280, help="returns of distinct agencies (default 280)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reuse", type=Path, help="keep / reuse the built returns in this folder (as bench/run.py)")
    a = ap.parse_args()
    period = B.Period.parse(B.PERIOD)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        reg = B.synthetic_registry(work / f"agencies{a.n}.toml", a.n)
        returns, kp = B.built_returns(reg, period, B.keygen(work / "parxl.key"), a.reuse)
        plan = B.load_plan(B.PLAN, reg)
        files = sorted(returns.values())
        t = measure(stages(files, plan, period, B.load_key(kp)), a.rounds, len(files))
        folder = B.link_returns(returns, plan.reporting_agencies(), work / "returns")
        (work / "scratch").mkdir()
        times, split = merge_as_run(folder, files, reg, period, B.load_key(kp), a.rounds, work / "scratch")
    med = {k: statistics.median(v) for k, v in t.items()}
    print(f"CPU ms a return, {len(files)} returns, median [min-max] of {a.rounds} rounds")
    for k, v in t.items():
        print(f"  {k:24s} {med[k]:6.3f} [{min(v):.3f}-{max(v):.3f}]")
    floor = med["open"] + med["inflate every part"] + med["calamine, inflated"]
    per_return = med["read_return"] + med["check_return"] + med["pack"] + med["unpack"]
    print(f"  {'reader beyond its floor':24s} {med['read_return'] - floor:6.3f}  (read_return - open - inflate - "
          f"calamine, inflated)")
    print(f"  {'read + check + pack + unpack':24s} {per_return:6.3f}  = {per_return / med['bare calamine read']:.2f}"
          f" × the bare read; 'read + check (pool of 2) ≤ 2×' needs ≤ 4× at best, on two cores")
    print(f"  {'native floor of the read':24s} {floor:6.3f}  = {floor / med['bare calamine read']:.2f} × the bare read")
    n = len(files)
    wall = B.compare(times, "merge", "bare")
    bare = statistics.median(sum(x) for x in split["bare"]) * 1000 / n
    own, workers = (statistics.median(x[k] for x in split["merge"]) * 1000 / n for k in (0, 1))
    print(f"the merge as it runs (merge, its default pool; {os.cpu_count()} cores), each agency seen once, "
          f"median of {wall['n']} rounds interleaved with the bare read:")
    print(f"  {'workers':24s} {workers:6.3f}  CPU ms a return")
    print(f"  {'merge process':24s} {own:6.3f}")
    print(f"  {'all':24s} {own + workers:6.3f}  = {(own + workers) / bare:.2f} × the bare read ({bare:.3f})")
    print(f"  {'wall / bare read wall':24s} {wall['ratio']:6.2f}  [{wall['min']:.2f}-{wall['max']:.2f}]")


if __name__ == "__main__":
    main()
