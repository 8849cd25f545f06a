"""What people see on paper: an agency's workbook and the consolidated workbook, printed by LibreOffice
to PDF, read back with pdfplumber: no text below 8 pt on any page, and page counts a reader can handle.

Line breaks inside a cell depend on the font's widths, so these pages are measured with the fonts the
workbooks ask for or their metric-compatible twins (Liberation, Carlito: same width for every glyph), never
with a fallback such as DejaVu; test_environment.py says which ones and how to install them."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT
from parxl.demo import libreoffice
from parxl.identity import load_key
from parxl.layout import agency_layout
from parxl.merge import merge_to_files
from parxl.periods import Period
from test_environment import METRIC_TWINS, pdf_font_family, require_metric_fonts

pdfplumber = pytest.importorskip("pdfplumber")
pytestmark = pytest.mark.libreoffice

MIN_PT = 8.0


def _pages(pdf_path: Path) -> list[dict]:
    """Per printed page: the smallest font size used, its text, its words (those on the page: LibreOffice
    also draws the part of an overflowing title that lies left of the page) and the fonts of its glyphs."""
    out = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            # pdfplumber's "size" is a glyph's vertical extent: for text turned 90° (the matrix's rotated
            # headers) that is the glyph's advance, and its font size is the horizontal extent
            sizes = [round(c["size"] if c["upright"] else c["width"], 2) for c in page.chars if c["text"].strip()]
            words = [w for w in page.extract_words() if w["x0"] >= 0 and w["x1"] <= page.width]
            fonts = Counter(c["fontname"] for c in page.chars if c["text"].strip())
            out.append({"min": min(sizes, default=99.0), "text": page.extract_text() or "", "words": words,
                        "fonts": fonts})
    return out


def _reads(words: list[dict], phrase: str) -> bool:
    """Whether the page shows ``phrase`` in one cell: word after word on a line, or wrapped onto the next line
    of the same cell (a word just below that overlaps the words read so far horizontally). Where a cell's text
    wraps depends on the font's widths; that it is there, whole, in one cell does not."""
    want = phrase.split()

    def follows(w, line):
        last, h = line[-1], line[-1]["bottom"] - line[-1]["top"]
        same_line = abs(w["top"] - last["top"]) < 0.3 * h and 0 <= w["x0"] - last["x1"] < 0.8 * h
        next_line = (0.5 * h < w["top"] - last["top"] < 1.8 * h
                     and w["x0"] < max(x["x1"] for x in line) and w["x1"] > min(x["x0"] for x in line))
        return same_line, next_line

    def search(line: list[dict], rest: list[str]) -> bool:
        if not rest:
            return True
        for w in words:
            if w["text"] == rest[0]:
                same_line, next_line = follows(w, line)
                if same_line and search(line + [w], rest[1:]) or next_line and search([w], rest[1:]):
                    return True
        return False

    return any(search([w], want[1:]) for w in words if w["text"] == want[0])


def test_reads_finds_a_phrase_in_one_cell_on_one_line_or_wrapped_and_nowhere_else():
    def w(text, x0, top, h=9.0):
        return {"text": text, "x0": x0, "x1": x0 + 5.5 * len(text), "top": top, "bottom": top + h}
    one_line = [w("Mã", 36, 80), w("chỉ", 53, 80), w("tiêu", 72, 80)]
    wrapped = [w("Mã", 36, 76), w("chỉ", 53, 76), w("Chỉ", 115, 81), w("tiêu", 134, 81), w("tiêu", 42, 86)]
    assert _reads(one_line, "Mã chỉ tiêu") and _reads(wrapped, "Mã chỉ tiêu") and _reads(wrapped, "Chỉ tiêu")
    apart = [w("Mã", 36, 76), w("chỉ", 53, 76), w("tiêu", 134, 86)]         # "tiêu" under another column
    far_below = [w("Mã", 36, 76), w("chỉ", 53, 76), w("tiêu", 42, 120)]     # "tiêu" in a row further down
    next_cell = [w("Mã", 36, 80), w("chỉ", 53, 80), w("tiêu", 90, 80)]       # "tiêu" in the next column
    assert not any(_reads(ws, "Mã chỉ tiêu") for ws in (apart, far_below, next_cell))


@pytest.fixture(scope="module")
def printed(tmp_path_factory, plan, issued):
    """The samples' returns merged now, and Tam Kỳ's issued workbook, both printed to PDF in one soffice run."""
    require_metric_fonts()                  # measured with other fonts, where lines break here means nothing
    out = tmp_path_factory.mktemp("print")
    key = load_key(ROOT / "samples" / "sample.key")
    merge_to_files(plan, Period.parse("2024-Q3"), ROOT / "samples" / "returns", out / "tong-hop.xlsx", key)
    agency = out / "2024-Q3_TAMKY.xlsx"
    agency.write_bytes(issued["TAMKY"].read_bytes())
    pdfs = libreoffice.convert_many([out / "tong-hop.xlsx", agency], out / "pdf", "pdf")
    return {p.stem: _pages(p) for p in pdfs}


def test_printed_in_the_fonts_the_workbooks_ask_for_or_their_metric_twins(printed):
    families = {f for twins in METRIC_TWINS.values() for f in twins}
    for name, pages in printed.items():
        used = Counter()
        for p in pages:
            used.update(p["fonts"])
        assert used, name
        other = {f: n for f, n in used.items() if pdf_font_family(f) not in families}
        assert not other, (name, other)


def test_no_printed_text_is_smaller_than_8_pt(printed):
    for name, pages in printed.items():
        small = [(k + 1, p["min"]) for k, p in enumerate(pages) if p["min"] < MIN_PT - 0.05]
        assert not small, (name, small)


def test_agency_workbook_prints_two_pages_per_section_and_a_short_cover(printed, plan):
    pages = printed["2024-Q3_TAMKY"]
    sheets = agency_layout(plan, "TAMKY")
    cover = [p for p in pages if "Cách điền" in p["text"] or "Chú giải" in p["text"]]
    assert 1 <= len(cover) <= 2
    for s in sheets:
        mine = [k for k, p in enumerate(pages)
                if p["text"].lstrip().startswith(s.title.split(" ", 1)[0]) and s.title[:20] in p["text"]]
        assert len(mine) % 2 == 0 and 2 <= len(mine) <= 4, (s.title, len(mine))
        # the key columns are repeated on the second page across: their headings on every page ...
        for k in mine:
            assert _reads(pages[k]["words"], "Mã chỉ tiêu") and _reads(pages[k]["words"], "Mục tiêu"), (s.title, k + 1)
        # ... and each row's code on both pages across (on no other page)
        for r in s.rows:
            on = [k for k, p in enumerate(pages) if any(w["text"] == r.indicator.code for w in p["words"])]
            assert len(on) == 2 and set(on) <= set(mine), (s.title, r.indicator.code, [k + 1 for k in on])
    assert all(f"Trang {k + 1}/{len(pages)}" in p["text"] for k, p in enumerate(pages))      # page x/y footer


def test_consolidated_workbook_prints_what_a_leader_reads_and_leaves_long_tables_on_screen(printed):
    pages = printed["tong-hop"]
    footer_sheet = Counter()
    for p in pages:
        lines = [ln for ln in p["text"].splitlines() if "tổng hợp" in ln and "Trang" in ln]
        footer_sheet[lines[-1] if lines else ""] += 1
    text = "\n".join(p["text"] for p in pages)
    for title in ("TỔNG HỢP KẾT QUẢ", "KẾT QUẢ TOÀN TỈNH THEO CHỈ TIÊU", "TÌNH HÌNH BÁO CÁO THEO CƠ QUAN",
                  "CÁC CƠ QUAN CHƯA CÓ BÁO CÁO HỢP LỆ", "LỖI, CẢNH BÁO", "KHÓ KHĂN, VƯỚNG MẮC"):
        assert title in text, title
    long_tables = [p for p in pages if "DỮ LIỆU CHI TIẾT" in p["text"] or "CÁC TỆP ĐÃ NHẬN" in p["text"]]
    assert len(long_tables) == 2                   # the heading and a note each, not 26 pages
    assert all("khi in chỉ in phần tiêu đề" in p["text"] for p in long_tables)
    assert len(pages) <= 60
