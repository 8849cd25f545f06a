"""The draft plan's title and id.

The title is the document's own ("KẾ HOẠCH" and the line after it, or a "Kế hoạch nâng cao Chỉ số ..."
line above the table); else it is built from the appendix's heading or from the province ("tỉnh Quảng
Nam", "thành phố Đà Nẵng") and year, with a review line saying so.
"""
from __future__ import annotations

import re

from ..i18n import _
from .targets import fold

__all__ = ["place", "plan_title", "plan_slug"]

# centrally-run cities (thành phố trực thuộc trung ương), as of 1 July 2025
_CITIES = ("ha noi", "ho chi minh", "hai phong", "da nang", "can tho", "hue")
_ACRONYMS = ("CCHC", "PAR INDEX", "SIPAS", "UBND", "HĐND", "TTHC", "PCI", "PAPI", "DDCI", "CNTT")


def place(province: str) -> str:
    """"tỉnh Quảng Nam", "thành phố Đà Nẵng": the province as a title names it, its kind once, in lower case."""
    p = " ".join(province.split())
    f = fold(p)
    for prefix, kind in (("tinh ", "tỉnh"), ("thanh pho ", "thành phố"), ("tp. ", "thành phố"), ("tp ", "thành phố"),
                         ("tp.", "thành phố")):
        if f.startswith(prefix):
            return f"{kind} {p[len(prefix):].strip()}"
    return f"thành phố {p}" if f in _CITIES else f"tỉnh {p}"


def _recase(text: str, province: str) -> str:
    """A title written in capitals, in sentence case: the province's name and the usual acronyms kept."""
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return text
    out = text.lower()
    name = re.sub(r"^(?:tỉnh|thành phố|tp\.?)\s+", "", province.strip(), flags=re.I) if province else ""
    for keep in (*_ACRONYMS, *([name] if name else [])):
        out = re.sub(rf"(?<!\w){re.escape(keep.lower())}(?!\w)", lambda m, k=keep: k, out)
    return out[:1].upper() + out[1:]


def plan_title(above: list[str], province: str, year: int | None) -> tuple[str, str | None]:
    """The plan's title, from the document when it has one; and what to review about it, if anything."""
    lines = [" ".join(ln.split()) for chunk in above for ln in chunk.split("\n") if ln.strip()]
    folded = [fold(ln) for ln in lines]
    for i, f in enumerate(folded):             # "KẾ HOẠCH" / "Nâng cao Chỉ số cải cách hành chính ... năm 2025"
        if f == "ke hoach":
            subject = next((ln for ln, g in zip(lines[i + 1:], folded[i + 1:])
                            if not g.startswith(("(", "can cu", "kinh gui", "so:", "so "))), None)
            if subject:
                subject = _recase(subject, province)
                return "Kế hoạch " + subject[:1].lower() + subject[1:], None
    for ln, f in zip(lines, folded):            # "Kế hoạch nâng cao Chỉ số ... năm 2025" on one line
        if f.startswith("ke hoach ") and re.search(r"\b(?:chi so|cai cach hanh chinh|cchc|par index)\b", f) \
                and len(ln) <= 250:
            return _recase(ln, province), None
    where = place(province) if province else ""
    for ln, f in zip(lines, folded):            # the appendix's heading: "CÁC NHIỆM VỤ, GIẢI PHÁP NÂNG CAO CHỈ SỐ ..."
        k = f.find("nang cao chi so")
        if k != -1 and not f.startswith("("):
            heading = _recase(ln[k:], province)
            t = "Kế hoạch " + heading[:1].lower() + heading[1:]
            if where and fold(where) not in fold(t):
                t += " " + where
            if year and str(year) not in t:
                t += f" năm {year}"
            return t, _("title built from the appendix heading {heading!r}: check it against the plan's own "
                        "title").format(heading=ln)
    t = "Kế hoạch nâng cao Chỉ số cải cách hành chính" + (f" {where}" if where else "") + (f" năm {year}" if year else "")
    return t, _("the document states no title: this one was built from the province and year; check it (or use "
                "--title)")


def plan_slug(province: str, year: int | None) -> str:
    """The draft's plan id: "quangnam-par-2024" from the province and year."""
    s = fold(province).replace(" ", "")
    s = re.sub(r"[^a-z0-9]", "", s) or "plan"
    return f"{s}-par-{year}" if year else f"{s}-par"
