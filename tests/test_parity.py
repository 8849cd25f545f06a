"""The workbook's self-check agrees with the merge on every input (issue 9).

Oracle: LibreOffice computes each row's own "Tự kiểm tra" formula; parxl's merge judges the same file
in Python.  Hypothesis fills every input row of several agencies' workbooks with what people really
put in cells — numbers, numbers as Vietnamese text, ambiguous and garbage text, status words with odd
spaces and case, blank or whitespace evidence — and every row must show exactly the merge's verdict
word, never an error value.

Left out of the strategy, on purpose (see each strategy's comment):
- a date in a number cell: the reader sees a date and the merge refuses it, while the formula sees the
  date's serial number and judges it (a date is a number to ISNUMBER; measured: 15/03/2024 as a
  numerator over 50000 shows "Chưa đạt", the merge "Số liệu chưa hợp lệ");
- TRUE/FALSE in a number cell: the merge refuses a boolean, LibreOffice's formula reads it as 1 / 0
  (measured: TRUE beside a baseline of 0,01 shows "Đạt"), Excel's ISNUMBER(TRUE) is FALSE; in a
  status cell both sides refuse it, so it is kept there;
- integers beyond 10**12 and floats with more than 4 decimals: far above any plausible figure (the
  merge flags them ``value.implausible``); double-precision rounding of their products is not mirrored;

Text with one comma before exactly three digits ("1,200": 1,2 or 1.200?) is in: the merge refuses it as
ambiguous (``value.ambiguous-comma``) and the formula shows "Số liệu chưa hợp lệ" too.

A workbook left blank is not a return (``return.blank``): its self-check must show "Thiếu số liệu" on
every row.

The verdict of a task follows its deadline (parxl.deadlines): the parity plan dates one task before the
third quarter ends and makes one recurring, so the workbooks of 2024-Q3 hold a task not yet due ("Trong năm
2024"), one overdue, one recurring and one whose deadline is not read; :func:`test_self_check_follows_the_deadline_in_each_period`
fills every task row of the workbooks of Quý I, Quý III and the year with each status; counts and changes wait
for the deadline too (a count below its floor, a change short of it), which
:func:`test_self_check_follows_the_numeric_deadline` checks on Quý I and the year at, below and above each target.
"""
from __future__ import annotations

import functools
import math
import os
import shutil
import subprocess
import tempfile
import unicodedata
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st

from parxl import measures
from parxl.checks import check_return
from parxl.demo import libreoffice
from parxl.demo.simulate import require_openpyxl
from parxl.layout import COL, agency_layout, cell_name
from parxl.measures import NUMERIC_KEYS, measure_of
from parxl.deadlines import Due
from parxl.periods import Period
from parxl.plan import load_plan
from parxl.reader import CellError, read_return
from parxl.vocab import TaskStatus, Verdict
from parxl.writer import generate

from conftest import KEY, ROOT

# Together their workbooks hold every measure kind and rule variant of the bundled plan:
# VPUBND: rate/ratio (≥, >, between), rate/each, count/each, count "=" 0 (III.1.a/1), count/sum with
#         many reporters (VI.3/1: contributions), change with a baseline input, done/each;
#         count/sum with one reporter (III.1.a/1);
# SKHDT:  count/sum with two reporters (I.6/1), change with a plan-known baseline (VIII.2/1, set below);
# CTHUE:  change in "%" (VIII.4/1: 0.42 beside 40 read as 42%).
AGENCIES = ("VPUBND", "SKHDT", "CTHUE")
KNOWN_BASELINE = "VIII.2/1"
OVERDUE_IN_Q3 = ("III.1.b", "2024-06-30")      # a task the parity plan dates at the end of June
RECURRING = "III.2.1"                           # ... and one it makes recurring ("Thường xuyên")
FILLED = ("status", "evidence", "numerator", "denominator", "value", "baseline")


@functools.cache
def _parity_plan():
    """The bundled plan, with one change target whose baseline the plan knows (prefilled, locked)."""
    d = Path(tempfile.mkdtemp(prefix="parxl-parity-plan-"))
    src = (ROOT / "templates" / "quangnam-2024" / "plan.toml").read_text(encoding="utf-8")
    old = ('target = { op = ">", value = 0, baseline_year = 2023, text = "cao hơn năm 2023" }\n\n'
           '[[task]]\ncode = "VIII.3"')
    assert old in src
    src = src.replace(old, old.replace("text =", "baseline_value = 1250, text ="))
    for code, due in ((OVERDUE_IN_Q3[0], OVERDUE_IN_Q3[1]), (RECURRING, '"recurring"')):
        head = f'[[task]]\ncode = "{code}"\n'
        assert head in src
        src = src.replace(head, head + f"due = {due}\n")
    src = src.replace('agencies = "agencies.toml"',
                      f'agencies = "{(ROOT / "templates/quangnam-2024/agencies.toml").as_posix()}"')
    (d / "plan.toml").write_text(src, encoding="utf-8")
    try:
        return load_plan(d / "plan.toml")
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def parity_plan():
    return _parity_plan()


@pytest.fixture(scope="module")
def parity_issued(parity_plan, tmp_path_factory):
    out = tmp_path_factory.mktemp("parity-issued")
    return {i.agency: i.path for i in generate(parity_plan, Period.parse("2024-Q3"), out, KEY, list(AGENCIES))}


@pytest.fixture(scope="module")
def lo_profile(tmp_path_factory):
    return tmp_path_factory.mktemp("lo-profile")


def _rows(plan, agency):
    return [(s.name, r) for s in agency_layout(plan, agency) for r in s.rows]


def test_the_agencies_cover_every_kind_and_rule(parity_plan):
    inds = {r.indicator.code: r.indicator for a in AGENCIES for _, r in _rows(parity_plan, a)}
    seen = set()
    for ind in inds.values():
        t = ind.target
        seen.add((ind.measure, ind.aggregation))
        if ind.measure == "count" and ind.aggregation == "sum":
            seen.add(("count/sum", "many" if len(ind.reporters) > 1 else "one"))
        if ind.measure == "count" and t.op == "=":
            seen.add(("count", "= target"))
        if ind.measure == "rate":
            seen.add(("rate", t.op))
        if ind.measure == "change":
            seen.add(("change", "plan baseline" if t.baseline_value is not None else "baseline input"))
            if ind.unit.strip() == "%":
                seen.add(("change", "%"))
    assert seen >= {("rate", "ratio"), ("rate", "each"), ("count", "sum"), ("count", "each"),
                    ("count/sum", "one"), ("count/sum", "many"), ("count", "= target"),
                    ("change", "sum"), ("change", "baseline input"), ("change", "plan baseline"),
                    ("change", "%"), ("done", "each"), ("rate", ">="), ("rate", ">"), ("rate", "between")}
    assert "VI.3/1" in inds and "III.1.a/1" in inds and KNOWN_BASELINE in inds
    q3 = Period.parse("2024-Q3")
    dues = {i.due.at(q3) for i in inds.values() if i.measure == "done"}
    assert dues == {Due.NOT_YET, Due.PASSED, Due.RECURRING, Due.UNKNOWN}


# -- what people put in cells --------------------------------------------------------------------------

STATUS_WORDS = [s.value for s in TaskStatus]
STATUS_VARIANTS = ["  hoàn   thành ", "HOÀN THÀNH", "hoàn thành", " Không phát sinh", "không  PHÁT sinh",
                   "Đang thực hiện ", "CHƯA THỰC HIỆN",
                   unicodedata.normalize("NFD", "Hoàn thành"),      # decomposed accents: not the list's word
                   "Hoàn thành\u00a0",                              # no-break space: TRIM keeps it
                   "\tHoàn thành"]
STATUS_UNKNOWN = ["xong", "Tốt", "Hoan thanh", "Đã hoàn thành", "x", "-"]

# A status cell holding something else: a number (as a person might type 1 for "done").
status_cell = st.one_of(st.none(), st.sampled_from(STATUS_WORDS), st.sampled_from(STATUS_VARIANTS),
                        st.sampled_from(STATUS_UNKNOWN), st.sampled_from([1, 0, 95.5, True, False]),
                        st.sampled_from(["", " ", "   "]))

evidence_cell = st.sampled_from([None, "", " ", "   ", "CV 12/UBND", "Báo cáo số 45/BC-UBND", "\t"])

TEXT_FIXED = ["95,5", "1.234", "1.234,5", " 12 ", "95%", "1.5", "1,2345", "abc", "1,2,3", "%", " ", "  ",
              "\t", "", "-5", "0", "0,0", "00", "1e3", "1 234", "+3", "12,", ",5", "1.2.3", "1,5%", "42 %",
              "١٢", "五", "1.000.000", "1e400", "1e-400", "1e308", ".", "\r\n", " \t ", "−5", "0.42", "0,42", "12abc", "--1", ".5", "1..2", "1,2e1", "inf", "nan",
              # one comma before exactly three digits: ambiguous, or not quite
              "1,200", "12,345", "999,999", "+1,200%", " 1,200 ", "1,200\t", "1 ,200", "0,500", "00,500", "1234,567",
              "1,2000", "1.200,5", ",200", "+,200", "1,20", "1,200,000", "-1,200"]


def vn_text(x: Fraction, rng_bits: tuple[bool, bool, bool]) -> str:
    """A non-negative number written as an agency writes it: dots for thousands, comma for decimals."""
    dots, pct, spaces = rng_bits
    whole = int(x)
    frac = x - whole
    s = f"{whole:,}".replace(",", "." if dots else "")
    if frac:
        digits = str(float(frac))[2:]
        s += "," + digits                                  # "1,125" is ambiguous: both sides refuse it
    if pct:
        s += "%"
    return f" {s} " if spaces else s


def typed(x: int | Fraction):
    """One non-negative figure as it may sit in a cell: a number, a float, or text."""
    x = Fraction(x)
    forms = [st.just(int(x) if x.denominator == 1 else float(x))]
    forms.append(st.tuples(st.booleans(), st.booleans(), st.booleans()).map(lambda b: vn_text(x, b)))
    if x.denominator == 1:
        forms.append(st.just(float(x)))                      # 12.0: a whole number stored as a float
    return st.one_of(*forms)


small = st.integers(0, 12)
# Large: up to 10**12 (see the module docstring for why not beyond).
anyint = st.one_of(small, st.integers(0, 2000), st.integers(10**6, 10**12))
# Floats with at most 4 decimals, as typed (95.5, 0.42): rounding beyond that is not mirrored.
decimal_ = st.integers(0, 200_000).map(lambda k: Fraction(k, 100)) | st.integers(0, 10_000).map(lambda k: Fraction(k, 10_000))

# Anything at all in a number cell (dates and booleans left out: see the module docstring).
number_cell = st.one_of(
    st.none(),
    anyint.flatmap(typed),
    decimal_.flatmap(typed),
    st.integers(-100, -1),
    st.integers(-100, -1).map(str),
    st.sampled_from([-0.5, -1e-9, 1e-9]),
    st.sampled_from(TEXT_FIXED),
)


@st.composite
def coherent_numbers(draw, ind):
    """Figures near the row's own target, so boundaries are hit (95 of 100 on "> 95%")."""
    m, t = measure_of(ind), ind.target
    keys = [k for k in m.inputs(ind) if k in NUMERIC_KEYS]
    if m.kind == "rate":
        d = draw(st.integers(0, 400))
        edge = Fraction(str(t.value)) * d / 100
        n = draw(st.sampled_from([math.floor(edge), math.ceil(edge), math.ceil(edge) + 1,
                                  max(0, math.floor(edge) - 1), d, 0, d + 1]))
        return {"numerator": n, "denominator": d}
    if m.kind == "change":
        b = (Fraction(str(t.baseline_value)) if t.baseline_value is not None
             else Fraction(draw(st.sampled_from([0, 1, 4, 10, 40, 100, 1250, 3000]))))
        pct = Fraction(str(t.value)) + draw(st.sampled_from([0, 0, Fraction(1, 100), -Fraction(1, 100), 1, -1, 5, -5]))
        v = max(Fraction(0), b * (1 + pct / 100))
        if ind.unit.strip() == "%" and draw(st.booleans()):
            v = v / 100                                       # 0.42 typed for 42%
        out = {"value": v}
        if "baseline" in keys:
            out["baseline"] = b if not (ind.unit.strip() == "%" and draw(st.booleans())) else b / 100
        return out
    if m.kind == "count":
        v = Fraction(str(t.value))
        return {"value": draw(st.sampled_from([v, v + 1, max(v - 1, Fraction(0)), Fraction(0), v + Fraction(1, 2)]))}
    return {}


@st.composite
def row_fill(draw, ind):
    m = measure_of(ind)
    keys = [k for k in m.inputs(ind) if k in FILLED]
    out = {"status": draw(status_cell), "evidence": draw(evidence_cell)}
    nums = [k for k in keys if k in NUMERIC_KEYS]
    if nums:
        if draw(st.integers(0, 2)) == 0:
            out.update({k: draw(number_cell) for k in nums})
        else:
            for k, v in draw(coherent_numbers(ind)).items():
                out[k] = draw(typed(v)) if draw(st.integers(0, 4)) else draw(number_cell)
    return out


def fills(plan):
    """{agency: {indicator code: {input key: raw cell value}}}: every row of every agency's workbook."""
    return st.fixed_dictionaries({
        a: st.fixed_dictionaries({r.indicator.code: row_fill(r.indicator) for _, r in _rows(plan, a)})
        for a in AGENCIES})


# -- the round trip ------------------------------------------------------------------------------------

def write(src: Path, dst: Path, plan, agency: str, rows: dict) -> None:
    """Fill the workbook as a person's spreadsheet holds it: numbers as numbers, text as text."""
    wb = require_openpyxl().load_workbook(src)
    where = {r.indicator.code: (s, r.excel_row) for s, r in _rows(plan, agency)}
    for code, ans in rows.items():
        sheet, r = where[code]
        for key, v in ans.items():
            c = wb[sheet].cell(r + 1, COL[key] + 1)
            c.value = v
            if isinstance(v, str):
                c.data_type = "s"          # "95,5" stays text, as typed into a text cell
    wb.save(dst)


def convert_all(files: list[Path], out_dir: Path, profile: Path) -> list[Path]:
    """ONE soffice run for all files: formulas without cached values are computed on load and saved.
    The profile is private to this test module (never another soffice's), and reused between runs."""
    subprocess.run([libreoffice.soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), *map(str, files)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
    outs = [out_dir / f.name for f in files]
    assert all(o.exists() for o in outs), "LibreOffice did not convert every file"
    return outs


def _sparse(**rows):
    """An explicit example: the listed agencies' workbooks, with the listed rows filled and the others blank."""
    return rows


DONE = TaskStatus.DONE.value
KNOWN = [
    # "Hoàn thành" without evidence on a rate row
    _sparse(VPUBND={"I.7/1": {"status": DONE, "numerator": 5, "denominator": 5},
                    "III.4.1/1": {"status": DONE, "evidence": " ", "numerator": 96, "denominator": 100}}),
    # a numerator of 95,5 (a decimal typed where a whole number is asked), and "95,5" as text
    _sparse(VPUBND={"I.7/1": {"status": DONE, "evidence": "CV 12/UBND", "numerator": 95.5, "denominator": 100},
                    "III.4.1/1": {"status": DONE, "evidence": "CV 12/UBND", "numerator": "95,5", "denominator": 100},
                    "VI.3/1": {"value": "95,5"}, "I.5/1": {"value": "1.234"}},
            CTHUE={"VIII.4/1": {"value": "95,5", "baseline": "90"}}),
    # a comma before exactly three digits: 1,2 or 1.200? refused on both sides, where 1,2 would be valid too
    _sparse(CTHUE={"VIII.4/1": {"value": "1,200", "baseline": "1,2000"}},
            SKHDT={"VIII.3/1": {"value": "12,345", "baseline": 10}, KNOWN_BASELINE: {"value": " 1,250 "}}),
    # a zero denominator with data, and with nothing
    _sparse(VPUBND={"I.7/1": {"status": DONE, "evidence": "CV 12/UBND", "numerator": 3, "denominator": 0},
                    "III.4.1/1": {"numerator": 0, "denominator": 0},
                    "III.2.2.b/1": {"numerator": None, "denominator": 0}}),
    # status with extra spaces, or in capitals, or unknown
    _sparse(VPUBND={"III.4.4/1": {"status": "  hoàn   thành ", "evidence": "CV 12/UBND"},
                    "III.1.b/1": {"status": "HOÀN THÀNH"}, "IV.1/1": {"status": "xong"},
                    "V.3/1": {"status": " Không phát sinh"}}),
    # the percent rescale and the plan-known baseline
    _sparse(CTHUE={"VIII.4/1": {"value": 0.42, "baseline": 40}},
            SKHDT={KNOWN_BASELINE: {"value": 1250}, "VIII.3/1": {"value": 12, "baseline": 10}}),
]


def _check(plan, issued, profile, data, period=Period.parse("2024-Q3")) -> dict:
    """LibreOffice computes the filled workbooks; every row's self-check must show the merge's word.
    Returns the merge's verdicts, {(agency, indicator code): Verdict}."""
    seen = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        (tmp / "out").mkdir()
        files = []
        for agency, rows in data.items():
            dst = tmp / "in" / f"{agency}.xlsx"
            write(issued[agency], dst, plan, agency, rows)
            files.append(dst)
        bad = []
        for agency, out in zip(data, convert_all(files, tmp / "out", profile)):
            wb = read_return(out)
            assert "LibreOffice" in (wb.application or "")
            checked = check_return(wb, plan, period, KEY)
            blank = [f.code for f in checked.findings if f.severity.value == "error"] == ["return.blank"]
            assert checked.accepted or blank, [f.code for f in checked.findings if f.severity.value == "error"]
            for sheet, row in _rows(plan, agency):
                ind = row.indicator
                shown = wb.sheets[sheet].cell(row.excel_row, COL["self_check"])
                want = Verdict.MISSING_DATA.vi if blank else checked.results[ind.code].verdict.vi
                if not blank:
                    seen[agency, ind.code] = checked.results[ind.code].verdict
                broken = isinstance(shown, CellError) or not isinstance(shown, str) or "#" in shown or "Err:" in shown
                if broken or shown != want:
                    R = lambda k, r=row.excel_row: cell_name(r, COL[k])  # noqa: E731
                    bad.append(f"{agency} {ind.code} ({ind.measure}/{ind.aggregation}, {ind.target.op} "
                               f"{ind.target.value}, unit {ind.unit!r}): inputs {data[agency].get(ind.code)!r}\n"
                               f"    self-check {shown!r}  merge {want!r}\n"
                               f"    formula {measures.self_check_formula(ind, R, period)}")
        assert not bad, f"{len(bad)} rows disagree:\n" + "\n".join(bad[:12])
    return seen


@pytest.mark.libreoffice
@example(fill=KNOWN[0])
@example(fill=KNOWN[1])
@example(fill=KNOWN[2])
@example(fill=KNOWN[3])
@example(fill=KNOWN[4])
@example(fill=KNOWN[5])
@settings(max_examples=int(os.environ.get("PARXL_PARITY_EXAMPLES", 10)), deadline=None, derandomize=True, database=None,
          phases=(Phase.explicit, Phase.generate),   # no shrinking: each example costs a LibreOffice run
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(fill=st.deferred(lambda: fills(_parity_plan())))
def test_self_check_agrees_with_the_merge_on_every_input(parity_plan, parity_issued, lo_profile, fill):
    _check(parity_plan, parity_issued, lo_profile, fill)


TASK_FILLS = [{"status": DONE, "evidence": "CV 12/UBND"}, {"status": "Đang thực hiện"}, {"status": "Chưa thực hiện"},
              {"status": DONE, "evidence": " "}, {"status": "Không phát sinh"}, {"status": " CHƯA THỰC HIỆN "},
              {"status": "đang  thực hiện"}, {}]


@pytest.mark.libreoffice
@pytest.mark.parametrize("quarter", [1, 3, 4], ids=["Quý I", "Quý III", "năm"])
def test_self_check_follows_the_deadline_in_each_period(parity_plan, lo_profile, tmp_path, quarter):
    """Every task row of two agencies' workbooks for the period, with each status: LibreOffice's self-check shows
    the merge's word, and the words are the deadline rule's — a year-end task in progress is "chưa đến hạn" in
    Quý I and Quý III and "Chưa đạt (quá hạn)" in the annual report; the task due in June is overdue from Quý III;
    the recurring one and the one whose deadline is not read are "Chưa đạt" when not done."""
    period = Period.parse(f"2024-Q{quarter}")
    agencies = ["VPUBND", "SKHDT"]
    issued = {i.agency: i.path for i in generate(parity_plan, period, tmp_path / "issued", KEY, agencies)}
    data = {}
    for k, a in enumerate(agencies):
        tasks = [r.indicator.code for _, r in _rows(parity_plan, a) if r.indicator.measure == "done"]
        data[a] = {code: TASK_FILLS[(n + k) % len(TASK_FILLS)] for n, code in enumerate(tasks)}
    doing, idle = {"status": "Đang thực hiện"}, {"status": "Chưa thực hiện"}
    data["VPUBND"].update({f"{OVERDUE_IN_Q3[0]}/1": doing, f"{RECURRING}/1": idle, "IV.1/1": doing,
                           "IV.2/1": doing, "V.2/1": idle})
    seen = _check(parity_plan, issued, lo_profile, data, period)
    got = {code: v for (a, code), v in seen.items() if a == "VPUBND"}
    year_end_doing, year_end_idle = got["IV.2/1"], got["V.2/1"]
    assert got[f"{RECURRING}/1"] is Verdict.NOT_MET and got["IV.1/1"] is Verdict.NOT_MET      # as before deadlines
    if quarter < 4:
        assert (year_end_doing, year_end_idle) == (Verdict.IN_PROGRESS_NOT_DUE, Verdict.NOT_STARTED_NOT_DUE)
        assert Verdict.OVERDUE not in {v for c, v in got.items() if c != f"{OVERDUE_IN_Q3[0]}/1"}
    else:
        assert (year_end_doing, year_end_idle) == (Verdict.OVERDUE, Verdict.OVERDUE)
        assert not any(v.not_due for v in seen.values())
    assert got[f"{OVERDUE_IN_Q3[0]}/1"] is (Verdict.IN_PROGRESS_NOT_DUE if quarter == 1 else Verdict.OVERDUE)
    assert {Verdict.MET, Verdict.MISSING_EVIDENCE, Verdict.NOT_APPLICABLE, Verdict.MISSING_DATA} <= set(seen.values())


def _numeric_fills(plan, agency, variant: int) -> dict:
    """Every count and change row of the agency's workbook with a figure at, below or above its target
    (rotating by row and ``variant``), and one in three with "Chưa thực hiện": the words the deadline gives."""
    out = {}
    rows = [r.indicator for _, r in _rows(plan, agency) if r.indicator.measure in ("count", "change")]
    for n, ind in enumerate(rows):
        t, step = ind.target, (n + variant) % 3 - 1            # -1 below, 0 at, +1 above the bound
        if ind.measure == "count":
            fill = {"value": max(0, int(t.value) + step)}
        else:
            b = Fraction(str(t.baseline_value)) if t.baseline_value is not None else Fraction(1000)
            fill = {"value": float(b * (1 + (Fraction(str(t.value)) + 5 * step) / 100))}
            if t.baseline_value is None:
                fill["baseline"] = int(b)
        if (n + variant) % 3 == 2:
            fill["status"] = "Chưa thực hiện"
        out[ind.code] = fill
    return out


@pytest.mark.libreoffice
@pytest.mark.parametrize("quarter", [1, 4], ids=["Quý I", "năm"])
def test_self_check_follows_the_numeric_deadline(parity_plan, lo_profile, tmp_path, quarter):
    """Every count and change row of three agencies' workbooks for Quý I and the year, at, below and above its
    target: LibreOffice's self-check shows the merge's word, and the words are the rule's — a count below its
    floor or a change short of it is "chưa đến hạn" in Quý I and "Chưa đạt (quá hạn)" in the annual report, a
    count over its ceiling "Chưa đạt" in both, a recurring change "Chưa đạt" when short."""
    period = Period.parse(f"2024-Q{quarter}")
    issued = {i.agency: i.path for i in generate(parity_plan, period, tmp_path / "issued", KEY, list(AGENCIES))}
    data = {a: _numeric_fills(parity_plan, a, k) for k, a in enumerate(AGENCIES)}
    data["VPUBND"].update({"III.1.a/1": {"value": 1}, "I.5/1": {"value": 0, "status": "Chưa thực hiện"},
                           "IV.3/1": {"value": 95, "baseline": 100}})
    data["SKHDT"].update({"I.6/1": {"value": 1}, KNOWN_BASELINE: {"value": 1000}})
    seen = _check(parity_plan, issued, lo_profile, data, period)
    assert seen["VPUBND", "III.1.a/1"] is Verdict.NOT_MET                         # a ceiling: at once
    assert seen["SKHDT", KNOWN_BASELINE] is Verdict.NOT_MET                       # recurring: as before
    assert seen["SKHDT", "I.6/1"] is Verdict.CONTRIBUTES                           # a share of a province total
    short = {seen["VPUBND", "IV.3/1"], seen["VPUBND", "I.5/1"]}
    if quarter == 1:
        assert short == {Verdict.IN_PROGRESS_NOT_DUE, Verdict.NOT_STARTED_NOT_DUE}
    else:
        assert short == {Verdict.OVERDUE} and not any(v.not_due for v in seen.values())
    assert Verdict.MET in set(seen.values())
