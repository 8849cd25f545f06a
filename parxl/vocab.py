"""The domain's words as types: task statuses, verdicts, return statuses, roles — and how numbers are
written for people.  Code compares enum members; Vietnamese labels are rendered only at the edges
(workbooks, messages), through ``.vi``.
"""
from __future__ import annotations

import datetime as dt
import enum
from fractions import Fraction


class TaskStatus(str, enum.Enum):
    """What an agency says of a task (the "Tình trạng" list in its workbook)."""
    DONE = "Hoàn thành"
    IN_PROGRESS = "Đang thực hiện"
    NOT_STARTED = "Chưa thực hiện"
    NOT_APPLICABLE = "Không phát sinh"

    @property
    def vi(self) -> str:
        return self.value


class Verdict(str, enum.Enum):
    """One agency's result on one indicator: what its workbook's self-check shows and the merge decides."""
    MET = "met"
    NOT_MET = "not_met"
    OVERDUE = "overdue"                  # a task past its deadline and not done ("Chưa đạt (quá hạn)")
    IN_PROGRESS_NOT_DUE = "in_progress_not_due"   # in progress, deadline after the period: neither failed nor met
    NOT_STARTED_NOT_DUE = "not_started_not_due"   # not started, deadline after the period: flagged, not failed
    CONTRIBUTES = "contributes"          # a share of a province total: no verdict an agency could meet alone
    NOT_APPLICABLE = "not_applicable"    # the agency declared "Không phát sinh", or nothing arose (0 cases)
    MISSING_DATA = "missing_data"
    MISSING_EVIDENCE = "missing_evidence"
    INVALID = "invalid"                  # a value the rules refuse (not a number, negative, numerator > denominator…)
    NOT_RETURNED = "not_returned"        # no valid return from the agency

    @property
    def vi(self) -> str:
        return _VERDICT_VI[self]

    @property
    def assessed(self) -> bool:
        """Counts toward the province figure."""
        return self in (Verdict.MET, Verdict.NOT_MET, Verdict.OVERDUE, Verdict.CONTRIBUTES)

    @property
    def not_due(self) -> bool:
        """A task not done whose deadline lies after the period: not counted against the agency or the province."""
        return self in (Verdict.IN_PROGRESS_NOT_DUE, Verdict.NOT_STARTED_NOT_DUE)

    @property
    def failed(self) -> bool:
        """Not met: below the target, or a task past its deadline and not done."""
        return self in (Verdict.NOT_MET, Verdict.OVERDUE)


_VERDICT_VI = {
    Verdict.MET: "Đạt",
    Verdict.NOT_MET: "Chưa đạt",
    Verdict.OVERDUE: "Chưa đạt (quá hạn)",
    Verdict.IN_PROGRESS_NOT_DUE: "Đang thực hiện (chưa đến hạn)",
    Verdict.NOT_STARTED_NOT_DUE: "Chưa thực hiện (chưa đến hạn)",
    Verdict.CONTRIBUTES: "Đã ghi nhận",
    Verdict.NOT_APPLICABLE: "Không phát sinh",
    Verdict.MISSING_DATA: "Thiếu số liệu",
    Verdict.MISSING_EVIDENCE: "Thiếu minh chứng",
    Verdict.INVALID: "Số liệu chưa hợp lệ",
    Verdict.NOT_RETURNED: "Chưa nộp",
}


class ProvinceVerdict(str, enum.Enum):
    """A province figure's verdict, honest about coverage (see README, "How targets are computed")."""
    MET = "met"                              # holds, whatever the missing agencies would report
    NOT_MET = "not_met"                      # fails, whatever the missing agencies would report
    PROVISIONAL_MET = "provisional_met"      # holds on the agencies that reported; others are missing
    PROVISIONAL_NOT_MET = "provisional_not_met"
    NOT_APPLICABLE = "not_applicable"        # every required agency declared "Không phát sinh"
    NOT_ASSESSABLE = "not_assessable"        # no agency gave usable data
    NOT_DUE = "not_due"                      # a task whose deadline lies after the period, not yet done by all

    @property
    def vi(self) -> str:
        return _PROVINCE_VI[self]

    def vi_counted(self, coverage: str, done: str) -> str:
        """The verdict as a province figure shows it, with what it counts: a provisional one with its coverage
        ("Đạt (tạm tính, 34/38)"), a share of tasks not yet due with how many are done ("Chưa đến hạn (12/38 đã
        hoàn thành)", when ``done`` is given); any other as it is."""
        words = _PROVINCE_COUNTED.get(self)
        if words is None or (self is ProvinceVerdict.NOT_DUE and not done):
            return self.vi
        return words.format(coverage=coverage, done=done)

    @property
    def final(self) -> bool:
        """Cannot change with more returns: met or not met for good, or every required agency returned and
        declared "Không phát sinh" (no agency is left to report anything else)."""
        return self in (ProvinceVerdict.MET, ProvinceVerdict.NOT_MET, ProvinceVerdict.NOT_APPLICABLE)


_PROVINCE_VI = {
    ProvinceVerdict.MET: "Đạt",
    ProvinceVerdict.NOT_MET: "Chưa đạt",
    ProvinceVerdict.PROVISIONAL_MET: "Đạt (tạm tính)",
    ProvinceVerdict.PROVISIONAL_NOT_MET: "Chưa đạt (tạm tính)",
    ProvinceVerdict.NOT_APPLICABLE: "Không phát sinh",
    ProvinceVerdict.NOT_ASSESSABLE: "Không đánh giá được",
    ProvinceVerdict.NOT_DUE: "Chưa đến hạn",
}
_PROVINCE_COUNTED = {
    ProvinceVerdict.PROVISIONAL_MET: "Đạt (tạm tính, {coverage})",
    ProvinceVerdict.PROVISIONAL_NOT_MET: "Chưa đạt (tạm tính, {coverage})",
    ProvinceVerdict.NOT_DUE: "Chưa đến hạn ({done} đã hoàn thành)",
}


class ReturnStatus(str, enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    SKIPPED = "skipped"

    @property
    def vi(self) -> str:
        return {"accepted": "Hợp lệ", "rejected": "Bị từ chối", "superseded": "Bị thay thế",
                "skipped": "Không đọc"}[self.value]


class Role(str, enum.Enum):
    LEAD = "lead"
    COORDINATOR = "coordinator"

    @property
    def vi(self) -> str:
        return "Chủ trì" if self is Role.LEAD else "Phối hợp"


def format_number(x: Fraction | float | int | None, decimals: int = 2, unit: str = "") -> str:
    """A number as Vietnamese writes it: dot for thousands, comma for decimals, no trailing zeros
    (1.234,5); ``unit`` "%" is glued on, another unit follows a space."""
    if x is None:
        return ""
    q = Fraction(repr(x)) if isinstance(x, float) else Fraction(x)
    if abs(q) >= 10 ** 30:                    # a typo of that size: its order of magnitude says enough
        exp = len(str(abs(q.numerator) // q.denominator)) - 1 if abs(q) < 10 ** 4000 else "4000+"
        return f"{'-' if q < 0 else ''}~10^{exp}" + (f" {unit}" if unit and unit != "%" else unit)
    sign = "-" if q < 0 else ""
    whole, rem = divmod(round(abs(q) * 10 ** decimals), 10 ** decimals)
    digits = f"{whole:,}".replace(",", ".")
    tail = f"{rem:0{decimals}d}".rstrip("0") if decimals else ""
    if not whole and not rem:
        sign = ""
    s = sign + digits + ("," + tail if tail else "")
    if unit == "%":
        return s + "%"
    return f"{s} {unit}" if unit else s


#: An agency value's fields (parxl.ledger.FIELDS) as people name them: the columns of its workbook.
FIELD_VI = {
    "status": "Tình trạng",
    "numerator": "Tử số",
    "denominator": "Mẫu số",
    "current": "Kết quả (năm nay)",
    "baseline": "Số liệu năm gốc",
    "value": "Giá trị đánh giá",
    "evidence": "Minh chứng",
    "doc_date": "Ngày văn bản",
    "issues": "Khó khăn, vướng mắc",
    "proposals": "Đề xuất, kiến nghị",
    "verdict": "Đánh giá",
}


# -- time, as people here read it ----------------------------------------------------------------------
#: Vietnam time (Asia/Ho_Chi_Minh): UTC+7 all year, no daylight saving.  A fixed offset, not a tz database
#: zone, so a Windows PC without tzdata reads it the same.
VIETNAM = dt.timezone(dt.timedelta(hours=7), "UTC+07:00")
ZONE_VI = "giờ Việt Nam"


def vietnam_time(t: dt.datetime) -> dt.datetime:
    """``t`` in Vietnam time; a naive ``t`` is taken to be Vietnam time already."""
    return t.replace(tzinfo=VIETNAM) if t.tzinfo is None else t.astimezone(VIETNAM)


def format_time(t: dt.datetime | None) -> str:
    """A moment as people here read it: Vietnam time, dd/mm/yyyy hh:mm (the zone is said by the caller)."""
    return "" if t is None else f"{vietnam_time(t):%d/%m/%Y %H:%M}"
