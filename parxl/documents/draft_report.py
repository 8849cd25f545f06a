"""The period's CCHC report, drafted from the merge's Report for the officer to finish and sign (.docx).

Every figure comes from the Report the consolidated workbook and the JSON report show (a test reads each
number of the document and finds it in the JSON): I. the collection (workbooks issued, returns on time,
late, missing, by agency group); II. results by section of the plan (tasks completed of those due, each
numeric target with its province figure, verdict and coverage, the change since the previous period when
the ledger has it); III. what is not met or not yet reported, naming the lead agencies; IV. the
difficulties and proposals the agencies wrote, by section, deduplicated, each with who wrote it; V. the
tasks due next period; appendices: the indicator table, the agency table and, with a ledger, the year's
timeliness.  Provisional figures say so in words.  Laid out under Nghị định 30/2020/NĐ-CP (parxl.documents.form).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.shared import Mm

from ..measures import ProvinceFigure, measure_of
from ..plan import Task
from ..report import Report
from ..vocab import ProvinceVerdict as PV, Verdict, format_number
from . import form
from .collection import Standing, collection
from .timeliness import Timeliness
from .schedule import due_by, due_in, next_period, ongoing as recurs

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_DONE = (PV.MET, PV.PROVISIONAL_MET, PV.NOT_APPLICABLE)
_PROVISIONAL = (PV.PROVISIONAL_MET, PV.PROVISIONAL_NOT_MET)
_NOT_MET = (PV.NOT_MET, PV.PROVISIONAL_NOT_MET)
_FAILED = ("not_met", "overdue")          # an agency's verdicts counted "Chưa đạt" (below target, or overdue)


@dataclass(frozen=True)
class TaskState:
    task: Task
    completed: bool          # every indicator met (or "Không phát sinh" everywhere), some met
    provisional: bool        # ... on the agencies that reported: others are missing
    due: bool                # due by the end of the period


def task_states(report: Report) -> list[TaskState]:
    """Each task of the plan: completed (all its indicators met province-wide), provisionally so, due."""
    figs: dict[str, list[ProvinceFigure]] = {}
    for f in report.indicators:
        figs.setdefault(report.plan.indicator(f.indicator).task.code, []).append(f)
    out = []
    for t in report.plan.tasks:
        fs = figs.get(t.code, [])
        done = bool(fs) and all(f.verdict in _DONE for f in fs) and any(f.verdict is not PV.NOT_APPLICABLE
                                                                          for f in fs)
        out.append(TaskState(t, done, done and any(f.verdict in _PROVISIONAL for f in fs),
                             due_by(t, report.period)))
    return out


def N(x, unit: str = "") -> str:
    """A figure in Vietnamese notation (1.234,5; 97,53%)."""
    return format_number(x, 2, unit)


def _unit(report: Report, f: ProvinceFigure) -> str:
    ind = report.plan.indicator(f.indicator)
    return measure_of(ind).unit(ind, f.rule)


EACH_UNIT = "số cơ quan đạt / số cơ quan"


def _agencies_met(f: ProvinceFigure) -> str | None:
    """A share of agencies (the province rule "each": agencies meeting it of those it applies to) as the
    consolidated workbook's Diễn biến shows it, "32/38"; None for any other figure."""
    if f.rule != "each" or f.numerator is None or not f.denominator:
        return None
    return f"{N(f.numerator)}/{N(f.denominator)}"


def value_words(report: Report, f: ProvinceFigure) -> str:
    """A province figure with its unit: "97,53%", "1.234 hồ sơ", or for a share of agencies "32/38 cơ quan đạt"."""
    each = _agencies_met(f)
    if each is not None:
        return f"{each} cơ quan đạt"
    unit = _unit(report, f)
    return N(f.value, unit if unit == "%" else "") + (f" {unit}" if unit and unit != "%" else "")


def _short(text: str, limit: int = 70) -> str:
    """``text`` cut at a word before ``limit`` characters, with "…" when cut."""
    text = " ".join(text.split()).rstrip(" .;:")
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-–")
    return cut + "…"


def indicator_words(ind) -> str:
    """An indicator's label, naming its task when the label alone does not ("Hoàn thành nhiệm vụ" becomes
    "Hoàn thành nhiệm vụ I.4 (Thực hiện công tác tuyên truyền CCHC…)")."""
    label = " ".join(ind.label.split())
    if label.rstrip(" .").casefold() != "hoàn thành nhiệm vụ":
        return label
    return f"{label.rstrip(' .')} {ind.task.code} ({_short(ind.task.title)})"


def figure_words(report: Report, f: ProvinceFigure) -> str:
    """"97,53% — Đạt (có số liệu của 40/42 cơ quan; số liệu tạm tính, còn 2 cơ quan chưa có số liệu)"."""
    applicable = f.required - f.not_applicable
    if f.verdict is PV.NOT_APPLICABLE:
        return "không phát sinh (tất cả cơ quan phải báo cáo đều không phát sinh trường hợp nào)"
    if f.verdict is PV.NOT_ASSESSABLE:
        return f"chưa đánh giá được: chưa có số liệu dùng được (0/{N(applicable)} cơ quan)"
    verdict = f.verdict.vi.replace(' (tạm tính)', '').lower()
    # a share of agencies: "35/38 cơ quan đạt, toàn tỉnh chưa đạt" (each agency's verdict, then the province's)
    text = f"{value_words(report, f)}, {'toàn tỉnh ' if _agencies_met(f) is not None else ''}{verdict}"
    text += f" (có số liệu của {N(f.assessed)}/{N(applicable)} cơ quan"
    if f.verdict in _PROVISIONAL:
        text += (f"; số liệu tạm tính: còn {N(f.unassessed)} cơ quan chưa có số liệu, kết quả có thể thay đổi khi "
                 f"các cơ quan này báo cáo")
    return text + ")"


def previous_words(report: Report, f: ProvinceFigure) -> str:
    """The change since the previous period, when the ledger has it: "kỳ trước (6 tháng năm 2024): 95,1%; tăng"."""
    p = report.previous.get(f.indicator)
    if p is None or p.value is None or f.value is None or not report.previous_period:
        return ""
    unit = _unit(report, f)
    from ..periods import Period
    words = Period.parse(report.previous_period).words_vi
    trend = "tăng" if f.value > p.value else "giảm" if f.value < p.value else "không đổi"
    shown = N(p.value, "%" if unit == "%" else "")
    if _agencies_met(f) is not None:
        was = _agencies_met(p)
        if was is None:
            return ""
        shown = f"{was} cơ quan đạt"
        trend = ("tỷ lệ cơ quan đạt " + trend) if trend != "không đổi" else "tỷ lệ cơ quan đạt không đổi"
    prov = " (tạm tính)" if p.verdict in _PROVISIONAL else ""
    return f"; so với kỳ trước ({words}: {shown}{prov}): {trend}"


def lead_words(task: Task) -> str:
    """The lead agencies as the plan writes them ("Sở Nội vụ", "Các sở, ban, ngành, UBND cấp xã"), a cell of
    several lines ("- Sở Nội vụ chủ trì...\n- Các sở...") on one line."""
    text = task.spec.lead_text or ", ".join(task.spec.lead)
    lines = [ln.strip().lstrip("-–•+ ").strip() for ln in text.splitlines()]
    return "; ".join(ln for ln in lines if ln)


def _key(text: str) -> str:
    s = unicodedata.normalize("NFC", text).lower()
    return re.sub(r"[\s.;,:!-]+", " ", s).strip()


def voices(report: Report, field: str) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """What the agencies wrote in ``field`` ("issues" or "proposals"), by section: (section code, [(text,
    agency names)]), each text once (compared without case, spacing or end punctuation), in plan order."""
    plan = report.plan
    by_section: dict[str, dict[str, tuple[str, list[str]]]] = {}
    for r in report.results:
        text = getattr(r, field)
        if not text or not text.strip():
            continue
        sec = plan.indicator(r.indicator).task.section
        got = by_section.setdefault(sec, {})
        k = _key(text)
        if k not in got:
            got[k] = (" ".join(text.split()), [])
        name = plan.registry.name(r.agency)
        if name not in got[k][1]:
            got[k][1].append(name)
    return [(s.code, list(by_section[s.code].values())) for s in plan.sections if s.code in by_section]


def _sentence(text: str) -> str:
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", ";")) else text + "."


# -- the document ------------------------------------------------------------------------------------------
def write_draft_report(report: Report, path: str | Path, *, as_of: dt.date | None = None,
                       timeliness: Timeliness | None = None) -> Path:
    """Write the draft report (.docx) of ``report`` to ``path``; ``as_of`` dates the days overdue (default:
    today in Vietnam); ``timeliness`` (parxl.documents.timeliness.year_timeliness) adds the year's table."""
    plan, period = report.plan, report.period
    words = period.words_vi
    doc = form.new_document(f"Báo cáo kết quả thực hiện {plan.title} {words}")
    form.header(doc, plan.registry, plan.province, "BC")
    form.title(doc, "BÁO CÁO", [f"Kết quả thực hiện {_lower_first(plan.title)}", words])
    a, b = period.window
    form.para(doc, f"Thực hiện {_lower_first(plan.title)}, {form.BLANK} báo cáo kết quả thực hiện {words} (số liệu "
                   f"từ ngày {a:%d/%m/%Y} đến ngày {b:%d/%m/%Y}), tổng hợp từ báo cáo của các cơ quan, đơn vị, "
                   f"địa phương, như sau:")
    states = task_states(report)
    _collection(doc, report, as_of)
    _results(doc, report, states)
    _shortfalls(doc, report)
    _voices(doc, report)
    _next(doc, report, states)
    form.heading(doc, "VI. KIẾN NGHỊ, ĐỀ XUẤT")
    form.para(doc, form.BLANK)
    form.closing(doc, ["UBND tỉnh (để báo cáo)", form.BLANK])
    _appendix_indicators(doc, report)
    _appendix_agencies(doc, report, as_of)
    if timeliness is not None:
        from .timeliness import add_table
        add_table(doc, timeliness, plan, "Phụ lục III", "TÌNH HÌNH NỘP BÁO CÁO CÁC KỲ TRONG NĂM")
    return form.save(doc, path)


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s[:2] != s[:2].upper() else s


def _collection(doc, report: Report, as_of) -> None:
    reg = report.plan.registry
    form.heading(doc, "I. TÌNH HÌNH TRIỂN KHAI VÀ TIẾP NHẬN BÁO CÁO")
    st = collection(report, as_of)
    c = Counter(x.standing for x in st)
    got = c[Standing.ON_TIME] + c[Standing.LATE]
    late, refused = c[Standing.LATE], c[Standing.REFUSED]
    without = c[Standing.MISSING] + refused
    text = (f"Đã phát hành {N(len(st))} biểu mẫu báo cáo cho {N(len(st))} cơ quan, đơn vị, địa phương, hạn gửi báo "
            f"cáo ngày {report.period.due:%d/%m/%Y}. ")
    if not got:
        text += "Chưa có báo cáo nào được tiếp nhận"
    else:
        text += f"Có {N(got)} báo cáo được tiếp nhận, " + (
            f"trong đó {N(c[Standing.ON_TIME])} báo cáo đúng hạn và {N(late)} báo cáo nộp muộn" if late
            else ("báo cáo này đúng hạn" if got == 1 else "tất cả đều đúng hạn"))
    if without and got:
        text += f"; {N(without)} cơ quan chưa có báo cáo được tiếp nhận" + (
            f" (trong đó {N(refused)} cơ quan đã gửi tệp nhưng tệp không sử dụng được)" if refused else "")
    elif without:
        text += f"; {N(refused)} cơ quan đã gửi tệp nhưng tệp không sử dụng được" if refused else ""
    else:
        text += "; tất cả cơ quan, đơn vị, địa phương đều đã có báo cáo được tiếp nhận"
    form.para(doc, text + ".")
    groups: dict[str, Counter] = {}
    for x in st:
        groups.setdefault(reg.group_of(x.agency).name, Counter())[x.standing] += 1
    rows = [[g, N(sum(k.values())), N(k[Standing.ON_TIME]), N(k[Standing.LATE]),
             N(k[Standing.MISSING] + k[Standing.REFUSED])] for g, k in groups.items()]
    w = form.usable_width_cm(doc)
    form.grid(doc, ["Nhóm cơ quan", "Số cơ quan", "Đúng hạn", "Nộp muộn", "Chưa có báo cáo được tiếp nhận"], rows,
              [w - 4 * 2.4, 2.4, 2.4, 2.4, 2.4], align=["left", "center", "center", "center", "center"])
    form.para(doc, "", after=0)


def _results(doc, report: Report, states: list[TaskState]) -> None:
    plan = report.plan
    form.heading(doc, "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ, CHỈ TIÊU")
    figs_by_section: dict[str, list[ProvinceFigure]] = {}
    for f in report.indicators:
        figs_by_section.setdefault(plan.indicator(f.indicator).task.section, []).append(f)
    for k, s in enumerate(plan.sections, 1):
        form.heading(doc, f"{k}. {_title_case(s.title)}", 2)
        mine = [x for x in states if x.task.section == s.code]
        due = [x for x in mine if x.due]
        done = [x for x in due if x.completed]
        prov = [x for x in done if x.provisional]
        early = [x for x in mine if not x.due and x.completed]
        if due:
            text = f"Có {N(len(due))} nhiệm vụ đến hạn trong kỳ (kể cả nhiệm vụ thường xuyên), " + (
                f"đã hoàn thành {N(len(done))}" if done else "chưa có nhiệm vụ nào hoàn thành")
            if prov:
                text += f" (trong đó {N(len(prov))} nhiệm vụ tạm tính hoàn thành, còn cơ quan chưa báo cáo)"
            text += "."
        else:
            text = "Trong kỳ không có nhiệm vụ đến hạn."
        if early:
            text += f" Có {N(len(early))} nhiệm vụ chưa đến hạn đã hoàn thành."
        form.para(doc, text)
        figs = figs_by_section.get(s.code, [])
        v = Counter(f.verdict for f in figs)
        parts = [f"{N(v[x])} {x.vi.lower()}" for x in PV if v[x]]
        form.para(doc, f"Trong {N(len(figs))} chỉ tiêu của lĩnh vực: {', '.join(parts)}.")
        for f in figs:
            ind = plan.indicator(f.indicator)
            if not measure_of(ind).numeric:      # a task: told above, with the section's tasks
                continue
            form.bullet(doc, f"{indicator_words(ind)} (mục tiêu: {ind.target_vi()}): {figure_words(report, f)}"
                             f"{previous_words(report, f)}.")


_ACRONYMS = {"cchc", "tthc", "ubnd", "hđnd", "dvc", "cntt", "par", "sipas", "papi", "pci", "ict", "vpubnd", "kt-xh",
             "ktxh", "cbccvc", "cb", "cc", "vc", "ttg", "nđ-cp", "qđ", "bnv"}


def _title_case(title: str) -> str:
    """A section title written in capitals by the plan, as a sentence ("Cải cách thể chế"; acronyms such as
    CCHC and TTHC stay in capitals)."""
    if not title.isupper():
        return title
    words = [w if w.lower().strip("(),.;:") in _ACRONYMS else w.lower() for w in title.split(" ")]
    out = " ".join(words)
    return out[:1].upper() + out[1:]


def _shortfalls(doc, report: Report) -> None:
    plan = report.plan
    form.heading(doc, "III. NHỮNG NHIỆM VỤ, CHỈ TIÊU CHƯA ĐẠT HOẶC CHƯA CÓ SỐ LIỆU")
    not_met = [f for f in report.indicators if f.verdict in _NOT_MET]
    unknown = [f for f in report.indicators if f.verdict is PV.NOT_ASSESSABLE]
    form.heading(doc, "1. Chỉ tiêu chưa đạt", 2)
    if not not_met:
        form.para(doc, "Không có chỉ tiêu nào chưa đạt.")
    for f in not_met:
        ind = plan.indicator(f.indicator)
        form.bullet(doc, f"{indicator_words(ind)} (mục tiêu: {ind.target_vi()}): {figure_words(report, f)}; "
                         f"cơ quan chủ trì: {lead_words(ind.task)}.")
    form.heading(doc, "2. Chỉ tiêu chưa có số liệu để đánh giá", 2)
    if not unknown:
        form.para(doc, "Tất cả chỉ tiêu đều đã có số liệu.")
    for f in unknown:
        ind = plan.indicator(f.indicator)
        form.bullet(doc, f"{indicator_words(ind)}: cơ quan chủ trì: {lead_words(ind.task)}.")
    form.heading(doc, "3. Cơ quan chưa có báo cáo được tiếp nhận", 2)
    if not report.missing:
        form.para(doc, "Tất cả cơ quan, đơn vị, địa phương đều đã có báo cáo được tiếp nhận.")
    else:
        names = [plan.registry.name(a) for a in report.missing]
        form.para(doc, f"Còn {N(len(names))} cơ quan, đơn vị, địa phương chưa có báo cáo được tiếp nhận: "
                       f"{', '.join(names)}. "
                       f"Các chỉ tiêu các cơ quan này phải báo cáo được tính là chưa có số liệu; kết quả toàn tỉnh "
                       f"của các chỉ tiêu đó là tạm tính.")


def _voices(doc, report: Report) -> None:
    plan = report.plan
    form.heading(doc, "IV. KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT, KIẾN NGHỊ CỦA CÁC CƠ QUAN")
    for k, (field, label) in enumerate((("issues", "Khó khăn, vướng mắc"), ("proposals", "Đề xuất, kiến nghị")), 1):
        form.heading(doc, f"{k}. {label}", 2)
        said = voices(report, field)
        if not said:
            form.para(doc, "Các cơ quan chưa nêu nội dung nào.")
        for sec, items in said:
            form.heading(doc, f"- Lĩnh vực {sec}. {_title_case(plan.section(sec).title)}:", 3)
            for text, names in items:
                form.bullet(doc, f"{_sentence(text)} ({', '.join(names)})")


def _next(doc, report: Report, states: list[TaskState]) -> None:
    plan, period = report.plan, report.period
    nxt = next_period(period)
    form.heading(doc, f"V. NHIỆM VỤ TRỌNG TÂM QUÝ {_ROMAN[nxt.quarter]} NĂM {nxt.year}")
    if nxt.year != plan.year:
        form.para(doc, f"Các nhiệm vụ của {nxt.words_vi} theo kế hoạch cải cách hành chính năm {nxt.year} "
                       f"{form.BLANK}.")
    todo = [x for x in states if not x.completed and (due_in(x.task, nxt) or x.due)]
    ongoing = [x for x in todo if recurs(x.task)]
    dated = [x for x in todo if x not in ongoing]
    if dated:
        form.para(doc, "Tập trung hoàn thành các nhiệm vụ đến hạn hoặc đã quá hạn chưa hoàn thành:")
        for x in dated:
            form.bullet(doc, f"{x.task.title} (thời hạn: {x.task.deadline}; chủ trì: {lead_words(x.task)}).")
    if ongoing:
        form.para(doc, "Tiếp tục thực hiện các nhiệm vụ thường xuyên:")
        for x in ongoing:
            form.bullet(doc, f"{x.task.title} (chủ trì: {lead_words(x.task)}).")
    if not todo:
        form.para(doc, "Các nhiệm vụ đến hạn đều đã hoàn thành.")
    form.para(doc, form.BLANK)


def _landscape(doc) -> None:
    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Mm(297), Mm(210)
    sec.top_margin = sec.bottom_margin = Mm(form.MARGINS_MM["top"])
    sec.left_margin, sec.right_margin = Mm(form.MARGINS_MM["left"]), Mm(form.MARGINS_MM["right"])


def _appendix_title(doc, number: str, title: str, report: Report) -> None:
    form.para(doc, number, bold=True, align="center", after=0)
    form.para(doc, title, bold=True, align="center", after=0)
    form.para(doc, f"(Kèm theo Báo cáo số {form.BLANK}/BC-{form.BLANK} ngày {form.BLANK} của {form.BLANK})",
              italic=True, align="center", after=6)


def _appendix_indicators(doc, report: Report) -> None:
    plan = report.plan
    _landscape(doc)
    _appendix_title(doc, "Phụ lục I", f"KẾT QUẢ CÁC CHỈ TIÊU {report.period.words_vi.upper()}", report)
    rows = []
    for f in report.indicators:
        ind = plan.indicator(f.indicator)
        unit = _unit(report, f)
        each = _agencies_met(f)
        value = ("" if f.value is None or f.verdict is PV.NOT_ASSESSABLE
                 else each if each is not None else N(f.value, "%" if unit == "%" else ""))
        p = report.previous.get(f.indicator)
        prev = ("" if p is None or p.value is None
                else (_agencies_met(p) or "") if each is not None else N(p.value, "%" if unit == "%" else ""))
        shown_unit = EACH_UNIT if each is not None else "" if unit == "%" else unit
        rows.append([ind.code, indicator_words(ind), ind.target_vi(), value, shown_unit, f.verdict.vi,
                     f"{N(f.assessed)}/{N(f.required - f.not_applicable)}", prev])
    w = form.usable_width_cm(doc)
    fixed = [1.6, 5.0, 2.2, 1.8, 3.2, 2.3, 2.0]
    form.grid(doc, ["Mã", "Chỉ tiêu", "Mục tiêu", "Kết quả toàn tỉnh", "Đơn vị tính", "Đánh giá",
                    "Có số liệu / phải báo cáo", "Kỳ trước"], rows,
              [fixed[0], w - sum(fixed), *fixed[1:]], size=10,
              align=["left", "left", "left", "right", "left", "left", "center", "right"])
    form.para(doc, "Ghi chú: \"tạm tính\" là kết quả tính trên các cơ quan đã có số liệu; còn cơ quan chưa có số "
                   "liệu nên kết quả có thể thay đổi. Cột \"Có số liệu / phải báo cáo\" không tính các cơ quan "
                   "không phát sinh.", size=11, before=6)


def _appendix_agencies(doc, report: Report, as_of) -> None:
    plan = report.plan
    doc.add_page_break()
    _appendix_title(doc, "Phụ lục II", "TÌNH HÌNH BÁO CÁO VÀ KẾT QUẢ THEO CƠ QUAN", report)
    by_agency: dict[str, Counter] = {}
    for r in report.results:
        by_agency.setdefault(r.agency, Counter())[r.verdict] += 1
    rows = []
    for k, x in enumerate(collection(report, as_of), 1):
        c = by_agency.get(x.agency, Counter())
        total = sum(c.values())
        judged = sum(n for v, n in c.items() if v.assessed or v is Verdict.NOT_APPLICABLE)
        failed = sum(n for v, n in c.items() if v.value in _FAILED)
        rows.append([N(k), plan.registry.name(x.agency), plan.registry.group_of(x.agency).name,
                     x.label_vi(), N(total), N(c[Verdict.MET]), N(failed), N(total - judged)])
    w = form.usable_width_cm(doc)
    fixed = [1.0, 5.0, 2.6, 2.0, 1.6, 1.8, 2.6]
    form.grid(doc, ["TT", "Cơ quan", "Nhóm", "Báo cáo", "Số chỉ tiêu", "Đạt", "Chưa đạt", "Chưa đánh giá được"],
              rows, [fixed[0], w - sum(fixed), *fixed[1:]], size=10,
              align=["center", "left", "left", "left", "center", "center", "center", "center"])
