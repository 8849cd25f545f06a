"""What people see on paper: an agency's workbook and the consolidated workbook, printed by LibreOffice
to PDF, read back with pdfplumber: no text below 8 pt on any page, and page counts a reader can handle; the
demo's annual consolidated workbook with no glyph crossing a table rule or printed over another and no row
lower than its text (tests/printed_pages.py), matrix pages that name their agencies, and a first page that tells the
quarter (final and provisional shares, coverage, late returns, the previous period).

Line breaks inside a cell depend on the font's widths, so these pages are measured with the fonts the
workbooks ask for or their metric-compatible twins (Liberation, Carlito: same width for every glyph), never
with a fallback such as DejaVu; test_environment.py says which ones and how to install them."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
import openpyxl

import pytest

from conftest import ROOT
from parxl.demo import libreoffice
from parxl.identity import load_key
from parxl.layout import agency_layout
from parxl.merge import merge_to_files
from parxl.periods import Period
from printed_pages import crossing_rules, low_rows, low_table_rows, overlapping, past_edge
from test_environment import METRIC_TWINS, pdf_font_family, require_metric_fonts

pdfplumber = pytest.importorskip("pdfplumber")
libreoffice_only = pytest.mark.libreoffice
SERIF = set(METRIC_TWINS["Times New Roman"])     # the consolidated workbook's tables (charts are in Calibri)
# the demo's year on a dozen agencies, among them the longest names of the registry
YEAR_AGENCIES = ["VPUBND", "SNV", "SNNPTNT", "SGTVT", "BQLKKT", "TTPVHCC", "SLDTBXH", "TAMKY", "THANGBINH",
                 "DONGGIANG", "NUITHANH", "CATINH"]

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
def year(tmp_path_factory):
    """The demo's year (``parxl demo --year``'s library call) on YEAR_AGENCIES: four consolidated workbooks."""
    from conftest import PLAN
    from parxl.demo import run_year
    out = tmp_path_factory.mktemp("year")
    run_year(out, PLAN, agencies=YEAR_AGENCIES, echo=lambda s: None)
    return out


@pytest.fixture(scope="module")
def annual(year):
    """The annual consolidated workbook printed to PDF: pdfplumber's pages, open for the module."""
    require_metric_fonts()
    pdf = libreoffice.convert(year / "tong-hop-2024-Q4.xlsx", year / "pdf", "pdf")
    with pdfplumber.open(pdf) as doc:
        yield doc.pages


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


@libreoffice_only
def test_printed_in_the_fonts_the_workbooks_ask_for_or_their_metric_twins(printed):
    families = {f for twins in METRIC_TWINS.values() for f in twins}
    for name, pages in printed.items():
        used = Counter()
        for p in pages:
            used.update(p["fonts"])
        assert used, name
        other = {f: n for f, n in used.items() if pdf_font_family(f) not in families}
        assert not other, (name, other)


@libreoffice_only
def test_no_printed_text_is_smaller_than_8_pt(printed):
    for name, pages in printed.items():
        small = [(k + 1, p["min"]) for k, p in enumerate(pages) if p["min"] < MIN_PT - 0.05]
        assert not small, (name, small)


@libreoffice_only
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


@libreoffice_only
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


# -- the annual consolidated workbook on paper ---------------------------------------------------------------

def table_flaws(page, families=SERIF) -> list[str]:
    """A printed page's flaws (tests/printed_pages.py) in the text of the tables: the glyphs of ``families``
    (the consolidated workbook's charts are in Calibri, and LibreOffice also draws, past the bottom of the page
    before, a chart that starts on the next page: invisible, but not table text)."""
    glyphs = [c for c in page.chars if c["text"].strip() and pdf_font_family(c["fontname"]) in families]
    return (past_edge(glyphs, page.width, page.height) + overlapping(glyphs) + crossing_rules(glyphs, page.lines)
            + low_table_rows(glyphs, page.lines))


@libreoffice_only
def test_the_annual_workbook_prints_no_glyph_over_a_rule_or_a_glyph_and_no_row_lower_than_its_text(annual):
    flaws = {n: table_flaws(page) for n, page in enumerate(annual, 1)}
    flaws = {n: f[:3] for n, f in flaws.items() if f}
    assert not flaws


def test_every_row_of_the_annual_workbook_is_at_least_a_quarter_taller_than_its_largest_font(year):
    assert not low_rows(year / "tong-hop-2024-Q4.xlsx")[:5]


def _sheet_of(page) -> str:
    """The sheet a printed page belongs to, from its footer ("… — tổng hợp  <sheet>  Trang x/y")."""
    lines = [ln for ln in (page.extract_text() or "").splitlines() if "Trang" in ln and "tổng hợp" in ln]
    return lines[-1].split("tổng hợp", 1)[1].rsplit("Trang", 1)[0].strip() if lines else ""


@libreoffice_only
def test_every_printed_matrix_page_names_its_agencies(annual, year):
    wb = openpyxl.load_workbook(year / "tong-hop-2024-Q4.xlsx")
    from conftest import PLAN
    from parxl.plan import load_plan
    plan = load_plan(PLAN)
    names = {plan.registry.name(a) for a in plan.reporting_agencies()}
    matrix = [(n, p) for n, p in enumerate(annual, 1) if _sheet_of(p).startswith("Ma trận")]
    assert len(matrix) >= 8
    for n, page in matrix:
        text = page.extract_text()
        marked = sum(w["text"] in ("Đ", "C", "G", "K", "?", "M", "!", "–") for w in page.extract_words())
        assert marked == 0 or ("Cơ quan" in text and any(name in text for name in names)), n
        assert not table_flaws(page), n
    for ws in wb.worksheets:
        if ws.title.startswith("Ma trận"):      # a column band printed on a page of its own repeats them too
            assert ws.print_title_cols == "$A:$B", ws.title


def _table(ws, header_row=4):
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    return list(rows[0]), rows[1:]


def test_the_first_page_shows_final_and_provisional_shares_coverage_late_returns_and_the_previous_period(year):
    wb = openpyxl.load_workbook(year / "tong-hop-2024-Q2.xlsx")      # one agency's six-month return came late
    head, rows = _table(wb["Tổng hợp"])
    for h in ("Đạt", "Đạt (tạm tính)", "Tỷ lệ đạt (%)", "Tỷ lệ đạt kể cả tạm tính (%)", "Số liệu đã có (%)",
              "Tỷ lệ đạt Quý I 2024 (%)", "Thay đổi (điểm %)"):
        assert h in head, h
    col = {h: k for k, h in enumerate(head)}
    sections = [r for r in rows if r[0] in {"I", "II", "III", "IV", "V", "VI", "VII", "VIII"}]
    assert len(sections) == 8
    for r in sections:
        met, provisional = r[col["Đạt"]], r[col["Đạt (tạm tính)"]]
        final, with_provisional = r[col["Tỷ lệ đạt (%)"]], r[col["Tỷ lệ đạt kể cả tạm tính (%)"]]
        assert 0 <= final <= with_provisional <= 100
        assert (final == 0) == (met == 0) and (with_provisional == final) == (provisional == 0)
        if met:                                     # both over the same indicators
            assert with_provisional * met == pytest.approx(final * (met + provisional))
        assert 0 <= r[col["Số liệu đã có (%)"]] <= 100
        if r[col["Tỷ lệ đạt Quý I 2024 (%)"]] is not None:
            assert r[col["Thay đổi (điểm %)"]] == pytest.approx(r[col["Tỷ lệ đạt (%)"]] -
                                                                r[col["Tỷ lệ đạt Quý I 2024 (%)"]])
    assert any(r[1] == "Toàn tỉnh" for r in rows)
    ws = wb["Tổng hợp"]
    lead = ws["A3"].value                               # the quarter in one sentence, above the table
    assert "cơ quan" in lead and "1 nộp muộn" in lead and "chỉ tiêu đạt" in lead
    facts = {ws.cell(r, c).value: ws.cell(r + 1, c).value for r in range(1, ws.max_row) for c in range(1, 14)
             if ws.cell(r, c).value in ("Nộp muộn", "Nộp đúng hạn", "Chưa nộp")}
    from conftest import PLAN
    from parxl.plan import load_plan
    others = len(load_plan(PLAN).reporting_agencies()) - len(YEAR_AGENCIES)     # not simulated: not returned
    assert facts == {"Nộp muộn": 1, "Nộp đúng hạn": len(YEAR_AGENCIES) - 1, "Chưa nộp": others}
    # Cơ quan: each agency's timeliness, in Vietnam days past the due date (30/06 + 5 days, 22:00 Vietnam time)
    head, rows = _table(wb["Cơ quan"])
    when = {r[0]: r[3] for r in rows if r[0] in YEAR_AGENCIES}
    assert sorted(Counter(when.values()).items()) == [("Muộn 5 ngày", 1), ("Đúng hạn", len(YEAR_AGENCIES) - 1)]
    assert head[3].startswith("Nộp báo cáo (hạn ")


def test_each_indicator_shows_the_previous_period_and_the_change_in_one_format_per_unit(year):
    wb = openpyxl.load_workbook(year / "tong-hop-2024-Q4.xlsx")
    ws = wb["Chỉ tiêu"]
    head = [c.value for c in ws[4]]
    value, prev, change = head.index("Giá trị toàn tỉnh"), head.index("Quý III 2024"), head.index("Thay đổi")
    assert change == prev + 1 and prev > value          # beside the figure, not 16 columns away
    import json
    report = {i["indicator"]: i for i in json.loads((year / "report-2024-Q4.json").read_text("utf-8"))["indicators"]}
    seen = set()
    for row in ws.iter_rows(min_row=5):
        code = row[0].value
        if code not in report:
            continue
        fig = report[code]
        if fig["previous"] and fig["previous"]["value"] is not None and fig["value"] is not None:
            assert row[prev].value == pytest.approx(fig["previous"]["value"], abs=0.01)
            assert row[change].value == pytest.approx(fig["value"] - fig["previous"]["value"], abs=0.02)
        if fig["value"] is not None:
            fmt = row[value].number_format
            seen.add((fig["unit"] == "%", fmt))
            assert fmt.endswith("#,##0.00") if fig["unit"] == "%" or fig["value"] != int(fig["value"]) \
                else fmt.endswith("#,##0"), (code, fmt)
    assert (True, "[$-42A]#,##0.00") in seen and (False, "[$-42A]#,##0") in seen
    counts = wb["Tổng hợp"]
    head = [c.value for c in counts[4]]
    assert counts.cell(5, head.index("Số chỉ tiêu") + 1).number_format.endswith("#,##0")
