"""`generate --ledger`: last period's values beside each row, and what carries over prefilled.

Tam Kỳ's 2024-Q1 return, merged into a ledger (values typed by the test, the oracle):
  III.4.2/1 (rate, > 95 %)      900 / 1000 = 90 %  → Chưa đạt     → shown, nothing carried (numbers are new)
  IV.3/1   (change, < -10 %)    this year 80, baseline 100: -20 % → Đạt; the baseline 100 carried over
  IV.1/1   (done)               Hoàn thành, "Quyết định 12/QĐ-UBND", 10/03/2024 → all three carried over
  IV.2/1   (done)               Đang thực hiện                    → shown, nothing carried
Hội An returns only the rate (800 / 1000).  Then 2024-Q2 is issued with the ledger.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
from fractions import Fraction

import openpyxl
import pytest

from conftest import KEY, PARXL, PLAN, ROOT
from parxl.demo import simulate
from parxl.errors import LedgerError
from parxl.identity import load_key
from parxl.layout import (COL, HEADER_ROW, PRINTED, REFERENCE_COLUMN, agency_layout, agency_layout_hash,
                          col_letter, column_places)
from parxl.ledger import LastPeriod, Ledger
from parxl.merge import merge_to_files
from parxl.periods import Period
from parxl.reader import read_return
from parxl.vocab import TaskStatus, Verdict
from parxl.writer import carried_over, generate, reference_text

AGENCIES = ["TAMKY", "HOIAN"]
RATE, CHANGE, DONE, DOING = "III.4.2/1", "IV.3/1", "IV.1/1", "IV.2/1"
EVIDENCE = "Quyết định 12/QĐ-UBND"
Q1_TAMKY = {RATE: {"numerator": 900, "denominator": 1000}, CHANGE: {"value": 80, "baseline": 100},
            DONE: {"status": "Hoàn thành", "evidence": EVIDENCE, "doc_date": dt.date(2024, 3, 10)},
            DOING: {"status": "Đang thực hiện"}}


def _at(period: Period, days: int = 1) -> dt.datetime:
    return dt.datetime.combine(period.window[1], dt.time(10, 0), dt.timezone.utc) + dt.timedelta(days=days)


def _row(plan, agency, code):
    return next((s, r) for s in agency_layout(plan, agency) for r in s.rows if r.indicator.code == code)


@pytest.fixture(scope="module")
def q2(plan, tmp_path_factory):
    root = tmp_path_factory.mktemp("prefill")
    ledger = root / "ledger.sqlite"
    q1 = Period.parse("2024-Q1")
    issued = {i.agency: i.path for i in generate(plan, q1, root / "issued-q1", KEY, agencies=AGENCIES)}
    (root / "returns-q1").mkdir()
    simulate.fill_openpyxl(issued["TAMKY"], root / "returns-q1" / "tamky.xlsx", plan, "TAMKY", Q1_TAMKY, _at(q1))
    simulate.fill_openpyxl(issued["HOIAN"], root / "returns-q1" / "hoian.xlsx", plan, "HOIAN",
                           {RATE: {"numerator": 800, "denominator": 1000}}, _at(q1))
    merge_to_files(plan, q1, root / "returns-q1", root / "out-q1" / "tong-hop.xlsx", KEY, ledger=ledger)
    per = Period.parse("2024-Q2")
    out = {tag: {i.agency: i for i in generate(plan, per, root / tag, KEY, agencies=AGENCIES,
                                               ledger=None if tag == "plain" else ledger)}
           for tag in ("with", "again", "plain")}
    return root, ledger, per, out


def test_the_ledger_gives_last_periods_values(plan, q2):
    _, ledger, per, _ = q2
    with Ledger.open(ledger, create=False) as led:
        last = led.last_period(plan.id, plan.version, per)
        assert last.period == "2024-Q1" and last.same_year and last.same_plan_version
        # decoded: the writer never reads the ledger's storage format
        assert last.of("TAMKY")[RATE]["numerator"] == 900 and last.of("TAMKY")[CHANGE]["baseline"] == 100
        assert type(last.of("TAMKY")[RATE]["numerator"]) is Fraction
        assert last.of("TAMKY")[DONE]["doc_date"] == dt.date(2024, 3, 10)
        assert last.of("TAMKY")[DONE]["status"] is TaskStatus.DONE and last.of("TAMKY")[DONE]["verdict"] is Verdict.MET
        assert led.last_period(plan.id, plan.version, Period.parse("2024-Q4")) is None   # Q3 not merged
        assert led.last_period("another-plan", plan.version, per) is None


def test_reference_column_shows_last_period_on_the_right_rows(plan, q2):
    _, _, _, out = q2
    wb = openpyxl.load_workbook(out["with"]["TAMKY"].path)
    for code, expected in ((RATE, "Tử số 900 / Mẫu số 1.000 (90%) — Chưa đạt"),
                           (CHANGE, "Kết quả 80 / Năm gốc 100 (-20%) — Đạt"),
                           (DONE, f"Tình trạng: Hoàn thành — Đạt; Minh chứng: {EVIDENCE} (ngày 10/03/2024)"),
                           (DOING, "Tình trạng: Đang thực hiện — Đang thực hiện (chưa đến hạn)")):   # due at year end
        s, row = _row(plan, "TAMKY", code)
        ws = wb[s.name]
        assert ws.cell(HEADER_ROW + 1, REFERENCE_COLUMN + 1).value == "Kỳ trước (2024-Q1)"
        cell = ws.cell(row.excel_row + 1, REFERENCE_COLUMN + 1)
        assert cell.value == expected, code
        assert cell.protection.locked and ws.protection.sheet
    # right after the last input (task and role one column further), printed with the evidence
    assert REFERENCE_COLUMN == COL[PRINTED] + 1 == column_places(True)["task"] - 1
    for s in agency_layout(plan, "TAMKY"):
        area = wb[s.name].print_area
        assert area.endswith(f":${col_letter(REFERENCE_COLUMN)}${s.rows[-1].excel_row + 1}"), area


def test_an_agency_with_no_value_last_period_reads_so(plan, q2):
    _, _, _, out = q2
    wb = openpyxl.load_workbook(out["with"]["HOIAN"].path)
    s, row = _row(plan, "HOIAN", CHANGE)
    assert wb[s.name].cell(row.excel_row + 1, REFERENCE_COLUMN + 1).value == "Thiếu số liệu"
    assert wb[s.name].cell(row.excel_row + 1, COL["baseline"] + 1).value is None


def test_what_carries_over_is_prefilled_and_stays_an_input(plan, q2):
    _, _, _, out = q2
    wb = openpyxl.load_workbook(out["with"]["TAMKY"].path)
    cell = lambda code, key: wb[_row(plan, "TAMKY", code)[0].name].cell(  # noqa: E731
        _row(plan, "TAMKY", code)[1].excel_row + 1, COL[key] + 1)
    assert cell(CHANGE, "baseline").value == 100 and cell(CHANGE, "value").value is None
    assert cell(DONE, "status").value == "Hoàn thành" and cell(DONE, "evidence").value == EVIDENCE
    assert cell(DONE, "doc_date").value == dt.datetime(2024, 3, 10)
    assert cell(DOING, "status").value is None                       # not done: typed again
    assert cell(RATE, "numerator").value is None and cell(RATE, "denominator").value is None
    for code, key in ((CHANGE, "baseline"), (DONE, "status"), (DONE, "evidence"), (DONE, "doc_date")):
        assert not cell(code, key).protection.locked, (code, key)
    # the self-check's cached result is the verdict on the row as written
    cached = openpyxl.load_workbook(out["with"]["TAMKY"].path, data_only=True)
    s, row = _row(plan, "TAMKY", DONE)
    assert cached[s.name].cell(row.excel_row + 1, COL["self_check"] + 1).value == "Đạt"


def test_identity_and_layout_hash_are_the_blank_workbooks(plan, q2):
    _, _, _, out = q2
    for a in AGENCIES:
        w, p = out["with"][a], out["plain"][a]
        assert w.previous == "2024-Q1" and p.previous is None
        assert (w.template_id, w.layout_hash) == (p.template_id, p.layout_hash) == \
            (w.template_id, agency_layout_hash(plan, a))


def test_a_prefilled_workbook_reads_back_and_merges(plan, q2):
    root, ledger, per, out = q2
    rdir = root / "returns-q2"
    rdir.mkdir()
    # Tam Kỳ types only what is new: the rate and this year's figure
    simulate.fill_openpyxl(out["with"]["TAMKY"].path, rdir / "tamky.xlsx", plan, "TAMKY",
                           {RATE: {"numerator": 960, "denominator": 1000}, CHANGE: {"value": 70}}, _at(per))
    rep = merge_to_files(plan, per, rdir, root / "out-q2" / "tong-hop.xlsx", KEY, ledger=ledger)
    assert [e.status.value for e in rep.returns] == ["accepted"]
    layout = [f.code for f in rep.findings if f.code.startswith(("layout.", "identity.", "row."))]
    assert layout == []
    got = {r.indicator: r for r in rep.results if r.agency == "TAMKY"}
    assert got[DONE].verdict.value == "met" and got[DONE].evidence == EVIDENCE
    assert got[DONE].doc_date == dt.date(2024, 3, 10)
    assert got[CHANGE].baseline == 100 and got[CHANGE].current == 70 and got[CHANGE].value == Fraction(-30)
    assert got[RATE].numerator == 960
    db = sqlite3.connect(ledger)
    assert db.execute("SELECT status, evidence FROM agency_values v JOIN periods p ON p.current_run = v.run "
                      "WHERE p.period = '2024-Q2' AND agency = 'TAMKY' AND indicator = ?", (DONE,)).fetchone() \
        == ("Hoàn thành", EVIDENCE)


def test_the_reference_column_header_is_not_a_standard_column(plan, q2):
    _, _, _, out = q2
    wb = read_return(out["with"]["TAMKY"].path)
    from parxl.checks import _header
    for s in agency_layout(plan, "TAMKY"):
        hr, cols = _header(wb.sheets[s.name])
        assert hr == HEADER_ROW and cols == column_places(True)    # every standard column where it belongs


def test_two_generations_with_the_same_ledger_are_byte_identical(q2):
    _, _, _, out = q2
    for a in AGENCIES:
        assert out["with"][a].path.read_bytes() == out["again"][a].path.read_bytes()
        assert out["with"][a].path.read_bytes() != out["plain"][a].path.read_bytes()


def test_without_a_ledger_the_workbook_is_todays(plan, tmp_path):
    """The committed sample, generated before the ledger existed, byte for byte."""
    key = load_key(ROOT / "samples" / "sample.key")
    got = generate(plan, Period.parse("2024-Q3"), tmp_path, key, ["TAMKY"], ledger=None)[0]
    assert got.previous is None
    assert got.path.read_bytes() == (ROOT / "samples" / "issued" / "2024-Q3_TAMKY.xlsx").read_bytes()


def test_a_ledger_without_the_previous_period_changes_nothing(plan, q2, tmp_path):
    _, ledger, _, _ = q2
    per = Period.parse("2024-Q4")                                      # Q3 was never merged
    a = generate(plan, per, tmp_path / "a", KEY, ["TAMKY"], ledger=ledger)[0]
    b = generate(plan, per, tmp_path / "b", KEY, ["TAMKY"])[0]
    assert a.previous is None and a.path.read_bytes() == b.path.read_bytes()


def test_a_missing_ledger_is_an_error_not_a_silent_blank(plan, tmp_path):
    with pytest.raises(LedgerError):
        generate(plan, Period.parse("2024-Q2"), tmp_path / "out", KEY, ["TAMKY"], ledger=tmp_path / "none.sqlite")
    assert not (tmp_path / "none.sqlite").exists()


def test_q1_carries_only_the_baseline_from_last_years_q4(plan):
    ind = {i.code: i for i in plan.indicators}
    last = {CHANGE: {"baseline": Fraction(100), "verdict": Verdict.NOT_MET},
            DONE: {"status": TaskStatus.DONE, "evidence": EVIDENCE, "doc_date": dt.date(2023, 11, 2),
                   "verdict": Verdict.MET}}
    across = LastPeriod("2023-Q4", 1, same_year=False, same_plan_version=True, values={"TAMKY": last})
    assert carried_over(across, ind[CHANGE], last[CHANGE]) == {"baseline": Fraction(100)}
    assert carried_over(across, ind[DONE], last[DONE]) == {}
    other_version = LastPeriod("2023-Q4", 1, same_year=False, same_plan_version=False, values={})
    assert carried_over(other_version, ind[CHANGE], last[CHANGE]) == {}
    within = LastPeriod("2024-Q1", 1, same_year=True, same_plan_version=True, values={})
    assert carried_over(within, ind[DONE], last[DONE]) == {
        "status": TaskStatus.DONE, "evidence": EVIDENCE, "doc_date": dt.date(2023, 11, 2)}
    # a new plan version within the year may move the baseline year (2021 → 2023): the baseline is not carried,
    # the task done this year still is
    mid_year_version = LastPeriod("2024-Q1", 1, same_year=True, same_plan_version=False, values={})
    assert carried_over(mid_year_version, ind[CHANGE], last[CHANGE]) == {}
    assert carried_over(mid_year_version, ind[DONE], last[DONE])["status"] is TaskStatus.DONE
    assert reference_text(None) == "Không có số liệu kỳ trước"
    assert reference_text({"verdict": Verdict.NOT_RETURNED}) == "Chưa nộp"


def _generate_cli(out, ledger, lang="en"):
    return subprocess.run([*PARXL, "--lang", lang, "generate", "--period", "2024-Q2", "--out", str(out),
                           "--agency", "TAMKY", "--plan", str(PLAN), "--ledger", str(ledger)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_cli_generate_with_ledger_says_what_it_carried_over(q2, tmp_path):
    _, ledger, _, _ = q2
    r = _generate_cli(tmp_path / "wb", ledger)
    assert r.returncode == 0, r.stderr
    assert "last period's values (2024-Q1) shown and carried over" in r.stdout
    r = _generate_cli(tmp_path / "wb-vi", ledger, "vi")
    assert r.returncode == 0 and "số liệu kỳ trước (2024-Q1)" in r.stdout


def test_cli_generate_with_a_missing_ledger_exits_2(tmp_path):
    r = _generate_cli(tmp_path / "wb", tmp_path / "missing.sqlite")
    assert r.returncode == 2 and "no ledger" in r.stderr
    assert not (tmp_path / "wb").exists()


# -- carried-over values are told apart from typed ones (issue 21) ----------------------------------------------

def _cell(wb, plan, agency, code, key):
    s, row = _row(plan, agency, code)
    return wb[s.name].cell(row.excel_row + 1, COL[key] + 1)


def test_carried_values_are_coloured_apart_and_named_in_the_signed_identity(plan, q2):
    from parxl import carryover
    from parxl.identity import verify
    from parxl.style import CARRIED_FILL
    _, _, _, out = q2
    wb = openpyxl.load_workbook(out["with"]["TAMKY"].path)
    fill = lambda c: c.fill.fgColor.rgb[-6:]   # noqa: E731
    for code, key in ((CHANGE, "baseline"), (DONE, "status"), (DONE, "evidence"), (DONE, "doc_date")):
        assert fill(_cell(wb, plan, "TAMKY", code, key)) == CARRIED_FILL[1:], (code, key)
        assert _cell(wb, plan, "TAMKY", code, key).font.i
    for code, key in ((CHANGE, "value"), (RATE, "numerator"), (DOING, "status")):
        assert fill(_cell(wb, plan, "TAMKY", code, key)) != CARRIED_FILL[1:], (code, key)
    cover = "\n".join(str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value)
    assert "Điền sẵn từ báo cáo kỳ trước" in cover
    ident = read_return(out["with"]["TAMKY"].path).identity_sheet
    manifest = carryover.decode(ident["carried"])
    assert set(manifest) == {CHANGE, DONE}
    assert manifest[DONE][0] == ("doc_date", "evidence", "status") and manifest[CHANGE][0] == ("baseline",)
    assert verify(ident, KEY) and not verify({**ident, "carried": ""}, KEY)
    # the plain workbook has no manifest; Hội An had nothing to carry
    assert "carried" not in read_return(out["plain"]["TAMKY"].path).identity_sheet
    assert "carried" not in read_return(out["with"]["HOIAN"].path).identity_sheet


def _merge(plan, per, root, ledger, name, files):
    rdir = root / name
    rdir.mkdir()
    for fname, (src, values, days) in files.items():
        simulate.fill_openpyxl(src, rdir / fname, plan, "TAMKY", values, _at(per, days))
    return merge_to_files(plan, per, rdir, root / f"{name}-out" / "tong-hop.xlsx", KEY, ledger=ledger)


def test_a_prefilled_workbook_returned_untouched_is_not_a_return(plan, q2):
    root, _, per, out = q2
    rep = _merge(plan, per, root, None, "untouched", {"tamky.xlsx": (out["with"]["TAMKY"].path, {}, 1)})
    f = [x for x in rep.findings if x.code == "return.carried-only"]
    assert len(f) == 1 and f[0].agency == "TAMKY" and f[0].file == "tamky.xlsx"
    assert [e.status.value for e in rep.returns] == ["rejected"]
    assert {r.verdict.value for r in rep.results if r.agency == "TAMKY"} == {"not_returned"}


def test_an_untouched_prefilled_copy_never_supersedes_a_typed_return(plan, q2):
    root, _, per, out = q2
    typed = {RATE: {"numerator": 990, "denominator": 1000}}
    rep = _merge(plan, per, root, None, "superseding", {
        "tamky.xlsx": (out["with"]["TAMKY"].path, typed, 1),
        "tamky-resent.xlsx": (out["with"]["TAMKY"].path, {}, 2)})        # saved later, nothing typed
    got = {r.indicator: r for r in rep.results if r.agency == "TAMKY"}
    assert got[RATE].numerator == 990 and got[RATE].file == "tamky.xlsx"
    assert "return.carried-only" in {x.code for x in rep.findings}


def test_a_return_tells_carried_values_from_typed_and_edited_ones(plan, q2):
    import json
    root, _, per, out = q2
    rep = _merge(plan, per, root, None, "edited", {"tamky.xlsx": (out["with"]["TAMKY"].path, {
        RATE: {"numerator": 960, "denominator": 1000}, CHANGE: {"value": 70, "baseline": 110}}, 1)})
    got = {r.indicator: r for r in rep.results if r.agency == "TAMKY"}
    assert got[DONE].carried == ("doc_date", "evidence", "status") and got[DONE].verdict.value == "met"
    assert got[CHANGE].carried == () and got[CHANGE].baseline == 110     # the baseline was corrected: typed
    assert got[RATE].carried == ()
    data = json.loads(rep.to_json())
    rows = {r["indicator"]: r for r in data["results"] if r["agency"] == "TAMKY"}
    assert rows[DONE]["carried"] == ["doc_date", "evidence", "status"] and rows[RATE]["carried"] == []


def test_a_forged_manifest_breaks_the_signature(plan, q2, tmp_path):
    """Removing the manifest (to pass carried values off as typed) or adding rows to it fails the signature."""
    from parxl.merge import check_paths
    _, _, per, out = q2
    for tag, change in (("dropped", lambda v: None), ("grown", lambda v: v + ";I.1/1=status:0000000000000000")):
        wb = openpyxl.load_workbook(out["with"]["TAMKY"].path)
        ws = wb["_parxl"]
        row = next(r for r in ws.iter_rows() if r[0].value == "carried")
        row[1].value = change(row[1].value)
        dst = tmp_path / f"{tag}.xlsx"
        wb.save(dst)
        checked = check_paths([dst], plan, per, KEY)[0]
        assert "identity.bad-signature" in {f.code for f in checked.findings}, tag


def test_a_workbook_wholly_carried_over_is_a_return_with_a_warning(tmp_path):
    """An agency whose every row was a task completed last period has nothing left to type: its untouched
    workbook counts, with ``return.carried-unchanged``."""
    from parxl.plan import load_plan
    src = (ROOT / "templates" / "quangnam-2024")
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "agencies.toml").write_bytes((src / "agencies.toml").read_bytes())
    (tmp_path / "plan" / "plan.toml").write_text('''[plan]
id = "mini-2024"
version = "1"
title = "Kế hoạch thử"
province = "Quảng Nam"
year = 2024
agencies = "agencies.toml"

[[section]]
code = "I"
title = "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC"
sheet = "I. Chỉ đạo điều hành"

[[task]]
code = "I.1"
section = "I"
title = "Ban hành kế hoạch tuyên truyền CCHC"
deadline = "Quý I/2024"
lead = ["Sở Nội vụ"]
result = "Kế hoạch được ban hành"

[[task]]
code = "I.2"
section = "I"
title = "Ban hành kế hoạch kiểm tra CCHC"
deadline = "Quý I/2024"
lead = ["Sở Nội vụ"]
result = "Kế hoạch được ban hành"
''', encoding="utf-8")
    mini = load_plan(tmp_path / "plan" / "plan.toml")
    agency = mini.reporting_agencies()[0]
    q1, q2p = Period.parse("2024-Q1"), Period.parse("2024-Q2")
    ledger = tmp_path / "ledger.sqlite"
    issued = generate(mini, q1, tmp_path / "i1", KEY)[0]
    done = {code: {"status": "Hoàn thành", "evidence": f"Kế hoạch số {n}/KH-SNV", "doc_date": dt.date(2024, 2, n)}
            for n, code in enumerate((i.code for i in mini.indicators), 1)}
    (tmp_path / "r1").mkdir()
    simulate.fill_openpyxl(issued.path, tmp_path / "r1" / "a.xlsx", mini, agency, done, _at(q1))
    merge_to_files(mini, q1, tmp_path / "r1", tmp_path / "o1" / "t.xlsx", KEY, ledger=ledger)
    again = generate(mini, q2p, tmp_path / "i2", KEY, ledger=ledger)[0]
    (tmp_path / "r2").mkdir()
    simulate.fill_openpyxl(again.path, tmp_path / "r2" / "a.xlsx", mini, agency, {}, _at(q2p))
    rep = merge_to_files(mini, q2p, tmp_path / "r2", tmp_path / "o2" / "t.xlsx", KEY)
    assert [e.status.value for e in rep.returns] == ["accepted"]
    assert "return.carried-unchanged" in {f.code for f in rep.findings}
    assert {r.verdict.value for r in rep.results} == {"met"} and all(r.carried for r in rep.results)
