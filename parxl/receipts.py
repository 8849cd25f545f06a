"""The receipt log: when the secretariat received each return, which is what the regulation counts.

A return's own save time says when the agency last saved it, not when it arrived: a file re-saved on the
secretariat's PC (opened in LibreOffice to look at it) would read as late, one saved on time and sent a week
later as on time.  The secretariat therefore keeps, in the returns folder, a log ``so-nhan.csv``:

    Tệp;Ngày nhận;Ghi chú
    2024-Q3_TAMKY.xlsx;19/09/2024 16:40;thư điện tử
    hoian/bao-cao-q3.xlsx;21/09/2024;

``parxl receive FILES`` copies returned files into the folder and adds their rows (Vietnam time, now or
``--at``); the log may also be kept by hand in Excel (saved as CSV; ``;`` or ``,``; UTF-8, or the Vietnamese
Windows code page). A return listed there is judged on time or late by the day it was received
(``return.late-received``); the others as before, by their save time. Which of an agency's returns is the
newest is still decided by save times. A row parxl cannot use is a finding (``receipt.bad-row``); a row
naming no file of the folder too (``receipt.unknown-file``).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Iterable

from .findings import Finding
from .outputs import atomic_path
from .vocab import VIETNAM

EMITS = frozenset({"receipt.bad-row", "receipt.unknown-file"})   # the codes this module adds
LOG_NAME = "so-nhan.csv"
MAX_BYTES = 2 * 1024 * 1024          # a log of thousands of rows is a few hundred kB
_HEADER = ("Tệp", "Ngày nhận", "Ghi chú")
_FILE_HEADS = {"tệp", "tep", "tên tệp", "file"}
_DATE_HEADS = {"ngày nhận", "ngay nhan", "thời điểm nhận", "received"}
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?$")


def _key(name: str) -> str:
    """How a log row names a file: NFC, '/' between folders, without case (Windows names ignore it)."""
    return unicodedata.normalize("NFC", name.strip().replace("\\", "/")).casefold()


def read_log(returns_dir: str | Path) -> tuple[dict[str, dt.datetime], list[Finding]]:
    """The log of a returns folder: file name (as :func:`_key` spells it) → when it was received (aware, UTC+7),
    and a finding for each row that cannot be used.  No log: nothing."""
    path = Path(returns_dir) / LOG_NAME
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return {}, []
    except OSError as e:
        return {}, [Finding("receipt.bad-row", file=LOG_NAME, seen=str(e.strerror or e))]
    if len(data) > MAX_BYTES:
        return {}, [Finding("receipt.bad-row", file=LOG_NAME, seen=f"> {MAX_BYTES // 1024} kB")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1258", errors="replace")        # Excel's "CSV" on a Vietnamese Windows
    text = unicodedata.normalize("NFC", text)
    first = text.split("\n", 1)[0]
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if first.count(";") >= first.count(",") else ","))
    out: dict[str, dt.datetime] = {}
    findings: list[Finding] = []
    if not rows:
        return out, findings
    head = [c.strip().casefold() for c in rows[0]]
    fcol = next((i for i, c in enumerate(head) if c in _FILE_HEADS), None)
    dcol = next((i for i, c in enumerate(head) if c in _DATE_HEADS), None)
    if fcol is None or dcol is None:
        return out, [Finding("receipt.bad-row", file=LOG_NAME, cell="1", seen=";".join(rows[0])[:80],
                             expected=";".join(_HEADER[:2]))]
    for n, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        name = row[fcol].strip() if fcol < len(row) else ""
        when = parse_time(row[dcol]) if dcol < len(row) else None
        if not name or when is None:
            findings.append(Finding("receipt.bad-row", file=LOG_NAME, cell=str(n), seen=";".join(row)[:80],
                                    expected=";".join(_HEADER[:2])))
            continue
        k = _key(name)
        out[k] = min(out[k], when) if k in out else when      # received twice: the first arrival counts
    return out, findings


def parse_time(text: str) -> dt.datetime | None:
    """dd/mm/yyyy [hh:mm[:ss]] in Vietnam time, or ISO 8601 (a time without zone is Vietnam time)."""
    s = text.strip()
    m = _DATE.match(s)
    try:
        if m:
            d, mo, y, h, mi, sec = m.groups()
            return dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0), tzinfo=VIETNAM)
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    return t.replace(tzinfo=VIETNAM) if t.tzinfo is None else t.astimezone(VIETNAM)


def received_at(log: dict[str, dt.datetime], name: str) -> dt.datetime | None:
    """When the file ``name`` (as the merge names it: relative to the returns folder) was received, if logged."""
    return log.get(_key(name))


def unknown(log: dict[str, dt.datetime], names: Iterable[str]) -> list[Finding]:
    """A finding for each logged file the folder does not hold."""
    have = {_key(n) for n in names}
    return [Finding("receipt.unknown-file", file=LOG_NAME, seen=k) for k in sorted(log) if k not in have]


def receive(files: Iterable[str | Path], returns_dir: str | Path, at: dt.datetime | None = None) -> list[Path]:
    """Copy each of ``files`` into ``returns_dir`` (never over another file: a taken name gets " (2)", " (3)" …)
    and add a row for each to the folder's log, received ``at`` (default: now), in Vietnam time.  The originals
    are not touched; the log is rewritten whole, atomically.  Returns the copies' paths."""
    folder = Path(returns_dir)
    folder.mkdir(parents=True, exist_ok=True)
    at = (at or dt.datetime.now(dt.timezone.utc)).astimezone(VIETNAM)
    log_path = folder / LOG_NAME
    try:
        old = log_path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        old = ""
    lines = old.splitlines() or [";".join(_HEADER)]
    copies = []
    for f in files:
        src = Path(f)
        dst = folder / src.name
        k = 2
        while dst.exists() or os.path.lexists(dst):
            dst = folder / f"{src.stem} ({k}){src.suffix}"
            k += 1
        shutil.copy2(src, dst)
        copies.append(dst)
        lines.append(f"{dst.name};{at:%d/%m/%Y %H:%M:%S};")
    with atomic_path(log_path) as tmp:
        tmp.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    return copies
