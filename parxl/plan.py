"""The plan catalog: sections, tasks, indicators and targets, loaded from TOML.

Loading reports every problem at once (:class:`PlanError`), each with the file and
the path inside it, and resolves every agency phrase through the registry.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .agencies import Assignee, Registry
from .deadlines import Deadline, deadline as read_deadline
from .errors import PlanError, Problem, RegistryError, validation_problems
from .i18n import _, ngettext, os_reason
from .measures import MEASURES
from .periods import REPORT_VI
from .target import Op, Target, exact, fmt_number  # noqa: F401 (re-exported: the plan's targets)
from .vocab import Role

Measure = Literal["rate", "count", "change", "done"]
Aggregate = Literal["ratio", "sum", "each"]
ReportedBy = Literal["lead", "coordinators", "both"]

_BAD_SHEET_CHARS = set("[]:*?/\\")
MAX_TARGET_TEXT = 90     # keeps every input message under Excel's 255 characters
MAX_LABEL = 400

class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IndicatorSpec(_Model):
    label: str = Field(max_length=MAX_LABEL)
    unit: str = ""
    measure: Measure
    target: Target
    reported_by: ReportedBy = "lead"
    reporters: tuple[str, ...] = ()     # phrases narrowing who reports
    aggregate: Aggregate | None = None
    numerator: str | None = None        # what the numerator counts (rates)
    denominator: str | None = None
    value_label: str | None = None      # what "Kết quả" holds (counts, changes)
    # whether the figures typed are running totals since the year's start (dossiers received, meetings held),
    # which cannot fall from one period to the next of a year; default: counts yes, rates no (a rate's
    # denominator is often a stock: procedures in force, staff, agencies)
    cumulative: bool | None = None
    review: str | None = None           # what `plan import` was unsure of; read it, then delete it
    max: float | None = Field(default=None, gt=0)   # largest plausible input (counts, numerator/denominator,
                                                    # value, baseline); default: default_max(measure, unit)

    @property
    def bound(self) -> Fraction | None:
        """The largest plausible value of any number the agency types for this indicator."""
        return _plausible_max(self.measure, self.unit, self.max)

    @model_validator(mode="after")
    def _shape(self):
        problem = MEASURES[self.measure].spec_problem(self)
        if problem:
            raise ValueError(problem)
        if len(self.target.text) > MAX_TARGET_TEXT:
            raise ValueError(_("target text longer than {n} characters").format(n=MAX_TARGET_TEXT))
        t, b = self.target, self.bound
        own = [(_("target value"), t.value), (_("target upper"), t.upper)] if MEASURES[self.measure].bounds_target else []
        own.append((_("baseline_value"), t.baseline_value))
        for what, x in own:
            if x is not None and b is not None and Fraction(str(x)) > b:
                raise ValueError((_("{what} {x} is above the plausible maximum {max}") if self.max is not None else
                                  _("{what} {x} is above the plausible maximum {max} (default for the unit; set max)"))
                                 .format(what=what, x=fmt_number(x), max=fmt_number(b)))
        return self


@functools.lru_cache(maxsize=1024)
def _plausible_max(measure: str, unit: str, given: float | None) -> Fraction | None:
    """An indicator's bound, worked out once: every number of every return is held to it."""
    m = given if given is not None else MEASURES[measure].default_max(unit)
    return None if m is None else exact(m)


class TaskSpec(_Model):
    code: str = Field(pattern=r"^[IVX]+(\.[0-9]+)*(\.[a-z])?$")
    section: str
    group: str | None = None            # the sub-heading the row sits under
    title: str
    deadline: str
    due: dt.date | Literal["recurring", "unknown"] | None = None   # the deadline for the machine, when the
                                        # words are not enough (parxl.deadlines reads them otherwise)
    lead: tuple[str, ...] = Field(min_length=1)
    lead_text: str | None = None
    coordinators: tuple[str, ...] = ()
    coordinators_text: str | None = None
    result: str
    note: str | None = None             # how a row broken by extraction was rebuilt
    review: str | None = None           # what `plan import` was unsure of; read it, then delete it
    indicators: tuple[IndicatorSpec, ...] = Field(default=(), alias="indicator")


class Section(_Model):
    code: str = Field(pattern=r"^[IVX]+$")
    title: str
    sheet: str


class _PlanFile(_Model):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    version: str
    title: str
    province: str
    year: int
    agencies: str | None = None          # default registry, relative to the plan file
    # the reports this plan feeds, as quarters ("Q3" = Quý III, "Q4" = the annual report); empty: every period
    periods: tuple[Literal["Q1", "Q2", "Q3", "Q4"], ...] = ()
    review: str | None = None            # what `plan import` was unsure of; read it, then delete it
    sections: tuple[Section, ...] = Field(alias="section", min_length=1)
    tasks: tuple[TaskSpec, ...] = Field(alias="task", min_length=1)


@dataclass(frozen=True)
class Reporter:
    agency: str
    kind: Role
    on_behalf_of: str | None = None   # the group it reports for (a district for its communes), by name

    @property
    def role(self) -> str:
        """As the workbook shows it: "Chủ trì", "Phối hợp", "Chủ trì (tổng hợp cấp xã)"."""
        return self.kind.vi + (f" (tổng hợp {self.on_behalf_of})" if self.on_behalf_of else "")


@dataclass(frozen=True)
class Indicator:
    code: str
    task: "Task"
    spec: IndicatorSpec
    reporters: tuple[Reporter, ...]

    label = property(lambda self: self.spec.label)
    unit = property(lambda self: self.spec.unit)
    measure = property(lambda self: self.spec.measure)
    target = property(lambda self: self.spec.target)
    reported_by = property(lambda self: self.spec.reported_by)
    numerator = property(lambda self: self.spec.numerator)
    denominator = property(lambda self: self.spec.denominator)
    value_label = property(lambda self: self.spec.value_label)
    bound = property(lambda self: self.spec.bound)   # the largest plausible input value (Fraction) or None
    due = property(lambda self: self.task.due)       # the task's deadline (parxl.deadlines.Deadline)

    @property
    def aggregation(self) -> str:
        return self.spec.aggregate or MEASURES[self.measure].default_rule

    def target_vi(self) -> str:
        t = self.target
        return t.text or t.describe_vi(self.unit)


@dataclass(frozen=True)
class Task:
    code: str
    section: str
    spec: TaskSpec
    lead: tuple[str, ...]
    coordinators: tuple[str, ...]
    due: Deadline                       # the deadline read from ``deadline`` (or the plan's ``due``)

    title = property(lambda self: self.spec.title)
    deadline = property(lambda self: self.spec.deadline)
    result = property(lambda self: self.spec.result)
    group = property(lambda self: self.spec.group)


class Plan:
    """A loaded, resolved plan: every phrase names registry agencies."""

    def __init__(self, model: _PlanFile, registry: Registry, source: str):
        self.id, self.version, self.title = model.id, model.version, model.title
        self.province, self.year = model.province, model.year
        self.periods: tuple[int, ...] = tuple(sorted({int(q[1]) for q in model.periods}))   # () = every quarter
        self.sections = model.sections
        self.registry = registry
        self.source = source
        self.reviews: list[tuple[str, str]] = _reviews(model)   # (where, what) left by `plan import`
        self.tasks: list[Task] = []
        self.indicators: list[Indicator] = []
        problems: list[Problem] = []
        for ti, t in enumerate(model.tasks):
            where = f"task[{ti}] ({t.code})"
            lead = self._resolve(t.lead, f"{where}.lead", problems)
            coord = self._resolve(t.coordinators, f"{where}.coordinators", problems)
            task = Task(t.code, t.section, t, tuple(a.agency for a in lead), tuple(a.agency for a in coord),
                        read_deadline(t.deadline, model.year, t.due))
            self.tasks.append(task)
            specs = t.indicators or (_done_indicator(),)
            for n, spec in enumerate(specs, 1):
                if spec.reporters:
                    chosen = self._resolve(spec.reporters, f"{where}.indicator[{n-1}].reporters", problems)
                else:
                    chosen = {"lead": lead, "coordinators": coord, "both": lead + coord}[spec.reported_by]
                reps, seen, leads = [], set(), set(task.lead)
                for a in chosen:
                    if a.agency in seen or not registry.agencies[a.agency].reports:
                        continue
                    seen.add(a.agency)
                    kind = Role.LEAD if a.agency in leads else Role.COORDINATOR
                    behalf = registry.groups[a.on_behalf_of].name if a.on_behalf_of else None
                    reps.append(Reporter(a.agency, kind, behalf))
                if not reps:
                    problems.append(Problem(source, f"{where}.indicator[{n-1}]", _("no agency of the registry reports this indicator")))
                self.indicators.append(Indicator(f"{t.code}/{n}", task, spec, tuple(reps)))
        if problems:
            raise PlanError(problems)
        self._by_code = {i.code: i for i in self.indicators}
        self._assigned: dict[str, list[tuple[Indicator, Reporter]]] = {}
        for i in self.indicators:
            for r in i.reporters:
                self._assigned.setdefault(r.agency, []).append((i, r))

    def _resolve(self, phrases, where, problems) -> list[Assignee]:
        out: list[Assignee] = []
        for k, ph in enumerate(phrases):
            got = self.registry.resolve(ph)
            if got is None:
                problems.append(Problem(self.source, f"{where}[{k}]",
                                        _("agency phrase {phrase!r} names nothing in registry {registry}").format(phrase=ph, registry=self.registry.id)
                                        + self.registry.hint(ph)))
            else:
                out.extend(got)
        return out

    # -- queries ---------------------------------------------------------------------------
    def indicator(self, code: str) -> Indicator:
        return self._by_code[code]

    def section(self, code: str) -> Section:
        return next(s for s in self.sections if s.code == code)

    def assignments(self, agency: str) -> list[tuple[Indicator, Reporter]]:
        """The indicators an agency reports, in plan order, with its role."""
        return list(self._assigned.get(agency, ()))

    def unread_deadlines(self) -> list[Task]:
        """Tasks whose deadline could not be read (judged as if due at every period): `plan check` lists them."""
        return [t for t in self.tasks if not t.due.known]

    def collects(self, quarter: int) -> bool:
        """Whether the plan feeds the report of that quarter (4: the annual report); every one if it names none."""
        return not self.periods or quarter in self.periods

    def periods_vi(self) -> str:
        """The reports the plan feeds, as the workbooks name them ("quý III, năm"); empty when every period."""
        return ", ".join(REPORT_VI[q] for q in self.periods)

    def reporting_agencies(self) -> list[str]:
        codes = {r.agency for i in self.indicators for r in i.reporters}
        return [c for c in self.registry.agencies if c in codes]

    def to_dict(self) -> dict:
        return {
            "id": self.id, "version": self.version, "title": self.title,
            "periods": [f"Q{q}" for q in self.periods],
            "sections": [{"code": s.code, "title": s.title} for s in self.sections],
            "tasks": [{"code": t.code, "section": t.section, "title": t.title, "deadline": t.deadline,
                       "due": t.due.due.isoformat() if t.due.due else "recurring" if t.due.recurring else None,
                       "lead": list(t.lead), "coordinators": list(t.coordinators), "result": t.result}
                      for t in self.tasks],
            "indicators": [{"code": i.code, "task": i.task.code, "label": i.label, "unit": i.unit,
                            "measure": i.measure, "reported_by": i.reported_by,
                            "aggregate": i.aggregation,
                            "max": None if i.bound is None else float(i.bound),
                            "reporters": [r.agency for r in i.reporters],
                            "target": {"op": i.target.op, "value": i.target.value, "upper": i.target.upper,
                                       "baseline_year": i.target.baseline_year}}
                           for i in self.indicators],
        }


def _done_indicator() -> IndicatorSpec:
    return IndicatorSpec(label="Hoàn thành nhiệm vụ", unit="", measure="done",
                         target=Target(op="done", text="Hoàn thành"))


def load_plan(path: str | Path, agencies: str | Path | None = None, *, draft: bool = False) -> Plan:
    """Load and resolve a plan; raise PlanError/RegistryError listing every problem.

    A plan that still has ``review`` lines (left by ``parxl plan import``) is a draft: refused unless
    ``draft`` is true, when the lines are on ``plan.reviews`` instead."""
    path = Path(path)
    src = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError([Problem(src, "", _("file not found"))]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise PlanError([Problem(src, "", _("cannot be read: {error}").format(error=os_reason(e)))]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PlanError([Problem(src, "", _("not valid TOML: {error}").format(error=e))]) from None
    raw = _nfc(raw)
    head = raw.pop("plan", {})
    problems: list[Problem] = []
    try:
        model = _PlanFile.model_validate({**head, **raw})
    except ValidationError as e:
        problems = validation_problems(e, src, raw, "plan")
        raise PlanError(problems) from None
    problems += _check_structure(model, src, text)
    if not draft:
        problems += _review_problems(model, src)
    reg_path = Path(agencies) if agencies else (path.parent / model.agencies if model.agencies else None)
    if reg_path is None:
        problems.append(Problem(src, "plan.agencies", _("no agency registry given (--agencies) or named by the plan")))
        raise PlanError(problems)
    try:
        registry = Registry.load(reg_path)
    except RegistryError as e:
        raise PlanError(problems + e.problems) from None
    try:
        plan = Plan(model, registry, src)
    except PlanError as e:
        raise PlanError(problems + e.problems) from None
    if problems:
        raise PlanError(problems)
    return plan


def _reviews(model: _PlanFile) -> list[tuple[str, str]]:
    """The ``review`` lines of a plan, each with where it stands: (``task[3] (I.3).indicator[0]``, text)."""
    out = [("plan", model.review)] if model.review else []
    for k, t in enumerate(model.tasks):
        w = f"task[{k}] ({t.code})"
        if t.review:
            out.append((w, t.review))
        out += [(f"{w}.indicator[{n}]", i.review) for n, i in enumerate(t.indicators) if i.review]
    return out


def _review_problems(model: _PlanFile, src: str) -> list[Problem]:
    reviews = _reviews(model)
    if not reviews:
        return []
    n = len(reviews)
    head = Problem(src, "", ngettext(
        "a draft: {n} review line left by `parxl plan import`. Check it, fix the plan and delete the line "
        "(`parxl plan check --draft` lists it)",
        "a draft: {n} review lines left by `parxl plan import`. Check each, fix the plan and delete the line "
        "(`parxl plan check --draft` lists them)", n).format(n=n))
    return [head] + [Problem(src, f"{w}.review", r) for w, r in reviews]


def _check_structure(model: _PlanFile, src: str, text: str) -> list[Problem]:
    out: list[Problem] = []
    codes = [s.code for s in model.sections]
    sheets: set[str] = set()
    for k, s in enumerate(model.sections):
        w = f"section[{k}] ({s.code})"
        if len(s.sheet) > 31:
            out.append(Problem(src, w + ".sheet", _("sheet name {sheet!r} is longer than Excel's 31 characters").format(sheet=s.sheet)))
        if set(s.sheet) & _BAD_SHEET_CHARS or s.sheet.startswith("'"):
            out.append(Problem(src, w + ".sheet", _("sheet name {sheet!r} has a character Excel forbids ([]:*?/\\)").format(sheet=s.sheet)))
        if s.sheet.lower() in sheets or s.sheet.lower() in ("hướng dẫn", "_parxl", "danhmuc"):
            out.append(Problem(src, w + ".sheet", _("sheet name {sheet!r} is used twice or reserved").format(sheet=s.sheet)))
        sheets.add(s.sheet.lower())
    if len(set(codes)) != len(codes):
        out.append(Problem(src, "section", _("section codes are not unique")))
    seen: set[str] = set()
    for k, t in enumerate(model.tasks):
        w = f"task[{k}] ({t.code})"
        if t.section not in codes:
            out.append(Problem(src, w + ".section", _("unknown section {section!r}").format(section=t.section)))
        elif not t.code.startswith(t.section + "."):
            out.append(Problem(src, w + ".code", _("code does not start with its section {section}.").format(section=t.section)))
        if t.code in seen:
            out.append(Problem(src, w + ".code", _("task code {code} is used twice").format(code=t.code) + _line(text, t.code)))
        seen.add(t.code)
    return out


def _line(text: str, code: str) -> str:
    lines = [n for n, ln in enumerate(text.splitlines(), 1) if re.match(rf'^code\s*=\s*"{re.escape(code)}"', ln.strip())]
    return _(" (lines {lines})").format(lines=", ".join(map(str, lines))) if lines else ""


def _nfc(x):
    if isinstance(x, str):
        return unicodedata.normalize("NFC", x)
    if isinstance(x, list):
        return [_nfc(v) for v in x]
    if isinstance(x, dict):
        return {k: _nfc(v) for k, v in x.items()}
    return x

