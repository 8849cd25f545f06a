"""A lead or coordinator cell of the appendix as the agency phrases it names.

A cell names several agencies or groups ("Sở Nội vụ, Sở Tư pháp; UBND cấp huyện, cấp xã"), sometimes
followed by what they do ("Sở Nội vụ theo dõi, đôn đốc ..."): :func:`split_agencies` gives each phrase
the registry can resolve, the parts that look like names it does not know, and whether the cell says more
than the names (then the draft keeps the cell's text beside them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..agencies import Registry, normalize_phrase
from .targets import fold

__all__ = ["AgencyCell", "split_agencies", "cell_differs"]

_AGENCY_START = ("so ", "ban ", "uy ban", "ubnd", "phong ", "trung tam", "cuc ", "chi cuc", "doan ", "hoi ",
                 "dai ", "bao ", "van phong", "cong an", "bo chi huy", "kho bac", "thanh tra", "vien ", "truong ",
                 "benh vien", "cac ", "co quan", "don vi", "hdnd", "dai bieu", "lien doan", "mat tran", "tinh doan")


@dataclass
class AgencyCell:
    """A lead or coordinator cell, read."""
    phrases: list[str]           # one per agency or group named, as the cell writes it
    unknown: list[str]           # parts that look like names the registry does not know
    says_more: bool              # the cell says more than the names (who monitors, who advises ...)


def split_agencies(cell: str, registry: Registry) -> AgencyCell:
    """The agency phrases of a lead/coordinator cell, each resolvable by ``registry`` when it can be."""
    phrases: list[str] = []
    unknown: list[str] = []
    says_more = False
    for clause in re.split(r"\n|;", cell):
        clause = re.sub(r"^\s*[-–•+*]\s*", "", clause).strip().rstrip(".").strip()
        if not clause:
            continue
        if ":" in clause:
            clause, _colon, _rest = clause.partition(":")
            says_more = True
        parts = [p for p in re.split(r"(,\s*|\s+và\s+)", clause)]
        words, seps = parts[0::2], parts[1::2]
        i = 0
        while i < len(words):
            def joined(k):
                s = words[i]
                for j in range(1, k):
                    s += seps[i + j - 1] + words[i + j]
                return s.strip()
            got = None
            for k in range(min(6, len(words) - i), 0, -1):
                cand = joined(k)
                if registry.resolve(cand) is not None:
                    got = (cand, k)
                    break
                # elision: "UBND cấp huyện, cấp xã"
                if (k == 1 and phrases and fold(cand).startswith("cap ") and fold(phrases[-1]).startswith("ubnd cap")
                        and registry.resolve("UBND " + cand) is not None):
                    got = ("UBND " + cand, 1)
                    break
            if got:
                phrases.append(_cap(got[0]))
                i += got[1]
                continue
            # a name followed by what it does: "Sở Nội vụ theo dõi, đôn đốc ..."
            prefix = None
            for k in range(min(6, len(words) - i), 0, -1):
                ws = joined(k).split()
                for j in range(len(ws) - 1, 0, -1):
                    if registry.resolve(" ".join(ws[:j])) is not None:
                        prefix = " ".join(ws[:j])
                        break
                if prefix:
                    break
            if prefix:
                phrases.append(_cap(prefix))
                says_more = True
                break       # the rest of the clause is what it does and to whom
            part = words[i].strip()
            if part and fold(part).startswith(_AGENCY_START) and len(part.split()) <= 12:
                unknown.append(part)
                phrases.append(_cap(part))
            elif part:
                says_more = True
                break
            i += 1
    return AgencyCell(_uniq(phrases), _uniq(unknown), says_more)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def _uniq(xs):
    seen, out = set(), []
    for x in xs:
        k = normalize_phrase(x)
        if k not in seen:
            seen.add(k)
            out.append(x)
    return out


def cell_differs(cell: str, phrases: list[str]) -> bool:
    """Does the cell say its agencies otherwise than the phrases joined (then the draft keeps its text)?"""
    flat = [normalize_phrase(p) for p in re.split(r"\n|;|,(?![^,]*ngành)", cell) if p.strip()]
    return normalize_phrase(" ".join(cell.split())) != normalize_phrase(", ".join(phrases)) and \
        [normalize_phrase(re.sub(r"^\s*[-–•+]\s*", "", ln)) for ln in cell.split("\n") if ln.strip()] != \
        [normalize_phrase(p) for p in phrases] and bool(flat)

