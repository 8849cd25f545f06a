"""The reminders (*danh sách đôn đốc*): who has not returned, whose file could not be used, who returned late,
with the days overdue (Vietnam days after the period's due date: parxl.documents.collection) and the agency's
contact from the registry; as a draft công văn đôn đốc (.docx, Nghị định 30/2020 thể thức) with the list
attached, and as a CSV for mail merge (UTF-8 with a byte order mark and CRLF, so Excel on Windows opens it)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from ..outputs import write_atomic
from ..report import Report
from . import form
from .collection import AgencyReturn, Standing, collection, today_vietnam

ORDER = (Standing.MISSING, Standing.REFUSED, Standing.LATE)
CSV_FIELDS = ("MaCoQuan", "TenCoQuan", "Nhom", "TinhTrang", "SoNgayQuaHan", "TepKhongDungDuoc", "DauMoi", "ChucVu",
              "DienThoai", "Email", "KyBaoCao", "HanNop")


def to_remind(report: Report, as_of: dt.date | None = None) -> list[AgencyReturn]:
    """The agencies not returned, refused and late (in that order, registry order within each)."""
    st = collection(report, as_of)
    return [x for kind in ORDER for x in st if x.standing is kind]


def status_vi(x: AgencyReturn) -> str:
    """"Chưa nộp", "Tệp không sử dụng được" (with "(theo tên tệp)" when the unreadable file is the agency's only
    by its name), "Nộp muộn"."""
    if x.standing is Standing.REFUSED and x.by_name:
        return "Tệp không sử dụng được (theo tên tệp)"
    return {Standing.MISSING: "Chưa nộp", Standing.REFUSED: "Tệp không sử dụng được",
            Standing.LATE: "Nộp muộn"}.get(x.standing, x.standing.vi)


def overdue_vi(x: AgencyReturn) -> str:
    """The days overdue as the list shows them: "11"; "0" before the due date has passed."""
    return str(x.days_late)


def _contact(report: Report, agency: str) -> tuple[str, str, str, str]:
    c = report.plan.registry.contact(agency)
    return (c.name or "", c.position or "", c.phone or "", c.email or "") if c else ("", "", "", "")


def reminders_csv(report: Report, as_of: dt.date | None = None) -> bytes:
    """The list for mail merge: one row per agency to remind, every field a column."""
    reg = report.plan.registry
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_FIELDS)
    for x in to_remind(report, as_of):
        w.writerow([x.agency, reg.name(x.agency), reg.group_of(x.agency).name, status_vi(x), x.days_late,
                    "; ".join(x.files), *_contact(report, x.agency), report.period.words_vi,
                    f"{report.period.due:%d/%m/%Y}"])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def write_reminder_letter(report: Report, path: str | Path, as_of: dt.date | None = None) -> Path:
    """The draft công văn đôn đốc (.docx) with the list attached."""
    as_of = as_of or today_vietnam()
    plan, reg = report.plan, report.plan.registry
    words = report.period.words_vi
    todo = to_remind(report, as_of)
    missing = [x for x in todo if x.standing is Standing.MISSING]
    refused = [x for x in todo if x.standing is Standing.REFUSED]
    late = [x for x in todo if x.standing is Standing.LATE]
    doc = form.new_document(f"Công văn đôn đốc báo cáo {words}")
    form.header(doc, reg, plan.province, "", subject=f"đôn đốc gửi báo cáo kết quả thực hiện Kế hoạch CCHC {words}")
    form.recipients_line(doc, ["Các cơ quan, đơn vị, địa phương có tên tại danh sách kèm theo"])
    due = f"{report.period.due:%d/%m/%Y}"
    form.para(doc, f"Thực hiện {plan.title}, {form.BLANK} đã phát hành biểu mẫu báo cáo kết quả thực hiện {words} "
                   f"đến các cơ quan, đơn vị, địa phương, thời hạn gửi báo cáo chậm nhất ngày {due}.")
    text = (f"Đến ngày {as_of:%d/%m/%Y}, còn {len(missing)} cơ quan, đơn vị, địa phương chưa gửi báo cáo"
            + (f" và {len(refused)} cơ quan gửi báo cáo nhưng tệp không sử dụng được (tệp hỏng, không đúng biểu "
               f"mẫu hoặc đã bị sửa cấu trúc)" if refused else "")
            + (f"; {len(late)} cơ quan gửi báo cáo sau thời hạn" if late else "")
            + " (chi tiết tại danh sách kèm theo).")
    form.para(doc, text)
    if missing or refused:
        form.para(doc, f"Để kịp thời tổng hợp, báo cáo {form.BLANK}, đề nghị các cơ quan, đơn vị, địa phương chưa gửi "
                       f"báo cáo hoặc có tệp không sử dụng được khẩn trương hoàn thành và gửi báo cáo chậm nhất ngày "
                       f"{form.BLANK}, sử dụng đúng biểu mẫu đã được phát hành (không đổi tên sheet, không thêm, xóa "
                       f"dòng, cột).")
    if late:
        form.para(doc, "Đề nghị các cơ quan gửi báo cáo muộn rút kinh nghiệm, bảo đảm thời hạn báo cáo các kỳ sau.")
    form.para(doc, _contact_line(reg))
    form.closing(doc, ["Như trên", "UBND tỉnh (để báo cáo)", form.BLANK])
    doc.add_page_break()
    form.para(doc, "DANH SÁCH CƠ QUAN, ĐƠN VỊ, ĐỊA PHƯƠNG CHƯA GỬI BÁO CÁO, GỬI BÁO CÁO MUỘN", bold=True,
              align="center", after=0)
    form.para(doc, f"(Kèm theo Công văn số {form.BLANK} ngày {form.BLANK} của {form.BLANK})", italic=True,
              align="center")
    rows = []
    for k, x in enumerate(todo, 1):
        name, pos, phone, email = _contact(report, x.agency)
        who = "; ".join(v for v in (", ".join(v for v in (name, pos) if v), phone, email) if v)
        rows.append([str(k), reg.name(x.agency), status_vi(x), overdue_vi(x), who])
    w = form.usable_width_cm(doc)
    fixed = [1.0, 3.4, 2.0, 5.2]
    form.grid(doc, ["TT", "Cơ quan, đơn vị, địa phương", "Tình trạng", "Số ngày quá hạn", "Đầu mối liên hệ"], rows,
              [fixed[0], w - sum(fixed), *fixed[1:]], size=11,
              align=["center", "left", "left", "center", "left"])
    return form.save(doc, path)


def _contact_line(reg) -> str:
    from .corrections import _contact_line as line
    return line(reg)


def write_reminders(report: Report, out_dir: str | Path, as_of: dt.date | None = None) -> list[Path]:
    """The công văn đôn đốc (.docx) and the mail-merge list (.csv) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    code = report.period.code
    letter = write_reminder_letter(report, out_dir / f"don-doc_{code}.docx", as_of)
    lst = out_dir / f"danh-sach-don-doc_{code}.csv"
    write_atomic(lst, reminders_csv(report, as_of))
    return [letter, lst]
