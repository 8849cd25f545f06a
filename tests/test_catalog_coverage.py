"""Every finding code is declared by the module that adds it, and produced by some test.

A module that adds findings declares the codes it can add at its top (``EMITS``, as frictionless's checks
declare their errors).  Here, read from the source (the syntax tree, not a text search): the codes a module
adds are exactly the ones it declares, and every catalog code is declared by some module.  That every
catalog code is also *produced* by some test is held by tests/conftest.py, which records each Finding the
tests create and fails a whole-suite run that never produced one; the cases at the end produce the codes
no other test did.
"""
from __future__ import annotations

import ast
import importlib
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import KEY, PLAN, ROOT, codes_produced, fill
from parxl.checks import check_return
from parxl.findings import CATALOG, Finding
from parxl.layout import COL, HEADER_ROW, IDENTITY_SHEET, agency_layout, cell_name
from parxl.merge import merge
from parxl.plan import load_plan
from parxl.reader import read_return
from parxl.vocab import Verdict
from parxl.writer import generate

PACKAGE = ROOT / "parxl"
# the shape of a finding code: a string of this shape in the source must be in the catalog
CODE_SHAPE = re.compile(r"(file|folder|identity|layout|row|value|return|history|receipt)\.[a-z0-9]+(-[a-z0-9]+)*")
# str methods whose argument is a code compared, not added (f.code.startswith("return.late"))
RATE, OTHER_RATE, CHANGE, DONE = "III.4.2/1", "III.4.3/1", "IV.3/1", "IV.1/1"   # indicators of Tam Kỳ's workbook
_NOT_ADDING = {"startswith", "endswith", "count", "index", "find", "replace", "get"}


def _branches(node: ast.AST):
    """The string constants a code expression can evaluate to (a constant, or either side of an if-else)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.IfExp):
        yield from _branches(node.body)
        yield from _branches(node.orelse)


def _added(tree: ast.AST) -> set[str]:
    """The catalog codes a module adds: the first argument of a call (``Finding("…")``, ``findings.add("…")``,
    a local ``F("…")``/``bad("…")``), a ``code=``/``error=``/``warning=`` argument (``Parsed(error="…")``), or
    what is assigned to a name ``code``.  Not the catalog's own ``Code("…")`` entries."""
    found: set[str] = set()
    for node in ast.walk(tree):
        exprs = []
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in _NOT_ADDING and name != "Code" and node.args:
                exprs.append(node.args[0])
            exprs += [k.value for k in node.keywords if k.arg in ("code", "error", "warning")]
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets):
            exprs.append(node.value)
        found |= {c.value for e in exprs for c in _branches(e) if c.value in CATALOG}
    return found


def _declared(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "EMITS" for t in n.targets)
               for n in tree.body)


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


SOURCES = {_module(p): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", [m for m, t in SOURCES.items() if _added(t) or _declared(t)])
def test_a_module_adds_exactly_the_codes_it_declares(module):
    tree = SOURCES[module]
    assert _declared(tree), f"{module} adds findings {sorted(_added(tree))} but declares no EMITS"
    emits = importlib.import_module(module).EMITS
    assert isinstance(emits, frozenset)
    assert not emits - set(CATALOG), f"{module}.EMITS names codes not in the catalog"
    added = _added(tree)
    assert not added - emits, f"{module} adds {sorted(added - emits)} without declaring them in EMITS"
    assert not emits - added, f"{module} declares {sorted(emits - added)} in EMITS but never adds them"


def test_every_catalog_code_is_declared_by_some_module():
    declared = set().union(*(importlib.import_module(m).EMITS for m, t in SOURCES.items() if _declared(t)))
    assert not set(CATALOG) - declared, f"no module declares {sorted(set(CATALOG) - declared)}"


def test_every_code_shaped_string_in_the_source_is_in_the_catalog():
    """A code compared or listed (``f.code == "…"``, a set of codes) that is not in the catalog never matches."""
    strays = {(m, n.value) for m, t in SOURCES.items() for n in ast.walk(t)
              if isinstance(n, ast.Constant) and isinstance(n.value, str) and CODE_SHAPE.fullmatch(n.value)
              and n.value not in CATALOG}
    assert not strays, sorted(strays)


def test_the_reading_of_the_source_finds_each_way_a_module_adds_a_finding():
    """The syntax-tree reading above, on the shapes parxl uses, and on the ones that only look at a code."""
    tree = ast.parse('''
Finding("file.empty", file=name)
findings.add("value.formula", cell=c)
F("identity.borrowed")
bad("file.encrypted" if enc else "file.legacy-xls")
Parsed(error="value.bad-date")
Parsed(v, note, warning="value.text-too-long")
code = "return.late" if document else "return.late-file-time"
if f.code == "file.not-xlsx" or f.code.startswith("return.missing"): pass
_NOT_OPENED = {"file.unreadable"}
Code("history.outlier", W, "...", "...")
''')
    assert _added(tree) == {"file.empty", "value.formula", "identity.borrowed", "file.encrypted", "file.legacy-xls",
                            "value.bad-date", "value.text-too-long", "return.late", "return.late-file-time"}


def test_the_recorder_sees_each_finding_a_test_creates():
    """tests/conftest.py records every Finding created: the whole-suite check depends on it."""
    Finding("file.findings-capped", seen=1, expected="value.missing")
    assert "file.findings-capped" in codes_produced()


# -- the codes no other test named: each case a generated workbook, filled and edited as a person does -------

def where(plan, agency, code, key):
    """The sheet and A1 cell of an indicator's input in the agency's workbook."""
    s, r = next((s, r) for s in agency_layout(plan, agency) for r in s.rows if r.indicator.code == code)
    return s.name, cell_name(r.excel_row, COL[key])


def _checked(path, plan, period):
    return check_return(read_return(path), plan, period, KEY)


def _at(checked, code):
    return [(f.sheet, f.cell, f.indicator) for f in checked.findings if f.code == code]


def test_a_zero_denominator_makes_the_rate_not_applicable_and_says_so_at_its_cell(plan, period, issued, tmp_path):
    """0 of 0 cases: nothing arose in the period (info), unlike 0 of 10 (not met, nothing to say)."""
    path = fill(issued, plan, "TAMKY", tmp_path / "tamky.xlsx",
                {RATE: {"numerator": 0, "denominator": 0}, OTHER_RATE: {"numerator": 0, "denominator": 10}})
    c = _checked(path, plan, period)
    sheet, cell = where(plan, "TAMKY", RATE, "denominator")
    assert _at(c, "value.zero-denominator") == [(sheet, cell, RATE)]
    assert c.accepted and c.results[RATE].verdict is Verdict.NOT_APPLICABLE
    assert c.results[OTHER_RATE].verdict is not Verdict.NOT_APPLICABLE


def test_a_zero_baseline_leaves_the_change_uncomputed_and_says_so_at_its_cell(plan, period, issued, tmp_path):
    path = fill(issued, plan, "TAMKY", tmp_path / "tamky.xlsx", {CHANGE: {"value": 12, "baseline": 0}})
    c = _checked(path, plan, period)
    sheet, cell = where(plan, "TAMKY", CHANGE, "baseline")
    assert _at(c, "value.zero-baseline") == [(sheet, cell, CHANGE)]
    assert c.accepted and c.results[CHANGE].verdict is Verdict.INVALID


def test_a_workbook_of_another_version_of_the_plan_is_refused(plan, period, issued, tmp_path):
    """The same plan, signed with the same key, but issued from version 1.2 of it: its rows may differ."""
    folder = tmp_path / "plan"
    shutil.copytree(PLAN.parent, folder)
    text = (folder / "plan.toml").read_text(encoding="utf-8")
    assert f'version = "{plan.version}"' in text
    (folder / "plan.toml").write_text(text.replace(f'version = "{plan.version}"', 'version = "1.2"', 1),
                                      encoding="utf-8")
    newer = load_plan(folder / "plan.toml")
    made = {i.agency: i.path for i in generate(newer, period, tmp_path / "issued", KEY, ["TAMKY"])}
    path = fill(made, newer, "TAMKY", tmp_path / "tamky.xlsx", {RATE: {"numerator": 96, "denominator": 100}})
    assert _checked(path, newer, period).accepted           # good against the version it came from
    c = _checked(path, plan, period)
    assert [f.code for f in c.findings] == ["identity.other-version"] and not c.accepted and not c.results


def test_an_identity_with_a_field_cleared_is_refused(plan, period, issued, tmp_path):
    path = fill(issued, plan, "TAMKY", tmp_path / "tamky.xlsx", {RATE: {"numerator": 96, "denominator": 100}})
    wb = openpyxl.load_workbook(path)
    ws = wb[IDENTITY_SHEET]
    row = next(r for r in ws.iter_rows() if r[0].value == "period")
    row[1].value = None
    wb.save(path)
    c = _checked(path, plan, period)
    assert [(f.code, f.seen) for f in c.findings] == [("identity.incomplete", "period")] and not c.accepted


def test_an_input_sheet_deleted_is_missing_with_each_of_its_rows(plan, period, issued, tmp_path):
    path = fill(issued, plan, "TAMKY", tmp_path / "tamky.xlsx", {RATE: {"numerator": 96, "denominator": 100}})
    sheet = where(plan, "TAMKY", CHANGE, "value")[0]
    wb = openpyxl.load_workbook(path)
    del wb[sheet]
    wb.save(path)
    c = _checked(path, plan, period)
    rows = [r.indicator.code for s in agency_layout(plan, "TAMKY") if s.name == sheet for r in s.rows]
    assert _at(c, "layout.sheet-missing") == [(sheet, None, None)]
    assert [f.indicator for f in c.findings if f.code == "row.missing"] == rows
    assert c.accepted and c.results[RATE].verdict is Verdict.MET and c.results[CHANGE].verdict is Verdict.MISSING_DATA


def test_an_agency_that_sent_nothing_is_missing(plan, period, issued, returns_dir):
    fill(issued, plan, "TAMKY", returns_dir / "tamky.xlsx", {RATE: {"numerator": 96, "denominator": 100}})
    report = merge(plan, period, returns_dir, KEY)
    missing = {f.agency for f in report.findings if f.code == "return.missing"}
    assert "TAMKY" not in missing and "HOIAN" in missing
    assert missing == set(plan.reporting_agencies()) - {"TAMKY"}


def test_the_work_budget_holds_in_process(plan, period, issued, tmp_path, monkeypatch):
    """A note typed far out (XFD1048576) sends the return down the streaming path, where every XML element
    counts against the budget: within it the note is only counted as outside; over it (the budget made
    small here; tests/test_imports_and_slow_files.py builds the real 20 million cells, in a subprocess that
    measures memory) the file is refused."""
    from parxl import reader
    path = fill(issued, plan, "TAMKY", tmp_path / "tamky.xlsx", {RATE: {"numerator": 96, "denominator": 100}})
    sheet = where(plan, "TAMKY", RATE, "numerator")[0]
    wb = openpyxl.load_workbook(path)
    wb[sheet]["XFD1048576"] = "ghi chú"
    wb.save(path)
    read = read_return(path)
    assert read.readable and [(f.code, f.sheet, f.cell) for f in read.findings] == [
        ("layout.cell-outside", sheet, "XFD1048576")]
    monkeypatch.setattr(reader.limits, "MAX_WORK", 50)
    over = read_return(path)
    assert not over.readable and [f.code for f in over.findings] == ["file.too-much-work"]


def test_without_the_key_the_signature_is_not_checked_and_it_says_so(plan, period, issued, tmp_path):
    path = fill(issued, plan, "TAMKY", tmp_path / "tamky.xlsx", {RATE: {"numerator": 96, "denominator": 100}})
    c = check_return(read_return(path), plan, period, None)
    assert [f.code for f in c.findings if f.code.startswith("identity.")] == ["identity.no-key"]
    assert c.accepted and c.signed is None and c.results[RATE].verdict is Verdict.MET


def test_a_date_and_a_number_typed_as_text_are_read_or_refused_at_their_cells(plan, period, issued, tmp_path):
    """"31/02/2024" is no date (refused); "9.6" in a whole count is Vietnamese for 96 (read, and warned)."""
    path = fill(issued, plan, "TAMKY", tmp_path / "tamky.xlsx", {
        DONE: {"status": "Hoàn thành", "evidence": "QĐ 12/QĐ-UBND", "doc_date": "31/02/2024"},
        RATE: {"numerator": "9.6", "denominator": 100}})
    c = _checked(path, plan, period)
    assert _at(c, "value.bad-date") == [(where(plan, "TAMKY", DONE, "doc_date")[0],
                                         where(plan, "TAMKY", DONE, "doc_date")[1], DONE)]
    assert _at(c, "value.dot-not-thousands") == [(*where(plan, "TAMKY", RATE, "numerator"), RATE)]
    assert c.results[RATE].numerator == 96 and c.results[RATE].verdict is Verdict.MET


def test_a_header_cleared_is_missing_and_its_column_is_not_read(plan, period, issued, tmp_path):
    path = fill(issued, plan, "TAMKY", tmp_path / "tamky.xlsx", {RATE: {"numerator": 96, "denominator": 100}})
    sheet = where(plan, "TAMKY", RATE, "numerator")[0]
    wb = openpyxl.load_workbook(path)
    wb[sheet].cell(HEADER_ROW + 1, COL["evidence"] + 1).value = None
    wb.save(path)
    c = _checked(path, plan, period)
    assert [(f.sheet, f.expected) for f in c.findings if f.code == "layout.header-missing"] == [(sheet, "Minh chứng")]
    assert c.accepted and c.results[RATE].verdict is Verdict.MET
