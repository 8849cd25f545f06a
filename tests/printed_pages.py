"""Flaws a reader sees on a printed page, found in a PDF that LibreOffice printed (read with pdfplumber), and the
row heights of a workbook as it is written.  Shared by the print tests (an agency's workbook, the consolidated
one): each function returns the flaws it found, described so that a failing assertion says where to look.

- :func:`page_flaws`: on each page, a glyph past the page's edge, a glyph drawn over another, a glyph that a
  table rule (a cell border) runs through, a table row lower than 1.25 times the largest font printed in it;
- :func:`low_rows`: a row of a workbook lower than 1.25 times the largest font of the text in it (a title's
  marks over capitals need that room; a page shows text clipped at a row's edge, not where it was clipped).

A glyph is its box as the PDF places it: the font size high (ascent to descent) and its advance wide.  Text
turned 90° (the consolidated workbook's rotated headers) is left out of the rule and row checks."""
from __future__ import annotations

from pathlib import Path

LINE = 1.25             # a row at least this many times the largest font in it
INSIDE = 0.2            # a rule crosses a glyph when it runs through its box deeper than this share of it
OVER = 0.3              # two glyphs overlap when their boxes share this much of the smaller, both ways
EDGE = 0.5              # points of slack at the page's edge


def page_flaws(pdf_path: str | Path) -> list[str]:
    """Every flaw on every page of a PDF, as "page N: what — where"."""
    import pdfplumber
    out = []
    with pdfplumber.open(pdf_path) as pdf:
        for n, page in enumerate(pdf.pages, 1):
            glyphs = [c for c in page.chars if c["text"].strip()]
            rules = [ln for ln in page.lines]
            for what in (past_edge(glyphs, page.width, page.height), overlapping(glyphs),
                         crossing_rules(glyphs, rules), low_table_rows(glyphs, rules)):
                out += [f"page {n}: {w}" for w in what]
    return out


def _where(c) -> str:
    return f"{c['text']!r} at x={c['x0']:.1f} y={c['top']:.1f} ({c['size']:.1f} pt)"


def past_edge(glyphs, width: float, height: float) -> list[str]:
    return [f"past the page's edge: {_where(c)}" for c in glyphs
            if c["x0"] < -EDGE or c["x1"] > width + EDGE or c["top"] < -EDGE or c["bottom"] > height + EDGE]


def overlapping(glyphs) -> list[str]:
    """Glyphs drawn over one another (text of one cell printed over the next)."""
    out = []
    gs = sorted(glyphs, key=lambda c: c["x0"])
    for i, a in enumerate(gs):
        for b in gs[i + 1:]:
            if b["x0"] >= a["x1"]:
                break
            dx = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            dy = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            wmin = min(a["x1"] - a["x0"], b["x1"] - b["x0"])
            hmin = min(a["bottom"] - a["top"], b["bottom"] - b["top"])
            if wmin > 0 and hmin > 0 and dx > OVER * wmin and dy > OVER * hmin:
                out.append(f"glyph over glyph: {_where(a)} and {_where(b)}")
                if len(out) >= 20:
                    return out
    return out


def crossing_rules(glyphs, rules) -> list[str]:
    """Glyphs that a cell border runs through: text wrapped under the next row's rule, or past its column."""
    out = []
    for c in glyphs:
        if not c.get("upright", True):
            continue
        h, w = c["bottom"] - c["top"], c["x1"] - c["x0"]
        mid_x, mid_y = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
        for r in rules:
            if r["top"] == r["bottom"] or abs(r["bottom"] - r["top"]) < 0.01:            # horizontal
                y = r["top"]
                if (r["x0"] <= mid_x <= r["x1"] and c["top"] + INSIDE * h < y < c["bottom"] - INSIDE * h):
                    out.append(f"a row's rule through {_where(c)}")
                    break
            elif abs(r["x1"] - r["x0"]) < 0.01:                                         # vertical
                x = r["x0"]
                if r["top"] <= mid_y <= r["bottom"] and c["x0"] + INSIDE * w < x < c["x1"] - INSIDE * w:
                    out.append(f"a column's rule through {_where(c)}")
                    break
        if len(out) >= 20:
            break
    return out


def low_table_rows(glyphs, rules) -> list[str]:
    """Glyphs in a table row (between two horizontal rules) lower than LINE times their size."""
    hs = [r for r in rules if abs(r["bottom"] - r["top"]) < 0.01 and r["x1"] - r["x0"] > 1]
    out = []
    for c in glyphs:
        if not c.get("upright", True):
            continue
        mid_x, mid_y = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
        covering = [r["top"] for r in hs if r["x0"] <= mid_x <= r["x1"]]
        above = [y for y in covering if y <= mid_y]
        below = [y for y in covering if y > mid_y]
        if above and below and min(below) - max(above) < LINE * c["size"] - 0.05:
            out.append(f"row {min(below) - max(above):.1f} pt high for {_where(c)}")
            if len(out) >= 20:
                break
    return out


def low_rows(xlsx_path: str | Path, sheets: list[str] | None = None) -> list[str]:
    """Rows of a workbook lower than LINE times the largest font of the text in them (a merged cell's text
    counts for the rows it spans, together), on the printed sheets (``sheets``: these only)."""
    import openpyxl
    wb = openpyxl.load_workbook(xlsx_path)
    out = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or (sheets is not None and ws.title not in sheets):
            continue
        default = ws.sheet_format.defaultRowHeight or 15
        spans = {(m.min_row, m.min_col): m.max_row for m in ws.merged_cells.ranges}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or str(cell.value).strip() == "":
                    continue
                size = float(cell.font.sz or 11)
                last = spans.get((cell.row, cell.column), cell.row)
                high = sum(ws.row_dimensions[r].height or default for r in range(cell.row, last + 1))
                if high < LINE * size - 0.05:
                    out.append(f"{ws.title}!{cell.coordinate}: row {high:g} pt for {size:g} pt text")
    return out
