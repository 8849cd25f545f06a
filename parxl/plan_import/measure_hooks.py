"""What the plan import and the plan diff ask of a measure: how a target phrase becomes an indicator
(:func:`spec_from_phrase`), how a diff describes an indicator's target (:func:`describe_target`), and the
measure's name as an operator reads it (:func:`measure_word`).

The measure's part of each is the measure's own (:mod:`parxl.measures`: ``Measure.draft``,
``Measure.needs_baseline``, ``Measure.each_by_agency``, ``Measure.figure_unit``, ``Measure.word``); this module
reads the phrase's words around it (the baseline year a row names, the unit its nouns suggest) and does not
branch on the kind, nor does any other room of the plan import but :mod:`.targets`, which guesses a kind from
the words.
"""
from __future__ import annotations

import re
from typing import Sequence

from ..i18n import _
from ..measures import MEASURES
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
    m = MEASURES[parsed.measure]
    reviews = list(parsed.doubts)
    notes: list[str] = []
    target: dict = {"op": parsed.op, "value": parsed.value}
    if parsed.op == "between":
        target["upper"] = parsed.upper
    baseline = parsed.baseline_year
    if m.needs_baseline and baseline is None:
        reviews = [r for r in reviews if r not in baseline_doubts()]
        if len(years_named) == 1:
            baseline = years_named[0]
            notes.append(_("baseline year {year} read from the row's 'so với năm {year}'").format(year=baseline))
        else:
            baseline = (plan_year - 1) if plan_year else 2000
            reviews.append(_("no baseline year stated; {year} assumed").format(year=baseline))
    fields, review = m.draft(parsed.unit, _short(clause, 120), _quantity_unit(clause))
    indicator = {"measure": parsed.measure, **fields}
    reviews += review
    if baseline is not None:
        target["baseline_year"] = baseline
    aggregate = "each" if per_agency and m.each_by_agency else None
    return {"indicator": indicator, "target": target, "aggregate": aggregate, "reviews": reviews, "notes": notes}


def describe_target(indicator) -> str:
    """An indicator's target as ``parxl plan diff`` prints it: "tỷ lệ >= 95% (label)", "thay đổi < -10% so với
    2021 (label)".  ``indicator``: a plan's indicator (reads ``measure``, ``unit``, ``label`` and ``target``'s
    ``op``, ``value``, ``upper``, ``baseline_year``); two indicators whose descriptions are equal state the
    same target."""
    t = indicator.target
    base = _(" vs {year}").format(year=t.baseline_year) if t.baseline_year else ""
    if t.value is None:              # a task's target: done by its deadline
        value = _("done")
    elif t.op == "between":
        value = f"{t.value:g}..{t.upper:g}"
    else:
        value = f"{t.op} {t.value:g}"
    u = MEASURES[indicator.measure].figure_unit(indicator)
    unit = "%" if u == "%" else f" {u}" if u else ""
    return f"{measure_word(indicator.measure)} {value}{unit}{base} ({indicator.label[:60]})"


def measure_word(measure: str) -> str:
    """A measure's name as the operator reads it (``rate`` → "tỷ lệ" in Vietnamese)."""
    return MEASURES[measure].word() if measure in MEASURES else measure


def _quantity_unit(clause: str) -> str:
    f = fold(clause)
    for noun, unit in (("don vi", "đơn vị"), ("bien che", "biên chế"), ("doanh nghiep", "doanh nghiệp"),
                       ("ty dong", "tỷ đồng"), ("trieu dong", "triệu đồng"), ("ho so", "hồ sơ"), ("ty le", "%")):
        if re.search(rf"\b{noun}\b", f):
            return unit
    return ""


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 3].rsplit(" ", 1)[0] + "..."
