"""What changed between two plans: this year's against last year's."""
from __future__ import annotations

from dataclasses import dataclass

from ..i18n import _, ngettext
from ..plan import Plan
from ..vocab import format_number
from .measure_hooks import describe_target

__all__ = ["Change", "diff_plans", "render_diff"]


def _kind_count(kind: str, n: int) -> str:
    words = {
        "task-added": ngettext("{n} task added", "{n} tasks added", n),
        "task-removed": ngettext("{n} task removed", "{n} tasks removed", n),
        "task-retitled": ngettext("{n} task retitled", "{n} tasks retitled", n),
        "deadline-changed": ngettext("{n} deadline changed", "{n} deadlines changed", n),
        "agencies-changed": ngettext("{n} change of agencies", "{n} changes of agencies", n),
        "target-added": ngettext("{n} target added", "{n} targets added", n),
        "target-removed": ngettext("{n} target removed", "{n} targets removed", n),
        "target-changed": ngettext("{n} target changed", "{n} targets changed", n),
    }
    return words[kind].format(n=format_number(n))


@dataclass(frozen=True)
class Change:
    kind: str        # task-added, task-removed, task-retitled, deadline-changed, agencies-changed,
                     # target-added, target-removed, target-changed
    task: str        # task code
    old: str = ""
    new: str = ""

    def text(self) -> str:
        words = {
            "task-added": "+ {task} {new}",
            "task-removed": "- {task} {old}",
            "task-retitled": _("~ {task} title: {old!r} -> {new!r}"),
            "deadline-changed": _("~ {task} deadline: {old!r} -> {new!r}"),
            "agencies-changed": "~ {task} {old} -> {new}",
            "target-added": _("+ {task} target {new}"),
            "target-removed": _("- {task} target {old}"),
            "target-changed": _("~ {task} target {old} -> {new}"),
        }
        return words[self.kind].format(task=self.task, old=self.old, new=self.new)


def _agencies(task, role: str) -> set[str]:
    return set(task.lead if role == "lead" else task.coordinators)


def diff_plans(old: Plan, new: Plan) -> list[Change]:
    """Tasks added, removed or retitled, deadlines, lead/coordinator agencies and targets changed.

    Tasks are matched by code; indicators by position within their task (a plan's targets are listed in
    the order its document states them).  Agencies are compared as resolved agency codes, so a phrase
    spelled differently but naming the same agencies is no change.
    """
    out: list[Change] = []
    before = {t.code: t for t in old.tasks}
    after = {t.code: t for t in new.tasks}
    for code, t in before.items():
        if code not in after:
            out.append(Change("task-removed", code, old=t.title))
    for code, t in after.items():
        o = before.get(code)
        if o is None:
            out.append(Change("task-added", code, new=t.title))
            continue
        if " ".join(o.title.split()) != " ".join(t.title.split()):
            out.append(Change("task-retitled", code, o.title, t.title))
        if o.deadline != t.deadline:
            out.append(Change("deadline-changed", code, o.deadline, t.deadline))
        for role in ("lead", "coordinators"):
            a, b = _agencies(o, role), _agencies(t, role)
            if a != b:
                gone, came = sorted(a - b), sorted(b - a)
                who = _("lead") if role == "lead" else _("coordinators")
                out.append(Change("agencies-changed", code, f"{who} -{','.join(gone) or '∅'}",
                                  f"+{','.join(came) or '∅'}"))
        oi = [i for i in old.indicators if i.task.code == code]
        ni = [i for i in new.indicators if i.task.code == code]
        for k in range(max(len(oi), len(ni))):
            x = oi[k] if k < len(oi) else None
            y = ni[k] if k < len(ni) else None
            if x is None:
                out.append(Change("target-added", code, new=describe_target(y)))
            elif y is None:
                out.append(Change("target-removed", code, old=describe_target(x)))
            elif describe_target(x) != describe_target(y) or x.aggregation != y.aggregation:
                out.append(Change("target-changed", code, describe_target(x), describe_target(y)))
    order = {c: n for n, c in enumerate([*before, *[c for c in after if c not in before]])}
    return sorted(out, key=lambda c: order.get(c.task, 0))


def render_diff(old: Plan, new: Plan, changes: list[Change] | None = None) -> str:
    """The changes as ``parxl plan diff`` prints them: a header line, then one line per change."""
    changes = diff_plans(old, new) if changes is None else changes
    kinds = {}
    for c in changes:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    head = (f"{old.id} {old.version} ({old.year}) -> {new.id} {new.version} ({new.year}): "
            + (", ".join(_kind_count(k, n) for k, n in kinds.items()) if changes else _("no change")))
    return "\n".join([head, *(c.text() for c in changes)])
