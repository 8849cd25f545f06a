"""What people type, made into numbers, dates, statuses and text — with a note of every change.

Each function takes a raw cell value (as the reader gives it: None, str, int, float,
bool, date, datetime) and returns a :class:`Parsed`: the value, a note when the value
had to be normalised (logged as an ``value.coerced`` info finding), or an error code.
"""
from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .layout import MAX_TEXT, STATUSES

EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Parsed:
    value: Any = None
    note: str | None = None        # what was normalised, e.g. '"95,5" → 95.5'
    error: str | None = None       # a finding code
    warning: str | None = None     # a finding code that keeps the value

    @property
    def missing(self) -> bool:
        return self.value is None and self.error is None


BLANK = Parsed()


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not str.strip(raw))


def _str(raw, nfc: bool = True) -> str:
    """The text of any value, NFC unless asked not to: a str subclass as plain str, an int past
    Python's int → str digit limit through Decimal, an object whose str() fails as its type name."""
    try:
        s = str.__str__(raw) if isinstance(raw, str) else str(raw)
    except ValueError:
        s = str(decimal.Decimal(raw)) if isinstance(raw, int) else f"<{type(raw).__name__}>"
    except Exception:  # noqa: BLE001 - any object's __str__ may fail
        s = f"<{type(raw).__name__}>"
    return unicodedata.normalize("NFC", s) if nfc else s


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


def number(raw, whole: bool = False) -> Parsed:
    """A non-negative amount; text in Vietnamese or English notation is accepted and noted."""
    if _blank(raw):
        return BLANK
    if isinstance(raw, bool):
        return Parsed(error="value.not-a-number")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return Parsed(error="value.not-a-number")
        try:
            return _range(Fraction(repr(float(raw))) if isinstance(raw, float) else Fraction(int(raw)), whole, None)
        except (ValueError, OverflowError, TypeError):
            return Parsed(error="value.not-a-number")
    if isinstance(raw, (dt.date, dt.datetime)):
        return Parsed(error="value.not-a-number")
    text = _str(raw)
    s = _SPACES.sub("", text)
    percent = s.endswith("%")
    s = s.rstrip("%")
    value = parse_decimal(s, whole)
    if value is None:
        return Parsed(error="value.not-a-number")
    return _range(value, whole, f"{text!r} → {_show(value)}{'%' if percent else ''}")


def parse_decimal(s: str, whole: bool = False) -> Fraction | None:
    """'1.234' / '1,234' → 1234 when the separator groups thousands; '95,5' → 95.5; '1.234,5' → 1234.5."""
    m = re.fullmatch(r"([+-]?)([0-9.,]*[0-9])", s)
    if not m:
        return None
    sign, body = m.groups()
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        dec = "." if body.rfind(".") > body.rfind(",") else ","
        thou = "," if dec == "." else "."
        if body.count(dec) > 1:
            return None
        intpart, frac = body.split(dec)
        if not re.fullmatch(r"\d{1,3}(\%s\d{3})*" % thou, intpart):
            return None
        body = intpart.replace(thou, "") + "." + frac
    elif dots or commas:
        sep = "." if dots else ","
        groups = body.split(sep)
        thousands = all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3
        if len(groups) > 2 and not thousands:
            return None
        if thousands and (len(groups) > 2 or whole or sep == "."):
            body = "".join(groups)          # "1.234" (vi) or "1,234" in a whole-number cell
        else:
            body = groups[0] + "." + groups[1]   # "95,5", "1,5", "1.5"
    try:
        return Fraction(sign + body)
    except (ValueError, ZeroDivisionError):
        return None


def _range(v: Fraction, whole: bool, note: str | None) -> Parsed:
    if v < 0:
        return Parsed(error="value.negative", note=note)
    if whole and v.denominator != 1:
        return Parsed(error="value.not-whole", note=note)
    return Parsed(v, note)


def _show(v: Fraction) -> str:
    try:
        return str(v.numerator) if v.denominator == 1 else repr(float(v))
    except (ValueError, OverflowError):     # past the int → str digit limit, or beyond a float
        return f"~{v.numerator.bit_length() - v.denominator.bit_length()} bits"


_DATE_TEXT = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")


def date(raw) -> Parsed:
    """A date: a real date, an Excel serial, or text dd/mm/yyyy (Vietnamese order) or ISO."""
    if _blank(raw):
        return BLANK
    if isinstance(raw, dt.datetime):
        return Parsed(raw.date())
    if isinstance(raw, dt.date):
        return Parsed(raw)
    if isinstance(raw, bool):
        return Parsed(error="value.bad-date")
    if isinstance(raw, (int, float)):
        if 1 <= raw < 2958466:       # False for NaN; ±inf and huge ints fall outside
            d = EXCEL_EPOCH + dt.timedelta(days=int(raw))
            return Parsed(d, f"{raw!r} → {d:%d/%m/%Y}")
        return Parsed(error="value.bad-date")
    s = _str(raw).strip()
    m = _DATE_TEXT.match(s)
    try:
        if m:
            d = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        elif (m := _ISO.match(s)):
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        else:
            return Parsed(error="value.bad-date")
    except (ValueError, OverflowError):
        return Parsed(error="value.bad-date")
    return Parsed(d, f"{s!r} → {d:%d/%m/%Y}")


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s.casefold()).replace("đ", "d")
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


_STATUS_ALIASES = {
    "Hoàn thành": ("hoan thanh", "da hoan thanh", "xong", "ht", "hoan tat", "da thuc hien", "done", "completed"),
    "Đang thực hiện": ("dang thuc hien", "dang trien khai", "dang th", "in progress"),
    "Chưa thực hiện": ("chua thuc hien", "chua hoan thanh", "chua trien khai", "not started"),
    "Không phát sinh": ("khong phat sinh", "kps", "khong co", "n a", "na", "not applicable"),
}
_STATUS = {alias: canon for canon, aliases in _STATUS_ALIASES.items() for alias in aliases}
assert set(_STATUS_ALIASES) == set(STATUSES)


def status(raw) -> Parsed:
    if _blank(raw):
        return BLANK
    s = _str(raw).strip()
    if s in STATUSES:
        return Parsed(s)
    canon = _STATUS.get(_fold(s))
    if canon is None:
        return Parsed(error="value.bad-status")
    return Parsed(canon, f"{s!r} → {canon!r}")


FORMULA_LEADS = ("=", "+", "-", "@")


def text(raw, limit: int = MAX_TEXT) -> Parsed:
    """Free text: NFC, trimmed, at most ``limit`` characters; a leading formula character is flagged."""
    if _blank(raw):
        return BLANK
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, (dt.datetime, dt.date)):
        raw = f"{raw.day:02d}/{raw.month:02d}/{raw.year:04d}"
    orig = _str(raw, nfc=False)
    nfc = unicodedata.normalize("NFC", orig)
    s = nfc.strip()
    note = "NFC" if nfc != orig else None
    if len(s) > limit:
        return Parsed(s[:limit], note, warning="value.text-too-long")
    if s.startswith(FORMULA_LEADS) and not re.fullmatch(r"-\s.*", s, re.S):
        return Parsed(s, note, warning="value.formula-text")
    return Parsed(s, note)
