"""Findings: problems in the data, as values.

A :class:`Finding` has a stable dotted code from :data:`CATALOG`, a severity, a
location (file, agency, sheet, cell, indicator), the value seen and the value
expected, and a message rendered from the catalog in Vietnamese (for the people
who read the workbooks) or English (for logs).  Tests assert codes, not wording.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Iterable, Iterator


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    vi: str
    en: str
    rejects: bool = False  # the whole return is rejected when this is found
    room: int = 80         # characters of {seen} and {expected} shown (longer texts are cut with "...")


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

_CODES = [
    # -- the file itself -------------------------------------------------------
    Code("file.empty", E, "Tệp rỗng (0 byte).", "The file is empty (0 bytes).", True),
    Code("file.not-xlsx", E, "Tệp không phải là sổ tính Excel .xlsx hợp lệ (tệp bị hỏng, hoặc được lưu ở định "
                             "dạng khác).",
         "Not a valid .xlsx workbook ({seen}).", True),
    Code("file.legacy-xls", E, "Tệp ở định dạng Excel 97-2003 (.xls); hãy lưu lại dưới dạng .xlsx.",
         "Legacy Excel 97-2003 (.xls) file; save it as .xlsx.", True),
    Code("file.encrypted", E, "Tệp được đặt mật khẩu mở; hãy gửi lại bản không mật khẩu.",
         "The file is password-encrypted; ask for an unencrypted copy.", True),
    Code("file.too-large", E, "Tệp vượt giới hạn an toàn khi giải nén ({seen}; tối đa {expected}).",
         "The file exceeds the safe unpacked-size limits ({seen}; at most {expected}).", True),
    Code("file.not-regular", E, "Mục {seen} không phải là tệp thông thường (thư mục, FIFO, thiết bị...); không mở.",
         "{seen} is not a regular file (folder, FIFO, device...); not opened.", True),
    Code("file.unreadable", E, "Không đọc được tệp ({seen}).", "The file cannot be read ({seen}).", True),
    Code("file.outside-folder", E, "Liên kết tượng trưng trỏ ra ngoài thư mục nhận báo cáo ({seen}); không đọc.",
         "A symbolic link leading outside the returns folder ({seen}); not read.", True),
    Code("file.folder-unreadable", E, "Không đọc được thư mục con {seen}: các tệp trong đó chưa được tổng hợp.",
         "Sub-folder {seen} cannot be read: the files in it were not merged.", False),
    Code("file.bad-name", W, "Tên tệp không phải UTF-8 hợp lệ; hiển thị là {seen}.",
         "The file name is not valid UTF-8; shown as {seen}.", False),
    Code("file.same-name", W, "Trong thư mục có tệp khác trùng tên khi tên được viết theo cùng một chuẩn Unicode (thường là tệp gửi từ máy Mac); tệp này được ghi là {seen} để không lẫn với tệp kia.",
         "Another file in the folder has the same name once both are written in the same Unicode form (often a file sent from a Mac); this one is shown as {seen} to keep the two apart.", False),
    Code("file.not-spreadsheet", I, "Tệp {seen} không phải sổ tính (.xlsx, .xlsm, .ods); không đọc.",
         "{seen} is not a spreadsheet (.xlsx, .xlsm, .ods); not read.", False),
    Code("file.output-skipped", I, "Tệp {seen} là kết quả tổng hợp của parxl, không phải báo cáo; bỏ qua.",
         "{seen} is an output of parxl, not a return; skipped.", False),
    Code("file.reader-crashed", E, "Trình đọc bị dừng bất thường khi mở tệp ({seen}); tệp bị bỏ qua, các tệp khác vẫn được tổng hợp.",
         "The reader crashed on this file ({seen}); it was skipped, the other files were merged.", True),
    Code("file.too-slow", E, "Đọc tệp quá {expected} giây; đã dừng. Hãy yêu cầu gửi lại tệp.",
         "Reading the file took over {expected} s; stopped. Ask for the file again.", True),
    Code("file.too-much-work", E, "Đọc tệp cần xử lý quá nhiều ({seen}; tối đa {expected}), thường do hàng chục triệu ô trống; "
         "đã dừng. Hãy yêu cầu lưu lại tệp từ biểu mẫu đã phát hành.",
         "Reading the file takes too much work ({seen}; at most {expected}), usually tens of millions of empty "
         "cells; stopped. Ask for the file to be saved again from the issued template.", True),
    Code("file.much-work", I, "Đọc tệp cần xử lý nhiều ({seen} phần tử XML; giới hạn {expected}); tệp không được đọc lại "
         "để so sánh khi bị thay thế.",
         "Reading the file took much work ({seen} XML elements; limit {expected}); it is not read again for the "
         "comparison when superseded.", False),
    Code("file.findings-capped", W, "Còn {seen} phát hiện khác cùng mã {expected} trong tệp này không được liệt kê.",
         "{seen} more findings with code {expected} in this file are not listed.", False),
    Code("file.xml-entities", E, "Tệp chứa khai báo DOCTYPE/ENTITY trong phần {seen}; bị từ chối vì lý do an toàn.",
         "The file declares a DOCTYPE/ENTITY in part {seen}; refused for safety.", True),
    Code("file.external-link", W, "Tệp có liên kết tới nguồn dữ liệu bên ngoài ({seen}). Số liệu tổng hợp không lấy từ liên kết này "
         "(ô nhập liệu có công thức đều bị từ chối); khi mở tệp bằng Excel, không chọn cập nhật liên kết.",
         "The file links to an outside data source ({seen}). Nothing merged comes from the link (input cells holding "
         "a formula are refused); when opening the file in Excel, do not update links.", False),
    # -- identity ----------------------------------------------------------------
    Code("identity.missing", E, "Không tìm thấy thông tin định danh của biểu mẫu (sheet ẩn _parxl); tệp không phải biểu mẫu do Sở Nội vụ phát hành.",
         "No template identity (hidden sheet _parxl): not a workbook issued by the secretariat.", True),
    Code("identity.incomplete", E, "Thông tin định danh thiếu trường {seen}.",
         "The template identity lacks field {seen}.", True),
    Code("identity.bad-signature", E, "Chữ ký số của biểu mẫu không hợp lệ: thông tin định danh đã bị sửa hoặc biểu mẫu không do Sở Nội vụ phát hành.",
         "The identity signature does not verify: edited identity, or not issued by the secretariat.", True),
    Code("identity.mismatch", E, "Thông tin định danh trong sheet ẩn ({seen}) khác với thuộc tính tài liệu ({expected}).",
         "The identity sheet ({seen}) disagrees with the document properties ({expected}).", True),
    Code("identity.other-plan", E, "Biểu mẫu thuộc kế hoạch khác ({seen}); kế hoạch đang tổng hợp: {expected}.",
         "The workbook belongs to another plan ({seen}); merging {expected}.", True),
    Code("identity.other-version", E, "Biểu mẫu được tạo từ phiên bản/bố cục khác của kế hoạch ({seen}); phiên bản hiện hành: {expected}.",
         "The workbook was made from another plan version or layout ({seen}); current: {expected}.", True),
    Code("identity.other-period", E, "Biểu mẫu của kỳ báo cáo {seen}, không phải kỳ {expected}.",
         "The workbook is for period {seen}, not {expected}.", True),
    Code("identity.unknown-agency", E, "Cơ quan {seen} không có trong danh mục cơ quan hoặc không được giao biểu mẫu này.",
         "Agency {seen} is not in the registry or was not issued this workbook.", True),
    Code("identity.borrowed", E, "Thông tin định danh đã ký là của biểu mẫu {expected}, nhưng ô {cell_name} của sổ tính ghi "
         "mã biểu mẫu {seen}: thông tin định danh đã bị chép từ tệp của cơ quan khác; tệp không được tính cho cơ quan nào.",
         "The signed identity is that of template {expected}, but cell {cell_name} of the workbook shows template "
         "{seen}: the identity was copied from another agency's file; the file counts for no agency.", True),
    Code("identity.no-key", W, "Không có khóa bí mật: chưa kiểm tra được chữ ký số.",
         "No secret key: the signature was not verified.", False),
    # -- layout ----------------------------------------------------------------------
    Code("layout.sheet-missing", E, "Thiếu sheet nhập liệu {expected}.", "Input sheet {expected} is missing.", False),
    Code("layout.sheet-unknown", I, "Sheet {seen} không thuộc biểu mẫu; không được đọc.",
         "Sheet {seen} is not part of the template; not read.", False),
    Code("layout.cell-outside", W, "Có {seen} ô có dữ liệu nằm ngoài vùng của biểu mẫu (ô đầu tiên: {cell_name}); không được đọc.",
         "{seen} cells with data lie outside the template's area (first: {cell_name}); not read.", False),
    Code("layout.sheet-renamed", W, "Sheet {expected} đã bị đổi tên thành {seen}; vẫn đọc được.",
         "Sheet {expected} was renamed to {seen}; read anyway.", False),
    Code("layout.header-missing", E, "Không tìm thấy dòng tiêu đề hoặc cột {expected} trong sheet.",
         "Header row or column {expected} not found on the sheet.", False),
    Code("layout.column-moved", W, "Cột {expected} đã bị di chuyển (nay ở cột {seen}); vẫn đọc theo tiêu đề.",
         "Column {expected} moved (now column {seen}); read by its header.", False),
    Code("layout.locked-cell-edited", E, "Ô khóa đã bị sửa: {seen} (biểu mẫu ghi: {expected}).",
         "A locked cell was edited: {seen} (template says: {expected}).", True),
    # -- rows ------------------------------------------------------------------------
    Code("row.missing", E, "Thiếu dòng chỉ tiêu {indicator}.", "Indicator row {indicator} is missing.", False),
    Code("row.duplicate", E, "Dòng chỉ tiêu {indicator} xuất hiện nhiều lần; không dùng dòng nào.",
         "Indicator row {indicator} appears more than once; none is used.", False),
    Code("row.unknown", W, "Mã chỉ tiêu lạ {seen}; dòng bị bỏ qua.", "Unknown indicator code {seen}; row ignored.", False),
    Code("row.moved", I, "Dòng chỉ tiêu {indicator} đã bị đổi vị trí; vẫn đọc theo mã.",
         "Indicator row {indicator} moved; read by its code.", False),
    # -- values ----------------------------------------------------------------------
    Code("value.coerced", I, "Đã chuẩn hóa giá trị {seen} thành {expected}.",
         "Normalised {seen} to {expected}.", False),
    Code("value.not-a-number", E, "Giá trị {seen} không phải là số.", "Value {seen} is not a number.", False),
    Code("value.not-whole", E, "Giá trị {seen} phải là số nguyên.", "Value {seen} must be a whole number.", False),
    Code("value.negative", E, "Giá trị {seen} không được âm.", "Value {seen} must not be negative.", False),
    Code("value.implausible", W, "Giá trị {seen} vượt xa mức hợp lý của chỉ tiêu (tối đa {expected}); hãy kiểm tra lại.",
         "Value {seen} is far beyond what the indicator can be (at most {expected}); check it.", False),
    Code("value.error-cell", E, "Ô chứa lỗi Excel {seen}.", "The cell holds an Excel error {seen}.", False),
    Code("value.numerator-gt-denominator", E, "Tử số ({seen}) lớn hơn mẫu số ({expected}).",
         "Numerator ({seen}) exceeds denominator ({expected}).", False),
    Code("value.zero-denominator", I, "Mẫu số bằng 0: không phát sinh trường hợp nào trong kỳ; chỉ tiêu được tính là Không phát sinh.",
         "Denominator is 0: no case arose in the period; the indicator counts as not applicable.", False),
    Code("value.dot-not-thousands", W, "Số {seen} nhập dạng chữ có dấu chấm không phải phân cách hàng nghìn; theo cách viết Việt Nam đã đọc là {expected}. Nếu là số thập phân, hãy dùng dấu phẩy.",
         "Number {seen}, typed as text, has a dot that does not group thousands; read in Vietnamese notation as {expected}. Use a comma for decimals.", False),
    Code("value.ambiguous-comma", E, "Số {seen} nhập dạng chữ không rõ cách viết: dấu phẩy đứng trước đúng ba chữ số có thể là "
         "dấu thập phân hoặc dấu phân cách hàng nghìn ({expected}); giá trị không được dùng. Hãy nhập lại: dấu phẩy "
         "cho phần thập phân, dấu chấm phân cách hàng nghìn.",
         "Number {seen}, typed as text, is ambiguous: a comma before exactly three digits may be a decimal comma or "
         "a thousands separator ({expected}); not used. Type it again: comma for decimals, dot for thousands.", False),
    Code("value.zero-baseline", E, "Số liệu năm gốc bằng 0: không tính được mức thay đổi.",
         "Baseline is 0: no change can be computed.", False),
    Code("value.fraction-for-percent", W, "Giá trị {seen} có vẻ được nhập dưới dạng phân số; chỉ tiêu tính theo %, đã hiểu là {expected}%.",
         "Value {seen} looks like a fraction typed into a percentage; read as {expected}%.", False),
    Code("value.missing", W, "Chưa nhập {expected}.", "{expected} is not filled in.", False),
    Code("value.bad-status", E, "Tình trạng {seen} không thuộc danh mục ({expected}).",
         "Status {seen} is not one of ({expected}).", False),
    Code("value.bad-date", E, "Ngày {seen} không đọc được (định dạng dd/mm/yyyy).",
         "Date {seen} cannot be read (dd/mm/yyyy).", False),
    Code("value.date-future", W, "Ngày văn bản {seen} sau ngày hết hạn nộp {expected}.",
         "Document date {seen} is after the due date {expected}.", False),
    Code("value.date-outside-window", W, "Ngày văn bản {seen} nằm ngoài kỳ số liệu {expected}.",
         "Document date {seen} is outside the data window {expected}.", False),
    Code("value.evidence-missing", E, "Tình trạng \"Hoàn thành\" nhưng chưa có minh chứng.",
         "Status \"Hoàn thành\" without evidence.", False),
    Code("value.text-too-long", W, "Nội dung dài {seen} ký tự, vượt giới hạn {expected}; đã cắt bớt.",
         "Text of {seen} characters exceeds {expected}; truncated.", False),
    Code("value.formula", E, "Ô nhập liệu chứa công thức ({seen}) chứ không phải số liệu nhập trực tiếp; giá trị của công "
         "thức không được dùng. Hãy nhập giá trị (hoặc sao chép rồi Dán đặc biệt → Chỉ giá trị).",
         "The input cell holds a formula ({seen}), not a typed figure; its result is not used. Type the value "
         "(or copy, then Paste Special → Values only).", False),
    Code("value.formula-text", W, "Nội dung bắt đầu bằng ký tự công thức ({seen}); được giữ nguyên dưới dạng văn bản.",
         "Text starts with a formula character ({seen}); kept as text.", False),
    # -- returns ---------------------------------------------------------------------
    Code("return.superseded", I, "Tệp đã được thay thế bởi bản nộp mới hơn {expected}.",
         "Superseded by the newer return {expected}.", False),
    Code("return.missing", W, "Cơ quan chưa nộp báo cáo.", "The agency has not returned its workbook.", False),
    Code("return.blank", E, "Sổ tính chưa có số liệu nào ở các ô nhập liệu (biểu mẫu để trống): không phải là báo cáo; "
         "cơ quan vẫn được tính là chưa nộp.",
         "No input cell of the workbook holds anything (a blank template): not a return; the agency still counts "
         "as not returned.", True),
    Code("return.late-received", W, "Báo cáo nhận ngày {seen} (giờ Việt Nam, theo sổ nhận), sau hạn {expected}.",
         "The return was received on {seen} (Vietnam time, by the receipt log), after the due date {expected}.",
         False),
    Code("receipt.bad-row", W, "Sổ nhận (so-nhan.csv) dòng {cell_name} không dùng được: \"{seen}\"; cần có cột "
         "{expected} (ngày dạng dd/mm/yyyy, có thể kèm giờ hh:mm). Các báo cáo không có trong sổ nhận được xét "
         "đúng hạn theo thời điểm lưu tệp.",
         "Row {cell_name} of the receipt log (so-nhan.csv) cannot be used: \"{seen}\"; columns {expected} are "
         "needed (a date as dd/mm/yyyy, optionally with hh:mm). Returns not in the log are judged by their save "
         "time.", False),
    Code("receipt.unknown-file", W, "Sổ nhận (so-nhan.csv) ghi tệp \"{seen}\" nhưng thư mục báo cáo không có tệp "
         "này (tên viết sai, hoặc tệp đã bị chuyển đi).",
         "The receipt log (so-nhan.csv) names the file \"{seen}\", which the returns folder does not hold (a "
         "misspelt name, or a file moved away).", False),
    Code("return.reissued-untouched", E, "Sổ tính được gửi lại để sửa, bổ sung báo cáo {seen} nhưng cơ quan chưa sửa "
         "gì: không phải là báo cáo mới; báo cáo đã gửi trước vẫn được dùng.",
         "The workbook re-issued to correct the return {seen} came back with nothing changed: not a new return; "
         "the return sent before still stands.", True),
    Code("return.carried-only", E, "Sổ tính chỉ có số liệu được điền sẵn từ báo cáo kỳ trước, cơ quan chưa nhập hay sửa "
         "gì: không phải là báo cáo của kỳ này; cơ quan vẫn được tính là chưa nộp.",
         "The workbook holds only the values prefilled from last period's return; the agency typed or changed "
         "nothing: not a return for this period; the agency still counts as not returned.", True),
    Code("return.carried-unchanged", W, "Mọi chỉ tiêu của sổ tính vẫn là số liệu điền sẵn từ kỳ trước (nhiệm vụ đã hoàn "
         "thành), cơ quan không sửa gì: được tính là báo cáo, đề nghị xác nhận lại với cơ quan.",
         "Every row of the workbook still holds what was prefilled from last period (tasks completed then) and "
         "nothing was changed: counted as a return; confirm it with the agency.", False),
    Code("return.clock-future", W, "Thời điểm lưu tệp ghi trong tệp ({seen}, giờ Việt Nam) ở tương lai; dùng thời điểm của tệp trên đĩa ({expected}) để chọn bản mới nhất.",
         "The save time recorded in the file ({seen}, Vietnam time) is in the future; the file's own time ({expected}) decides which return is newest.", False),
    Code("return.clock-before-issue", W, "Thời điểm lưu tệp ghi trong tệp ({seen}, giờ Việt Nam) trước ngày phát hành biểu mẫu ({expected}); "
         "dùng thời điểm của tệp trên đĩa để chọn bản mới nhất.",
         "The save time recorded in the file ({seen}, Vietnam time) is before the template was issued ({expected}); "
         "the file's own time decides which return is newest.", False),
    Code("return.no-save-time", I, "Tệp không ghi thời điểm lưu; dùng thời điểm của tệp trên đĩa ({expected}, giờ Việt Nam) để chọn bản mới nhất.",
         "The file records no save time; the file's own time ({expected}, Vietnam time) decides which return is newest.", False),
    Code("return.file-clock-future", W, "Không xác định được thời điểm nộp: tệp không ghi thời điểm lưu dùng được và thời điểm của tệp "
         "trên đĩa ({seen}, giờ Việt Nam) ở tương lai. Bản này chỉ được dùng khi cơ quan không có bản nào khác có thời điểm.",
         "When the file was returned is unknown: it records no usable save time and the file's own time ({seen}, "
         "Vietnam time) is in the future. It is used only if the agency has no other return with a time.", False),
    Code("return.late", W, "Báo cáo nộp sau hạn {expected}: tệp lưu lần cuối lúc {seen} (giờ Việt Nam).",
         "Returned after the due date {expected}: last saved at {seen} (Vietnam time).", False),
    Code("return.late-file-time", W, "Báo cáo có thể đã nộp sau hạn {expected}: tệp không ghi thời điểm lưu dùng được, thời điểm "
         "của tệp trên đĩa là {seen} (giờ Việt Nam). Thời điểm này có thể là lúc tệp được chép hoặc tải về; hãy đối chiếu "
         "với ngày nhận.",
         "Possibly returned after the due date {expected}: the file records no usable save time and the file's own "
         "time is {seen} (Vietnam time). That may be when the file was copied or downloaded; check the date received.",
         False),
    # -- the year so far (parxl.history_checks, with a ledger) ------------------------------------
    Code("history.shrank", W, "Số liệu cộng dồn ({seen}) thấp hơn số cơ quan đã báo cáo trước đó trong năm: {expected}. "
         "Số liệu các kỳ trong năm đều tính từ 15/12 năm trước nên không thể giảm; hãy kiểm tra lại với cơ quan.",
         "The cumulative figure ({seen}) is below what the agency reported earlier in the year: {expected}. The "
         "year's periods all count from 15 December of the year before, so it cannot shrink; check it with the "
         "agency.", False, 240),
    Code("history.baseline-changed", W, "Số liệu năm gốc {seen} khác số cơ quan đã báo cáo trước đó trong năm: "
         "{expected}. Số liệu của năm gốc đã qua không thay đổi; hãy kiểm tra lại với cơ quan.",
         "The baseline-year figure {seen} differs from what the agency reported earlier in the year: {expected}. "
         "A past year's figure does not change; check it with the agency.", False, 240),
    Code("history.outlier", W, "Số liệu ({seen}) nằm ngoài khoảng hợp lý theo các kỳ trước của chính cơ quan: {expected}; "
         "hãy kiểm tra lại (có thể gõ thừa hoặc thiếu chữ số, hoặc nhầm đơn vị).",
         "The figure ({seen}) lies outside the range the agency's own earlier periods make plausible: {expected}; "
         "check it (a digit too many or too few, or another unit?).", False, 240),
]

CATALOG: dict[str, Code] = {c.code: c for c in _CODES}

# What an Amount counts, in Vietnamese and in English ({n}: the number); "more than" the same way.
UNITS = {
    "bytes": ("{n} B", "{n} B"),
    "unpacked": ("{n} B khi giải nén", "{n} B unpacked"),
    "entries": ("{n} mục trong tệp nén", "{n} zip entries"),
    "ratio": ("tỉ lệ nén {n}:1", "ratio {n}:1"),
    "sheets": ("{n} sheet", "{n} sheets"),
    "characters": ("{n} ký tự", "{n} characters"),
    "shared-strings": ("{n} chuỗi dùng chung", "{n} shared strings"),
    "xml-elements": ("{n} phần tử XML", "{n} XML elements"),
}
_MORE_THAN = ("hơn {amount}", "more than {amount}")


@dataclass(frozen=True)
class Amount:
    """A quantity a finding reports as its ``seen`` or ``expected`` (a limit, what passed it): data, worded by
    :data:`UNITS` in the message's language.  ``more``: more than ``count`` (counting stopped there);
    ``part``: the package part it concerns."""
    count: int
    unit: str
    more: bool = False
    part: str | None = None

    def words(self, vi: bool) -> str:
        text = UNITS[self.unit][0 if vi else 1].format(n=self.count)
        if self.more:
            text = _MORE_THAN[0 if vi else 1].format(amount=text)
        return f"{self.part}: {text}" if self.part else text

    def __str__(self) -> str:
        return self.words(vi=False)


@dataclass(frozen=True)
class Finding:
    code: str
    file: str | None = None
    agency: str | None = None
    sheet: str | None = None
    cell: str | None = None
    indicator: str | None = None
    seen: Any = None
    expected: Any = None

    def __post_init__(self):
        if self.code not in CATALOG:
            raise KeyError(f"finding code {self.code!r} is not in the catalog")

    @property
    def severity(self) -> Severity:
        return CATALOG[self.code].severity

    @property
    def rejects(self) -> bool:
        return CATALOG[self.code].rejects

    def _render(self, template: str, vi: bool) -> str:
        room = CATALOG[self.code].room
        return template.format(seen=_show(self.seen, room, vi), expected=_show(self.expected, room, vi),
                               indicator=self.indicator or "", cell_name=self.cell or "")

    @property
    def message(self) -> str:
        """The Vietnamese message, for the people who read the workbooks."""
        return self._render(CATALOG[self.code].vi, vi=True)

    @property
    def message_en(self) -> str:
        return self._render(CATALOG[self.code].en, vi=False)

    def where(self) -> str:
        parts = [p for p in (self.file, self.sheet and f"'{self.sheet}'", self.cell) if p]
        return "!".join(parts)

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity.value, "file": self.file,
                "agency": self.agency, "sheet": self.sheet, "cell": self.cell,
                "indicator": self.indicator, "message": self.message}


def _show(v: Any, room: int = 80, vi: bool = True) -> str:
    if v is None:
        return ""
    s = v.words(vi) if isinstance(v, Amount) else str(v)
    return s if len(s) <= room else s[:room - 3] + "..."


EMITS = frozenset({"file.findings-capped"})   # the codes this module adds (tests/test_catalog_coverage.py)
MAX_PER_CODE = 200  # findings of one code kept per file (above any genuine count: an agency has < 100 rows)


class Findings:
    """An ordered collection that checks append to; never raises on data problems.

    One file cannot bury the others: past :data:`MAX_PER_CODE` findings of one code, further
    ones are only counted, and iterating ends with one ``file.findings-capped`` per such code.
    """

    def __init__(self, items: Iterable[Finding] = (), cap: int = MAX_PER_CODE):
        self._items: list[Finding] = []
        self._count: dict[str, int] = {}
        self._dropped: dict[str, tuple[Finding, int]] = {}
        self.cap = cap
        self.extend(items)

    def _keep(self, f: Finding) -> bool:
        n = self._count.get(f.code, 0) + 1
        self._count[f.code] = n
        if n <= self.cap:
            return True
        first, more = self._dropped.get(f.code, (f, 0))
        self._dropped[f.code] = (first, more + 1)
        return False

    def add(self, code: str, **where) -> Finding:
        f = Finding(code, **where)
        if self._keep(f):
            self._items.append(f)
        return f

    def extend(self, items: Iterable[Finding]) -> None:
        for f in items:
            if f.code == "file.findings-capped":
                self._items.append(f)
            elif self._keep(f):
                self._items.append(f)

    def _summaries(self) -> list[Finding]:
        return [Finding("file.findings-capped", file=f.file, agency=f.agency, seen=more, expected=code)
                for code, (f, more) in self._dropped.items()]

    def __iter__(self) -> Iterator[Finding]:
        return iter(self._items + self._summaries())

    def __len__(self) -> int:
        return len(self._items) + len(self._dropped)

    @property
    def rejected(self) -> bool:
        return any(f.rejects for f in self._items)


def catalog_markdown() -> str:
    """The finding catalog as a Markdown table (README's reference is generated from this)."""
    rows = ["| code | severity | rejects the return | message (Vietnamese) |", "|---|---|---|---|"]
    for c in _CODES:
        vi = (c.vi.replace("{seen}", "…").replace("{expected}", "…").replace("{indicator}", "…")
              .replace("{cell_name}", "…"))
        vi = vi.replace("|", "\\|")
        rows.append(f"| `{c.code}` | {c.severity.value} | {'yes' if c.rejects else ''} | {vi} |")
    return "\n".join(rows)


__all__ = ["Severity", "Code", "CATALOG", "Finding", "Findings", "catalog_markdown"]
