"""What a generated workbook carried over from last period, so that a return can tell it from what was typed.

``generate --ledger`` prefills some inputs from the agency's sealed values of the period before (see
:func:`parxl.writer.carried_over`).  Those cells look like input; left as they are, they are not something the
agency reported this period.  The workbook therefore carries a **manifest**: for each prefilled row, which
inputs were prefilled and a digest of their values.  The manifest is one of the identity's fields, signed with
the secretariat's key (:mod:`parxl.identity`), so it cannot be edited without breaking the signature; the check
compares each row's values as read back against it (:func:`unchanged`).

Values are compared as the check parses them (numbers exactly as the cell stores them, dates as days, texts
as NFC strings), so a value re-typed identically still reads as carried: there is nothing to tell them apart.
"""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
from fractions import Fraction
from typing import Any, Mapping

FIELD = "carried"     # the identity field that holds the manifest


def _canon(value: Any) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Fraction)):
        return repr(float(value))       # the cell stores a double: compare what it can hold
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def digest(values: Mapping[str, Any]) -> str:
    """A short digest of a row's carried inputs (input key → value)."""
    text = "\n".join(f"{k}={_canon(values[k])}" for k in sorted(values))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def encode(rows: Mapping[str, Mapping[str, Any]]) -> str:
    """The manifest of a workbook: indicator code → its carried inputs, as one line (empty when none)."""
    return ";".join(f"{code}={'+'.join(sorted(v))}:{digest(v)}" for code, v in sorted(rows.items()) if v)


def decode(text: str | None) -> dict[str, tuple[tuple[str, ...], str]]:
    """indicator code → (carried input keys, digest); a part that does not parse is skipped (the manifest is
    signed: a damaged one fails the signature before this is asked)."""
    out: dict[str, tuple[tuple[str, ...], str]] = {}
    for part in (text or "").split(";"):
        code, eq, rest = part.rpartition("=")
        keys, colon, dig = rest.partition(":")
        if eq and colon and code and keys and dig:
            out[code] = (tuple(keys.split("+")), dig)
    return out


def unchanged(entry: tuple[tuple[str, ...], str], read: Mapping[str, Any]) -> bool:
    """Whether the values read back for a row's carried inputs are still the ones carried."""
    keys, dig = entry
    if any(read.get(k) is None for k in keys):
        return False
    return digest({k: read[k] for k in keys}) == dig
