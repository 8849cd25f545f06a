"""README stays in step with the code: commands, finding codes, and the two set-up commands."""
from __future__ import annotations

import re

from conftest import ROOT
from parxl.docs import render
from parxl.findings import CATALOG

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_generated_sections_are_current():
    assert render(README) == README, "run: python -m parxl.docs README.md"


def test_every_command_is_documented():
    from parxl.cli import cli
    for name in cli.commands:
        assert f"### `parxl {name}" in README, name


def test_every_finding_code_used_in_the_code_is_in_the_catalog_and_has_both_messages():
    used = set()
    for p in (ROOT / "parxl").glob("*.py"):
        text = p.read_text(encoding="utf-8")
        used |= set(re.findall(r'"((?:file|identity|layout|row|value|return)\.[a-z-]+)"', text))
    assert used, "no finding codes found"
    assert used <= set(CATALOG), used - set(CATALOG)
    assert set(CATALOG) <= used, set(CATALOG) - used          # no code in the catalog that nothing emits
    for code in CATALOG.values():
        assert code.vi.strip() and code.en.strip(), code.code
        assert code.vi != code.en
        assert f"`{code.code}`" in README


def test_ci_runs_readmes_test_command():
    run = (ROOT / ".ci" / "run").read_text()
    m = re.search(r"bash \.ci/setup && (PARXL_REQUIRE_LIBREOFFICE=1 python3 -m pytest[^\n`]*)", README)
    assert m and m.group(1).strip() in run
