"""What people see on paper: an agency's workbook and the consolidated workbook, printed by LibreOffice
to PDF, read back with pdfplumber: no text below 8 pt on any page, and page counts a reader can handle."""
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

pdfplumber = pytest.importorskip("pdfplumber")
pytestmark = pytest.mark.libreoffice

MIN_PT = 8.0


def _pages(pdf_path: Path) -> list[dict]:
    """Per printed page: the smallest font size used, the footer's sheet name, and its text."""
    out = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            # pdfplumber's "size" is a glyph's vertical extent: for text turned 90° (the matrix's rotated
            # headers) that is the glyph's advance, and its font size is the horizontal extent
            sizes = [round(c["size"] if c["upright"] else c["width"], 2) for c in page.chars if c["text"].strip()]
            out.append({"min": min(sizes, default=99.0), "text": page.extract_text() or ""})
    return out


@pytest.fixture(scope="module")
def printed(tmp_path_factory, plan, issued):
    """The samples' returns merged now, and Tam Kỳ's issued workbook, both printed to PDF in one soffice run."""
    out = tmp_path_factory.mktemp("print")
    key = load_key(ROOT / "samples" / "sample.key")
    merge_to_files(plan, Period.parse("2024-Q3"), ROOT / "samples" / "returns", out / "tong-hop.xlsx", key)
    agency = out / "2024-Q3_TAMKY.xlsx"
    agency.write_bytes(issued["TAMKY"].read_bytes())
    pdfs = libreoffice.convert_many([out / "tong-hop.xlsx", agency], out / "pdf", "pdf")
    return {p.stem: _pages(p) for p in pdfs}


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
        mine = [p for p in pages if p["text"].lstrip().startswith(s.title.split(" ", 1)[0]) and s.title[:20] in p["text"]]
        assert len(mine) % 2 == 0 and 2 <= len(mine) <= 4, (s.title, len(mine))
        assert all("Mã chỉ tiêu" in p["text"] and "Mục tiêu" in p["text"] for p in mine)   # key columns repeated
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
