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
import sys
import unicodedata
from fractions import Fraction
from typing import Any, NamedTuple

from .layout import MAX_TEXT
from .vocab import TaskStatus, format_number

# the codes a parser returns (as Parsed.error or .warning); checks.evaluate adds them at the cell
EMITS = frozenset({"value.not-a-number", "value.not-whole", "value.negative", "value.ambiguous-comma",
                   "value.dot-not-thousands", "value.bad-date", "value.bad-status", "value.text-too-long",
                   "value.formula-text"})

EXCEL_EPOCH = dt.date(1899, 12, 30)


class Parsed(NamedTuple):
    """A parser's reading of one cell (a named tuple: one is made for every value of every return, in a third of
    a frozen dataclass's time)."""
    value: Any = None
    note: tuple[str, str] | None = None   # what was normalised: (as typed, as read), e.g. ("'95,5'", "95,5")
    error: str | None = None       # a finding code
    warning: str | None = None     # a finding code that keeps the value

    @property
    def missing(self) -> bool:
        return self.value is None and self.error is None


BLANK = Parsed()


def trim(s: str) -> str:
    """Excel's TRIM: spaces (U+0020 only) stripped at both ends and runs inside made one."""
    return " ".join(p for p in s.split(" ") if p)


def _blank(raw) -> bool:
    """Blank as the workbook's self-check sees it: empty, or only spaces (TRIM(x)="")."""
    return raw is None or (isinstance(raw, str) and not str.strip(raw, " "))


def is_blank(raw) -> bool:
    """Whether a cell holds nothing, as the workbook's self-check sees it (empty, or only spaces)."""
    return _blank(raw)


def as_text(raw) -> str:
    """Any cell value as text (never raises)."""
    return _str(raw, nfc=False)


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


def number(raw, whole: bool = False) -> Parsed:
    """A non-negative amount, at most MAX_NUMBER.  Text is read as the workbook's self-check reads it (see
    :func:`text_number`: Vietnamese notation), and noted; a dot that cannot be a thousands
    separator ("1.5" read as 15) is warned about; a comma that may be one ("1,200": 1,2 or 1.200?) is
    refused as ambiguous (``value.ambiguous-comma``): a factor of 1,000 is not guessed."""
    if _blank(raw):
        return BLANK
    if isinstance(raw, bool):
        return Parsed(error="value.not-a-number")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return Parsed(error="value.not-a-number")
        try:
            return _range(_cell_fraction(raw), whole, None)
        except (ValueError, OverflowError, TypeError):
            return Parsed(error="value.not-a-number")
    if isinstance(raw, (dt.date, dt.datetime)):
        return Parsed(error="value.not-a-number")
    text = _str(raw, nfc=False)
    value = text_number(text)
    if value is None:
        return Parsed(error="value.not-a-number")
    got = _range(value, whole, (repr(text), _show(value)))
    if got.error != "value.negative" and comma_readings(text) is not None:
        return Parsed(error="value.ambiguous-comma")
    if got.error is None and _odd_dots(text):
        return Parsed(got.value, got.note, warning="value.dot-not-thousands")
    return got


def _cell_fraction(x: int | float) -> Fraction:
    """A cell's number exactly as it shows: a float by its shortest repr (0.1 is 1/10, not the double
    nearest it).  A whole float below 2**53 is that integer, which is what its repr says too."""
    if isinstance(x, float):
        x = float(x)
        if not (x.is_integer() and abs(x) < 2 ** 53):
            return Fraction(repr(x))
    return Fraction(int(x))


# The largest amount the rules accept: the self-check's arithmetic (n × 100, the target × d) must not
# overflow a double (1.8e308) into an error where the merge, exact, would still judge.
MAX_NUMBER = Fraction(10) ** 300
_MAX_WHOLE = 10 ** 300
_DOUBLE_MAX = Fraction(sys.float_info.max)
_DOUBLE_MIN = Fraction(sys.float_info.min)     # below it LibreOffice's NUMBERVALUE underflows to an error
_TEXT_NUMBER = re.compile(r"([+-]?)([0-9.]*)(?:,([0-9]*))?(?:[eE]([+-]?[0-9]+))?")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{3})*(?:,.*)?")


def text_number(s: str) -> Fraction | None:
    """A number typed as text, read exactly as the self-check's
    ``NUMBERVALUE(SUBSTITUTE(SUBSTITUTE(x;"%";"");" ";"");",";".")`` reads it in LibreOffice (measured):
    "%" and spaces removed, tabs and line breaks ignored, the comma is the decimal separator, dots
    before it are ignored, an exponent is allowed.  None when it is not a number: no digit at all
    (".", a tab: the formula's digit test refuses them), or beyond a double's range (1e400, 1e-400:
    NUMBERVALUE's error)."""
    t = re.sub(r"[ \t\r\n%]", "", s)
    m = _TEXT_NUMBER.fullmatch(t)
    if not m:
        return None
    sign, whole, frac, exp = m.groups()
    whole = whole.replace(".", "")
    if not whole and not frac:
        return None
    try:
        v = Fraction(f"{whole or 0}.{frac or 0}")
        if exp:
            e = int(exp)
            if abs(e) > 400:
                return None
            v *= Fraction(10) ** e
    except (ValueError, OverflowError):
        return None
    if v and not _DOUBLE_MIN <= v <= _DOUBLE_MAX:
        return None
    return -v if sign == "-" else v


def _odd_dots(text: str) -> bool:
    """A dot that does not group thousands ("1.5", "12.34"): it was likely meant as a decimal point."""
    t = re.sub(r"[ \t\r\n%]", "", text)
    return "." in t.split(",")[0] and not _GROUPED.fullmatch(t)


# One comma, exactly three digits after it, a first group that could lead a thousands grouping (1 to 3
# digits, no leading zero), and no other separator or exponent: "1,200", "12,345", "+1,200%".  "0,500",
# "1234,567", "1,2", "1,2000", "1.200,5" and "1,200,000" are not ambiguous (the last is not a number at all).
_COMMA_THOUSANDS = re.compile(r"[+-]?[1-9][0-9]{0,2},[0-9]{3}")


def comma_readings(text: str) -> tuple[Fraction, Fraction] | None:
    """The two readings of a text number whose comma may be decimal or may group thousands ("1,200": 1,2 in
    Vietnamese notation, 1.200 in English), or None when the text is not ambiguous that way."""
    t = re.sub(r"[ \t\r\n%]", "", text)
    if not _COMMA_THOUSANDS.fullmatch(t):
        return None
    decimal_reading = abs(text_number(t))
    return decimal_reading, decimal_reading * 1000


def _range(v: Fraction, whole: bool, note: tuple[str, str] | None) -> Parsed:
    if v.numerator < 0:         # a fraction's sign is its numerator's
        return Parsed(error="value.negative", note=note)
    n = v.numerator
    if n > _MAX_WHOLE and n > _MAX_WHOLE * v.denominator:   # v > MAX_NUMBER, in ints (a Fraction compares slowly)
        return Parsed(error="value.not-a-number", note=note)
    if whole and v.denominator != 1:
        return Parsed(error="value.not-whole", note=note)
    return Parsed(v, note)


def _show(v: Fraction) -> str:
    return format_number(v, 6)


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
            return Parsed(d, (repr(raw), f"{d:%d/%m/%Y}"))
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
    return Parsed(d, (repr(s), f"{d:%d/%m/%Y}"))


def status(raw) -> Parsed:
    """One of the list (TaskStatus), as the self-check compares it: TRIM'd, case-insensitive, exact
    otherwise (no alias, no accent folding: what the workbook cannot recognise, the merge does not either)."""
    if raw.__class__ is str:
        exact = _STATUS_EXACT.get(raw)      # a word of the list as the list writes it: the common cell
        if exact is not None:
            return exact
    return _status(raw)


def _status(raw) -> Parsed:
    if _blank(raw):
        return BLANK
    s = trim(_str(raw, nfc=False))
    st = _STATUS_BY_LOWER.get(s.lower())
    if st is None:
        return Parsed(error="value.bad-status")
    return Parsed(st, None if s == st.value else (repr(s), repr(st.value)))


_STATUS_BY_LOWER = {st.value.lower(): st for st in TaskStatus}   # the list's words differ in more than case
_STATUS_EXACT = {st.value: _status(st.value) for st in TaskStatus}   # each word's reading, by the rule above


FORMULA_LEADS = ("=", "+", "-", "@")


def text(raw, limit: int = MAX_TEXT) -> Parsed:
    """Free text: NFC, trimmed, at most ``limit`` characters; a leading formula character is flagged."""
    if raw.__class__ is str:        # the common cell: what follows, for a str, in fewer steps
        s = raw.strip(" ")
        if not s:
            return BLANK
        note = None
        if not (raw.isascii() or unicodedata.is_normalized("NFC", raw)):
            s, note = unicodedata.normalize("NFC", raw).strip(" "), (repr(raw), "NFC")
        return _text(s, note, limit)
    if _blank(raw):
        return BLANK
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, (dt.datetime, dt.date)):
        raw = f"{raw.day:02d}/{raw.month:02d}/{raw.year:04d}"
    orig = _str(raw, nfc=False)
    nfc = unicodedata.normalize("NFC", orig)
    s = nfc.strip(" ")
    note = (repr(orig), "NFC") if nfc != orig else None
    return _text(s, note, limit)


def _text(s: str, note: tuple[str, str] | None, limit: int) -> Parsed:
    if len(s) > limit:
        return Parsed(s[:limit], note, warning="value.text-too-long")
    if s.startswith(FORMULA_LEADS) and not re.fullmatch(r"-\s.*", s, re.S):
        return Parsed(s, note, warning="value.formula-text")
    return Parsed(s, note)
