"""Report → the consolidated provincial workbook (xlsxwriter), in Vietnamese, print-ready.

Every text that came from an agency is written with ``write_string``: text that starts
with ``=``, ``+``, ``-`` or ``@`` stays text and never becomes a formula.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path
from typing import Callable

import xlsxwriter

from .layout import row_height
from .collector import gc_paused
from .outputs import atomic_path
from .periods import Period
from .measures import measure_of
from .report import ACCEPTED, Report, tally
from .style import (BOLD_CELL, MET_COLOUR, MET_PROVISIONAL_COLOUR, NOT_RETURNED_COLOUR, PERIOD_COLOURS,
                    RETURNED_COLOUR, SIZE, TITLE_SIZE, UPRIGHT_HEADER, WORKBOOK_OPTIONS, consolidated_formats,
                    figure_format, ok, toned_figure_formats)
from .tablesheet import TableSheet
from .textfit import BODY, fit_height, font_of, line_count, one_line_chars, row_points, text_points, width_for
from .vocab import ZONE_VI, ProvinceVerdict, ReturnStatus, Role, Verdict, format_time, vietnam_time

# colours of verdicts: good (green), bad (red), warn (amber), part (light green: provisional or a
# contribution), none (grey)
_PV = ProvinceVerdict
PROVINCE_TONE = {_PV.MET: "good", _PV.NOT_MET: "bad", _PV.PROVISIONAL_MET: "part", _PV.PROVISIONAL_NOT_MET: "warn",
                 _PV.NOT_APPLICABLE: "none", _PV.NOT_ASSESSABLE: "warn", _PV.NOT_DUE: "none"}
AGENCY_TONE = {Verdict.MET: "good", Verdict.NOT_MET: "bad", Verdict.CONTRIBUTES: "part",
               Verdict.NOT_APPLICABLE: "none", Verdict.MISSING_DATA: "warn", Verdict.MISSING_EVIDENCE: "warn",
               Verdict.INVALID: "warn", Verdict.NOT_RETURNED: "bad", Verdict.OVERDUE: "bad",
               Verdict.IN_PROGRESS_NOT_DUE: "none", Verdict.NOT_STARTED_NOT_DUE: "warn"}
SHORT = {Verdict.MET: "Đ", Verdict.NOT_MET: "C", Verdict.CONTRIBUTES: "G", Verdict.NOT_APPLICABLE: "K",
         Verdict.MISSING_DATA: "?", Verdict.MISSING_EVIDENCE: "M", Verdict.INVALID: "!", Verdict.NOT_RETURNED: "–",
         Verdict.OVERDUE: "Q", Verdict.IN_PROGRESS_NOT_DUE: "T", Verdict.NOT_STARTED_NOT_DUE: "X"}
RETURN_TONE = {ReturnStatus.ACCEPTED: "good", ReturnStatus.REJECTED: "bad", ReturnStatus.SUPERSEDED: "warn",
               ReturnStatus.SKIPPED: "none"}
VERDICT_NOTES = (
    "Cách đánh giá toàn tỉnh: \"Đạt\"/\"Chưa đạt\" là kết quả chắc chắn — đủ số liệu của mọi cơ quan phải báo cáo, "
    "hoặc số liệu còn thiếu không thể làm thay đổi kết quả. \"(tạm tính, 34/38)\": mới có số liệu dùng được của 34 "
    "trong 38 cơ quan; kết quả có thể đổi khi đủ báo cáo.",
    "\"Không đánh giá được\": chưa cơ quan nào có số liệu dùng được (chưa nộp, bỏ trống, số liệu chưa hợp lệ hoặc "
    "thiếu minh chứng). \"Không phát sinh\": mọi cơ quan phải báo cáo đều báo không phát sinh.",
    "Với chỉ tiêu tính theo tỷ lệ cơ quan đạt (\"100% các cơ quan...\"), cơ quan chưa nộp hoặc chưa có số liệu "
    "được tính là chưa đạt. Tỷ lệ đạt của mỗi lĩnh vực tính trên tổng số chỉ tiêu của lĩnh vực.",
    "\"Chưa đến hạn\": nhiệm vụ có thời hạn sau kỳ báo cáo (ví dụ \"Trong năm 2024\" ở báo cáo quý I, 6 tháng, quý III) "
    "và chưa được mọi cơ quan hoàn thành — không tính là chưa đạt, không tính vào tỷ lệ đạt; đến hạn mà chưa hoàn thành "
    "là \"Chưa đạt (quá hạn)\".",
)
SEVERITY_VI = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}
EACH_UNIT = "CQ đạt / số CQ"
RULE_VI = {"ratio": "Σ tử số / Σ mẫu số", "sum": "Tổng các cơ quan", "each": "Tỷ lệ cơ quan đạt"}
# the inputs generate may prefill from last period (Result.carried), named as the columns of "Dữ liệu"
CARRIED_VI = {"status": "Tình trạng", "evidence": "Minh chứng", "doc_date": "Ngày văn bản",
              "baseline": "Số liệu năm gốc"}


def _n(x: Fraction | None):
    return None if x is None else (int(x) if x.denominator == 1 else round(float(x), 2))


def write_consolidated(report: Report, path: str | Path) -> Path:
    """Write the consolidated workbook atomically (a unique temporary file, then a rename)."""
    with atomic_path(path) as tmp:
        render_consolidated(report, tmp)
    return Path(path)


def render_consolidated(report: Report, path: Path) -> None:
    """Write the consolidated workbook to ``path`` as it is (the caller makes it atomic)."""
    with gc_paused():
        wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
        _Consolidated(wb, report).write()
        wb.close()


SUMMARY_WIDTH = 125   # Tổng hợp's section table: printed at 80%, 11 pt at 8.8 pt
PAGE_WIDTH = 100      # column-width units that fit across A4 landscape at 100% (LibreOffice, measured)
MIN_PRINT_SCALE = 75  # 11 pt prints at 8.25 pt at least


_MEMO_TEXT = 200          # a table's texts up to this long have their line counts remembered ...
_MEMO_CELLS = 8_192       # ... the first this many of each column (a column of texts that never repeat, such as
                          # the evidence, fills its own share; the agencies' names, 4,200 of them, keep theirs)

class _Consolidated:
    def __init__(self, wb, report: Report):
        self.wb, self.r = wb, report
        plan, per = report.plan, report.period
        wb.set_properties({"title": f"Tổng hợp {per.label_vi} - {plan.title}", "author": "parxl",
                           "company": plan.province,
                           "created": dt.datetime.combine(per.due, dt.time(17, 0))})
        # marks the workbook as ours (a later merge skips it if it is dropped among the returns) and
        # pairs it with the JSON report of the same run
        ok(wb.set_custom_property("parxl_output", "consolidated"), "custom property")
        ok(wb.set_custom_property("parxl_inputs", report.inputs_digest()), "custom property")
        self.f = {k: wb.add_format(p) for k, p in consolidated_formats().items()}
        self.res_by_agency = defaultdict(list)
        for x in report.results:
            self.res_by_agency[x.agency].append(x)
        self.ret_by_agency = {e.agency: e for e in report.returns if e.status == ACCEPTED}
        self.verdict_of = {(x.agency, x.indicator): x.verdict for x in report.results}
        self.widths: dict[str, list[float]] = {}
        # an agency's code on one line wherever a column holds codes (THANGBINH, DONGGIANG: 13.5)
        self.code_width = width_for(report.plan.reporting_agencies(), least=9)

    def write(self):
        self._summary()
        self._indicators()
        if self.r.trend is not None:
            self._trend()
        self._agencies()
        self._voices()
        self._missing()
        if self.r.year_returns is not None:
            self._timeliness()
        self._findings()
        if self.r.changes:
            self._resubmissions()
        for section in self.r.plan.sections:
            self._matrix(section)
        self._long()
        self._files()

    # -- helpers --------------------------------------------------------------------------
    def _sheet(self, name, title, headers, widths, key_cols=1, repeat_header=True):
        ws = self.wb.add_worksheet(name, worksheet_class=TableSheet)
        self.widths[name] = widths
        # titles wrap within the table's width: text overflowing to the right would print extra pages
        self._line(ws, 0, title, self.f["title"], stacked=True)
        self._line(ws, 1, f"{self.r.plan.title} — {self.r.period.label_vi} ({self.r.period.code})", self.f["sub"])
        for c, (h, w) in enumerate(zip(headers, widths)):
            ws.write_string(3, c, h, self.f["h"])
            ws.set_column(c, c, w)
        bold = font_of(self.f["h"])
        ws.set_row(3, fit_height([(w, h, bold) for w, h in zip(widths, headers)], least=32))   # headers wrap whole
        ws.freeze_panes(4, key_cols)
        if repeat_header:
            ws.repeat_rows(3)
        self._paper(ws, sum(widths), key_cols)
        return ws

    def _line(self, ws, row: int, text: str, fmt, stacked: bool = False) -> None:
        """A line of text across the table's columns on the first printed page, wrapped, its row tall enough
        (``stacked``: a title, with room for the marks stacked over Vietnamese capitals)."""
        widths = self.widths[ws.name][:self._first_page_columns(ws.name)]
        if len(widths) > 1:
            ws.merge_range(row, 0, row, len(widths) - 1, text, fmt)
        else:
            ws.write_string(row, 0, text, fmt)
        ws.set_row(row, fit_height([(widths, text, font_of(fmt))], stacked=stacked))

    def _first_page_columns(self, name: str) -> int:
        """How many of a sheet's columns print on its first page across (all of them, unless the sheet is wider
        than a page at the least scale)."""
        widths, used = self.widths[name], 0.0
        for k, w in enumerate(widths):
            used += w
            if used > PAGE_WIDTH * 100 / MIN_PRINT_SCALE:
                return max(1, k)
        return len(widths)

    def _paper(self, ws, width: float, key_cols: int = 1) -> None:
        """A4 landscape, readable: one page wide when that keeps text at 8 pt or more, else at 75% over
        several pages with the key columns repeated; a footer with the report and the page x/y."""
        ws.set_landscape()
        ws.set_paper(9)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        scale = min(100, int(100 * PAGE_WIDTH / width))
        ws.set_print_scale(max(scale, MIN_PRINT_SCALE))
        if key_cols:            # a column band on a page of its own still says whose row it is
            ws.repeat_columns(0, key_cols - 1)
        # the footer is scaled with the page too: 11 pt prints at 8.25 pt or more
        ok(ws.set_footer(f"&L&11{self.r.period.label_vi} — tổng hợp&C&11{ws.name}&R&11Trang &P/&N"), "footer")

    def _screen_only(self, ws, last_col: int, what: str) -> None:
        """A sheet read on screen (long tables): its printout is the heading and a line saying so."""
        self._line(ws, 2, f"Bảng này dùng để xem, lọc, lập bảng tổng hợp trên máy; khi in chỉ in phần tiêu đề. "
                          f"{what}", self.f["sub"])
        widths, used, last = self.widths[ws.name], 0.0, 0
        for k, w in enumerate(widths[:last_col + 1]):      # as many columns as one page holds
            used += w
            if used > PAGE_WIDTH * 100 / MIN_PRINT_SCALE:
                break
            last = k
        ws.print_area(0, 0, 3, last)

    def _reasons(self, counts) -> dict[str, str]:
        """Per file, the message of its first finding that ``counts``: why it was not used."""
        out: dict[str, str] = {}
        for f in self.r.findings:
            if f.file and f.file not in out and counts(f):
                out[f.file] = f.message
        return out

    def _notes(self, ws, row: int, ncols: int = 10) -> int:
        """The verdict words explained, under a table that uses them; returns the next free row."""
        widths, font = self.widths[ws.name][:ncols], font_of(self.f["note"])
        for k, note in enumerate(VERDICT_NOTES):
            ws.merge_range(row + k, 0, row + k, ncols - 1, note, self.f["note"])
            ws.set_row(row + k, fit_height([(widths, note, font)]))
        return row + len(VERDICT_NOTES)

    def _value(self, v, fmt="t"):
        """A report value as a cell: (what is written, its format)."""
        fm = self.f[fmt]
        if v is None or v.__class__ is str:
            return v, fm
        if isinstance(v, bool):
            return ("Có" if v else "Không"), fm
        if isinstance(v, (int, float)):
            return v, fm
        if isinstance(v, Fraction):
            return _n(v), fm
        if isinstance(v, dt.datetime):          # one zone for every time shown: Vietnam time
            return vietnam_time(v).replace(tzinfo=None), self.f["d"]
        if isinstance(v, dt.date):
            return dt.datetime.combine(v, dt.time()), self.f["day"]
        return str(v), fm

    def _cell(self, ws, r, c, v, fmt="t"):
        ws.write_cell(r, c, *self._value(v, fmt))

    def _rows(self, ws, rows, fmts=None, start=4, chunk=1000, autofilter=True):
        """Write a table body (any iterable of rows, consumed a chunk at a time so a long table is never
        held twice); a cell given as (value, format key) overrides the column's format."""
        widths = self.widths.get(ws.name, ())
        nwidths = len(widths)
        short = [one_line_chars(w) for w in widths]    # a text this short cannot wrap: not measured
        lines: list[dict[str, int]] = [{} for _ in widths]     # per column, text → lines: a table repeats its texts
        keys = column_formats = None
        body, heights, count, ncols = [], [], 0, 0
        value = self._value
        for row in rows:
            if keys is None:
                keys = fmts or ["t"] * len(row)
                column_formats = [self.f[k] for k in keys]
                ncols = len(row)
            cells, most = list(row), 1          # a str, None or number as it is (its column's format), else a pair
            for c, v in enumerate(cells):
                kind = v.__class__
                if kind is str:
                    text = v
                elif v is None or kind is int or kind is float:
                    continue
                else:
                    cell = cells[c] = value(*v) if kind is tuple else value(v, keys[c])
                    text = cell[0]
                    if text.__class__ is not str:
                        continue
                if c < nwidths and (len(text) > short[c] or "\n" in text):
                    memo = lines[c]
                    n = memo.get(text)
                    if n is None:
                        n = line_count(text, widths[c])
                        if len(text) <= _MEMO_TEXT and len(memo) < _MEMO_CELLS:
                            memo[text] = n
                    if n > most:
                        most = n
            body.append(cells)
            heights.append(row_points(most, BODY.size))   # layout.row_height of the row's texts, all in the body font
            if len(body) == chunk:
                ws.write_rows(start + count, body, heights, column_formats)
                count += len(body)
                body, heights = [], []
        ws.write_rows(start + count, body, heights, column_formats or ())
        count += len(body)
        if count and autofilter:
            ws.autofilter(3, 0, start + count - 1, ncols - 1)

    # -- sheets ---------------------------------------------------------------------------
    def _summary(self):
        """The first page: the quarter in one sentence, then each section's indicators by verdict with the share
        met for good beside the share met counting the provisional, the share of the data asked for that is in,
        and (with a ledger) the previous period's share and the change; the returns received and how late."""
        r, plan = self.r, self.r.plan
        order = [_PV.MET, _PV.PROVISIONAL_MET, _PV.NOT_MET, _PV.PROVISIONAL_NOT_MET, _PV.NOT_ASSESSABLE,
                 _PV.NOT_APPLICABLE]
        order += [v for v in _PV if v not in order]
        prev = r.previous_period if r.previous else None
        heads = ["Mục", "Lĩnh vực", "Số chỉ tiêu", *[v.vi for v in order], "Tỷ lệ đạt (%)",
                 "Tỷ lệ đạt kể cả tạm tính (%)", "Số liệu đã có (%)"]
        widths = [self.code_width, 0, 6.5, *[6.5] * len(order), 8, 8.5, 8]
        if prev:
            heads += [f"Tỷ lệ đạt {period_short(prev)} (%)", "Thay đổi (điểm %)"]
            widths += [8, 7.5]
        widths[1] = max(26.0, SUMMARY_WIDTH - sum(widths))     # the section titles take the room left
        ws = self._sheet("Tổng hợp", "TỔNG HỢP KẾT QUẢ THỰC HIỆN KẾ HOẠCH NÂNG CAO CHỈ SỐ CCHC", heads, widths,
                         repeat_header=False)
        secs = r.by_section()
        section_of = {i.code: i.task.section for i in plan.indicators}
        before = {}
        if prev:
            for s in plan.sections:
                figs = [f for k, f in r.previous.items() if section_of.get(k) == s.code]
                before[s.code] = tally(s.code, s.title, figs)["share_met"] if figs else None
        whole = tally("", "Toàn tỉnh", list(r.indicators))
        if prev:
            before[""] = tally("", "", list(r.previous.values()))["share_met"] if r.previous else None
        rows = []
        for s in [*secs, whole]:
            row = [s["code"] or None, s["title"], s["indicators"], *[s[v.value] for v in order], s["share_met"],
                   s["share_met_with_provisional"], s["coverage"]]
            if prev:
                b = before.get(s["code"])
                row += [b, None if b is None or s["share_met"] is None else s["share_met"] - b]
            rows.append(row)
        fmts = ["t", "t", "n"] + ["n"] * len(order) + ["r", "r", "r"] + (["r", "dr"] if prev else [])
        self._rows(ws, rows, fmts, autofilter=False)
        times = r.return_times()
        late = [a for a in plan.reporting_agencies() if times.late_days(a)]
        c = r.counts()
        n_agencies = len(plan.reporting_agencies())
        got = n_agencies - c["missing"]
        prov = whole["provisional_met"] + whole["provisional_not_met"]
        self._line(ws, 2, f"Đã nhận báo cáo hợp lệ của {got}/{n_agencies} cơ quan ({len(late)} nộp muộn, "
                          f"{c['missing']} chưa nộp). {whole['met']}/{whole['indicators']} chỉ tiêu đạt"
                          + (f", {whole['provisional_met']} đạt tạm tính" if whole["provisional_met"] else "")
                          + (f"; {prov} chỉ tiêu còn tạm tính, sẽ có kết quả chắc chắn khi đủ báo cáo" if prov else "")
                          + ".", self.f["lead"])
        end = 4 + len(rows)
        sev = Counter(f.severity.value for f in r.findings)
        facts = [("Cơ quan phải báo cáo", n_agencies), ("Nộp đúng hạn", got - len(late)), ("Nộp muộn", len(late)),
                 ("Chưa nộp", c["missing"]), ("Tệp hợp lệ", c["accepted"]), ("Tệp bị từ chối", c["rejected"]),
                 ("Tệp bị thay thế (nộp lại)", c["superseded"]), ("Lỗi", sev.get("error", 0)),
                 ("Cảnh báo", sev.get("warning", 0)), ("Thông tin", sev.get("info", 0))]
        # across the page, under the section table: a heading row and a row of counts
        ws.write_string(end + 1, 0, "Tình hình nhận báo cáo", self.f["heading"])
        ws.set_row(end + 1, fit_height([(widths[:3], "Tình hình", font_of(self.f["heading"]))], stacked=True))
        spans = [(1, 2)] + [(k, k) for k in range(3, 3 + len(facts) - 1)]
        for (a, b), (k, v) in zip(spans, facts):
            if a == b:
                ws.write_string(end + 2, a, k, self.f["h"])
                ws.write_number(end + 3, a, v, self.f["n"])
            else:
                ws.merge_range(end + 2, a, end + 2, b, k, self.f["h"])
                ws.merge_range(end + 3, a, end + 3, b, v, self.f["n"])
        ws.set_row(end + 2, fit_height([(widths[a:b + 1], k, font_of(self.f["h"])) for (a, b), (k, _) in
                                        zip(spans, facts)]))
        at = end + 4
        if late:
            days = {a: times.late_days(a) for a in late}
            note = "Nộp muộn: " + "; ".join(f"{plan.registry.name(a)} ({days[a]} ngày)" for a in late) + \
                f" — hạn nộp {r.period.due:%d/%m/%Y}, tính theo ngày giờ Việt Nam."
            ws.merge_range(at, 1, at, len(heads) - 1, note, self.f["note"])
            ws.set_row(at, fit_height([(widths[1:], note, font_of(self.f["note"]))]))
            at += 1
        share_col = 3 + len(order)
        chart = self.wb.add_chart({"type": "column"})
        for col, name, color in ((share_col, "Đạt (%)", MET_COLOUR),
                                 (share_col + 1, "Đạt, kể cả tạm tính (%)", MET_PROVISIONAL_COLOUR)):
            chart.add_series({"name": name, "categories": ["Tổng hợp", 4, 0, 3 + len(secs), 0],
                              "values": ["Tổng hợp", 4, col, 3 + len(secs), col], "fill": {"color": color},
                              "data_labels": {"value": True, "num_format": "0", "font": {"size": SIZE}}})
        chart.set_title({"name": "Tỷ lệ chỉ tiêu đạt theo lĩnh vực", "name_font": {"size": TITLE_SIZE}})
        chart.set_y_axis({"min": 0, "max": 100, "major_unit": 20, "name": "%", "num_font": {"size": SIZE},
                          "name_font": {"size": SIZE}})
        chart.set_x_axis({"num_font": {"size": SIZE}})
        chart.set_legend({"position": "bottom", "font": {"size": SIZE}})
        at = self._notes(ws, at + 1, len(heads))
        chart_at = at           # right under the notes: a blank row here could spill to a page of its own
        ws.insert_chart(chart_at, 0, chart, {"x_scale": 2.0, "y_scale": 1.0})   # two labels a section, apart
        # the chart on a page of its own, then the table by lead agency on the next
        top = chart_at + 16
        ws.set_h_pagebreaks([chart_at, top])
        ws.write_string(top, 0, "Kết quả theo cơ quan chủ trì (xếp theo tỷ lệ đạt)", self.f["heading"])
        ws.set_row(top, fit_height([(widths[:6], "Kết quả", font_of(self.f["heading"]))], stacked=True))
        heads = ["Mã", "Cơ quan chủ trì", "Số chỉ tiêu chủ trì", "Đạt", "Chưa đạt", "Đã ghi nhận vào tổng tỉnh",
                 "Không phát sinh", "Chưa đánh giá được", "Tỷ lệ đạt (%)"]
        for k, h in enumerate(heads):
            ws.write_string(top + 1, k, h, self.f["h"])
        ws.set_row(top + 1, fit_height([(w, h, font_of(self.f["h"])) for w, h in zip(widths, heads)]))
        lead_of = {(rep.agency, i.code) for i in plan.indicators for rep in i.reporters if rep.kind is Role.LEAD}
        rows = []
        for a in plan.reporting_agencies():
            mine = [x for x in self.res_by_agency[a] if (a, x.indicator) in lead_of]
            if not mine:
                continue
            st = Counter(Verdict.NOT_MET if x.verdict.failed else x.verdict for x in mine)
            judged = st[Verdict.MET] + st[Verdict.NOT_MET]
            rows.append([a, plan.registry.name(a), len(mine), st[Verdict.MET], st[Verdict.NOT_MET],
                         st[Verdict.CONTRIBUTES], st[Verdict.NOT_APPLICABLE],
                         len(mine) - judged - st[Verdict.CONTRIBUTES] - st[Verdict.NOT_APPLICABLE],
                         st[Verdict.MET] * 100 / judged if judged else None])
        rows.sort(key=lambda x: (x[8] is None, -(x[8] or 0), x[0]))
        for i, row in enumerate(rows):
            for k, v in enumerate(row):
                self._cell(ws, top + 2 + i, k, v, ["t", "t", "n", "n", "n", "n", "n", "n", "r"][k])
            ws.set_row(top + 2 + i, fit_height([(widths[0], row[0]), (widths[1], row[1])]))
        ws.repeat_rows(top + 1)

    def _indicators(self):
        """Each indicator's province figure in its unit, its verdict, the data behind it and, with a ledger, the
        previous period's figure and the change beside it."""
        r, plan = self.r, self.r.plan
        prev = r.previous_period if r.previous else None
        heads = ["Mã chỉ tiêu", "Chỉ tiêu", "Mục tiêu", "Cách tính toàn tỉnh", "Giá trị toàn tỉnh",
                 "Tử số · năm nay · số CQ đạt", "Mẫu số · năm gốc · số CQ áp dụng", "Đánh giá",
                 "Cơ quan có số liệu / phải báo cáo", "Không phát sinh", "Cơ quan tự đạt"]
        widths = [9, 24, 14, 11, 9, 9, 9, 13, 9, 8, 7]
        if prev:
            heads += [f"{period_short(prev)}", "Thay đổi"]
            widths += [9, 8]
        ws = self._sheet("Chỉ tiêu", "KẾT QUẢ TOÀN TỈNH THEO CHỈ TIÊU", heads, widths, key_cols=1)
        rows = []
        for fig in r.indicators:
            i = plan.indicator(fig.indicator)
            unit = measure_of(i).unit(i, fig.rule)
            fmt = figure_format(unit, fig.value)
            row = [i.code, i.label, i.target_vi(), RULE_VI[fig.rule] + (f" ({unit})" if unit else ""),
                   (_n(fig.value), fmt), (_n(fig.numerator), figure_format(None, fig.numerator)),
                   (_n(fig.denominator), figure_format(None, fig.denominator)),
                   (fig.verdict_vi(), PROVINCE_TONE.get(fig.verdict, "t")),
                   f"{fig.assessed + fig.not_applicable + fig.not_due}/{fig.required}", fig.not_applicable, fig.met]
            if prev:
                p = r.previous.get(fig.indicator)
                old = p.value if p is not None else None
                row += [(_n(old), figure_format(unit, old)) if old is not None else
                        (p.verdict.vi if p is not None else None),
                        None if old is None or fig.value is None else
                        (_n(fig.value - old), "d" + figure_format(unit, fig.value - old))]
            rows.append(row)
        self._rows(ws, rows, ["t", "t", "t", "t", "p", "n", "n", "t", "small", "n", "n"] + (["t", "t"] if prev else []))
        end = self._notes(ws, 4 + len(rows) + 1, len(heads))
        if prev:
            note = (f"Cột \"{period_short(prev)}\": giá trị toàn tỉnh kỳ trước (sổ theo dõi); \"Thay đổi\": giá trị kỳ này "
                    f"trừ kỳ trước, cùng đơn vị (với tỷ lệ: điểm phần trăm).")
            ws.merge_range(end, 0, end, len(heads) - 1, note, self.f["note"])
            ws.set_row(end, fit_height([(widths, note, font_of(self.f["note"]))]))

    def _agencies(self):
        plan = self.r.plan
        due = self.r.period.due
        ws = self._sheet("Cơ quan", "TÌNH HÌNH BÁO CÁO THEO CƠ QUAN",
                         ["Mã", "Cơ quan", "Nhóm", f"Nộp báo cáo (hạn {due:%d/%m/%Y})",
                          f"Thời điểm lưu tệp ({ZONE_VI})", "Số chỉ tiêu", "Đạt",
                          "Chưa đạt", "Đã ghi nhận (tổng tỉnh)", "Không phát sinh", "Chưa đánh giá được", "Số lỗi"],
                         [self.code_width, 26.5, 16.5, 10, 14, 7, 6, 7, 9, 9, 8.5, 6], key_cols=2)
        errors = Counter(f.agency for f in self.r.findings if f.severity.value == "error")
        rows = []
        times = self.r.return_times()
        for a in plan.reporting_agencies():
            st = Counter(Verdict.NOT_MET if x.verdict.failed else x.verdict for x in self.res_by_agency[a])
            e = self.ret_by_agency.get(a)
            total = sum(st.values())
            done = st[Verdict.MET] + st[Verdict.NOT_MET] + st[Verdict.CONTRIBUTES] + st[Verdict.NOT_APPLICABLE]
            late = times.late_days(a)
            when = ("Chưa nộp", "bad") if not e else ("Đúng hạn", "good") if not late else (f"Muộn {late} ngày", "warn")
            rows.append([a, plan.registry.name(a), plan.registry.group_of(a).name, when, e.saved_at if e else None, total, st[Verdict.MET], st[Verdict.NOT_MET], st[Verdict.CONTRIBUTES],
                         st[Verdict.NOT_APPLICABLE], total - done, errors.get(a, 0)])
        self._rows(ws, rows, ["t", "t", "t", "t", "d", "n", "n", "n", "n", "n", "n", "n"])
        # chart: returns received by agency group
        groups = []
        for a in plan.reporting_agencies():
            g = plan.registry.group_of(a).name
            if g not in groups:
                groups.append(g)
        # by group, on a page of its own: the group's name in the wide column B, counts beside it
        base = 4 + len(rows) + 2
        ws.set_h_pagebreaks([base])
        for col, head in ((1, "Nhóm cơ quan"), (2, "Đã nộp"), (3, "Chưa nộp")):
            ws.write_string(base, col, head, self.f["h"])
        for k, g in enumerate(groups):
            members = [a for a in plan.reporting_agencies() if plan.registry.group_of(a).name == g]
            got = sum(a in self.ret_by_agency for a in members)
            ws.write_string(base + 1 + k, 1, g, self.f["t"])
            ws.write_number(base + 1 + k, 2, got, self.f["n"])
            ws.write_number(base + 1 + k, 3, len(members) - got, self.f["n"])
        chart = self.wb.add_chart({"type": "bar", "subtype": "stacked"})
        for col, name, color in ((2, "Đã nộp", RETURNED_COLOUR), (3, "Chưa nộp", NOT_RETURNED_COLOUR)):
            chart.add_series({"name": name, "categories": ["Cơ quan", base + 1, 1, base + len(groups), 1],
                              "values": ["Cơ quan", base + 1, col, base + len(groups), col],
                              "fill": {"color": color}})
        chart.set_title({"name": "Báo cáo đã nhận theo nhóm cơ quan", "name_font": {"size": TITLE_SIZE}})
        chart.set_x_axis({"num_font": {"size": SIZE}})
        chart.set_y_axis({"num_font": {"size": SIZE}})
        chart.set_legend({"font": {"size": SIZE}})
        ws.insert_chart(base + len(groups) + 2, 1, chart, {"x_scale": 1.4})

    def _matrix(self, section):
        """One sheet per plan section: agencies × that section's indicators, readable on paper."""
        plan = self.r.plan
        inds = [i for i in plan.indicators if i.task.section == section.code]
        if not inds:
            return
        reporting = {rep.agency for i in inds for rep in i.reporters}
        agencies = [a for a in plan.reporting_agencies() if a in reporting]
        name = f"Ma trận {section.code}"
        ws = self._sheet(name, f"MA TRẬN CƠ QUAN × CHỈ TIÊU — {section.code}. {section.title}",
                         ["Mã", "Cơ quan", *[i.code for i in inds]], [self.code_width, 30, *[4.5] * len(inds)], key_cols=2)
        self._line(ws, 2, "Đ: đạt; C: chưa đạt; Q: chưa đạt (quá hạn); T: đang thực hiện (chưa đến hạn); X: chưa thực "
                          "hiện (chưa đến hạn); G: đã ghi nhận vào tổng tỉnh; K: không phát sinh; ?: thiếu số liệu; "
                          "M: thiếu minh chứng; !: số liệu chưa hợp lệ; –: chưa nộp; ô xám: không giao", self.f["sub"])
        vert = self.wb.add_format(UPRIGHT_HEADER)
        for k, i in enumerate(inds):
            ws.write_string(3, 2 + k, i.code, vert)
        # the codes stand upright: the row is as tall as the longest, with a margin
        ws.set_row(3, max(32.0, max(text_points(i.code, font_of(vert)) for i in inds) + 10))
        verdict = self.verdict_of
        marks = {v: (SHORT.get(v, "?"), self.f["small_" + AGENCY_TONE.get(v, "warn")]) for v in Verdict}
        not_assigned = (None, self.f["small_none"])
        text = self.f["t"]
        widths = self.widths[name]
        ws.write_rows(4, [[(a, text), (plan.registry.name(a), text),
                           *[marks.get(verdict.get((a, i.code)), not_assigned) for i in inds]]
                          for a in agencies],
                      [fit_height([(widths[0], a), (widths[1], plan.registry.name(a))]) for a in agencies])

    def _voices(self):
        """What the agencies say: their difficulties and proposals, by section and agency."""
        plan = self.r.plan
        ws = self._sheet("Khó khăn, đề xuất", "KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT, KIẾN NGHỊ CỦA CÁC CƠ QUAN",
                         ["Lĩnh vực", "Cơ quan", "Mã chỉ tiêu", "Chỉ tiêu", "Khó khăn, vướng mắc", "Đề xuất, kiến nghị"],
                         [6, 20, 9, 24, 36, 36], key_cols=0)
        section_of = {i.code: i.task.section for i in plan.indicators}
        order = {s.code: k for k, s in enumerate(plan.sections)}
        said = [x for x in self.r.results if x.issues or x.proposals]
        said.sort(key=lambda x: (order[section_of[x.indicator]], plan.registry.name(x.agency), x.indicator))
        rows = [[section_of[x.indicator], plan.registry.name(x.agency), x.indicator, plan.indicator(x.indicator).label,
                 x.issues, x.proposals] for x in said]
        if not rows:
            rows = [["", "Chưa có cơ quan nào nêu khó khăn hoặc đề xuất.", "", "", "", ""]]
        self._rows(ws, rows)

    def _missing(self):
        plan = self.r.plan
        ws = self._sheet("Chưa nộp", "CÁC CƠ QUAN CHƯA CÓ BÁO CÁO HỢP LỆ",
                         ["Mã", "Cơ quan", "Nhóm", "Số chỉ tiêu phải báo cáo", "Tệp đã nhận nhưng không dùng được"],
                         [self.code_width, 34, 20, 10, 50])
        why = self._reasons(lambda f: f.rejects)
        rows = []
        files_of = _unused_files(self.r.returns)
        for a in self.r.missing:
            tried = [f"{e.file}: {why.get(e.file, e.status.vi)}" for e in files_of(a)]
            rows.append([a, plan.registry.name(a), plan.registry.group_of(a).name, len(plan.assignments(a)),
                         "\n".join(tried) or None])
        self._rows(ws, rows, ["t", "t", "t", "n", "t"])

    def _timeliness(self):
        """Đúng hạn cả năm: each agency's return in each period of the year recorded so far (the ledger's earlier
        periods, this one from its own returns), as reporting-rate tables show it: late amber, not returned or
        refused red, and the returns on time of those due under each period."""
        from .documents.collection import Standing, collection
        from .documents.timeliness import timeliness_of, timeliness_table
        r, plan = self.r, self.r.plan
        t = timeliness_of(r.year_returns, plan, r.period.year,
                          judged={r.period.code: collection(r, as_of=r.period.due)})
        heads, rows = timeliness_table(t, plan)
        n = len(t.periods)
        # each period's cells on one line; the names too when the page has room for them (up to three periods)
        period_width = width_for([*heads[2:], *(text for row in rows for text in row[2:])], least=10)
        name_width = max(30.0, min(width_for([row[1] for row in rows]),
                                   PAGE_WIDTH - self.code_width - period_width * n))
        ws = self._sheet("Đúng hạn cả năm", f"TÌNH HÌNH NỘP BÁO CÁO CÁC KỲ TRONG NĂM {t.year}", heads,
                         [self.code_width, name_width, *[period_width] * n], key_cols=2)
        self._line(ws, 2, "Mỗi ô: báo cáo của cơ quan trong kỳ đó theo sổ theo dõi — \"Đúng hạn\"; \"Muộn n ngày\" "
                          "(vàng): nộp sau hạn n ngày; \"Chưa nộp\" hoặc \"Bị từ chối\" (đỏ: đã gửi tệp nhưng không "
                          "dùng được). Ô trống: cơ quan không phải báo cáo kỳ đó. Các kỳ trước tính theo hạn nộp "
                          "mặc định của kỳ.", self.f["sub"])
        tone = {Standing.ON_TIME: "small", Standing.LATE: "small_warn", Standing.MISSING: "small_bad",
                Standing.REFUSED: "small_bad"}
        body = [[a, name, *[None if x is None else (text, tone[x.standing]) for x, text in zip(cells, marks)]]
                for (a, name, *marks), (_a, cells) in zip(rows, t.rows)]
        self._rows(ws, body, ["t", "t", *["small"] * n])
        at, total = 4 + len(body), rows[-1]
        bold = self.wb.add_format(BOLD_CELL)
        bold_centre = self.wb.add_format({**BOLD_CELL, "align": "center"})
        ws.write_blank(at, 0, None, bold)
        ws.write_string(at, 1, total[1], bold)
        for c, text in enumerate(total[2:], 2):
            ws.write_string(at, c, text, bold_centre)
        ws.set_row(at, fit_height([(name_width, total[1], font_of(bold))]))

    def _findings(self):
        ws = self._sheet("Lỗi & cảnh báo", "LỖI, CẢNH BÁO VÀ THÔNG TIN KHI ĐỌC BÁO CÁO",
                         ["Mức độ", "Mã lỗi", "Cơ quan", "Tệp", "Sheet", "Ô", "Chỉ tiêu", "Nội dung"],
                         [8, 20, self.code_width, 20, 14, 6, 9, 42.5], key_cols=0)
        order = {"error": 0, "warning": 1, "info": 2}
        rows = []
        for f in sorted(self.r.findings, key=lambda f: order[f.severity.value]):
            fm = {"error": "bad", "warning": "warn", "info": "t"}[f.severity.value]
            rows.append([(SEVERITY_VI[f.severity.value], fm), f.code, f.agency, f.file, f.sheet, f.cell,
                         f.indicator, f.message])
        self._rows(ws, rows)

    def _long(self):
        """Dữ liệu: one row per agency × indicator.  When a return still holds values that generate prefilled from
        last period (``generate --ledger``), a last column names those inputs, so that carried values can be told
        from typed ones; without any, the sheet is as before (the column would be empty)."""
        plan = self.r.plan
        carried = any(x.carried for x in self.r.results)
        heads = ["Mã cơ quan", "Cơ quan", "Nhóm", "Lĩnh vực", "Mã nhiệm vụ", "Mã chỉ tiêu", "Chỉ tiêu",
                 "Mục tiêu", "Vai trò", "Tình trạng", "Tử số", "Mẫu số", "Kết quả", "Số liệu năm gốc",
                 "Giá trị đánh giá", "Chênh lệch so với mục tiêu", "Đánh giá", "Minh chứng", "Ngày văn bản",
                 "Khó khăn, vướng mắc", "Đề xuất, kiến nghị", "Tệp", "Sheet", "Ô"]
        widths = [11, 30, 18, 7, 11, 11, 40, 20, 14, 14, 9, 9, 9, 11, 11, 11, 13, 30, 12, 30, 30, 26, 18, 7]
        if carried:
            heads, widths = heads + ["Điền sẵn từ kỳ trước"], widths + [24]
        ws = self._sheet("Dữ liệu", "DỮ LIỆU CHI TIẾT (MỖI DÒNG MỘT CƠ QUAN × CHỈ TIÊU)", heads, widths, key_cols=2)
        self._screen_only(ws, len(heads) - 1, "Mỗi dòng là một cơ quan × một chỉ tiêu, kèm tệp, sheet và ô nguồn.")
        role = {(rep.agency, i.code): rep.role for i in plan.indicators for rep in i.reporters}
        indicator = {i.code: (i.task.section, i.task.code, i.code, i.label, i.target_vi()) for i in plan.indicators}
        agency = {a: (a, plan.registry.name(a), plan.registry.group_of(a).name) for a in plan.reporting_agencies()}
        verdict = {v: (v.vi, AGENCY_TONE.get(v, "warn")) for v in Verdict}
        rows = ([*agency[x.agency], *indicator[x.indicator], role[(x.agency, x.indicator)],
                 x.reported_status.vi if x.reported_status else None, _n(x.numerator), _n(x.denominator),
                 _n(x.current), _n(x.baseline), _n(x.value), _n(x.gap), verdict[x.verdict], x.evidence,
                 (x.doc_date, "day") if x.doc_date else None, x.issues, x.proposals, x.file,
                 x.sheet, x.cell, *([carried_vi(x.carried)] if carried else [])] for x in self.r.results)
        self._rows(ws, rows, ["t"] * 10 + ["x", "x", "x", "x", "p", "p"] + ["t"] * (8 + int(carried)))

    def _files(self):
        ws = self._sheet("Tệp nhận được", "CÁC TỆP ĐÃ NHẬN",
                         ["Tệp", "Cơ quan", "Trạng thái", "Lý do", "Mã biểu mẫu", f"Thời điểm lưu tệp ({ZONE_VI})", "Phần mềm",
                          "SHA-256"], [34, 11, 13, 50, 30, 17, 26, 66], key_cols=1)
        self._screen_only(ws, 7, "Mọi tệp trong thư mục nhận báo cáo, với trạng thái và lý do.")
        first = self._reasons(lambda f: f.rejects or f.code in ("file.output-skipped", "file.not-spreadsheet"))
        rows = [[e.file, e.agency, (e.status.vi, RETURN_TONE[e.status]), _why(e, first.get(e.file)), e.template_id,
                 e.modified, e.application, e.sha256] for e in self.r.returns]
        self._rows(ws, rows, ["t", "t", "t", "t", "t", "d", "t", "t"])



    # -- the year (parxl.ledger) ------------------------------------------------------------
    def _trend(self):
        """Diễn biến: each section's share of indicators met and each indicator's province figure, period by
        period through the year so far (the same period of last year first, when the ledger has it)."""
        r, plan = self.r, self.r.plan
        series = dict(sorted(r.trend.items()))
        series[r.period.code] = {f.indicator: f for f in r.indicators}
        codes = list(series)
        heads = ["Mã", "Chỉ tiêu / lĩnh vực", "Mục tiêu", "Đơn vị", *[period_short(c) for c in codes]]
        widths = [9, 34, 16, 7, *[10] * len(codes)]
        ws = self._sheet("Diễn biến", "DIỄN BIẾN QUA CÁC KỲ BÁO CÁO TRONG NĂM", heads, widths, key_cols=2,
                         repeat_header=False)
        self._line(ws, 2, "Theo lĩnh vực: tỷ lệ chỉ tiêu đạt (%) trên tổng số chỉ tiêu của lĩnh vực. Theo chỉ tiêu: "
                          "giá trị toàn tỉnh của từng kỳ; màu ô là kết quả đánh giá của kỳ đó (xanh: đạt; xanh nhạt: "
                          "đạt tạm tính; đỏ: chưa đạt; vàng: chưa đạt tạm tính hoặc không đánh giá được; xám: không "
                          "phát sinh). Ô trống: sổ theo dõi chưa có kỳ đó. Chỉ tiêu tính theo tỷ lệ cơ quan đạt (nhiệm vụ "
                          "hoàn thành, \"100% các cơ quan...\"): số cơ quan đạt / số cơ quan tính.", self.f["sub"])
        section_of = {i.code: i.task.section for i in plan.indicators}
        rows = []
        for sec in plan.sections:
            inds = [i.code for i in plan.indicators if i.task.section == sec.code]
            if not inds:
                continue
            row = [sec.code, sec.title, f"{len(inds)} chỉ tiêu", "% đạt"]
            for c in codes:
                figs = [f for k, f in series[c].items() if section_of.get(k) == sec.code]
                row.append(tally(sec.code, sec.title, figs)["share_met"] if figs else None)
            rows.append(row)
        for i, row in enumerate(rows):       # no autofilter here: the indicator table below shares the columns
            for c, v in enumerate(row):
                self._cell(ws, 4 + i, c, v, "r" if c >= 4 else "t")
            ws.set_row(4 + i, row_height([(widths[1], row[1]), (widths[2], row[2])]))
        chart = self.wb.add_chart({"type": "column"})
        colors = PERIOD_COLOURS
        for k, c in enumerate(codes):
            chart.add_series({"name": ["Diễn biến", 3, 4 + k], "categories": ["Diễn biến", 4, 0, 3 + len(rows), 0],
                              "values": ["Diễn biến", 4, 4 + k, 3 + len(rows), 4 + k],
                              "fill": {"color": colors[k % len(colors)]}})
        chart.set_title({"name": "Tỷ lệ chỉ tiêu đạt theo lĩnh vực qua các kỳ (%)", "name_font": {"size": TITLE_SIZE}})
        chart.set_y_axis({"min": 0, "max": 100, "name": "%", "num_font": {"size": SIZE}, "name_font": {"size": SIZE}})
        chart.set_x_axis({"num_font": {"size": SIZE}})
        chart.set_legend({"position": "bottom", "font": {"size": SIZE}})
        end = 4 + len(rows) + 1
        ws.insert_chart(end, 0, chart, {"x_scale": 1.6, "y_scale": 0.9})
        top = end + 16
        ws.set_h_pagebreaks([end, top])
        for c, h in enumerate(heads):
            ws.write_string(top, c, h, self.f["h"])
        ws.set_row(top, fit_height([(w, h, font_of(self.f["h"])) for w, h in zip(widths, heads)], least=32))
        # one number format per unit, as on Chỉ tiêu, in the verdict's tone
        tone_fmt = {k: self.wb.add_format(p) for k, p in toned_figure_formats().items()}
        for n, ind in enumerate(plan.indicators):
            at = top + 1 + n
            now = series[r.period.code].get(ind.code)
            unit = measure_of(ind).unit(ind, now.rule) if now is not None else ind.unit
            if now is not None and now.rule == "each":      # a share of agencies: said as "3/4", not "75,00 %"
                unit = EACH_UNIT
            texts = [(widths[1], ind.label), (widths[2], ind.target_vi()), (widths[3], unit)]
            for c, v in enumerate((ind.code, ind.label, ind.target_vi(), unit)):
                self._cell(ws, at, c, v or None)
            for k, c in enumerate(codes):
                f = series[c].get(ind.code)
                col = 4 + k
                if f is None:
                    ws.write_blank(at, col, None, self.f["t"])
                elif f.value is None:
                    ws.write_string(at, col, f.verdict.vi, tone_fmt[PROVINCE_TONE.get(f.verdict, "none"), "n"])
                    texts.append((widths[col], f.verdict.vi))
                elif f.rule == "each" and f.denominator:
                    ws.write_string(at, col, f"{_n(f.numerator)}/{_n(f.denominator)}",
                                    tone_fmt[PROVINCE_TONE.get(f.verdict, "none"), "each"])
                else:
                    ws.write_number(at, col, _n(f.value),
                                    tone_fmt[PROVINCE_TONE.get(f.verdict, "none"), figure_format(unit, f.value)])
            ws.set_row(at, row_height(texts))
        ws.repeat_rows(top)

    def _resubmissions(self):
        """Nộp lại: what each agency changed, cell by cell, when its return replaced an earlier one."""
        from .resubmissions import display
        from .vocab import FIELD_VI
        plan = self.r.plan
        ws = self._sheet("Nộp lại", "NỘI DUNG THAY ĐỔI KHI CƠ QUAN NỘP LẠI BÁO CÁO",
                         ["Mã", "Cơ quan", "Mã chỉ tiêu", "Nội dung", "Giá trị cũ", "Giá trị mới", "Ô (tệp mới)",
                          "Tệp cũ", "Tệp mới"], [10, 22, 9, 13, 18, 18, 7, 22, 22], key_cols=3)
        rows = []
        for c in self.r.changes:
            old = f"{c.old_file} (lần tổng hợp trước, số {c.old_run})" if c.old_run else c.old_file
            rows.append([c.agency, plan.registry.name(c.agency), c.indicator, FIELD_VI.get(c.field, c.field),
                         display(c.field, c.old), display(c.field, c.new), c.cell, old, c.new_file])
        self._rows(ws, rows, ["t", "t", "t", "t", "x", "x", "t", "t", "t"])


def carried_vi(keys: tuple[str, ...]) -> str | None:
    """The inputs a row still holds as generate prefilled them, named as the columns of "Dữ liệu"."""
    names = [CARRIED_VI[k] for k in CARRIED_VI if k in keys] + [k for k in keys if k not in CARRIED_VI]
    return ", ".join(names) or None


def period_short(code: str) -> str:
    """``2024-Q2`` → ``6 tháng 2024``: a period as a column heading."""
    return Period.parse(code).heading_vi


def _unused_files(returns) -> Callable[[str], list]:
    """Files received for an agency that could not be used: by the identity they claim, else by a file
    name that carries the agency's code (a broken file has no readable identity); in the order received.
    Indexed in one pass, so listing every missing agency does not scan every file for each."""
    claimed: dict[str, list[int]] = defaultdict(list)
    named: dict[str, list[int]] = defaultdict(list)
    unused = [e for e in returns if e.status is not ReturnStatus.ACCEPTED]
    for k, e in enumerate(unused):
        if e.agency is not None:
            claimed[e.agency].append(k)
        else:
            for token in dict.fromkeys(re.split(r"[^a-z0-9]+", e.file.lower())):
                named[token].append(k)
    return lambda agency: [unused[k] for k in sorted(claimed.get(agency, []) + named.get(agency.lower(), []))]


_SOURCE_VI = {"document": "thời điểm lưu ghi trong tệp", "file": "thời điểm của tệp trên đĩa"}
_TIE_VI = {"file_time": "; trùng thời điểm lưu với bản khác (đến từng giây): chọn bản có thời điểm của tệp trên đĩa "
                        "muộn hơn",
           "name": "; trùng thời điểm lưu và thời điểm của tệp trên đĩa với bản khác: chọn bản có tên tệp xếp sau "
                   "cùng"}


def _why(e, rejection: str | None) -> str | None:
    """Why this file has its status: which return won for the agency and by what time, or why it was not used."""
    when = (f"lưu lúc {format_time(e.saved_at)} {ZONE_VI} ({_SOURCE_VI[e.saved_source]})"
            if e.saved_at and e.saved_source else "không xác định được thời điểm lưu")
    if e.status is ReturnStatus.ACCEPTED:
        return f"Bản mới nhất trong {e.rivals + 1} bản hợp lệ: {when}{_TIE_VI.get(e.tie, '')}" if e.rivals else None
    if e.status is ReturnStatus.SUPERSEDED:
        return f"Đã có bản mới hơn: {e.superseded_by}; bản này {when}"
    return rejection
