"""The appendix's rows as the plan's sections and tasks, each task coded as the bundled plan codes them.

Section rows stand in roman numerals spanning the row; headings ("1. Kiểm soát ...", "2.2 ...") group the
rows under them, numbered ("2.1") or not: an unnumbered row under a heading gets a letter (II.1.a), and a
heading with one unnumbered row is one task ("Heading: row").  What cannot be coded with certainty is
written down in the task's ``reviews``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..i18n import _
from .appendix import columns, header_index
from .targets import fold

__all__ = ["Task", "rows_to_tasks"]

_ROMAN = re.compile(r"^([IVX]+)\s*[.:)]?\s*(.*)$", re.S)
_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?$")


@dataclass
class Task:
    """A task row of the appendix: its cells as written, its code, and what to review or note about it."""
    code: str
    section: str
    group: str | None
    title: str
    deadline: str
    lead_cell: str
    coord_cell: str
    result: str
    row: int
    reviews: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    numbered: bool = True


@dataclass
class _Heading:
    num: str | None
    title: str
    tasks: list = field(default_factory=list)


def rows_to_tasks(rows: list[list[str]]) -> tuple[list[tuple[str, str]], list[Task]]:
    """The sections (code, title) and the tasks of the appendix table's rows, in table order."""
    h = header_index(rows)
    cols = columns(rows[h])
    header_fold = [fold(c) for c in rows[h]]

    def cell(row, key):
        j = cols.get(key)
        return row[j] if j is not None and j < len(row) else ""

    sections: list[tuple[str, str]] = []
    tasks: list[Task] = []
    heads: list[_Heading] = []
    sec = None
    last_num: str | None = None
    for r, row in enumerate(rows[h + 1:], start=h + 2):
        if not any(c.strip() for c in row):
            continue
        if [fold(c) for c in row] == header_fold:
            continue                                  # header repeated at a page break
        if all(re.fullmatch(r"\(?\d{1,2}\)?", c.strip()) or not c.strip() for c in row):
            continue                                  # the (1) (2) (3) ... numbering row
        stt, title = cell(row, "stt").strip(), cell(row, "title").strip()
        rest = [cell(row, k).strip() for k in ("deadline", "lead", "coordinators", "result")]
        spans = all(not x or x == title or x == stt for x in rest)
        m = _ROMAN.match(stt)
        if m and (spans or not any(rest)):
            code = m.group(1)
            name = m.group(2).strip() or title
            if stt == title:                          # the whole row is one merged cell "I. TITLE"
                name = m.group(2).strip()
            sections.append((code, " ".join(name.split())))
            sec, heads, last_num = code, [], None
            continue
        if sec is None:
            continue                                  # rows above the first section: not tasks
        if stt == title and title:                    # a heading merged across the whole row: "2. Title"
            mm = re.match(r"^(\d+(?:\.\d+)*)\.?\s+(.*)$", title, re.S)
            stt, title = (mm.group(1), mm.group(2)) if mm else ("", title)
            spans = True
        num = stt.rstrip(".").strip() if _NUMBER.match(stt.strip()) else None
        if title and num is None:
            mm = re.match(r"^(\d+(?:\.\d+)+)\.?\s+(.*)$", title, re.S)   # "3.3. Số TTHC ..." in the title cell
            if mm and not stt:
                num, title = mm.group(1), mm.group(2)
        title_one = " ".join(title.split())
        if spans or not any(rest):
            # a heading; numbered headings close the headings they are not under
            if num is not None:
                heads = [x for x in heads if x.num and num.startswith(x.num + ".")]
            heads.append(_Heading(num, title_one))
            continue
        t = Task("", sec, None, title_one, " ".join(rest[0].split()), rest[1], rest[2], rest[3], r)
        if stt and num is None:
            t.reviews.append(_("row {row}: STT {stt!r} is not a number; the task was numbered from its place").format(
                row=r, stt=stt))
        if num is not None:
            heads = [x for x in heads if x.num and num.startswith(x.num + ".")]
            t.code = f"{sec}.{num}"
            t.group = heads[-1].title if heads else None
            last_num = num
        else:
            t.numbered = False
            parent = next((x for x in reversed(heads) if x.num), None)
            if parent is None:
                base = last_num or "0"
                t.reviews.append(_("row {row}: an unnumbered row under no numbered heading; coded after {code}").format(
                    row=r, code=f"{sec}.{base}"))
            else:
                base = parent.num
            t.group = heads[-1].title if heads else None
            t.code = f"{sec}.{base}"              # letters assigned below
        if heads:
            heads[-1].tasks.append(t)
        tasks.append(t)
    _letter(tasks)
    return sections, tasks


def _letter(tasks: list[Task]) -> None:
    by_base: dict[str, list[Task]] = {}
    for t in tasks:
        if not t.numbered:
            by_base.setdefault(t.code, []).append(t)
    numbered = {t.code for t in tasks if t.numbered}
    for base, group in by_base.items():
        if len(group) == 1 and base not in numbered and group[0].group:
            # a heading with one unnumbered row is one task: "Heading: row" (the bundled plan's I.4)
            t = group[0]
            t.title = f"{t.group}: {t.title}" if not t.title.startswith(t.group) else t.title
            t.notes.append(_("the heading row and its only sub-row are one task"))
            t.numbered = True
            continue
        for k, t in enumerate(group):
            t.code = f"{base}.{chr(ord('a') + k)}" if k < 26 else f"{base}.z"
        if base in numbered:
            for t in group:
                t.reviews.append(_("numbered {code} beside a task numbered {base}; check the numbering").format(
                    code=t.code, base=base))

