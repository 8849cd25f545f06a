"""A corpus of the target phrases provinces write, each with its exact reading or an explicit review, and a
property: "không" before a comparator never yields that comparator.

The readings here are written by hand from what the words mean (the oracle), not copied from
parxl/plan_import/targets.py: a phrase whose reading cannot be sure must come with a doubt (a review line in the draft),
never with a wrong operator and no word about it."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from parxl.plan_import.targets import COMPARATORS, Unread, find_targets, fold, parse_target

SURE, REVIEW = "sure", "review"

# phrase, (op, value, upper, unit, measure, per), sure or review
CORPUS = [
    # -- negations: "không" before a comparator states its opposite ------------------------------------
    ("không dưới 95%", (">=", 95, None, "%", "rate", None), SURE),
    ("Không dưới 90%", (">=", 90, None, "%", "rate", None), SURE),
    ("khong duoi 90%", (">=", 90, None, "%", "rate", None), SURE),
    ("Tỷ lệ hồ sơ giải quyết đúng hạn không dưới 98%", (">=", 98, None, "%", "rate", None), SURE),
    ("không thấp hơn 90%", (">=", 90, None, "%", "rate", None), SURE),
    ("không nhỏ hơn 80%", (">=", 80, None, "%", "rate", None), SURE),
    ("không ít hơn 03 cuộc", (">=", 3, None, "cuộc", "count", None), SURE),
    ("không được dưới 95%", (">=", 95, None, "%", "rate", None), SURE),
    ("không quá 5%", ("<=", 5, None, "%", "rate", None), SURE),
    ("không vượt 5%", ("<=", 5, None, "%", "rate", None), SURE),
    ("không vượt quá 02 hồ sơ", ("<=", 2, None, "hồ sơ", "count", None), SURE),
    ("Tỷ lệ hồ sơ trễ hạn không được vượt quá 2%", ("<=", 2, None, "%", "rate", None), SURE),
    ("không trên 3 lần", ("<=", 3, None, "lần", "count", None), SURE),
    ("không cao hơn 10%", ("<=", 10, None, "%", "rate", None), SURE),
    ("không nhiều hơn 5 văn bản", ("<=", 5, None, "văn bản", "count", None), SURE),
    ("không dưới mức 90%", (">=", 90, None, "%", "rate", None), SURE),
    ("không thấp hơn năm 2023", (">=", 0, None, "%", "change", None), SURE),
    ("giảm không dưới 10% so với năm 2021", ("<=", -10, None, "%", "change", None), SURE),
    ("không để tỷ lệ hồ sơ trễ hạn vượt quá 5%", ("<=", 5, None, "%", "rate", None), REVIEW),
    ("không đạt 50%", ("<", 50, None, "%", "rate", None), REVIEW),
    ("không bằng 5%", (">=", 5, None, "%", "rate", None), REVIEW),
    # a "không" that negates something else is not read as a negation of the comparator
    ("Tỷ lệ hồ sơ không đúng hạn dưới 5%", ("<", 5, None, "%", "rate", None), SURE),
    # -- comparators -------------------------------------------------------------------------------------
    ("trên 95%", (">", 95, None, "%", "rate", None), SURE),
    ("dưới 2%", ("<", 2, None, "%", "rate", None), SURE),
    ("thấp hơn 5%", ("<", 5, None, "%", "rate", None), SURE),
    ("ít hơn 3 lần", ("<", 3, None, "lần", "count", None), SURE),
    ("bằng 0%", ("=", 0, None, "%", "rate", None), SURE),
    ("tối đa 02 văn bản", ("<=", 2, None, "văn bản", "count", None), SURE),
    ("0%", ("=", 0, None, "%", "rate", None), REVIEW),
    ("khoảng 90%", (">=", 90, None, "%", "rate", None), REVIEW),
    ("Kết quả 95%", (">=", 95, None, "%", "rate", None), SURE),        # "quả" is not "quá" (above)
    ("ket qua 95%", (">=", 95, None, "%", "rate", None), SURE),
    # -- units ---------------------------------------------------------------------------------------------
    ("ít nhất 03 lượt", (">=", 3, None, "lượt", "count", None), SURE),
    ("ít nhất 500 lượt cán bộ", (">=", 500, None, "lượt", "count", None), SURE),
    ("ít nhất 500 người", (">=", 500, None, "người", "count", None), SURE),
    ("ít nhất 02 buổi", (">=", 2, None, "buổi", "count", None), SURE),
    ("ít nhất 10 văn bản", (">=", 10, None, "văn bản", "count", None), SURE),
    ("ít nhất 05 TTHC", (">=", 5, None, "TTHC", "count", None), SURE),
    ("ít nhất 1.000 hồ sơ", (">=", 1000, None, "hồ sơ", "count", None), SURE),
    ("Không có TTHC ban hành trái thẩm quyền", ("=", 0, None, "TTHC", "count", None), SURE),
    ("đạt từ 80 điểm trở lên", (">=", 80, None, "điểm", "count", None), REVIEW),
    ("ít nhất 03 sự kiện", (">=", 3, None, "sự kiện", "count", None), REVIEW),
    ("tối đa 05 ngày làm việc", ("<=", 5, None, "ngày làm việc", "count", None), REVIEW),
    # -- per period ------------------------------------------------------------------------------------------
    ("tối thiểu 02 lần/năm", (">=", 2, None, "lần", "count", "năm"), SURE),
    ("Ít nhất 02 cuộc/năm", (">=", 2, None, "cuộc", "count", "năm"), SURE),
    ("ít nhất 02 lần mỗi năm", (">=", 2, None, "lần", "count", "năm"), SURE),
    ("hằng năm tổ chức ít nhất 02 hội nghị", (">=", 2, None, "hội nghị", "count", "năm"), SURE),
    ("ít nhất 01 cuộc/quý", (">=", 1, None, "cuộc", "count", "quý"), REVIEW),
    ("mỗi quý ít nhất 01 buổi", (">=", 1, None, "buổi", "count", "quý"), REVIEW),
    ("ít nhất 01 lần/tháng", (">=", 1, None, "lần", "count", "tháng"), REVIEW),
    ("01 cuộc/quý", (">=", 1, None, "cuộc", "count", "quý"), REVIEW),
    ("02 lần/năm", (">=", 2, None, "lần", "count", "năm"), REVIEW),
    # -- ranks -------------------------------------------------------------------------------------------------
    ("tăng ít nhất 03 bậc", (">=", 3, None, "bậc", "count", None), REVIEW),
    ("xếp trong nhóm 10 tỉnh dẫn đầu", ("<=", 10, None, "thứ hạng", "count", None), REVIEW),
    ("nằm trong nhóm 20 tỉnh, thành phố dẫn đầu cả nước", ("<=", 20, None, "thứ hạng", "count", None), REVIEW),
    ("xếp thứ 5 trở lên", ("<=", 5, None, "thứ hạng", "count", None), REVIEW),
    ("tăng thứ hạng so với năm 2024", (">", 0, None, "bậc", "count", None), REVIEW),
    ("giữ vững thứ hạng", (">=", 0, None, "bậc", "count", None), REVIEW),
    # -- ranges ------------------------------------------------------------------------------------------------
    ("từ 80% - 100%", ("between", 80, 100, "%", "rate", None), SURE),
    ("từ 80% đến 100%", ("between", 80, 100, "%", "rate", None), SURE),
    ("80-100%", ("between", 80, 100, "%", "rate", None), SURE),
    ("từ 03 đến 05 cuộc", ("between", 3, 5, "cuộc", "count", None), SURE),
    ("từ 3 - 5 lần/năm", ("between", 3, 5, "lần", "count", "năm"), SURE),
    ("từ 90% đến dưới 95%", ("between", 90, 95, "%", "rate", None), REVIEW),
]


@pytest.mark.parametrize("phrase, want, sure", CORPUS, ids=[c[0] for c in CORPUS])
def test_phrase(phrase, want, sure):
    got = parse_target(phrase)
    assert got, got
    op, value, upper, unit, measure, per = want
    assert (got.op, got.value, got.upper, got.unit, got.measure, got.per) == (op, value, upper, unit, measure, per)
    assert got.sure == (sure == SURE), got.doubts
    assert got.op in got.text or fold(got.text) in fold(phrase)        # the words it was read from


@pytest.mark.parametrize("phrase", ["Tỷ lệ gửi, nhận văn bản điện tử 4 cấp chính quyền", "tổ chức 02 hội nghị",
                                    "chậm nhất trước 05 ngày làm việc", "500 người"],
                         ids=["electronic-4-levels", "no-comparator", "deadline", "bare-count"])
def test_no_target(phrase):
    assert isinstance(parse_target(phrase), Unread)


def test_the_target_text_keeps_the_negation():
    """What the workbook's input message and the merge show: the plan's words, "không" included."""
    assert parse_target("Tỷ lệ hồ sơ đúng hạn không dưới 90%").text == "không dưới 90%"


def test_a_long_target_keeps_its_number():
    t = parse_target("không để tỷ lệ hồ sơ thủ tục hành chính của các cơ quan đơn vị trên địa bàn tỉnh giải quyết "
                     "trễ hạn vượt quá 5%")
    assert (t.op, t.value) == ("<=", 5) and not t.sure
    assert len(t.text) <= 90 and t.text.endswith("vượt quá 5%") and t.text.startswith("không để")


def test_a_prevention_verb_across_a_comma_is_a_review():
    """"không để" may or may not govern a comparator after a comma: never read silently either way."""
    t = parse_target("không để hồ sơ quá hạn, tỷ lệ hồ sơ trễ hạn của các cơ quan, đơn vị vượt quá 5%")
    assert t.value == 5 and not t.sure


# -- the property ----------------------------------------------------------------------------------------------

# the comparators and what each states alone (written here, not read from parxl.plan_import.targets)
ALONE = {
    "trên": ">", "hơn": ">", "cao hơn": ">", "lớn hơn": ">", "nhiều hơn": ">", "vượt": ">", "vượt quá": ">",
    "vượt trên": ">", "quá": ">",
    "dưới": "<", "thấp hơn": "<", "ít hơn": "<", "nhỏ hơn": "<", "kém hơn": "<",
    "tối đa": "<=", "nhiều nhất": "<=",
    "ít nhất": ">=", "tối thiểu": ">=", "từ": ">=", "đạt": ">=", "hoàn thành": ">=", "đầy đủ": ">=",
    "bằng": "=", "bảo đảm": ">=", "đảm bảo": ">=", "có": ">=", "thực hiện": ">=", "phấn đấu": ">=",
}
OPPOSITE = {">": "<=", "<": ">="}
NOT = ["không", "Không", "không được", "không để", "không thể"]
SUBJECTS = ["", "Tỷ lệ hồ sơ giải quyết đúng hạn ", "Số cuộc đối thoại ", "Kết quả ", "- Bảo đảm tỷ lệ "]
UNITS = ["%", " %", " cuộc", " lượt", " lần", " buổi", " người", " văn bản", " TTHC", " hồ sơ", " bậc", " điểm",
         " sự kiện", " ngày"]
PERIODS = ["", "/năm", "/quý", " mỗi năm"]


def test_the_property_knows_every_comparator():
    assert {c.vi for c in COMPARATORS} == set(ALONE)


@st.composite
def negated_phrases(draw):
    comparator = draw(st.sampled_from(sorted(ALONE)))
    n = draw(st.integers(0, 999))
    number = draw(st.sampled_from([str(n), f"{n:02d}", f"{n},5"]))
    unit = draw(st.sampled_from(UNITS))
    phrase = (draw(st.sampled_from(SUBJECTS)) + draw(st.sampled_from(NOT)) + f" {comparator} {number}{unit}"
              + ("" if "%" in unit else draw(st.sampled_from(PERIODS))))
    if draw(st.booleans()):
        phrase = fold(phrase)                       # as text extracted from a PDF without its diacritics
    return phrase, comparator, float(number.replace(",", "."))


@settings(max_examples=400, deadline=None)
@given(negated_phrases())
def test_a_comparator_after_khong_never_states_itself(case):
    phrase, comparator, value = case
    got = parse_target(phrase)
    assert got, phrase                              # never silently nothing: a target, or one with a review
    assert got.op != ALONE[comparator], (phrase, got)
    if ALONE[comparator] in OPPOSITE:               # "không dưới" is exactly "từ", "không quá" exactly "≤"
        assert (got.op, got.value) == (OPPOSITE[ALONE[comparator]], value), (phrase, got)
    else:                                           # "không đạt", "không ít nhất": no sure reading
        assert not got.sure, (phrase, got)


@settings(max_examples=200, deadline=None)
@given(negated_phrases())
def test_every_target_of_a_cell_obeys_the_negation(case):
    """The same phrase inside an appendix cell, after another target: each clause is read on its own."""
    phrase, comparator, _value = case
    found = find_targets("- Hoàn thành 100% kế hoạch;\n" + phrase)
    assert found[0].op == ">=" and found[-1].op != ALONE[comparator]
