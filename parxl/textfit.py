"""How much room a text takes in a cell, measured with the fonts' own glyph widths.

A wrapped cell's height is set by whoever writes the workbook (LibreOffice does not grow the rows of a file it
did not write), so the writer must know how many lines the text will take.  Counting characters gets it wrong
for capitals and wide letters; this module adds up the advance widths of the glyphs in the fonts the workbooks
ask for (Times New Roman, Calibri: the table in ``fontmetrics.json`` is read from their metric-compatible twins
Liberation Serif and Carlito, which have the same width for every glyph; ``tools/font_metrics.py`` makes it),
and breaks lines as a spreadsheet does: at spaces and at line breaks, a word longer than the line by its
characters.

How to call it::

    from parxl.textfit import Font, line_count, row_points, fit_height
    line_count("CẢI CÁCH TỔ CHỨC BỘ MÁY HÀNH CHÍNH", 34, Font(bold=True))   # lines in a column 34 wide
    line_count(text, [12, 34, 8])          # a merged range: the widths of its columns
    fit_height([(34, title, Font(bold=True)), (16, target)])    # a row's height (points) that shows each whole
    fit_height([(90, title, Font(size=14, bold=True))], stacked=True)   # a title: room for Ấ, Ễ, Ỗ marks
    font_of(xlsxwriter_format)             # the Font a cell format prints in
    width_for(["THANGBINH", "DONGGIANG"])  # the narrowest column width that holds each on one line (13.5)

Widths are Excel column widths (xlsxwriter's ``set_column``), heights are points (``set_row``).

Measured, not guessed (LibreOffice 7, A4 at 100 %, Liberation Serif 11 pt): a column of width ``w`` prints
5.54·w + 4.4 pt wide in LibreOffice and 5.25·w + 3.75 pt in Excel (7 px a unit plus 5 px, at 96 px an inch);
the narrower one, Excel's, is used.  A cell keeps about 1 pt left and 2 pt right of its text; 4.5 pt is taken
off.  Text is measured 3 % wider than the table says (kerning, rounding of glyph positions: LibreOffice put
90 "i" in 278.1 pt where the table says 275.0).  Lines are spaced 1.11 em in Times, 1.22 em in Calibri; a row
gives each line 1.25 em and 0.3 em more, and a title's first line another 0.35 em for stacked marks.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Sequence

from .style import FONT, SIZE

MAX_ROW = 409.0          # the tallest row Excel allows (points)
SAFETY = 1.03            # text measured this much wider than the glyph table says
PADDING = 4.5            # points of a column's width that text does not use
LINE = 1.25              # a line's height, in font sizes (the least the printed-page test accepts)
ROW_EXTRA = 0.3          # and the row's, once, for the space above the first line and below the last
STACKED = 0.35           # a title's first line: room for a circumflex with a tone mark over a capital
UNKNOWN = 1000.0         # a character the table lacks is taken as an em wide (thousandths of an em)


@dataclass(frozen=True)
class Font:
    family: str = FONT
    size: float = SIZE
    bold: bool = False
    italic: bool = False

    @property
    def style(self) -> str:
        return {(False, False): "regular", (True, False): "bold", (False, True): "italic",
                (True, True): "bold_italic"}[(bool(self.bold), bool(self.italic))]


BODY = Font()


def font_of(fmt) -> Font:
    """The font an xlsxwriter Format prints in (Calibri 11, xlsxwriter's default, when it sets none)."""
    if fmt is None:
        return Font("Calibri", 11)
    return Font(fmt.font_name or "Calibri", float(fmt.font_size or 11), bool(fmt.bold), bool(fmt.italic))


@lru_cache(maxsize=None)
def _table() -> dict:
    data = json.loads(resources.files("parxl").joinpath("fontmetrics.json").read_text(encoding="utf-8"))
    chars = data["chars"]
    return {(family, style): dict(zip(chars, m["widths"]))
            for family, styles in data["fonts"].items() for style, m in styles.items()}


@lru_cache(maxsize=64)
def _widths(family: str, style: str) -> dict[str, float]:
    table = _table()
    # a family not in the table (Arial, a substitute): Calibri is narrower, Times wider; take Times
    return table.get((family, style)) or table[("Times New Roman", style)]


def text_points(text: str, font: Font = BODY) -> float:
    """The printed width of ``text`` on one line, in points, with the safety margin."""
    w = _widths(font.family, font.style)
    return sum(w.get(c, UNKNOWN) for c in text) * font.size * SAFETY / 1000


def column_points(width: float | Sequence[float]) -> float:
    """The width (points) a column of Excel width ``width`` (or a merged range: its columns' widths) prints,
    the narrower of Excel's and LibreOffice's."""
    if isinstance(width, (int, float)):
        got = _ONE_COLUMN.get(width)
        if got is None:
            got = _ONE_COLUMN[width] = _points((width,))
        return got
    return _points(width)


def _points(widths) -> float:
    px = sum(0 if w <= 0 else (int(w * 12 + 0.5) if w < 1 else int(w * 7 + 0.5) + 5) for w in widths)
    return px * 0.75


_ONE_COLUMN: dict[float, float] = {}      # a workbook has a few dozen column widths, and many rows


WIDEST = 1000.0          # no glyph of the table is wider than an em (thousandths): a bound for short texts


def width_for(texts: Iterable[str], font: Font = BODY, least: float = 0) -> float:
    """The narrowest Excel column width (to a quarter) that shows each of ``texts`` on one line."""
    need = max((text_points(t, font) for t in texts if t), default=0.0) + PADDING
    width = max(least, (need / 0.75 - 5) / 7)
    return math.ceil(width * 4) / 4


def one_line_chars(width: float | Sequence[float], font: Font = BODY) -> int:
    """How many characters always fit on one line of a cell of Excel width ``width`` (even if each were an em
    wide): a table skips measuring a shorter text without a line break, which :func:`line_count` counts as 1."""
    room = max(1.0, column_points(width) - PADDING)
    return int(room // (WIDEST * font.size * SAFETY / 1000))


def line_count(text: str | None, width: float | Sequence[float], font: Font = BODY) -> int:
    """How many lines ``text`` wraps to in a cell of Excel width ``width`` (a merged range: a list of widths)."""
    if not text:
        return 1
    room = max(1.0, column_points(width) - PADDING)
    if "\n" not in text and len(text) * WIDEST * font.size * SAFETY / 1000 <= room:
        return 1                              # fits even if every glyph were an em wide
    return _lines(text, room, font)


@lru_cache(maxsize=1 << 12)
def _lines(text: str, room: float, font: Font) -> int:
    """``line_count`` for a text that may not fit on one line (cached: a table repeats its texts; a few
    thousand, as the consolidated workbook's tables keep their own memo: 65,536 held 14 MB at 4,200 returns)."""
    w = _widths(font.family, font.style)
    words = _word_widths(font.family, font.style)
    scale = font.size * SAFETY / 1000
    space = w.get(" ", 250.0) * scale
    total = 0
    for para in str(text).split("\n"):
        lines, used = 1, 0.0
        for word in para.split(" "):
            ww = words.get(word)
            if ww is None:
                ww = sum(w.get(c, UNKNOWN) for c in word)
                if len(word) <= _WORD_CHARS and len(words) < _WORDS:
                    words[word] = ww
            ww *= scale
            need = ww if used == 0 else used + space + ww
            if need <= room:
                used = need
                continue
            if used > 0:                      # the word goes to the next line
                lines += 1
            if ww <= room:
                used = ww
                continue
            used = 0.0                        # a word longer than the line: broken by its characters
            for c in word:
                cw = w.get(c, UNKNOWN) * scale
                if used + cw > room and used > 0:
                    lines += 1
                    used = 0.0
                used += cw
        total += lines
    return total


_WORDS = 1 << 13       # words whose widths are remembered, per font: a plan's texts and a return's answers repeat
                       # their words (Vietnamese writes a syllable a word), a few thousand of them ...
_WORD_CHARS = 32       # ... each at most this long (a memo must not hold what a hostile file puts in it)


@lru_cache(maxsize=64)
def _word_widths(family: str, style: str) -> dict[str, float]:
    """Word → its width in thousandths of an em (the sum :func:`_lines` would add up again), for one font."""
    return {}


def row_points(lines: int, size: float = 11, stacked: bool = False) -> float:
    """The height (points) of a row that shows ``lines`` lines of text at ``size`` whole."""
    h = size * (LINE * max(1, lines) + ROW_EXTRA + (STACKED if stacked else 0))
    return min(MAX_ROW, round(h * 4 + 0.4999) / 4)        # up to a quarter point


def fit_height(cells: Iterable[tuple], stacked: bool = False, least: float = 0) -> float:
    """A row's height (points) that shows every cell's text whole: ``cells`` are ``(width, text)`` or
    ``(width, text, Font)`` (width: Excel width, or a merged range's widths).  ``stacked``: a title row."""
    most: dict[float, int] = {}      # the most lines at each font size (a row's height grows with them)
    for cell in cells:
        width, text = cell[0], cell[1]
        font = cell[2] if len(cell) > 2 and cell[2] is not None else BODY
        n = 1 if text is None or text == "" else line_count(str(text), width, font)
        if n > most.get(font.size, 0):
            most[font.size] = n
    best = least
    for size, n in most.items():
        h = row_points(n, size, stacked)
        if h > best:
            best = h
    return min(MAX_ROW, best or row_points(1))
