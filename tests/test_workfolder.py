"""The secretariat's own PC: parxl installed from its wheel, used from an empty folder; a working folder
that remembers the plan, key and ledger; one key per folder; a merge that refuses a wrong key or a wrong
period instead of blaming the agencies.

The commands run as a person runs them: ``parxl`` (or ``python -m parxl``) in a fresh process, in a folder
of their own; the outputs are compared byte for byte with those of today's explicit options."""
from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import KEY, PLAN, ROOT, WHEN, cli, cli_env

GOOD = {"III.4.2/1": {"numerator": 96, "denominator": 100}}
AGENCIES = ("TAMKY", "HOIAN", "DIENBAN")


def _run(cmd: list, cwd: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run([*map(str, cmd)], capture_output=True, text=True, cwd=cwd, env=cli_env(**env), timeout=300)


def _ok(r: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def _fill(issued_dir: Path, returns: Path, plan, agencies=AGENCIES) -> None:
    from parxl.demo import simulate
    returns.mkdir(parents=True, exist_ok=True)
    for a in agencies:
        src = next(issued_dir.glob(f"*_{a}.xlsx"))
        simulate.fill_openpyxl(src, returns / f"{a.lower()}.xlsx", plan, a, GOOD, WHEN)


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.xlsx"))}


# -- installed from the wheel, used from an empty folder ---------------------------------------------------

@pytest.fixture(scope="module")
def wheel_parxl(tmp_path_factory) -> Path:
    """parxl built as a wheel and installed in a fresh virtual environment (its dependencies from this one):
    the ``parxl`` command a secretariat gets from ``pip install parxl``."""
    tmp = tmp_path_factory.mktemp("wheel")
    _ok(_run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", tmp / "dist",
              ROOT], tmp))
    wheel = next((tmp / "dist").glob("parxl-*.whl"))
    venv = tmp / "venv"
    # not --system-site-packages: this interpreter's site-packages may hold an editable install of parxl whose
    # import hook (a .pth) would answer "import parxl" with the checkout; the dependencies come through
    # PYTHONPATH instead (_installed), where no .pth is read
    _ok(_run([sys.executable, "-m", "venv", venv], tmp))
    scripts = Path(sysconfig.get_path("scripts", vars={"base": str(venv), "platbase": str(venv)}))
    python = scripts / ("python.exe" if os.name == "nt" else "python")
    _ok(_run([python, "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed",
              "--disable-pip-version-check", wheel], tmp))
    return scripts / ("parxl.exe" if os.name == "nt" else "parxl")


def _installed(cmd: Path, *args, cwd: Path, **env) -> subprocess.CompletedProcess:
    e = cli_env(**env)
    # the installed package only, never this checkout: parxl from the wheel, its dependencies from here
    e["PYTHONPATH"] = os.pathsep.join(site.getsitepackages())
    return subprocess.run([str(cmd), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=e, timeout=300)


def test_the_wheel_carries_the_bundled_plan_and_its_catalog(wheel_parxl, tmp_path):
    where = _installed(wheel_parxl.parent / "python", "-c", "import parxl, parxl.bundled as b; "
                       "print(parxl.__file__); print(b.bundled_plans()['quangnam-2024'])", cwd=tmp_path)
    _ok(where)
    module, plan = where.stdout.split()
    venv = wheel_parxl.parent.parent
    assert Path(module).is_relative_to(venv) and Path(plan).is_file() and Path(plan).is_relative_to(venv)
    assert (Path(plan).parent / "agencies.toml").is_file()
    r = _ok(_installed(wheel_parxl, "plan", "check", cwd=tmp_path))
    assert "quangnam-par-2024 v1.1" in r.stdout and "46 cơ quan" in r.stdout
    _ok(_installed(wheel_parxl, "plan", "check", "quangnam-2024", cwd=tmp_path))
    _ok(_installed(wheel_parxl, "plan", "check", "quangnam-par-2024", cwd=tmp_path))
    bad = _installed(wheel_parxl, "generate", "2024-Q3", "--plan", "hanoi-2030", "--out", "x", cwd=tmp_path)
    assert bad.returncode == 2 and "quangnam-2024" in bad.stderr and not (tmp_path / "x").exists()


def test_a_year_from_an_empty_folder_with_no_options_gives_what_the_options_give(wheel_parxl, plan, tmp_path):
    """init → generate → fill → check → merge → history → generate with the ledger, in a working folder
    with no --plan, --key or --ledger, against the same steps with today's options: the same bytes."""
    desk = tmp_path / "CCHC-2024"
    made = _ok(_installed(wheel_parxl, "init", desk, cwd=tmp_path))
    assert "parxl.key" in made.stdout
    key = desk / "parxl.key"
    assert sorted(p.name for p in desk.iterdir()) == ["ke-hoach", "parxl.key", "parxl.toml"]
    by_hand = tmp_path / "by-hand"
    flags = ["--plan", PLAN, "--key", key]

    _ok(_installed(wheel_parxl, "generate", "2024-Q3", "--issued", "15/09/2024", cwd=desk))
    _ok(cli("generate", "--period", "2024-Q3", "--issued", "15/09/2024", "--out", by_hand / "issued", *flags,
            cwd=tmp_path))
    mine = _bytes(desk / "2024-Q3" / "phat-hanh")
    assert len(mine) == 46 and mine == _bytes(by_hand / "issued")
    assert (desk / "2024-Q3" / "nhan").is_dir()          # where the returns go
    assert sorted(p.name for p in desk.rglob("*.key")) == ["parxl.key"]

    _fill(desk / "2024-Q3" / "phat-hanh", desk / "2024-Q3" / "nhan", plan)
    _fill(by_hand / "issued", by_hand / "returns", plan)

    names = sorted(p.name for p in (desk / "2024-Q3" / "nhan").iterdir())
    here = _installed(wheel_parxl, "check", *names, cwd=desk / "2024-Q3" / "nhan")
    there = cli("check", *names, *flags, cwd=by_hand / "returns")
    assert here.returncode == there.returncode == 0 and here.stdout == there.stdout
    assert "identity.no-key" not in here.stdout     # the folder's key verified the signatures

    _ok(_installed(wheel_parxl, "merge", "2024-Q3", cwd=desk / "2024-Q3" / "nhan"))   # from a folder under it
    _ok(cli("merge", "--period", "2024-Q3", "--returns", by_hand / "returns", "--out", by_hand / "th.xlsx",
            "--report", by_hand / "report.json", "--ledger", by_hand / "ledger.sqlite", *flags, cwd=tmp_path))
    out = desk / "2024-Q3"
    assert (out / "tong-hop-2024-Q3.xlsx").read_bytes() == (by_hand / "th.xlsx").read_bytes()
    mine, theirs = (json.loads((p).read_text(encoding="utf-8")) for p in (out / "report-2024-Q3.json",
                                                                         by_hand / "report.json"))
    assert _without_paths(mine) == _without_paths(theirs)
    assert (desk / "parxl-ledger.sqlite").is_file()

    here = _installed(wheel_parxl, "history", "--agency", "TAMKY", "--json", cwd=desk)
    there = cli("history", "--ledger", by_hand / "ledger.sqlite", "--agency", "TAMKY", "--json", cwd=tmp_path)
    assert here.returncode == there.returncode == 0
    assert _without_paths(json.loads(here.stdout)) == _without_paths(json.loads(there.stdout))
    assert '"TAMKY"' in here.stdout

    _ok(_installed(wheel_parxl, "generate", "2024-Q4", "--issued", "15/12/2024", cwd=desk))
    _ok(cli("generate", "--period", "2024-Q4", "--issued", "15/12/2024", "--out", by_hand / "q4",
            "--ledger", by_hand / "ledger.sqlite", *flags, cwd=tmp_path))
    mine = _bytes(desk / "2024-Q4" / "phat-hanh")
    plain = tmp_path / "plain-q4"
    _ok(cli("generate", "--period", "2024-Q4", "--issued", "15/12/2024", "--out", plain, *flags, cwd=tmp_path))
    assert mine == _bytes(by_hand / "q4")
    assert mine["2024-Q4_TAMKY.xlsx"] != _bytes(plain)["2024-Q4_TAMKY.xlsx"]   # last period's values shown


def _without_paths(x):
    """A report or history with the folder names taken out (the two runs read different folders)."""
    if isinstance(x, dict):
        return {k: _without_paths(v) for k, v in x.items() if k not in ("returns", "ledger", "path", "folder",
                                                                        "run_at", "recorded_at", "inputs")}
    if isinstance(x, list):
        return [_without_paths(v) for v in x]
    return x


# -- the working folder ------------------------------------------------------------------------------------

def test_init_refuses_a_second_time_and_keeps_an_existing_key(tmp_path):
    _ok(cli("init", "d", cwd=tmp_path))
    key = (tmp_path / "d" / "parxl.key").read_bytes()
    again = cli("init", "d", cwd=tmp_path)
    assert again.returncode == 2 and "parxl.toml" in again.stderr
    assert (tmp_path / "d" / "parxl.key").read_bytes() == key
    # last year's key, kept where it is: no new key in the new folder
    r = _ok(cli("init", "d2025", "--key", tmp_path / "d" / "parxl.key", cwd=tmp_path))
    assert not (tmp_path / "d2025" / "parxl.key").exists() and "d/parxl.key" in r.stdout
    _ok(cli("generate", "2024-Q3", "--agency", "TAMKY", cwd=tmp_path / "d2025"))
    assert sorted(p.name for p in tmp_path.rglob("*.key")) == ["parxl.key"]


def test_a_folder_is_found_from_below_by_option_and_by_environment(tmp_path):
    _ok(cli("init", "d", cwd=tmp_path))
    deep = tmp_path / "d" / "a" / "b"
    deep.mkdir(parents=True)
    _ok(cli("generate", "2024-Q3", "--agency", "TAMKY", cwd=deep))
    assert (tmp_path / "d" / "2024-Q3" / "phat-hanh" / "2024-Q3_TAMKY.xlsx").is_file()
    _ok(cli("--folder", tmp_path / "d", "generate", "2024-Q4", "--agency", "TAMKY", cwd=tmp_path))
    assert (tmp_path / "d" / "2024-Q4" / "phat-hanh" / "2024-Q4_TAMKY.xlsx").is_file()
    _ok(cli("generate", "2024-Q2", "--agency", "TAMKY", cwd=tmp_path, PARXL_FOLDER=str(tmp_path / "d")))
    assert (tmp_path / "d" / "2024-Q2" / "phat-hanh" / "2024-Q2_TAMKY.xlsx").is_file()
    # an explicit option still wins
    _ok(cli("generate", "2024-Q1", "--agency", "TAMKY", "--out", tmp_path / "elsewhere", cwd=tmp_path / "d"))
    assert (tmp_path / "elsewhere" / "2024-Q1_TAMKY.xlsx").is_file()
    assert not (tmp_path / "elsewhere").parent.joinpath("parxl.key").exists()   # the folder's key, not a new one


def test_outside_a_folder_the_options_are_needed_and_said_in_vietnamese(tmp_path):
    r = cli("merge", "2024-Q3", cwd=tmp_path)
    assert r.returncode == 2 and "--returns" in r.stderr and "parxl init" in r.stderr
    r = cli("history", cwd=tmp_path)
    assert r.returncode == 2 and "--ledger" in r.stderr
    r = cli("generate", cwd=tmp_path)
    assert r.returncode == 2 and "kỳ báo cáo" in r.stderr
    r = cli("generate", "2024-Q3", "--period", "2024-Q2", "--out", "x", cwd=tmp_path)
    assert r.returncode == 2 and "2024-Q2" in r.stderr and not (tmp_path / "x").exists()


@pytest.mark.parametrize("settings, where", [
    ('[folder]\nissued = "phat-hanh"\n', "issued"),
    ('[folder]\nreturns = "{ky}/nhan"\n', "returns"),
    ('[folder]\nkey = 1\n', "key"),
    ('[folder]\nledgr = "x.sqlite"\n', "ledgr"),
    ('plan = "x"\n', "folder"),
    ('[folder\n', "TOML"),
])
def test_a_broken_settings_file_is_named_with_its_setting(tmp_path, settings, where):
    _ok(cli("init", "d", cwd=tmp_path))
    (tmp_path / "d" / "parxl.toml").write_text(settings, encoding="utf-8")
    r = cli("generate", "2024-Q3", cwd=tmp_path / "d")
    assert r.returncode == 2 and "parxl.toml" in r.stderr and where in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "d" / "2024-Q3").exists()


def test_a_missing_folder_key_is_never_replaced(tmp_path):
    _ok(cli("init", "d", cwd=tmp_path))
    (tmp_path / "d" / "parxl.key").unlink()
    r = cli("generate", "2024-Q3", cwd=tmp_path / "d")
    assert r.returncode == 2 and "parxl.key" in r.stderr and "sao lưu" in r.stderr
    assert not list(tmp_path.rglob("*.key")) and not (tmp_path / "d" / "2024-Q3").exists()


def test_a_bundled_plan_by_name_and_a_plan_folder_by_path(tmp_path):
    r = _ok(cli("plan", "check", "quangnam-2024", cwd=tmp_path))
    assert "quangnam-par-2024" in r.stdout
    _ok(cli("plan", "check", "quangnam-par-2024", cwd=tmp_path))
    _ok(cli("plan", "check", ROOT / "templates" / "quangnam-2024", cwd=tmp_path))
    r = cli("plan", "check", "quangnam", cwd=tmp_path)
    assert r.returncode == 2 and "quangnam-2024" in r.stderr
    r = cli("plan", "check", "nowhere/plan.toml", cwd=tmp_path)
    assert r.returncode == 2 and "không tìm thấy tệp" in r.stderr


# -- one key per folder ------------------------------------------------------------------------------------

def test_generate_uses_the_key_it_finds_instead_of_making_a_second(tmp_path):
    """README step 1 makes ./parxl.key; a quarter issued into quy3b/phat-hanh without --key must use it."""
    _ok(cli("keygen", "parxl.key", cwd=tmp_path))
    r = _ok(cli("generate", "--period", "2024-Q3", "--out", "quy3b/phat-hanh", "--agency", "TAMKY", cwd=tmp_path))
    assert "parxl.key" not in r.stderr                       # no "made a new key"
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.key")) == ["parxl.key"]
    from parxl.identity import load_key, verify
    from parxl.reader import read_return
    wb = read_return(tmp_path / "quy3b" / "phat-hanh" / "2024-Q3_TAMKY.xlsx")
    assert verify(wb.identity_sheet, load_key(tmp_path / "parxl.key"))
    # with no key in reach (the current folder and the output's), one is made beside the output folder, once
    for _ in range(2):
        _ok(cli("generate", "--period", "2024-Q3", "--out", "x/phat-hanh", "--agency", "TAMKY", cwd=tmp_path / "quy3b"))
        assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.key")) == [
            "parxl.key", "quy3b/x/parxl.key"]


# -- a merge that refuses the wrong key or the wrong period, and blames no agency -----------------------------

@pytest.fixture
def quarter(plan, tmp_path):
    """A working folder with three genuine returns for 2024-Q3."""
    _ok(cli("init", "d", cwd=tmp_path))
    d = tmp_path / "d"
    _ok(cli("generate", "2024-Q3", cwd=d))
    _fill(d / "2024-Q3" / "phat-hanh", d / "2024-Q3" / "nhan", plan)
    return d


def _written(d: Path) -> list[str]:
    return sorted(p.name for p in (d / "2024-Q3").glob("*.*") if p.is_file())


def test_a_single_return_that_fails_its_signature_means_the_wrong_key(quarter, tmp_path):
    only = tmp_path / "one"
    only.mkdir()
    (quarter / "2024-Q3" / "nhan" / "tamky.xlsx").rename(only / "tamky.xlsx")
    _ok(cli("keygen", tmp_path / "other.key", cwd=tmp_path))
    r = cli("merge", "2024-Q3", "--returns", only, "--key", tmp_path / "other.key", cwd=quarter)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "khóa" in r.stderr and "--key" in r.stderr and "Sở Nội vụ phát hành" not in r.stderr
    assert _written(quarter) == []
    r = cli("merge", "2024-Q3", cwd=quarter, PARXL_LANG="en")        # every file is signed with another key
    assert r.returncode == 0                                          # (the folder's key: fine)


def test_foreign_copies_beside_genuine_returns_are_rejected_one_by_one(quarter, plan, tmp_path):
    """Four workbooks signed with another key beside three genuine returns: one genuine return proves the
    key, the merge is written, and each foreign copy is rejected with identity.bad-signature."""
    from parxl.periods import Period
    from parxl.writer import generate
    foreign = tmp_path / "foreign"
    generate(plan, Period.parse("2024-Q3"), foreign, KEY, ["QUESON", "NUITHANH", "DONGGIANG", "TAYGIANG"])
    _fill(foreign, quarter / "2024-Q3" / "nhan", plan, ("QUESON", "NUITHANH", "DONGGIANG", "TAYGIANG"))
    _ok(cli("merge", "2024-Q3", cwd=quarter))
    report = json.loads((quarter / "2024-Q3" / "report-2024-Q3.json").read_text(encoding="utf-8"))
    bad = sorted(f["file"] for f in report["findings"] if f["code"] == "identity.bad-signature")
    assert bad == ["donggiang.xlsx", "nuithanh.xlsx", "queson.xlsx", "taygiang.xlsx"]
    assert sorted(r["file"] for r in report["returns"] if r["status"] == "accepted") == [
        "dienban.xlsx", "hoian.xlsx", "tamky.xlsx"]


def test_returns_all_of_another_period_are_named_not_reported_missing(quarter):
    r = cli("merge", "2024-Q2", "--returns", quarter / "2024-Q3" / "nhan", cwd=quarter)
    assert r.returncode == 2 and "2024-Q3 (3)" in r.stderr and "2024-Q2" in r.stderr, r.stderr
    assert not [p for p in (quarter / "2024-Q2").rglob("*") if p.suffix in (".xlsx", ".json")]
    # asked for on purpose (the only file in may be an agency's old one): every agency reported missing
    r = _ok(cli("merge", "2024-Q2", "--returns", quarter / "2024-Q3" / "nhan", "--allow-empty", cwd=quarter))
    report = json.loads((quarter / "2024-Q2" / "report-2024-Q2.json").read_text(encoding="utf-8"))
    assert len(report["missing"]) == 46
    assert {f["code"] for f in report["findings"] if f.get("file") == "tamky.xlsx"} >= {"identity.other-period"}


def test_the_demo_runs_without_libreoffice_and_says_what_it_skipped(tmp_path):
    """An office PC has no LibreOffice: the demo still runs the quarter and says what it left out."""
    r = cli("demo", tmp_path / "demo", cwd=tmp_path, PATH=str(tmp_path / "no-programs-here"))
    assert r.returncode == 0, r.stderr
    assert "không tìm thấy LibreOffice, bỏ qua" in r.stdout          # Vietnamese by default (issue 19)
    assert (tmp_path / "demo" / "tong-hop-2024-Q3.xlsx").is_file()
