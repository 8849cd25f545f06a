"""Figures that contradict the year (issue 18): real ledgers, built by merging generated and filled returns of
several periods; a figure that shrinks within the year, a baseline that changes and a figure far from the
agency's own history each get their warning, naming the earlier value, its period and its file; a year
filled consistently gets none."""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3
import subprocess

import openpyxl
import pytest

from conftest import KEY, PARXL, PLAN
from parxl.demo import simulate
from parxl.layout import COL, cell_name
from parxl.merge import merge_to_files
from parxl.periods import Period
from parxl.writer import generate

AGENCIES = ["SKHDT", "DUYXUYEN"]      # SKHDT: a count (I.6/1), a baseline (IV.3/1) and rates; DUYXUYEN: III.4.2/1


@pytest.fixture(scope="module")
def issued_year(plan, tmp_path_factory):
    """Each agency's workbook for Quý I, 6 tháng and Quý III of 2024, generated once."""
    out = tmp_path_factory.mktemp("issued-year")
    return {q: {i.agency: i.path for i in generate(plan, Period.parse(f"2024-Q{q}"), out / f"Q{q}", KEY,
                                                    agencies=AGENCIES)}
            for q in (1, 2, 3)}


def _year(plan, quarters=3, seed="history"):
    """Consistent answers of AGENCIES for the first ``quarters`` periods (each continuing the one before)."""
    rng = random.Random(seed)
    out, before = [], {}
    for q in range(1, quarters + 1):
        period = Period.parse(f"2024-Q{q}")
        got = {a: simulate.answers(plan, a, period, rng, miss_rate=0.2, before=before.get(a)) for a in AGENCIES}
        out.append(got)
        before = got
    return out


def _merge(plan, issued_year, tmp_path, q, values):
    """Fill each agency's return of 2024-Qq with ``values`` and merge them into the ledger in tmp_path."""
    returns = tmp_path / f"returns-Q{q}"
    returns.mkdir()
    when = dt.datetime.combine(Period.parse(f"2024-Q{q}").window[1], dt.time(9), dt.timezone.utc)
    for a, v in values.items():
        simulate.fill_openpyxl(issued_year[q][a], returns / f"{a.lower()}_2024-Q{q}.xlsx", plan, a, v, when)
    return merge_to_files(plan, Period.parse(f"2024-Q{q}"), returns, tmp_path / f"th-Q{q}.xlsx", KEY,
                          tmp_path / f"r-Q{q}.json", ledger=tmp_path / "ledger.sqlite")


def _history(report):
    return sorted((f.code, f.agency, f.indicator, f.cell) for f in report.findings if f.code.startswith("history."))


def _cell(plan, agency, indicator, key):
    sheet, row = simulate.cell_map(plan, agency)[indicator]
    return cell_name(row, COL[key])


def _with(values, agency, indicator, **typed):
    out = {a: dict(v) for a, v in values.items()}
    out[agency][indicator] = {**out[agency][indicator], **typed}
    return out


def test_a_consistent_year_gets_no_warning(plan, issued_year, tmp_path):
    for q, values in enumerate(_year(plan), start=1):
        report = _merge(plan, issued_year, tmp_path, q, values)
        assert report.ledger_problem is None
        assert _history(report) == [], q
    assert report.ledger_run is not None


def test_a_shrinking_count_a_shrinking_rate_and_a_changed_baseline_are_warned(plan, issued_year, tmp_path):
    q1, q2, _ = _year(plan)
    q1 = _with(q1, "SKHDT", "I.6/1", value=5)                              # BTCD's case: 5 for Quý I ...
    q1 = _with(q1, "SKHDT", "IV.3/1", value=100, baseline=120)
    q1 = _with(q1, "DUYXUYEN", "III.4.2/1", numerator=1893, denominator=1900)
    _merge(plan, issued_year, tmp_path, 1, q1)
    q2 = _with(q2, "SKHDT", "I.6/1", value=4)                              # ... 4 for six months
    q2 = _with(q2, "SKHDT", "IV.3/1", value=100, baseline=125)             # the 2021 figure typed again, otherwise
    q2 = _with(q2, "DUYXUYEN", "III.4.2/1", numerator=111, denominator=120)  # DUYXUYEN's: 1.893 → 111
    report = _merge(plan, issued_year, tmp_path, 2, q2)
    assert _history(report) == sorted([
        ("history.shrank", "SKHDT", "I.6/1", _cell(plan, "SKHDT", "I.6/1", "value")),
        ("history.baseline-changed", "SKHDT", "IV.3/1", _cell(plan, "SKHDT", "IV.3/1", "baseline")),
        ("history.shrank", "DUYXUYEN", "III.4.2/1", _cell(plan, "DUYXUYEN", "III.4.2/1", "numerator")),
        ("history.shrank", "DUYXUYEN", "III.4.2/1", _cell(plan, "DUYXUYEN", "III.4.2/1", "denominator")),
    ])
    by = {(f.agency, f.indicator, f.cell): f for f in report.findings if f.code.startswith("history.")}
    count = by["SKHDT", "I.6/1", _cell(plan, "SKHDT", "I.6/1", "value")]
    assert count.severity.value == "warning" and count.file == "skhdt_2024-Q2.xlsx"
    # the earlier value, its period and its file (and cell), in the message the officer reads
    assert "5 (Báo cáo quý I năm 2024, tệp skhdt_2024-Q1.xlsx, ô " + _cell(plan, "SKHDT", "I.6/1", "value") \
        in count.message
    base = by["SKHDT", "IV.3/1", _cell(plan, "SKHDT", "IV.3/1", "baseline")]
    assert "125" in base.message and "120 (Báo cáo quý I năm 2024, tệp skhdt_2024-Q1.xlsx" in base.message
    den = by["DUYXUYEN", "III.4.2/1", _cell(plan, "DUYXUYEN", "III.4.2/1", "denominator")]
    assert "1.900 (Báo cáo quý I năm 2024, tệp duyxuyen_2024-Q1.xlsx" in den.message
    # in the consolidated workbook's "Lỗi & cảnh báo" and in the JSON
    ws = openpyxl.load_workbook(tmp_path / "th-Q2.xlsx", read_only=True)["Lỗi & cảnh báo"]
    rows = [[c for c in r] for r in ws.iter_rows(values_only=True)]
    shown = [r for r in rows if r and any(str(c).startswith("history.") for c in r if c)]
    assert len(shown) == 4
    assert any(count.message in r for r in shown)
    doc = json.loads((tmp_path / "r-Q2.json").read_text(encoding="utf-8"))
    assert sorted(f["code"] for f in doc["findings"] if f["code"].startswith("history.")) == \
        ["history.baseline-changed", "history.shrank", "history.shrank", "history.shrank"]
    # the figures are still used: a warning, not a refusal
    assert {r.indicator: r.current for r in report.results if r.agency == "SKHDT"}["I.6/1"] == 4


def test_a_figure_far_from_the_agencys_history_is_an_outlier(plan, issued_year, tmp_path):
    q1, q2, q3 = _year(plan)
    q1 = _with(q1, "SKHDT", "I.7/1", numerator=38, denominator=40)
    q2 = _with(q2, "SKHDT", "I.7/1", numerator=79, denominator=80)
    q3 = _with(q3, "SKHDT", "I.7/1", numerator=1195, denominator=1200)     # 12 typed as 1200: beyond 80 × 10
    for q, values in enumerate((q1, q2, q3), start=1):
        report = _merge(plan, issued_year, tmp_path, q, values)
    assert _history(report) == sorted([
        ("history.outlier", "SKHDT", "I.7/1", _cell(plan, "SKHDT", "I.7/1", "numerator")),
        ("history.outlier", "SKHDT", "I.7/1", _cell(plan, "SKHDT", "I.7/1", "denominator")),
    ])
    f = next(f for f in report.findings if f.cell == _cell(plan, "SKHDT", "I.7/1", "denominator"))
    assert "từ 4 đến 800" in f.message and "80 (Báo cáo 6 tháng năm 2024, tệp skhdt_2024-Q2.xlsx" in f.message


def test_a_value_not_sealed_by_a_merge_is_not_read_back(plan, issued_year, tmp_path):
    q1, q2, _ = _year(plan)
    q2 = _with(q2, "SKHDT", "I.6/1", value=3)
    _merge(plan, issued_year, tmp_path, 1, _with(q1, "SKHDT", "I.6/1", value=2))
    db = sqlite3.connect(tmp_path / "ledger.sqlite")       # written into the ledger by other means than a merge
    db.execute("UPDATE agency_values SET current = '900', value = '900' WHERE agency = 'SKHDT' AND indicator = 'I.6/1'")
    db.commit()
    db.close()
    report = _merge(plan, issued_year, tmp_path, 2, q2)
    assert _history(report) == []                          # 3 < 900 would be "shrank": the forged 900 is not used
    assert "SKHDT I.6/1" in (report.ledger_notice or "")


def test_check_with_a_ledger_warns_on_the_file_alone(plan, issued_year, tmp_path):
    q1, q2, _ = _year(plan)
    _merge(plan, issued_year, tmp_path, 1, _with(q1, "SKHDT", "I.6/1", value=5))
    one = tmp_path / "skhdt.xlsx"
    simulate.fill_openpyxl(issued_year[2]["SKHDT"], one, plan, "SKHDT", _with(q2, "SKHDT", "I.6/1", value=4)["SKHDT"],
                           dt.datetime(2024, 6, 15, 9, tzinfo=dt.timezone.utc))
    (tmp_path / "k.key").write_text(KEY.hex())
    args = [*PARXL, "check", one, "--plan", PLAN, "--key", tmp_path / "k.key", "--json"]
    env = {**os.environ, "PARXL_LANG": "en"}
    plain = subprocess.run([*map(str, args)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert not [f for f in json.loads(plain.stdout)[0]["findings"] if f["code"].startswith("history.")]
    r = subprocess.run([*map(str, args), "--ledger", str(tmp_path / "ledger.sqlite")], capture_output=True,
                       text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr                       # a warning: the exit code stays 0
    got = [f for f in json.loads(r.stdout)[0]["findings"] if f["code"].startswith("history.")]
    assert [(f["code"], f["indicator"], f["cell"]) for f in got] == \
        [("history.shrank", "I.6/1", _cell(plan, "SKHDT", "I.6/1", "value"))]
    assert "skhdt_2024-Q1.xlsx" in got[0]["message"]


# -- the demo's simulated year -----------------------------------------------------------------------

def test_simulated_agencies_are_consistent_across_the_year(plan):
    """Every agency of the plan, four periods: cumulative figures never fall, a rate's numerator stays within
    its denominator, baselines stay, and no figure leaves the outlier band of its own history."""
    rng = random.Random(7)
    history: dict = {}
    before: dict = {}
    for q in range(1, 5):
        period = Period.parse(f"2024-Q{q}")
        for a in plan.reporting_agencies():
            now = simulate.answers(plan, a, period, rng, miss_rate=0.2, before=before.get(a))
            for code, ans in now.items():
                was = (before.get(a) or {}).get(code) or {}
                for k in ("numerator", "denominator"):
                    if k in ans and k in was:
                        assert ans[k] >= was[k], (a, code, k, q)
                if "numerator" in ans:
                    assert 0 <= ans["numerator"] <= ans["denominator"]
                if "baseline" in was:
                    assert ans["baseline"] == was["baseline"], (a, code)
                elif "value" in was and isinstance(ans.get("value"), int) and "baseline" not in ans:
                    assert ans["value"] >= was["value"], (a, code, q)
                for k in ("numerator", "denominator", "value"):
                    past = [x for x in history.get((a, code, k), []) if x]
                    if len(past) >= 2 and k in ans:
                        assert min(past) / 10 <= ans[k] <= max(past) * 10, (a, code, k, q, past, ans[k])
                    if k in ans:
                        history.setdefault((a, code, k), []).append(ans[k])
            before[a] = now


def test_the_year_demo_warns_exactly_where_it_plants_a_mistake(tmp_path):
    from parxl.demo import run_year
    summary = run_year(tmp_path, PLAN, agencies=["TAMKY", "HOIAN", "SNV", "NUITHANH"], echo=lambda s: None)
    planted = [line for line in summary.splitlines() if "history." in line]     # the summary says what it planted
    assert len(planted) == 2, summary
    got = []
    for q in range(1, 5):
        doc = json.loads((tmp_path / f"report-2024-Q{q}.json").read_text(encoding="utf-8"))
        got += [(q, f["code"], f["agency"], f["indicator"]) for f in doc["findings"] if f["code"].startswith("history.")]
    assert [g[1] for g in got] == ["history.shrank", "history.baseline-changed"], got
    assert [g[0] for g in got] == [3, 4]                   # the slip in Quý III, the baseline in the annual report
    for (_q, code, agency, indicator), line in zip(got, planted):
        assert f" {agency} " in line and f" {indicator} " in line and f"{code})" in line


# -- two returns saved in the same second -------------------------------------------------------------

@pytest.mark.parametrize("file_times_differ", [True, False])
def test_a_tie_in_save_times_says_what_broke_it(plan, period, issued, tmp_path, file_times_differ):
    returns = tmp_path / "returns"
    returns.mkdir()
    when = dt.datetime(2024, 9, 16, 10, 0, tzinfo=dt.timezone.utc)
    a = simulate.fill_openpyxl(issued["TAMKY"], returns / "b_tamky.xlsx", plan, "TAMKY",
                               {"III.4.2/1": {"numerator": 96, "denominator": 100}}, when)
    b = simulate.fill_openpyxl(issued["TAMKY"], returns / "a_tamky.xlsx", plan, "TAMKY",
                               {"III.4.2/1": {"numerator": 97, "denominator": 100}}, when)
    stamp = when.timestamp()
    os.utime(a, (stamp, stamp))
    os.utime(b, (stamp + (60 if file_times_differ else 0),) * 2)
    report = merge_to_files(plan, period, returns, tmp_path / "th.xlsx", KEY, tmp_path / "r.json")
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    won = [r for r in doc["returns"] if r["status"] == "accepted"]
    assert [(r["file"], r["tie_broken_by"]) for r in won] == \
        ([("a_tamky.xlsx", "file_time")] if file_times_differ else [("b_tamky.xlsx", "name")])
    assert all(r["tie_broken_by"] is None for r in doc["returns"] if r["status"] != "accepted")
    assert report.results and {r.numerator for r in report.results if r.indicator == "III.4.2/1"
                               and r.agency == "TAMKY"} == {97 if file_times_differ else 96}
    ws = openpyxl.load_workbook(tmp_path / "th.xlsx", read_only=True)["Tệp nhận được"]
    row = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == won[0]["file"])
    note = " ".join(str(c) for c in row if c)
    assert ("thời điểm của tệp trên đĩa muộn hơn" if file_times_differ else "tên tệp xếp sau cùng") in note


def test_only_running_totals_are_held_to_grow(plan):
    """A rate over a stock (V.2/2: civil servants trained of all civil servants) may fall when two retire; a rate
    over dossiers received (III.4.2/1, marked cumulative in the plan) and a count may not."""
    from parxl.history_checks import cumulative_keys
    ind = {i.code: i for i in plan.indicators}
    assert cumulative_keys(ind["V.2/2"]) == ()
    assert cumulative_keys(ind["III.4.2/1"]) == ("numerator", "denominator")
    assert cumulative_keys(ind["I.5/1"]) == ("value",)
