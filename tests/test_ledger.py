"""The reporting year: a ledger across periods, the trend sheet, what changed on resubmission.

A simulated year on two districts (Tam Kỳ, Hội An), with the figures computed by hand:

III.4.2/1 (rate, Σ numerators / Σ denominators; > 95 %)
  2023-Q4   800/1000 + 400/500                  = 1200/1500 = 80
  2024-Q1   900/1000 + 450/500                  = 1350/1500 = 90
  2024-Q2   run a: 950/1000 (Hội An late)       =  950/1000 = 95
            run b: + Hội An 480/500             = 1430/1500 = 95.33…
  2024-Q3   970/1000 + Hội An 490/500 corrected to 495/500 in the same folder
                                                = 1465/1500 = 97.66…
  2024-Q4   run a: 990/1000 + 480/500           = 1470/1500 = 98
            run b: Hội An's correction 499/500, the first file taken away
                                                = 1489/1500 = 99.26…
VI.3/1 (count, province total ≥ 2; 38 agencies): 0+0, 0+0, 1 then 1+1 (final Đạt), 1+1, 2+1.
Section VI has 10 indicators; only VI.3/1 can be final with two districts: 0, 0, 10 %, 10 %, 10 %.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from fractions import Fraction

import openpyxl
import pytest

from conftest import KEY
from parxl import ledger as L
from parxl.docs import LEDGER_DOC, ledger_columns
from parxl.history import history_text
from parxl.demo import simulate
from parxl.errors import LedgerError, UsageError
from parxl.layout import COL, agency_layout, cell_name
from parxl.merge import merge_to_files
from parxl.periods import Period
from parxl.writer import generate

AGENCIES = ["TAMKY", "HOIAN"]
RATE, COUNT = "III.4.2/1", "VI.3/1"


def _at(period: Period, days: int) -> dt.datetime:
    """A save time ``days`` after the period's data window closed."""
    return dt.datetime.combine(period.window[1], dt.time(10, 0), dt.timezone.utc) + dt.timedelta(days=days)


def _cell(plan, agency, code, key):
    row = next(r for s in agency_layout(plan, agency) for r in s.rows if r.indicator.code == code)
    return cell_name(row.excel_row, COL[key])


class Year:
    """Workbooks issued per period, returns filled, and merges run into one ledger."""

    def __init__(self, plan, root):
        self.plan, self.root = plan, root
        self.ledger = root / "ledger.sqlite"
        self.issued = {}
        self.reports = {}

    def issue(self, code):
        per = Period.parse(code)
        out = self.root / "issued" / code
        self.issued[code] = {i.agency: i.path for i in generate(self.plan, per, out, KEY, agencies=AGENCIES)}
        return per

    def fill(self, code, agency, name, rate, count, days=1):
        per = Period.parse(code)
        dst = self.root / "returns" / code / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        simulate.fill_openpyxl(self.issued[code][agency], dst, self.plan, agency,
                               {RATE: {"numerator": rate[0], "denominator": rate[1]}, COUNT: {"value": count}},
                               _at(per, days))
        return dst

    def merge(self, code, tag, ledger=True):
        per = Period.parse(code)
        out = self.root / "out" / f"{code}-{tag}"
        rep = merge_to_files(self.plan, per, self.root / "returns" / code, out / "tong-hop.xlsx", KEY,
                             out / "report.json", ledger=self.ledger if ledger else None)
        self.reports[f"{code}-{tag}"] = (rep, out)
        return rep


@pytest.fixture(scope="module")
def year(plan, tmp_path_factory):
    y = Year(plan, tmp_path_factory.mktemp("year"))
    for code in ("2023-Q4", "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"):
        y.issue(code)
    y.fill("2023-Q4", "TAMKY", "tamky.xlsx", (800, 1000), 0)
    y.fill("2023-Q4", "HOIAN", "hoian.xlsx", (400, 500), 0)
    y.merge("2023-Q4", "a")
    y.fill("2024-Q1", "TAMKY", "tamky.xlsx", (900, 1000), 0)
    y.fill("2024-Q1", "HOIAN", "hoian.xlsx", (450, 500), 0)
    y.merge("2024-Q1", "a")
    y.fill("2024-Q2", "TAMKY", "tamky.xlsx", (950, 1000), 1)
    y.merge("2024-Q2", "a")                                        # Hội An late
    y.fill("2024-Q2", "HOIAN", "hoian_tre.xlsx", (480, 500), 1, days=11)   # saved after the due date
    y.merge("2024-Q2", "b")
    y.fill("2024-Q3", "TAMKY", "tamky.xlsx", (970, 1000), 1)
    y.fill("2024-Q3", "HOIAN", "hoian_lan1.xlsx", (490, 500), 1, days=1)
    y.fill("2024-Q3", "HOIAN", "hoian_lan2.xlsx", (495, 500), 1, days=3)   # the correction, same folder
    y.merge("2024-Q3", "a")
    y.fill("2024-Q4", "TAMKY", "tamky.xlsx", (990, 1000), 2)
    first = y.fill("2024-Q4", "HOIAN", "hoian.xlsx", (480, 500), 1)
    y.merge("2024-Q4", "a")
    first.unlink()                                                 # the operator took the first file away ...
    y.fill("2024-Q4", "HOIAN", "hoian_sua.xlsx", (499, 500), 1, days=4)   # ... and dropped the correction
    y.merge("2024-Q4", "b")
    y.merge("2024-Q4", "again")                                    # the same merge once more
    return y


def _db(year):
    db = sqlite3.connect(year.ledger)
    db.row_factory = sqlite3.Row
    return db


# -- the ledger's content ----------------------------------------------------------------------

def test_runs_and_current_runs_after_the_year(year):
    db = _db(year)
    runs = [(r["id"], r["period"]) for r in db.execute("SELECT id, period FROM runs ORDER BY id")]
    assert runs == [(1, "2023-Q4"), (2, "2024-Q1"), (3, "2024-Q2"), (4, "2024-Q2"), (5, "2024-Q3"),
                    (6, "2024-Q4"), (7, "2024-Q4")]
    current = dict(db.execute("SELECT period, current_run FROM periods"))
    assert current == {"2023-Q4": 1, "2024-Q1": 2, "2024-Q2": 4, "2024-Q3": 5, "2024-Q4": 7}
    assert db.execute("PRAGMA user_version").fetchone()[0] == L.SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_the_same_merge_again_adds_nothing(year):
    rep_b, _ = year.reports["2024-Q4-b"]
    rep_again, _ = year.reports["2024-Q4-again"]
    assert rep_b.ledger_run == rep_again.ledger_run == 7
    db = _db(year)
    counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("runs", "files", "agency_values", "figures", "changes")}
    with L.Ledger.open(year.ledger) as led:
        assert led.record(rep_again) == (7, False)
    assert counts == {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in counts}
    # and the re-run's outputs are the first run's, byte for byte
    (_, a), (_, b) = year.reports["2024-Q4-b"], year.reports["2024-Q4-again"]
    assert (a / "tong-hop.xlsx").read_bytes() == (b / "tong-hop.xlsx").read_bytes()
    assert (a / "report.json").read_bytes() == (b / "report.json").read_bytes()


def test_values_carry_their_provenance(year, plan):
    db = _db(year)
    row = db.execute("SELECT * FROM agency_values WHERE run = 5 AND agency = 'HOIAN' AND indicator = ?",
                     (RATE,)).fetchone()
    assert (row["verdict"], row["numerator"], row["denominator"], row["value"]) == ("met", "495", "500", "99")
    assert row["file"] == "hoian_lan2.xlsx" and row["cell"] == _cell(plan, "HOIAN", RATE, "code")
    assert json.loads(row["cells"])["numerator"] == _cell(plan, "HOIAN", RATE, "numerator")
    assert row["sheet"] == next(s.name for s in agency_layout(plan, "HOIAN") if any(r.indicator.code == RATE
                                                                                   for r in s.rows))
    # exact: 1430/1500 is stored as the fraction, not a rounded float
    fig = db.execute("SELECT * FROM figures WHERE run = 4 AND indicator = ?", (RATE,)).fetchone()
    assert (fig["value"], fig["numerator"], fig["denominator"], fig["verdict"]) == ("286/3", "1430", "1500",
                                                                                    "provisional_met")
    assert (fig["required"], fig["returned"], fig["assessed"]) == (18, 2, 2)
    # an agency that did not return is recorded as such
    assert db.execute("SELECT verdict FROM agency_values WHERE run = 3 AND agency = 'HOIAN' AND indicator = ?",
                      (RATE,)).fetchone()[0] == "not_returned"


def test_files_supersessions_and_the_late_return(year):
    db = _db(year)
    files = {r["path"]: (r["status"], r["superseded_by"], r["agency"])
             for r in db.execute("SELECT * FROM files WHERE run = 5")}
    assert files == {"tamky.xlsx": ("accepted", None, "TAMKY"),
                     "hoian_lan1.xlsx": ("superseded", "hoian_lan2.xlsx", "HOIAN"),
                     "hoian_lan2.xlsx": ("accepted", None, "HOIAN")}
    assert all(len(r[0]) == 64 for r in db.execute("SELECT sha256 FROM files"))
    rep, _ = year.reports["2024-Q2-b"]
    assert ("return.late", "HOIAN") in {(f.code, f.agency) for f in rep.findings}
    # the earlier run of the period is kept, with Hội An missing
    assert db.execute("SELECT count(*) FROM files WHERE run = 3").fetchone()[0] == 1


def test_previous_and_year_figures(year, plan):
    with L.Ledger.open(year.ledger) as led:
        code, prev = led.previous_figures(plan.id, Period.parse("2024-Q3"))
        assert code == "2024-Q2" and prev[RATE].value == Fraction(1430 * 100, 1500)
        code, prev = led.previous_figures(plan.id, Period.parse("2024-Q1"))   # the year before's Q4
        assert code == "2023-Q4" and prev[RATE].value == 80
        yr = led.year_figures(plan.id, 2024)
        assert {p: f[RATE].value for p, f in yr.items()} == {
            "2024-Q1": 90, "2024-Q2": Fraction(286, 3), "2024-Q3": Fraction(293, 3), "2024-Q4": Fraction(1489, 15)}
        assert {p: (f[COUNT].value, f[COUNT].verdict.value) for p, f in yr.items()} == {
            "2024-Q1": (0, "not_due"), "2024-Q2": (2, "met"), "2024-Q3": (2, "met"),   # "ít nhất 2" in 2024
            "2024-Q4": (3, "met")}


def test_json_report_carries_the_previous_periods_figures(year):
    _, out = year.reports["2024-Q3-a"]
    d = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert d["schema"] == 1
    ind = next(i for i in d["indicators"] if i["indicator"] == RATE)
    assert ind["previous"]["period"] == "2024-Q2"
    assert ind["previous"]["value"] == pytest.approx(1430 * 100 / 1500)
    assert (ind["previous"]["numerator"], ind["previous"]["denominator"]) == (1430, 1500)
    assert ind["previous"]["coverage"]["returned"] == 2
    _, out = year.reports["2023-Q4-a"]
    d = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert all(i["previous"] is None for i in d["indicators"])


def test_history(year):
    rows = L.Ledger.open(year.ledger).history("hoian", RATE)
    assert [(r["period"], r["numerator"], r["file"]) for r in rows] == [
        ("2023-Q4", "400", "hoian.xlsx"), ("2024-Q1", "450", "hoian.xlsx"), ("2024-Q2", "480", "hoian_tre.xlsx"),
        ("2024-Q3", "495", "hoian_lan2.xlsx"), ("2024-Q4", "499", "hoian_sua.xlsx")]
    every = L.Ledger.open(year.ledger).history("HOIAN", RATE, all_runs=True)
    assert len(every) == 7      # Q2 and Q4 twice each
    doc = json.loads(history_text(year.ledger, agency="hoian", indicator=RATE, as_json=True))
    assert [(r["period"], r["value"], r["verdict"]) for r in doc["rows"]][-1] == ("2024-Q4", 99.8, "met")
    assert doc["rows"][-1]["source"]["cells"]["numerator"]
    text = history_text(year.ledger, indicator=RATE)
    assert "hoian_sua.xlsx" in text and "2023-Q4" in text
    with pytest.raises(UsageError):
        history_text(year.ledger)
    with pytest.raises(LedgerError):
        history_text(year.root / "nowhere.sqlite", agency="HOIAN")


# -- the trend sheet, against the hand-computed figures ---------------------------------------

def _sheet_rows(path, name):
    wb = openpyxl.load_workbook(path)
    return wb, [list(r) for r in wb[name].iter_rows(values_only=True)]


def test_trend_sheet_shows_the_year_against_hand_computed_figures(year, plan):
    _, out = year.reports["2024-Q4-b"]
    wb, rows = _sheet_rows(out / "tong-hop.xlsx", "Diễn biến")
    heads = rows[3]
    assert heads[4:9] == ["Năm 2023", "Quý I 2024", "6 tháng 2024", "Quý III 2024", "Năm 2024"]
    sec = {r[0]: r[4:9] for r in rows[4:4 + len(plan.sections)]}
    assert sec["VI"] == [0, 0, 10, 10, 10]
    assert sec["III"] == [0, 0, 0, 0, 0]
    ind = {r[0]: r[4:9] for r in rows if r[0] in (RATE, COUNT)}
    assert ind[RATE] == [80, 90, round(1430 * 100 / 1500, 2), round(1465 * 100 / 1500, 2),
                         round(1489 * 100 / 1500, 2)]
    assert ind[COUNT] == [0, 0, 2, 2, 3]
    ws = wb["Diễn biến"]
    assert len(ws._charts) == 1
    # printed like the other sheets: A4 landscape, scaled so that 11 pt prints at 8 pt or more
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.scale >= 75


def test_trend_sheet_in_the_first_quarter_has_the_quarter_only(year):
    _, out = year.reports["2024-Q1-a"]
    _, rows = _sheet_rows(out / "tong-hop.xlsx", "Diễn biến")
    assert rows[3][4:] == ["Quý I 2024"]       # no 2023-Q1 in the ledger


def test_no_trend_sheet_without_a_ledger(year, tmp_path, plan):
    rep = merge_to_files(plan, Period.parse("2024-Q3"), year.root / "returns" / "2024-Q3", tmp_path / "th.xlsx", KEY)
    names = openpyxl.load_workbook(tmp_path / "th.xlsx").sheetnames
    assert "Diễn biến" not in names and "Nộp lại" in names       # the same-folder diff needs no ledger
    assert rep.ledger_problem is None and rep.trend is None


# -- what changed on resubmission ---------------------------------------------------------------

def _changes(path):
    _, rows = _sheet_rows(path, "Nộp lại")
    return [r for r in rows[4:] if r[0]]


def test_resubmission_in_the_same_folder(year, plan):
    _, out = year.reports["2024-Q3-a"]
    got = {(r[2], r[3]): (r[4], r[5], r[6], r[7], r[8]) for r in _changes(out / "tong-hop.xlsx")}
    assert got == {
        (RATE, "Tử số"): (490, 495, _cell(plan, "HOIAN", RATE, "numerator"), "hoian_lan1.xlsx", "hoian_lan2.xlsx"),
        (RATE, "Giá trị đánh giá"): (98, 99, None, "hoian_lan1.xlsx", "hoian_lan2.xlsx"),
    }
    db = _db(year)
    assert [(r["field"], r["old"], r["new"], r["old_run"]) for r in
            db.execute("SELECT * FROM changes WHERE run = 5 ORDER BY rowid")] == [
        ("numerator", "490", "495", None), ("value", "98", "99", None)]


def test_resubmission_against_the_ledgers_earlier_run(year, plan):
    _, out = year.reports["2024-Q4-b"]
    rows = _changes(out / "tong-hop.xlsx")
    got = {(r[0], r[2], r[3]): (r[4], r[5], r[7], r[8]) for r in rows}
    old = "hoian.xlsx (lần tổng hợp trước, số 6)"
    assert got == {("HOIAN", RATE, "Tử số"): (480, 499, old, "hoian_sua.xlsx"),
                   ("HOIAN", RATE, "Giá trị đánh giá"): (96, 99.8, old, "hoian_sua.xlsx")}
    # Tam Kỳ sent the same file both times: nothing to show
    assert not any(r[0] == "TAMKY" for r in rows)


# -- a ledger that cannot be used never costs the workbook ------------------------------------

@pytest.fixture
def q3(year, tmp_path):
    return year.root / "returns" / "2024-Q3", tmp_path


def _merge_with(plan, q3, ledger):
    folder, tmp = q3
    rep = merge_to_files(plan, Period.parse("2024-Q3"), folder, tmp / "out" / "th.xlsx", KEY, tmp / "out" / "r.json",
                         ledger=ledger)
    assert (tmp / "out" / "th.xlsx").exists() and (tmp / "out" / "r.json").exists()
    assert "Tổng hợp" in openpyxl.load_workbook(tmp / "out" / "th.xlsx").sheetnames
    return rep


def test_a_corrupt_ledger(plan, q3):
    bad = q3[1] / "bad.sqlite"
    bad.write_bytes(b"this is not a database, it was overwritten by a careless copy\n" * 200)
    rep = _merge_with(plan, q3, bad)
    assert "damaged" in rep.ledger_problem and str(bad) in rep.ledger_problem
    assert rep.trend is None
    assert bad.read_bytes().startswith(b"this is not")       # left as it was


def test_a_ledger_from_a_newer_parxl(plan, q3):
    newer = q3[1] / "newer.sqlite"
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA application_id = {L.APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {L.SCHEMA_VERSION + 1}")
    db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY)")
    db.commit()
    db.close()
    rep = _merge_with(plan, q3, newer)
    assert "newer parxl" in rep.ledger_problem


def test_an_sqlite_file_that_is_not_a_ledger(plan, q3):
    other = q3[1] / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE customers (name TEXT)")
    db.commit()
    db.close()
    rep = _merge_with(plan, q3, other)
    assert "not a parxl ledger" in rep.ledger_problem


def test_a_locked_ledger(plan, q3, monkeypatch):
    path = q3[1] / "locked.sqlite"
    L.Ledger.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")          # a database tool in the middle of a write
    monkeypatch.setattr(L, "LOCK_TIMEOUT", 0.2)
    try:
        rep = _merge_with(plan, q3, path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked" in rep.ledger_problem
    with L.Ledger.open(path) as led:
        assert led.runs() == []


def test_a_ledger_inside_the_returns_folder_is_refused_and_the_workbook_written(plan, q3):
    rep = _merge_with(plan, q3, q3[0] / "ledger.sqlite")
    assert "--ledger" in rep.ledger_problem
    assert not (q3[0] / "ledger.sqlite").exists()


def test_a_new_ledger_is_created(plan, q3):
    path = q3[1] / "sub" / "new.sqlite"
    rep = _merge_with(plan, q3, path)
    assert rep.ledger_problem is None and rep.ledger_run == 1 and rep.trend == {}


# -- README ---------------------------------------------------------------------------------------

def test_every_ledger_column_is_described():
    for name, cols in ledger_columns():
        assert name in LEDGER_DOC, name
        assert {c[0] for c in cols} == set(LEDGER_DOC[name][1]), name


# -- the demo's year -------------------------------------------------------------------------------

def test_demo_year_ends_with_the_annual_workbook_showing_the_year(tmp_path):
    from conftest import PLAN
    from parxl.demo import run_year
    summary = run_year(tmp_path, PLAN, agencies=["TAMKY", "HOIAN", "SNV", "NUITHANH"], echo=lambda s: None)
    assert "merged again" in summary and "changed on resubmission" in summary
    wb = openpyxl.load_workbook(tmp_path / "tong-hop-2024-Q4.xlsx")
    assert [c.value for c in wb["Diễn biến"][4]][4:] == ["Quý I 2024", "6 tháng 2024", "Quý III 2024", "Năm 2024"]
    assert "Nộp lại" in openpyxl.load_workbook(tmp_path / "tong-hop-2024-Q3.xlsx").sheetnames
    with L.Ledger.open(tmp_path / "parxl-ledger.sqlite") as led:
        assert [r["period"] for r in led.runs()] == ["2024-Q1", "2024-Q2", "2024-Q2", "2024-Q3", "2024-Q4"]


def test_readme_documents_the_ledgers_tables():
    from conftest import ROOT
    from parxl.docs import render
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<!-- ledger:start -->" in readme
    assert render(readme) == readme, "run: python -m parxl.docs README.md"
    for name, _ in ledger_columns():
        assert f"**`{name}`**" in readme
