"""One place for each thing the workbooks repeat: the look (parxl.style: font, colours, number formats per
unit, the format properties and the check of what xlsxwriter returns), A1 references (xlsxwriter.utility in
the writers, parxl.a1 where xlsxwriter must not load) and the periods' names (parxl.periods).

The look is held by scanning the sources: a colour, a number format or the font written as a literal anywhere
but parxl/style.py fails here, so a second copy cannot creep back in beside the first."""
from __future__ import annotations

import re

import pytest
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from conftest import ROOT
from parxl import a1, style
from parxl.periods import Period

SOURCES = sorted(p for p in (ROOT / "parxl").rglob("*.py") if p.name != "style.py")
# a fill or font colour ("#1F4E78"), a Vietnamese number format ("[$-42A]…"), the font set by name (textfit's
# glyph table names its fonts too, as keys)
LOOK = re.compile(r"""["']#[0-9A-Fa-f]{6}["']|\[\$-42A\]|(?:font_name["']:|=)\s*["']Times New Roman["']""")


def _code(path) -> str:
    """The source without its docstrings and comments (they may name the font or a colour in prose)."""
    text = re.sub(r'""".*?"""', "", path.read_text(encoding="utf-8"), flags=re.S)
    return "\n".join(line.split("  #")[0] for line in text.splitlines() if not line.lstrip().startswith("#"))


def test_the_look_is_stated_in_style_only():
    found = {p.relative_to(ROOT).as_posix(): LOOK.findall(_code(p)) for p in SOURCES}
    assert {k: v for k, v in found.items() if v} == {}


def test_one_check_of_what_xlsxwriter_returns():
    """``_ok`` was written twice (raising WriterBug in the writer, RuntimeError in the consolidator).  (The
    table sheet's refusal of a cell outside the sheet is a ValueError, as its streamed path raises.)"""
    defs = [p.relative_to(ROOT).as_posix() for p in SOURCES if re.search(r"^def _?ok\(", _code(p), re.M)]
    assert defs == []
    assert style.ok(0, "x") == 0 and style.ok(None, "x") is None
    with pytest.raises(style.WriterBug):
        style.ok(-1, "a validation")


def test_number_formats_per_unit():
    """A rate (%) always with two decimals; a count whole unless it is not (a sum in tỷ đồng)."""
    assert style.figure_format("%", 95) == "p"
    assert style.figure_format(None, 3) == "n" and style.figure_format("văn bản", None) == "n"
    assert style.figure_format("tỷ đồng", 2.5) == "p"
    assert style.FIGURE_FORMATS["p"] == "[$-42A]#,##0.00"
    assert style.signed(style.RATE) == "[$-42A]+#,##0.00;-#,##0.00;0"
    assert style.signed(style.WHOLE) == "[$-42A]+#,##0;-#,##0;0"
    formats = style.consolidated_formats()
    assert {k: formats[k]["num_format"] for k in ("n", "p", "r", "x", "dp")} == {
        "n": style.WHOLE, "p": style.RATE, "r": style.SHARE, "x": style.AS_TYPED, "dp": style.signed(style.RATE)}
    agency = style.agency_formats()
    # an input keeps its unit's format when prefilled or marked to fix
    for k in ("input_num", "input_dec", "input_date"):
        assert agency[k]["num_format"] == agency[k + "_carried"]["num_format"] == agency[k + "_fix"]["num_format"]


def test_a1_names_are_xlsxwriters():
    cols = [*range(0, 800), 16383]
    assert [a1.col_letter(c) for c in cols] == [xl_col_to_name(c) for c in cols]
    cells = [(0, 0), (6, 1), (1048575, 16383), (99, 702)]
    assert [a1.cell_name(r, c) for r, c in cells] == [xl_rowcol_to_cell(r, c) for r, c in cells]


def test_a1_is_written_once_outside_the_reader():
    """The writers use xlsxwriter.utility; parxl.a1 is the one copy for what must not load xlsxwriter (the
    reader package keeps its own parser of the sheet XML's references)."""
    loops = [p.relative_to(ROOT).as_posix() for p in SOURCES
             if re.search(r"chr\(65 \+", p.read_text(encoding="utf-8"))]
    assert [p for p in loops if not p.startswith("parxl/reader/")] == ["parxl/a1.py"]


@pytest.mark.parametrize("q, label, words, heading", [
    (1, "Báo cáo quý I năm 2024", "quý I năm 2024", "Quý I 2024"),
    (2, "Báo cáo 6 tháng năm 2024", "6 tháng năm 2024", "6 tháng 2024"),
    (3, "Báo cáo quý III năm 2024", "quý III năm 2024", "Quý III 2024"),
    (4, "Báo cáo năm 2024", "năm 2024", "Năm 2024"),      # the annual report: not "năm năm"
])
def test_a_periods_names(q, label, words, heading):
    p = Period.parse(f"2024-Q{q}")
    assert (p.label_vi, p.words_vi, p.heading_vi) == (label, words, heading)


def test_period_names_are_defined_in_periods_only():
    tables = [p.relative_to(ROOT).as_posix() for p in SOURCES
              if re.search(r"""\b2: ["']6 tháng["']""", p.read_text(encoding="utf-8"))]
    assert tables == ["parxl/periods.py"]
