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
from parxl.registry_import import import_registry
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


def test_commune_phrase_resolves_to_communes_that_report_for_themselves(two_tier):
    plan = load_plan(two_tier / "plan.toml")
    reps = plan.indicator("I.1/1").reporters
    assert [r.agency for r in reps] == [f"X{i:03d}" for i in range(1, N_COMMUNES + 1)]
    assert all(r.on_behalf_of is None for r in reps)
    assert len(plan.reporting_agencies()) == N_DEPTS + N_COMMUNES


def test_district_phrase_is_a_plan_check_error(two_tier):
    bad = two_tier / "bad.toml"
    bad.write_text(PLAN.replace('coordinators = ["Sở thử nghiệm 01"]', 'coordinators = ["UBND cấp huyện"]'),
                   encoding="utf-8")
    with pytest.raises(PlanError) as e:
        load_plan(bad)
    assert any("UBND cấp huyện" in p.message for p in e.value.problems)


def test_district_phrase_mapped_explicitly(two_tier, tmp_path):
    text = (two_tier / "agencies.toml").read_text(encoding="utf-8").replace(
        'aliases = ["Ủy ban nhân dân cấp xã"', 'aliases = ["UBND cấp huyện", "Ủy ban nhân dân cấp xã"', 1)
    (tmp_path / "agencies.toml").write_text(text, encoding="utf-8")
    (tmp_path / "plan.toml").write_text(PLAN.replace('coordinators = ["Sở thử nghiệm 01"]',
                                                     'coordinators = ["UBND cấp huyện"]'), encoding="utf-8")
    plan = load_plan(tmp_path / "plan.toml")
    assert len(plan.tasks[0].coordinators) == N_COMMUNES


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
