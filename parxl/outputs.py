"""Writing what the merge produces without ever destroying an input or a half-written output.

* :func:`check_output_paths` refuses, before anything is read, an output that would land on a
  return, inside the returns folder, on the key, on the other output, or under a wrong extension,
  and proves the output folder writable by creating (and removing) a file in it.  Paths are compared
  as the file system compares them: the same existing file is the same file whatever the spelling
  (``os.path.samestat``), and names are compared without case on Windows and macOS.
* :class:`OutputLock` holds an exclusive lock on the outputs for a whole run, so two merges writing
  the same workbook (a scheduled job and a person) cannot interleave; the second is refused at once.
  The lock file is removed when the run ends.
* :func:`atomic_path` / :func:`atomic_paths` give unique temporary names beside the destinations and
  rename them into place only when everything was written: a reader sees the old files or the new
  ones, never a mix.  When a destination cannot be replaced (on Windows: the workbook is open in
  Excel), none is: the new files are kept beside their destinations under a name that says so
  (``tong-hop-2024-Q3 (mới 2026-12-03 0915).xlsx``) and :class:`~parxl.errors.OutputInUseError` says
  where, and to close the file and run again.
"""
from __future__ import annotations

import datetime as dt
import itertools
import ntpath
import os
import secrets
import shutil
import sys
import tempfile
import time
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

from filelock import FileLock, Timeout

from .errors import OutputInUseError, UsageError
from .i18n import _, os_reason


def _real(p: str | Path) -> str:
    return os.path.realpath(os.path.abspath(p))


def _fold_for(platform: str) -> Callable[[str], str]:
    """How ``platform``'s usual file systems compare names: Windows (NTFS, FAT, SMB) without case;
    macOS (APFS, HFS+ as formatted by default) without case and without Unicode normalization form;
    elsewhere byte for byte (a case-insensitive volume there is still caught by ``samestat``)."""
    if platform == "win32":
        return ntpath.normcase
    if platform == "darwin":
        return lambda p: unicodedata.normalize("NFC", p).casefold()
    return lambda p: p


_fold = _fold_for(sys.platform)


def _stat(p: str) -> os.stat_result | None:
    try:
        return os.stat(p)
    except (OSError, ValueError):
        return None


def _same_stat(a: os.stat_result | None, b: os.stat_result | None) -> bool:
    """The same existing file; never on a file system that gives no file ids (some network shares say 0)."""
    return a is not None and b is not None and a.st_ino != 0 and os.path.samestat(a, b)


def _same(a: str, b: str) -> bool:
    """Whether two real paths name the same file as the file system sees it."""
    return _fold(a) == _fold(b) or _same_stat(_stat(a), _stat(b))


def _inside(path: str, folder: str) -> bool:
    """Whether real path ``path`` is ``folder`` or lies under it (by name, or by an ancestor that is ``folder``)."""
    p, f = _fold(path), _fold(folder)
    if p == f or p.startswith(f.rstrip(os.sep) + os.sep):
        return True
    target = _stat(folder)
    while True:
        if _same_stat(_stat(path), target):
            return True
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent


def check_output_paths(outputs: dict[str, Path | None], *, inputs_folder: Path | None = None,
                       protected: Iterable[Path] = (), suffixes: dict[str, tuple[str, ...]] | None = None) -> None:
    """Refuse outputs that would overwrite an input, each other, or that cannot be written.

    ``outputs`` maps an option name (for the message) to its path; ``protected`` are files that must
    never be written (the key, the returns found); ``suffixes`` the extensions each output allows.
    """
    given = {opt: p for opt, p in outputs.items() if p is not None}
    real = {opt: _real(p) for opt, p in given.items()}
    for opt, p in given.items():
        allowed = (suffixes or {}).get(opt)
        if allowed and p.suffix.lower() not in allowed:
            raise UsageError(_("{opt} {path}: the file name must end in {suffixes}").format(
                opt=opt, path=p, suffixes=_(" or ").join(allowed)))
    seen: list[tuple[str, str]] = []
    for opt, r in real.items():
        other = next((o for o, s in seen if _same(r, s)), None)
        if other is not None:
            raise UsageError(_("{opt} and {other} are the same file ({path})").format(opt=opt, other=other, path=given[opt]))
        seen.append((opt, r))
    folder = _real(inputs_folder) if inputs_folder is not None else None
    guarded: dict[str, Path] = {}
    by_name: dict[str, list[tuple[str, Path]]] = {}
    for p in protected:
        r = _real(p)
        guarded[_fold(r)] = p
        by_name.setdefault(os.path.basename(r).casefold(), []).append((r, p))
    for opt, r in real.items():
        if folder and _inside(r, folder):
            raise UsageError(_("{opt} {path} lies inside the returns folder {folder}: write the outputs elsewhere, "
                               "so that no return is overwritten or read back").format(
                                 opt=opt, path=given[opt], folder=inputs_folder))
        hit = guarded.get(_fold(r))
        if hit is None and (st := _stat(r)) is not None:      # another spelling of an existing input?
            hit = next((p for q, p in by_name.get(os.path.basename(r).casefold(), ()) if _same_stat(st, _stat(q))),
                       None)
        if hit is not None:
            raise UsageError(_("{opt} {path} would overwrite {input}, an input of this run").format(
                opt=opt, path=given[opt], input=hit))
        if os.path.isdir(r):
            raise UsageError(_("{opt} {path} is a folder").format(opt=opt, path=given[opt]))
    for opt, p in given.items():
        _probe_writable(opt, p.parent)


def _probe_writable(opt: str, folder: Path) -> None:
    """Create the folder if needed and a file in it: permissions, a read-only disk, a parent that is a file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".parxl-probe-")
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise UsageError(_("{opt}: cannot write in {folder} ({error})").format(
            opt=opt, folder=folder, error=os_reason(e))) from None


class OutputLock:
    """An exclusive lock beside the main output, held from before reading until the outputs are published.

    The lock file (``.<name>.lock``) does not stay behind: on Windows filelock removes it on release; elsewhere
    it is removed here while still locked, only if it is the very file locked (same inode) and was made by this
    run or left empty by an earlier one.  A run that opened the old file meanwhile finds it unlinked once it gets
    the lock (filelock checks) and takes a fresh one, so two runs never hold the lock at once."""

    def __init__(self, main_output: Path):
        self.path = main_output.with_name(f".{main_output.name}.lock")
        self._lock = FileLock(str(self.path), timeout=0)
        self._ours = False

    def __enter__(self):
        existed = os.path.lexists(self.path)
        try:
            self._lock.acquire()
        except Timeout:
            raise UsageError(_("another parxl run is writing {name} right now (lock {lock}); wait for it to "
                               "finish and run again").format(name=self.path.name[1:-5], lock=self.path)) from None
        st = _stat(str(self.path))
        self._ours = not existed or (st is not None and st.st_size == 0)
        return self

    def __exit__(self, *exc):
        try:
            if self._ours and sys.platform != "win32":
                self._unlink_held()
        finally:
            self._lock.release()
        return False

    def _unlink_held(self) -> None:
        fd = getattr(getattr(self._lock, "_context", None), "lock_file_fd", None)
        if not isinstance(fd, int):
            return          # a filelock that does not say which file it locked: leave the file
        try:
            held = os.fstat(fd)
            if held.st_nlink and os.path.samestat(held, os.lstat(self.path)):
                os.unlink(self.path)
        except OSError:
            pass


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _umask()

#: Pauses before a replacement refused with PermissionError is tried again (Windows: an antivirus or the
#: search indexer may hold a file for a moment); a file open in Excel is still refused after them.
_RETRY = (0.1, 0.25, 0.5)


@contextmanager
def atomic_paths(*paths: str | Path) -> Iterator[list[Path]]:
    """Unique temporary paths beside ``paths``, renamed into place together once the block ends without error.

    All or none: when a destination cannot be replaced (on Windows: open in Excel), those already replaced are
    put back, every new file is kept beside its destination as ``<name> (mới <time>)<suffix>``, and
    :class:`~parxl.errors.OutputInUseError` says which file to close and where the new ones are."""
    dests = [Path(p) for p in paths]
    tmps: list[Path] = []
    try:
        for p in dests:
            p.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
            os.close(fd)
            os.chmod(tmp, 0o666 & ~_UMASK)   # mkstemp makes 0600; the output gets the usual permissions
            tmps.append(Path(tmp))
        yield list(tmps)
    except BaseException:
        for t in tmps:
            _unlink_quietly(t)
        raise
    _publish(list(zip(tmps, dests)))


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A unique temporary path beside ``path``; renamed onto ``path`` if the block ends without error
    (see :func:`atomic_paths` for when it cannot be)."""
    with atomic_paths(path) as tmps:
        yield tmps[0]


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write bytes through a unique temporary file in the same folder, then rename."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _unlink_quietly(p: Path) -> None:
    """Remove a temporary or backup file of ours; one that cannot be removed (Windows: opened by an antivirus)
    is left, hidden, rather than fail a run whose outputs are in place."""
    try:
        os.unlink(p)
    except OSError:
        pass


def _replace(src: Path, dst: Path) -> None:
    for pause in _RETRY:
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            time.sleep(pause)
    os.replace(src, dst)


def _backup(dest: Path) -> Path:
    """A second name for what ``dest`` holds now (a hard link, else a copy), to put it back if need be."""
    b = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.old")
    try:
        os.link(dest, b)
    except OSError:
        shutil.copy2(dest, b)
    return b


def _publish(pairs: list[tuple[Path, Path]]) -> None:
    """Rename each temporary file onto its destination: all of them, or none and OutputInUseError."""
    replaced: list[tuple[Path, Path, Path | None]] = []     # (tmp, dest, backup of the old dest)
    for k, (tmp, dest) in enumerate(pairs):
        backup = None
        try:
            if k < len(pairs) - 1 and os.path.lexists(dest):
                backup = _backup(dest)          # a later rename may fail: this one must be undoable
            _replace(tmp, dest)
        except OSError as e:
            if backup is not None:
                _unlink_quietly(backup)
            _undo(replaced)
            raise _kept_beside(pairs, dest, e) from None
        replaced.append((tmp, dest, backup))
    for _tmp, _dest, backup in replaced:
        if backup is not None:
            _unlink_quietly(backup)


def _undo(replaced: list[tuple[Path, Path, Path | None]]) -> None:
    """Put the new files back under their temporary names and the old ones back in place.  Should that fail too
    (a file opened meanwhile), what could not be moved stays where it is: nothing is deleted."""
    for tmp, dest, backup in reversed(replaced):
        try:
            try:
                os.link(dest, tmp)              # the destination never goes missing
                linked = True
            except OSError:
                os.replace(dest, tmp)
                linked = False
            if backup is not None:
                os.replace(backup, dest)
            elif linked:
                os.unlink(dest)
        except OSError:
            continue


def _kept_beside(pairs: list[tuple[Path, Path]], failed: Path, error: OSError) -> OutputInUseError:
    """Move every new file to ``<name> (mới <time>)<suffix>`` beside its destination (one time for all, free
    names for all) and say so."""
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H%M")
    for n in itertools.count(1):
        when = stamp if n == 1 else f"{stamp} {n}"
        kept = [dest.with_name(_("{stem} (new {time}){suffix}").format(stem=dest.stem, time=when, suffix=dest.suffix))
                for _tmp, dest in pairs]
        if not any(os.path.lexists(k) for k in kept):
            break
    where: dict[Path, Path] = {}
    for (tmp, dest), k in zip(pairs, kept):
        try:
            os.replace(tmp, k)
            where[dest] = k
        except OSError:                         # still under its temporary name, or (undo failed) in place
            where[dest] = tmp if os.path.lexists(tmp) else dest
    names = ", ".join(str(k) for k in where.values())
    if isinstance(error, PermissionError):
        message = _("{path} could not be replaced: it is open in another program (Excel?). Close it and run "
                    "again. Nothing is lost: the new files are kept as {kept}").format(path=failed, kept=names)
    else:
        message = _("{path} could not be replaced ({error}). Nothing is lost: the new files are kept as "
                    "{kept}").format(path=failed, error=os_reason(error), kept=names)
    return OutputInUseError(message, where)
