"""Returns filled as agencies would, merged; statuses and province figures against hand computations."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import subprocess
from fractions import Fraction

import openpyxl
import pytest

from conftest import KEY, PARXL, ROOT, WHEN, copy_to, fill
from parxl.checks import check_return
from parxl.consolidate import write_consolidated
from parxl.demo import simulate
from parxl.layout import COL, IDENTITY_SHEET, agency_layout
from parxl.merge import merge, merge_to_files
from parxl.periods import Period
from parxl.reader import read_return
from parxl.writer import generate


def where(plan, agency, code, key):
    """The A1 reference of an indicator's cell in the agency's workbook."""
    from parxl.layout import cell_name
    row = next(r for s in agency_layout(plan, agency) for r in s.rows if r.indicator.code == code)
    return cell_name(row.excel_row, COL[key])


def result(report, agency, code):
    return next(r for r in report.results if r.agency == agency and r.indicator == code)


def figure(report, code):
    return next(f for f in report.indicators if f.indicator == code)


EVID = {"status": "Hoàn thành", "evidence": "Báo cáo 12/BC-UBND", "doc_date": dt.date(2024, 8, 1)}


@pytest.fixture
def quarter(plan, period, issued, returns_dir):
    """Two districts, one resubmitting; values chosen so each status is computed by hand below."""
    fill(issued, plan, "TAMKY", returns_dir / "tamky.xlsx", {
        "III.4.2/1": {"numerator": 960, "denominator": 1000},          # 96 %  > 95  met
        "III.4.3/1": {"numerator": 950, "denominator": 1000},          # 95 %  > 95  not met (strict)
        "I.5/1": {"value": 2},                                          # ≥ 1 met
        "IV.3/1": {"value": 8, "baseline": 10},                         # -20 % < -10 met
        "III.4.4/1": EVID,                                              # done with evidence: met
    })
    fill(issued, plan, "HOIAN", returns_dir / "hoian_lan1.xlsx", {"III.4.2/1": {"numerator": 1, "denominator": 2}},
         WHEN - dt.timedelta(days=2))
    fill(issued, plan, "HOIAN", returns_dir / "sub" / "hoian_lan2.xlsx" if (returns_dir / "sub").mkdir() is None else None, {
        "III.4.2/1": {"numerator": "1.900", "denominator": "2.000"},   # text, Vietnamese thousands: 95 % not met
        "I.5/1": {"value": 0},                                          # short, not yet due (Trong năm 2024)
        "IV.3/1": {"value": "19", "baseline": "20,0"},                  # -5 %: short, not yet due
        "III.4.4/1": {"status": "hoàn thành"},                          # no evidence: not assessable
    })
    return returns_dir


def test_statuses_and_province_figures(plan, period, quarter):
    rep = merge(plan, period, quarter, KEY)
    st = {e.file: e.status for e in rep.returns}
    assert st == {"tamky.xlsx": "accepted", "hoian_lan1.xlsx": "superseded", "sub/hoian_lan2.xlsx": "accepted"}
    r = result(rep, "TAMKY", "III.4.2/1")
    assert (r.verdict, r.value, r.gap) == ("met", Fraction(96), 0)
    r = result(rep, "TAMKY", "III.4.3/1")
    assert (r.verdict, r.value, r.gap) == ("not_met", Fraction(95), None)  # at the strict bound of "> 95": no distance, never 0
    assert result(rep, "HOIAN", "III.4.2/1").value == Fraction(95)
    assert result(rep, "HOIAN", "III.4.2/1").verdict == "not_met"
    # Σ numerators / Σ denominators over those that reported: 2860 / 3000 — 2 of the 18 districts: provisional
    f = figure(rep, "III.4.2/1")
    assert f.value == Fraction(2860 * 100, 3000) and f.verdict == "provisional_met"
    assert (f.returned, f.assessed, f.met, f.required) == (2, 2, 1, 18)
    # per-agency target: share of agencies meeting it, a missing agency counting as not meeting it;
    # Hội An's 0 is short of a target due at year end: in Quý III the share is not due, not failed
    f = figure(rep, "I.5/1")
    n = len(plan.indicator("I.5/1").reporters)
    assert (f.value, f.verdict, f.assessed, f.met, f.not_due) == (Fraction(100, n), "not_due", 1, 1, 1)
    # change against the baseline year: each, and Σ this year vs Σ baseline (27 vs 30 = -10 %, not < -10)
    assert result(rep, "TAMKY", "IV.3/1").value == -20 and result(rep, "TAMKY", "IV.3/1").verdict == "met"
    assert result(rep, "HOIAN", "IV.3/1").value == -5 and result(rep, "HOIAN", "IV.3/1").verdict == "in_progress_not_due"
    f = figure(rep, "IV.3/1")
    assert f.value == -10 and f.verdict == "not_due"             # short of the cut due at year end
    # done: evidence required
    assert result(rep, "TAMKY", "III.4.4/1").verdict == "met"
    assert result(rep, "HOIAN", "III.4.4/1").verdict == "missing_evidence"
    codes = {(f.code, f.agency, f.cell) for f in rep.findings}
    assert ("value.evidence-missing", "HOIAN", where(plan, "HOIAN", "III.4.4/1", "evidence")) in codes
    assert ("return.superseded", "HOIAN", None) in codes
    # every normalisation is logged
    coerced = [f for f in rep.findings if f.code == "value.coerced" and f.agency == "HOIAN"]
    assert {f.cell for f in coerced} >= {where(plan, "HOIAN", "III.4.2/1", "numerator"),
                                        where(plan, "HOIAN", "III.4.2/1", "denominator"),
                                        where(plan, "HOIAN", "III.4.4/1", "status")}
    assert "MISSING" not in rep.missing and len(rep.missing) == len(plan.reporting_agencies()) - 2
    assert result(rep, "SNV", "I.1/1").verdict == "not_returned"


def test_returns_of_one_layout_share_the_cells_of_their_results(plan, period, quarter):
    """What a worker sends is unpacked anew for each return; results read from the same cells share one tuple
    naming them (some 500 bytes a result: 35 MB at 4,200 returns)."""
    rep = merge(plan, period, quarter, KEY, workers=2)
    a, b = result(rep, "TAMKY", "III.4.2/1"), result(rep, "HOIAN", "III.4.2/1")
    assert a.cells == b.cells == (("numerator", a.cells[0][1]), ("denominator", a.cells[1][1]))
    assert a.cells is b.cells


def test_the_merge_keeps_what_it_holds_from_the_collector_and_gives_it_back(plan, period, quarter, tmp_path):
    """Results that have arrived are frozen out of the garbage collector's full collections while the merge runs
    (at 4,200 returns they cost 1.25 s of the merge process's CPU), and nothing stays frozen after it."""
    import gc
    assert gc.get_freeze_count() == 0
    during = []
    merge(plan, period, quarter, KEY, progress=lambda _p: during.append(gc.get_freeze_count()), workers=2)
    assert len(during) > 2 and during[-1] > 0          # the results that arrived are frozen
    assert gc.get_freeze_count() == 0
    during.clear()
    merge_to_files(plan, period, quarter, tmp_path / "th.xlsx", KEY, tmp_path / "r.json",
                   progress=lambda _p: during.append(gc.get_freeze_count()))
    assert during[-1] > 0 and gc.get_freeze_count() == 0


def test_the_merge_freezes_no_garbage(plan, period, quarter):
    """What is frozen follows a collection: a reference cycle dropped while the merge runs (here by the progress
    callback, once a return) is not held until it ends."""
    import weakref

    class Node:
        pass
    dropped = []

    def progress(_p):
        a, b = Node(), Node()
        a.other, b.other = b, a
        dropped.append(weakref.ref(a))
    merge(plan, period, quarter, KEY, progress=progress, workers=1)
    assert len(dropped) > 2 and sum(r() is not None for r in dropped) <= 1     # the last may await a collection


def test_the_merge_leaves_what_its_caller_froze_alone(plan, period, quarter):
    import gc
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        during = []
        merge(plan, period, quarter, KEY, progress=lambda _p: during.append(gc.get_freeze_count()), workers=1)
        assert set(during) == {frozen} and gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_outputs_atomic_reproducible_and_originals_untouched(plan, period, quarter, tmp_path):
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in quarter.rglob("*.xlsx")}
    a = merge_to_files(plan, period, quarter, tmp_path / "a" / "th.xlsx", KEY, tmp_path / "a" / "r.json")
    merge_to_files(plan, period, quarter, tmp_path / "b" / "th.xlsx", KEY, tmp_path / "b" / "r.json")
    assert (tmp_path / "a" / "th.xlsx").read_bytes() == (tmp_path / "b" / "th.xlsx").read_bytes()
    assert (tmp_path / "a" / "r.json").read_bytes() == (tmp_path / "b" / "r.json").read_bytes()
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in quarter.rglob("*.xlsx")} == before
    assert not list((tmp_path / "a").glob(".*tmp"))
    d = json.loads((tmp_path / "a" / "r.json").read_text(encoding="utf-8"))
    # schema 1, pinned (README, "JSON report"): a change here is a change of schema
    assert d["schema"] == 1
    assert set(d) == {"schema", "plan", "period", "inputs", "returns", "missing", "results", "indicators",
                      "findings"}
    assert d["plan"] == {"id": plan.id, "version": plan.version} and d["period"] == "2024-Q3"
    assert set(d["returns"][0]) == {"file", "sha256", "agency", "status", "template_id", "saved_at",
                                    "saved_time_from", "application", "superseded_by", "tie_broken_by",
                                    "received_at"}
    assert set(d["results"][0]) == {"agency", "indicator", "verdict", "numerator", "denominator", "value",
                                    "current", "baseline", "gap", "status", "evidence", "doc_date", "issues",
                                    "proposals", "carried", "source"}
    assert set(d["indicators"][0]) == {"indicator", "rule", "unit", "target", "value", "numerator", "denominator",
                                       "verdict", "final", "coverage", "previous"}
    assert set(d["indicators"][0]["coverage"]) == {"required", "returned", "assessed", "not_applicable", "met",
                                                   "not_due"}
    assert set(d["findings"][0]) == {"code", "severity", "file", "agency", "sheet", "cell", "indicator", "message"}
    tamky = next(r for r in d["results"] if r["agency"] == "TAMKY" and r["indicator"] == "III.4.2/1")
    assert tamky["numerator"] == 960 and tamky["verdict"] == "met"
    assert tamky["source"] == {"file": "tamky.xlsx", "sheet": "III. Thủ tục hành chính",
                               "row_cell": where(plan, "TAMKY", "III.4.2/1", "code"),
                               "cells": {"numerator": where(plan, "TAMKY", "III.4.2/1", "numerator"),
                                         "denominator": where(plan, "TAMKY", "III.4.2/1", "denominator")}}
    hoian = next(r for r in d["returns"] if r["file"] == "hoian_lan1.xlsx")
    assert hoian["superseded_by"] == "sub/hoian_lan2.xlsx" and hoian["saved_at"].startswith("2024-09-14")
    assert len(a.results) == sum(len(i.reporters) for i in plan.indicators)


def _edit(src, dst, sheet, ref, value, prop=None):
    wb = openpyxl.load_workbook(src)
    wb[sheet][ref] = value
    if prop:
        props = wb.custom_doc_props
        name, v = prop
        for p in list(props):
            if p.name == name:
                p.value = v
    wb.save(dst)
    return dst


def test_forged_other_period_and_tampered_returns_are_rejected_others_merged(plan, period, issued, returns_dir,
                                                                            tmp_path):
    fill(issued, plan, "TAMKY", returns_dir / "good.xlsx", {"III.4.2/1": {"numerator": 99, "denominator": 100}})
    # the agency claims to be another: identity edited on the sheet and in the properties alike
    _edit(issued["HOIAN"], returns_dir / "forged.xlsx", IDENTITY_SHEET, "B5", "SNV", ("parxl_agency", "SNV"))
    # last quarter's workbook
    q2 = generate(plan, Period.parse("2024-Q2"), tmp_path / "q2", KEY, ["STP"])[0]
    copy_to(q2.path, returns_dir / "stp_quy2.xlsx")
    # a target edited to look better
    sheet = next(s.name for s in agency_layout(plan, "NUITHANH") if s.section == "III")
    target_cell = where(plan, "NUITHANH", "III.4.2/1", "target")
    _edit(issued["NUITHANH"], returns_dir / "nuithanh.xlsx", sheet, target_cell, "trên 50%")
    # identity sheet edited but not the properties
    _edit(issued["DAILOC"], returns_dir / "dailoc.xlsx", IDENTITY_SHEET, "B6", "2024-Q4")
    rep = merge(plan, period, returns_dir, KEY)
    status = {e.file: e.status for e in rep.returns}
    assert status == {"good.xlsx": "accepted", "forged.xlsx": "rejected", "stp_quy2.xlsx": "rejected",
                      "nuithanh.xlsx": "rejected", "dailoc.xlsx": "rejected"}
    by_file = {}
    for f in rep.findings:
        by_file.setdefault(f.file, set()).add(f.code)
    assert "identity.bad-signature" in by_file["forged.xlsx"]
    assert "identity.other-period" in by_file["stp_quy2.xlsx"]
    assert "layout.locked-cell-edited" in by_file["nuithanh.xlsx"]
    assert "identity.mismatch" in by_file["dailoc.xlsx"]
    edited = next(f for f in rep.findings if f.code == "layout.locked-cell-edited")
    assert (edited.sheet, edited.cell, edited.indicator) == (sheet, target_cell, "III.4.2/1")
    assert result(rep, "TAMKY", "III.4.2/1").verdict == "met"
    assert figure(rep, "III.4.2/1").assessed == 1


def test_cli_merge_exit_codes(plan, quarter, tmp_path):
    key = tmp_path / "parxl.key"
    key.write_text("11" * 32 + "\n")
    base = PARXL + ["merge", "--period", "2024-Q3", "--returns", str(quarter), "--out", str(tmp_path / "o.xlsx"),
            "--key", str(key)]
    ok = subprocess.run(base + ["--report", str(tmp_path / "r.json")], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    assert "2 được tiếp nhận" in ok.stdout                # Vietnamese by default
    strict = subprocess.run(base + ["--strict"], capture_output=True, text=True, cwd=ROOT)
    assert strict.returncode == 1                       # HOIAN's missing evidence is an error finding
    nokey = subprocess.run(base[:-2] + ["--key", str(tmp_path / "none.key")], capture_output=True, text=True, cwd=ROOT)
    assert nokey.returncode == 2 and "không tìm thấy tệp khóa" in nokey.stderr


@pytest.mark.libreoffice
def test_self_check_formulas_agree_with_parxl_when_libreoffice_computes_them(plan, period, issued, tmp_path):
    """Oracle: LibreOffice evaluates the workbook's own self-check formulas; parxl recomputes in Python."""
    rng = random.Random(7)
    for agency in ("TAMKY", "SKHDT"):
        values = simulate.answers(plan, agency, period, rng, miss_rate=0.4)
        dst = simulate.fill_libreoffice(issued[agency], tmp_path / f"{agency}.xlsx", plan, agency, values)
        wb = read_return(dst)
        assert "LibreOffice" in (wb.application or "")
        checked = check_return(wb, plan, period, KEY)
        assert checked.accepted, [f.code for f in checked.findings]
        seen = set()
        for s in agency_layout(plan, agency):
            for row in s.rows:
                shown = wb.sheets[s.name].cell(row.excel_row, COL["self_check"])
                assert shown == checked.results[row.indicator.code].verdict.vi, (agency, row.indicator.code)
                seen.add(shown)
        assert {"Đạt", "Chưa đạt"} <= seen


@pytest.mark.libreoffice
def test_consolidated_workbook_opens_in_libreoffice(plan, period, quarter, tmp_path):
    from parxl.demo import libreoffice
    rep = merge(plan, period, quarter, KEY)
    out = write_consolidated(rep, tmp_path / "tong-hop.xlsx")
    pdf = libreoffice.convert(out, tmp_path / "pdf", "ods")
    assert pdf.stat().st_size > 10000
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Tổng hợp", "Chỉ tiêu", "Cơ quan", "Khó khăn, đề xuất", "Chưa nộp", "Lỗi & cảnh báo",
                             *[f"Ma trận {s.code}" for s in plan.sections], "Dữ liệu", "Tệp nhận được"]
    assert wb["Tổng hợp"]._charts and wb["Cơ quan"]._charts


def test_a_baseline_the_plan_knows_is_prefilled_and_used(tmp_path, period):
    """Change targets use the return's baseline, or the plan's when the plan knows it."""
    from parxl.plan import load_plan
    src = (ROOT / "templates" / "quangnam-2024" / "plan.toml").read_text(encoding="utf-8")
    src = src.replace('target = { op = ">", value = 0, baseline_year = 2023, text = "cao hơn năm 2023" }\n\n[[task]]\ncode = "VIII.3"',
                      'target = { op = ">", value = 0, baseline_year = 2023, baseline_value = 1250, text = "cao hơn năm 2023" }\n\n[[task]]\ncode = "VIII.3"')
    assert "baseline_value = 1250" in src
    src = src.replace('agencies = "agencies.toml"', f'agencies = "{(ROOT / "templates/quangnam-2024/agencies.toml").as_posix()}"')
    (tmp_path / "plan.toml").write_text(src, encoding="utf-8")
    plan = load_plan(tmp_path / "plan.toml")
    issued = generate(plan, period, tmp_path / "issued", KEY, ["SKHDT"])[0].path
    wb = openpyxl.load_workbook(issued)
    sheet, cell = next((s.name, r) for s in agency_layout(plan, "SKHDT") for r in s.rows
                       if r.indicator.code == "VIII.2/1")
    base = wb[sheet].cell(cell.excel_row + 1, COL["baseline"] + 1)
    assert base.value == 1250 and base.protection.locked is not False
    (tmp_path / "r").mkdir()
    simulate.fill_openpyxl(issued, tmp_path / "r" / "skhdt.xlsx", plan, "SKHDT", {"VIII.2/1": {"value": 1500}}, WHEN)
    rep = merge(plan, period, tmp_path / "r", KEY)
    r = result(rep, "SKHDT", "VIII.2/1")
    assert (r.baseline, r.current, r.value, r.verdict) == (1250, 1500, 20, "met")


def test_a_process_pool_gives_the_same_report(plan, period, issued, tmp_path):
    rng = random.Random(11)
    for a in ("TAMKY", "HOIAN", "SNV", "STP", "SYT"):
        simulate.fill_openpyxl(issued[a], tmp_path / f"{a}.xlsx", plan, a, simulate.answers(plan, a, period, rng), WHEN)
    one = merge(plan, period, tmp_path, KEY, workers=1)
    two = merge(plan, period, tmp_path, KEY, workers=2)
    assert one.to_json() == two.to_json()
    assert one.counts()["accepted"] == 5


def test_a_signed_workbook_for_an_agency_the_plan_does_not_ask_is_rejected(plan, period, tmp_path):
    """Issued under a registry where Ban Biên tập reports; merged under the bundled one where it does not."""
    from parxl.plan import load_plan
    reg = (ROOT / "templates" / "quangnam-2024" / "agencies.toml").read_text(encoding="utf-8")
    reg = reg.replace('group = "khac"\nreports = false  # named by the plan, receives no workbook\n', 'group = "khac"\n', 1)
    (tmp_path / "agencies.toml").write_text(reg, encoding="utf-8")
    other = load_plan(ROOT / "templates" / "quangnam-2024" / "plan.toml", tmp_path / "agencies.toml")
    assert "BBTCCHC" in other.reporting_agencies() and "BBTCCHC" not in plan.reporting_agencies()
    (tmp_path / "r").mkdir()
    generate(other, period, tmp_path / "r", KEY, ["BBTCCHC"])
    rep = merge(plan, period, tmp_path / "r", KEY)
    assert [e.status for e in rep.returns] == ["rejected"]
    assert [(f.code, f.agency) for f in rep.findings if f.code.startswith("identity.")] == \
        [("identity.unknown-agency", "BBTCCHC")]


def test_consolidated_workbook_says_what_the_report_says(plan, period, quarter, tmp_path):
    rep = merge(plan, period, quarter, KEY)
    out = write_consolidated(rep, tmp_path / "th.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["Chỉ tiêu"]
    head = [c.value for c in ws[4]]
    col = {h: i for i, h in enumerate(head)}
    codes = {i.code for i in plan.indicators}
    rows = {r[col["Mã chỉ tiêu"]].value: r for r in ws.iter_rows(min_row=5) if r[0].value in codes}
    assert len(rows) == len(plan.indicators)
    for fig in rep.indicators:
        r = rows[fig.indicator]
        assert r[col["Đánh giá"]].value == fig.verdict_vi(), fig.indicator
        if fig.value is not None:
            assert r[col["Giá trị toàn tỉnh"]].value == pytest.approx(float(fig.value), abs=0.01)
    assert rows["III.4.2/1"][col["Giá trị toàn tỉnh"]].value == pytest.approx(95.33, abs=0.01)
    agencies = {r[0].value: r for r in wb["Cơ quan"].iter_rows(min_row=5, max_row=4 + len(plan.reporting_agencies()))}
    assert agencies["TAMKY"][3].value == "Đúng hạn" and agencies["SNV"][3].value == "Chưa nộp"
    files = {r[0].value: r for r in wb["Tệp nhận được"].iter_rows(min_row=5) if r[0].value}
    assert files["sub/hoian_lan2.xlsx"][1].value == "HOIAN" and files["sub/hoian_lan2.xlsx"][2].value == "Hợp lệ"
    missing = [r[0].value for r in wb["Chưa nộp"].iter_rows(min_row=5)]
    assert missing == rep.missing
    matrix = wb["Ma trận III"]                         # one matrix per plan section
    codes = [c.value for c in matrix[4]][2:]
    tamky = next(r for r in matrix.iter_rows(min_row=5) if r[0].value == "TAMKY")
    assert tamky[2 + codes.index("III.4.2/1")].value == "Đ" and tamky[2 + codes.index("III.4.3/1")].value == "C"


def test_chua_nop_lists_the_unusable_files_by_identity_and_by_file_name(plan, period, issued, returns_dir, tmp_path):
    """A broken file has no identity: it is listed under the agency its name carries; a return for another
    period under the agency it claims; in the order received."""
    (returns_dir / "2024-Q3_SNV_hong.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    q2 = generate(plan, Period.parse("2024-Q2"), tmp_path / "q2", KEY, ["STP"])[0].path
    copy_to(q2, returns_dir / "stp-ky-truoc.xlsx")
    (returns_dir / "snv-khong-lien-quan-STP.txt.xlsx").write_bytes(b"also broken")
    rep = merge(plan, period, returns_dir, KEY)
    ws = openpyxl.load_workbook(write_consolidated(rep, tmp_path / "th.xlsx"))["Chưa nộp"]
    tried = {r[0].value: r[4].value for r in ws.iter_rows(min_row=5)}
    assert tried["SNV"].splitlines()[0].startswith("2024-Q3_SNV_hong.xlsx: ")
    assert [line.split(":")[0] for line in tried["SNV"].splitlines()] == [
        "2024-Q3_SNV_hong.xlsx", "snv-khong-lien-quan-STP.txt.xlsx"]
    assert [line.split(":")[0] for line in tried["STP"].splitlines()] == [
        "snv-khong-lien-quan-STP.txt.xlsx", "stp-ky-truoc.xlsx"]
    assert tried["TAMKY"] is None


def test_two_returns_saved_in_the_same_second_are_told_apart_by_the_file_time(plan, period, issued, returns_dir):
    """Save times tie to the second: the file written later wins, not the name that sorts last."""
    import os
    from parxl.demo import simulate
    at = dt.datetime(2024, 9, 16, 10, 0, tzinfo=dt.timezone.utc)
    later, earlier = returns_dir / "a-sua-lai.xlsx", returns_dir / "z-ban-dau.xlsx"
    simulate.fill_openpyxl(issued["TAMKY"], earlier, plan, "TAMKY", {"III.4.2/1": {"numerator": 1, "denominator": 10}}, at)
    simulate.fill_openpyxl(issued["TAMKY"], later, plan, "TAMKY", {"III.4.2/1": {"numerator": 9, "denominator": 10}}, at)
    os.utime(earlier, (1_726_480_000, 1_726_480_000))
    os.utime(later, (1_726_490_000, 1_726_490_000))
    rep = merge(plan, period, returns_dir, KEY)
    won = next(r for r in rep.returns if r.status.value == "accepted")
    assert won.file == "a-sua-lai.xlsx"
    assert next(r for r in rep.results if r.agency == "TAMKY" and r.indicator == "III.4.2/1").numerator == 9
