"""The commands of next year's plan, run as the secretariat runs them: plan import, registry import, plan diff."""
from __future__ import annotations

import re
import tomllib

from conftest import ROOT, cli
from test_plan_import import render_docx
from test_two_tier import _list

PLAN = ROOT / "templates" / "quangnam-2024" / "plan.toml"
AGENCIES = ROOT / "templates" / "quangnam-2024" / "agencies.toml"


def test_plan_import_writes_a_draft_that_plan_check_accepts_only_as_a_draft(tmp_path):
    appendix = tmp_path / "phu-luc.docx"
    render_docx(tomllib.loads(PLAN.read_text(encoding="utf-8")), appendix)
    out = tmp_path / "draft" / "plan.toml"
    r = cli("--lang", "en", "plan", "import", appendix, "--agencies", AGENCIES, "--out", out, "--year", "2024")
    assert r.returncode == 0, r.stderr
    assert "69 tasks" in r.stdout and "to review" in r.stdout
    n = int(re.search(r"(\d+) to review", r.stdout).group(1))
    check = cli("--lang", "en", "plan", "check", out)
    assert check.returncode == 2 and "a draft" in check.stderr               # review lines left: refused
    assert check.stderr.count(".review: ") == n
    draft = cli("--lang", "en", "plan", "check", "--draft", out)
    assert draft.returncode == 0, draft.stderr
    reviews = draft.stdout.split("deadlines could not be read")[0]        # the unread deadlines are listed after
    assert f"a draft: {n} lines to review" in draft.stdout and reviews.count("\n  ") == n
    assert cli("plan", "check", "--draft", out).returncode == 0                # in Vietnamese too
    again = cli("plan", "import", appendix, "--agencies", AGENCIES, "--out", out, "--year", "2024")
    assert again.returncode == 2 and "--force" in again.stderr          # never overwrites silently
    # the person reads each review line, fixes the draft, deletes the line: then it is a plan
    out.write_text("".join(ln for ln in out.read_text(encoding="utf-8").splitlines(keepends=True)
                           if not ln.startswith("review = ")), encoding="utf-8")
    check = cli("--lang", "en", "plan", "check", out)
    assert check.returncode == 0, check.stderr
    assert "a draft" not in check.stdout
    diff = cli("--lang", "en", "plan", "diff", PLAN, out)
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.splitlines()[0].startswith("quangnam-par-2024")


def test_generate_refuses_a_draft(tmp_path):
    appendix = tmp_path / "phu-luc.docx"
    render_docx(tomllib.loads(PLAN.read_text(encoding="utf-8")), appendix)
    out = tmp_path / "plan.toml"
    assert cli("plan", "import", appendix, "--agencies", AGENCIES, "--out", out).returncode == 0
    assert cli("keygen", tmp_path / "parxl.key").returncode == 0
    gen = cli("--lang", "en", "generate", "2024-Q3", "--plan", out, "--out", tmp_path / "issued",
              "--key", tmp_path / "parxl.key")
    assert gen.returncode == 2 and "a draft" in gen.stderr and "plan check --draft" in gen.stderr
    assert not (tmp_path / "issued").exists() or not any((tmp_path / "issued").iterdir())


def test_registry_import_builds_a_two_tier_registry(tmp_path):
    out = tmp_path / "agencies.toml"
    r = cli("registry", "import", _list(tmp_path / "list.csv", "csv"), "--out", out, "--id", "thu-nghiem-2026")
    assert r.returncode == 0, r.stderr
    reg = tomllib.loads(out.read_text(encoding="utf-8"))
    assert reg["registry"]["id"] == "thu-nghiem-2026"
    assert sum(1 for a in reg["agency"] if a["name"].startswith("Xã thử nghiệm")) == 100
