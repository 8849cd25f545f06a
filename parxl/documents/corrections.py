"""Correction sheets (*phiếu đề nghị bổ sung, chỉnh sửa*): for each agency whose return was rejected or has
errors, missing data or missing evidence, one .docx listing exactly that return's findings to act on — what
to fix, where (sheet, cell, indicator), why, by when — and, beside it, its workbook re-issued with its own
values already in and the cells to fix marked (parxl.reissue), signed as a new template of the same period.

A finding to act on is an error or a warning on the agency's return that the agency can fix in its file: not
the time it was saved (``return.late``, the clock findings), nor what only the secretariat can act on
(``identity.no-key``), nor information (``value.coerced``, ``row.moved``).  For an agency whose every file
was rejected, the sheet lists the findings of its files that could not be used."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..findings import Finding, Severity
from ..report import Report
from ..vocab import ReturnStatus, format_time
from . import form

NOT_THE_AGENCYS = frozenset({"return.late", "return.late-file-time", "return.clock-future",
                             "return.clock-before-issue", "return.file-clock-future", "return.no-save-time",
                             "return.superseded", "identity.no-key", "return.missing"})


@dataclass(frozen=True)
class Correction:
    agency: str
    files: tuple[str, ...]          # the return (accepted) or the files that could not be used (rejected)
    rejected: bool
    findings: tuple[Finding, ...]


def to_correct(report: Report) -> list[Correction]:
    """Each agency with something to fix, in registry order, with exactly the findings to act on."""
    accepted = {r.agency: r.file for r in report.returns if r.status is ReturnStatus.ACCEPTED and r.agency}
    rejected: dict[str, list[str]] = {}
    for r in report.returns:
        if r.status is ReturnStatus.REJECTED and r.agency and r.agency not in accepted:
            rejected.setdefault(r.agency, []).append(r.file)
    out = []
    for a in report.plan.reporting_agencies():
        files = [accepted[a]] if a in accepted else rejected.get(a, [])
        if not files:
            continue
        fs = tuple(f for f in report.findings if f.file in files and f.agency in (a, None) and acts_on(f))
        if fs:
            out.append(Correction(a, tuple(files), a not in accepted, fs))
    return out


def acts_on(f: Finding) -> bool:
    """Is the finding something the agency fixes in its file?"""
    return f.severity is not Severity.INFO and f.code not in NOT_THE_AGENCYS


def why_vi(f: Finding) -> str:
    """What the finding costs, in the secretariat's words."""
    if f.rejects:
        return "Tệp bị từ chối: toàn bộ báo cáo chưa được tổng hợp"
    if f.severity is Severity.ERROR:
        return "Số liệu chưa được tính vào kết quả toàn tỉnh"
    return "Đề nghị kiểm tra, xác nhận lại"


def file_name(report: Report, agency: str) -> str:
    return f"phieu-bo-sung_{report.period.code}_{agency}.docx"


def write_correction(report: Report, c: Correction, path: str | Path, fix_by: dt.date | None = None,
                     reissued: str | None = None) -> Path:
    """One agency's correction sheet (.docx)."""
    plan, reg = report.plan, report.plan.registry
    words = report.period.words_vi
    name = reg.name(c.agency)
    doc = form.new_document(f"Phiếu đề nghị bổ sung, chỉnh sửa báo cáo {words} — {name}")
    form.header(doc, reg, plan.province, "PBS")
    form.title(doc, "PHIẾU ĐỀ NGHỊ BỔ SUNG, CHỈNH SỬA", [f"Báo cáo kết quả thực hiện {plan.title}", words])
    form.recipients_line(doc, [name])
    by = f"{fix_by:%d/%m/%Y}" if fix_by else form.BLANK
    entries = {r.file: r for r in report.returns}
    shown = "; ".join(f"{f} (lưu lúc {format_time(entries[f].saved_at)})" if entries[f].saved_at else f
                      for f in c.files)
    if c.rejected:
        form.para(doc, f"Báo cáo của {name} (tệp {shown}) không sử dụng được vì các lý do nêu dưới đây, nên cơ quan "
                       f"vẫn được tính là chưa nộp báo cáo. Đề nghị {name} khắc phục và gửi lại báo cáo trước ngày "
                       f"{by}.")
    else:
        form.para(doc, f"Qua kiểm tra báo cáo của {name} (tệp {shown}), đề nghị {name} bổ sung, chỉnh sửa "
                       f"{len(c.findings)} nội dung dưới đây và gửi lại báo cáo trước ngày {by}:")
    rows = []
    for k, f in enumerate(c.findings, 1):
        ind = plan.indicator(f.indicator) if f.indicator and f.indicator in _codes(plan) else None
        what = f"{f.indicator} — {ind.label}" if ind else (f.indicator or "Toàn bộ tệp")
        rows.append([str(k), f.sheet or "", f.cell or "", what, f.message, why_vi(f), by])
    w = form.usable_width_cm(doc)
    fixed = [0.9, 2.3, 1.2, 3.4, 2.8, 2.4]
    form.grid(doc, ["TT", "Sheet", "Ô", "Chỉ tiêu", "Nội dung cần bổ sung, chỉnh sửa", "Lý do", "Hạn gửi lại"],
              rows, [fixed[0], fixed[1], fixed[2], fixed[3], w - sum(fixed), fixed[4], fixed[5]], size=10,
              align=["center", "left", "center", "left", "left", "left", "center"])
    form.para(doc, "", after=0)
    if reissued:
        form.para(doc, f"Kèm theo phiếu này là biểu mẫu được phát hành lại ({reissued}) đã điền sẵn số liệu "
                       f"{name} đã gửi; các ô cần sửa được đánh dấu và có ghi chú lý do. Đề nghị sửa trực tiếp trên "
                       f"biểu mẫu này, không đổi tên sheet, không thêm, xóa dòng; bản gửi lại sẽ thay thế bản trước.")
    else:
        form.para(doc, "Đề nghị sửa trực tiếp trên tệp đã gửi hoặc trên biểu mẫu đã được phát hành, không đổi tên "
                       "sheet, không thêm, xóa dòng; bản gửi lại sẽ thay thế bản trước.")
    form.para(doc, _contact_line(reg))
    form.closing(doc, ["Như trên", form.BLANK])
    return form.save(doc, path)


def _codes(plan) -> set[str]:
    return {i.code for i in plan.indicators}


def _contact_line(reg) -> str:
    s = reg.secretariat
    if s is None:
        return f"Mọi vướng mắc đề nghị liên hệ {form.BLANK}."
    who = s.contact
    parts = []
    if who and who.name:
        parts.append(" ".join(x for x in (who.position, who.name) if x))
    phone = (who.phone if who else None) or s.phone
    email = (who.email if who else None) or s.email
    if phone:
        parts.append(f"điện thoại {phone}")
    if email:
        parts.append(f"thư điện tử {email}")
    return f"Mọi vướng mắc đề nghị liên hệ {', '.join(parts) or form.BLANK}."


def write_corrections(report: Report, out_dir: str | Path, *, fix_by: dt.date | None = None,
                      key: bytes | None = None, issued: dt.date | None = None) -> list[Path]:
    """A correction sheet per agency with something to fix, into ``out_dir``; with ``key``, beside each sheet of an
    accepted return, the agency's workbook re-issued with its own values in (parxl.reissue), dated ``issued``."""
    out_dir = Path(out_dir)
    paths: list[Path] = []
    for c in to_correct(report):
        again = None
        if key is not None and not c.rejected:
            from ..reissue import refill_of, reissue
            results = [r for r in report.results if r.agency == c.agency]
            issue = reissue(report.plan, report.period, c.agency, refill_of(results, report.findings, c.files[0]),
                            out_dir, key, issued=issued)
            again = issue.path.name
            paths.append(issue.path)
        paths.append(write_correction(report, c, out_dir / file_name(report, c.agency), fix_by, again))
    return paths
