"""The merge's outcome as data, and its JSON form for scripts (schema 1, documented in README)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterator

from .checks import Result
from .findings import Finding
from .measures import ProvinceFigure, measure_of
from .periods import Period
from .plan import Plan
from .i18n import _
from .vocab import ProvinceVerdict, ReturnStatus, format_number, vietnam_time

SCHEMA = 1
ACCEPTED, REJECTED, SUPERSEDED, SKIPPED = (ReturnStatus.ACCEPTED, ReturnStatus.REJECTED, ReturnStatus.SUPERSEDED,
                                           ReturnStatus.SKIPPED)


@dataclass(frozen=True)
class ReturnEntry:
    file: str
    sha256: str
    agency: str | None
    status: ReturnStatus
    template_id: str | None = None
    modified: dt.datetime | None = None
    application: str | None = None
    superseded_by: str | None = None
    saved_at: dt.datetime | None = None   # what decided which return is newest ...
    saved_source: str | None = None       # ... "document" (its own save time) or "file" (the file's time)
    rivals: int = 0                       # other valid returns of the same agency this one won over
    tie: str | None = None                # a rival saved at the same second: "file_time" or "name" chose this one
    received_at: dt.datetime | None = None  # when the secretariat received it (the receipt log), if logged


@dataclass(frozen=True)
class Change:
    """One field an agency changed when its return replaced another (values as the ledger stores them)."""
    agency: str
    indicator: str
    field: str                 # status, numerator, denominator, current, baseline, value, evidence, doc_date, ...
    old: str | None
    new: str | None
    old_file: str | None
    new_file: str | None
    cell: str | None = None    # the field's cell in the new file
    old_run: int | None = None  # the ledger run the old value was recorded in (None: the same folder)


@dataclass(frozen=True)
class ReturnTimes:
    """When each agency's returns came, as a report stands (:meth:`Report.return_times`)."""
    due: dt.date
    accepted: set[str]                    # agencies with an accepted return
    late: set[str]                        # agencies the merge found late (a ``return.late*`` finding)
    first: dict[str, dt.datetime]         # each agency's first dated valid return (accepted or superseded)

    def late_days(self, agency: str) -> int | None:
        """How many days late the agency reported, counted in Vietnam calendar days past the due date from its
        first valid return (:meth:`first_dated`), when the merge found it late (a ``return.late*`` finding);
        None when it came on time or none was accepted."""
        if agency not in self.accepted or agency not in self.late:
            return None
        at = self.first.get(agency)
        if at is None:
            return 1
        return max(1, (vietnam_time(at).date() - self.due).days)

    def first_dated(self, agency: str) -> dt.datetime | None:
        """When the agency's first valid return came (the receipt log's time, else its save time): what its
        timeliness is judged by, a correction sent later notwithstanding; None when none is dated."""
        return self.first.get(agency)


@dataclass
class Report:
    plan: Plan
    period: Period
    returns: list[ReturnEntry] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    indicators: list[ProvinceFigure] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # what the ledger adds (parxl.merge_ledger.prepare): the previous period's figures, the year so far, the changes
    # on resubmission; None/empty without a ledger.  ledger_problem: why the ledger could not be used.
    previous_period: str | None = None
    previous: dict[str, ProvinceFigure] = field(default_factory=dict)
    trend: dict[str, dict[str, ProvinceFigure]] | None = None
    changes: list[Change] = field(default_factory=list)
    ledger_problem: str | None = None   # the ledger could not be used: the run is not recorded
    ledger_notice: str | None = None    # the ledger was used; something the operator should know (journal, left out)
    ledger_run: int | None = None
    # the ledger's record of the year's earlier periods (Ledger.year_returns): the sheet "Đúng hạn cả năm"
    year_returns: dict[str, tuple[list[str], list[dict]]] | None = None

    def accepted(self) -> list[ReturnEntry]:
        return [r for r in self.returns if r.status is ACCEPTED]

    def counts(self) -> dict[str, int]:
        c = Counter(r.status.value for r in self.returns)
        out = {s.value: c.get(s.value, 0) for s in ReturnStatus}
        out["missing"] = len(self.missing)
        return out

    def late_days(self, agency: str) -> int | None:
        """How many days late the agency reported (:meth:`ReturnTimes.late_days`).  For every agency, take
        :meth:`return_times` once: this works it out again each call."""
        return self.return_times().late_days(agency)

    def first_dated(self, agency: str) -> dt.datetime | None:
        """When the agency's first valid return came (:meth:`ReturnTimes.first_dated`; see :meth:`late_days`)."""
        return self.return_times().first_dated(agency)

    def return_times(self) -> "ReturnTimes":
        """When each agency's returns came and whether late, worked out from the report as it stands now, in one
        pass over its returns and findings (asked agency by agency, a scan each time grows with their square)."""
        accepted = {e.agency for e in self.returns if e.status is ACCEPTED}
        late = {f.agency for f in self.findings if f.code.startswith("return.late")}
        first: dict[str, dt.datetime] = {}
        for e in self.returns:
            at = e.received_at or e.saved_at
            if at and e.status in (ACCEPTED, SUPERSEDED) and (e.agency not in first or at < first[e.agency]):
                first[e.agency] = at
        return ReturnTimes(self.period.due, accepted, late, first)

    def by_section(self) -> list[dict]:
        """Province-wide figures counted by plan section (every indicator counted, whatever its verdict)."""
        out = []
        for s in self.plan.sections:
            figs = [f for f in self.indicators if self.plan.indicator(f.indicator).task.section == s.code]
            out.append(tally(s.code, s.title, figs))
        return out

    def inputs_digest(self) -> str:
        """A fingerprint of what this report was made from (plan, period, each file's name, hash and status):
        the consolidated workbook carries it too, so a workbook and a report can be matched as a pair."""
        h = hashlib.sha256(f"{self.plan.id}\0{self.plan.version}\0{self.period.code}".encode())
        for r in self.returns:
            h.update(f"\0{r.file}\0{r.sha256}\0{r.status.value}".encode("utf-8", "replace"))
        return h.hexdigest()

    def to_dict(self) -> dict:
        return {name: list(value) if isinstance(value, Iterator) else value for name, value in self._fields()}

    def _fields(self) -> list[tuple[str, object]]:
        """The report's top-level fields in order; the long lists as iterators, built an element at a time."""
        return [
            ("schema", SCHEMA),
            ("plan", {"id": self.plan.id, "version": self.plan.version}),
            ("period", self.period.code),
            ("inputs", self.inputs_digest()),
            ("returns", ({"file": r.file, "sha256": r.sha256, "agency": r.agency, "status": r.status.value,
                          "template_id": r.template_id,
                          "saved_at": r.saved_at.isoformat() if r.saved_at else None,
                          "saved_time_from": r.saved_source, "application": r.application,
                          "superseded_by": r.superseded_by, "tie_broken_by": r.tie,
                          "received_at": r.received_at.astimezone(dt.timezone.utc).isoformat()
                          if r.received_at else None}
                         for r in self.returns)),
            ("missing", list(self.missing)),
            ("results", (_result(r) for r in self.results)),
            ("indicators", (self._indicator(f) for f in self.indicators)),
            ("findings", (f.to_dict() for f in self.findings)),
        ]

    def _indicator(self, f: ProvinceFigure) -> dict:
        ind = self.plan.indicator(f.indicator)
        t = ind.target
        return {"indicator": f.indicator, "rule": f.rule, "unit": measure_of(ind).unit(ind, f.rule),
                "target": {"op": t.op, "value": t.value, "upper": t.upper, "baseline_year": t.baseline_year,
                           "text": ind.target_vi()},
                "value": num(f.value), "numerator": num(f.numerator), "denominator": num(f.denominator),
                "verdict": f.verdict.value, "final": f.verdict.final,
                "coverage": _coverage(f),
                "previous": self._previous(f.indicator)}

    def _previous(self, code: str) -> dict | None:
        """The previous period's figure of an indicator, when the ledger has it."""
        p = self.previous.get(code)
        if p is None:
            return None
        return {"period": self.previous_period, "value": num(p.value), "numerator": num(p.numerator),
                "denominator": num(p.denominator), "verdict": p.verdict.value, "final": p.verdict.final,
                "coverage": _coverage(p)}

    def to_json(self) -> str:
        out = io.StringIO()
        self.write_json(out)
        return out.getvalue()

    def write_json(self, stream) -> None:
        """The report as JSON on a text stream: one top-level field a line, and each element of a list
        (a return, a result, a finding...) on a line of its own, compact.  Readable and diffable line by
        line; written an element at a time by the C encoder, so neither the whole text nor the whole
        dictionary is ever held (an indented dump of ``to_dict`` is 3× slower and holds both)."""
        fields = self._fields()
        stream.write("{\n")
        for k, (name, value) in enumerate(fields):
            stream.write(f" {_compact(name)}: ")
            if isinstance(value, (list, Iterator)):
                first = True
                for item in value:
                    stream.write(f"{'[' if first else ','}\n  {_compact(item)}")
                    first = False
                stream.write("[]" if first else "\n ]")
            else:
                stream.write(_compact(value))
            stream.write(",\n" if k < len(fields) - 1 else "\n")
        stream.write("}\n")


_compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def _coverage(f: ProvinceFigure) -> dict:
    return {"required": f.required, "returned": f.returned, "assessed": f.assessed,
            "not_applicable": f.not_applicable, "met": f.met, "not_due": f.not_due}


def _result(r: Result) -> dict:
    return {"agency": r.agency, "indicator": r.indicator, "verdict": r.verdict.value,
            "numerator": num(r.numerator), "denominator": num(r.denominator), "value": num(r.value),
            "current": num(r.current), "baseline": num(r.baseline), "gap": num(r.gap),
            "status": r.reported_status.value if r.reported_status else None, "evidence": r.evidence,
            "doc_date": r.doc_date.isoformat() if r.doc_date else None,
            "issues": r.issues, "proposals": r.proposals, "carried": list(r.carried),
            "source": {"file": r.file, "sheet": r.sheet, "row_cell": r.cell, "cells": dict(r.cells)}
            if r.file and r.sheet else None}


def tally(code: str, title: str, figs: list[ProvinceFigure]) -> dict:
    """Indicators by verdict; the share met is over all indicators of the section that are due, not only the
    assessable: a task whose deadline lies after the period ("Chưa đến hạn") is not counted against it."""
    c = Counter(f.verdict for f in figs)
    out = {"code": code, "title": title, "indicators": len(figs)}
    out.update({v.value: c.get(v, 0) for v in ProvinceVerdict})
    due = len(figs) - c.get(ProvinceVerdict.NOT_DUE, 0)
    out["share_met"] = (c.get(ProvinceVerdict.MET, 0) * 100 / due) if due else None
    # with the provisional "met" (which more returns may still change), and the share of the data asked for that
    # is in: agencies whose data counted or that declared nothing arose, of those that must report, all indicators
    met = c.get(ProvinceVerdict.MET, 0) + c.get(ProvinceVerdict.PROVISIONAL_MET, 0)
    out["share_met_with_provisional"] = (met * 100 / due) if due else None
    asked = sum(f.required for f in figs)
    out["coverage"] = (sum(f.assessed + f.not_applicable + f.not_due for f in figs) * 100 / asked) if asked else None
    return out


def section_line(s: dict) -> str:
    """A section's tally for the terminal, in the language set (parxl.i18n): its code and title, then its counts.
    The share met is said over the indicators it is computed on, those due (see :func:`tally`); the ones not yet
    due are counted apart."""
    share = "—" if s["share_met"] is None else format_number(s["share_met"], 0, "%")
    N = format_number
    counts = _("{code}  {met} met, {pmet} met provisionally, {nmet} not met, {pnmet} not met provisionally, "
               "{nass} not assessable, {napp} not applicable ({share} met of {n} indicators due)").format(
        code="", met=N(s["met"]), pmet=N(s["provisional_met"]), nmet=N(s["not_met"]),
        pnmet=N(s["provisional_not_met"]), nass=N(s["not_assessable"]), napp=N(s["not_applicable"]),
        share=share, n=N(s["indicators"] - s.get("not_due", 0)))
    if s.get("not_due"):
        counts = counts.strip() + _("; {n} not yet due").format(n=N(s["not_due"]))
    return f"  {s['code']}. {s['title']}\n    {counts.strip()}"


def num(x: Fraction | None) -> float | int | None:
    """A JSON number, unrounded: exact integers stay integers, others are the nearest float."""
    if x is None:
        return None
    if x.denominator == 1:
        return int(x)
    return float(x)
