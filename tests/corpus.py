"""A corpus of bad and messy returns, built from generated workbooks the way they happen in real life.

Each case is a file named for its quirk and the finding it must get (code, and where known the
sheet and cell).  Built by the tests, never hand-mocked.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from parxl import reader
from parxl.demo import libreoffice, simulate
from parxl.layout import COL, FIRST_ROW, IDENTITY_SHEET, agency_layout, cell_name


@dataclass
class Case:
    file: str
    code: str | None               # the finding it must get (None: a clean return)
    agency: str | None = None      # the agency the return must count for (None: rejected)
    sheet: str | None = None
    cell: str | None = None
    accepted: bool = True
    extra: dict = field(default_factory=dict)


def where(plan, agency, code, key):
    for s in agency_layout(plan, agency):
        for r in s.rows:
            if r.indicator.code == code:
                return s.name, cell_name(r.excel_row, COL[key])
    raise KeyError(code)


GOOD = {"III.4.2/1": {"numerator": 97, "denominator": 100}}


def _opx(src, dst, edit):
    """The workbook edited with openpyxl, one status typed on its first input sheet (a blank template is not
    a return: ``return.blank``), saved and stamped."""
    wb = openpyxl.load_workbook(src)
    first = wb.worksheets[1]
    first.cell(FIRST_ROW + 1, COL["status"] + 1).value = "Đang thực hiện"
    edit(wb)
    wb.save(dst)
    simulate.stamp(dst, dt.datetime(2024, 9, 16, 8, 0, tzinfo=dt.timezone.utc))
    return dst


def build_files(plan, period, issued, out: Path, other_plan_file: Path | None = None) -> list[Case]:
    """The cases that need no LibreOffice."""
    out.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    fill = lambda a, name, values: simulate.fill_openpyxl(  # noqa: E731
        issued[a], out / name, plan, a, values, dt.datetime(2024, 9, 16, 8, 0, tzinfo=dt.timezone.utc))

    # -- clean returns that must be counted ------------------------------------------------------
    fill("TAMKY", "return_openpyxl_no_cached_values.xlsx", GOOD)
    cases.append(Case("return_openpyxl_no_cached_values.xlsx", None, "TAMKY"))

    # -- broken files ------------------------------------------------------------------------------
    (out / "return_empty_file.xlsx").write_bytes(b"")
    cases.append(Case("return_empty_file.xlsx", "file.empty", accepted=False))
    (out / "return_random_bytes.xlsx").write_bytes(os.urandom(1) + bytes(range(256)) * 40)
    cases.append(Case("return_random_bytes.xlsx", "file.not-xlsx", accepted=False))
    data = issued["HOIAN"].read_bytes()
    (out / "return_truncated_zip.xlsx").write_bytes(data[: len(data) // 2])
    cases.append(Case("return_truncated_zip.xlsx", "file.not-xlsx", accepted=False))
    (out / "return_zip_bomb.xlsx").write_bytes(_zip_bomb(issued["DAILOC"]))
    cases.append(Case("return_zip_bomb.xlsx", "file.too-large", accepted=False))
    (out / "return_zip_declaring_gigabytes_unpacked.xlsx").write_bytes(_zip_declaring(issued["DAILOC"]))
    cases.append(Case("return_zip_declaring_gigabytes_unpacked.xlsx", "file.too-large", accepted=False))
    (out / "return_xml_entity_expansion.xlsx").write_bytes(_billion_laughs(issued["DAILOC"]))
    cases.append(Case("return_xml_entity_expansion.xlsx", "file.xml-entities", accepted=False))
    encrypted(issued["SGTVT"], out / "return_password_encrypted.xlsx")
    cases.append(Case("return_password_encrypted.xlsx", "file.encrypted", accepted=False))
    (out / "~$return_office_lock_file.xlsx").write_bytes(b"\x0bDinh Van A")  # ignored, no finding

    # -- identity ------------------------------------------------------------------------------------
    if other_plan_file:
        shutil.copyfile(other_plan_file, out / "return_from_another_plan.xlsx")
        cases.append(Case("return_from_another_plan.xlsx", "identity.other-plan", accepted=False))
    fill("HOIAN", "return_hoian_signed_file_renamed_as_duyxuyen.xlsx", GOOD)
    cases.append(Case("return_hoian_signed_file_renamed_as_duyxuyen.xlsx", None, "HOIAN"))
    shutil.copyfile(issued["DUYXUYEN"], out / "return_blank_template_sent_back.xlsx")
    cases.append(Case("return_blank_template_sent_back.xlsx", "return.blank", accepted=False))

    def sign_edit(wb):
        ws = wb[IDENTITY_SHEET]
        for r in range(1, 15):
            if ws.cell(r, 1).value == "signature":
                ws.cell(r, 2).value = "0" * 64
        for p in wb.custom_doc_props:
            if p.name == "parxl_signature":
                p.value = "0" * 64
    _opx(issued["DUYXUYEN"], out / "return_signature_edited.xlsx", sign_edit)
    cases.append(Case("return_signature_edited.xlsx", "identity.bad-signature", accepted=False,
                      sheet=IDENTITY_SHEET))

    _opx(issued["QUESON"], out / "return_identity_sheet_deleted.xlsx", lambda wb: wb.remove(wb[IDENTITY_SHEET]))
    cases.append(Case("return_identity_sheet_deleted.xlsx", "identity.missing", accepted=False))

    def unhide_edit(wb):
        ws = wb[IDENTITY_SHEET]
        ws.sheet_state = "visible"
        for r in range(1, 15):
            if ws.cell(r, 1).value == "agency":
                ws.cell(r, 2).value = "NONGSON"
    _opx(issued["QUESON"], out / "return_identity_sheet_unhidden_and_edited.xlsx", unhide_edit)
    cases.append(Case("return_identity_sheet_unhidden_and_edited.xlsx", "identity.mismatch", accepted=False))

    # -- layout --------------------------------------------------------------------------------------
    sheet, cell = where(plan, "THANGBINH", "III.4.2/1", "label")
    _opx(issued["THANGBINH"], out / "return_locked_task_text_edited.xlsx",
         lambda wb: wb[sheet].__setitem__(cell, "Tỷ lệ hồ sơ đúng hạn (đã sửa)"))
    cases.append(Case("return_locked_task_text_edited.xlsx", "layout.locked-cell-edited", sheet=sheet, cell=cell,
                      accepted=False))

    sheet, cell = where(plan, "PHUNINH", "III.4.2/1", "code")
    row = int(cell[1:])
    def delete_row(wb):
        wb[sheet].delete_rows(row)
    _opx(issued["PHUNINH"], out / "return_row_deleted.xlsx", delete_row)
    cases.append(Case("return_row_deleted.xlsx", "row.missing", "PHUNINH", sheet=sheet, extra={"indicator": "III.4.2/1"}))

    def duplicate_row(wb):
        ws = wb[sheet]
        ws.insert_rows(row + 1)
        for c in range(1, 17):
            ws.cell(row + 1, c).value = ws.cell(row, c).value
    _opx(issued["TIENPHUOC"], out / "return_row_duplicated.xlsx", duplicate_row)
    cases.append(Case("return_row_duplicated.xlsx", "row.duplicate", "TIENPHUOC", sheet=sheet,
                      extra={"indicator": "III.4.2/1"}))

    # rows reordered: the values travel with their codes
    s3 = next(s for s in agency_layout(plan, "BACTRAMY") if s.section == "III")
    a, b = s3.rows[0].excel_row + 1, s3.rows[1].excel_row + 1
    def swap(wb):
        ws = wb[s3.name]
        for c in range(1, 17):
            ws.cell(a, c).value, ws.cell(b, c).value = ws.cell(b, c).value, ws.cell(a, c).value
        ws.cell(b, COL["numerator"] + 1).value = 5     # row b now holds the first indicator
        ws.cell(b, COL["denominator"] + 1).value = 10
    _opx(issued["BACTRAMY"], out / "return_rows_reordered.xlsx", swap)
    cases.append(Case("return_rows_reordered.xlsx", "row.moved", "BACTRAMY", sheet=s3.name,
                      extra={"indicator": s3.rows[0].indicator.code, "value": 50}))

    def scratch_sheet(wb):
        ws = wb.create_sheet("Nháp")
        ws["A1"], ws["B2"] = "Tính nháp", 12345
    _opx(issued["HIEPDUC"], out / "return_scratch_sheet_added.xlsx", scratch_sheet)
    cases.append(Case("return_scratch_sheet_added.xlsx", "layout.sheet-unknown", "HIEPDUC", sheet="Nháp"))

    s1 = agency_layout(plan, "NAMTRAMY")[0]
    _opx(issued["NAMTRAMY"], out / "return_sheet_renamed.xlsx", lambda wb: setattr(wb[s1.name], "title", "Mục I"))
    cases.append(Case("return_sheet_renamed.xlsx", "layout.sheet-renamed", "NAMTRAMY", sheet="Mục I"))

    def insert_col(wb):
        ws = wb[s3.name]
        ws.insert_cols(COL["status"] + 1)
        ws.cell(4, COL["status"] + 1).value = "Ghi chú thêm"
        r = next(r for r in s3.rows if r.indicator.code == "III.4.2/1").excel_row + 1
        ws.cell(r, COL["numerator"] + 2).value = 98    # shifted one column right
        ws.cell(r, COL["denominator"] + 2).value = 100
    _opx(issued["NAMGIANG"], out / "return_column_inserted.xlsx", insert_col)
    cases.append(Case("return_column_inserted.xlsx", "layout.column-moved", "NAMGIANG",
                      extra={"indicator": "III.4.2/1", "value": 98}))

    # -- values ------------------------------------------------------------------------------------
    def vals(agency, name, values, code, ind, key, **extra):
        simulate.fill_openpyxl(issued[agency], out / name, plan, agency, values,
                               dt.datetime(2024, 9, 16, 8, 0, tzinfo=dt.timezone.utc))
        sheet, cell = where(plan, agency, ind, key)
        cases.append(Case(name, code, agency, sheet=sheet, cell=cell, extra={"indicator": ind, **extra}))

    vals("DONGGIANG", "return_text_in_number_cell.xlsx", {"III.4.2/1": {"numerator": "mười", "denominator": 10}},
         "value.not-a-number", "III.4.2/1", "numerator")
    vals("TAYGIANG", "return_negative_number.xlsx", {"III.4.2/1": {"numerator": 5, "denominator": -10}},
         "value.negative", "III.4.2/1", "denominator")
    vals("NUITHANH", "return_numerator_gt_denominator.xlsx", {"III.4.2/1": {"numerator": 120, "denominator": 100}},
         "value.numerator-gt-denominator", "III.4.2/1", "numerator")
    vals("CTHUE", "return_rate_typed_as_fraction.xlsx", {"VIII.4/1": {"value": 0.42, "baseline": 38.5}},
         "value.fraction-for-percent", "VIII.4/1", "value", value=round((42 - 38.5) * 100 / 38.5, 4))
    vals("STP", "return_excel_error_value.xlsx", {"II.1.a/1": {"value": "#DIV/0!"}},
         "value.error-cell", "II.1.a/1", "value")
    vals("SNV", "return_date_in_the_future.xlsx",
         {"I.2/1": {"status": "Hoàn thành", "evidence": "BC 1/BC-SNV", "doc_date": dt.date(2031, 1, 1)}},
         "value.date-future", "I.2/1", "doc_date")
    vals("STC", "return_date_outside_window.xlsx",
         {"VI.4/1": {"value": 900, "baseline": 1000, "status": "Hoàn thành", "evidence": "QĐ 2/QĐ-STC",
                     "doc_date": dt.date(2022, 3, 1)}},
         "value.date-outside-window", "VI.4/1", "doc_date")
    vals("SKHDT", "return_10000_character_text.xlsx", {"VIII.2/1": {"value": 2100, "baseline": 2000, "issues": "Â" * 10000}},
         "value.text-too-long", "VIII.2/1", "issues")
    name = "return_text_starting_with_formula.xlsx"

    def formula_text(wb):
        sheet, cell = where(plan, "SKHCN", "I.7/1", "evidence")
        wb[sheet][cell] = '=HYPERLINK("http://example.invalid","minh chứng")'
        wb[sheet][cell].data_type = "s"
        sheet, cell = where(plan, "SKHCN", "I.7/1", "proposals")
        wb[sheet][cell] = "@SUM(1)"
        sheet, cell = where(plan, "SKHCN", "I.7/1", "numerator")
        wb[sheet][cell] = 3
        sheet, cell = where(plan, "SKHCN", "I.7/1", "denominator")
        wb[sheet][cell] = 3
    _opx(issued["SKHCN"], out / name, formula_text)
    sheet, cell = where(plan, "SKHCN", "I.7/1", "evidence")
    cases.append(Case(name, "value.formula-text", "SKHCN", sheet=sheet, cell=cell, extra={"indicator": "I.7/1"}))
    return cases


def build_libreoffice(plan, period, issued, out: Path) -> list[Case]:
    """Cases that pass through LibreOffice: typed under two locales, saved twice, .ods, .xls, encrypted."""
    out.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    s_vi, num = where(plan, "SXD", "I.5/1", "value")
    _, date_cell = where(plan, "SXD", "I.5/1", "doc_date")
    _, status_cell = where(plan, "SXD", "I.5/1", "status")
    _, ev_cell = where(plan, "SXD", "I.5/1", "evidence")
    s_ch, val = where(plan, "SKHDT", "VIII.2/1", "value")
    _, base = where(plan, "SKHDT", "VIII.2/1", "baseline")
    edits_vi = [[s_vi, num, "1.234"], [s_vi, date_cell, "15/08/2024"], [s_vi, status_cell, "Hoàn thành", "paste"],
                [s_vi, ev_cell, "Quyết định 5/QĐ-SXD"]]
    jobs = [
        {"src": issued["SXD"], "dst": out / "return_libreoffice_vi_locale_typed.xlsx", "edits": edits_vi},
        {"src": issued["SXD"], "dst": out / "return_libreoffice_en_locale_thousands_dot.xlsx", "edits": edits_vi},
    ]
    vi = libreoffice.type_values(jobs[:1], locale="vi-VN")
    en = libreoffice.type_values(jobs[1:], locale="en-US")
    # vi-VN: "1.234" is one thousand two hundred thirty-four, the date a real date
    cases.append(Case(jobs[0]["dst"].name, None, "SXD", extra={"indicator": "I.5/1", "value": 1234, "log": vi}))
    # en-US: the number cells carry a Vietnamese number format ([$-42A]), and LibreOffice parses what is
    # typed into a cell by its format's language: "1.234" is 1234 there too.  "15/08/2024" in the date
    # cell (no language) stays text under en-US, which parxl reads as a date and notes
    cases.append(Case(jobs[1]["dst"].name, "value.coerced", "SXD", sheet=s_vi, cell=date_cell,
                      extra={"indicator": "I.5/1", "value": 1234, "log": en, "coerced": date_cell}))
    job = {"src": issued["SKHDT"], "dst": out / "return_libreoffice_en_locale_decimal_comma.xlsx",
           "edits": [[s_ch, val, "2100,5"], [s_ch, base, "2000"]]}
    libreoffice.type_values([job], locale="en-US")
    # "2100,5" under en-US: read by the cell's Vietnamese format as 2100.5, a number (no text to coerce)
    cases.append(Case(job["dst"].name, None, "SKHDT",
                      extra={"indicator": "VIII.2/1", "value": round(100.5 * 100 / 2000, 4)}))
    # one status typed in each (a blank template is not a return: return.blank)
    first = lambda a: next(r.indicator.code for s in agency_layout(plan, a) for r in s.rows)  # noqa: E731
    s_tt, c_tt = where(plan, "STTTT", first("STTTT"), "status")
    job = {"src": issued["STTTT"], "dst": out / "return_libreoffice_saved_twice.xlsx",
           "edits": [[s_tt, c_tt, "Đang thực hiện"]], "saves": 2}
    libreoffice.type_values([job])
    cases.append(Case(job["dst"].name, None, "STTTT"))
    (out / "_syt").mkdir()
    syt = simulate.fill_openpyxl(issued["SYT"], out / "_syt" / "2024-Q3_SYT.xlsx", plan, "SYT",
                                 {first("SYT"): {"status": "Đang thực hiện"}})
    ods = libreoffice.convert(syt, out / "_ods", "ods")
    back = libreoffice.convert(ods, out / "_back", "xlsx")
    shutil.move(str(back), out / "return_converted_through_ods.xlsx")
    shutil.move(str(ods), out / "return_saved_as_ods.ods")
    shutil.rmtree(out / "_ods")
    shutil.rmtree(out / "_back")
    shutil.rmtree(out / "_syt")
    cases.append(Case("return_converted_through_ods.xlsx", None, "SYT"))
    cases.append(Case("return_saved_as_ods.ods", None, "SYT"))   # superseded by one of the two
    xls = libreoffice.convert(issued["SGDDT"], out / "_xls", "xls")
    shutil.move(str(xls), out / "return_legacy_xls.xls")
    shutil.rmtree(out / "_xls")
    cases.append(Case("return_legacy_xls.xls", "file.legacy-xls", accepted=False))
    return cases


def encrypted(src: Path, dst: Path, password: str = "matkhau") -> Path:
    """The workbook as Excel's File > Info > Protect Workbook > Encrypt with Password writes it
    (an OLE compound file holding the encrypted package), made with msoffcrypto-tool."""
    from msoffcrypto.format.ooxml import OOXMLFile
    with src.open("rb") as f, dst.open("wb") as out:
        OOXMLFile(f).encrypt(password, out)
    return dst


_SHEET_HEAD = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'


def _zip_bomb(template: Path) -> bytes:
    """A valid-looking workbook whose first sheet is 2 MiB of spaces deflated about 1000:1.

    The reader refuses a part over 1 MiB unpacked whose ratio passes reader.MAX_RATIO (150:1), from the
    zip directory, before inflating anything: a 2 MiB part proves that as well as a 2 GiB one, in
    milliseconds; the ratio, not the size, is what trips."""
    body = _SHEET_HEAD + b" " * (2 << 20) + b"</sheetData></worksheet>"
    data = _replace_parts(template, {"xl/worksheets/sheet1.xml": body})
    _assert_refused(data, "ratio")
    return data


def _zip_declaring(template: Path, parts: int = 3, declared: int = 90 << 20) -> bytes:
    """A workbook whose zip directory declares three extra 90 MiB parts (270 MiB unpacked in all).

    Each part holds 700 KiB of random bytes (deflate cannot shrink them), so each declared ratio stays
    under reader.MAX_RATIO and each part under reader.MAX_PART: only the total-unpacked limit
    (reader.MAX_UNPACKED) refuses it.  The sizes are patched into the central directory, which is what
    the reader checks before inflating; nothing ever inflates to 270 MiB (inflating would fail the CRC)."""
    names = [f"xl/media/image{k}.bin" for k in range(1, parts + 1)]
    data = bytearray(_replace_parts(template, {n: os.urandom(700 << 10) for n in names}))
    eocd = data.rindex(b"PK\x05\x06")
    pos = int.from_bytes(data[eocd + 16:eocd + 20], "little")      # offset of the central directory
    while data[pos:pos + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = (int.from_bytes(data[pos + o:pos + o + 2], "little") for o in (28, 30, 32))
        if data[pos + 46:pos + 46 + name_len].decode() in names:
            data[pos + 24:pos + 28] = declared.to_bytes(4, "little")   # uncompressed size
        pos += 46 + name_len + extra_len + comment_len
    _assert_refused(bytes(data), "unpacked")
    return bytes(data)


def _replace_parts(template: Path, parts: dict[str, bytes]) -> bytes:
    """The template's zip with some parts replaced or added (deflated)."""
    src = zipfile.ZipFile(template)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, parts.get(info.filename, src.read(info)), zipfile.ZIP_DEFLATED)
        for name, body in parts.items():
            if name not in src.namelist():
                z.writestr(name, body)
    return buf.getvalue()


def _assert_refused(data: bytes, why: str) -> None:
    """The fixture trips the limit it is named for, not another one."""
    problem = reader.package.check_zip(zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert problem and why in str(problem[0]), problem


def _billion_laughs(template: Path) -> bytes:
    lol = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
           + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    src = zipfile.ZipFile(template)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, lol if info.filename == "xl/worksheets/sheet2.xml" else src.read(info))
    return buf.getvalue()
