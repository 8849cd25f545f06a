"""A plan's target and the exact arithmetic it is judged in: below the plan model and the measures, which both
use it (a plan validates its indicators by their measure; a measure judges a figure against its target)."""
from __future__ import annotations

import functools
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from .i18n import _
from .vocab import format_number

Op = Literal[">", ">=", "=", "<=", "<", "between", "done"]


@functools.lru_cache(maxsize=4096)
def exact(x: float) -> Fraction:
    """A figure of the plan as the decimal it is written as (95.5 → 191/2, not the nearest double).

    Memoized: every row of every return is judged against the same few figures."""
    return Fraction(str(x))


def exact_sum(xs) -> Fraction:
    """The exact sum of Fractions, as ``sum(xs, Fraction(0))`` gives it: whole numbers (what agencies type
    nearly always) are added as ints, the rest as Fractions (a Fraction addition costs some 100 times an
    int's, and a province total adds one figure per agency)."""
    whole, parts = 0, []
    for x in xs:
        if x.denominator == 1:
            whole += x.numerator
        else:
            parts.append(x)
    return sum(parts, Fraction(whole))


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Op
    value: float | None = None
    upper: float | None = None
    baseline_year: int | None = None
    baseline_value: float | None = None  # the plan's own baseline, when it knows it
    text: str = ""                        # the seed's words: "trên 95%", "ít nhất 03"

    @model_validator(mode="after")
    def _shape(self):
        if self.op == "done":
            if self.value is not None or self.upper is not None:
                raise ValueError(_("a 'done' target takes no value"))
        elif self.value is None:
            raise ValueError(_("op {op!r} needs a value").format(op=self.op))
        if self.op == "between" and (self.upper is None or self.upper < self.value):
            raise ValueError(_("'between' needs upper >= value"))
        if self.op != "between" and self.upper is not None:
            raise ValueError(_("only 'between' takes upper"))
        return self

    def holds(self, x: Fraction) -> bool:
        v = exact(self.value) if self.value is not None else None
        match self.op:
            case ">": return x > v
            case ">=": return x >= v
            case "=": return x == v
            case "<=": return x <= v
            case "<": return x < v
            case "between": return v <= x <= exact(self.upper)
        raise ValueError("a 'done' target is not numeric")

    def gap(self, x: Fraction) -> Fraction | None:
        """How far x is from the target's bound (0 when met).  Never 0 when not met: at a strict bound
        (285/300 = 95% against "> 95%") there is no nearest value that meets it, and the gap is None (empty)."""
        if self.op == "done" or self.holds(x):
            return Fraction(0)
        v = exact(self.value)
        if self.op in (">", "<") and x == v:
            return None
        if self.op in (">", ">="):
            return v - x
        if self.op in ("<", "<="):
            return x - v
        if self.op == "between":
            return v - x if x < v else x - exact(self.upper)
        return abs(x - v)

    def describe_vi(self, unit: str) -> str:
        """A short Vietnamese statement of the target, from the data."""
        if self.op == "done":
            return self.text or "Hoàn thành"
        u = "%" if unit == "%" else f" {unit}" if unit else ""
        num = lambda x: fmt_number(x) + u  # noqa: E731
        base = f" so với năm {self.baseline_year}" if self.baseline_year else ""
        words = {">": "trên", ">=": "từ", "=": "bằng", "<=": "không quá", "<": "dưới"}
        if self.op == "between":
            return f"từ {num(self.value)} đến {num(self.upper)}"
        return f"{words[self.op]} {num(self.value)}{base}"


def fmt_number(x: float | Fraction | None) -> str:
    """A number as Vietnamese writes it (vocab.format_number, to 2 decimals)."""
    return format_number(x)
