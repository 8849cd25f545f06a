"""Document properties and metadata: the parxl_ custom properties, the save time, the application.

Metadata is optional: a return whose docProps cannot be parsed is still read (its identity lives on the
sheet, and the merge then dates it by the file's own time).
"""
from __future__ import annotations

import datetime as dt
import re
from xml.etree.ElementTree import ParseError

from ..vocab import VIETNAM
from . import package
from .package import Parts

_NS_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_NS_DCT = "{http://purl.org/dc/terms/}"
_NS_APP = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"


def _metadata(parts: Parts, names, part: str):
    """A document-metadata part, parsed; None when absent or malformed.  Metadata is optional: a
    return whose docProps cannot be parsed is still read (its identity lives on the sheet, and the
    merge then dates it by the file's own time)."""
    if part not in names:
        return None
    try:
        return package.tree(parts, part)
    except ParseError:
        return None


def custom_properties(parts: Parts, names) -> dict[str, str]:
    root = _metadata(parts, names, "docProps/custom.xml")
    if root is None:
        return {}
    out = {}
    for prop in root.findall(f"{_NS_CUSTOM}property"):
        name = prop.get("name", "")
        value = next((c.text or "" for c in prop), "")
        if name.startswith("parxl_"):
            out[name[6:]] = value.strip()
    return out


_ISO_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,30}))?)?"
                       r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?")


def timestamp(text: str | None) -> dt.datetime | None:
    """An ISO 8601 time from document metadata, to the second, in UTC.  A time that names no zone is
    Vietnam time (UTC+7): LibreOffice writes an OpenDocument's save time as the local time of the PC that
    saved it, with no zone, and the PCs that fill these workbooks are in Vietnam.

    Any number of fractional digits (.NET writes seven), ``Z`` or ±hh[:mm], or a date alone;
    None for anything else."""
    if not isinstance(text, str):
        return None
    m = _ISO_TIME.fullmatch(text.strip()[:80])
    if not m:
        return None
    y, mo, d, h, mi, s, _frac, zone = m.groups()
    try:
        tz = dt.timezone.utc if zone else VIETNAM
        if zone and zone not in "Zz":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0)))
        t = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz)
        return t.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        return None


def core(parts: Parts, names) -> tuple[dt.datetime | None, str | None]:
    modified = app = None
    core = _metadata(parts, names, "docProps/core.xml")
    if core is not None:
        el = core.find(f"{_NS_DCT}modified")
        modified = timestamp(el.text if el is not None else None)
    props = _metadata(parts, names, "docProps/app.xml")
    if props is not None:
        el = props.find(f"{_NS_APP}Application")
        app = el.text if el is not None else None
    return modified, app


_NS_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_NS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_NS_DC = "{http://purl.org/dc/elements/1.1/}"


def ods_meta(parts: Parts, names) -> tuple[dict[str, str], dt.datetime | None, str | None]:
    """An OpenDocument return: custom properties are meta:user-defined entries of meta.xml."""
    if "meta.xml" not in names:
        return {}, None, None
    meta = package.tree(parts, "meta.xml").find(f"{_NS_OFFICE}meta")
    if meta is None:
        return {}, None, None
    props = {}
    for el in meta.findall(f"{_NS_META}user-defined"):
        name = el.get(f"{_NS_META}name", "")
        if name.startswith("parxl_"):
            props[name[6:]] = (el.text or "").strip()
    date = meta.find(f"{_NS_DC}date")
    modified = timestamp(date.text if date is not None else None)
    gen = meta.find(f"{_NS_META}generator")
    return props, modified, gen.text if gen is not None else None
