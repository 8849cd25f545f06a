"""Each kind of indicator in one place: what the agency types, how its result is judged — in Python
for the merge and as the Excel formula of the workbook's self-check, side by side — how the province
figure is aggregated, and its display unit.  No other module branches on the measure kind.

The rules every kind shares are stated once, in this order (the self-check formula follows it too):

1. a status that is not one of the list, or a number the rules refuse (not a number, negative, a
   fraction where a whole number is asked, or above 1e300 — beyond it a spreadsheet's arithmetic
   overflows) → "Số liệu chưa hợp lệ";
2. status "Không phát sinh" → "Không phát sinh";
3. the kind's own refusals (numerator > denominator, a zero baseline) → "Số liệu chưa hợp lệ",
   and the kind's own "nothing arose" (a rate whose denominator is 0) → "Không phát sinh";
4. status "Hoàn thành" without evidence → "Thiếu minh chứng";
5. an input left blank → "Thiếu số liệu";
6. the target: "Đạt" / "Chưa đạt" (or "Đã ghi nhận" for a share of a province total); for a task
   (the completion measure), the target is its deadline (parxl.deadlines): "Hoàn thành" is "Đạt"; not done
   while the deadline lies after the period the report accounts for is "Đang thực hiện (chưa đến hạn)"
   or "Chưa thực hiện (chưa đến hạn)" — neither met nor failed, not counted against the agency or the
   province; not done once it has passed is "Chưa đạt (quá hạn)"; a recurring task ("Thường xuyên") is
   judged at each period on that period's work, and a deadline that could not be read as before: not done
   is "Chưa đạt".
   A numeric target that is reached by its deadline waits for it the same way (:meth:`Measure.waits`): a
   count with a floor ("ít nhất 03 cuộc/năm": ≥, >, =, between), counted over the year's cumulative window,
   and a change against a baseline year ("giảm 10% so với năm 2021"); short of it while the deadline lies
   after the period is "Đang thực hiện (chưa đến hạn)" ("Chưa thực hiện (chưa đến hạn)" when the status says
   so), short once it has passed is "Chưa đạt (quá hạn)", recurring or unread as before ("Chưa đạt"). A count
   over its ceiling ("= 0", "không quá 2", above a "between" or an "=") can only grow: "Chưa đạt" at once,
   whatever the period. A rate is judged at every period: a share of what the window held, not progress.

A number typed as text is read in Vietnamese notation — comma for decimals, dots (thousands) and
spaces ignored, a trailing % dropped — exactly as the formula's ``NUMBERVALUE(…; ","; ".")`` does;
a text without a digit (".", a tab, "%") is not a number, though NUMBERVALUE reads some as 0, and
neither is one beyond what a spreadsheet can hold (1e400); nor is a text whose one comma is followed by
exactly three digits ("1,200": 1,2 or 1.200? ``value.ambiguous-comma``), which the formula refuses too.

The workbook is issued for one period, so the formula has the period's place against the deadline
written into it: the same word as the merge's, without a date in the workbook to compare.

Both twins are held to each other by tests/test_parity.py: LibreOffice computes the formula on
random inputs and each row must show the merge's verdict word.
"""
from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Callable, ClassVar, NamedTuple

from .deadlines import Due
from .i18n import _
from .sheetnames import LIST_SHEET, MAX_TEXT
from .target import Target, exact, exact_sum
from .vocab import ProvinceVerdict, TaskStatus, Verdict

if TYPE_CHECKING:       # the plan model imports the measures (to validate its indicators), not the other way
    from .plan import Indicator

# the codes this module adds: why a row is not judged (Measure.reasons; parxl.checks adds them at their cells)
EMITS = frozenset({"value.numerator-gt-denominator", "value.zero-baseline", "value.zero-denominator",
                   "value.evidence-missing", "value.missing"})

NUMERIC_KEYS = ("numerator", "denominator", "value", "baseline")
TEXT_KEYS = ("status", "evidence", "doc_date", "issues", "proposals")


# -- what was typed ----------------------------------------------------------------------------------

@dataclass
class Inputs:
    """One row of a return, parsed: blank inputs are None; refused ones are listed in ``invalid``."""
    status: TaskStatus | None = None
    evidence: str | None = None
    numbers: dict[str, Fraction | None] = field(default_factory=dict)
    invalid: set[str] = field(default_factory=set)   # input keys the rules refuse (status included)

    def n(self, key: str) -> Fraction | None:
        return self.numbers.get(key)


class Reason(NamedTuple):
    """Why a row is not judged, as the finding the merge adds at the input's cell."""
    code: str
    key: str                              # the input whose cell it points at
    seen: Fraction | None = None
    expected: Fraction | None = None


class Judgement(NamedTuple):
    """A row's verdict and the figures behind it (a named tuple: one or two are made for every row of every
    return, each in a third of a frozen dataclass's time)."""
    verdict: Verdict
    value: Fraction | None = None        # the rate (%), the count, or the change (%)
    numerator: Fraction | None = None
    denominator: Fraction | None = None
    current: Fraction | None = None      # change: this year's figure
    baseline: Fraction | None = None
    gap: Fraction | None = None          # how far from the target (0 when met)


# -- the shared rules --------------------------------------------------------------------------------

def judge(ind: Indicator, inp: Inputs, period) -> Judgement:
    """The agency's verdict on one indicator in the report of ``period`` (a :class:`~parxl.periods.Period`),
    by the shared rules and its kind's own (:meth:`Rule.judge`; the merge uses the rules compiled once, see
    :func:`rules`)."""
    return Rule.of(ind, period).judge(inp)


# -- one indicator's rule, compiled once per plan and period ---------------------------------------------

@dataclass(frozen=True, eq=False)
class Rule:
    """One indicator's rule in the report of one period, worked out once: its measure, the inputs the agency
    types (and which are whole numbers), the plausible bound on them, and where the period stands against
    the task's deadline.  The merge judges every row of every return with it, the writer writes the
    self-check formula and the validations from it, and the parity test holds the two twins to each other
    through it."""
    indicator: Indicator
    measure: Measure
    period: object
    inputs: tuple[str, ...]
    numeric: dict[str, bool]                   # input key → whole number?, of every number typed
    bound: Fraction | None                     # the largest plausible number (None: nothing numeric)
    due: Due                                   # where the period stands against the deadline

    @classmethod
    def of(cls, ind: Indicator, period) -> "Rule":
        m = MEASURES[ind.measure]
        keys = m.inputs(ind)
        return cls(ind, m, period, keys, {k: m.whole(k) for k in keys if k in NUMERIC_KEYS},
                   ind.bound, ind.due.at(period))

    # the merge ----------------------------------------------------------------------------------------
    def judge(self, inp: Inputs) -> Judgement:
        """The shared rules, in order, around the measure's own (the module's docstring)."""
        m, ind = self.measure, self.indicator
        if inp.invalid:
            return Judgement(Verdict.INVALID)
        if inp.status is TaskStatus.NOT_APPLICABLE:
            return Judgement(Verdict.NOT_APPLICABLE)
        early = m.refuse(ind, inp)
        if early is not None:
            return Judgement(early)
        if inp.status is TaskStatus.DONE and not inp.evidence:
            return Judgement(Verdict.MISSING_EVIDENCE)
        if m.missing(ind, inp):
            return Judgement(Verdict.MISSING_DATA)
        return m.verdict(ind, inp, self.due)

    def rescale(self, inp: Inputs) -> tuple[str, Fraction, Fraction] | None:
        """A percentage typed as a fraction (0.42 beside a baseline of 40), read as the self-check reads it:
        (input key, as typed, as read), after setting it in ``inp``; None when there is none."""
        for key, other in (("value", "baseline"), ("baseline", "value")):
            scaled = self.measure.percent_as_fraction(self.indicator, inp, key, other)
            if scaled is not None:
                typed, inp.numbers[key] = inp.numbers[key], scaled
                return key, typed, scaled
        return None

    def implausible(self, inp: Inputs) -> list[tuple[str, Fraction]]:
        """The numbers above the indicator's plausible bound (kept, and reported at their cells)."""
        b = self.bound
        if b is None:
            return []
        # x > b in ints (a Fraction comparison costs a dozen Python calls, and every number of every return
        # is held to its bound)
        bn, bd = b.numerator, b.denominator
        return [(k, x) for k, x in inp.numbers.items() if x is not None and x.numerator * bd > bn * x.denominator]

    def reasons(self, verdict: Verdict, inp: Inputs) -> list[Reason]:
        """Why a row is not judged, as findings (code, input key, seen, expected): the measure's own reasons
        (a numerator above its denominator, a zero baseline...) or the shared ones (evidence missing, an input
        left blank).  The problems with single values were found as they were read."""
        return self.measure.reasons(self.indicator, verdict, inp)

    # the workbook -------------------------------------------------------------------------------------
    def formula(self, cell: Callable[[str], str]) -> str:
        """The self-check formula of the row whose input cells ``cell`` names: :meth:`judge` in Excel."""
        return _self_check(self, cell)

    def validation(self, key: str, cell: Callable[[str], str]) -> dict:
        """The Excel validation of the input ``key`` (an xlsxwriter ``data_validation`` dict; the writer fits
        its messages to Excel's limits): what the merge accepts, said where the agency types."""
        return self.measure.validation(self.indicator, key, cell, self.period)

    def computed(self, cell: Callable[[str], str]) -> tuple[str, str] | None:
        """A column the workbook computes for the agency to see (key, formula), if any."""
        return self.measure.computed_formula(self.indicator, Excel(cell))


def rules(plan, period) -> dict[str, Rule]:
    """Every indicator's :class:`Rule` for the report of ``period``, compiled once per plan and period."""
    per_plan = _COMPILED.setdefault(plan, {})
    got = per_plan.get(period)
    if got is None:
        got = per_plan[period] = {i.code: Rule.of(i, period) for i in plan.indicators}
    return got


_COMPILED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class Excel:
    """Builds the self-check formula from cell references: the Excel twin of :func:`judge`."""

    def __init__(self, cell: Callable[[str], str]):
        self.cell = cell

    def num(self, key: str) -> str:
        x = self.cell(key)
        # NUMBERVALUE reads a text without a digit as 0 ("." or a tab in LibreOffice, "" or "%" in Excel):
        # dividing by SIGN(the count of digits found) makes it the error it is for values.text_number
        return (f'IF(ISNUMBER({x}),{x},_xlfn.NUMBERVALUE(SUBSTITUTE(SUBSTITUTE({x},"%","")," ",""),",",".")'
                f'/SIGN(COUNT(FIND({{0,1,2,3,4,5,6,7,8,9}},{x}))))')

    def blank(self, key: str) -> str:
        return f'TRIM({self.cell(key)})=""'

    def refused(self, key: str, whole: bool) -> str:
        n = self.num(key)
        tests = [f"ISERROR({n})", f"{n}<0", f"{n}>1E+300"]   # values.MAX_NUMBER
        if whole:
            tests.append(f"{n}<>INT({n})")
        # IFERROR guards the comparisons: an unreadable text makes them errors, caught by ISERROR first
        # a text whose one comma is followed by exactly three digits ("1,200": values.comma_readings)
        ambiguous = f"IFERROR({self.ambiguous_comma(key)},FALSE)"
        return f'AND(NOT({self.blank(key)}),OR(IFERROR(OR({",".join(tests)}),TRUE),{ambiguous}))'

    def ambiguous_comma(self, key: str) -> str:
        """values.comma_readings in Excel: the text without spaces, tabs, line breaks and "%" is one comma
        with exactly three characters after it, 1 to 3 before it (a "+" aside), and its digits without
        the comma and sign are what the number read × 1000 writes (so: digits only, no leading zero)."""
        x = self.cell(key)
        t = x
        for gone in ('" "', '"%"', "CHAR(9)", "CHAR(10)", "CHAR(13)"):
            t = f'SUBSTITUTE({t},{gone},"")'
        plain = f'SUBSTITUTE(SUBSTITUTE({t},"+",""),",","")'
        return (f'AND(ISTEXT({x}),LEN({t})-LEN(SUBSTITUTE({t},",",""))=1,LEN({t})-FIND(",",{t})=3,'
                f'LEN({plain})>=4,LEN({plain})<=6,{plain}=TEXT(ROUND({self.num(key)}*1000,0),"0"))')

    def status_is(self, status: TaskStatus) -> str:
        return f'TRIM({self.cell("status")})="{status.value}"'

    def status_refused(self) -> str:
        st = f'TRIM({self.cell("status")})'
        listed = ",".join(f'{st}="{s.value}"' for s in TaskStatus)
        return f'AND({st}<>"",NOT(OR({listed})))'


def _word(v: Verdict) -> str:
    return f'"{v.vi}"'


def self_check_formula(ind: Indicator, cell: Callable[[str], str], period) -> str:
    """The workbook's self-check for one row of the workbook for ``period`` (:meth:`Rule.formula`)."""
    return Rule.of(ind, period).formula(cell)


def _self_check(rule: Rule, cell: Callable[[str], str]) -> str:
    """The shared rules, in :meth:`Rule.judge`'s order, around the kind's, as one Excel formula."""
    m, ind = rule.measure, rule.indicator
    x = Excel(cell)
    refused = ([f"ISERROR({cell(k)})" for k in rule.inputs if k not in NUMERIC_KEYS] + [x.status_refused()]
               + [x.refused(k, whole) for k, whole in rule.numeric.items()])
    kind_refused, kind_na = m.refuse_formula(ind, x)
    missing = m.missing_formula(ind, x)
    body = m.verdict_formula(ind, x, rule.due)
    parts = [(f"IFERROR(OR({','.join(refused)}),TRUE)", Verdict.INVALID),
             (x.status_is(TaskStatus.NOT_APPLICABLE), Verdict.NOT_APPLICABLE)]
    # AND() evaluates every argument: a blank input's NUMBERVALUE error must not escape
    if kind_refused:
        parts.append((f"IFERROR({kind_refused},FALSE)", Verdict.INVALID))
    if kind_na:
        parts.append((f"IFERROR({kind_na},FALSE)", Verdict.NOT_APPLICABLE))
    parts.append((f'AND({x.status_is(TaskStatus.DONE)},{x.blank("evidence")})', Verdict.MISSING_EVIDENCE))
    if missing:
        parts.append((missing, Verdict.MISSING_DATA))
    out = body
    for cond, verdict in reversed(parts):
        out = f"IF({cond},{_word(verdict)},{out})"
    return "=" + out


def _excel_number(x: Fraction | float) -> str:
    f = Fraction(repr(x)) if isinstance(x, float) else Fraction(x)
    return str(f.numerator) if f.denominator == 1 else f"({f.numerator}/{f.denominator})"


def target_formula(t: Target, lhs: str, scale: str | None = None) -> str:
    """``lhs op target`` in exact arithmetic: a rate n/d*100 ≥ v is written n*100 ≥ v*d (d > 0)."""
    def rhs(v):
        return f"{_excel_number(v)}*{scale}" if scale else _excel_number(v)
    if t.op == "between":
        return f"AND({lhs}>={rhs(t.value)},{lhs}<={rhs(t.upper)})"
    op = "=" if t.op == "=" else t.op
    return f"{lhs}{op}{rhs(t.value)}"


# -- the kinds ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProvinceFigure:
    indicator: str
    verdict: ProvinceVerdict
    value: Fraction | None
    numerator: Fraction | None       # ratio: Σ numerators; change: Σ this year; each: agencies meeting
    denominator: Fraction | None     # ratio: Σ denominators; change: Σ baselines; each: agencies counted
    required: int                    # agencies that must report it
    returned: int                    # ... whose valid return was merged
    assessed: int                    # ... whose data counted
    not_applicable: int              # ... that declared "Không phát sinh" (or had nothing arise)
    met: int                         # ... that met it on their own
    rule: str                        # "ratio" | "sum" | "each"
    not_due: int = 0                 # ... short of a target not yet due (a task not done, a count or change not
                                     # reached yet): not counted against the province; a sum or ratio adds their figures

    @property
    def unassessed(self) -> int:
        """Agencies it applies to that gave no usable data (one whose target is not yet due gave it)."""
        return self.required - self.not_applicable - self.assessed - self.not_due

    @property
    def coverage(self) -> str:
        """'34/38': agencies whose data counted (a figure short of a target not yet due counts in a total), of
        those the indicator applies to."""
        return f"{self.assessed + self.not_due}/{self.required - self.not_applicable}"

    def verdict_vi(self) -> str:
        """The verdict with what it counts (:meth:`~parxl.vocab.ProvinceVerdict.vi_counted`): a share of
        agencies not yet due says how many are done."""
        done = f"{self.met}/{self.required - self.not_applicable}" if self.rule == "each" else ""
        return self.verdict.vi_counted(self.coverage, done)


# The largest plausible value of an agency's input, when the plan gives no ``max`` for the
# indicator.  A value above it is kept but reported (``value.implausible``): a digit typed too
# many, or đồng typed where the plan asks for triệu đồng, flips a province rate without a word.
# Each bound is generous for a province (Quảng Nam: ~2,000 TTHC, ~30,000 staff, ~1.5 million
# hồ sơ a year), so a true figure does not trip it; a plan tightens or widens one with ``max``.
MAX_RATE_TERM = 10_000_000      # numerator/denominator: hồ sơ, văn bản, TTHC, people an agency handles in a year
MAX_COUNT = 100_000             # counts (and change figures) of documents, units, procedures, staff, firms
MAX_BY_UNIT = {                 # count/change figures whose unit says more than "how many"
    "%": 100,                   # a change indicator in % compares two shares of a whole, each at most 100%
    "tỷ đồng": 10_000_000,      # about Vietnam's yearly GDP: no province figure reaches it
    "triệu đồng": 10_000_000_000,
    "đồng": 10_000_000_000_000_000,
}


class Measure:
    kind: ClassVar[str]
    default_rule: ClassVar[str]
    bounds_target: ClassVar[bool] = False   # the target itself is an input-sized figure (a count)

    # the plan ----------------------------------------------------------------------------------------
    def spec_problem(self, spec) -> str | None:
        """What is wrong with a plan's indicator of this kind, if anything."""
        if spec.target.op == "done":
            return f"a {self.kind} indicator needs a numeric target"
        return None

    def default_max(self, unit: str) -> int | None:
        """The bound on the inputs when the plan gives no ``max`` (None: nothing numeric is typed)."""
        return MAX_BY_UNIT.get(unit.strip(), MAX_COUNT)

    def waits(self, ind: Indicator) -> bool:
        """Whether the target may still be reached up to the task's deadline, so that falling short of it
        before then is not failing it (a task, a count with a floor, a change): a rate does not wait."""
        return False

    def pending(self, ind: Indicator, value: Fraction) -> bool:
        """Whether a figure that misses the target may still reach it by the deadline (a count below its
        floor, not above its ceiling); only asked of a measure that :meth:`waits`."""
        return True

    def example(self, ind: Indicator, meet: bool, rng) -> dict:
        """Numbers an agency that meets (or misses) the target would type: for the demo and the tests."""
        return {}

    def inputs(self, ind: Indicator) -> tuple[str, ...]:
        """Every input the agency fills for this indicator (text inputs first)."""
        raise NotImplementedError

    def whole(self, key: str) -> bool:
        return False

    def unit(self, ind: Indicator, rule: str) -> str:
        """The unit of the province figure."""
        return "%" if rule == "each" else self.figure_unit(ind)

    # Python twins ------------------------------------------------------------------------------------
    def percent_as_fraction(self, ind: Indicator, inp: Inputs, key: str, other: str) -> Fraction | None:
        """``key``'s value read as a percentage when it was typed as a fraction (0.42 for 42%), else None."""
        return None

    def refuse(self, ind: Indicator, inp: Inputs) -> Verdict | None:
        return None

    def missing(self, ind: Indicator, inp: Inputs) -> bool:
        return any(inp.n(k) is None for k in self.inputs(ind) if k in NUMERIC_KEYS)

    def verdict(self, ind: Indicator, inp: Inputs, due: Due) -> Judgement:
        """The verdict on complete, valid inputs; ``due``: where the period stands against the task's deadline."""
        raise NotImplementedError

    # Excel twins -------------------------------------------------------------------------------------
    def refuse_formula(self, ind: Indicator, x: Excel) -> tuple[str | None, str | None]:
        return None, None

    def missing_formula(self, ind: Indicator, x: Excel) -> str | None:
        keys = [k for k in self.inputs(ind) if k in NUMERIC_KEYS]
        return f"OR({','.join(x.blank(k) for k in keys)})" if keys else None

    def verdict_formula(self, ind: Indicator, x: Excel, due: Due) -> str:
        raise NotImplementedError

    def computed_formula(self, ind: Indicator, x: Excel) -> tuple[str, str] | None:
        """A column the workbook computes for the agency to see (key, formula), if any."""
        return None

    # why a row is not judged -------------------------------------------------------------------------
    def reasons(self, ind: Indicator, verdict: Verdict, inp: Inputs) -> list[Reason]:
        """The findings (code, input key, seen, expected) that say why ``verdict`` is not a judgement: the
        shared ones here, a kind's own refusals in its class."""
        if verdict is Verdict.MISSING_EVIDENCE:
            return [Reason("value.evidence-missing", "evidence")]
        if verdict is Verdict.MISSING_DATA:
            return [Reason("value.missing", k) for k in self.inputs(ind) if k in NUMERIC_KEYS and inp.n(k) is None]
        return []

    # the validations the agency meets as it types --------------------------------------------------------
    def validation(self, ind: Indicator, key: str, cell: Callable[[str], str], period) -> dict:
        """The Excel validation of input ``key`` (an xlsxwriter ``data_validation`` dict): the shared inputs
        here, the kind's numbers in :meth:`number_validation`."""
        if key in NUMERIC_KEYS:
            return self.number_validation(ind, key, cell)
        if key == "status":
            return {"validate": "list", "source": f"={LIST_SHEET}!$A$1:$A${len(TaskStatus)}",
                    "input_title": "Tình trạng", "input_message": f"Chọn trong danh sách. {_target(ind)}",
                    "error_message": "Chỉ chọn một tình trạng trong danh sách."}
        if key == "doc_date":
            lo, hi = period.evidence_window
            return {"validate": "date", "criteria": "between", "minimum": lo, "maximum": hi,
                    "input_title": "Ngày văn bản", "input_message": "Ngày ban hành văn bản minh chứng, dạng dd/mm/yyyy.",
                    "error_message": f"Ngày phải từ {lo:%d/%m/%Y} đến hạn gửi {hi:%d/%m/%Y}."}
        title = {"evidence": "Minh chứng", "issues": "Khó khăn, vướng mắc", "proposals": "Đề xuất, kiến nghị"}[key]
        msg = {"evidence": "Số, ký hiệu, ngày của văn bản hoặc đường dẫn minh chứng."}.get(
            key, "Ghi ngắn gọn, tối đa 2000 ký tự.")
        return {"validate": "length", "criteria": "<=", "value": MAX_TEXT, "input_title": title,
                "input_message": msg, "error_message": f"Tối đa {MAX_TEXT} ký tự."}

    def number_validation(self, ind: Indicator, key: str, cell: Callable[[str], str]) -> dict:
        """The validation of a number the kind asks for ("Kết quả": a whole number for a count)."""
        if self.whole(key):
            return {"validate": "integer", "criteria": ">=", "value": 0, "input_title": "Kết quả",
                    "input_message": f"{ind.value_label or ind.label}. Số nguyên ≥ 0. {_target(ind)}",
                    "error_message": "Kết quả phải là số nguyên không âm."}
        return {"validate": "decimal", "criteria": ">=", "value": 0, "input_title": "Kết quả",
                "input_message": f"{ind.value_label or ind.label}. {_target(ind)}",
                "error_message": "Kết quả phải là số không âm."}

    # the year ----------------------------------------------------------------------------------------
    def carried_over(self, ind: Indicator, last: dict, same_year: bool, same_plan_version: bool) -> dict:
        """The inputs prefilled on the row of the next period's workbook from what the agency reported
        (``last``: its row as the ledger recorded it, decoded): input key → value.  Shared by every kind: the
        baseline-year figure, only under the same plan version (a new version may move the baseline year)."""
        out: dict = {}
        base = last.get("baseline")
        if "baseline" in self.inputs(ind) and base is not None and base > 0 and same_plan_version:
            out["baseline"] = base
        return out

    numeric: ClassVar[bool] = True          # the agency types a figure (a task's completion is a status)
    running_total: ClassVar[bool] = False   # its figures count things since the year's start, by default

    def cumulative(self, ind: Indicator) -> bool:
        """Whether the figures typed are running totals since the year's start, which cannot fall from one
        period to the next (the plan's ``cumulative``, else the kind's default: counts are, rates are not —
        a rate's denominator is often a stock such as procedures in force or staff)."""
        return self.running_total if ind.spec.cumulative is None else ind.spec.cumulative

    # the plan import and the plan diff --------------------------------------------------------------------
    each_by_agency: ClassVar[bool] = False  # a target set "for each agency" is met agency by agency (rule "each")
    needs_baseline: ClassVar[bool] = False  # the target compares with a baseline year

    def word(self) -> str:
        """The kind's name as the operator reads it ("tỷ lệ" in Vietnamese)."""
        raise NotImplementedError

    def figure_unit(self, ind: Indicator) -> str:
        """The unit of the figure an agency's inputs make ("%" for a rate or a change)."""
        return ind.unit

    def draft(self, unit: str, label: str, quantity_unit: str) -> tuple[dict, list[str]]:
        """The indicator fields (beyond ``measure``) a target phrase of this kind drafts in ``plan import``, in
        the order the draft writes them, and what a person should review.  ``unit``: the phrase's own unit;
        ``label``: the row's words, shortened; ``quantity_unit``: the unit the row's words suggest."""
        return {"unit": unit, "value_label": label}, []

    # province ----------------------------------------------------------------------------------------
    def aggregate(self, ind: Indicator, results: list, returned: int, period) -> ProvinceFigure:
        """The province figure in the report of ``period`` from every reporter's result."""
        rule = ind.aggregation
        if rule == "each":
            return _each(ind, results, returned, self.share_target(ind), self._not_yet(ind, period))
        raise ValueError(f"{self.kind} indicators cannot be aggregated by {rule!r}")

    def share_target(self, ind: Indicator) -> Target:
        """For the rule "each": what share of the agencies must meet it (100% unless the plan says)."""
        return Target(op=">=", value=100, text="100%")

    def _not_yet(self, ind: Indicator, period) -> bool:
        """The target waits for a deadline that lies after ``period``."""
        return self.waits(ind) and ind.due.at(period) is Due.NOT_YET


def _target(ind: Indicator) -> str:
    return f"Mục tiêu: {ind.target_vi()}."


def _met(t: Target, value: Fraction) -> Judgement:
    if t.holds(value):
        return Judgement(Verdict.MET, value=value, gap=Fraction(0))     # what t.gap(value) is when met
    return Judgement(Verdict.NOT_MET, value=value, gap=t.gap(value))


def _short(due: Due, status: TaskStatus | None) -> Verdict:
    """Short of a target that waits for its deadline (a task not done, a count below its floor, a change not
    yet reached), by where the period stands against the deadline: not yet due → not failed (the status
    says in progress or not started); passed → overdue; recurring or unread → "Chưa đạt", as before."""
    if due is Due.NOT_YET:
        return Verdict.NOT_STARTED_NOT_DUE if status is TaskStatus.NOT_STARTED else Verdict.IN_PROGRESS_NOT_DUE
    return Verdict.OVERDUE if due is Due.PASSED else Verdict.NOT_MET


def _short_formula(x: "Excel", due: Due) -> str:
    """:func:`_short` in Excel, for the period the workbook is issued for."""
    started = _word(_short(due, TaskStatus.IN_PROGRESS))
    idle = _word(_short(due, TaskStatus.NOT_STARTED))
    return started if started == idle else f"IF({x.status_is(TaskStatus.NOT_STARTED)},{idle},{started})"


class Rate(Measure):
    kind, default_rule = "rate", "ratio"
    each_by_agency = True

    def word(self):
        return _("rate")

    def figure_unit(self, ind):
        return "%"

    def draft(self, unit, label, quantity_unit):
        return {"unit": "%", "numerator": "Số đạt yêu cầu", "denominator": "Tổng số"}, []

    def spec_problem(self, spec):
        if not (spec.numerator and spec.denominator):
            return "a rate needs numerator and denominator labels"
        if spec.unit != "%":
            return "a rate's unit is '%'"
        return super().spec_problem(spec)

    def default_max(self, unit):
        return MAX_RATE_TERM

    def example(self, ind, meet, rng):
        t = ind.target
        d = rng.randrange(20, 2000)
        lo = exact(t.value) * d / 100
        if meet:
            if t.op == "between":
                n = min(d, math.ceil(lo) + rng.randrange(0, max(1, d // 20)))
            else:
                n = min(d, math.floor(lo) + 1 + rng.randrange(0, max(1, (d - math.floor(lo)))))
                if t.op == ">=" and t.value == 100:
                    n = d
        else:
            n = max(0, math.ceil(lo) - 1 - rng.randrange(0, max(1, d // 10)))
        return {"numerator": n, "denominator": d}

    def inputs(self, ind):
        return TEXT_KEYS + ("numerator", "denominator")

    def whole(self, key):
        return key in ("numerator", "denominator")

    def refuse(self, ind, inp):
        n, d = inp.n("numerator"), inp.n("denominator")
        if d is not None and n is not None and n > d:
            return Verdict.INVALID
        if d == 0 and not n:
            return Verdict.NOT_APPLICABLE        # nothing arose: 0 cases, so no rate
        return None

    def reasons(self, ind, verdict, inp):
        n, d = inp.n("numerator"), inp.n("denominator")
        if verdict is Verdict.INVALID and not inp.invalid:
            return [Reason("value.numerator-gt-denominator", "numerator", n, d)]
        if verdict is Verdict.NOT_APPLICABLE and inp.status is not TaskStatus.NOT_APPLICABLE:
            return [Reason("value.zero-denominator", "denominator")]
        return super().reasons(ind, verdict, inp)

    def number_validation(self, ind, key, cell):
        if key == "numerator":
            c, d = cell("numerator"), cell("denominator")
            return {"validate": "custom",
                    "value": f'=AND(ISNUMBER({c}),{c}>=0,{c}=INT({c}),OR(NOT(ISNUMBER({d})),{c}<={d}))',
                    "input_title": "Tử số",
                    "input_message": f"{ind.numerator}. Số nguyên ≥ 0, không lớn hơn mẫu số. {_target(ind)}",
                    "error_message": "Tử số phải là số nguyên không âm và không lớn hơn mẫu số."}
        return {"validate": "integer", "criteria": ">=", "value": 0, "input_title": "Mẫu số",
                "input_message": f"{ind.denominator}. Số nguyên ≥ 0.",
                "error_message": "Mẫu số phải là số nguyên không âm."}

    def verdict(self, ind, inp, due):
        n, d = inp.n("numerator"), inp.n("denominator")
        j = _met(ind.target, Fraction(n.numerator * 100 * d.denominator, n.denominator * d.numerator))  # n * 100 / d
        return Judgement(j.verdict, j.value, n, d, gap=j.gap)

    def refuse_formula(self, ind, x):
        n, d = x.num("numerator"), x.num("denominator")
        both = f'NOT({x.blank("numerator")}),NOT({x.blank("denominator")})'
        return (f"AND({both},{n}>{d})",
                f'AND(NOT({x.blank("denominator")}),{d}=0,IF({x.blank("numerator")},TRUE,{n}=0))')

    def verdict_formula(self, ind, x, due):
        n, d = x.num("numerator"), x.num("denominator")
        return f'IF({target_formula(ind.target, f"{n}*100", d)},{_word(Verdict.MET)},{_word(Verdict.NOT_MET)})'

    def computed_formula(self, ind, x):
        n, d = x.num("numerator"), x.num("denominator")
        return "value", (f'=IFERROR(IF(OR({x.blank("numerator")},{x.blank("denominator")},{d}<=0),"",'
                         f'ROUND({n}/{d}*100,2)),"")')

    def aggregate(self, ind, results, returned, period):
        if ind.aggregation != "ratio":
            return super().aggregate(ind, results, returned, period)
        used = [r for r in results if r.verdict.assessed]
        num = exact_sum(r.numerator for r in used)
        den = exact_sum(r.denominator for r in used)
        value = num * 100 / den if den else None
        return _figure(ind, results, returned, value, num, den, None, False)


class Count(Measure):
    kind, default_rule = "count", "sum"
    bounds_target = True
    running_total = True
    each_by_agency = True

    def word(self):
        return _("count")

    def example(self, ind, meet, rng):
        t = ind.target
        v = int(t.value)
        if t.op == "=":
            return {"value": v if meet else v + 1 + rng.randrange(3)}
        return {"value": v + rng.randrange(0, 4) if meet else max(0, v - 1 - rng.randrange(max(1, v)))}

    def inputs(self, ind):
        return TEXT_KEYS + ("value",)

    def whole(self, key):
        return key == "value"

    @staticmethod
    def _province_total(ind: Indicator) -> bool:
        """A target on the province's total that several agencies add to (VI.3: at least 2 units)."""
        return ind.aggregation == "sum" and len(ind.reporters) > 1

    @staticmethod
    def _ceiling(t: Target) -> Fraction | None:
        """The largest total that can meet the target, when it has one."""
        if t.op in ("<=", "="):
            return exact(t.value)
        if t.op == "between":
            return exact(t.upper)
        return None

    def waits(self, ind):
        """A count with a floor (≥, >, between, "=" a positive number) grows toward it over the year's
        cumulative window; "= 0" is a ceiling only."""
        t = ind.target
        return t.op in (">", ">=", "between") or (t.op == "=" and t.value > 0)

    def pending(self, ind, value):
        """Below the floor: more can still reach it (above a ceiling it is broken for good)."""
        t = ind.target
        return value <= exact(t.value) if t.op == ">" else value < exact(t.value)

    def _below_formula(self, ind, v: str) -> str | None:
        """:meth:`pending` in Excel on a figure that misses the target; None: always (a bare floor)."""
        t = ind.target
        return None if t.op in (">", ">=") else f"{v}<{_excel_number(t.value)}"

    def verdict(self, ind, inp, due):
        v, t = inp.n("value"), ind.target
        if self._province_total(ind):
            ceiling = self._ceiling(t)
            over = (v >= exact(t.value)) if t.op == "<" else (ceiling is not None and v > ceiling)
            # alone it already breaks the province's ceiling; otherwise it is a contribution
            j = Judgement(Verdict.NOT_MET if over else Verdict.CONTRIBUTES, value=v, current=v)
            return j
        j = _met(t, v)
        verdict = j.verdict
        if verdict is Verdict.NOT_MET and self.waits(ind) and self.pending(ind, v):
            verdict = _short(due, inp.status)
        return Judgement(verdict, v, current=v, gap=j.gap)

    def verdict_formula(self, ind, x, due):
        v, t = x.num("value"), ind.target
        if self._province_total(ind):
            ceiling = self._ceiling(t)
            if t.op == "<":
                over = f"{v}>={_excel_number(t.value)}"
            elif ceiling is not None:
                over = f"{v}>{_excel_number(ceiling)}"
            else:
                return _word(Verdict.CONTRIBUTES)
            return f"IF({over},{_word(Verdict.NOT_MET)},{_word(Verdict.CONTRIBUTES)})"
        short = _word(Verdict.NOT_MET)
        if self.waits(ind):
            word, below = _short_formula(x, due), self._below_formula(ind, v)
            short = word if below is None else f"IF({below},{word},{short})"
        return f'IF({target_formula(t, v)},{_word(Verdict.MET)},{short})'

    def aggregate(self, ind, results, returned, period):
        if ind.aggregation != "sum":
            return super().aggregate(ind, results, returned, period)
        used = _counted(results)
        value = exact_sum(r.value for r in used) if used else None
        pending = self._not_yet(ind, period) and value is not None and self.pending(ind, value)
        return _figure(ind, results, returned, value, None, None, "increasing", pending)


class Change(Measure):
    kind, default_rule = "change", "sum"
    needs_baseline = True

    def word(self):
        return _("change")

    def figure_unit(self, ind):
        return "%"

    def draft(self, unit, label, quantity_unit):
        return {"unit": quantity_unit, "value_label": label}, [
            _("percent change of a quantity whose unit was guessed as {unit!r}").format(unit=quantity_unit or _("none"))]

    def spec_problem(self, spec):
        if spec.target.baseline_year is None:
            return "a change target needs baseline_year"
        return super().spec_problem(spec)

    def waits(self, ind):
        """A change against a baseline year is reached by the deadline (this year's figure may move either way)."""
        return True

    def example(self, ind, meet, rng):
        t = ind.target
        base = rng.randrange(50, 5000)
        step = rng.uniform(2, 8) if t.op in (">", ">=") else -rng.uniform(2, 8)
        pct = float(t.value) + (step if meet else -step)
        cur = round(base * (1 + pct / 100))
        return {"value": cur, "baseline": base} if t.baseline_value is None else {"value": cur}

    def inputs(self, ind):
        keys = TEXT_KEYS + ("value", "baseline")
        if ind.target.baseline_value is not None:
            keys = keys[:-1]          # the plan knows the baseline: prefilled and locked
        return keys

    def _baseline(self, ind, inp) -> Fraction | None:
        if ind.target.baseline_value is not None:
            return exact(ind.target.baseline_value)
        return inp.n("baseline")

    def percent_as_fraction(self, ind, inp, key, other):
        """A share typed as 0.42 beside a figure above 1 (42 or 40%) meant 42%: both sides then read alike."""
        if ind.unit != "%" or key not in self.inputs(ind):
            return None
        x = inp.n(key)
        y = self._baseline(ind, inp) if other == "baseline" else inp.n(other)
        if x is not None and y is not None and 0 < x <= 1 < y:
            return x * 100
        return None

    def refuse(self, ind, inp):
        b = self._baseline(ind, inp)
        return Verdict.INVALID if b == 0 else None

    def reasons(self, ind, verdict, inp):
        if verdict is Verdict.INVALID and not inp.invalid:
            return [Reason("value.zero-baseline", "baseline")]
        return super().reasons(ind, verdict, inp)

    def number_validation(self, ind, key, cell):
        if key == "baseline":
            y = ind.target.baseline_year
            return {"validate": "decimal", "criteria": ">", "value": 0, "input_title": f"Số liệu năm {y}",
                    "input_message": f"Số liệu cùng loại của năm {y} (năm gốc), lớn hơn 0.",
                    "error_message": "Số liệu năm gốc phải là số lớn hơn 0."}
        return super().number_validation(ind, key, cell)

    def verdict(self, ind, inp, due):
        v, b = inp.n("value"), self._baseline(ind, inp)
        j = _met(ind.target, (v - b) * 100 / b)
        verdict = j.verdict if j.verdict is Verdict.MET else _short(due, inp.status)
        return Judgement(verdict, j.value, current=v, baseline=b, gap=j.gap)

    def _raw_b(self, ind, x):
        if ind.target.baseline_value is not None:
            return _excel_number(ind.target.baseline_value)
        return x.num("baseline")

    def _v(self, ind, x):
        """This year's figure as judged: rescaled like percent_as_fraction."""
        v, b = x.num("value"), self._raw_b(ind, x)
        return f"IF(AND({v}>0,{v}<=1,{b}>1),{v}*100,{v})" if ind.unit == "%" else v

    def _b(self, ind, x):
        v, b = x.num("value"), self._raw_b(ind, x)
        if ind.unit != "%" or ind.target.baseline_value is not None:
            return b
        return f"IF(AND({b}>0,{b}<=1,{v}>1),{b}*100,{b})"

    def refuse_formula(self, ind, x):
        if ind.target.baseline_value is not None:
            return None, None
        return f'AND(NOT({x.blank("baseline")}),{x.num("baseline")}=0)', None

    def verdict_formula(self, ind, x, due):
        v, b = self._v(ind, x), self._b(ind, x)
        return f'IF({target_formula(ind.target, f"({v}-{b})*100", b)},{_word(Verdict.MET)},{_short_formula(x, due)})'

    def computed_formula(self, ind, x):
        v, b = self._v(ind, x), self._b(ind, x)
        blank_b = x.blank("baseline") if ind.target.baseline_value is None else "FALSE"
        return "change", (f'=IFERROR(IF(OR({x.blank("value")},{blank_b},{b}<=0),"",'
                          f'ROUND(({v}-{b})/{b}*100,2)),"")')

    def aggregate(self, ind, results, returned, period):
        if ind.aggregation != "sum":
            return super().aggregate(ind, results, returned, period)
        used = _counted(results)
        cur = exact_sum(r.current for r in used)
        base = exact_sum(r.baseline for r in used)
        value = (cur - base) * 100 / base if base else None
        pending = self._not_yet(ind, period) and value is not None and self.pending(ind, value)
        return _figure(ind, results, returned, value, cur, base, None, pending)


class Done(Measure):
    kind, default_rule = "done", "each"
    numeric = False

    def word(self):
        return _("done")

    def draft(self, unit, label, quantity_unit):
        return {"unit": "%"}, []

    def waits(self, ind):
        return True

    def spec_problem(self, spec):
        if spec.max is not None:
            return "a 'done' indicator takes no max: nothing numeric is typed"
        return None

    def default_max(self, unit):
        return None

    def inputs(self, ind):
        return TEXT_KEYS

    def missing(self, ind, inp):
        return inp.status is None

    def missing_formula(self, ind, x):
        return x.blank("status")

    def carried_over(self, ind, last, same_year, same_plan_version):
        """A task done earlier in the year, with its evidence, stays done: prefilled as it was reported."""
        out = super().carried_over(ind, last, same_year, same_plan_version)
        if same_year and last.get("status") is TaskStatus.DONE and last.get("evidence"):
            out["status"], out["evidence"] = TaskStatus.DONE, last["evidence"]
            if last.get("doc_date"):
                out["doc_date"] = last["doc_date"]
        return out

    def reasons(self, ind, verdict, inp):
        if verdict is Verdict.MISSING_DATA:
            return [Reason("value.missing", "status")] if inp.status is None else []
        return super().reasons(ind, verdict, inp)

    def verdict(self, ind, inp, due):
        if inp.status is TaskStatus.DONE:
            return Judgement(Verdict.MET)
        return Judgement(_short(due, inp.status))     # not done: "Đang thực hiện" or "Chưa thực hiện"

    def verdict_formula(self, ind, x, due):
        return f'IF({x.status_is(TaskStatus.DONE)},{_word(Verdict.MET)},{_short_formula(x, due)})'

    def share_target(self, ind):
        return ind.target if ind.target.op != "done" else super().share_target(ind)


MEASURES: dict[str, Measure] = {m.kind: m for m in (Rate(), Count(), Change(), Done())}


def measure_of(ind: Indicator) -> Measure:
    return MEASURES[ind.measure]


# -- province figures, honest about coverage -----------------------------------------------------------

def _counts(results: list) -> tuple[int, int, int]:
    assessed = sum(r.verdict.assessed for r in results)
    na = sum(r.verdict is Verdict.NOT_APPLICABLE for r in results)
    met = sum(r.verdict is Verdict.MET for r in results)
    return assessed, na, met


def _counted(results: list) -> list:
    """The results whose figures enter a province total: judged, or short of a target not yet due (the
    year's figure so far counts toward the province's, though it is not held against the agency)."""
    return [r for r in results if r.verdict.assessed or r.verdict.not_due]


def _figure(ind, results, returned, value, num, den, monotone: str | None, pending: bool) -> ProvinceFigure:
    """A total over the agencies that reported.  Final only when every agency it applies to counted,
    or when no further agency could change the outcome (``monotone="increasing"``: values only add).

    ``pending``: the total misses a target that waits for a deadline after the period, and may still reach
    it — "Chưa đến hạn", not failed; reached, it is "Đạt" (final when more returns can only add)."""
    assessed, na, met = _counts(results)
    not_due = sum(r.verdict.not_due for r in results)
    unassessed = len(results) - na - assessed - not_due
    t = ind.target
    if value is None:
        verdict = ProvinceVerdict.NOT_APPLICABLE if results and na == len(results) else ProvinceVerdict.NOT_ASSESSABLE
    else:
        holds = t.holds(value)
        final = unassessed == 0 or (monotone == "increasing" and _settled(t, value, holds))
        if not holds and pending:
            verdict = ProvinceVerdict.NOT_DUE
        else:
            verdict = ((ProvinceVerdict.MET if holds else ProvinceVerdict.NOT_MET) if final else
                       (ProvinceVerdict.PROVISIONAL_MET if holds else ProvinceVerdict.PROVISIONAL_NOT_MET))
    return ProvinceFigure(ind.code, verdict, value, num, den, len(results), returned, assessed, na, met,
                          ind.aggregation, not_due)


def _settled(t: Target, total: Fraction, holds: bool) -> bool:
    """Whether adding any amount ≥ 0 to ``total`` leaves the verdict as it is."""
    if t.op in (">", ">="):
        return holds                       # at least N: once reached, more cannot undo it
    if t.op in ("<", "<=", "="):
        return not holds and total > exact(t.value)   # already over the ceiling
    if t.op == "between":
        return total > exact(t.upper)
    return False


def _each(ind, results, returned, share: Target, not_yet: bool = False) -> ProvinceFigure:
    """The share of agencies that meet it, counting an agency without usable data as not meeting it:
    final when that share holds, or when it fails even if every missing agency met it.

    Before a task's deadline (``not_yet``) the share cannot fail: "Đạt" once it holds (counting every agency
    not done as not meeting it), else "Chưa đến hạn", with the share done so far as its value."""
    assessed, na, met = _counts(results)
    not_due = sum(r.verdict.not_due for r in results)
    applies = len(results) - na
    if applies == 0:
        verdict = ProvinceVerdict.NOT_APPLICABLE if results else ProvinceVerdict.NOT_ASSESSABLE
        return ProvinceFigure(ind.code, verdict, None, Fraction(met), Fraction(0), len(results), returned,
                              assessed, na, met, "each", not_due)
    unassessed = applies - assessed
    low = Fraction(met * 100, applies)
    high = Fraction((met + unassessed) * 100, applies)
    broken = sum(r.verdict is Verdict.NOT_MET for r in results)    # before the deadline: over a ceiling, for good
    if share.holds(low):
        verdict = ProvinceVerdict.MET
    elif not_yet and not share.holds(Fraction((applies - broken) * 100, applies)):
        verdict = ProvinceVerdict.NOT_MET
    elif not_yet:
        verdict = ProvinceVerdict.NOT_DUE
    elif not share.holds(high):
        verdict = ProvinceVerdict.NOT_MET
    else:
        verdict = ProvinceVerdict.PROVISIONAL_NOT_MET
    if assessed == 0 and not not_due:
        verdict = ProvinceVerdict.NOT_ASSESSABLE
    return ProvinceFigure(ind.code, verdict, low, Fraction(met), Fraction(applies), len(results), returned,
                          assessed, na, met, "each", not_due)
