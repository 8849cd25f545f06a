"""What the plan import and the plan diff know of each measure, in one place until the measures own it.

A measure ("rate", "count", "change", "done") owns its rules end to end, in :mod:`parxl.measures`; two of
them still live here because the importer and the diff were written before: how a target phrase becomes an
indicator of the measure (:func:`spec_from_phrase`) and how a diff describes an indicator's target
(:func:`describe_target`), with the measure's name as an operator reads it (:func:`measure_word`).  Each is
one function with a plain signature, so that it can move onto the measure classes as it stands
(``measure.spec_from_phrase(parsed, clause, ...)``, ``measure.describe_target(indicator)``,
``measure.word``) and the callers (:mod:`parxl.plan_import.indicators`, :mod:`parxl.plan_import.diff`,
``parxl plan show``) change one line each.  No other module of the plan import branches on the measure.
"""
from __future__ import annotations

import re
from typing import Sequence

from ..i18n import _
from .targets import ParsedTarget, baseline_doubts, fold

__all__ = ["spec_from_phrase", "describe_target", "measure_word"]


def spec_from_phrase(parsed: ParsedTarget, clause: str, *, per_agency: bool = False,
                     years_named: Sequence[int] = (), plan_year: int | None = None) -> dict:
    """The indicator a target phrase becomes, as far as its measure decides it.

    ``parsed``: the phrase as :mod:`parxl.plan_import.targets` read it (its ``measure`` is the reader's guess
    from the words); ``clause``: the words of the row around it; ``per_agency``: the target applies to each
    agency named; ``years_named``: the years the row compares with ("so với năm 2021"); ``plan_year``: the
    plan's year, if known.  Returns a plain dict:

    - ``"indicator"``: the indicator's fields in the order the draft writes them (``measure``, ``unit``, and
      ``value_label`` or ``numerator``/``denominator`` as the measure needs them);
    - ``"target"``: ``op``, ``value``, ``upper`` (for "between"), ``baseline_year`` (when there is one);
    - ``"aggregate"``: ``"each"`` when every agency must meet the target itself, else None;
    - ``"reviews"``: what a person should check: the reader's doubts still open, then the measure's own;
    - ``"notes"``: what the importer decided for sure, for the task's note line.
    """
    reviews = list(parsed.doubts)
    notes: list[str] = []
    indicator: dict = {"measure": parsed.measure}
    target: dict = {"op": parsed.op, "value": parsed.value}
    if parsed.op == "between":
        target["upper"] = parsed.upper
    baseline = parsed.baseline_year
    if parsed.measure == "change":
        if baseline is None and len(years_named) == 1:
            baseline = years_named[0]
            reviews = [r for r in reviews if r not in baseline_doubts()]
            notes.append(_("baseline year {year} read from the row's 'so với năm {year}'").format(year=baseline))
        elif baseline is None:
            baseline = (plan_year - 1) if plan_year else 2000
            reviews = [r for r in reviews if r not in baseline_doubts()]
            reviews.append(_("no baseline year stated; {year} assumed").format(year=baseline))
        unit = _quantity_unit(clause)
        reviews.append(_("percent change of a quantity whose unit was guessed as {unit!r}").format(
            unit=unit or _("none")))
        indicator["unit"] = unit
        indicator["value_label"] = _short(clause, 120)
    elif parsed.measure == "rate":
        indicator["unit"] = "%"
        indicator["numerator"] = "Số đạt yêu cầu"
        indicator["denominator"] = "Tổng số"
    elif parsed.measure == "done":
        indicator["unit"] = "%"
    else:
        indicator["unit"] = parsed.unit
        indicator["value_label"] = _short(clause, 120)
    if baseline is not None:
        target["baseline_year"] = baseline
    aggregate = "each" if per_agency and parsed.measure in ("rate", "count") else None
    return {"indicator": indicator, "target": target, "aggregate": aggregate, "reviews": reviews, "notes": notes}


def describe_target(indicator) -> str:
    """An indicator's target as ``parxl plan diff`` prints it: "tỷ lệ >= 95% (label)", "thay đổi < -10% so với
    2021 (label)".  ``indicator``: a plan's indicator (reads ``measure``, ``unit``, ``label`` and ``target``'s
    ``op``, ``value``, ``upper``, ``baseline_year``); two indicators whose descriptions are equal state the
    same target."""
    t = indicator.target
    base = _(" vs {year}").format(year=t.baseline_year) if t.baseline_year else ""
    if t.op == "done":
        value = _("done")
    elif t.op == "between":
        value = f"{t.value:g}..{t.upper:g}"
    else:
        value = f"{t.op} {t.value:g}"
    unit = "%" if indicator.measure in ("rate", "change") or indicator.unit == "%" else \
        f" {indicator.unit}" if indicator.unit else ""
    return f"{measure_word(indicator.measure)} {value}{unit}{base} ({indicator.label[:60]})"


def measure_word(measure: str) -> str:
    """A measure's name as the operator reads it (``rate`` → "tỷ lệ" in Vietnamese)."""
    words = {"rate": _("rate"), "count": _("count"), "change": _("change"), "done": _("done")}
    return words.get(measure, measure)


def _quantity_unit(clause: str) -> str:
    f = fold(clause)
    for noun, unit in (("don vi", "đơn vị"), ("bien che", "biên chế"), ("doanh nghiep", "doanh nghiệp"),
                       ("ty dong", "tỷ đồng"), ("trieu dong", "triệu đồng"), ("ho so", "hồ sơ"), ("ty le", "%")):
        if re.search(rf"\b{noun}\b", f):
            return unit
    return ""


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 3].rsplit(" ", 1)[0] + "..."
