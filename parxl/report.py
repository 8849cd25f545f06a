"""The merge's outcome as data, and its JSON form for scripts."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction

from .checks import MET, NOT_ASSESSABLE, NOT_MET, Result
from .findings import Finding, Severity
from .periods import Period
from .plan import Plan

ACCEPTED, REJECTED, SUPERSEDED, SKIPPED = "accepted", "rejected", "superseded", "skipped"


@dataclass(frozen=True)
class ReturnEntry:
    file: str
    sha256: str
    agency: str | None
    status: str
    template_id: str | None = None
    modified: dt.datetime | None = None
    application: str | None = None
    superseded_by: str | None = None
    saved_at: dt.datetime | None = None   # what decided which return is newest ...
    saved_source: str | None = None       # ... "document" (its own save time) or "file" (the file's time)
    rivals: int = 0                       # other valid returns of the same agency this one won over


@dataclass(frozen=True)
class ProvinceFigure:
    indicator: str
    status: str
    value: Fraction | None
    numerator: Fraction | None
    denominator: Fraction | None
    agencies_expected: int
    agencies_reporting: int
    agencies_met: int
    rule: str


@dataclass
class Report:
    plan: Plan
    period: Period
    returns: list[ReturnEntry] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    indicators: list[ProvinceFigure] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def accepted(self) -> list[ReturnEntry]:
        return [r for r in self.returns if r.status == ACCEPTED]

    def counts(self) -> dict[str, int]:
        c = {ACCEPTED: 0, REJECTED: 0, SUPERSEDED: 0, SKIPPED: 0}
        for r in self.returns:
            c[r.status] += 1
        c["missing"] = len(self.missing)
        return c

    def by_section(self) -> list[dict]:
        """Province-wide figures counted by plan section."""
        out = []
        for s in self.plan.sections:
            figs = [f for f in self.indicators if self.plan.indicator(f.indicator).task.section == s.code]
            out.append(_tally(s.code, s.title, figs))
        return out

    def to_dict(self) -> dict:
        return {
            "plan": {"id": self.plan.id, "version": self.plan.version},
            "period": self.period.code,
            "inputs": self.inputs_digest(),
            "returns": [{"file": r.file, "sha256": r.sha256, "agency": r.agency, "status": r.status,
                         "saved_at": r.saved_at.isoformat() if r.saved_at else None,
                         "saved_time_from": r.saved_source, "superseded_by": r.superseded_by}
                        for r in self.returns],
            "missing": list(self.missing),
            "results": [{"agency": r.agency, "indicator": r.indicator, "numerator": num(r.numerator),
                         "denominator": num(r.denominator), "value": num(r.value), "baseline": num(r.baseline),
                         "status": r.status, "gap": num(r.gap)} for r in self.results],
            "indicators": [{"indicator": f.indicator, "value": num(f.value), "status": f.status,
                            "agencies_reporting": f.agencies_reporting, "agencies_met": f.agencies_met}
                           for f in self.indicators],
            "findings": [f.to_dict() for f in self.findings],
        }

    def inputs_digest(self) -> str:
        """A fingerprint of what this report was made from (plan, period, each file's name, hash and status):
        the consolidated workbook carries it too, so a workbook and a report can be matched as a pair."""
        h = hashlib.sha256(f"{self.plan.id}\0{self.plan.version}\0{self.period.code}".encode())
        for r in self.returns:
            h.update(f"\0{r.file}\0{r.sha256}\0{r.status}".encode("utf-8", "replace"))
        return h.hexdigest()

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"


def _tally(code: str, title: str, figs: list[ProvinceFigure]) -> dict:
    met = sum(f.status == MET for f in figs)
    not_met = sum(f.status == NOT_MET for f in figs)
    na = sum(f.status == NOT_ASSESSABLE for f in figs)
    assessed = met + not_met
    return {"code": code, "title": title, "indicators": len(figs), "met": met, "not_met": not_met,
            "not_assessable": na, "share_met": (met * 100 / assessed) if assessed else None}


def num(x: Fraction | None) -> float | int | None:
    """A JSON number: exact integers stay integers, others are rounded to 4 decimals."""
    if x is None:
        return None
    if x.denominator == 1:
        return int(x)
    return round(float(x), 4)


