"""A task's numeric targets as the draft's indicators.

Every target phrase of a task's title and result (:func:`parxl.plan_import.targets.find_targets`) becomes
one indicator, labelled with the clause it stands in; a target the result restates from the title is not
repeated.  What the measure decides (unit, labels, baseline, aggregate) is
:func:`parxl.plan_import.measure_hooks.spec_from_phrase`'s; this module decides who the target is for
("Các sở, ban, ngành, UBND cấp huyện có ít nhất 01 sáng kiến": each of them) and writes down what to check.
"""
from __future__ import annotations

import re

from ..agencies import Registry
from ..i18n import _
from .agency_cells import split_agencies
from .measure_hooks import spec_from_phrase
from .targets import ParsedTarget, find_targets, fold, unread_quantities
from .tasks import Task

__all__ = ["task_indicators"]


def task_indicators(t: Task, registry: Registry, lead_codes, coord_codes, year: int | None) -> list[dict]:
    """The indicators of task ``t``'s targets, in the order its title and result state them; numbers not read
    as targets and restated targets are written into the task's reviews and notes."""
    in_title, in_result = find_targets(t.title), find_targets(t.result)
    for where, text, found in ((_("title"), t.title, in_title), (_("result"), t.result, in_result)):
        for q in unread_quantities(text, found):
            t.reviews.append(_("{where}: {text!r} was not read as a target (no comparator before it); add an "
                               "indicator if the plan means one").format(where=where, text=q))
    from_title = [(x, t.title) for x in in_title]
    keys = {x.key() for x, _ in from_title}
    from_result = []
    dropped = 0
    for x in in_result:
        if x.key() in keys:
            dropped += 1                          # the result restates the title's target
            continue
        from_result.append((x, t.result))
    if dropped:
        t.notes.append(_("{n} target(s) in the result restate the title's and were not repeated").format(n=dropped))
    out = []
    years = sorted({int(y) for y in re.findall(r"\bso (?:voi )?nam\s+(\d{4})", fold(t.title + "\n" + t.result))})
    for x, source in from_title + from_result:
        out.append(_indicator(x, source, t, registry, lead_codes, coord_codes, years, year))
    return out


def _clause_of(text: str, x: ParsedTarget) -> str:
    a = max(text.rfind("\n", 0, x.start), text.rfind(";", 0, x.start)) + 1
    ends = [i for i in (text.find("\n", x.end), text.find(";", x.end)) if i != -1]
    b = min(ends) if ends else len(text)
    return " ".join(re.sub(r"^\s*[-–•+]\s*", "", text[a:b]).split()).rstrip(".")


def _indicator(x: ParsedTarget, source: str, t: Task, registry, lead_codes, coord_codes, years, year) -> dict:
    clause = _clause_of(source, x)
    label = clause if len(clause) <= 400 else clause[:397] + "..."
    if source is t.title and fold(t.title).startswith(("ty le", "so ")):
        label = t.title
    per_agency, each_of, reported_by = _for_each(x, source, registry, lead_codes, coord_codes)
    spec = spec_from_phrase(x, clause, per_agency=per_agency, years_named=years, plan_year=year)
    t.notes += spec["notes"]
    reviews = spec["reviews"] + each_of
    ind: dict = {"label": label, **spec["indicator"]}
    if reported_by:
        ind["reported_by"] = reported_by
    if spec["aggregate"]:
        ind["aggregate"] = spec["aggregate"]
        if not each_of:
            reviews.append(_("read as a target each agency must meet (aggregate = \"each\")"))
    ind["target"] = {**spec["target"], "text": x.text[:90]}
    if reviews:
        ind["review"] = "; ".join(reviews)
    return ind


def _for_each(x: ParsedTarget, source: str, registry, lead_codes, coord_codes) -> tuple[bool, list[str], str | None]:
    """Is the target for each agency, what to review about reading it so, and who reports it ("coordinators"
    when the agencies named before it are the task's coordinators, else None).

    "Các sở, ban, ngành, UBND cấp huyện có ít nhất 01 sáng kiến": a target for each of them."""
    if x.per_agency:
        return True, [], None
    cut = max(source.rfind("\n", 0, x.start), source.rfind(";", 0, x.start)) + 1
    seg = source[cut: x.start]
    has = re.search(r"\s+(?:deu |phai )?co\s*$", fold(seg))
    before = re.sub(r"^\s*[-–•+]\s*", "", seg[: has.start()]).strip() if has else ""
    if not before:
        return False, [], None
    cellp = split_agencies(before, registry)
    if not (cellp.phrases and not cellp.unknown and not cellp.says_more):
        return False, [], None
    codes = {a.agency for p in cellp.phrases for a in registry.resolve(p)}
    reported_by = "coordinators" if codes and codes <= set(coord_codes) and not codes <= set(lead_codes) else None
    return True, [_("read as a target for each of: {phrases}").format(phrases=", ".join(cellp.phrases))], reported_by
