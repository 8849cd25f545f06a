"""Findings: problems in the data, as values.

A :class:`Finding` has a stable dotted code from :data:`CATALOG`, a severity, a
location (file, agency, sheet, cell, indicator), the value seen and the value
expected, and a message rendered from the catalog in Vietnamese (for the people
who read the workbooks) or English (for logs).  Tests assert codes, not wording.

A code's message is an English msgid, marked :func:`~parxl.i18n.N_`; its Vietnamese
is in parxl's gettext catalog (``parxl/locale/vi/LC_MESSAGES/parxl.po``) like every
other message of parxl.  :attr:`Finding.message` is always the Vietnamese (the
workbooks, the documents and the JSON report are Vietnamese whatever language the
command line speaks); :attr:`Finding.message_en` the English;
:func:`parxl.i18n.finding_message` the one of the language the command line speaks.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from .i18n import N_, translation


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    msgid: str             # the message: English, translated through parxl's gettext catalog
    rejects: bool = False  # the whole return is rejected when this is found
    room: int = 80         # characters of {seen} and {expected} shown (longer texts are cut with "...")


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

_CODES = [
    # -- the file itself -------------------------------------------------------
    Code("file.empty", E, N_("The file is empty (0 bytes)."), True),
    Code("file.not-xlsx", E, N_("Not a valid .xlsx workbook ({seen})."), True),
    Code("file.legacy-xls", E, N_("Legacy Excel 97-2003 (.xls) file; save it as .xlsx."), True),
    Code("file.encrypted", E, N_("The file is password-encrypted; ask for an unencrypted copy."), True),
    Code("file.too-large", E, N_("The file exceeds the safe unpacked-size limits ({seen}; at most {expected})."), True),
    Code("file.not-regular", E, N_("{seen} is not a regular file (folder, FIFO, device...); not opened."), True),
    Code("file.unreadable", E, N_("The file cannot be read ({seen})."), True),
    Code("file.outside-folder", E, N_("A symbolic link leading outside the returns folder ({seen}); not read."), True),
    Code("file.folder-unreadable", E, N_("Sub-folder {seen} cannot be read: the files in it were not merged."), False),
    Code("file.bad-name", W, N_("The file name is not valid UTF-8; shown as {seen}."), False),
    Code("file.same-name", W, N_("Another file in the folder has the same name once both are written in the same "
                                 "Unicode form (often a file sent from a Mac); this one is shown as {seen} to keep the "
                                 "two apart."), False),
    Code("file.not-spreadsheet", I, N_("{seen} is not a spreadsheet (.xlsx, .xlsm, .ods); not read."), False),
    Code("file.output-skipped", I, N_("{seen} is an output of parxl, not a return; skipped."), False),
    Code("file.reader-crashed", E, N_("The reader crashed on this file ({seen}); it was skipped, the other files were "
                                      "merged."), True),
    Code("file.too-slow", E, N_("Reading the file took over {expected} s; stopped. Ask for the file again."), True),
    Code("file.too-much-work", E, N_("Reading the file takes too much work ({seen}; at most {expected}), usually tens "
                                     "of millions of empty cells; stopped. Ask for the file to be saved again from the "
                                     "issued template."), True),
    Code("file.much-work", I, N_("Reading the file took much work ({seen} XML elements; limit {expected}); it is not "
                                 "read again for the comparison when superseded."), False),
    Code("file.findings-capped", W, N_("{seen} more findings with code {expected} in this file are not "
                                       "listed."), False),
    Code("file.xml-entities", E, N_("The file declares a DOCTYPE/ENTITY in part {seen}; refused for safety."), True),
    Code("file.external-link", W, N_("The file links to an outside data source ({seen}). Nothing merged comes from the "
                                     "link (input cells holding a formula are refused); when opening the file in "
                                     "Excel, do not update links."), False),
    # -- identity ----------------------------------------------------------------
    Code("identity.missing", E, N_("No template identity (hidden sheet _parxl): not a workbook issued by the "
                                   "secretariat."), True),
    Code("identity.incomplete", E, N_("The template identity lacks field {seen}."), True),
    Code("identity.bad-signature", E, N_("The identity signature does not verify: edited identity, or not issued by "
                                         "the secretariat."), True),
    Code("identity.mismatch", E, N_("The identity sheet ({seen}) disagrees with the document properties "
                                    "({expected})."), True),
    Code("identity.other-plan", E, N_("The workbook belongs to another plan ({seen}); merging {expected}."), True),
    Code("identity.other-version", E, N_("The workbook was made from another plan version or layout ({seen}); current: "
                                         "{expected}."), True),
    Code("identity.other-period", E, N_("The workbook is for period {seen}, not {expected}."), True),
    Code("identity.unknown-agency", E, N_("Agency {seen} is not in the registry or was not issued this "
                                          "workbook."), True),
    Code("identity.borrowed", E, N_("The signed identity is that of template {expected}, but cell {cell_name} of the "
                                    "workbook shows template {seen}: the identity was copied from another agency's "
                                    "file; the file counts for no agency."), True),
    Code("identity.no-key", W, N_("No secret key: the signature was not verified."), False),
    # -- layout ----------------------------------------------------------------------
    Code("layout.sheet-missing", E, N_("Input sheet {expected} is missing."), False),
    Code("layout.sheet-unknown", I, N_("Sheet {seen} is not part of the template; not read."), False),
    Code("layout.cell-outside", W, N_("{seen} cells with data lie outside the template's area (first: {cell_name}); "
                                      "not read."), False),
    Code("layout.sheet-renamed", W, N_("Sheet {expected} was renamed to {seen}; read anyway."), False),
    Code("layout.header-missing", E, N_("Header row or column {expected} not found on the sheet."), False),
    Code("layout.column-moved", W, N_("Column {expected} moved (now column {seen}); read by its header."), False),
    Code("layout.locked-cell-edited", E, N_("A locked cell was edited: {seen} (template says: {expected})."), True),
    # -- rows ------------------------------------------------------------------------
    Code("row.missing", E, N_("Indicator row {indicator} is missing."), False),
    Code("row.duplicate", E, N_("Indicator row {indicator} appears more than once; none is used."), False),
    Code("row.unknown", W, N_("Unknown indicator code {seen}; row ignored."), False),
    Code("row.moved", I, N_("Indicator row {indicator} moved; read by its code."), False),
    # -- values ----------------------------------------------------------------------
    Code("value.coerced", I, N_("Normalised {seen} to {expected}."), False),
    Code("value.not-a-number", E, N_("Value {seen} is not a number."), False),
    Code("value.not-whole", E, N_("Value {seen} must be a whole number."), False),
    Code("value.negative", E, N_("Value {seen} must not be negative."), False),
    Code("value.implausible", W, N_("Value {seen} is far beyond what the indicator can be (at most {expected}); check "
                                    "it."), False),
    Code("value.error-cell", E, N_("The cell holds an Excel error {seen}."), False),
    Code("value.numerator-gt-denominator", E, N_("Numerator ({seen}) exceeds denominator ({expected})."), False),
    Code("value.zero-denominator", I, N_("Denominator is 0: no case arose in the period; the indicator counts as not "
                                         "applicable."), False),
    Code("value.dot-not-thousands", W, N_("Number {seen}, typed as text, has a dot that does not group thousands; read "
                                          "in Vietnamese notation as {expected}. Use a comma for decimals."), False),
    Code("value.ambiguous-comma", E, N_("Number {seen}, typed as text, is ambiguous: a comma before exactly three "
                                        "digits may be a decimal comma or a thousands separator ({expected}); not "
                                        "used. Type it again: comma for decimals, dot for thousands."), False),
    Code("value.zero-baseline", E, N_("Baseline is 0: no change can be computed."), False),
    Code("value.fraction-for-percent", W, N_("Value {seen} looks like a fraction typed into a percentage; read as "
                                             "{expected}%."), False),
    Code("value.missing", W, N_("{expected} is not filled in."), False),
    Code("value.bad-status", E, N_("Status {seen} is not one of ({expected})."), False),
    Code("value.bad-date", E, N_("Date {seen} cannot be read (dd/mm/yyyy)."), False),
    Code("value.date-future", W, N_("Document date {seen} is after the due date {expected}."), False),
    Code("value.date-outside-window", W, N_("Document date {seen} is outside the data window {expected}."), False),
    Code("value.evidence-missing", E, N_("Status \"Hoàn thành\" without evidence."), False),
    Code("value.text-too-long", W, N_("Text of {seen} characters exceeds {expected}; truncated."), False),
    Code("value.formula", E, N_("The input cell holds a formula ({seen}), not a typed figure; its result is not used. "
                                "Type the value (or copy, then Paste Special → Values only)."), False),
    Code("value.formula-text", W, N_("Text starts with a formula character ({seen}); kept as text."), False),
    # -- returns ---------------------------------------------------------------------
    Code("return.superseded", I, N_("Superseded by the newer return {expected}."), False),
    Code("return.missing", W, N_("The agency has not returned its workbook."), False),
    Code("return.blank", E, N_("No input cell of the workbook holds anything (a blank template): not a return; the "
                               "agency still counts as not returned."), True),
    Code("return.late-received", W, N_("The return was received on {seen} (Vietnam time, by the receipt log), after "
                                       "the due date {expected}."), False),
    Code("receipt.bad-row", W, N_("Row {cell_name} of the receipt log (so-nhan.csv) cannot be used: \"{seen}\"; "
                                  "columns {expected} are needed (a date as dd/mm/yyyy, optionally with hh:mm). "
                                  "Returns not in the log are judged by their save time."), False),
    Code("receipt.unknown-file", W, N_("The receipt log (so-nhan.csv) names the file \"{seen}\", which the returns "
                                       "folder does not hold (a misspelt name, or a file moved away)."), False),
    Code("return.reissued-untouched", E, N_("The workbook re-issued to correct the return {seen} came back "
                                            "with nothing changed: not a new return; the return sent before "
                                            "still stands."), True),
    Code("return.carried-only", E, N_("The workbook holds only the values prefilled from last period's return; the "
                                      "agency typed or changed nothing: not a return for this period; the agency still "
                                      "counts as not returned."), True),
    Code("return.carried-unchanged", W, N_("Every row of the workbook still holds what was prefilled from last period "
                                           "(tasks completed then) and nothing was changed: counted as a return; "
                                           "confirm it with the agency."), False),
    Code("return.clock-future", W, N_("The save time recorded in the file ({seen}, Vietnam time) is in the future; the "
                                      "file's own time ({expected}) decides which return is newest."), False),
    Code("return.clock-before-issue", W, N_("The save time recorded in the file ({seen}, Vietnam time) is before the "
                                            "template was issued ({expected}); the file's own time decides which "
                                            "return is newest."), False),
    Code("return.no-save-time", I, N_("The file records no save time; the file's own time ({expected}, Vietnam time) "
                                      "decides which return is newest."), False),
    Code("return.file-clock-future", W, N_("When the file was returned is unknown: it records no usable save time and "
                                           "the file's own time ({seen}, Vietnam time) is in the future. It is used "
                                           "only if the agency has no other return with a time."), False),
    Code("return.late", W, N_("Returned after the due date {expected}: last saved at {seen} (Vietnam time)."), False),
    Code("return.late-file-time", W, N_("Possibly returned after the due date {expected}: the file records no usable "
                                        "save time and the file's own time is {seen} (Vietnam time). That may be when "
                                        "the file was copied or downloaded; check the date received."), False),
    # -- the year so far (parxl.history_checks, with a ledger) ------------------------------------
    Code("history.shrank", W, N_("The cumulative figure ({seen}) is below what the agency reported earlier in the "
                                 "year: {expected}. The year's periods all count from 15 December of the year before, "
                                 "so it cannot shrink; check it with the agency."), False, 240),
    Code("history.baseline-changed", W, N_("The baseline-year figure {seen} differs from what the agency reported "
                                           "earlier in the year: {expected}. A past year's figure does not change; "
                                           "check it with the agency."), False, 240),
    Code("history.outlier", W, N_("The figure ({seen}) lies outside the range the agency's own earlier "
                                  "periods make plausible: {expected}; check it (a digit too many or "
                                  "too few, or another unit?)."), False, 240),
]

CATALOG: dict[str, Code] = {c.code: c for c in _CODES}

# What an Amount counts ({n}: the number), a msgid like a code's message; "more than" the same way.
UNITS = {
    "bytes": N_("{n} B"),
    "unpacked": N_("{n} B unpacked"),
    "entries": N_("{n} zip entries"),
    "ratio": N_("ratio {n}:1"),
    "sheets": N_("{n} sheets"),
    "characters": N_("{n} characters"),
    "shared-strings": N_("{n} shared strings"),
    "xml-elements": N_("{n} XML elements"),
}
_MORE_THAN = N_("more than {amount}")

Gettext = Callable[[str], str]   # a translation's gettext: msgid -> the message in its language


def vietnamese() -> Gettext:
    """Vietnamese, whatever language the command line speaks: what workbooks and documents say."""
    return translation("vi").gettext


def english() -> Gettext:
    return translation("en").gettext


@dataclass(frozen=True)
class Amount:
    """A quantity a finding reports as its ``seen`` or ``expected`` (a limit, what passed it): data, worded by
    :data:`UNITS` in the message's language (``gettext``).  ``more``: more than ``count`` (counting stopped there);
    ``part``: the package part it concerns."""
    count: int
    unit: str
    more: bool = False
    part: str | None = None

    def words(self, gettext: Gettext) -> str:
        text = gettext(UNITS[self.unit]).format(n=self.count)
        if self.more:
            text = gettext(_MORE_THAN).format(amount=text)
        return f"{self.part}: {text}" if self.part else text

    def __str__(self) -> str:
        return self.words(english())


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

    def render(self, gettext: Gettext) -> str:
        """The message in the language of ``gettext`` (:func:`vietnamese`, :func:`english`, the CLI's)."""
        c = CATALOG[self.code]
        return gettext(c.msgid).format(seen=_show(self.seen, c.room, gettext),
                                       expected=_show(self.expected, c.room, gettext),
                                       indicator=self.indicator or "", cell_name=self.cell or "")

    @property
    def message(self) -> str:
        """The Vietnamese message, for the people who read the workbooks."""
        return self.render(vietnamese())

    @property
    def message_en(self) -> str:
        return self.render(english())

    def where(self) -> str:
        parts = [p for p in (self.file, self.sheet and f"'{self.sheet}'", self.cell) if p]
        return "!".join(parts)

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity.value, "file": self.file,
                "agency": self.agency, "sheet": self.sheet, "cell": self.cell,
                "indicator": self.indicator, "message": self.message}


def _show(v: Any, room: int, gettext: Gettext) -> str:
    if v is None:
        return ""
    s = v.words(gettext) if isinstance(v, Amount) else str(v)
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
    vi_of = vietnamese()
    for c in _CODES:
        vi = (vi_of(c.msgid).replace("{seen}", "…").replace("{expected}", "…").replace("{indicator}", "…")
              .replace("{cell_name}", "…"))
        vi = vi.replace("|", "\\|")
        rows.append(f"| `{c.code}` | {c.severity.value} | {'yes' if c.rejects else ''} | {vi} |")
    return "\n".join(rows)


__all__ = ["Severity", "Code", "CATALOG", "Amount", "Finding", "Findings", "catalog_markdown", "vietnamese",
           "english"]
