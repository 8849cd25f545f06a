"""A task's deadline ("Tiến độ" / "Thời gian hoàn thành"), read from the plan's words, and where a report
period stands against it.

What is read (case, accents' composition and spacing do not matter; a phrase without a year takes the
plan's year):

- a date: "30/6/2024", "30-06-2024", "ngày 30 tháng 6 năm 2024" → that day;
- a month: "Tháng 6/2024", "tháng 06 năm 2024", "06/2024" → its last day;
- a quarter: "Quý II/2024", "Quý 3 năm 2024", "Quí III/2024", "Q3/2024" → its last day;
- a two-digit year after "/" is 20yy: "Tháng 12/24", "Quý IV/24", "30/6/24" → 2024 (not the plan's year);
- a half year: "6 tháng đầu năm", "Giữa năm 2024" → 30/6, "6 tháng cuối năm" → 31/12;
- a school year: "Năm học 2024-2025" → 31/5/2025;
- a year: "Trong năm 2024", "Năm 2024", "Cuối năm", "Hằng năm", "2024" → 31/12;
- "trước" before any of them reads strictly: "trước ngày 1/7/2024" → 30/6, "trước tháng 9/2024" → 31/8,
  "trước Quý III/2024" → 30/6;
- a range ("Từ tháng 3 đến tháng 6/2024", "Quý I - Quý II/2024", "2024-2025") → its end;
- recurring: "Thường xuyên", "Định kỳ", "Liên tục", "Hằng/Hàng tháng (tuần, quý)", a day, month or
  quarter "hằng/hàng năm" ("Trước 30/6 hằng năm", "Quý I hằng năm"), several months listed without a year
  ("Tháng 3, 6, 9, 12") → due at every period;
- anything else — "Theo kế hoạch …", "Theo quy định", two deadlines that are not a range ("Quý II/2024
  (cấp tỉnh), Quý III/2024 (cấp huyện)", "Tháng 3, 6, 9, 12/2024"), a number no unit reads ("Tháng 6,
  2025"), a date that does not exist — is unknown, never its first date: judged as it always was, and
  ``parxl plan check`` lists it.  A plan states such a deadline for the machine with the task's
  ``due`` (a TOML date, or "recurring").

A report period is judged against the deadline at the end of the period it accounts for — Quý I: 31/3,
6 tháng: 30/6, Quý III: 30/9, năm: 31/12 — not at its data cut-off (the 14th): the annual report is the
year's account, so what is due "Trong năm" is judged there.
"""
from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from dataclasses import dataclass


class Due(str, enum.Enum):
    """Where a report period stands against a task's deadline."""
    NOT_YET = "not_yet"        # the deadline lies after the period: work in progress is not failed
    PASSED = "passed"          # the deadline falls in or before the period: not done is overdue
    RECURRING = "recurring"    # due at every period, on that period's work
    UNKNOWN = "unknown"        # the deadline could not be read: judged as if due (as before deadlines were read)


@dataclass(frozen=True)
class Deadline:
    text: str                          # the plan's words
    due: dt.date | None = None         # the last day the task may be completed, when read
    recurring: bool = False
    explicit: bool = False             # given by the plan's ``due``, not read from the words

    @property
    def known(self) -> bool:
        return self.recurring or self.due is not None

    def at(self, period) -> Due:
        """Where ``period`` (a :class:`~parxl.periods.Period`) stands against this deadline."""
        if self.recurring:
            return Due.RECURRING
        if self.due is None:
            return Due.UNKNOWN
        return Due.PASSED if self.due <= report_end(period) else Due.NOT_YET

    def to_dict(self) -> dict:
        return {"text": self.text, "due": self.due.isoformat() if self.due else None,
                "recurring": self.recurring, "explicit": self.explicit}


def report_end(period) -> dt.date:
    """The last day of the period a report accounts for: 31/3, 30/6, 30/9 or 31/12 of its year."""
    return _last_day(period.year, 3 * period.quarter)


def deadline(text: str, year: int, due: dt.date | str | None = None) -> Deadline:
    """The task's deadline: ``due`` when the plan gives it (a date, or "recurring"/"unknown"), else read from
    ``text`` (see the module docstring); ``year`` is the plan's, for phrases that name none."""
    if isinstance(due, dt.date):
        return Deadline(text, due, explicit=True)
    if due == "recurring":
        return Deadline(text, recurring=True, explicit=True)
    if due == "unknown":
        return Deadline(text, explicit=True)
    day, recurring = read(text, year)
    return Deadline(text, day, recurring)


# -- reading the words ----------------------------------------------------------------------------------

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_YEARSEP = r"\s*(?:[/.\-]|năm)\s*"
_YEAR = r"\d{4}\b|(?<=/)\d{2}\b|(?<=năm)\s*\d{2}\b"      # a two-digit year only after "/" or "năm": 20yy
_UNITS = re.compile(
    r"(?P<school>năm\s*học\s*\d{4}\s*[/\-–—]\s*(?P<sy>\d{4}))"
    r"|(?P<date>(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})\s*[/.\-]\s*(?P<y>\d{4}\b|(?<=/)\d{2}\b))"
    r"|(?P<dwords>ngày\s*(?P<d2>\d{1,2})\s*tháng\s*(?P<m2>\d{1,2})(?:\s*năm\s*(?P<y2>\d{4}))?)"
    r"|(?P<half>(?:6|sáu)\s*tháng\s*(?P<which>đầu|cuối)\s*năm(?:\s*(?P<hy>\d{4}))?)"
    r"|(?P<mid>giữa\s*năm(?:\s*(?P<miy>\d{4}))?)"
    r"|(?P<months>tháng\s*\d{1,2}(?:\s*(?:,|;|và)\s*\d{1,2}\b(?!\s*[/.\-]\s*\d))+)"
    rf"|(?P<month>tháng\s*(?P<mm>\d{{1,2}})(?:{_YEARSEP}(?P<my>{_YEAR}))?)"
    rf"|(?P<quarter>(?:quý|quí|\bq)\s*(?P<q>iv|i{{1,3}}|[1-4])\b(?:{_YEARSEP}(?P<qy>{_YEAR}))?)"
    r"|(?P<monthyear>\b(?P<bm>\d{1,2})\s*/\s*(?P<bmy>\d{4}))"
    r"|(?P<daymonth>\b(?P<dd>\d{1,2})\s*[/.]\s*(?P<dm>\d{1,2})\b(?!\s*[/.\-]\s*\d))"
    r"|(?P<year>(?:(?:trong|cả|cuối|hết|hằng|hàng)\s*)?năm\s*(?P<yy>\d{4})"
    r"|(?P<every>hằng|hàng)\s*năm\b|(?:trong|cả|cuối|hết)\s*năm\b)"
    r"|(?P<bare>\b(?P<by>(?:19|20)\d\d)\b)")
_RECURRING = re.compile(r"thường\s*xuyên|định\s*kỳ|liên\s*tục|(?:hằng|hàng)\s*(?:ngày|tuần|tháng|quý)")
_BEFORE = re.compile(r"trước\s*(?:ngày\s*)?$")
_RANGE = re.compile(r"^\s*(?:đến(?:\s*hết)?|[-–—])\s*(?:ngày\s*)?$")


def read(text: str, year: int) -> tuple[dt.date | None, bool]:
    """(the last day, recurring?) read from a deadline's words; (None, False) when they cannot be read."""
    s = " ".join(unicodedata.normalize("NFC", text or "").lower().split())
    if not s or s.startswith("theo"):
        return None, False
    if _RECURRING.search(s):
        return None, True
    matches = list(_UNITS.finditer(s))
    if not matches:
        return None, False
    # a number no unit took ("Tháng 6, 2025", "Quý 3, 4/2024"): the words say more than was read
    if re.search(r"\d", _outside(s, matches)):
        return None, False
    if any(m.group("months") for m in matches):
        # several months after one "tháng" ("Tháng 3, 6, 9, 12"): every year's, unless a year pins them
        return (None, True) if len(matches) == 1 and not re.search(r"\d{4}", s) else (None, False)
    # "hằng năm" with a day, month or quarter ("Trước 30/6 hằng năm", "Quý I hằng năm"): every year's
    if len(matches) > 1 and any(m.group("every") for m in matches):
        return None, True
    found = []                       # (start, end, last day)
    for m in matches:
        try:
            day = _unit(m, year, strict=bool(_BEFORE.search(s[:m.start()])))
        except ValueError:           # 31/2/2024, tháng 13, quý 0
            return None, False
        found.append((m.start(), m.end(), day))
    days = {d for _, _, d in found}
    if len(days) == 1:
        return found[0][2], False
    # several: a range reads as its end ("từ tháng 3 đến tháng 6/2024"); anything else is not guessed
    for (_, end, _), (start, _, _) in zip(found, found[1:]):
        if not _RANGE.match(s[end:start]):
            return None, False
    return found[-1][2], False


def _outside(s: str, matches: list[re.Match]) -> str:
    """The words of ``s`` outside every matched unit."""
    out, at = [], 0
    for m in matches:
        out.append(s[at:m.start()])
        at = m.end()
    return "".join(out) + s[at:]


def _year(text: str | None, year: int) -> int:
    """A year as written: four digits, or two (20yy); the plan's when none."""
    if not text:
        return year
    y = int(text)
    return 2000 + y if y < 100 else y


def _unit(m: re.Match, year: int, strict: bool) -> dt.date:
    """The last day of the matched unit; with ``strict`` ("trước …"), the day before it begins."""
    g = m.group
    if g("school"):                  # a school year ends on 31/5
        return dt.date(int(g("sy")), 5, 30 if strict else 31)
    if g("date") or g("dwords") or g("daymonth"):
        d = dt.date(_year(g("y") or g("y2"), year), int(g("m") or g("m2") or g("dm")),
                    int(g("d") or g("d2") or g("dd")))
        return d - dt.timedelta(days=1) if strict else d
    if g("half"):
        y = int(g("hy") or year)
        first = g("which") == "đầu"
        if strict:
            return dt.date(y - 1, 12, 31) if first else dt.date(y, 6, 30)
        return dt.date(y, 6, 30) if first else dt.date(y, 12, 31)
    if g("mid"):                     # mid-year: by 30/6
        return dt.date(int(g("miy") or year), 6, 30)
    if g("month") or g("monthyear"):
        y, mo = _year(g("my") or g("bmy"), year), int(g("mm") or g("bm"))
        if not 1 <= mo <= 12:
            raise ValueError(mo)
        return dt.date(y, mo, 1) - dt.timedelta(days=1) if strict else _last_day(y, mo)
    if g("quarter"):
        q = _ROMAN.get(g("q")) or int(g("q"))
        y = _year(g("qy"), year)
        return dt.date(y, 3 * q - 2, 1) - dt.timedelta(days=1) if strict else _last_day(y, 3 * q)
    y = int(g("yy") or g("by") or year)
    return dt.date(y - 1, 12, 31) if strict else dt.date(y, 12, 31)


def _last_day(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
