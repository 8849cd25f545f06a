"""One return × the plan → its identity verdict, its values and its results, with findings.

Nothing here raises on bad data: every problem becomes a finding and the check goes on.
Formula results in the workbook are never used; every derived figure is recomputed, and an input
cell holding a formula is refused (``value.formula``): a formula is not what the agency reported.

What each check can say is declared in :data:`EMITS`, check by check (tests/test_catalog_coverage.py holds
the declaration to the code); the parse errors of the values are :data:`parxl.values.EMITS`.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import Any

from . import carryover
from . import values as V
from .findings import Findings
from .identity import FIELDS, verify
from .layout import (COLUMNS, COVER_SHEET, HEADER_ROW, IDENTITY_SHEET, LIST_SHEET, REFERENCE_PREFIX,
                     Row, SheetLayout, agency_layout, agency_layout_hash, cell_name, col_letter, column_places)
from .measures import Inputs, Rule, rules as compiled_rules
from .periods import Period
from .plan import Plan
from .reader import CellError, Sheet, Workbook
from .vocab import TaskStatus, Verdict, format_number

# the codes this module adds, by the check that adds them
EMITS = frozenset({
    # the identity (_check_identity)
    "identity.missing", "identity.incomplete", "identity.mismatch", "identity.no-key", "identity.bad-signature",
    "identity.other-plan", "identity.other-period", "identity.unknown-agency", "identity.other-version",
    # what the workbook shows (_check_shown_templates), and the locked cells of each row (_compare_locked)
    "identity.borrowed", "layout.locked-cell-edited",
    # the layout (_locate_rows)
    "layout.sheet-renamed", "layout.sheet-missing", "layout.header-missing", "layout.column-moved",
    "layout.sheet-unknown", "row.missing", "row.unknown", "row.duplicate", "row.moved",
    # the values (evaluate, which also adds the parse errors that parxl.values.EMITS declares)
    "value.formula", "value.error-cell", "value.coerced", "value.fraction-for-percent", "value.implausible",
    "value.date-future", "value.date-outside-window", "value.missing",
    # (and why a row is not judged: the measure's reasons, parxl.measures.EMITS)
    # the return as a whole (check_return)
    "return.blank", "return.carried-only", "return.carried-unchanged", "return.reissued-untouched",
})


@dataclass(frozen=True)
class Result:
    """One agency's result on one indicator, with where each value came from."""
    agency: str
    indicator: str
    verdict: Verdict
    numerator: Fraction | None = None
    denominator: Fraction | None = None
    value: Fraction | None = None          # the rate (%), the count, or the change (%)
    baseline: Fraction | None = None
    current: Fraction | None = None        # change indicators: this year's figure
    gap: Fraction | None = None
    reported_status: TaskStatus | None = None
    evidence: str | None = None
    doc_date: dt.date | None = None
    issues: str | None = None
    proposals: str | None = None
    sheet: str | None = None
    cell: str | None = None                # the row's "Mã chỉ tiêu" cell
    file: str | None = None
    cells: tuple[tuple[str, str], ...] = ()   # (input key, A1 cell) of every value read
    carried: tuple[str, ...] = ()          # inputs still holding what generate prefilled from last period
    read: tuple[tuple[str, Any], ...] = ()  # (input key, value as parsed) of every value read


@dataclass
class Checked:
    """What one file turned out to be."""
    workbook: Workbook
    agency: str | None = None
    identity: dict[str, str] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)
    findings: Findings = field(default_factory=Findings)
    #: the secretariat's signature over the identity: True verified, False failed, None not checked
    #: (no identity, an incomplete one, or no key)
    signed: bool | None = None

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
    shown: list[tuple[Sheet, int]] = []
    rows = _locate_rows(wb, sheets, agency, out.findings, shown)
    _check_shown_templates(wb, shown, out.identity["template_id"], agency, out.findings)
    if out.findings.rejected:
        return out
    values = Findings()
    manifest = carryover.decode(out.identity.get(carryover.FIELD))
    rules = compiled_rules(plan, period)
    filled = carried = False
    for s in sheets:
        for row in s.rows:
            found = rows.get(row.indicator.code)
            res = evaluate(rules[row.indicator.code], found, agency, wb.name, values, manifest.get(row.indicator.code))
            out.results[row.indicator.code] = res
            if not filled and found is not None and _holds_input(row, found, skip=res.carried):
                filled = True       # one input held is enough: the other rows need not be looked at again
            carried = carried or bool(res.carried)
    complete = all(r.carried and r.verdict is not Verdict.MISSING_DATA for r in out.results.values())
    refill = bool(out.identity.get("refill"))
    if not filled and carried and refill:
        # a workbook re-issued to correct a return, sent back as it was: nothing corrected, the first return stands
        out.findings.add("return.reissued-untouched", file=wb.name, agency=agency, seen=out.identity["refill"])
        out.results = {}
        return out
    if not filled and carried and complete:
        # every row was prefilled whole (tasks done last period) and left as it was: nothing was left to type
        out.findings.add("return.carried-unchanged", file=wb.name, agency=agency)
    elif not filled:
        # a blank template is not a return, nor one holding only what generate prefilled from last period:
        # it never counts, nor replaces one that has data
        out.findings.add("return.carried-only" if carried else "return.blank", file=wb.name, agency=agency)
        out.results = {}
        return out
    out.findings.extend(values)
    return out


def _holds_input(row: Row, fr: FoundRow, skip: tuple[str, ...] = ()) -> bool:
    """Whether any input cell of the row holds anything: a value (spaces alone are blank, as the
    self-check sees them), an Excel error, or a formula (even one without a cached result).  ``skip``: the
    inputs still holding what was prefilled from last period (not typed by the agency)."""
    for key in row.inputs:
        if key in skip:
            continue
        c = fr.cols.get(key)
        if c is None:
            continue
        raw = fr.sheet.cell(fr.row, c)
        if not V.is_blank(raw) or (fr.row, c) in fr.sheet.formulas:
            return True
    return False


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
        out.signed = False
        F("identity.bad-signature", sheet=sheet, agency=agency, cell=_identity_cell(wb, "signature"))
        return None
    else:
        out.signed = True
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


# -- what the workbook shows ------------------------------------------------------------------------

_TEMPLATE_ID = re.compile(r"PARXL-(\d{4}-Q[1-4])-(.+)-([0-9A-F]{8})")
_SHOWN_LABEL = {"cover": "Mã biểu mẫu", "sheet": "Mã biểu mẫu:"}


def _check_shown_templates(wb: Workbook, sheets: list[tuple[Sheet, int]], template_id: str, agency: str,
                           findings: Findings) -> None:
    """The template id the workbook shows — printed above each input sheet's header (``sheets``: each sheet
    with its header row), and on the cover — must be the signed identity's.  Another agency's id there
    means the identity was copied from that agency's file: one ``identity.borrowed`` names the first place
    it shows.  A missing or edited id is a locked cell edited.  A workbook without its cover is judged by
    its input sheets."""
    places = [(sheet, _SHOWN_LABEL["sheet"], sheet.rows[:hr], hr) for sheet, hr in sheets]
    if wb.cover is not None:
        places.append((wb.cover, _SHOWN_LABEL["cover"], wb.cover.rows[:40], None))
    borrowed = False
    for where, label, rows, hr in places:
        F = lambda code, **kw: findings.add(code, file=wb.name, agency=agency, sheet=where.name, **kw)  # noqa: E731
        found = next(((r, c + 1) for r, row in enumerate(rows) for c, v in enumerate(row[:4])
                      if isinstance(v, str) and v and _norm(v) == label), None)
        if found is None:           # the line was deleted or its label edited
            F("layout.locked-cell-edited", cell=None if hr is None else cell_name(hr - 1, 0), seen="",
              expected=f"{label} {template_id}")
            continue
        shown = _norm(where.cell(*found))
        if shown == template_id:
            continue
        m = _TEMPLATE_ID.fullmatch(shown)
        if m is None:
            F("layout.locked-cell-edited", cell=cell_name(*found), seen=shown, expected=template_id)
        elif not borrowed:
            borrowed = True
            F("identity.borrowed", cell=cell_name(*found), seen=f"{shown} ({m.group(2)})",
              expected=f"{template_id} ({agency})")


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
        return None if c is None else _a1(self.row, c)


@functools.lru_cache(maxsize=8192)
def _a1(r: int, c: int) -> str:
    """A cell's A1 name (zero-based row and column): every return names the same few hundred input cells."""
    return f"{col_letter(c)}{r + 1}"


_HEADER_KEY = {unicodedata.normalize("NFC", c.header).casefold(): c.key for c in COLUMNS}
_SKIP_SHEETS = {COVER_SHEET, LIST_SHEET, IDENTITY_SHEET}


def _norm(x) -> str:
    """A cell's text as compared: NFC, runs of white space as one space, trimmed."""
    s = x if isinstance(x, str) else str(x or "")
    if len(s) <= _MEMO_TEXT:
        return _norm_short(s)
    return _normalized(s)


def _normalized(s: str) -> str:
    if not s.isascii() and not unicodedata.is_normalized("NFC", s):
        s = unicodedata.normalize("NFC", s)
    return " ".join(s.split())


# titles, labels and codes repeat in every return: their normal forms are memoized (short texts only: a cache
# must not hold what a hostile file puts in it)
_norm_short = functools.lru_cache(maxsize=4096)(_normalized)


def _header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    """The header row (the first of the first 15 rows to name the code column) and where each column is."""
    h = _header_row(sheet)
    return None if h is None else h[:2]


def _header_row(sheet: Sheet) -> tuple[int, dict[str, int], bool] | None:
    """:func:`_header`, and whether the header row has the "Kỳ trước" column (a workbook issued with a ledger)."""
    for r, row in enumerate(sheet.rows[:15]):
        keys = {}
        reference = False
        for c, v in enumerate(row):
            if not isinstance(v, str) or not v:
                continue
            k, ref = _header_cell(v) if len(v) <= _MEMO_TEXT else _header_text(v)
            reference = reference or ref
            if k and k not in keys:
                keys[k] = c
        if "code" in keys:
            return r, keys, reference
    return None


_MEMO_TEXT = 200      # longer texts are not memoized: a cache must not hold what a hostile file puts in it


def _header_text(text: str) -> tuple[str | None, bool]:
    """The column a header or title cell names, if any, and whether it is the "Kỳ trước" column's header."""
    n = _norm(text)
    return _HEADER_KEY.get(n.casefold()), n.startswith(REFERENCE_PREFIX)


_header_cell = functools.lru_cache(maxsize=1024)(_header_text)   # every return repeats the same few


def _locate_rows(wb: Workbook, sheets: list[SheetLayout], agency: str, findings: Findings,
                 shown: list[tuple[Sheet, int]] | None = None) -> dict[str, FoundRow]:
    """Each indicator's row, found by its code on its section's sheet (``shown`` gets each input sheet found,
    with its header row: what the sheet shows above it is checked apart)."""
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
        h = _header_row(sheet)
        if h is None:
            F("layout.header-missing", sheet=sheet.name, expected="Mã chỉ tiêu")
            for r in s.rows:
                F("row.missing", sheet=sheet.name, indicator=r.indicator.code)
            continue
        hr, cols, reference = h
        if shown is not None:
            shown.append((sheet, hr))
        # a workbook issued with a ledger has the "Kỳ trước" column after the inputs: task and role one further
        places = column_places(reference)
        for c in COLUMNS:
            if c.key not in cols:
                F("layout.header-missing", sheet=sheet.name, expected=c.header)
            elif cols[c.key] != places[c.key] or hr != HEADER_ROW:
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
    sheet, r, cols = fr.sheet, fr.row, fr.cols
    for key, text in row.locked_text().items():
        c = cols.get(key)
        if c is None:
            continue
        raw = sheet.cell(r, c)      # FoundRow.raw
        if raw == text:
            continue
        seen = _norm(raw)
        if seen != _norm(text):
            F("layout.locked-cell-edited", sheet=fr.sheet.name, cell=fr.where(key), indicator=row.indicator.code,
              seen=seen, expected=text)


# -- values and results ------------------------------------------------------------------------

def evaluate(rule: Rule, fr: FoundRow | None, agency: str, file: str, findings: Findings,
             carried: tuple[tuple[str, ...], str] | None = None) -> Result:
    """Parse the row's inputs (each problem a finding at its cell), then judge it by its compiled rule
    (:class:`~parxl.measures.Rule`).  ``carried``: the row's entry in the workbook's carry-over manifest
    (:mod:`parxl.carryover`), if any."""
    ind = rule.indicator
    if fr is None:
        return Result(agency, ind.code, Verdict.MISSING_DATA, file=file)
    loc = dict(file=file, agency=agency, sheet=fr.sheet.name, indicator=ind.code)
    keys = rule.inputs
    whole = rule.numeric
    inp = Inputs()
    got: dict[str, Any] = {}      # filled in the order of ``keys``, each key once
    sheet, r, cols = fr.sheet, fr.row, fr.cols
    formulas = sheet.formulas
    for key in keys:
        c = cols.get(key)
        if formulas and (r, c) in formulas:    # its cached result is not what the agency reported: refused
            formula = sheet.formula(r, c)
            findings.add("value.formula", cell=fr.where(key), seen=f"={formula}" if formula else "=…", **loc)
            inp.invalid.add(key)
            continue
        raw = None if c is None else sheet.cell(r, c)      # FoundRow.raw
        if raw is None or raw == "":    # an empty cell: every parser reads it as blank
            continue
        if isinstance(raw, CellError):
            findings.add("value.error-cell", cell=fr.where(key), seen=raw.code, **loc)
            inp.invalid.add(key)
            continue
        if key in whole:
            p = V.number(raw, whole=whole[key])
        else:
            p = _PARSE[key](raw)
        if p.note:
            typed, read = p.note
            findings.add("value.coerced", cell=fr.where(key), seen=typed, expected=read, **loc)
        if p.error:
            extra = _error_detail(p, raw)
            findings.add(p.error, cell=fr.where(key), seen=raw, **loc, **extra)
            if key in whole or key == "status":
                inp.invalid.add(key)
            continue
        if p.warning:
            findings.add(p.warning, cell=fr.where(key), **loc, **_warning_detail(p, raw))
        if p.value is not None:
            got[key] = p.value
    inp.status = got.get("status")
    inp.evidence = got.get("evidence")
    inp.numbers = {k: got.get(k) for k in whole}
    rescaled = rule.rescale(inp)
    if rescaled:
        key, typed, read = rescaled
        findings.add("value.fraction-for-percent", cell=fr.where(key), seen=_num(typed), expected=_num(read), **loc)
    for key, x in rule.implausible(inp):
        findings.add("value.implausible", cell=fr.where(key), seen=_num(x), expected=_num(rule.bound), **loc)
    doc_date = got.get("doc_date")
    _check_dates(rule.period, doc_date, fr, findings, loc)
    j = rule.judge(inp)
    for code, key, seen, expected in rule.reasons(j.verdict, inp):
        extra = {"seen": _num(seen)} if seen is not None else {}
        if expected is not None:
            extra["expected"] = _num(expected)
        elif code == "value.missing":
            extra["expected"] = _COLUMN_HEADER[key]
        findings.add(code, cell=fr.where(key), **extra, **loc)
    if inp.status is TaskStatus.DONE and inp.evidence and doc_date is None and "doc_date" not in inp.invalid:
        findings.add("value.missing", cell=fr.where("doc_date"), expected=_COLUMN_HEADER["doc_date"], **loc)
    kept = carried[0] if carried and carryover.unchanged(carried, got) else ()
    return make_result(agency, ind.code, j.verdict, j.numerator, j.denominator, j.value, j.baseline, j.current, j.gap,
                       inp.status, inp.evidence, doc_date, got.get("issues"), got.get("proposals"), fr.sheet.name,
                       fr.where("code"), file, tuple([(k, fr.where(k)) for k in got]), kept, tuple(got.items()))


RESULT_FIELDS = tuple(f.name for f in fields(Result))


def make_result(*values) -> Result:
    """``Result(*values)``, every field given, made at half the cost: a frozen dataclass's ``__init__`` sets each
    of its 20 fields through ``object.__setattr__`` (1 µs a row of every return); Result has no ``__post_init__``,
    so its instance is its fields' dict (tests/test_checks_speed_same.py holds the two equal)."""
    r = object.__new__(Result)
    r.__dict__.update(zip(RESULT_FIELDS, values, strict=True))
    return r


def _error_detail(p: V.Parsed, raw) -> dict:
    if p.error == "value.bad-status":
        return {"expected": ", ".join(s.value for s in TaskStatus)}
    if p.error == "value.ambiguous-comma":
        readings = V.comma_readings(V.as_text(raw))
        return {"expected": " / ".join(_num(x) for x in readings)} if readings else {}
    return {}


_PARSE = {"status": V.status, "evidence": V.text, "doc_date": V.date, "issues": V.text, "proposals": V.text}


def _warning_detail(p: V.Parsed, raw) -> dict:
    if p.warning == "value.text-too-long":
        return {"seen": len(str(raw)), "expected": V.MAX_TEXT}
    if p.warning == "value.dot-not-thousands":
        return {"seen": str(raw), "expected": _num(p.value)}
    return {"seen": str(p.value)[:1]}


def _check_dates(period: Period, doc_date, fr: FoundRow, findings: Findings, loc: dict) -> None:
    """The document date lies in the period's evidence window (one definition: Period.evidence_window)."""
    if doc_date is None:
        return
    start, end = period.evidence_window
    if doc_date > end:
        findings.add("value.date-future", cell=fr.where("doc_date"), seen=f"{doc_date:%d/%m/%Y}",
                     expected=f"{end:%d/%m/%Y}", **loc)
    elif doc_date < start:
        findings.add("value.date-outside-window", cell=fr.where("doc_date"), seen=f"{doc_date:%d/%m/%Y}",
                     expected=f"{start:%d/%m/%Y} – {end:%d/%m/%Y}", **loc)


_COLUMN_HEADER = {c.key: c.header for c in COLUMNS}


def _num(x: Fraction) -> str:
    return format_number(x, 4)


