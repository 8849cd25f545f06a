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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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


# a telephone number as offices write it: "0235 3810 111", "(0235) 3.810.111", "+84 235 3810111", two numbers
# with "/" or ";" between; an e-mail address with one @ and a dot after it
_PHONE = r"^\+?\(?[0-9][0-9 .()/;-]{4,38}[0-9]$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _blank_is_none(v):
    """A field left empty in a TOML file or a list ("", spaces) is not given; other text is NFC, one space."""
    if isinstance(v, str):
        v = " ".join(unicodedata.normalize("NFC", v).split())
        return v or None
    return v


class Contact(BaseModel):
    """Who to call about an agency's return (its đầu mối) or at the secretariat; every field optional."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str | None = None        # họ tên
    position: str | None = None    # chức vụ
    phone: str | None = Field(default=None, pattern=_PHONE)
    email: str | None = Field(default=None, pattern=_EMAIL)

    _clean = field_validator("name", "position", "phone", "email", mode="before")(_blank_is_none)

    def __bool__(self) -> bool:
        return any((self.name, self.position, self.phone, self.email))


class Secretariat(BaseModel):
    """The office that runs the collection (usually the Sở Nội vụ): where returns go, whom to ask."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str | None = None        # "Sở Nội vụ tỉnh Quảng Nam"
    address: str | None = None
    phone: str | None = Field(default=None, pattern=_PHONE)
    email: str | None = Field(default=None, pattern=_EMAIL)
    contact: Contact | None = None  # the officer who answers for the collection

    _clean = field_validator("name", "address", "phone", "email", mode="before")(_blank_is_none)


class Agency(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=_CODE)
    name: str
    group: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None      # a commune's district
    reports: bool = True           # False for bodies that are named but receive no workbook
    contact: Contact | None = None  # the agency's đầu mối for the report (optional)


class _RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    province: str
    groups: list[Group] = Field(alias="group")
    agencies: list[Agency] = Field(alias="agency")
    secretariat: Secretariat | None = None


@dataclass(frozen=True)
class Assignee:
    """An agency that answers for a phrase; ``on_behalf_of`` names a delegated group."""
    agency: str
    on_behalf_of: str | None = None


_DISTRICT_LEVEL = (re.compile(r"\bcấp (?:quận, )?huyện\b"),
                   re.compile(r"^(?:ubnd|ủy ban nhân dân|uỷ ban nhân dân)\s+(?:các\s+)?(?:quận|huyện)(?:,|\s+và\b|$)"),
                   re.compile(r"^(?:các\s+)?(?:quận, huyện|huyện, thị xã|huyện, thành phố)\b"))
_LEVEL = re.compile(r"\bcấp (?:xã|huyện|tỉnh)\b")
_LOCAL_LIST = re.compile(r"^(?:ubnd|ủy ban nhân dân|uỷ ban nhân dân)\s+(?:các\s+)?(.+)$")


def names_district_level(phrase: str) -> bool:
    """Does the phrase name the district level ("UBND cấp huyện", "UBND các huyện, thị xã, thành phố"),
    rather than one district ("UBND huyện Đại Lộc")?  That level was abolished on 1 July 2025."""
    p = normalize_phrase(phrase)
    return any(r.search(p) for r in _DISTRICT_LEVEL)


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
                 source: str = "<registry>", secretariat: Secretariat | None = None):
        self.id, self.province, self.source = id, province, source
        self.secretariat = secretariat   # optional: the office's name, address, phone, e-mail, contact person
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
        return cls(model.id, model.province, model.groups, model.agencies, source=src,
                   secretariat=model.secretariat)

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
        # a name of the district level belongs to a group that is that level: "UBND cấp huyện" as an alias of
        # the communes would send a row about district dossiers to the communes, beside their own row
        district = {g.code for g in self.groups.values() if names_district_level(g.name)}
        for kind, items in (("group", self.groups.values()), ("agency", self.agencies.values())):
            for it in items:
                if kind == "group" and it.code in district:
                    continue
                for n in it.aliases:
                    if names_district_level(n):
                        out.append(Problem(src, f"{kind} {it.code}", _(
                            "alias {name!r} names the district level (cấp huyện), which {what} is not: a plan row "
                            "for the district level would be reported by {what} beside its own rows. Remove the "
                            "alias and rewrite the plan's row for today's map").format(name=n, what=it.name)))
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
        """The agencies a plan phrase names, or None when it names nothing in the registry.

        Besides names and aliases, "UBND các xã, phường" names the groups "UBND các xã" and "UBND các
        phường" together (each part a group's name or alias, with or without "UBND các")."""
        groups = self.named_groups(phrase)
        if groups is None:
            return None
        if not groups:
            return [Assignee(self._names[normalize_phrase(phrase)][1])]
        if len(groups) == 1:
            return self._resolve_group(groups[0])
        seen, out = set(), []
        for g in groups:
            for a in self._resolve_group(g):
                if a.agency not in seen:
                    seen.add(a.agency)
                    out.append(a)
        return out

    def named_groups(self, phrase: str) -> tuple[str, ...] | None:
        """The codes of the groups a phrase names (several for "UBND các xã, phường"); () when it names
        one agency; None when it names nothing."""
        key = normalize_phrase(phrase)
        hit = self._names.get(key)
        if hit is not None:
            return () if hit[0] == "agency" else (hit[1],)
        m = _LOCAL_LIST.match(key)
        if not m:
            return None
        parts = [p.strip() for p in re.split(r",\s*|\s+và\s+", m.group(1)) if p.strip()]
        if len(parts) < 2:
            return None
        codes: list[str] = []
        for p in parts:
            p = p[4:] if p.startswith("các ") else p
            if re.search(r"\b(?:ubnd|ủy ban|uỷ ban|cấp)\b", p):
                return None             # "UBND cấp huyện, UBND cấp xã": two phrases, not one list of kinds
            hit = next((self._names[k] for k in (normalize_phrase(f"UBND các {p}"), normalize_phrase(f"UBND {p}"), p)
                        if k in self._names), None)
            if hit is None or hit[0] != "group":
                return None
            if hit[1] not in codes:
                codes.append(hit[1])
        return tuple(codes)

    def left_out(self, phrase: str) -> tuple[Group, list[str]] | None:
        """When a phrase names part of a level ("UBND các xã, phường" where the level "UBND cấp xã" also has
        đặc khu): that level and the codes of its agencies the phrase leaves out, in registry order."""
        groups = self.named_groups(phrase)
        if not groups:
            return None
        got = {a.agency for a in self.resolve(phrase) or ()}
        for level in self.groups.values():
            if level.code in groups or not _LEVEL.search(normalize_phrase(level.name)):
                continue
            if not set(groups) <= self._expand(level.code):
                continue
            rest = [a.agency for a in self._resolve_group(level.code) if a.agency not in got]
            if rest:
                return level, rest
        return None

    def hint(self, phrase: str) -> str:
        """Why a phrase that names nothing names nothing, when parxl knows ("" otherwise)."""
        if names_district_level(phrase) and not any(names_district_level(g.name) for g in self.groups.values()):
            return _(": the district level (cấp huyện) is not in this registry: local government has two tiers "
                     "since 1 July 2025. Rewrite the row for today's map (the communes are 'UBND cấp xã') or "
                     "delete it")
        return ""

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

    def contact(self, code: str) -> Contact | None:
        """The agency's đầu mối when the registry gives one (None when it gives none)."""
        c = self.agencies[code].contact
        return c if c else None

