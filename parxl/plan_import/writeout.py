"""The draft plan as TOML text, and the summary ``parxl plan import`` prints.

The TOML follows the bundled plan's conventions (see templates/quangnam-2024/plan.toml), with a header
saying how to read the draft, and every doubt as a ``review = "..."`` line beside the plan, task or
indicator it concerns; the summary counts them and lists them again.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import _, ngettext
from ..vocab import format_number
from .draft import Draft

__all__ = ["ImportSummary", "write_draft", "summarize"]


@dataclass
class ImportSummary:
    """What an import read (sections, tasks, numeric targets) and every line to review, with where it stands."""
    source: str
    sections: int = 0
    tasks: int = 0
    targets: int = 0
    reviews: list[tuple[str, str]] = field(default_factory=list)   # (task code or indicator, what to check)
    unknown_phrases: list[str] = field(default_factory=list)
    district_rows: list[str] = field(default_factory=list)   # tasks naming the district level the registry lacks

    def text(self) -> str:
        """The summary as ``parxl plan import`` prints it."""
        N = format_number
        counts = ", ".join((ngettext("{n} section", "{n} sections", self.sections).format(n=N(self.sections)),
                            ngettext("{n} task", "{n} tasks", self.tasks).format(n=N(self.tasks)),
                            ngettext("{n} numeric target", "{n} numeric targets", self.targets).format(
                                n=N(self.targets)),
                            _("{n} to review").format(n=N(len(self.reviews)))))
        lines = [f"{self.source}: {counts}"]
        for where, what in self.reviews:
            lines.append("  " + _("review {where}: {what}").format(where=where, what=what))
        if self.district_rows:
            lines.append("  " + _("rows for the district level (cấp huyện), which no longer exists (rewrite them for "
                                  "today's map or delete them): {tasks}").format(
                tasks=", ".join(dict.fromkeys(self.district_rows))))
        if self.unknown_phrases:
            lines.append("  " + _("agency phrases the registry does not know (add them as aliases, or fix the "
                                  "draft): {phrases}").format(phrases="; ".join(sorted(set(self.unknown_phrases)))))
        return "\n".join(lines)


def _q(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_q(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_q(x)}" for k, x in v.items()) + " }"
    return json.dumps(str(v), ensure_ascii=False)


_BAD_SHEET = re.compile(r"[\[\]:*?/\\']")


def _sheet(code: str, title: str, used: set[str]) -> str:
    words = _BAD_SHEET.sub(" ", title.capitalize()).split()
    name = f"{code}."
    for w in words:
        if len(name) + 1 + len(w) > 31:
            break
        name += " " + w
    base, n = name, 2
    while name.lower() in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name.lower())
    return name


def write_draft(draft: Draft) -> str:
    """The draft as plan TOML text: the plan, its sections, its tasks each with its indicators."""
    out: list[str] = [
        *("# " + ln for ln in _(
            "Draft plan imported by `parxl plan import` from {file}.\n"
            "Labels, numerators and denominators are drafts written from the row's words: edit them freely.\n"
            "Every `review = \"...\"` line is a decision the importer was unsure of: check it, fix the\n"
            "draft, then delete the line.  `parxl plan check --draft` lists the lines left; `parxl plan check`,\n"
            "generate and merge refuse the plan until none is left.").format(file=Path(draft.source).name).split("\n")),
        "",
        "[plan]",
        f"id = {_q(draft.id)}",
        'version = "0.1"',
        f"title = {_q(draft.title)}",
        f"province = {_q(draft.province)}",
        f"year = {draft.year if draft.year else 0}",
    ]
    if draft.agencies_ref:
        out.append(f"agencies = {_q(draft.agencies_ref)}")
    if draft.reviews:
        out.append(f"review = {_q('; '.join(draft.reviews))}")
    used: set[str] = set()
    for code, name in draft.sections:
        out += ["", "[[section]]", f"code = {_q(code)}", f"title = {_q(name)}", f"sheet = {_q(_sheet(code, name, used))}"]
    current = None
    for d in draft.tasks:
        t = d.task
        if t.section != current:
            current = t.section
            name = dict(draft.sections).get(current, "")
            out += ["", "# " + "=" * 85, f"# {current}. {name}", "# " + "=" * 85]
        out += ["", "[[task]]", f"code = {_q(t.code)}", f"section = {_q(t.section)}"]
        if t.group:
            out.append(f"group = {_q(t.group)}")
        out += [f"title = {_q(t.title)}", f"deadline = {_q(t.deadline or 'Trong năm')}", f"lead = {_q(d.lead)}"]
        if d.lead_text is not None:
            out.append(f"lead_text = {_q(d.lead_text)}")
        if d.coordinators:
            out.append(f"coordinators = {_q(d.coordinators)}")
        if d.coordinators_text is not None:
            out.append(f"coordinators_text = {_q(d.coordinators_text)}")
        out.append(f"result = {_q(t.result)}")
        if t.notes:
            out.append(f"note = {_q('; '.join(t.notes))}")
        if t.reviews:
            out.append(f"review = {_q('; '.join(t.reviews))}")
        for ind in d.indicators:
            out.append("[[task.indicator]]")
            out += [f"{key} = {_q(v)}" for key, v in ind.items()]
    return "\n".join(out) + "\n"


def summarize(draft: Draft) -> ImportSummary:
    """What the draft holds and what to review in it, in the order the draft writes them."""
    s = ImportSummary(source=draft.source, sections=len(draft.sections), tasks=len(draft.tasks),
                      unknown_phrases=list(draft.unknown_phrases), district_rows=list(draft.district_rows))
    s.reviews += [("plan", r) for r in draft.reviews]
    for d in draft.tasks:
        s.reviews += [(d.task.code, r) for r in d.task.reviews]
        s.reviews += [(f"{d.task.code}/{k}", ind["review"]) for k, ind in enumerate(d.indicators, 1) if "review" in ind]
        s.targets += len(d.indicators)
    return s
