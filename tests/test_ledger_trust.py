"""The year's ledger never costs a quarter's outputs, never lends a wrong figure, and never loses a run.

Each case damages a real ledger (made by merging real returns) the way the issue describes — a planted or
garbled row, a damaged page, another province's file, two merges migrating one new file, a ledger locked
by another program — and checks what the secretariat gets: the outputs written, the message, the exit code,
and that nothing planted reaches an agency's workbook."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from conftest import KEY, PLAN, cli, cli_env
from parxl.demo import simulate
from parxl.layout import COL, agency_layout
from parxl.ledger import SCHEMA_VERSION, Ledger, seal
from parxl.merge import merge_to_files
from parxl.periods import Period
from parxl.writer import generate

DONE, RATE = "IV.1/1", "III.4.2/1"
Q1 = Period.parse("2024-Q1")
VALUES = {RATE: {"numerator": 900, "denominator": 1000}, DONE: {"status": "Hoàn thành", "evidence": "QĐ 12/QĐ-UBND",
                                                                 "doc_date": dt.date(2024, 3, 10)}}


@pytest.fixture
def year(plan, tmp_path):
    """2024-Q1 of Tam Kỳ and Hội An merged into a new ledger (key in the folder, as README step 1 says)."""
    (tmp_path / "parxl.key").write_text(KEY.hex())
    issued = {i.agency: i.path for i in generate(plan, Q1, tmp_path / "issued", KEY, ["TAMKY", "HOIAN"])}
    (tmp_path / "q1").mkdir()
    at = dt.datetime(2024, 3, 16, 9, 0, tzinfo=dt.timezone.utc)
    simulate.fill_openpyxl(issued["TAMKY"], tmp_path / "q1" / "tamky.xlsx", plan, "TAMKY", VALUES, at)
    simulate.fill_openpyxl(issued["HOIAN"], tmp_path / "q1" / "hoian.xlsx", plan, "HOIAN",
                           {RATE: {"numerator": 800, "denominator": 1000}}, at)
    ledger = tmp_path / "parxl-ledger.sqlite"
    rep = merge_to_files(plan, Q1, tmp_path / "q1", tmp_path / "th-q1.xlsx", KEY, ledger=ledger)
    assert rep.ledger_run == 1 and rep.ledger_problem is None
    return tmp_path, ledger


def _sql(ledger: Path, *statements: str) -> None:
    db = sqlite3.connect(ledger)
    for s in statements:
        db.execute(s)
    db.commit()
    db.close()


def _merge_q1_again(tmp: Path, *extra) -> subprocess.CompletedProcess:
    return cli("merge", "--period", "2024-Q2", "--returns", tmp / "q1", "--out", tmp / "out" / "th.xlsx",
               "--report", tmp / "out" / "r.json", "--allow-empty", *extra, cwd=tmp)


# -- one bad row costs that row only -------------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE figures SET value = '=cmd|'' /C calc''!A0' WHERE indicator = 'III.4.2/1'",
    "UPDATE figures SET value = '1/0' WHERE indicator = 'III.4.2/1'",
    "UPDATE figures SET verdict = 'excellent' WHERE indicator = 'III.4.2/1'",
    "UPDATE figures SET required = 'many' WHERE indicator = 'III.4.2/1'",
    "UPDATE agency_values SET verdict = 'đạt lắm' WHERE agency = 'TAMKY' AND indicator = 'III.4.2/1'",
    "UPDATE agency_values SET numerator = 'chín trăm' WHERE agency = 'TAMKY' AND indicator = 'III.4.2/1'",
    "UPDATE agency_values SET doc_date = '31/02/2024' WHERE agency = 'TAMKY' AND indicator = 'IV.1/1'",
])
def test_a_garbled_ledger_row_is_left_out_and_said_and_the_merge_writes_its_outputs(year, statement):
    tmp, ledger = year
    _sql(ledger, statement)
    r = _merge_q1_again(tmp)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert (tmp / "out" / "th.xlsx").is_file() and json.loads((tmp / "out" / "r.json").read_text("utf-8"))
    h = cli("history", "--ledger", ledger, "--agency", "TAMKY", cwd=tmp)
    assert h.returncode == 0 and "Traceback" not in h.stderr
    g = cli("generate", "--period", "2024-Q2", "--out", tmp / "q2", "--ledger", ledger, cwd=tmp)
    assert g.returncode == 0 and "Traceback" not in g.stderr, g.stderr
    if "figures" in statement:        # read by the merge (the year so far): left out, and said, naming the run
        assert "bỏ qua" in r.stderr and "#1" in r.stderr and "III.4.2/1" in r.stderr
    else:                             # an agency's value: read by history and generate --ledger
        assert "bỏ qua" in h.stdout and "TAMKY" in h.stdout
        assert "TAMKY" in g.stderr and len(list((tmp / "q2").glob("*.xlsx"))) == 46


def test_a_damaged_page_found_by_quick_check_is_acted_on(year):
    tmp, ledger = year
    db = sqlite3.connect(ledger)
    db.execute("PRAGMA journal_mode = DELETE")
    page = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'agency_values_by_agency'").fetchone()[0]
    db.close()
    with open(ledger, "r+b") as f:        # an index page scribbled over: the tables still open
        f.seek((root - 1) * page + 8)
        f.write(b"\xff" * 64)
    r = _merge_q1_again(tmp)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "bị hỏng" in r.stderr and "sao lưu" in r.stderr and "Traceback" not in r.stderr
    assert (tmp / "out" / "th.xlsx").is_file()          # the outputs are written all the same


# -- what generate --ledger carries over is what a merge recorded -------------------------------------------

def _input(path: Path, plan, agency: str, code: str, key: str):
    sheet, row = next((s, r) for s in agency_layout(plan, agency) for r in s.rows if r.indicator.code == code)
    return openpyxl.load_workbook(path)[sheet.name].cell(row.excel_row + 1, COL[key] + 1).value


def test_a_row_planted_in_the_ledger_is_not_carried_into_a_workbook(plan, year):
    tmp, ledger = year
    _sql(ledger, "UPDATE agency_values SET status = 'Hoàn thành', evidence = 'QĐ số 999', doc_date = '2024-03-01', "
                 "verdict = 'met' WHERE agency = 'HOIAN' AND indicator = 'IV.1/1'")
    g = cli("generate", "--period", "2024-Q2", "--out", tmp / "q2", "--ledger", ledger, cwd=tmp)
    assert g.returncode == 0, g.stderr
    assert "HOIAN IV.1/1" in g.stderr and "khóa" in g.stderr      # said, with the record it left out
    assert _input(tmp / "q2" / "2024-Q2_HOIAN.xlsx", plan, "HOIAN", DONE, "evidence") is None
    # Tam Kỳ's genuine "Hoàn thành" is carried over as before
    assert _input(tmp / "q2" / "2024-Q2_TAMKY.xlsx", plan, "TAMKY", DONE, "evidence") == "QĐ 12/QĐ-UBND"


def test_a_row_sealed_with_another_key_is_not_carried_either(plan, year):
    tmp, ledger = year
    db = sqlite3.connect(ledger)
    db.row_factory = sqlite3.Row
    row = dict(db.execute("SELECT * FROM agency_values WHERE agency = 'TAMKY' AND indicator = 'IV.1/1'").fetchone())
    from parxl.ledger import FIELDS
    forged = seal(b"\x22" * 32, plan.id, "2024-Q1", "TAMKY", DONE, {f: row[f] for f, _ in FIELDS})
    db.execute("UPDATE agency_values SET seal = ? WHERE agency = 'TAMKY' AND indicator = 'IV.1/1'", (forged,))
    db.commit()
    db.close()
    g = cli("generate", "--period", "2024-Q2", "--out", tmp / "q2", "--ledger", ledger, cwd=tmp)
    assert g.returncode == 0 and "TAMKY IV.1/1" in g.stderr
    assert _input(tmp / "q2" / "2024-Q2_TAMKY.xlsx", plan, "TAMKY", DONE, "evidence") is None


# -- another province's ledger ---------------------------------------------------------------------------

def test_another_provinces_ledger_is_refused_and_keeps_its_own_runs(plan, year, tmp_path):
    tmp, ledger = year
    _sql(ledger, "UPDATE runs SET province = 'Tỉnh thử nghiệm', plan_id = 'thu-nghiem-2023'",
         "UPDATE periods SET plan_id = 'thu-nghiem-2023'")
    r = _merge_q1_again(tmp)
    assert r.returncode == 2 and "Tỉnh thử nghiệm" in r.stderr and "Quảng Nam" in r.stderr, r.stderr
    assert (tmp / "out" / "th.xlsx").is_file()
    with Ledger.open(ledger) as led:
        assert [x["plan_id"] for x in led.runs()] == ["thu-nghiem-2023"]      # nothing of ours recorded into it
    g = cli("generate", "--period", "2024-Q2", "--out", tmp / "q2", "--ledger", ledger, cwd=tmp)
    assert g.returncode == 2 and "Tỉnh thử nghiệm" in g.stderr
    # the same province written another way is the same province
    _sql(ledger, "UPDATE runs SET province = ' quảng  nam '")
    assert _merge_q1_again(tmp).returncode == 0


# -- a run that could not be recorded is an error the operator sees --------------------------------------------

def test_a_locked_ledger_writes_the_outputs_and_exits_2_saying_the_run_is_not_recorded(year):
    tmp, ledger = year
    holder = sqlite3.connect(ledger, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = _merge_q1_again(tmp)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.returncode == 2 and "khóa" in r.stderr and "chạy lại" in r.stderr, r.stderr
    assert (tmp / "out" / "th.xlsx").is_file()
    again = _merge_q1_again(tmp)
    assert again.returncode == 0
    with Ledger.open(ledger) as led:
        assert [x["period"] for x in led.runs()] == ["2024-Q1", "2024-Q2"]


# -- two merges on one new ledger ------------------------------------------------------------------------

_OPEN = "import sys; from parxl.ledger import Ledger; Ledger.open(sys.argv[1]).close(); print('ok')"


def test_a_new_ledger_migrated_by_two_runs_at_once_loses_nothing(tmp_path):
    """One run holds the new file's write lock while the other has already read it as empty: the second
    must read the schema version again under the lock, not create the tables a second time."""
    from parxl.ledger import APPLICATION_ID, MIGRATIONS
    path = tmp_path / "parxl-ledger.sqlite"
    first = sqlite3.connect(path, isolation_level=None)
    first.execute("BEGIN IMMEDIATE")              # the first run, migrating
    second = subprocess.Popen([sys.executable, "-c", _OPEN, str(path)], env=cli_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)                               # the second has read user_version = 0 and waits for the lock
    for stmt in "".join(MIGRATIONS).split(";"):
        if stmt.strip():
            first.execute(stmt)
    first.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    first.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    first.execute("COMMIT")
    first.close()
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0 and out.strip() == "ok", err
    with Ledger.open(path) as led:
        assert led.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


# -- the same name in NFC and NFD ------------------------------------------------------------------------

def test_a_resubmission_named_in_nfd_beside_its_nfc_twin_is_recorded_and_its_change_shown(plan, tmp_path):
    """"báo cáo.xlsx" sent from Windows (NFC), then corrected and sent from a Mac (NFD): two files, one name
    once normalised. Both are read, the ledger records the run, and Nộp lại shows the 1 → 9 correction."""
    import unicodedata
    issued = {i.agency: i.path for i in generate(plan, Q1, tmp_path / "issued", KEY, ["TAMKY"])}
    returns = tmp_path / "returns"
    returns.mkdir()
    nfc, nfd = (unicodedata.normalize(f, "báo cáo.xlsx") for f in ("NFC", "NFD"))
    assert nfc != nfd
    at = dt.datetime(2024, 3, 16, 9, 0, tzinfo=dt.timezone.utc)
    simulate.fill_openpyxl(issued["TAMKY"], returns / nfc, plan, "TAMKY", {RATE: {"numerator": 1, "denominator": 10}}, at)
    simulate.fill_openpyxl(issued["TAMKY"], returns / nfd, plan, "TAMKY", {RATE: {"numerator": 9, "denominator": 10}},
                           at + dt.timedelta(days=1))
    ledger = tmp_path / "parxl-ledger.sqlite"
    rep = merge_to_files(plan, Q1, returns, tmp_path / "th.xlsx", KEY, ledger=ledger)
    assert rep.ledger_problem is None and rep.ledger_run == 1
    names = sorted(r.file for r in rep.returns)
    assert names == ["báo cáo.xlsx", "báo cáo.xlsx [2]"]
    assert {f.code for f in rep.findings if f.file == "báo cáo.xlsx [2]"} >= {"file.same-name"}
    change = next(c for c in rep.changes if c.indicator == RATE and c.field == "numerator")
    assert (change.old, change.new) == ("1", "9") and change.old_file != change.new_file
    with Ledger.open(ledger) as led:
        assert sorted(f["path"] for f in led.files(1)) == names


def test_a_seal_is_what_every_earlier_parxl_wrote():
    """Ledgers outlive parxl releases: a value sealed by an earlier release must verify with this one.  The seal is
    HMAC-SHA256 with the key over the compact JSON (UTF-8, not ASCII-escaped) of the plan, the period, the agency,
    the indicator and the stored fields in their order; this vector was computed that way, independently of
    parxl.ledger's code."""
    fields = {"status": None, "numerator": "9/10", "denominator": None, "current": None, "baseline": None,
              "value": None, "evidence": 'QĐ 12/QĐ-UBND "mật"', "doc_date": "2024-03-10", "issues": None,
              "proposals": None, "verdict": "met"}
    assert seal(b"\x11" * 32, "quangnam-2024", "2024-Q1", "TAMKY", DONE, fields) == \
        "6b4445681c8b8d73af459b268f9f25e35b98d7cc6ceecc665932a96a335c06c4"
