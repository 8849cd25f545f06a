"""A draft plan TOML from the appendix table of a plan document (.docx or .xlsx).

The appendix of a provincial PAR plan is a table
``Số TT | Nhiệm vụ cụ thể | Tiến độ | Cơ quan chủ trì | Cơ quan phối hợp | Kết quả/sản phẩm``
with section rows in roman numerals spanning the row, headings ("1. Kiểm soát ...", "2.2 ...")
with numbered ("2.1") or unnumbered rows under them, merged cells, line breaks inside cells and
several agencies per cell.  :func:`import_plan` reads it and writes a draft in the bundled plan's
conventions (see templates/quangnam-2024/plan.toml); every decision it is unsure of is written
down in a ``review = "..."`` line next to it, and counted in the summary.  A plan with review lines
is a draft: ``load_plan`` refuses it unless told it is one (``parxl plan check --draft``).

The title is the document's own ("KẾ HOẠCH" and the line after it, or a "Kế hoạch nâng cao Chỉ số ..."
line above the table); else it is built from the appendix's heading or from the province ("tỉnh
Quảng Nam", "thành phố Đà Nẵng") and year, with a review line.  A row for the district level on a
registry without one ("UBND cấp huyện" since 1 July 2025) and a phrase naming part of a level ("UBND
các xã, phường" where the level also has a đặc khu) are reviewed, naming what they leave out.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ParxlError
from .i18n import _, finding_message, ngettext
from .agencies import Registry, names_district_level, normalize_phrase
from .targets import ParsedTarget, baseline_doubts, find_targets, fold, unread_quantities
from .vocab import format_number

__all__ = ["import_plan", "read_appendix", "split_agencies", "ImportSummary", "AppendixError"]

_ROMAN = re.compile(r"^([IVX]+)\s*[.:)]?\s*(.*)$", re.S)
_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?$")
_COLUMNS = {  # folded header words → column
    "stt": ("so tt", "stt", "tt"),
    "title": ("nhiem vu", "noi dung"),
    "deadline": ("tien do", "thoi gian", "thoi han"),
    "lead": ("chu tri",),
    "coordinators": ("phoi hop",),
    "result": ("ket qua", "san pham"),
}


class AppendixError(ParxlError):
    """The file holds no table this importer can read (the operator must fix it)."""


@dataclass
class ImportSummary:
    source: str
    sections: int = 0
    tasks: int = 0
    targets: int = 0
    reviews: list[tuple[str, str]] = field(default_factory=list)   # (task code or indicator, what to check)
    unknown_phrases: list[str] = field(default_factory=list)
    district_rows: list[str] = field(default_factory=list)   # tasks naming the district level the registry lacks

    def text(self) -> str:
        """The summary as ``parxl plan import`` prints it."""
        N = format_number
        counts = ", ".join((ngettext("{n} section", "{n} sections", self.sections).format(n=N(self.sections)),
                            ngettext("{n} task", "{n} tasks", self.tasks).format(n=N(self.tasks)),
                            ngettext("{n} numeric target", "{n} numeric targets", self.targets).format(
                                n=N(self.targets)),
                            _("{n} to review").format(n=N(len(self.reviews)))))
        lines = [f"{self.source}: {counts}"]
        for where, what in self.reviews:
            lines.append("  " + _("review {where}: {what}").format(where=where, what=what))
        if self.district_rows:
            lines.append("  " + _("rows for the district level (cấp huyện), which no longer exists (rewrite them for "
                                  "today's map or delete them): {tasks}").format(
                tasks=", ".join(dict.fromkeys(self.district_rows))))
        if self.unknown_phrases:
            lines.append("  " + _("agency phrases the registry does not know (add them as aliases, or fix the "
                                  "draft): {phrases}").format(phrases="; ".join(sorted(set(self.unknown_phrases)))))
        return "\n".join(lines)


# -- reading the table ---------------------------------------------------------------------------------

# An appendix is read with the file, zip and XML limits of a return (parxl/reader.py); a sheet within these
# bounds (a plan has a few hundred rows), a .docx's parts each within MAX_DOCX_PART unpacked (lxml builds a
# tree ten times a part's size).
MAX_APPENDIX_ROWS = 5_000
MAX_APPENDIX_COLS = 64
MAX_DOCX_PART = 16 * 1024 * 1024


def read_appendix(path: str | Path) -> list[list[str]]:
    """The appendix table's rows as lists of cell texts, merged cells repeated in every cell they cover."""
    return _read(Path(path))[0]


def _read(path: Path) -> tuple[list[list[str]], list[str], list[str]]:
    """The appendix table's rows, the lines of text above it (where the document's title stands), and what
    the reader wants checked (the rows where a table inside a cell was read into the cell's text)."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        tables = _docx_tables(path)
    elif suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        tables = _sheet_tables(path)
    else:
        raise AppendixError(_("{path}: expected a .docx or .xlsx appendix, got {suffix}").format(
            path=path, suffix=suffix or _("no extension")))
    for rows, above, nested in tables:
        h = _header_index(rows)
        if h is not None:
            notes = [_("table row {row}: a table inside a cell was read into the cell's text, one line per row "
                       "(cells separated by ' | '); check the row").format(row=i + 1) for i in nested]
            return rows, above + [" ".join(c for c in dict.fromkeys(r) if c) for r in rows[:h]], notes
    raise AppendixError(_("{path}: no table with the header '{header}'").format(
        path=path, header="Số TT | Nhiệm vụ cụ thể | Tiến độ | Cơ quan chủ trì | Cơ quan phối hợp | Kết quả/sản phẩm"))


def _refused(path: Path, f) -> AppendixError:
    where = " ".join(x for x in (f.sheet, f.cell) if x)
    if f.code == "file.not-xlsx":
        return AppendixError(_("{path}: not read: not a valid {kind} file (damaged, or saved in another format: "
                               "open it and save it again as {kind})").format(path=path, kind=path.suffix.lower()))
    what = finding_message(f) if f.code != "layout.cell-outside" else _(
        "{count} cells with data beyond the {rows} rows and {cols} columns an appendix is read to (first: {cell}); "
        "delete them or move the table").format(count=f.seen, rows=MAX_APPENDIX_ROWS, cols=MAX_APPENDIX_COLS,
                                                cell=f.cell)
    return AppendixError(_("{path}: not read: {problem}").format(path=path, problem=f"{where}: {what}" if where else what))


def _docx_tables(path: Path) -> list[tuple[list[list[str]], list[str], list[int]]]:
    import io
    import docx   # python-docx
    from docx.table import Table
    from .reader import check_package
    data, problem = check_package(path, max_part=MAX_DOCX_PART)
    if problem is not None:
        raise _refused(path, problem)
    out = []
    above: list[str] = []
    for block in docx.Document(io.BytesIO(data)).iter_inner_content():
        if not isinstance(block, Table):
            above += [ln for ln in _cell_text(block.text).split("\n") if ln]
            continue
        # row.cells repeats a horizontally merged cell across its grid columns and gives the top cell
        # of a vertically merged one in each row it covers: exactly "repeated in every cell it covers"
        rows, nested = [], []
        for i, row in enumerate(block.rows):
            cells = []
            for c in row.cells:
                text = _cell_text(c.text)
                inner = _nested_text(c)
                if inner:
                    text = "\n".join(x for x in (text, inner) if x)
                    if i not in nested:
                        nested.append(i)
                cells.append(text)
            rows.append(cells)
        out.append((rows, list(above), nested))
    return out


def _nested_text(cell, depth: int = 0) -> str:
    """The text of the tables inside a cell (python-docx's ``cell.text`` leaves them out): a line per row, its
    cells separated by " | ", a table inside those read the same way (to a depth of 5)."""
    lines = []
    for table in cell.tables if depth < 5 else []:
        for row in table.rows:
            texts, seen = [], set()
            for c in row.cells:
                if id(c._tc) in seen:           # a merged cell, repeated across the columns it covers
                    continue
                seen.add(id(c._tc))
                t = " ".join(x for x in (_cell_text(c.text), _nested_text(c, depth + 1)) if x)
                texts.append(t.replace("\n", " "))
            if any(texts):
                lines.append(" | ".join(texts))
    return "\n".join(lines)


def _sheet_tables(path: Path) -> list[tuple[list[list[str]], list[str], list[int]]]:
    from .reader import read_table_file
    wb, stops = read_table_file(path, max_rows=MAX_APPENDIX_ROWS, max_cols=MAX_APPENDIX_COLS)
    if stops:
        raise _refused(path, stops[0])
    out = []
    for name, sheet in wb.sheets.items():
        rows = [[_cell_text(_as_text(v)) for v in r] for r in sheet.rows]
        width = max((len(r) for r in rows), default=0)
        rows = [r + [""] * (width - len(r)) for r in rows]
        for (r1, c1), (r2, c2) in sheet.merged:
            if r1 >= len(rows):
                continue
            top = rows[r1][c1]
            for r in range(r1, min(r2, len(rows) - 1) + 1):
                for c in range(c1, min(c2, width - 1) + 1):
                    rows[r][c] = top
        out.append((rows, [], []))
    return out


def _as_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _cell_text(s: str) -> str:
    s = unicodedata.normalize("NFC", s).replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    return "\n".join(re.sub(r"[ \t]+", " ", ln).strip() for ln in s.split("\n")).strip()


def _header_index(rows) -> int | None:
    for i, row in enumerate(rows[:40]):
        cols = _columns(row)
        if cols and {"title", "lead"} <= cols.keys():
            return i
    return None


def _columns(row: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for j, cell in enumerate(row):
        f = fold(cell).replace("\n", " ")
        for key, words in _COLUMNS.items():
            if key not in cols and any(re.search(rf"\b{w}\b", f) for w in words):
                if key == "stt" and len(f) > 8:
                    continue
                cols[key] = j
                break
    return cols


# -- agencies -------------------------------------------------------------------------------------------

_AGENCY_START = ("so ", "ban ", "uy ban", "ubnd", "phong ", "trung tam", "cuc ", "chi cuc", "doan ", "hoi ",
                 "dai ", "bao ", "van phong", "cong an", "bo chi huy", "kho bac", "thanh tra", "vien ", "truong ",
                 "benh vien", "cac ", "co quan", "don vi", "hdnd", "dai bieu", "lien doan", "mat tran", "tinh doan")


@dataclass
class AgencyCell:
    phrases: list[str]           # one per agency or group named, as the cell writes it
    unknown: list[str]           # parts that look like names the registry does not know
    says_more: bool              # the cell says more than the names (who monitors, who advises ...)


def split_agencies(cell: str, registry: Registry) -> AgencyCell:
    """The agency phrases of a lead/coordinator cell, each resolvable by ``registry`` when it can be."""
    phrases: list[str] = []
    unknown: list[str] = []
    says_more = False
    for clause in re.split(r"\n|;", cell):
        clause = re.sub(r"^\s*[-–•+*]\s*", "", clause).strip().rstrip(".").strip()
        if not clause:
            continue
        if ":" in clause:
            clause, _colon, _rest = clause.partition(":")
            says_more = True
        parts = [p for p in re.split(r"(,\s*|\s+và\s+)", clause)]
        words, seps = parts[0::2], parts[1::2]
        i = 0
        while i < len(words):
            def joined(k):
                s = words[i]
                for j in range(1, k):
                    s += seps[i + j - 1] + words[i + j]
                return s.strip()
            got = None
            for k in range(min(6, len(words) - i), 0, -1):
                cand = joined(k)
                if registry.resolve(cand) is not None:
                    got = (cand, k)
                    break
                # elision: "UBND cấp huyện, cấp xã"
                if (k == 1 and phrases and fold(cand).startswith("cap ") and fold(phrases[-1]).startswith("ubnd cap")
                        and registry.resolve("UBND " + cand) is not None):
                    got = ("UBND " + cand, 1)
                    break
            if got:
                phrases.append(_cap(got[0]))
                i += got[1]
                continue
            # a name followed by what it does: "Sở Nội vụ theo dõi, đôn đốc ..."
            prefix = None
            for k in range(min(6, len(words) - i), 0, -1):
                ws = joined(k).split()
                for j in range(len(ws) - 1, 0, -1):
                    if registry.resolve(" ".join(ws[:j])) is not None:
                        prefix = " ".join(ws[:j])
                        break
                if prefix:
                    break
            if prefix:
                phrases.append(_cap(prefix))
                says_more = True
                break       # the rest of the clause is what it does and to whom
            part = words[i].strip()
            if part and fold(part).startswith(_AGENCY_START) and len(part.split()) <= 12:
                unknown.append(part)
                phrases.append(_cap(part))
            elif part:
                says_more = True
                break
            i += 1
    return AgencyCell(_uniq(phrases), _uniq(unknown), says_more)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def _uniq(xs):
    seen, out = set(), []
    for x in xs:
        k = normalize_phrase(x)
        if k not in seen:
            seen.add(k)
            out.append(x)
    return out


# -- rows → tasks --------------------------------------------------------------------------------------

@dataclass
class _Task:
    code: str
    section: str
    group: str | None
    title: str
    deadline: str
    lead_cell: str
    coord_cell: str
    result: str
    row: int
    reviews: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    numbered: bool = True


@dataclass
class _Heading:
    num: str | None
    title: str
    tasks: list = field(default_factory=list)


def _rows_to_plan(rows: list[list[str]]):
    h = _header_index(rows)
    cols = _columns(rows[h])
    header_fold = [fold(c) for c in rows[h]]

    def cell(row, key):
        j = cols.get(key)
        return row[j] if j is not None and j < len(row) else ""

    sections: list[tuple[str, str]] = []
    tasks: list[_Task] = []
    heads: list[_Heading] = []
    sec = None
    last_num: str | None = None
    for r, row in enumerate(rows[h + 1:], start=h + 2):
        if not any(c.strip() for c in row):
            continue
        if [fold(c) for c in row] == header_fold:
            continue                                  # header repeated at a page break
        if all(re.fullmatch(r"\(?\d{1,2}\)?", c.strip()) or not c.strip() for c in row):
            continue                                  # the (1) (2) (3) ... numbering row
        stt, title = cell(row, "stt").strip(), cell(row, "title").strip()
        rest = [cell(row, k).strip() for k in ("deadline", "lead", "coordinators", "result")]
        spans = all(not x or x == title or x == stt for x in rest)
        m = _ROMAN.match(stt)
        if m and (spans or not any(rest)):
            code = m.group(1)
            name = m.group(2).strip() or title
            if stt == title:                          # the whole row is one merged cell "I. TITLE"
                name = m.group(2).strip()
            sections.append((code, " ".join(name.split())))
            sec, heads, last_num = code, [], None
            continue
        if sec is None:
            continue                                  # rows above the first section: not tasks
        if stt == title and title:                    # a heading merged across the whole row: "2. Title"
            mm = re.match(r"^(\d+(?:\.\d+)*)\.?\s+(.*)$", title, re.S)
            stt, title = (mm.group(1), mm.group(2)) if mm else ("", title)
            spans = True
        num = stt.rstrip(".").strip() if _NUMBER.match(stt.strip()) else None
        if title and num is None:
            mm = re.match(r"^(\d+(?:\.\d+)+)\.?\s+(.*)$", title, re.S)   # "3.3. Số TTHC ..." in the title cell
            if mm and not stt:
                num, title = mm.group(1), mm.group(2)
        title_one = " ".join(title.split())
        if spans or not any(rest):
            # a heading; numbered headings close the headings they are not under
            if num is not None:
                heads = [x for x in heads if x.num and num.startswith(x.num + ".")]
            heads.append(_Heading(num, title_one))
            continue
        t = _Task("", sec, None, title_one, " ".join(rest[0].split()), rest[1], rest[2], rest[3], r)
        if stt and num is None:
            t.reviews.append(_("row {row}: STT {stt!r} is not a number; the task was numbered from its place").format(
                row=r, stt=stt))
        if num is not None:
            heads = [x for x in heads if x.num and num.startswith(x.num + ".")]
            t.code = f"{sec}.{num}"
            t.group = heads[-1].title if heads else None
            last_num = num
        else:
            t.numbered = False
            parent = next((x for x in reversed(heads) if x.num), None)
            if parent is None:
                base = last_num or "0"
                t.reviews.append(_("row {row}: an unnumbered row under no numbered heading; coded after {code}").format(
                    row=r, code=f"{sec}.{base}"))
            else:
                base = parent.num
            t.group = heads[-1].title if heads else None
            t.code = f"{sec}.{base}"              # letters assigned below
        if heads:
            heads[-1].tasks.append(t)
        tasks.append(t)
    _letter(tasks)
    return sections, tasks


def _letter(tasks: list[_Task]) -> None:
    by_base: dict[str, list[_Task]] = {}
    for t in tasks:
        if not t.numbered:
            by_base.setdefault(t.code, []).append(t)
    numbered = {t.code for t in tasks if t.numbered}
    for base, group in by_base.items():
        if len(group) == 1 and base not in numbered and group[0].group:
            # a heading with one unnumbered row is one task: "Heading: row" (the bundled plan's I.4)
            t = group[0]
            t.title = f"{t.group}: {t.title}" if not t.title.startswith(t.group) else t.title
            t.notes.append(_("the heading row and its only sub-row are one task"))
            t.numbered = True
            continue
        for k, t in enumerate(group):
            t.code = f"{base}.{chr(ord('a') + k)}" if k < 26 else f"{base}.z"
        if base in numbered:
            for t in group:
                t.reviews.append(_("numbered {code} beside a task numbered {base}; check the numbering").format(
                    code=t.code, base=base))


# -- targets → indicators --------------------------------------------------------------------------------

def _indicators(t: _Task, registry: Registry, lead_codes, coord_codes, year: int | None):
    in_title, in_result = find_targets(t.title), find_targets(t.result)
    for where, text, found in ((_("title"), t.title, in_title), (_("result"), t.result, in_result)):
        for q in unread_quantities(text, found):
            t.reviews.append(_("{where}: {text!r} was not read as a target (no comparator before it); add an "
                               "indicator if the plan means one").format(where=where, text=q))
    from_title = [(x, t.title) for x in in_title]
    keys = {x.key() for x, _ in from_title}
    from_result = []
    dropped = 0
    for x in in_result:
        if x.key() in keys:
            dropped += 1                          # the result restates the title's target
            continue
        from_result.append((x, t.result))
    if dropped:
        t.notes.append(_("{n} target(s) in the result restate the title's and were not repeated").format(n=dropped))
    out = []
    years = sorted({int(y) for y in re.findall(r"\bso (?:voi )?nam\s+(\d{4})", fold(t.title + "\n" + t.result))})
    for x, source in from_title + from_result:
        out.append(_indicator(x, source, t, registry, lead_codes, coord_codes, years, year))
    return out


def _clause_of(text: str, x: ParsedTarget) -> str:
    a = max(text.rfind("\n", 0, x.start), text.rfind(";", 0, x.start)) + 1
    ends = [i for i in (text.find("\n", x.end), text.find(";", x.end)) if i != -1]
    b = min(ends) if ends else len(text)
    return " ".join(re.sub(r"^\s*[-–•+]\s*", "", text[a:b]).split()).rstrip(".")


def _indicator(x: ParsedTarget, source: str, t: _Task, registry, lead_codes, coord_codes, years, year) -> dict:
    reviews = list(x.doubts)
    clause = _clause_of(source, x)
    label = clause if len(clause) <= 400 else clause[:397] + "..."
    if source is t.title and fold(t.title).startswith(("ty le", "so ")):
        label = t.title
    ind: dict = {"label": label, "measure": x.measure}
    target = {"op": x.op, "value": x.value}
    if x.op == "between":
        target["upper"] = x.upper
    baseline = x.baseline_year
    if x.measure == "change":
        if baseline is None and len(years) == 1:
            baseline = years[0]
            reviews = [r for r in reviews if r not in baseline_doubts()]
            t.notes.append(_("baseline year {year} read from the row's 'so với năm {year}'").format(year=baseline))
        elif baseline is None:
            baseline = (year - 1) if year else 2000
            reviews = [r for r in reviews if r not in baseline_doubts()]
            reviews.append(_("no baseline year stated; {year} assumed").format(year=baseline))
        unit = _quantity_unit(clause)
        reviews.append(_("percent change of a quantity whose unit was guessed as {unit!r}").format(
            unit=unit or _("none")))
        ind["unit"] = unit
        ind["value_label"] = _short(clause, 120)
    elif x.measure == "rate":
        ind["unit"] = "%"
        ind["numerator"] = "Số đạt yêu cầu"
        ind["denominator"] = "Tổng số"
    elif x.measure == "done":
        ind["unit"] = "%"
    else:
        ind["unit"] = x.unit
        ind["value_label"] = _short(clause, 120)
    if baseline is not None:
        target["baseline_year"] = baseline
    target["text"] = x.text[:90]
    per_agency = x.per_agency
    each_said = False
    # "Các sở, ban, ngành, UBND cấp huyện có ít nhất 01 sáng kiến": a target for each of them
    cut = max(source.rfind("\n", 0, x.start), source.rfind(";", 0, x.start)) + 1
    seg = source[cut: x.start]
    has = re.search(r"\s+(?:deu |phai )?co\s*$", fold(seg))
    before = re.sub(r"^\s*[-–•+]\s*", "", seg[: has.start()]).strip() if has else ""
    if before and not per_agency:
        cellp = split_agencies(before, registry)
        if cellp.phrases and not cellp.unknown and not cellp.says_more:
            codes = {a.agency for p in cellp.phrases for a in registry.resolve(p)}
            per_agency = True
            reviews.append(_("read as a target for each of: {phrases}").format(phrases=", ".join(cellp.phrases)))
            each_said = True
            if codes and codes <= set(coord_codes) and not codes <= set(lead_codes):
                ind["reported_by"] = "coordinators"
    if per_agency and x.measure in ("rate", "count"):
        ind["aggregate"] = "each"
        if not each_said:
            reviews.append(_("read as a target each agency must meet (aggregate = \"each\")"))
    ind["target"] = target
    if reviews:
        ind["review"] = "; ".join(reviews)
    return ind


def _quantity_unit(clause: str) -> str:
    f = fold(clause)
    for noun, unit in (("don vi", "đơn vị"), ("bien che", "biên chế"), ("doanh nghiep", "doanh nghiệp"),
                       ("ty dong", "tỷ đồng"), ("trieu dong", "triệu đồng"), ("ho so", "hồ sơ"), ("ty le", "%")):
        if re.search(rf"\b{noun}\b", f):
            return unit
    return ""


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 3].rsplit(" ", 1)[0] + "..."


# -- writing the draft --------------------------------------------------------------------------------

def _q(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_q(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_q(x)}" for k, x in v.items()) + " }"
    return json.dumps(str(v), ensure_ascii=False)


_BAD_SHEET = re.compile(r"[\[\]:*?/\\']")


def _sheet(code: str, title: str, used: set[str]) -> str:
    words = _BAD_SHEET.sub(" ", title.capitalize()).split()
    name = f"{code}."
    for w in words:
        if len(name) + 1 + len(w) > 31:
            break
        name += " " + w
    base, n = name, 2
    while name.lower() in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name.lower())
    return name


def import_plan(appendix_path: str | Path, registry: Registry | str | Path, *, plan_id: str | None = None,
                title: str | None = None, province: str | None = None, year: int | None = None,
                agencies_ref: str | None = None) -> tuple[str, ImportSummary]:
    """Read a plan's appendix table (.docx or .xlsx) and write a draft plan TOML.

    The table has the columns Số TT | Nhiệm vụ cụ thể | Tiến độ | Cơ quan chủ trì | Cơ quan phối hợp |
    Kết quả/sản phẩm.  The draft follows the bundled plan's conventions: task codes from the section
    numeral and STT (unnumbered rows under a heading get letters: II.1.a), lead and coordinator phrases
    resolved against REGISTRY, one indicator per numeric target with its comparator, value, unit,
    baseline year, measure and aggregate.  Every decision the importer is unsure of (a number it could
    not read, an agency phrase the registry does not know, a guessed measure or unit) is written as a
    ``review = "..."`` line beside it: read each, fix the draft, delete the line.  Returns the TOML
    text and a summary (sections, tasks, targets, reviews) whose ``text()`` is ready to print.
    """
    if not isinstance(registry, Registry):
        if agencies_ref is None:
            agencies_ref = str(registry)
        registry = Registry.load(registry)
    rows, above, read_notes = _read(Path(appendix_path))
    sections, tasks = _rows_to_plan(rows)
    if not tasks:
        raise AppendixError(_("{path}: the appendix table has no task rows under a section (I, II, ...)").format(
            path=appendix_path))
    if year is None:
        found = Counter(int(y) for t in tasks for y in re.findall(r"\b(20\d\d)\b", t.deadline))
        found = found or Counter(int(y) for ln in above for y in re.findall(r"\bn[ăa]m (20\d\d)\b", ln, re.I))
        year = found.most_common(1)[0][0] if found else None
    summary = ImportSummary(source=str(appendix_path), sections=len(sections), tasks=len(tasks))
    province = province or registry.province
    plan_reviews: list[str] = []
    if not province:
        plan_reviews.append(_("no province given (--province) or named by the registry; set plan.province"))
    if title is None:
        title, why = _title(above, province, year)
        if why:
            plan_reviews.append(why)
    if year is None:
        plan_reviews.append(_("no year found in the deadlines; set plan.year"))
    plan_reviews += read_notes
    out: list[str] = [
        *("# " + ln for ln in _(
            "Draft plan imported by `parxl plan import` from {file}.\n"
            "Labels, numerators and denominators are drafts written from the row's words: edit them freely.\n"
            "Every `review = \"...\"` line is a decision the importer was unsure of: check it, fix the\n"
            "draft, then delete the line.  `parxl plan check --draft` lists the lines left; `parxl plan check`,\n"
            "generate and merge refuse the plan until none is left.").format(file=Path(appendix_path).name).split("\n")),
        "",
        "[plan]",
        f"id = {_q(plan_id or _slug(province, year))}",
        'version = "0.1"',
        f"title = {_q(title)}",
        f"province = {_q(province)}",
        f"year = {year if year else 0}",
    ]
    if agencies_ref:
        out.append(f"agencies = {_q(agencies_ref)}")
    if plan_reviews:
        out.append(f"review = {_q('; '.join(plan_reviews))}")
        summary.reviews += [("plan", r) for r in plan_reviews]
    used: set[str] = set()
    for code, name in sections:
        out += ["", "[[section]]", f"code = {_q(code)}", f"title = {_q(name)}", f"sheet = {_q(_sheet(code, name, used))}"]
    seen: Counter = Counter()
    current = None
    for t in tasks:
        if t.section != current:
            current = t.section
            name = dict(sections).get(current, "")
            out += ["", "# " + "=" * 85, f"# {current}. {name}", "# " + "=" * 85]
        seen[t.code] += 1
        if seen[t.code] > 1:
            t.reviews.append(_("code {code} is used by an earlier row too").format(code=t.code))
        lead = split_agencies(t.lead_cell, registry)
        coord = split_agencies(t.coord_cell, registry)
        for cellp, what in ((lead, _("lead")), (coord, _("coordinators"))):
            for p in cellp.unknown:
                if names_district_level(p) and registry.hint(p):
                    t.reviews.append(_("{what}: {phrase!r} names the district level (cấp huyện), which registry "
                                       "{registry} does not have (two-tier local government since 1 July 2025): "
                                       "rewrite this row for today's map or delete it").format(
                        what=what, phrase=p, registry=registry.id))
                    summary.district_rows.append(t.code)
                    continue
                t.reviews.append(_("{what}: {phrase!r} names nothing in registry {registry}").format(
                    what=what, phrase=p, registry=registry.id))
                summary.unknown_phrases.append(p)
            for p in cellp.phrases:
                part = registry.left_out(p)
                if part is not None:
                    level, rest = part
                    names = ", ".join(registry.name(c) for c in rest[:3]) + (", ..." if len(rest) > 3 else "")
                    t.reviews.append(_("{what}: {phrase!r} names {named} of the units of {level!r} and leaves out "
                                       "{left} ({names}); if the row means all of them, write {level!r}").format(
                        what=what, phrase=p, named=len(registry.members(level.code)) - len(rest), level=level.name,
                        left=len(rest), names=names))
        lead_phrases = lead.phrases
        if not lead_phrases:
            t.reviews.append(_("no lead agency read from the 'Cơ quan chủ trì' cell"))
            lead_phrases = [t.lead_cell or "?"]
        lead_codes = [a.agency for p in lead_phrases for a in (registry.resolve(p) or [])]
        coord_codes = [a.agency for p in coord.phrases for a in (registry.resolve(p) or [])]
        inds = _indicators(t, registry, lead_codes, coord_codes, year)
        out += ["", "[[task]]", f"code = {_q(t.code)}", f"section = {_q(t.section)}"]
        if t.group:
            out.append(f"group = {_q(t.group)}")
        out += [f"title = {_q(t.title)}", f"deadline = {_q(t.deadline or 'Trong năm')}", f"lead = {_q(lead_phrases)}"]
        if lead.says_more or _differs(t.lead_cell, lead_phrases):
            out.append(f"lead_text = {_q(t.lead_cell)}")
        if coord.phrases:
            out.append(f"coordinators = {_q(coord.phrases)}")
        if coord.says_more or (coord.phrases and _differs(t.coord_cell, coord.phrases)):
            out.append(f"coordinators_text = {_q(t.coord_cell)}")
        if not t.deadline:
            t.reviews.append(_("no deadline in the 'Tiến độ' cell"))
        out.append(f"result = {_q(t.result)}")
        if t.notes:
            out.append(f"note = {_q('; '.join(t.notes))}")
        if t.reviews:
            out.append(f"review = {_q('; '.join(t.reviews))}")
            summary.reviews += [(t.code, r) for r in t.reviews]
        for k, ind in enumerate(inds, 1):
            out.append("[[task.indicator]]")
            out += [f"{key} = {_q(v)}" for key, v in ind.items()]
            if "review" in ind:
                summary.reviews.append((f"{t.code}/{k}", ind["review"]))
        summary.targets += len(inds)
    return "\n".join(out) + "\n", summary


def _differs(cell: str, phrases: list[str]) -> bool:
    flat = [normalize_phrase(p) for p in re.split(r"\n|;|,(?![^,]*ngành)", cell) if p.strip()]
    return normalize_phrase(" ".join(cell.split())) != normalize_phrase(", ".join(phrases)) and \
        [normalize_phrase(re.sub(r"^\s*[-–•+]\s*", "", ln)) for ln in cell.split("\n") if ln.strip()] != \
        [normalize_phrase(p) for p in phrases] and bool(flat)


# -- the plan's title ----------------------------------------------------------------------------------------

# centrally-run cities (thành phố trực thuộc trung ương), as of 1 July 2025
_CITIES = ("ha noi", "ho chi minh", "hai phong", "da nang", "can tho", "hue")
_ACRONYMS = ("CCHC", "PAR INDEX", "SIPAS", "UBND", "HĐND", "TTHC", "PCI", "PAPI", "DDCI", "CNTT")


def place(province: str) -> str:
    """"tỉnh Quảng Nam", "thành phố Đà Nẵng": the province as a title names it, its kind once, in lower case."""
    p = " ".join(province.split())
    f = fold(p)
    for prefix, kind in (("tinh ", "tỉnh"), ("thanh pho ", "thành phố"), ("tp. ", "thành phố"), ("tp ", "thành phố"),
                         ("tp.", "thành phố")):
        if f.startswith(prefix):
            return f"{kind} {p[len(prefix):].strip()}"
    return f"thành phố {p}" if f in _CITIES else f"tỉnh {p}"


def _recase(text: str, province: str) -> str:
    """A title written in capitals, in sentence case: the province's name and the usual acronyms kept."""
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return text
    out = text.lower()
    name = re.sub(r"^(?:tỉnh|thành phố|tp\.?)\s+", "", province.strip(), flags=re.I) if province else ""
    for keep in (*_ACRONYMS, *([name] if name else [])):
        out = re.sub(rf"(?<!\w){re.escape(keep.lower())}(?!\w)", lambda m, k=keep: k, out)
    return out[:1].upper() + out[1:]


def _title(above: list[str], province: str, year: int | None) -> tuple[str, str | None]:
    """The plan's title, from the document when it has one; and what to review about it, if anything."""
    lines = [" ".join(ln.split()) for chunk in above for ln in chunk.split("\n") if ln.strip()]
    folded = [fold(ln) for ln in lines]
    for i, f in enumerate(folded):             # "KẾ HOẠCH" / "Nâng cao Chỉ số cải cách hành chính ... năm 2025"
        if f == "ke hoach":
            subject = next((ln for ln, g in zip(lines[i + 1:], folded[i + 1:])
                            if not g.startswith(("(", "can cu", "kinh gui", "so:", "so "))), None)
            if subject:
                subject = _recase(subject, province)
                return "Kế hoạch " + subject[:1].lower() + subject[1:], None
    for ln, f in zip(lines, folded):            # "Kế hoạch nâng cao Chỉ số ... năm 2025" on one line
        if f.startswith("ke hoach ") and re.search(r"\b(?:chi so|cai cach hanh chinh|cchc|par index)\b", f) \
                and len(ln) <= 250:
            return _recase(ln, province), None
    where = place(province) if province else ""
    for ln, f in zip(lines, folded):            # the appendix's heading: "CÁC NHIỆM VỤ, GIẢI PHÁP NÂNG CAO CHỈ SỐ ..."
        k = f.find("nang cao chi so")
        if k != -1 and not f.startswith("("):
            heading = _recase(ln[k:], province)
            t = "Kế hoạch " + heading[:1].lower() + heading[1:]
            if where and fold(where) not in fold(t):
                t += " " + where
            if year and str(year) not in t:
                t += f" năm {year}"
            return t, _("title built from the appendix heading {heading!r}: check it against the plan's own "
                        "title").format(heading=ln)
    t = "Kế hoạch nâng cao Chỉ số cải cách hành chính" + (f" {where}" if where else "") + (f" năm {year}" if year else "")
    return t, _("the document states no title: this one was built from the province and year; check it (or use "
                "--title)")


def _slug(province: str, year: int | None) -> str:
    s = fold(province).replace(" ", "")
    s = re.sub(r"[^a-z0-9]", "", s) or "plan"
    return f"{s}-par-{year}" if year else f"{s}-par"
