"""parxl.textfit: lines and row heights from the fonts' glyph widths, not from character counts."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT
from parxl.layout import row_height
from parxl.textfit import BODY, Font, column_points, fit_height, line_count, row_points, text_points


def test_capitals_take_more_room_than_their_count_says():
    # Tổng hợp's section titles in its 34-wide column: 33 and 34 characters, but capitals; they wrap
    for title in ("CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC", "CẢI CÁCH TỔ CHỨC BỘ MÁY HÀNH CHÍNH"):
        assert line_count(title, 34) == 2
        assert line_count(title.lower(), 34) == 1
        assert row_height([(34, title)]) >= row_points(2)
    assert text_points("W" * 10) > 2.5 * text_points("i" * 10)
    assert text_points("abc", Font(bold=True)) > text_points("abc")


def test_lines_break_at_spaces_and_line_breaks_and_long_words_by_characters():
    assert line_count("", 10) == line_count(None, 10) == 1
    assert line_count("a\nb\nc", 40) == 3
    word = "x" * 200
    assert line_count(word, 10) == line_count(word, [5, 5]) or line_count(word, [5, 5]) <= line_count(word, 10)
    assert line_count(word, 10) > 3
    assert column_points(20) == pytest.approx(108.75)          # Excel: 7 px a unit + 5 px, at 0.75 pt a px
    assert column_points([10, 10]) == 2 * column_points(10)


def test_a_row_gives_each_line_a_quarter_more_than_its_font_and_a_title_room_for_stacked_marks():
    for n in (1, 2, 5):
        assert row_points(n, 11) >= 1.25 * 11 * n
    assert row_points(1, 14, stacked=True) > row_points(1, 14)
    assert fit_height([(10, "a"), (10, "b " * 40, Font(size=14))]) == row_points(line_count("b " * 40, 10,
                                                                                            Font(size=14)), 14)
    assert fit_height([(90, "x" * 5000)]) == 409


def test_the_table_is_what_the_generator_reads_from_the_installed_fonts(tmp_path):
    pytest.importorskip("PIL")
    from pathlib import Path
    if not Path("/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf").exists():
        pytest.skip("Carlito is not installed (fonts-crosextra-carlito)")
    shipped = json.loads((ROOT / "parxl" / "fontmetrics.json").read_text(encoding="utf-8"))
    assert "ỗ" in shipped["chars"] and "Đ" in shipped["chars"]
    assert set(shipped["fonts"]) == {"Times New Roman", "Calibri"}
    # Times New Roman's "a" is 0.444 em; Calibri's 0.479 em (published metrics of both)
    a = shipped["chars"].index("a")
    assert shipped["fonts"]["Times New Roman"]["regular"]["widths"][a] == pytest.approx(443.8, abs=0.5)
    assert shipped["fonts"]["Calibri"]["regular"]["widths"][a] == pytest.approx(479, abs=0.5)
    assert BODY.family == "Times New Roman"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "font_metrics.py"), "made.json"], capture_output=True, text=True,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "made.json").read_text(encoding="utf-8")) == shipped


def test_width_for_is_the_narrowest_column_that_keeps_each_text_on_one_line():
    from parxl.textfit import width_for
    codes = ["THANGBINH", "DONGGIANG", "SNV"]
    w = width_for(codes)
    assert all(line_count(c, w) == 1 for c in codes)
    assert line_count("DONGGIANG", w - 0.5) == 2         # the widest of them
    assert width_for(["a"], least=9) == 9


def test_words_remembered_are_short_and_measure_as_before():
    """Each word's width is remembered per font (a table repeats its words), but never a long one: a hostile
    return's 32,767-character words must not be held; a text measures the same with its words remembered."""
    from parxl import textfit
    textfit._lines.cache_clear()
    textfit._word_widths.cache_clear()
    text = "Kết quả thực hiện " + "Đ" * 5000 + " nhiệm vụ cải cách hành chính năm 2024"
    first = line_count(text, 30)
    textfit._lines.cache_clear()        # measured again from the remembered words
    assert line_count(text, 30) == first > 100
    words = textfit._word_widths(BODY.family, BODY.style)
    assert "cải" in words and max(map(len, words)) <= textfit._WORD_CHARS
