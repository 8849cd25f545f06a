"""plan × agency × period → the agency's workbook.  The only module that writes returns.

Every xlsxwriter call that reports a status is checked: a non-zero return (for example a
validation silently dropped for a long title) is a bug and raises.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Mapping

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell as cell_name

from . import __version__, carryover
from .identity import FIELDS, sign, template_id
from .layout import (COL, COLUMNS, COVER_SHEET, FORMAT, HEADER_ROW, IDENTITY_SHEET, KEY_COLUMNS, LIST_SHEET,
                     PRINT_SCALE, PRINTED, REFERENCE_COLUMN, REFERENCE_HEADER, REFERENCE_WIDTH,
                     Row, SheetLayout, agency_layout, row_height, agency_layout_hash, column_places)
from .measures import NUMERIC_KEYS, Inputs, measure_of, rules as compiled_rules
from .outputs import atomic_path
from .periods import Period
from .plan import Indicator, Plan
from .style import WORKBOOK_OPTIONS, WriterBug, agency_formats, ok as _ok, tone
from .vocab import TaskStatus, Verdict, format_number
from .pool import ordered_map
from .textfit import fit_height, font_of

MAX_TITLE, MAX_MESSAGE = 32, 255
COVER_WIDTHS = (28, 90)      # the cover's two columns: what, and its value or text
BLANK = "…………………………"     # a field the registry does not give: a line to fill in by hand

# How numbers and dates are typed, as measured (LibreOffice 7 typing through UNO, en-US and vi-VN settings,
# into the workbook's cells, whose number formats are Vietnamese [$-42A]): LibreOffice parses a number by the
# cell's format, so "95,5" → 95,5 and "1.234" → 1234 under both settings, "95.5" stays text (refused) and
# "1,234" becomes 1,234 (a decimal: refused in whole-number cells, accepted in others); "1234" works on both.
# Dates: "2024-08-15" works on both, "15/08/2024" only under vi-VN (text under en-US).  Excel parses with the
# PC's own separators (Windows region settings, or File > Options > Advanced > system separators), whatever
# the cell's format says.
TYPING_STEP = (
    "8. Cách gõ số và ngày (tùy cài đặt số của máy: Windows > Cài đặt > Thời gian và ngôn ngữ > Vùng):\n"
    "• Số nguyên: gõ liền các chữ số, không gõ dấu phân cách hàng nghìn, ví dụ 1234 — đúng ở mọi cài đặt "
    "(gõ 1.234 hay 1,234 có thể bị đọc thành một phẩy hai ba bốn).\n"
    "• Số thập phân: trên LibreOffice (mọi cài đặt) và trên Excel của máy cài đặt số kiểu Việt Nam, dùng dấu phẩy: "
    "95,5; trên Excel của máy cài đặt số kiểu Anh/Mỹ (dấu chấm thập phân), dùng dấu chấm: 95.5.\n"
    "• Ngày: gõ năm-tháng-ngày, ví dụ 2024-08-15 — đúng ở mọi cài đặt (máy cài đặt kiểu Việt Nam nhận cả "
    "15/08/2024).\n"
    "Nếu ô báo \"Giá trị không hợp lệ\" hoặc Tự kiểm tra báo \"Số liệu chưa hợp lệ\", hãy gõ lại theo cách trên.")


@dataclass(frozen=True)
class Issue:
    """What one generated workbook is."""
    agency: str
    path: Path
    template_id: str
    layout_hash: str
    kept: bool = False   # a different file was already there (a filled return?) and was not replaced
    previous: str | None = None   # the period whose values it shows and carries over (with a ledger)
    left_out: tuple[str, ...] = ()   # ledger records not shown nor carried over: unreadable or not sealed



def workbook_name(period: Period, agency: str) -> str:
    return f"{period.code}_{agency}.xlsx"


def identity_fields(plan: Plan, agency: str, period: Period, issued: dt.date, key: bytes,
                    carried: str = "", refill: str = "") -> dict[str, str]:
    """The signed identity; ``carried``: the manifest of prefilled values (:func:`parxl.carryover.encode`)."""
    lh = agency_layout_hash(plan, agency)
    fields = {"format": FORMAT, "plan_id": plan.id, "plan_version": plan.version, "agency": agency,
              "period": period.code, "template_id": template_id(plan.id, plan.version, period.code, agency, lh),
              "issued": issued.isoformat(), "layout_hash": lh}
    if carried:
        fields[carryover.FIELD] = carried
    if refill:      # a re-issued workbook: its prefilled values are the agency's own return being corrected
        fields["refill"] = refill
    fields["signature"] = sign(fields, key)
    return fields


def generate(plan: Plan, period: Period, out_dir: str | Path, key: bytes, agencies: list[str] | None = None,
             issued: dt.date | None = None, password: str | None = None, workers: int = 1,
             progress: Callable[[str], None] | None = None, force: bool = False,
             ledger: str | Path | None = None) -> list[Issue]:
    """Write one workbook per agency that reports at least one indicator.

    A file already at a workbook's name is replaced only if it is byte-identical to what would be
    written (a rerun) or ``force`` is given; otherwise it is kept and its Issue says ``kept``.

    ``ledger`` (default: none): the reporting year's ledger.  When it holds the period before ``period``
    (:meth:`~parxl.ledger.Ledger.last_period`), each input sheet gets a locked, printed "Kỳ trước" column right
    after the last input (the task text and role move one column right) saying what the agency reported then, and what carries over is prefilled (see
    :class:`~parxl.ledger.LastPeriod`); the Issue's ``previous`` names that period.  Only values sealed with
    ``key`` by a merge are used; the others are listed in each Issue's ``left_out``.  Without it, or when the
    ledger does not hold that period, the workbooks are the plain ones, byte for byte.  Raises
    :class:`~parxl.errors.LedgerError` when the ledger is missing, cannot be used or is another province's."""
    out_dir = Path(out_dir)
    codes = agencies or plan.reporting_agencies()
    issued = issued or period.window[1]
    last, left_out = None, ()
    if ledger is not None:
        from .ledger import last_period_of
        last, left_out = last_period_of(ledger, plan.id, plan.version, plan.province, period, key)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(a, out_dir / workbook_name(period, a),
             None if last is None else replace(last, values={a: last.of(a)})) for a in codes]
    out = []
    for _, issue in ordered_map(_job, jobs, (plan, period, key, issued, password, force), workers):
        out.append(replace(issue, left_out=left_out) if left_out else issue)
        progress and progress(issue.agency)
    return out


def _job(context, job) -> Issue:
    plan, period, key, issued, password, force = context
    agency, path, previous = job
    return write_workbook(plan, agency, period, path, key, issued, password, force, previous)


@dataclass(frozen=True)
class Refill:
    """A return's own values written back into a workbook re-issued for the same period, so that the agency
    corrects instead of retyping (see :mod:`parxl.reissue`).  They are prefilled and signed like values carried
    from last period (returned untouched, the workbook is not a return); the cells to fix are marked, each
    with a note saying why."""
    source: str                                           # the return's file name, named on the cover
    values: Mapping[str, Mapping[str, Any]]               # indicator code → input key → value as parsed
    fixes: Mapping[tuple[str, str], str] = field(default_factory=dict)   # (indicator, input key) → why


def write_workbook(plan: Plan, agency: str, period: Period, path: Path, key: bytes, issued: dt.date,
                   password: str | None = None, force: bool = False, previous=None,
                   refill: Refill | None = None) -> Issue:
    """``previous``: a :class:`~parxl.ledger.LastPeriod` (the reference column and what carries over);
    ``refill``: the agency's own values of a return of this period, to correct (not with ``previous``)."""
    if previous is not None and refill is not None:
        raise ValueError("a workbook is prefilled either from last period or from a return, not both")
    sheets = agency_layout(plan, agency)
    if not sheets:
        raise ValueError(f"agency {agency} reports no indicator of plan {plan.id}")
    carried = _carried(sheets, agency, previous) if refill is None else _refilled(sheets, refill)
    fields = identity_fields(plan, agency, period, issued, key, carryover.encode(carried),
                             refill.source if refill is not None else "")
    shown = previous.period if previous is not None else None
    issue = Issue(agency, path, fields["template_id"], fields["layout_hash"], previous=shown)
    try:
        with atomic_path(path) as tmp:
            wb = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)
            _Book(wb, plan, agency, period, fields, password, previous, carried, refill).write(sheets)
            wb.close()
            if not force and os.path.lexists(path) and not _same_file(tmp, path):
                raise _Kept
    except _Kept:
        return Issue(agency, path, fields["template_id"], fields["layout_hash"], kept=True, previous=shown)
    return issue


def _carried(sheets, agency: str, previous) -> dict[str, dict]:
    """indicator code → the inputs prefilled on its row (see :func:`carried_over`)."""
    if previous is None:
        return {}
    last = previous.of(agency)
    out = {}
    for s in sheets:
        for row in s.rows:
            c = carried_over(previous, row.indicator, last.get(row.indicator.code))
            if c:
                out[row.indicator.code] = c
    return out


def _refilled(sheets, refill: Refill) -> dict[str, dict]:
    """indicator code → the return's values on the row's inputs (a value on no input of the row is dropped)."""
    out = {}
    for s in sheets:
        for row in s.rows:
            got = refill.values.get(row.indicator.code) or {}
            kept = {k: v for k, v in got.items() if k in row.inputs and v is not None and v != ""}
            if kept:
                out[row.indicator.code] = kept
    return out


class _Kept(Exception):
    """An existing file differs from the workbook: leave it (the temporary file is removed)."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        if not b.is_file() or a.stat().st_size != b.stat().st_size:
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                x, y = fa.read(1 << 16), fb.read(1 << 16)
                if x != y:
                    return False
                if not x:
                    return True
    except OSError:
        return False


class _Book:
    def __init__(self, wb, plan: Plan, agency: str, period: Period, fields: dict, password: str | None,
                 previous=None, carried: dict[str, dict] | None = None, refill: Refill | None = None):
        self.wb, self.plan, self.agency, self.period, self.fields = wb, plan, agency, period, fields
        self.password, self.previous, self.carried, self.refill = password, previous, carried or {}, refill
        self.place = column_places(previous is not None)    # the task text and role move past "Kỳ trước"
        self.rules = compiled_rules(plan, period)           # each row's rule, compiled once
        created = dt.datetime.combine(dt.date.fromisoformat(fields["issued"]), dt.time(8, 0))
        wb.set_properties({"title": f"{period.label_vi} - {plan.registry.name(agency)}",
                           "subject": plan.title, "author": "parxl", "company": plan.province,
                           "created": created, "comments": f"Template {fields['template_id']}"})
        for k in (*FIELDS, "signature"):
            _ok(wb.set_custom_property(f"parxl_{k}", str(fields[k])), f"custom property {k}")
        self.fmt = {k: wb.add_format(p) for k, p in agency_formats().items()}
        # the self-check's verdict in its tone (conditional formats): met, not met, data missing or invalid
        self.ok_fmt, self.bad_fmt, self.miss_fmt = (wb.add_format(tone(t)) for t in ("good", "bad", "warn"))

    def write(self, sheets: list[SheetLayout]):
        self._cover(sheets)
        for s in sheets:
            self._input_sheet(s)
        self._lists()
        self._identity()

    # -- cover -------------------------------------------------------------------------
    def _cover(self, sheets):
        ws = self.wb.add_worksheet(COVER_SHEET)
        p, per, reg = self.plan, self.period, self.plan.registry
        a, b = per.window
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 90)
        head = f"{per.label_vi.upper()} VỀ KẾT QUẢ THỰC HIỆN KẾ HOẠCH NÂNG CAO CHỈ SỐ CCHC"
        ws.merge_range(0, 0, 0, 1, head, self.fmt["title_wrap"])
        ws.set_row(0, fit_height([(COVER_WIDTHS, head, font_of(self.fmt["title_wrap"]))], stacked=True))
        ws.merge_range(1, 0, 1, 1, p.title, self.fmt["sub_wrap"])
        ws.set_row(1, fit_height([(COVER_WIDTHS, p.title, font_of(self.fmt["sub_wrap"]))]))
        sec = reg.secretariat
        office = sec.name if sec is not None and sec.name else "Sở Nội vụ"
        info = [
            ("Cơ quan báo cáo", f"{reg.name(self.agency)} ({self.agency})"),
            ("Kỳ báo cáo", f"{per.label_vi} ({per.code})"),
            ("Kỳ số liệu", f"Từ {a:%d/%m/%Y} đến {b:%d/%m/%Y}"),
            ("Hạn gửi báo cáo", f"{per.due:%d/%m/%Y}"),
            ("Gửi báo cáo về", send_to(sec)),
            (f"Người liên hệ tại {office}", contact_line(sec.contact if sec is not None else None)),
            ("Đầu mối báo cáo của cơ quan", contact_line(reg.contact(self.agency))),
            ("Kế hoạch", f"{p.id}, phiên bản {p.version}"),
            ("Mã biểu mẫu", self.fields["template_id"]),
            ("Số chỉ tiêu phải báo cáo", str(sum(len(s.rows) for s in sheets))),
            ("Các sheet nhập liệu", "; ".join(s.name for s in sheets)),
        ]
        if self.refill is not None:
            info.insert(2, ("Bản gửi lại", f"Để sửa, bổ sung báo cáo đã gửi ({self.refill.source}); "
                                           f"{len(self.refill.fixes)} ô cần sửa, bổ sung (tô đỏ)"))
        r = 3
        for k, v in info:
            ws.write(r, 0, k, self.fmt["bold"])
            ws.write_string(r, 1, v, self.fmt["text"])
            ws.set_row(r, fit_height([(COVER_WIDTHS[0], k, font_of(self.fmt["bold"])),
                                      (COVER_WIDTHS[1], v, font_of(self.fmt["text"]))]))
            r += 1
        r += 1
        ws.write(r, 0, "Cách điền", self.fmt["bold"])
        steps = [
            "1. Mỗi sheet nhập liệu ứng với một lĩnh vực của Kế hoạch; mỗi dòng là một chỉ tiêu được giao cho cơ quan.",
            "2. Chỉ nhập vào các ô màu trắng. Ô màu xám là nội dung của Kế hoạch hoặc không áp dụng cho dòng đó và đã được khóa.",
            "3. Chỉ tiêu tỷ lệ: nhập Tử số và Mẫu số (số nguyên); phần mềm tự tính tỷ lệ, không nhập tỷ lệ %.",
            "4. Chỉ tiêu số lượng: nhập số vào cột Kết quả. Chỉ tiêu so với năm gốc (\"giảm 10% so với năm 2021\"): "
            "nhập số liệu năm nay vào Kết quả và số liệu cùng loại của năm gốc nêu trong Mục tiêu (ở ví dụ này: "
            "năm 2021) vào cột \"Số liệu năm gốc\"; nếu Kế hoạch đã có số liệu năm gốc, ô này được điền sẵn và khóa.",
            f"5. Chọn Tình trạng trong danh sách. Khi chọn \"Hoàn thành\" phải ghi Minh chứng (số, ký hiệu văn bản), "
            f"nếu không chỉ tiêu bị tính là Thiếu minh chứng; nên ghi cả Ngày văn bản (dd/mm/yyyy, trong khoảng "
            f"{per.evidence_window_vi()}).",
            "6. \"Không phát sinh\": trong kỳ không có việc, hồ sơ hay trường hợp nào thuộc chỉ tiêu; chỉ tiêu đó không được "
            "tính cho cơ quan. Chỉ tiêu tỷ lệ có Mẫu số bằng 0 cũng được tính là Không phát sinh.",
            "7. Cột Tự kiểm tra cho biết ngay kết quả theo số liệu vừa nhập, đúng như khi Sở Nội vụ tổng hợp: Đạt / Chưa đạt / Chưa đạt (quá hạn) / Đang thực hiện (chưa đến hạn) / Chưa thực hiện (chưa đến hạn: nhiệm vụ có thời hạn sau kỳ báo cáo, không tính là chưa đạt) / "
            "Đã ghi nhận (chỉ tiêu tính trên tổng toàn tỉnh) / Không phát sinh / Thiếu số liệu / Thiếu minh chứng / "
            "Số liệu chưa hợp lệ (không phải số, số âm, tử số lớn hơn mẫu số, số lẻ ở ô phải là số nguyên).",
            TYPING_STEP,
            "9. Cột Vai trò: \"Chủ trì\" — cơ quan chủ trì nhiệm vụ; \"Phối hợp\" — cơ quan phối hợp, báo cáo phần việc của "
            "mình; \"Chủ trì (tổng hợp …)\" — cơ quan báo cáo thay cho các đơn vị cấp dưới (ví dụ UBND cấp huyện cộng "
            "số liệu của các xã).",
            "10. Màn hình: các cột Mã chỉ tiêu, Chỉ tiêu, Mục tiêu luôn hiện bên trái khi cuộn; Tự kiểm tra nằm ngay cạnh "
            "các ô nhập. Khi in (bản nháp làm việc), mỗi sheet in trên 2 trang khổ ngang A4, lặp lại 3 cột này; "
            "cột Nhiệm vụ và Vai trò chỉ xem trên máy.",
            "11. Không đổi tên, xóa, chèn sheet, dòng hoặc cột; không sửa sheet ẩn. Lưu tệp dạng .xlsx và gửi lại đúng tệp này.",
        ]
        if self.previous is not None:
            steps.append(_reference_step(self.previous))
        if self.refill is not None:
            steps.append(f"12. Sổ tính này được gửi lại để cơ quan sửa, bổ sung báo cáo đã gửi ({self.refill.source}): "
                         "số liệu đã gửi được điền sẵn (ô màu vàng nhạt, chữ nghiêng); các ô cần sửa, bổ sung được tô "
                         "đỏ, ghi chú trong ô cho biết lý do. Sửa xong, lưu và gửi lại tệp này: bản gửi lại thay thế "
                         "bản trước. Tệp gửi lại mà không sửa gì không được tính là báo cáo.")
        for s in steps:
            ws.write_string(r, 1, s, self.fmt["text"])
            ws.set_row(r, row_height([(COVER_WIDTHS[1], s)]))
            r += 1
        r += 1
        ws.write(r, 0, "Chú giải", self.fmt["bold"])
        legend = [("Ô nhập liệu", self.fmt["input"]), ("Nội dung kế hoạch (khóa)", self.fmt["locked"]),
                  ("Không áp dụng (khóa)", self.fmt["na"]), ("Giá trị tính tự động (khóa)", self.fmt["formula"])]
        if self.refill is not None:
            legend[1:1] = [(f"Số liệu cơ quan đã gửi ({self.refill.source}), điền sẵn", self.fmt["input_carried"]),
                           ("Ô cần sửa, bổ sung (xem ghi chú trong ô)", self.fmt["input_fix"])]
        elif self.carried:
            legend.insert(1, ("Điền sẵn từ báo cáo kỳ trước (kiểm tra, sửa nếu thay đổi)",
                              self.fmt["input_carried"]))
        for text, fm in legend:
            ws.write_string(r, 1, text, fm)
            r += 1
        for text, fm in (("Đạt, Đã ghi nhận", self.ok_fmt), ("Chưa đạt", self.bad_fmt),
                         ("Thiếu số liệu / Thiếu minh chứng / Số liệu chưa hợp lệ", self.miss_fmt)):
            ws.write_string(r, 1, text, fm)
            r += 1
        self._sign_off(ws, r + 1)
        self._paper(ws)
        ws.fit_to_pages(1, 2)       # the sign-off ends the second page (printed at 9 pt or more)
        self._protect(ws)

    def _sign_off(self, ws, r: int):
        """Who made the return and the head who signs and stamps it, as an administrative report ends."""
        ws.write_string(r, 1, "…………………, ngày …… tháng …… năm ………", self.fmt["date_line"])
        ws.set_row(r, 24)
        for j, (who, how) in enumerate((("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"),
                                        ("THỦ TRƯỞNG CƠ QUAN", "(Ký tên, đóng dấu)"))):
            ws.write_string(r + 1, j, who, self.fmt["sign"])
            ws.write_string(r + 2, j, how, self.fmt["sign_note"])
        ws.set_row(r + 1, 18)
        ws.set_row(r + 2, 18)
        ws.set_row(r + 3, 70)                                     # room for the signature and the seal
        ws.write_string(r + 4, 0, "Họ tên: ……………………………", self.fmt["sign_note"])
        ws.write_string(r + 4, 1, "Họ tên: ……………………………………", self.fmt["sign_note"])
        ws.set_row(r + 4, 18)

    def _paper(self, ws):
        """A4 landscape; a footer naming the agency, period and template, and the page x/y."""
        ws.set_landscape()
        ws.set_paper(9)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        agency = self.plan.registry.name(self.agency).replace("&", "&&")
        # the footer is scaled with the page: 11 pt prints at 8.25 pt
        footer = (f"&L&11{agency} — {self.period.label_vi}&C&11{self.fields['template_id']}"
                  f"&R&11Trang &P/&N")
        _ok(ws.set_footer(footer), "footer")

    # -- input sheets --------------------------------------------------------------------
    def _input_sheet(self, s: SheetLayout):
        ws = self.wb.add_worksheet(s.name)
        place = self.place
        for c in COLUMNS:
            ws.set_column(place[c.key], place[c.key], c.width)
        # title, subtitle and template id over the key columns, which print on both pages across: whole on each
        keys = [c.width for c in COLUMNS[:KEY_COLUMNS]]
        sub = (f"{self.plan.registry.name(self.agency)} — {self.period.label_vi} — "
               f"kỳ số liệu {self.period.window_vi()} — hạn gửi {self.period.due:%d/%m/%Y}")
        tid = self.fields["template_id"]
        ws.merge_range(0, 0, 0, KEY_COLUMNS - 1, s.title, self.fmt["title_wrap"])
        ws.set_row(0, fit_height([(keys, s.title, font_of(self.fmt["title_wrap"]))], stacked=True))
        ws.merge_range(1, 0, 1, KEY_COLUMNS - 1, sub, self.fmt["sub_wrap"])
        ws.set_row(1, fit_height([(keys, sub, font_of(self.fmt["sub_wrap"]))]))
        ws.write_string(2, 0, "Mã biểu mẫu:", self.fmt["sub_wrap"])      # the label, then the id in the next cell
        ws.merge_range(2, 1, 2, KEY_COLUMNS - 1, tid, self.fmt["sub_wrap"])
        ws.set_row(2, fit_height([(keys[0], "Mã biểu mẫu:", font_of(self.fmt["sub_wrap"])),
                                  (keys[1:], tid, font_of(self.fmt["sub_wrap"]))]))
        for c in COLUMNS:
            ws.write_string(HEADER_ROW, place[c.key], c.header, self.fmt["header"])
        ws.set_row(HEADER_ROW, 45)
        if self.previous is not None:       # right after the last input, printed with the evidence
            ws.set_column(REFERENCE_COLUMN, REFERENCE_COLUMN, REFERENCE_WIDTH)
            ws.write_string(HEADER_ROW, REFERENCE_COLUMN, REFERENCE_HEADER.format(period=self.previous.period),
                            self.fmt["header"])
        for row in s.rows:
            self._row(ws, row)
        first, lastrow = s.rows[0].excel_row, s.rows[-1].excel_row
        sc = COL["self_check"]
        rng = (first, sc, lastrow, sc)
        tones = ((Verdict.MET, self.ok_fmt), (Verdict.CONTRIBUTES, self.ok_fmt), (Verdict.NOT_MET, self.bad_fmt),
                 (Verdict.MISSING_DATA, self.miss_fmt), (Verdict.MISSING_EVIDENCE, self.miss_fmt),
                 (Verdict.INVALID, self.miss_fmt))
        for verdict, fm in tones:
            crit = {"type": "cell", "criteria": "==", "value": f'"{verdict.vi}"', "format": fm}
            _ok(ws.conditional_format(*rng, crit), "conditional format")
        ws.freeze_panes(HEADER_ROW + 1, KEY_COLUMNS)
        self._paper(ws)
        ws.repeat_rows(HEADER_ROW)
        ws.repeat_columns(0, KEY_COLUMNS - 1)
        ws.set_print_scale(PRINT_SCALE)
        # two pages wide: the numbers and the self-check, then evidence and the agency's own words
        ws.set_v_pagebreaks([COL["evidence"]])
        ws.print_area(0, 0, s.rows[-1].excel_row, REFERENCE_COLUMN if self.previous is not None else COL[PRINTED])
        self._protect(ws)

    def _row(self, ws, row: Row):
        r, ind = row.excel_row, row.indicator
        locked = row.locked_text()
        for key, text in locked.items():
            ws.write_string(r, self.place[key], text, self.fmt["locked"])
        inputs = set(row.inputs)
        rule = self.rules[ind.code]
        whole = rule.numeric
        R = lambda k: cell_name(r, COL[k])  # noqa: E731
        computed = rule.computed(R)
        last = None if self.previous is None else self.previous.of(self.agency).get(ind.code)
        carried = self.carried.get(ind.code, {})
        for c in COLUMNS:
            j = COL[c.key]
            if c.key in inputs:
                fm = ("input_date" if c.key == "doc_date" else "input" if c.key not in NUMERIC_KEYS
                      else "input_num" if whole[c.key] else "input_dec")
                x = carried.get(c.key)
                fix = self.refill.fixes.get((ind.code, c.key)) if self.refill else None
                if fix:
                    fm += "_fix"
                    _ok(ws.write_comment(r, j, fix, {"author": "Sở Nội vụ", "x_scale": 2.5, "y_scale": 2}),
                        f"note on {cell_name(r, j)}")
                elif x is not None:     # prefilled (from last period, or the return being corrected)
                    fm += "_carried"
                if x is None:
                    ws.write_blank(r, j, None, self.fmt[fm])
                elif isinstance(x, Fraction):
                    ws.write_number(r, j, float(x), self.fmt[fm])
                elif isinstance(x, dt.date):
                    ws.write_datetime(r, j, dt.datetime.combine(x, dt.time()), self.fmt[fm])
                else:
                    ws.write_string(r, j, str(x.value if isinstance(x, TaskStatus) else x), self.fmt[fm])
                self._validate(ws, r, j, rule.validation(c.key, R))
            elif c.key == "baseline" and ind.target.baseline_value is not None:
                ws.write_number(r, j, ind.target.baseline_value, self.fmt["locked"])
            elif computed and c.key == computed[0]:
                # formulas carry their correct initial result: LibreOffice keeps cached values.
                ws.write_formula(r, j, computed[1], self.fmt["formula"], "")
            elif c.kind in ("input", "formula") and c.key != "self_check":
                ws.write_blank(r, j, None, self.fmt["na"])
        # the cached result is the Python twin's verdict on the row as written (blank, or prefilled)
        prefilled = Inputs(carried.get("status"), carried.get("evidence"),
                           {k: v for k, v in carried.items() if k in NUMERIC_KEYS})
        ws.write_formula(r, COL["self_check"], rule.formula(R), self.fmt["formula"], rule.judge(prefilled).verdict.vi)
        texts = [(COLUMNS[COL[k]].width, t) for k, t in locked.items()]
        if self.previous is not None:
            ref = reference_text(last, ind)
            ws.write_string(r, REFERENCE_COLUMN, ref, self.fmt["locked"])
            texts.append((REFERENCE_WIDTH, ref))
        ws.set_row(r, max(45, row_height(texts)))

    def _validate(self, ws, r: int, j: int, v: dict):
        """The input's validation (the measure's, :meth:`~parxl.measures.Rule.validation`), its messages fitted
        to what Excel shows."""
        v.setdefault("error_type", "stop")
        v["error_title"] = "Giá trị không hợp lệ"
        v["input_message"] = _fit(v["input_message"], MAX_MESSAGE)
        if len(v["input_title"]) > MAX_TITLE or len(v["error_message"]) > MAX_MESSAGE:
            raise WriterBug(f"validation text too long at {cell_name(r, j)}")
        _ok(ws.data_validation(r, j, r, j, v), f"validation {cell_name(r, j)}")

    def _lists(self):
        ws = self.wb.add_worksheet(LIST_SHEET)
        for k, s in enumerate(TaskStatus):
            ws.write_string(k, 0, s.value)
        ws.hide()
        self._protect(ws)

    def _identity(self):
        ws = self.wb.add_worksheet(IDENTITY_SHEET)
        ws.write_string(0, 0, "key")
        ws.write_string(0, 1, "value")
        for k, name in enumerate((*FIELDS, "signature"), 1):
            ws.write_string(k, 0, name)
            ws.write_string(k, 1, str(self.fields[name]))
        ws.write_string(len(FIELDS) + 3, 0, "generator")
        ws.write_string(len(FIELDS) + 3, 1, f"parxl {__version__}")
        for k, name in enumerate((carryover.FIELD, "refill"), len(FIELDS) + 4):   # signed (identity.OPTIONAL_FIELDS)
            if self.fields.get(name):
                ws.write_string(k, 0, name)
                ws.write_string(k, 1, self.fields[name])
        ws.set_column(0, 1, 30)
        ws.hide()
        self._protect(ws)

    def _protect(self, ws):
        _ok(ws.protect(self.password or "", {"format_columns": True, "format_rows": True,
                                             "select_locked_cells": True, "select_unlocked_cells": True}),
            "protect")


# -- last period (generate --ledger) ------------------------------------------------------------------

REFERENCE_EVIDENCE = 200     # characters of last period's evidence quoted in the reference column


def carried_over(previous, ind: Indicator, last: dict | None) -> dict:
    """The inputs prefilled on an indicator's row from last period's values (``last``: the agency's row as the
    ledger recorded it, decoded, see :class:`~parxl.ledger.LastPeriod` for the rule): input key → value."""
    if previous is None or not last:
        return {}
    return measure_of(ind).carried_over(ind, last, previous.same_year, previous.same_plan_version)


def send_to(sec) -> str:
    """Where a return goes (the registry's ``[secretariat]``): name, address, e-mail, phone; blanks when not given."""
    if sec is None:
        return f"Cơ quan nhận: {BLANK}; địa chỉ: {BLANK}; thư điện tử: {BLANK}"
    return "; ".join((sec.name or f"Cơ quan nhận: {BLANK}", f"địa chỉ: {sec.address or BLANK}",
                      f"thư điện tử: {sec.email or BLANK}", *((f"điện thoại: {sec.phone}",) if sec.phone else ())))


def contact_line(c) -> str:
    """A person to call (:class:`~parxl.agencies.Contact`), every field shown, a blank for each one not given."""
    return "; ".join(f"{k}: {v or BLANK}" for k, v in (
        ("Họ tên", c and c.name), ("chức vụ", c and c.position), ("điện thoại", c and c.phone),
        ("thư điện tử", c and c.email)))


def reference_text(last: dict | None, ind: Indicator | None = None) -> str:
    """One line saying what the agency reported last period on a row (the "Kỳ trước" column): a rate as
    numerator / denominator (its %), a change as this year / the baseline year (its change in %), a count as
    the number in the indicator's unit (``ind``), never as a percentage."""
    if not last:
        return "Không có số liệu kỳ trước"
    verdict = last["verdict"]
    if verdict is Verdict.NOT_RETURNED:
        return verdict.vi
    n = lambda k: format_number(last[k]) if last.get(k) is not None else None  # noqa: E731
    parts = []
    if last.get("status"):
        parts.append(f"Tình trạng: {last['status'].vi}")
    if n("numerator") is not None or n("denominator") is not None:
        rate = f" ({n('value')}%)" if n("value") is not None else ""
        parts.append(f"Tử số {n('numerator') or '—'} / Mẫu số {n('denominator') or '—'}{rate}")
    elif (n("current") is not None or n("baseline") is not None) and (
            measure_of(ind).needs_baseline if ind is not None else n("baseline") is not None):
        change = f" ({n('value')}%)" if n("value") is not None else ""
        parts.append(f"Kết quả {n('current') or '—'} / Năm gốc {n('baseline') or '—'}{change}")
    elif n("current") is not None or n("value") is not None:     # a count: in its unit
        x = last["current"] if last.get("current") is not None else last["value"]
        parts.append(f"Kết quả {format_number(x, unit=ind.unit if ind is not None else '')}")
    text = f"{'; '.join(parts)} — {verdict.vi}" if parts else verdict.vi
    if last.get("evidence"):
        text += f"; Minh chứng: {_fit(last['evidence'], REFERENCE_EVIDENCE)}"
    if last.get("doc_date"):
        text += f" (ngày {last['doc_date']:%d/%m/%Y})"
    return text


def _reference_step(previous) -> str:
    head = (f"12. Cột \"{REFERENCE_HEADER.format(period=previous.period)}\" (ngay sau cột Đề xuất, kiến nghị; đã khóa; "
            "in cùng trang với Minh chứng) ghi số liệu cơ quan đã báo cáo kỳ trước: số lượng theo đơn vị của chỉ tiêu, "
            "tỷ lệ và mức thay đổi so với năm gốc bằng %.")
    if previous.same_year:
        carried = "Số liệu năm gốc và nhiệm vụ đã \"Hoàn thành\" kỳ trước (kèm minh chứng, ngày văn bản)"
    elif previous.same_plan_version:
        carried = "Số liệu năm gốc"
    else:
        return head
    return (f"{head} {carried} đã được điền sẵn từ báo cáo kỳ trước (ô màu vàng nhạt, chữ nghiêng): hãy kiểm tra "
            "và sửa nếu có thay đổi; chỉ cần nhập những gì mới. Sổ tính chỉ có số liệu điền sẵn, không nhập thêm gì, "
            "không được tính là báo cáo của kỳ này.")


def _fit(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
