"""The draft plan an appendix becomes: the plan's title, id and year, its sections, and each task with its
agencies resolved against the registry and its targets as indicators, every doubt written down beside it.

This is the pipeline's middle: :mod:`.appendix` reads the table, :mod:`.tasks` codes its rows, this module
decides what each task says, :mod:`.writeout` writes it as TOML.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..agencies import Registry, names_district_level
from ..i18n import _
from .agency_cells import cell_differs, split_agencies
from .appendix import AppendixError, read_document
from .indicators import task_indicators
from .tasks import Task, rows_to_tasks
from .title import plan_slug, plan_title

__all__ = ["Draft", "DraftTask", "draft_plan"]


@dataclass
class DraftTask:
    """A task as the draft writes it: the row (code, title, deadline, result, reviews, notes), the lead and
    coordinator phrases, the cells' own text where they say more than the phrases, the indicators."""
    task: Task
    lead: list[str]
    lead_text: str | None
    coordinators: list[str]
    coordinators_text: str | None
    indicators: list[dict]


@dataclass
class Draft:
    """What an appendix says, ready to write; ``reviews``: what to check about the plan as a whole."""
    source: str                                  # the appendix's path, as given
    id: str
    title: str
    province: str
    year: int | None
    agencies_ref: str | None
    reviews: list[str]
    sections: list[tuple[str, str]]              # (code, title)
    tasks: list[DraftTask]
    district_rows: list[str] = field(default_factory=list)      # tasks naming the district level the registry lacks
    unknown_phrases: list[str] = field(default_factory=list)    # agency phrases the registry does not know


def draft_plan(appendix_path: str | Path, registry: Registry, *, plan_id: str | None = None,
               title: str | None = None, province: str | None = None, year: int | None = None,
               agencies_ref: str | None = None) -> Draft:
    """Read the appendix at ``appendix_path`` and decide the draft: see :func:`parxl.plan_import.import_plan`."""
    rows, above, read_notes = read_document(Path(appendix_path))
    sections, tasks = rows_to_tasks(rows)
    if not tasks:
        raise AppendixError(_("{path}: the appendix table has no task rows under a section (I, II, ...)").format(
            path=appendix_path))
    if year is None:
        found = Counter(int(y) for t in tasks for y in re.findall(r"\b(20\d\d)\b", t.deadline))
        found = found or Counter(int(y) for ln in above for y in re.findall(r"\bn[ăa]m (20\d\d)\b", ln, re.I))
        year = found.most_common(1)[0][0] if found else None
    province = province or registry.province
    plan_reviews: list[str] = []
    if not province:
        plan_reviews.append(_("no province given (--province) or named by the registry; set plan.province"))
    if title is None:
        title, why = plan_title(above, province, year)
        if why:
            plan_reviews.append(why)
    if year is None:
        plan_reviews.append(_("no year found in the deadlines; set plan.year"))
    plan_reviews += read_notes
    draft = Draft(str(appendix_path), plan_id or plan_slug(province, year), title, province, year, agencies_ref,
                  plan_reviews, sections, [])
    seen: Counter = Counter()
    for t in tasks:
        seen[t.code] += 1
        if seen[t.code] > 1:
            t.reviews.append(_("code {code} is used by an earlier row too").format(code=t.code))
        draft.tasks.append(_draft_task(t, registry, year, draft))
    return draft


def _draft_task(t: Task, registry: Registry, year: int | None, draft: Draft) -> DraftTask:
    lead = split_agencies(t.lead_cell, registry)
    coord = split_agencies(t.coord_cell, registry)
    for cellp, what in ((lead, _("lead")), (coord, _("coordinators"))):
        for p in cellp.unknown:
            if names_district_level(p) and registry.hint(p):
                t.reviews.append(_("{what}: {phrase!r} names the district level (cấp huyện), which registry "
                                   "{registry} does not have (two-tier local government since 1 July 2025): "
                                   "rewrite this row for today's map or delete it").format(
                    what=what, phrase=p, registry=registry.id))
                draft.district_rows.append(t.code)
                continue
            t.reviews.append(_("{what}: {phrase!r} names nothing in registry {registry}").format(
                what=what, phrase=p, registry=registry.id))
            draft.unknown_phrases.append(p)
        for p in cellp.phrases:
            part = registry.left_out(p)
            if part is not None:
                level, rest = part
                names = ", ".join(registry.name(c) for c in rest[:3]) + (", ..." if len(rest) > 3 else "")
                t.reviews.append(_("{what}: {phrase!r} names {named} of the units of {level!r} and leaves out "
                                   "{left} ({names}); if the row means all of them, write {level!r}").format(
                    what=what, phrase=p, named=len(registry.members(level.code)) - len(rest), level=level.name,
                    left=len(rest), names=names))
    lead_phrases = lead.phrases
    if not lead_phrases:
        t.reviews.append(_("no lead agency read from the 'Cơ quan chủ trì' cell"))
        lead_phrases = [t.lead_cell or "?"]
    lead_codes = [a.agency for p in lead_phrases for a in (registry.resolve(p) or [])]
    coord_codes = [a.agency for p in coord.phrases for a in (registry.resolve(p) or [])]
    inds = task_indicators(t, registry, lead_codes, coord_codes, year)
    if not t.deadline:
        t.reviews.append(_("no deadline in the 'Tiến độ' cell"))
    lead_text = t.lead_cell if lead.says_more or cell_differs(t.lead_cell, lead_phrases) else None
    coord_text = t.coord_cell if coord.says_more or (coord.phrases and cell_differs(t.coord_cell, coord.phrases)) \
        else None
    return DraftTask(t, lead_phrases, lead_text, coord.phrases, coord_text, inds)
