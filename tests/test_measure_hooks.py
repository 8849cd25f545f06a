"""parxl/plan_import/measure_hooks.py: what each measure makes of an imported target phrase, and how a plan diff
describes a target, held as a contract so the two functions can move onto the measure classes unchanged; and
no other room of the plan import branches on the measure."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from parxl.plan import load_plan
from parxl.plan_import.measure_hooks import describe_target, spec_from_phrase
from parxl.plan_import.targets import parse_target

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "templates" / "quangnam-2024" / "plan.toml"
MEASURES = ("rate", "count", "change", "done")


def spec(phrase, **kw):
    x = parse_target(phrase)
    assert x, phrase
    return spec_from_phrase(x, phrase, **kw)


def test_a_rate_is_a_percentage_with_draft_numerator_and_denominator():
    s = spec("trên 95%")
    assert s["indicator"] == {"measure": "rate", "unit": "%", "numerator": "Số đạt yêu cầu", "denominator": "Tổng số"}
    assert s["target"] == {"op": ">", "value": 95.0}
    assert s["aggregate"] is None and s["reviews"] == [] and s["notes"] == []
    assert spec("từ 80% - 100%")["target"] == {"op": "between", "value": 80.0, "upper": 100.0}


def test_a_count_keeps_its_noun_as_unit_and_its_clause_as_value_label():
    s = spec("ít nhất 03 cuộc đối thoại")
    assert s["indicator"] == {"measure": "count", "unit": "cuộc", "value_label": "ít nhất 03 cuộc đối thoại"}
    assert s["target"] == {"op": ">=", "value": 3.0}


@pytest.mark.parametrize("phrase, each", [("trên 95%", "each"), ("ít nhất 03 cuộc", "each"),
                                          ("100% các sở, ngành thực hiện", None),
                                          ("giảm trên 10% so với năm 2021", None)])
def test_only_a_rate_or_a_count_is_met_by_each_agency(phrase, each):
    assert spec(phrase, per_agency=True)["aggregate"] == each
    assert spec(phrase)["aggregate"] is None


def test_a_change_takes_its_baseline_from_the_phrase_the_row_or_the_year_before_the_plan():
    stated = spec("giảm trên 10% so với năm 2021", years_named=(2019,), plan_year=2025)
    assert stated["target"]["baseline_year"] == 2021 and stated["notes"] == []
    from_row = spec("giảm 10% số đơn vị", years_named=(2021,), plan_year=2025)
    assert from_row["target"] == {"op": "<=", "value": -10.0, "baseline_year": 2021}
    assert from_row["indicator"]["unit"] == "đơn vị" and len(from_row["notes"]) == 1
    assert not any("so với năm" in r for r in from_row["reviews"])         # the reader's doubt is settled
    assumed = spec("giảm 10% số đơn vị", plan_year=2025)
    assert assumed["target"]["baseline_year"] == 2024 and assumed["notes"] == []
    assert any("2024" in r for r in assumed["reviews"])                     # an assumed year is reviewed
    assert all(any("percent change" in r for r in s["reviews"]) for s in (stated, from_row, assumed))


def test_done_is_a_share_of_agencies_in_percent():
    s = spec("100% các sở, ngành thực hiện")
    assert s["indicator"] == {"measure": "done", "unit": "%"}
    assert s["reviews"] and s["reviews"] == list(parse_target("100% các sở, ngành thực hiện").doubts)


def test_describe_target_of_each_measure_in_the_bundled_plan():
    plan = load_plan(PLAN)
    first = {}
    for i in plan.indicators:
        first.setdefault(i.measure, i)
    assert set(first) == set(MEASURES)
    said = {m: describe_target(i) for m, i in first.items()}
    assert said["rate"].startswith("rate >= ") and "% (" in said["rate"]
    assert said["count"].startswith("count >= ") and "%" not in said["count"].split(" (")[0]
    assert said["change"].startswith("change < -10% vs 2021 (")
    assert said["done"].startswith("done done (")
    assert all(describe_target(i) == describe_target(i) for i in plan.indicators)


def _branches_on_measure(tree: ast.AST) -> list[int]:
    """Lines comparing something with a measure's name, or an attribute ``.measure`` with anything."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        names = {n.value for s in sides for n in ast.walk(s) if isinstance(n, ast.Constant)}
        if names & set(MEASURES) or any(isinstance(s, ast.Attribute) and s.attr == "measure" for s in sides):
            out.append(node.lineno)
    return out


def test_no_room_of_the_plan_import_branches_on_the_measure():
    # targets.py guesses a measure from the words (classification of text, not a measure's rule)
    rooms = sorted((ROOT / "parxl" / "plan_import").glob("*.py"))
    found = {p.name: _branches_on_measure(ast.parse(p.read_text(encoding="utf-8"))) for p in rooms
             if p.name != "targets.py"}
    assert {name: lines for name, lines in found.items() if lines} == {}
    assert _branches_on_measure(ast.parse('if x.measure == "rate": pass\nif m in ("count", "done"): pass')) == [1, 2]
