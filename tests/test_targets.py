"""parxl.plan_import.targets: every phrase shape of the bundled plan, the issue's shapes, text without diacritics."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from parxl.plan_import.targets import Unread, find_targets, fold, parse_target, read_number

PLAN = Path(__file__).resolve().parent.parent / "templates" / "quangnam-2024" / "plan.toml"


def _bundled():
    raw = tomllib.loads(PLAN.read_text(encoding="utf-8"))
    seen = {}
    for t in raw["task"]:
        for i in t.get("indicator", []):
            tg = i["target"]
            seen.setdefault(tg["text"], (f"{t['code']}:{tg['text']}", tg))
    return list(seen.values())


@pytest.mark.parametrize("text_id, target", _bundled(), ids=[x[0] for x in _bundled()])
def test_bundled_phrase(text_id, target):
    got = parse_target(target["text"])
    assert got, got
    assert got.key() == (target["op"], float(target["value"]),
                         float(target["upper"]) if "upper" in target else None, target.get("baseline_year"))


CASES = [
    # text, op, value, upper, baseline_year, measure, unit, per_agency, sure
    ("trên 95%", ">", 95, None, None, "rate", "%", False, True),
    ("tren 95%", ">", 95, None, None, "rate", "%", False, True),
    ("từ 50% trở lên", ">=", 50, None, None, "rate", "%", False, True),
    ("ít nhất 30% trở lên", ">=", 30, None, None, "rate", "%", False, True),
    ("tối thiểu 80%", ">=", 80, None, None, "rate", "%", False, True),
    ("toi thieu 80%", ">=", 80, None, None, "rate", "%", False, True),
    ("đạt 90% trở lên", ">=", 90, None, None, "rate", "%", False, True),
    ("100%", ">=", 100, None, None, "rate", "%", False, True),
    ("không quá 5%", "<=", 5, None, None, "rate", "%", False, True),
    ("dưới 2%", "<", 2, None, None, "rate", "%", False, True),
    ("95,5%", ">=", 95.5, None, None, "rate", "%", False, True),
    ("từ 80% - 100%", "between", 80, 100, None, "rate", "%", False, True),
    ("tu 80% den 100%", "between", 80, 100, None, "rate", "%", False, True),
    ("giảm trên 10% so với năm 2021", "<", -10, None, 2021, "change", "%", False, True),
    ("giam tren 10% so voi nam 2021", "<", -10, None, 2021, "change", "%", False, True),
    ("giảm 10% so với năm 2021", "<=", -10, None, 2021, "change", "%", False, True),
    ("giảm 10%", "<=", -10, None, None, "change", "%", False, False),
    ("cao hơn năm 2023 ít nhất 20%", ">=", 20, None, 2023, "change", "%", False, True),
    ("cao hơn năm 2023", ">", 0, None, 2023, "change", "%", False, True),
    ("giảm so với năm 2023", "<", 0, None, 2023, "change", "%", False, True),
    ("Không có TTHC ban hành trái thẩm quyền", "=", 0, None, None, "count", "TTHC", False, True),
    ("khong co TTHC ban hanh trai tham quyen", "=", 0, None, None, "count", "TTHC", False, True),
    ("ít nhất 03 cuộc đối thoại", ">=", 3, None, None, "count", "cuộc", False, True),
    ("ít nhất từ 03 cuộc đối thoại, diễn đàn trở lên", ">=", 3, None, None, "count", "cuộc", False, True),
    ("Hoàn thành 33 chỉ tiêu, nhiệm vụ", ">=", 33, None, None, "count", "chỉ tiêu", False, True),
    ("mỗi cơ quan có ít nhất 01 sáng kiến", ">=", 1, None, None, "count", "sáng kiến", True, True),
    ("moi co quan co it nhat 01 sang kien", ">=", 1, None, None, "count", "sang kien", True, True),
    ("100% các sở, ngành đạt từ 80% trở lên", ">=", 80, None, None, "rate", "%", True, True),
    ("100% cơ quan, đơn vị, địa phương", ">=", 100, None, None, "done", "%", True, False),
    ("đồng bộ trên 05 lĩnh vực", ">", 5, None, None, "count", "lĩnh vực", False, False),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_phrase(case):
    text, op, value, upper, year, measure, unit, per_agency, sure = case
    got = parse_target(text)
    assert got, got
    assert (got.op, got.value, got.upper, got.baseline_year) == (op, value, upper, year)
    assert (got.measure, got.unit, got.per_agency, got.sure) == (measure, unit, per_agency, sure)


@pytest.mark.parametrize("text", ["Báo cáo kết quả thực hiện", "theo Nghị định số 59/2012/NĐ-CP",
                                  "chậm nhất trước 05 ngày làm việc", "Tỷ lệ gửi, nhận văn bản điện tử 4 cấp chính quyền",
                                  "ngày 15/3/2024", "trong 2 năm gần nhất", "Khoản 2 Điều 23 Luật", ""],
                         ids=["no-number", "decree-number", "days", "levels", "date", "years", "article", "empty"])
def test_not_a_target(text):
    got = parse_target(text)
    assert isinstance(got, Unread) and not got and got.reason


def test_several_targets_in_one_phrase_are_a_doubt():
    got = parse_target("đạt 100%; đạt 50%")
    assert got and not got.sure


def test_find_targets_in_a_result_cell():
    cell = ("- Tỷ lệ TTHC được triển khai thanh toán trực tuyến đạt 100%\n"
            "- Tỷ lệ hồ sơ thanh toán trực tuyến đạt 30% trở lên.")
    assert [(t.op, t.value) for t in find_targets(cell)] == [(">=", 100), (">=", 30)]


def test_quantifier_after_the_target():
    got = parse_target("từ 50% trở lên (100% các phòng thuộc UBND cấp huyện)")
    assert (got.op, got.value, got.per_agency) == (">=", 50, True)


@pytest.mark.parametrize("s, x", [("03", 3), ("95,5", 95.5), ("1.000", 1000), ("12.500.000", 12500000),
                                  ("95.5", 95.5), ("1,2,3", None)])
def test_read_number(s, x):
    assert read_number(s) == x


def test_fold_keeps_length():
    s = "Đảm bảo tỷ lệ hồ sơ giải quyết đúng hạn trên 95%"
    assert len(fold(s)) == len(s) and fold(s).startswith("dam bao ty le")
