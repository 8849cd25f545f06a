"""The commands of next year's plan, run as the secretariat runs them: plan import, registry import, plan diff."""
from __future__ import annotations

import subprocess
import tomllib

from conftest import PARXL, ROOT
from test_plan_import import render_docx
from test_two_tier import _list

PLAN = ROOT / "templates" / "quangnam-2024" / "plan.toml"
AGENCIES = ROOT / "templates" / "quangnam-2024" / "agencies.toml"


def _cli(*args, cwd=None):
    return subprocess.run([*PARXL, *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_plan_import_writes_a_draft_that_plan_check_accepts_and_prints_its_summary(tmp_path):
    appendix = tmp_path / "phu-luc.docx"
    render_docx(tomllib.loads(PLAN.read_text(encoding="utf-8")), appendix)
    out = tmp_path / "draft" / "plan.toml"
    r = _cli("--lang", "en", "plan", "import", appendix, "--agencies", AGENCIES, "--out", out, "--year", "2024")
    assert r.returncode == 0, r.stderr
    assert "69 tasks" in r.stdout and "to review" in r.stdout
    check = _cli("plan", "check", out)
    assert check.returncode == 0, check.stderr
    again = _cli("plan", "import", appendix, "--agencies", AGENCIES, "--out", out)
    assert again.returncode == 2 and "--force" in again.stderr          # never overwrites silently
    diff = _cli("--lang", "en", "plan", "diff", PLAN, out)
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.splitlines()[0].startswith("quangnam-par-2024")


def test_registry_import_builds_a_two_tier_registry(tmp_path):
    out = tmp_path / "agencies.toml"
    r = _cli("registry", "import", _list(tmp_path / "list.csv", "csv"), "--out", out, "--id", "thu-nghiem-2026")
    assert r.returncode == 0, r.stderr
    reg = tomllib.loads(out.read_text(encoding="utf-8"))
    assert reg["registry"]["id"] == "thu-nghiem-2026"
    assert sum(1 for a in reg["agency"] if a["name"].startswith("Xã thử nghiệm")) == 100
