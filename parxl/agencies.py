"""The agency registry, and the resolution of the plan's agency phrases to agencies.

A registry lists agencies (ASCII code, Vietnamese name, group, aliases) and groups
("Sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã", ...).  A group may include other
groups ("Các cơ quan, đơn vị, địa phương"), and a group with no listed members may be
*delegated*: the communes (UBND cấp xã) are reported by their district's People's
Committee on their behalf unless the registry lists them.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import Problem, RegistryError, validation_problems
from .i18n import _

_CODE = r"^[A-Z][A-Z0-9_-]{0,23}$"


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")
    name: str
    aliases: tuple[str, ...] = ()
    includes: tuple[str, ...] = ()
    delegate_to: str | None = None  # when the group lists no member, these report for it


class Agency(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=_CODE)
    name: str
    group: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None      # a commune's district
    reports: bool = True           # False for bodies that are named but receive no workbook


class _RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    province: str
    groups: list[Group] = Field(alias="group")
    agencies: list[Agency] = Field(alias="agency")


@dataclass(frozen=True)
class Assignee:
    """An agency that answers for a phrase; ``on_behalf_of`` names a delegated group."""
    agency: str
    on_behalf_of: str | None = None


def normalize_phrase(text: str) -> str:
    s = unicodedata.normalize("NFC", text).lower()
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"^[-–•]\s*", "", s)
    s = re.sub(r"\s*,\s*", ", ", s)
    s = s.strip(" .,;:")
    if s.startswith("các "):
        s = s[4:]
    return s


class Registry:
    def __init__(self, id: str, province: str, groups: list[Group], agencies: list[Agency],
                 source: str = "<registry>"):
        self.id, self.province, self.source = id, province, source
        self.groups = {g.code: g for g in groups}
        self.agencies = {a.code: a for a in agencies}
        problems = self._validate()
        if problems:
            raise RegistryError(problems)
        self._in_group: dict[str, list[str]] = {}                    # group -> agency codes, registry order
        self._in_group_under: dict[tuple[str, str], list[str]] = {}  # (group, parent) -> agency codes
        for a in agencies:
            self._in_group.setdefault(a.group, []).append(a.code)
            self._in_group_under.setdefault((a.group, a.parent), []).append(a.code)
        self._resolved: dict[str, list[Assignee]] = {}
        self._names: dict[str, tuple[str, str]] = {}
        for g in groups:
            for n in (g.name, *g.aliases):
                self._names[normalize_phrase(n)] = ("group", g.code)
        for a in agencies:
            for n in (a.name, *a.aliases):
                self._names[normalize_phrase(n)] = ("agency", a.code)

    # -- loading ---------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> "Registry":
        path = Path(path)
        src = str(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RegistryError([Problem(src, "", _("file not found"))]) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise RegistryError([Problem(src, "", _("not valid TOML: {error}").format(error=e))]) from None
        head = raw.pop("registry", {})
        try:
            model = _RegistryFile.model_validate({**head, **raw})
        except ValidationError as e:
            raise RegistryError(validation_problems(e, src, raw, "registry")) from None
        return cls(model.id, model.province, model.groups, model.agencies, source=src)

    def _validate(self) -> list[Problem]:
        out: list[Problem] = []
        src = self.source
        seen: dict[str, str] = {}
        for g in self.groups.values():
            for inc in (*g.includes, *([g.delegate_to] if g.delegate_to else [])):
                if inc not in self.groups:
                    out.append(Problem(src, f"group {g.code}", _("refers to unknown group {group!r}").format(group=inc)))
        for a in self.agencies.values():
            if a.group not in self.groups:
                out.append(Problem(src, f"agency {a.code}", _("unknown group {group!r}").format(group=a.group)))
            if a.parent and a.parent not in self.agencies:
                out.append(Problem(src, f"agency {a.code}", _("unknown parent {parent!r}").format(parent=a.parent)))
        for kind, items in (("group", self.groups.values()), ("agency", self.agencies.values())):
            for it in items:
                for n in (it.name, *it.aliases):
                    k = normalize_phrase(n)
                    if k in seen and seen[k] != f"{kind} {it.code}":
                        out.append(Problem(src, f"{kind} {it.code}",
                                           _("name or alias {name!r} is also used by {other}").format(name=n, other=seen[k])))
                    seen[k] = f"{kind} {it.code}"
        return out

    # -- queries -----------------------------------------------------------------------
    def members(self, group: str) -> list[str]:
        """Agency codes of a group, following ``includes``, in registry order."""
        want = self._expand(group)
        return [a.code for a in self.agencies.values() if a.group in want]

    def _expand(self, group: str) -> set[str]:
        out, todo = set(), [group]
        while todo:
            g = todo.pop()
            if g not in out:
                out.add(g)
                todo.extend(self.groups[g].includes)
        return out

    def resolve(self, phrase: str) -> list[Assignee] | None:
        """The agencies a plan phrase names, or None when it names nothing in the registry."""
        hit = self._names.get(normalize_phrase(phrase))
        if hit is None:
            return None
        kind, code = hit
        if kind == "agency":
            return [Assignee(code)]
        return self._resolve_group(code)

    def _resolve_group(self, code: str) -> list[Assignee]:
        """The group's agencies (a plan names the same few groups in many tasks: resolved once each;
        callers must not modify the list)."""
        if code not in self._resolved:
            self._resolved[code] = self._resolve_group_once(code)
        return self._resolved[code]

    def _resolve_group_once(self, code: str) -> list[Assignee]:
        out: list[Assignee] = []
        for g in sorted(self._expand(code), key=list(self.groups).index):
            group = self.groups[g]
            direct = self._in_group.get(g, [])
            if direct:
                out.extend(Assignee(c) for c in direct)
            elif group.delegate_to:
                for d in self.members(group.delegate_to):
                    kids = self._in_group_under.get((g, d), [])
                    out.extend([Assignee(c) for c in kids] or [Assignee(d, g)])
        seen, uniq = set(), []
        for a in out:
            if a.agency not in seen:
                seen.add(a.agency)
                uniq.append(a)
        return uniq

    def name(self, code: str) -> str:
        return self.agencies[code].name

    def group_of(self, code: str) -> Group:
        return self.groups[self.agencies[code].group]

