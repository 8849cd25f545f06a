"""Today's map: a synthetic two-tier registry (departments + communes, no district level), imported from
a list, used end to end.  The names are synthetic on purpose ("Xã thử nghiệm 001"): never real communes."""
from __future__ import annotations

import csv
import datetime as dt
import random
import tomllib

import pytest

from conftest import KEY
from parxl.agencies import Registry
from parxl.errors import PlanError, RegistryError
from parxl.merge import merge
from parxl.periods import Period
from parxl.plan import load_plan
from parxl.plan_import.registry import import_registry
from parxl.writer import generate

N_DEPTS, N_COMMUNES = 20, 100

PLAN = """
[plan]
id = "thu-nghiem-2026"
version = "0.1"
title = "Kế hoạch thử nghiệm hai cấp"
province = "Tỉnh thử nghiệm"
year = 2026
agencies = "agencies.toml"

[[section]]
code = "I"
title = "CẢI CÁCH THỦ TỤC HÀNH CHÍNH"
sheet = "I. Thủ tục hành chính"

[[task]]
code = "I.1"
section = "I"
title = "Tỷ lệ hồ sơ TTHC do UBND cấp xã tiếp nhận được giải quyết đúng hạn"
deadline = "Trong năm 2026"
lead = ["UBND cấp xã"]
coordinators = ["Sở thử nghiệm 01"]
result = "Bảo đảm tỷ lệ hồ sơ giải quyết đúng hạn trên 95%"
[[task.indicator]]
label = "Tỷ lệ hồ sơ TTHC do UBND cấp xã tiếp nhận được giải quyết đúng hạn"
unit = "%"
measure = "rate"
numerator = "Số hồ sơ giải quyết đúng hạn"
denominator = "Số hồ sơ đã giải quyết"
target = { op = ">", value = 95, text = "trên 95%" }

[[task]]
code = "I.2"
section = "I"
title = "Sáng kiến CCHC"
deadline = "Trong năm 2026"
lead = ["Các sở, ban, ngành"]
result = "Mỗi cơ quan có ít nhất 01 sáng kiến"
[[task.indicator]]
label = "Số sáng kiến CCHC được áp dụng"
unit = "sáng kiến"
measure = "count"
aggregate = "each"
value_label = "Số sáng kiến"
target = { op = ">=", value = 1, text = "ít nhất 01 sáng kiến" }

[[task]]
code = "I.3"
section = "I"
title = "Tuyên truyền CCHC"
deadline = "Thường xuyên"
lead = ["Sở thử nghiệm 01"]
coordinators = ["Các cơ quan, đơn vị, địa phương"]
result = "Tin, bài"
"""


def _list(path, fmt):
    rows = [["code", "name", "group", "parent"]]
    rows += [[f"S{i:02d}", f"Sở thử nghiệm {i:02d}", "Sở, ban, ngành", ""] for i in range(1, N_DEPTS + 1)]
    rows += [[f"X{i:03d}", f"Xã thử nghiệm {i:03d}", "UBND cấp xã", ""] for i in range(1, N_COMMUNES + 1)]
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    else:
        import xlsxwriter
        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet("Danh sách")
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
        wb.close()
    return path


@pytest.fixture(scope="module")
def two_tier(tmp_path_factory):
    d = tmp_path_factory.mktemp("two_tier")
    (d / "agencies.toml").write_text(import_registry(_list(d / "list.csv", "csv"), registry_id="thu-nghiem-2026",
                                                     province="Tỉnh thử nghiệm"), encoding="utf-8")
    (d / "plan.toml").write_text(PLAN, encoding="utf-8")
    return d


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_registry_import_reads_csv_and_xlsx(fmt, tmp_path):
    text = import_registry(_list(tmp_path / f"list.{fmt}", fmt))
    raw = tomllib.loads(text)
    assert len(raw["agency"]) == N_DEPTS + N_COMMUNES
    assert {g["code"] for g in raw["group"]} == {"so-nganh", "ubnd-xa", "co-quan-dia-phuong"}
    assert "delegate_to" not in next(g for g in raw["group"] if g["code"] == "ubnd-xa")
    umbrella = next(g for g in raw["group"] if g["code"] == "co-quan-dia-phuong")
    assert umbrella["includes"] == ["so-nganh", "ubnd-xa"]        # the departments and the communes


def test_umbrella_phrase_names_departments_and_communes(two_tier):
    plan = load_plan(two_tier / "plan.toml")
    assert len(plan.tasks[2].coordinators) == N_DEPTS + N_COMMUNES
    reg = plan.registry
    assert [a.agency for a in reg.resolve("Các cơ quan, đơn vị, địa phương")] == list(reg.agencies)


def test_commune_phrase_resolves_to_communes_that_report_for_themselves(two_tier):
    plan = load_plan(two_tier / "plan.toml")
    reps = plan.indicator("I.1/1").reporters
    assert [r.agency for r in reps] == [f"X{i:03d}" for i in range(1, N_COMMUNES + 1)]
    assert all(r.on_behalf_of is None for r in reps)
    assert len(plan.reporting_agencies()) == N_DEPTS + N_COMMUNES


def test_district_phrase_is_a_plan_check_error_naming_the_level(two_tier):
    bad = two_tier / "bad.toml"
    bad.write_text(PLAN.replace('coordinators = ["Sở thử nghiệm 01"]', 'coordinators = ["UBND cấp huyện"]'),
                   encoding="utf-8")
    with pytest.raises(PlanError) as e:
        load_plan(bad)
    (p,) = e.value.problems
    assert p.where == "task[0] (I.1).coordinators[0]"
    assert "UBND cấp huyện" in p.message and "district level" in p.message


@pytest.mark.parametrize("alias", ["UBND cấp huyện", "UBND các huyện, thị xã, thành phố", "Ủy ban nhân dân cấp huyện"])
def test_district_level_cannot_be_aliased_onto_the_communes(alias, two_tier, tmp_path):
    """III.4.2 (dossiers the districts received) and III.4.3 (the communes') would both go to the communes."""
    text = (two_tier / "agencies.toml").read_text(encoding="utf-8").replace(
        'aliases = ["Ủy ban nhân dân cấp xã"', f'aliases = ["{alias}", "Ủy ban nhân dân cấp xã"', 1)
    (tmp_path / "agencies.toml").write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError) as e:
        Registry.load(tmp_path / "agencies.toml")
    (p,) = e.value.problems
    assert p.where == "group ubnd-xa" and alias in p.message


def test_the_district_level_still_names_itself_on_the_old_map():
    from conftest import ROOT
    reg = Registry.load(ROOT / "templates" / "quangnam-2024" / "agencies.toml")
    assert len(reg.resolve("UBND cấp huyện")) == 18 and reg.hint("UBND cấp huyện") == ""


def test_bad_list_reports_every_problem(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("code,name,group,parent\n1X,Xã thử nghiệm 001,UBND cấp xã,\nS01,,Sở,\nS01,Sở thử nghiệm 01,Sở,Z9\n",
                 encoding="utf-8")
    with pytest.raises(RegistryError) as e:
        import_registry(p)
    assert len(e.value.problems) == 4


def test_generate_and_merge(two_tier, tmp_path):
    from parxl.demo import simulate
    plan = load_plan(two_tier / "plan.toml")
    period = Period.parse("2026-Q3")
    issued = {i.agency: i.path for i in generate(plan, period, tmp_path / "issued", KEY, workers=2)}
    assert set(issued) == set(plan.reporting_agencies())
    rng = random.Random(7)
    filled = sorted(issued)[::7]                      # every seventh agency returns its workbook
    returns = tmp_path / "returns"
    returns.mkdir()
    when = dt.datetime(2026, 9, 16, 10, 0, tzinfo=dt.timezone.utc)
    for a in filled:
        simulate.fill_openpyxl(issued[a], returns / f"{a}.xlsx", plan, a, simulate.answers(plan, a, period, rng), when)
    rep = merge(plan, period, returns, KEY, workers=2)
    assert len(rep.accepted()) == len(filled)
    assert set(rep.missing) == set(issued) - set(filled)
    assert {r.agency for r in rep.results} >= set(filled)


# -- a plan imported from its appendix against today's map, generated, filled and merged ------------------

def _appendix(path, rows, above=()):
    from test_plan_import import HEADER
    import docx
    d = docx.Document()
    for line in above:
        d.add_paragraph(line)
    t = d.add_table(rows=0, cols=6)
    for cells in [HEADER, *rows]:
        r = t.add_row().cells
        if len(cells) == 1:
            r[0].merge(r[5]).text = cells[0]
        else:
            for j, c in enumerate(cells):
                r[j].text = c
    d.save(str(path))
    return path


def _reviewed(draft: str) -> str:
    """The draft after a person has read each review line and deleted it."""
    return "\n".join(ln for ln in draft.splitlines() if not ln.startswith("review = ")) + "\n"


def _rate_answer(n, d, when):
    from parxl.vocab import TaskStatus
    return {"status": TaskStatus.DONE.value, "numerator": n, "denominator": d,
            "evidence": "Báo cáo số 12/BC-UBND", "doc_date": when.date()}


def test_not_below_90_percent_imported_generated_and_merged(tmp_path):
    """"không dưới 90%": the input message says it, the self-check and the merge judge >= 90."""
    import openpyxl
    from parxl.demo import simulate
    from parxl.layout import COL
    from parxl.plan_import import import_plan
    from parxl.vocab import Verdict
    reg = tmp_path / "agencies.toml"
    reg.write_text(import_registry(_list(tmp_path / "list.xlsx", "xlsx"), registry_id="thu-nghiem-2026",
                                   province="Tỉnh thử nghiệm"), encoding="utf-8")
    appendix = _appendix(tmp_path / "phu-luc.docx", [
        ["V. CẢI CÁCH THỦ TỤC HÀNH CHÍNH"],
        ["3.", "Tỷ lệ hồ sơ TTHC do UBND cấp xã tiếp nhận được giải quyết đúng hạn", "Trong năm 2026",
         "UBND cấp xã", "Sở thử nghiệm 01", "Tỷ lệ hồ sơ giải quyết đúng hạn không dưới 90%"],
        ["4.", "Tuyên truyền CCHC", "Thường xuyên", "Các cơ quan, đơn vị, địa phương", "", "Tin, bài"]])
    text, summary = import_plan(appendix, reg, agencies_ref="agencies.toml")
    draft = tmp_path / "plan.toml"
    draft.write_text(text, encoding="utf-8")
    assert summary.reviews                              # the title was built, not read: a review
    with pytest.raises(PlanError):
        load_plan(draft)                                # generate and merge refuse a draft
    draft.write_text(_reviewed(text), encoding="utf-8")
    plan = load_plan(draft)
    ind = plan.indicator("V.3/1")
    assert (ind.target.op, ind.target.value, ind.target_vi()) == (">=", 90, "không dưới 90%")
    assert [r.agency for r in ind.reporters] == [f"X{i:03d}" for i in range(1, N_COMMUNES + 1)]
    period = Period.parse("2026-Q3")
    issued = {i.agency: i.path for i in generate(plan, period, tmp_path / "issued", KEY, workers=2)}
    assert len(issued) == N_DEPTS + N_COMMUNES           # "Các cơ quan, đơn vị, địa phương": every one of them
    row = simulate.cell_map(plan, "X001")["V.3/1"]
    ws = openpyxl.load_workbook(issued["X001"])[row[0]]
    prompts = [dv.prompt for dv in ws.data_validations.dataValidation if dv.prompt]
    assert any("không dưới 90%" in p for p in prompts) and not any(" dưới 90%" in p.replace("không dưới", "")
                                                                  for p in prompts)
    check = ws.cell(row[1] + 1, COL["self_check"] + 1).value
    assert ">=90*" in check and "<90*" not in check
    when = dt.datetime(2026, 9, 16, 10, 0, tzinfo=dt.timezone.utc)
    figures = {"X001": 939, "X002": 942, "X003": 945, "X004": 947, "X005": 949, "X006": 900, "X007": 899}
    returns = tmp_path / "returns"
    returns.mkdir()
    for a, n in figures.items():
        simulate.fill_openpyxl(issued[a], returns / f"{a}.xlsx", plan, a, {"V.3/1": _rate_answer(n, 1000, when)},
                               when)
    rep = merge(plan, period, returns, KEY, workers=1)
    got = {r.agency: r.verdict for r in rep.results if r.indicator == "V.3/1" and r.agency in figures}
    assert got == {**{a: Verdict.MET for a in figures if figures[a] >= 900}, "X007": Verdict.NOT_MET}


def test_a_district_row_of_a_2024_plan_is_named_by_the_importer_and_plan_check(two_tier, tmp_path):
    """III.4.2 (dossiers the districts received) on today's map: the importer and plan check name the level."""
    from parxl.plan_import import import_plan
    appendix = _appendix(tmp_path / "phu-luc-2024.docx", [
        ["III. CẢI CÁCH THỦ TỤC HÀNH CHÍNH"],
        ["4.2", "Tỷ lệ hồ sơ TTHC do UBND cấp huyện tiếp nhận được giải quyết đúng hạn", "Trong năm 2026",
         "UBND cấp huyện", "", "trên 95%"],
        ["4.3", "Tỷ lệ hồ sơ TTHC do UBND cấp xã tiếp nhận được giải quyết đúng hạn", "Trong năm 2026",
         "UBND cấp xã", "", "trên 95%"]])
    text, summary = import_plan(appendix, two_tier / "agencies.toml", agencies_ref=str(two_tier / "agencies.toml"))
    assert summary.district_rows == ["III.4.2"] and not summary.unknown_phrases
    assert any(w == "III.4.2" and "district level" in r for w, r in summary.reviews)
    assert "district level (cấp huyện)" in summary.text()
    (tmp_path / "plan.toml").write_text(_reviewed(text), encoding="utf-8")
    with pytest.raises(PlanError) as e:
        load_plan(tmp_path / "plan.toml")
    p = e.value.problems[0]                             # then: no agency reports its indicator
    assert p.where == "task[0] (III.4.2).lead[0]" and "district level" in p.message


# -- units typed by kind: Xã / Phường / Đặc khu -------------------------------------------------------------

N_XA, N_PHUONG = 70, 23


def _typed_list(path):
    rows = [["Mã", "Tên cơ quan", "Loại"]]
    rows += [[f"S{i:02d}", f"Sở thử nghiệm {i:02d}", "Sở, ban, ngành"] for i in range(1, N_DEPTS + 1)]
    rows += [[f"X{i:03d}", f"Xã thử nghiệm {i:03d}", "Xã"] for i in range(1, N_XA + 1)]
    rows += [[f"P{i:03d}", f"Phường thử nghiệm {i:03d}", "Phường"] for i in range(1, N_PHUONG + 1)]
    rows += [["DK01", "Đặc khu thử nghiệm", "Đặc khu"]]
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Danh sách")
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    wb.close()
    return path


@pytest.fixture(scope="module")
def typed(tmp_path_factory):
    d = tmp_path_factory.mktemp("typed")
    (d / "agencies.toml").write_text(import_registry(_typed_list(d / "danh-sach.xlsx"), registry_id="thu-nghiem-loai",
                                                     province="Tỉnh thử nghiệm"), encoding="utf-8")
    return d


@pytest.mark.parametrize("phrase", ["UBND các xã, phường, đặc khu", "UBND cấp xã", "Ủy ban nhân dân cấp xã"])
def test_typed_units_are_all_in_the_commune_level(phrase, typed):
    reg = Registry.load(typed / "agencies.toml")
    assert len(reg.resolve(phrase)) == N_XA + N_PHUONG + 1 and reg.left_out(phrase) is None
    assert len(reg.resolve("Các cơ quan, đơn vị, địa phương")) == N_DEPTS + N_XA + N_PHUONG + 1


@pytest.mark.parametrize("phrase, n, left", [("UBND các xã, phường", N_XA + N_PHUONG, ["DK01"]),
                                             ("UBND các phường và đặc khu", N_PHUONG + 1, N_XA),
                                             ("UBND các xã", N_XA, N_PHUONG + 1)],
                         ids=["without-the-special-zone", "without-the-communes", "communes-only"])
def test_part_of_the_commune_level_says_what_it_leaves_out(phrase, n, left, typed):
    reg = Registry.load(typed / "agencies.toml")
    assert len(reg.resolve(phrase)) == n
    level, rest = reg.left_out(phrase)
    assert level.code == "ubnd-xa" and (rest == left if isinstance(left, list) else len(rest) == left)


def test_typed_units_imported_generated_and_reviewed(typed, tmp_path):
    from parxl.plan_import import import_plan
    appendix = _appendix(tmp_path / "phu-luc.docx", [
        ["I. CẢI CÁCH THỦ TỤC HÀNH CHÍNH"],
        ["1.", "Tỷ lệ hồ sơ do cấp xã tiếp nhận được giải quyết đúng hạn", "Trong năm 2026",
         "UBND các xã, phường, đặc khu", "", "không dưới 95%"],
        ["2.", "Niêm yết TTHC", "Trong năm 2026", "UBND các xã, phường", "", "đạt 100%"]],
        above=["KẾ HOẠCH", "Nâng cao Chỉ số cải cách hành chính tỉnh thử nghiệm năm 2026"])
    text, summary = import_plan(appendix, typed / "agencies.toml", agencies_ref=str(typed / "agencies.toml"))
    reviews = dict(summary.reviews)
    assert "I.1" not in reviews and "plan" not in reviews
    assert "Đặc khu thử nghiệm" in reviews["I.2"] and "UBND cấp xã" in reviews["I.2"]
    (tmp_path / "plan.toml").write_text(_reviewed(text), encoding="utf-8")
    plan = load_plan(tmp_path / "plan.toml")
    assert len(plan.indicator("I.1/1").reporters) == N_XA + N_PHUONG + 1
    issued = generate(plan, Period.parse("2026-Q3"), tmp_path / "issued", KEY, workers=2)
    assert len(issued) == N_XA + N_PHUONG + 1             # every xã, phường and the đặc khu
