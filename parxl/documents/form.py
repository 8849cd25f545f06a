"""The thể thức of an administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I), in python-docx.

One place for the page and the parts every document the secretariat sends shares: A4 with the decree's
margins (top 20 mm, bottom 20 mm, left 30 mm, right 15 mm), Times New Roman 13–14 pt; the header of two
columns (the issuing agency under its superior on the left, the national motto on the right, each
underlined by a short rule), the số/ký hiệu and place-date lines, the title, the body, the nơi nhận and
the signature block.  What the tool cannot know (the number, the date, the signer) is left as a
visible placeholder, highlighted: :data:`BLANK` ("[…]") or a bracketed hint ("[Họ và tên]").

A document is saved with fixed zip times and fixed core properties: the same inputs give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from ..agencies import Registry
from ..outputs import write_atomic
from ..style import FONT

BLANK = "[…]"                     # a field the officer fills in
BODY_PT = 14
SMALL_PT = 12                     # tables, nơi nhận heading
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
_PLACEHOLDER = re.compile(r"(\[[^\]]*\])")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


# -- who issues ----------------------------------------------------------------------------------------
def superior_vi(province: str) -> str:
    """The issuing agency's superior as the header writes it: "UBND TỈNH QUẢNG NAM"."""
    p = " ".join(province.split())
    low = p.lower()
    if low.startswith(("tỉnh ", "thành phố ")):
        return ("UBND " + p).upper()
    return ("UBND TỈNH " + p).upper() if p else "UBND TỈNH " + BLANK


def issuer_vi(registry: Registry) -> str:
    """The secretariat's name as the header writes it ("SỞ NỘI VỤ"), from the registry's [secretariat];
    a placeholder when the registry does not give it."""
    s = registry.secretariat
    if s is None or not s.name:
        return "[TÊN CƠ QUAN BAN HÀNH]"
    name = re.sub(r"\s+(tỉnh|thành phố)\s+.*$", "", s.name, flags=re.IGNORECASE)
    return name.upper()


def place_vi(province: str) -> str:
    """The place name of the date line: the province's name ("Quảng Nam")."""
    p = re.sub(r"^(tỉnh|thành phố)\s+", "", " ".join(province.split()), flags=re.IGNORECASE)
    return p or "[Địa danh]"


# -- the page ------------------------------------------------------------------------------------------
def new_document(title: str, landscape: bool = False) -> Document:
    """An empty A4 document with the decree's margins and fonts."""
    doc = Document()
    sec = doc.sections[0]
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Mm(297), Mm(210)
    else:
        sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    sec.left_margin, sec.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    sec.header_distance = sec.footer_distance = Mm(10)
    for name in ("Normal", "Table Grid"):
        st = doc.styles[name]
        st.font.name = FONT
        st.font.size = Pt(BODY_PT)
        rpr = st.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.append(fonts)
        for k in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(k), FONT)
    pf = doc.styles["Normal"].paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(6), 1.15
    _page_numbers(doc)
    cp = doc.core_properties
    cp.title, cp.author, cp.last_modified_by, cp.comments = title, "parxl", "parxl", ""
    cp.created = cp.modified = dt.datetime(2000, 1, 1)
    cp.revision = 1
    return doc


def usable_width_cm(doc: Document) -> float:
    s = doc.sections[-1]
    return (s.page_width - s.left_margin - s.right_margin) / 360000


def _page_numbers(doc: Document) -> None:
    """The page number centred in the header, from the second page (the decree's rule)."""
    sec = doc.sections[0]
    sec.different_first_page_header_footer = True
    p = sec.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    run.font.size = Pt(13)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


# -- text ------------------------------------------------------------------------------------------------
def runs(p, text: str, bold: bool = False, italic: bool = False, size: float | None = None) -> None:
    """Text into a paragraph; every bracketed placeholder ("[…]", "[Họ và tên]") highlighted yellow."""
    for part in _PLACEHOLDER.split(text):
        if not part:
            continue
        r = p.add_run(part)
        r.bold, r.italic = bold or None, italic or None
        if size:
            r.font.size = Pt(size)
        if _PLACEHOLDER.fullmatch(part):
            r.font.highlight_color = WD_COLOR_INDEX.YELLOW


def para(container, text: str = "", *, bold=False, italic=False, size=None, align="justify", indent=True,
         before=0, after=6, keep_next=False):
    p = container.add_paragraph()
    p.alignment = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    f = p.paragraph_format
    f.first_line_indent = Cm(1.27) if indent and align == "justify" else None
    f.space_before, f.space_after = Pt(before), Pt(after)
    if keep_next:
        f.keep_with_next = True
    runs(p, text, bold, italic, size)
    return p


def heading(doc, text: str, level: int = 1):
    """A section heading of the body: "I. ..." bold; "1. ..." bold; "a) ..." italic."""
    return para(doc, text, bold=level <= 2, italic=level == 3, indent=True, before=6 if level == 1 else 3,
                after=3, keep_next=True)


def bullet(doc, text: str, size=None):
    return para(doc, "- " + text, size=size)


def _cell_text(cell, text: str, *, bold=False, italic=False, size=SMALL_PT, align="center", after=0):
    p = cell.paragraphs[0] if not cell.paragraphs[0].text and len(cell.paragraphs) == 1 and \
        not cell.paragraphs[0].runs else cell.add_paragraph()
    p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    p.paragraph_format.space_after = Pt(after)
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    p.paragraph_format.first_line_indent = None
    runs(p, text, bold, italic, size)
    return p


def _rule_under(p, cell_cm: float, rule_cm: float) -> None:
    """A short solid rule under a centred line (the decree's line under the agency, the motto, the title):
    an empty 1-pt paragraph after ``p`` whose top border is indented to ``rule_cm`` wide."""
    side = max(0.0, (cell_cm - rule_cm) / 2)
    rule = OxmlElement("w:p")
    p._p.addnext(rule)
    from docx.text.paragraph import Paragraph
    q = Paragraph(rule, p._parent)
    f = q.paragraph_format
    f.left_indent = f.right_indent = Cm(side)
    f.first_line_indent = None
    f.space_before, f.space_after = Pt(2), Pt(p.paragraph_format.space_after.pt if p.paragraph_format.space_after
                                                else 0)
    f.line_spacing = Pt(2)
    ppr = rule.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    b = OxmlElement("w:top")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "0"), ("w:color", "000000")):
        b.set(qn(k), v)
    bdr.append(b)
    ppr.insert(0, bdr)
    r = q.add_run()
    r.font.size = Pt(1)
    p.paragraph_format.space_after = Pt(0)


def _widths(table, cm: list[float]) -> None:
    table.autofit = False
    tbl = table._tbl
    grid = tbl.tblGrid
    for k, gc in enumerate(grid.findall(qn("w:gridCol"))):
        gc.set(qn("w:w"), str(int(cm[k] * 567)))
    for row in table.rows:
        for k, cell in enumerate(row.cells):
            cell.width = Cm(cm[k])


def _no_borders(table) -> None:
    tblpr = table._tbl.tblPr
    b = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{side}")
        e.set(qn("w:val"), "nil")
        b.append(e)
    tblpr.append(b)


# -- the parts of the document ---------------------------------------------------------------------------
def header(doc, registry: Registry, province: str, kind_code: str, subject: str | None = None) -> None:
    """The header block: agency and motto, số/ký hiệu (with the trích yếu of a công văn) and place-date.

    ``kind_code`` is the document kind's abbreviation in the number ("BC" báo cáo, "" for a công văn)."""
    width = usable_width_cm(doc)
    left, right = width * 0.4, width * 0.6
    t = doc.add_table(rows=2, cols=2)
    _no_borders(t)
    _widths(t, [left, right])
    a, m = t.rows[0].cells
    _cell_text(a, superior_vi(province), size=13)
    p = _cell_text(a, issuer_vi(registry), bold=True, size=13)
    _rule_under(p, left, min(left * 0.5, 3.0))
    _cell_text(m, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12)
    p = _cell_text(m, "Độc lập - Tự do - Hạnh phúc", bold=True, size=14)
    _rule_under(p, right, 5.9)
    n, d = t.rows[1].cells
    number = f"Số: {BLANK}/{kind_code}-{BLANK}" if kind_code else f"Số: {BLANK}/{BLANK}"
    _cell_text(n, number, size=13, after=2).paragraph_format.space_before = Pt(6)
    if subject:
        _cell_text(n, f"V/v {subject}", size=12)
    p = _cell_text(d, f"{place_vi(province)}, ngày {BLANK} tháng {BLANK} năm {BLANK}", italic=True, size=14)
    p.paragraph_format.space_before = Pt(6)


def title(doc, kind: str, about: list[str]) -> None:
    """"BÁO CÁO" and what it is about, centred and bold; a short rule under it."""
    para(doc, kind, bold=True, align="center", before=18, after=0)
    for k, line in enumerate(about):
        p = para(doc, line, bold=True, align="center", after=0 if k < len(about) - 1 else 12)
    _rule_under(p, usable_width_cm(doc), 4.0)


def recipients_line(doc, to: list[str]) -> None:
    """"Kính gửi: ..." (a công văn), centred under the header."""
    if len(to) == 1:
        para(doc, f"Kính gửi: {to[0]}.", align="center", before=6, after=12)
        return
    para(doc, "Kính gửi:", align="center", before=6, after=0)
    for k, x in enumerate(to):
        para(doc, f"- {x}{'.' if k == len(to) - 1 else ';'}", align="center", after=0 if k < len(to) - 1 else 12)


def closing(doc, recipients: list[str], authority: str = "[CHỨC VỤ NGƯỜI KÝ]") -> None:
    """Nơi nhận (left) and the signature block (right): who signs and the name are left to the officer."""
    width = usable_width_cm(doc)
    t = doc.add_table(rows=1, cols=2)
    _no_borders(t)
    _widths(t, [width * 0.5, width * 0.5])
    a, s = t.rows[0].cells
    p = _cell_text(a, "Nơi nhận:", bold=True, italic=True, size=12, align="left")
    p.paragraph_format.space_before = Pt(12)
    items = [*recipients, f"Lưu: VT, {BLANK}."]
    for k, r in enumerate(items):
        end = "" if k == len(items) - 1 else ";"
        _cell_text(a, f"- {r}{end}", size=11, align="left")
    p = _cell_text(s, authority, bold=True, size=14)
    p.paragraph_format.space_before = Pt(12)
    _cell_text(s, "(Chữ ký, dấu)", italic=True, size=12)
    for _ in range(3):
        _cell_text(s, "", size=14)
    _cell_text(s, "[Họ và tên]", bold=True, size=14)


def grid(doc, heads: list[str], rows: list[list[str]], widths_cm: list[float], *, size: float = SMALL_PT - 1,
         align: list[str] | None = None, repeat_header: bool = True, fill=None):
    """A bordered table: a bold header row (repeated on each page), then the rows; ``fill(text)`` gives a
    cell's background colour ("FFE699") or None."""
    t = doc.add_table(rows=1, cols=len(heads))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    align = align or ["left"] * len(heads)
    for k, h in enumerate(heads):
        _cell_text(t.rows[0].cells[k], h, bold=True, size=size)
    if repeat_header:
        trpr = t.rows[0]._tr.get_or_add_trPr()
        e = OxmlElement("w:tblHeader")
        e.set(qn("w:val"), "true")
        trpr.append(e)
    for row in rows:
        cells = t.add_row().cells
        for k, v in enumerate(row):
            _cell_text(cells[k], "" if v is None else str(v), size=size, align=align[k])
            colour = fill(v) if fill and v else None
            if colour:
                shd = OxmlElement("w:shd")
                for a, b in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", colour)):
                    shd.set(qn(a), b)
                cells[k]._tc.get_or_add_tcPr().append(shd)
    _widths(t, widths_cm)
    return t


# -- saving ----------------------------------------------------------------------------------------------
def save(doc: Document, path: str | Path) -> Path:
    """Write the document atomically, with fixed zip times: the same inputs give the same bytes."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            z = zipfile.ZipInfo(info.filename, _FIXED_TIME)
            z.compress_type = zipfile.ZIP_DEFLATED
            z.external_attr = 0o644 << 16
            dst.writestr(z, src.read(info.filename))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, out.getvalue())
    return path
