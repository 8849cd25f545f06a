"""One return × the plan → its identity verdict, its values and its results, with findings.

Nothing here raises on bad data: every problem becomes a finding and the check goes on.
Formula results in the workbook are never used; every derived figure is recomputed.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from . import values as V
from .findings import Findings
from .identity import FIELDS, verify
from .layout import (COL, COLUMNS, COVER_SHEET, DONE, HEADER_ROW, IDENTITY_SHEET, LIST_SHEET, NOT_APPLICABLE,
                     Row, SheetLayout, agency_layout, agency_layout_hash, cell_name, col_letter)
from .periods import Period
from .plan import Plan
from .reader import CellError, Sheet, Workbook

MET, NOT_MET, NOT_ASSESSABLE = "met", "not_met", "not_assessable"


@dataclass(frozen=True)
class Result:
    agency: str
    indicator: str
    status: str
    numerator: Fraction | None = None
    denominator: Fraction | None = None
    value: Fraction | None = None          # the rate (%), the count, or the change (%)
    baseline: Fraction | None = None
    current: Fraction | None = None        # change indicators: this year's figure
    gap: Fraction | None = None
    reported_status: str | None = None
    evidence: str | None = None
    doc_date: dt.date | None = None
    issues: str | None = None
    proposals: str | None = None
    sheet: str | None = None
    cell: str | None = None                # the row's "Mã chỉ tiêu" cell
    file: str | None = None


@dataclass
class Checked:
    """What one file turned out to be."""
    workbook: Workbook
    agency: str | None = None
    identity: dict[str, str] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)
    findings: Findings = field(default_factory=Findings)

    @property
    def accepted(self) -> bool:
        return self.workbook.readable and not self.findings.rejected


def check_return(wb: Workbook, plan: Plan, period: Period, key: bytes | None) -> Checked:
    out = Checked(wb)
    out.findings.extend(wb.findings)
    if not wb.readable:
        return out
    agency = _check_identity(wb, plan, period, key, out)
    if agency is None or out.findings.rejected:
        return out
    out.agency = agency
    sheets = agency_layout(plan, agency)
    rows = _locate_rows(wb, sheets, agency, out.findings)
    if out.findings.rejected:
        return out
    for s in sheets:
        for row in s.rows:
            found = rows.get(row.indicator.code)
            out.results[row.indicator.code] = evaluate(row, found, agency, period, wb.name, out.findings)
    return out


# -- identity -------------------------------------------------------------------------------

def _check_identity(wb: Workbook, plan: Plan, period: Period, key: bytes | None, out: Checked) -> str | None:
    F = lambda code, **kw: out.findings.add(code, file=wb.name, **kw)  # noqa: E731
    ident = wb.identity_sheet
    if ident is None:
        F("identity.missing", sheet=IDENTITY_SHEET)
        return None
    sheet = wb.identity_sheet_name
    out.identity = dict(ident)
    agency = ident.get("agency") or None
    lacking = [k for k in (*FIELDS, "signature") if not ident.get(k)]
    if lacking:
        F("identity.incomplete", sheet=sheet, agency=agency, seen=", ".join(lacking))
        return None
    if wb.properties:
        diff = [k for k in (*FIELDS, "signature") if wb.properties.get(k, "") != ident[k]]
        if diff:
            k = diff[0]
            F("identity.mismatch", sheet=sheet, agency=agency, seen=f"{k}={ident[k]}",
              expected=f"{k}={wb.properties.get(k, '')}")
            return None
    if key is None:
        F("identity.no-key", sheet=sheet, agency=agency)
    elif not verify(ident, key):
        F("identity.bad-signature", sheet=sheet, agency=agency, cell=_identity_cell(wb, "signature"))
        return None
    if ident["plan_id"] != plan.id:
        F("identity.other-plan", sheet=sheet, agency=agency, seen=ident["plan_id"], expected=plan.id)
        return None
    if ident["period"] != period.code:
        F("identity.other-period", sheet=sheet, agency=agency, seen=ident["period"], expected=period.code,
          cell=_identity_cell(wb, "period"))
        return None
    if agency not in plan.registry.agencies or not plan.assignments(agency):
        F("identity.unknown-agency", sheet=sheet, agency=agency, seen=agency)
        return None
    expected = agency_layout_hash(plan, agency)
    if ident["plan_version"] != plan.version or ident["layout_hash"] != expected:
        F("identity.other-version", sheet=sheet, agency=agency,
          seen=f"{ident['plan_version']}/{ident['layout_hash'][:8]}", expected=f"{plan.version}/{expected[:8]}")
        return None
    return agency


def _identity_cell(wb: Workbook, key: str) -> str | None:
    sh = wb.sheets.get(wb.identity_sheet_name or "")
    if sh:
        for r, row in enumerate(sh.rows[:40]):
            if row and row[0] == key:
                return cell_name(r, 1)
    return None


# -- layout ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FoundRow:
    sheet: Sheet
    row: int
    cols: dict[str, int]

    def raw(self, key: str) -> Any:
        c = self.cols.get(key)
        return None if c is None else self.sheet.cell(self.row, c)

    def where(self, key: str) -> str | None:
        c = self.cols.get(key)
        return None if c is None else cell_name(self.row, c)


_HEADER_KEY = {unicodedata.normalize("NFC", c.header).casefold(): c.key for c in COLUMNS}
_SKIP_SHEETS = {COVER_SHEET, LIST_SHEET, IDENTITY_SHEET}


def _norm(x) -> str:
    s = x if isinstance(x, str) else str(x or "")
    if not s.isascii() and not unicodedata.is_normalized("NFC", s):
        s = unicodedata.normalize("NFC", s)
    return " ".join(s.split())


def _header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    for r, row in enumerate(sheet.rows[:15]):
        keys = {}
        for c, v in enumerate(row):
            if not isinstance(v, str) or not v:
                continue
            k = _HEADER_KEY.get(_norm(v).casefold())
            if k and k not in keys:
                keys[k] = c
        if "code" in keys:
            return r, keys
    return None


def _locate_rows(wb: Workbook, sheets: list[SheetLayout], agency: str, findings: Findings) -> dict[str, FoundRow]:
    F = lambda code, **kw: findings.add(code, file=wb.name, agency=agency, **kw)  # noqa: E731
    expected_codes = {r.indicator.code for s in sheets for r in s.rows}
    claimed: set[str] = set()
    found: dict[str, FoundRow] = {}
    for s in sheets:
        name = s.name
        sheet = wb.sheets.get(name)
        codes = {r.indicator.code for r in s.rows}
        if sheet is None:  # renamed? find the sheet whose rows carry this section's codes
            for cand in wb.sheets.values():
                if cand.name in _SKIP_SHEETS or cand.name in claimed or cand.name in {x.name for x in sheets}:
                    continue
                h = _header(cand)
                if h and codes & {_norm(row[h[1]["code"]]) for row in cand.rows[h[0] + 1:] if len(row) > h[1]["code"]}:
                    sheet = cand
                    F("layout.sheet-renamed", sheet=cand.name, seen=cand.name, expected=name)
                    break
        if sheet is None:
            F("layout.sheet-missing", sheet=name, expected=name)
            for r in s.rows:
                F("row.missing", sheet=name, indicator=r.indicator.code)
            continue
        claimed.add(sheet.name)
        h = _header(sheet)
        if h is None:
            F("layout.header-missing", sheet=sheet.name, expected="Mã chỉ tiêu")
            for r in s.rows:
                F("row.missing", sheet=sheet.name, indicator=r.indicator.code)
            continue
        hr, cols = h
        for c in COLUMNS:
            if c.key not in cols:
                F("layout.header-missing", sheet=sheet.name, expected=c.header)
            elif cols[c.key] != COL[c.key] or hr != HEADER_ROW:
                F("layout.column-moved", sheet=sheet.name, cell=cell_name(hr, cols[c.key]), expected=c.header,
                  seen=col_letter(cols[c.key]))
        by_code: dict[str, list[int]] = {}
        for r in range(hr + 1, len(sheet.rows)):
            code = _norm(sheet.cell(r, cols["code"]))
            if not code:
                continue
            by_code.setdefault(code, []).append(r)
        layout_rows = {r.indicator.code: r for r in s.rows}
        for code, rs in by_code.items():
            if code not in expected_codes:
                F("row.unknown", sheet=sheet.name, cell=cell_name(rs[0], cols["code"]), seen=code)
            elif len(rs) > 1:
                F("row.duplicate", sheet=sheet.name, indicator=code,
                  cell=", ".join(cell_name(r, cols["code"]) for r in rs))
            elif code in layout_rows:
                row = layout_rows[code]
                fr = FoundRow(sheet, rs[0], cols)
                if rs[0] != row.excel_row + (hr - HEADER_ROW):
                    F("row.moved", sheet=sheet.name, indicator=code, cell=cell_name(rs[0], cols["code"]))
                _compare_locked(row, fr, F)
                found[code] = fr
        for code in layout_rows:
            if code not in by_code:
                F("row.missing", sheet=sheet.name, indicator=code)
    known = _SKIP_SHEETS | {s.name for s in sheets} | claimed | {wb.identity_sheet_name}
    for name in wb.sheets:
        if name not in known:  # a scratch sheet, a pasted copy: whatever is on it is not read
            F("layout.sheet-unknown", sheet=name, seen=name)
    return found


def _compare_locked(row: Row, fr: FoundRow, F) -> None:
    for key, text in row.locked_text().items():
        if key not in fr.cols:
            continue
        raw = fr.raw(key)
        if raw == text:
            continue
        seen = _norm(raw)
        if seen != _norm(text):
            F("layout.locked-cell-edited", sheet=fr.sheet.name, cell=fr.where(key), indicator=row.indicator.code,
              seen=seen, expected=text)


# -- values and results ------------------------------------------------------------------------

def evaluate(row: Row, fr: FoundRow | None, agency: str, period: Period, file: str, findings: Findings) -> Result:
    ind = row.indicator
    if fr is None:
        return Result(agency, ind.code, NOT_ASSESSABLE, file=file)
    loc = dict(file=file, agency=agency, sheet=fr.sheet.name, indicator=ind.code)
    inputs = set(row.inputs)

    def get(key: str, parse, **kw) -> Any:
        raw = fr.raw(key)
        if isinstance(raw, CellError):
            findings.add("value.error-cell", cell=fr.where(key), seen=raw.code, **loc)
            return None
        p: V.Parsed = parse(raw, **kw)
        if p.note:
            findings.add("value.coerced", cell=fr.where(key), seen=p.note.split(" → ")[0],
                         expected=p.note.split(" → ")[-1], **loc)
        if p.error:
            extra = {}
            if p.error == "value.bad-status":
                extra["expected"] = ", ".join(V.STATUSES)
            findings.add(p.error, cell=fr.where(key), seen=raw, **loc, **extra)
            return None
        if p.warning:
            exp = V.MAX_TEXT if p.warning == "value.text-too-long" else None
            seen = len(str(raw)) if p.warning == "value.text-too-long" else str(p.value)[:1]
            findings.add(p.warning, cell=fr.where(key), seen=seen, expected=exp, **loc)
        return p.value

    bound = ind.bound

    def number(key: str, **kw) -> Fraction | None:
        """A numeric input; above the indicator's plausible maximum it is kept, and reported."""
        x = get(key, V.number, **kw)
        if x is not None and bound is not None and x > bound:
            findings.add("value.implausible", cell=fr.where(key), seen=_num(x), expected=_num(bound), **loc)
        return x

    status = get("status", V.status)
    evidence = get("evidence", V.text)
    doc_date = get("doc_date", V.date)
    issues = get("issues", V.text)
    proposals = get("proposals", V.text)
    if doc_date is not None:
        year_start, end = dt.date(period.year - 1, 12, 15), period.window[1]
        if doc_date > period.due:
            findings.add("value.date-future", cell=fr.where("doc_date"), seen=f"{doc_date:%d/%m/%Y}",
                         expected=f"{period.due:%d/%m/%Y}", **loc)
        elif not year_start <= doc_date <= end:
            findings.add("value.date-outside-window", cell=fr.where("doc_date"), seen=f"{doc_date:%d/%m/%Y}",
                         expected=f"{year_start:%d/%m/%Y} – {end:%d/%m/%Y}", **loc)
    if status == DONE and not evidence:
        findings.add("value.evidence-missing", cell=fr.where("evidence"), **loc)
    common = dict(reported_status=status, evidence=evidence, doc_date=doc_date, issues=issues,
                  proposals=proposals, sheet=fr.sheet.name, cell=fr.where("code"), file=file)
    R = lambda st, **kw: Result(agency, ind.code, st, **common, **kw)  # noqa: E731
    t = ind.target

    def missing(*keys):
        for k in keys:
            findings.add("value.missing", cell=fr.where(k), expected=_COLUMN_HEADER[k], **loc)

    if ind.measure == "done":
        if status is None:
            missing("status")
            return R(NOT_ASSESSABLE)
        if status == NOT_APPLICABLE:
            return R(NOT_ASSESSABLE)
        if status == DONE and not evidence:
            return R(NOT_ASSESSABLE)
        return R(MET if status == DONE else NOT_MET)

    if ind.measure == "rate":
        n = number("numerator", whole=True)
        d = number("denominator", whole=True)
        if n is None or d is None:
            if status != NOT_APPLICABLE:
                missing(*[k for k, v in (("numerator", n), ("denominator", d)) if v is None and fr.raw(k) in (None, "")])
            return R(NOT_ASSESSABLE, numerator=n, denominator=d)
        if d == 0:
            if status != NOT_APPLICABLE:
                findings.add("value.zero-denominator", cell=fr.where("denominator"), **loc)
            return R(NOT_ASSESSABLE, numerator=n, denominator=d)
        if n > d:
            findings.add("value.numerator-gt-denominator", cell=fr.where("numerator"), seen=_num(n),
                         expected=_num(d), **loc)
            return R(NOT_ASSESSABLE, numerator=n, denominator=d)
        value = n * 100 / d
        return R(MET if t.holds(value) else NOT_MET, numerator=n, denominator=d, value=value, gap=t.gap(value))

    if ind.measure == "count":
        v = number("value", whole=True)
        if v is None:
            if status != NOT_APPLICABLE and fr.raw("value") in (None, ""):
                missing("value")
            return R(NOT_ASSESSABLE)
        return R(MET if t.holds(v) else NOT_MET, value=v, current=v, gap=t.gap(v))

    # change against a baseline year
    v = number("value")
    if "baseline" in inputs:
        b = number("baseline")
    else:
        b = Fraction(str(t.baseline_value))
    if v is None or b is None:
        if status != NOT_APPLICABLE:
            missing(*[k for k, x in (("value", v), ("baseline", b)) if x is None and fr.raw(k) in (None, "")])
        return R(NOT_ASSESSABLE, current=v, baseline=b)
    if ind.unit == "%":
        if 0 < v <= 1 < b:
            findings.add("value.fraction-for-percent", cell=fr.where("value"), seen=_num(v), expected=_num(v * 100), **loc)
            v = v * 100
        elif 0 < b <= 1 < v and "baseline" in inputs:
            findings.add("value.fraction-for-percent", cell=fr.where("baseline"), seen=_num(b), expected=_num(b * 100), **loc)
            b = b * 100
    if b == 0:
        findings.add("value.zero-baseline", cell=fr.where("baseline"), **loc)
        return R(NOT_ASSESSABLE, current=v, baseline=b)
    change = (v - b) * 100 / b
    return R(MET if t.holds(change) else NOT_MET, value=change, current=v, baseline=b, gap=t.gap(change))


_COLUMN_HEADER = {c.key: c.header for c in COLUMNS}


def _num(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{float(x):.4g}"


