"""README stays in step with the code: commands, finding codes, and the two set-up commands."""
from __future__ import annotations

import ast
import re

from conftest import ROOT
from parxl.docs import render
from parxl.findings import CATALOG, vietnamese

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_generated_sections_are_current():
    assert render(README) == README, "run: python -m parxl.docs README.md"


def test_every_command_is_documented():
    from parxl.cli import cli
    for name in cli.commands:
        assert f"### `parxl {name}" in README, name


_CODE = re.compile(r"(?:file|folder|identity|layout|row|value|return|history|receipt)\.[a-z0-9]+(?:-[a-z0-9]+)*")


def _codes_in(path) -> set[str]:
    """Every string literal in the module that is a whole finding code, wherever it stands (an argument
    to Finding()/add(), a ternary, a value returned for a caller to emit), except where the code is only
    compared against ("== ..." reads a code, it does not emit one) and except the catalog's own
    declarations Code("...", ...): those are what the scan is checked against."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            skip |= {id(n) for side in (node.left, *node.comparators) for n in ast.walk(side)}
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Code" and node.args:
            skip.add(id(node.args[0]))
    return {n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip
            and _CODE.fullmatch(n.value)}


def test_every_finding_code_used_in_the_code_is_in_the_catalog_and_has_both_messages():
    """Both messages: the English msgid and its Vietnamese (tests/test_finding_messages.py holds the catalog)."""
    used: dict[str, set[str]] = {}
    for p in sorted((ROOT / "parxl").rglob("*.py")):
        for code in _codes_in(p):
            used.setdefault(code, set()).add(str(p.relative_to(ROOT)))
    assert used, "no finding codes found"
    assert set(used) <= set(CATALOG), {c: used[c] for c in set(used) - set(CATALOG)}
    vi = vietnamese()
    for code in CATALOG.values():
        assert code.msgid.strip() and vi(code.msgid).strip(), code.code
        assert vi(code.msgid) != code.msgid
        assert f"`{code.code}`" in README


# That every catalog code is added by some module, and produced by some test: tests/test_catalog_coverage.py.


def test_the_code_scan_can_fail(tmp_path):
    """The scan sees emitted codes in all their forms and ignores declarations and comparisons."""
    src = tmp_path / "m.py"
    src.write_text('''
Code("value.declared-only", E, "vi", "en")
bad("file.encrypted" if x else \'file.legacy-xls\')
findings.add("folder.some-code", file=f)
Finding("row.missing")
if p.warning == "value.compared-only": pass
if code in ("value.in-a-tuple",): pass
msg = "see value.coerced in the README"
''', encoding="utf-8")
    assert _codes_in(src) == {"file.encrypted", "file.legacy-xls", "folder.some-code", "row.missing"}


def test_ci_runs_readmes_test_command():
    run = (ROOT / ".ci" / "run").read_text()
    m = re.search(r"bash \.ci/setup && (PARXL_REQUIRE_LIBREOFFICE=1 python3 -m pytest[^\n`]*)", README)
    assert m and m.group(1).strip() in run
