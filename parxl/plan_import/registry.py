"""An agency registry (agencies.toml) from a list of agencies, for today's administrative map.

Since 1 July 2025 local government has two tiers: the province (or centrally-run city) and the
commune level.  A list of agencies with the columns ``code, name, group, parent`` (.csv or .xlsx;
optional ``aliases`` separated by "|" and ``reports`` yes/no) becomes a registry in the bundled
registry's format.  Groups the plans name ("Sở, ban, ngành", "UBND cấp xã", "Đơn vị sự nghiệp công
lập", ...) get the aliases the plans use; a group the list does not use is not written, so a plan
phrase naming it ("UBND cấp huyện" on a map with no district level) is a clear ``plan check`` error
rather than a silent empty group.

A list may type its communes by kind ("Xã", "Phường", "Đặc khu" in the group column): each kind becomes
a group ("UBND các phường"), and "UBND cấp xã" (alias "UBND các xã, phường, đặc khu") includes them all.
"Các cơ quan, đơn vị, địa phương" includes the departments and the local level: the districts on the
old map (they report for their communes), the communes on today's.
"""
from __future__ import annotations

import csv
import json
import re
import tempfile
import unicodedata
from pathlib import Path

from pydantic import ValidationError

from ..agencies import Contact, Registry
from ..errors import Problem, RegistryError
from ..i18n import _, finding_message
from ..layout import col_letter
from ..reader import MAX_FILE, read_table_file
from .targets import fold

__all__ = ["import_registry"]

# group code, name, aliases, folded spellings of the group column that mean it
_KNOWN = [
    ("so-nganh", "Sở, ban, ngành", ["sở, ban, ngành tỉnh", "sở ban ngành", "sở, ngành", "cơ quan chuyên môn cấp tỉnh",
                                    "sở, ban, ngành thành phố"],
     ("so-nganh", "so, ban, nganh", "so ban nganh", "so nganh", "so, nganh", "co quan chuyen mon", "so")),
    ("ubnd-huyen", "UBND cấp huyện", ["UBND các huyện, thị xã, thành phố", "UBND các huyện, thành phố",
                                      "Ủy ban nhân dân cấp huyện"],
     ("ubnd-huyen", "ubnd cap huyen", "cap huyen", "huyen")),
    ("ubnd-xa", "UBND cấp xã", ["Ủy ban nhân dân cấp xã", "UBND các xã, phường, đặc khu", "UBND các xã, phường"],
     ("ubnd-xa", "ubnd cap xa", "cap xa", "xa", "xa, phuong", "xa, phuong, dac khu")),
    ("nganh-doc", "Cơ quan ngành dọc cấp tỉnh", ["cơ quan ngành dọc"],
     ("nganh-doc", "nganh doc", "co quan nganh doc", "co quan nganh doc cap tinh")),
    ("dvsn", "Đơn vị sự nghiệp công lập thuộc tỉnh",
     ["đơn vị sự nghiệp công lập", "đơn vị sự nghiệp thuộc tỉnh", "đơn vị sự nghiệp công lập thuộc UBND tỉnh"],
     ("dvsn", "don vi su nghiep", "don vi su nghiep cong lap", "don vi su nghiep cong lap thuoc tinh")),
    ("khac", "Cơ quan, tổ chức khác cấp tỉnh", [], ("khac", "co quan, to chuc khac", "khac cap tinh")),
]
# kinds of commune-level unit a list may give in its group column instead of "UBND cấp xã": each becomes a
# group of its own ("UBND các phường"), and the level "UBND cấp xã" includes them all
_KINDS = [  # code, folded spelling, group name, aliases
    ("xa", "xa", "UBND các xã", ["UBND xã", "Xã", "Ủy ban nhân dân các xã"]),
    ("phuong", "phuong", "UBND các phường", ["UBND phường", "Phường", "Ủy ban nhân dân các phường"]),
    ("dac-khu", "dac khu", "UBND các đặc khu", ["UBND đặc khu", "Đặc khu", "Ủy ban nhân dân đặc khu"]),
    ("thi-tran", "thi tran", "UBND các thị trấn", ["UBND thị trấn", "Thị trấn", "Ủy ban nhân dân các thị trấn"]),
]
# the level's own enumerations: an alias of the level when the list has no kind the enumeration leaves out
_ENUMERATIONS = [("xa", "phuong", "dac-khu"), ("xa", "phuong"), ("xa", "phuong", "thi-tran"), ("xa", "thi-tran")]
_UMBRELLA = ("co-quan-dia-phuong", "Cơ quan, đơn vị, địa phương",
             ["cơ quan, đơn vị liên quan", "cơ quan, đơn vị được kiểm tra"])
_HEADERS = {"code": ("code", "ma", "ma co quan"), "name": ("name", "ten", "ten co quan"),
            "group": ("group", "nhom", "loai"), "parent": ("parent", "cap tren", "truc thuoc"),
            "aliases": ("aliases", "ten khac", "alias"), "reports": ("reports", "bao cao", "nhan bieu mau"),
            # the agency's đầu mối (optional): shown on its workbook's cover and in the reminders
            "contact_name": ("contact", "contact name", "dau moi", "ho ten", "nguoi dau moi", "can bo dau moi",
                             "dau moi (ho ten)", "ho ten dau moi", "ho va ten"),
            "contact_position": ("position", "chuc vu"),
            "contact_phone": ("phone", "dien thoai", "so dien thoai", "sdt", "dien thoai lien he"),
            "contact_email": ("email", "e-mail", "thu dien tu", "dia chi thu dien tu", "email lien he")}
_CONTACT = ("name", "position", "phone", "email")


# A list is read within these bounds (a province has a few hundred agencies; the country 3,321 communes), with
# the file, zip and XML limits of a return (parxl/reader.py): a value beyond them is refused, never allocated for.
MAX_LIST_ROWS = 10_000
MAX_LIST_COLS = 64
MAX_CSV_FIELD = 10_000          # characters in one field of a .csv list
# characters that show nothing yet make two codes or names differ (zero-width space and joiners, word joiner,
# byte order mark, soft hyphen, the bidirectional marks, embeddings, overrides and isolates)
INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _invisible(src: str, n: int, row: list[str], col: dict[str, int]) -> list[Problem]:
    """An invisible character in a code, a name, a group, a parent or an alias, named by row and column."""
    out = []
    for key in ("code", "name", "group", "parent", "aliases"):
        m = INVISIBLE.search(row[col[key]]) if key in col and col[key] < len(row) else None
        if m:
            ch = m.group()
            out.append(Problem(src, _("row {row}, column {column} ({key})").format(row=n, column=col_letter(col[key]),
                                                                                 key=key),
                               _("an invisible character U+{code:04X} ({what}): delete it and type the text again")
                               .format(code=ord(ch), what=unicodedata.name(ch, "format character").lower())))
    return out


def _outside(f) -> str:
    """What keeps a list's file from being read, as the operator fixes it."""
    if f.code != "layout.cell-outside":
        return finding_message(f)
    return _("{count} cells with data beyond the {rows} rows and {cols} columns a list is read to (first: {cell}); "
             "delete them or move the list").format(count=f.seen, rows=MAX_LIST_ROWS, cols=MAX_LIST_COLS, cell=f.cell)


def _rows(path: Path) -> list[list[str]]:
    src = str(path)
    if path.suffix.lower() == ".csv":
        try:
            if path.stat().st_size > MAX_FILE:
                too_large = _("the list is larger than {limit} bytes").format(limit=MAX_FILE)
                raise RegistryError([Problem(src, "", too_large)])
            with path.open(encoding="utf-8-sig", newline="") as fh:
                rows = []
                for r in csv.reader(fh):
                    if len(rows) >= MAX_LIST_ROWS or len(r) > MAX_LIST_COLS or any(len(c) > MAX_CSV_FIELD for c in r):
                        raise RegistryError([Problem(src, _("row {row}").format(row=len(rows) + 1), _(
                            "beyond what a list is read to: {rows} rows, {cols} columns, {chars} characters a cell"
                        ).format(rows=MAX_LIST_ROWS, cols=MAX_LIST_COLS, chars=MAX_CSV_FIELD))])
                    rows.append([c.strip() for c in r])
                return rows
        except csv.Error as e:      # a field past csv's own limit (131,072 characters), a NUL byte
            raise RegistryError([Problem(src, "", _("not a readable .csv list ({error})").format(error=e))]) from None
        except UnicodeDecodeError:
            raise RegistryError([Problem(src, "", _("a .csv list must be saved as UTF-8"))]) from None
    if path.suffix.lower() in (".xlsx", ".xlsm", ".ods", ".xls"):
        wb, stops = read_table_file(path, max_rows=MAX_LIST_ROWS, max_cols=MAX_LIST_COLS)
        if stops:
            raise RegistryError([Problem(src, " ".join(x for x in (f.sheet, f.cell) if x), _outside(f))
                                 for f in stops])
        sheet = next(iter(wb.sheets.values()), None)
        rows = sheet.rows if sheet is not None else []
        return [["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()
                 for v in r] for r in rows]
    raise RegistryError([Problem(src, "", _("expected a .csv or .xlsx list of agencies"))])


def _kind_of(value: str) -> str | None:
    """The kind of commune-level unit a group cell names ("Phường", "UBND đặc khu"), if it names one."""
    f = " ".join(fold(value).replace(",", " ").split())
    for prefix in ("ubnd cac ", "ubnd ", "cac "):
        if f.startswith(prefix):
            f = f[len(prefix):]
            break
    return next((code for code, spelling, *_ in _KINDS if f == spelling), None)


def _group_of(value: str) -> tuple[str, str, list[str]]:
    f = fold(value).strip()
    f = f[4:] if f.startswith("cac ") else f
    for code, name, aliases, spellings in _KNOWN:
        if f in spellings or value == code:
            return code, name, aliases
    slug = re.sub(r"[^a-z0-9]+", "-", f).strip("-")[:32] or "nhom"
    if not slug[0].isalpha():
        slug = "g-" + slug[:30]
    return slug, value, []


def _q(v) -> str:
    return json.dumps(v, ensure_ascii=False)


def _contact(src: str, where: str, given: dict[str, str], problems: list[Problem]) -> dict[str, str]:
    """An agency's đầu mối from the list's contact columns (the fields given, checked), {} when none."""
    try:
        c = Contact(**given)
    except ValidationError as e:
        for err in e.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            msg = (_("the contact's telephone {value!r} is not a telephone number") if field == "phone" else
                   _("the contact's e-mail {value!r} is not an e-mail address"))
            problems.append(Problem(src, where, msg.format(value=given.get(field, ""))))
        return {}
    return {k: v for k, v in c.model_dump().items() if v}


# the secretariat's own contact is written by hand: the imported registry shows where
_SECRETARIAT_STUB = [
    "", "# The secretariat (shown on every workbook's cover and in the documents sent after the merge):",
    "# [secretariat]", '# name = "Sở Nội vụ tỉnh ..."', '# address = "..."', '# phone = "..."', '# email = "..."',
    '# contact = { name = "...", position = "...", phone = "...", email = "..." }']


def import_registry(path: str | Path, *, registry_id: str | None = None, province: str | None = None) -> str:
    """Build agencies.toml from a list of agencies (.csv or .xlsx with columns code, name, group, parent).

    ``group`` is a group's name or code ("Sở, ban, ngành", "UBND cấp xã", "Đơn vị sự nghiệp công lập",
    or any other name, which becomes a group of its own; "Xã", "Phường", "Đặc khu", "Thị trấn" type a
    commune by kind, all of them in "UBND cấp xã"); ``parent`` is the code of the agency a unit
    sits under (optional; there is no district level on today's map).  Optional columns: ``aliases``
    (other names the plan may use, separated by "|") and ``reports`` ("no" for a body the plan names
    but that receives no workbook).  The groups the plans name get the aliases plans use; the
    umbrella "Cơ quan, đơn vị, địa phương" includes the departments and the local level present (the
    districts, else the communes).
    A group the list does not use is not written: a plan phrase naming it is a ``plan check`` error.
    Returns the TOML text (checked by loading it); raises RegistryError listing every problem.
    """
    path = Path(path)
    src = str(path)
    numbered = [(n, r) for n, r in enumerate(_rows(path), start=1) if any(r)]
    rows = [r for _n, r in numbered]
    if not rows:
        raise RegistryError([Problem(src, "", _("the list is empty"))])
    head = [fold(c).strip() for c in rows[0]]
    col = {}
    for key, names in _HEADERS.items():
        for j, h in enumerate(head):
            # "Đầu mối / Họ tên", "Email (thư điện tử)": either spelling names the column
            if h in names or any(" ".join(part.split()) in names for part in re.split(r"[/()]", h)):
                col[key] = j
                break
    missing = [k for k in ("code", "name", "group") if k not in col]
    if missing:
        raise RegistryError([Problem(src, _("row {row}").format(row=1), _(
            "no column {columns} (need code, name, group, parent)").format(
            columns=", ".join(repr(m) for m in missing)))])
    problems: list[Problem] = []
    agencies, groups, seen = [], {}, set()
    for n, r in numbered[1:]:
        get = lambda k: r[col[k]].strip() if k in col and col[k] < len(r) else ""  # noqa: E731
        problems += _invisible(src, n, r, col)
        code, name, group = get("code").upper(), " ".join(get("name").split()), get("group")
        if not code and not name:
            continue
        where = _("row {row}").format(row=n)
        if not re.fullmatch(r"[A-Z][A-Z0-9_-]{0,23}", code):
            problems.append(Problem(src, where, _("code {code!r}: a letter, then up to 23 letters, digits, - or "
                                                  "_").format(code=code)))
        if code in seen:
            problems.append(Problem(src, where, _("code {code} is used twice").format(code=code)))
        seen.add(code)
        if not name:
            problems.append(Problem(src, where, _("no name")))
        if not group:
            problems.append(Problem(src, where, _("no group")))
            continue
        gcode, gname, galiases = _group_of(group)
        aliases = [a.strip() for a in get("aliases").split("|") if a.strip()]
        reports = fold(get("reports")) not in ("no", "khong", "false", "0")
        contact = _contact(src, where, {k: get("contact_" + k) for k in _CONTACT}, problems)
        agencies.append([code, name, gcode, get("parent").upper() or None, aliases, reports, _kind_of(group),
                         (gname, galiases), contact])
    # units typed by kind (Xã / Phường / Đặc khu): each kind a group, all of them in the level "UBND cấp xã"
    kinds = [k for k, *_ in _KINDS if any(a[6] == k for a in agencies)]
    typed = len(kinds) > 1 or (kinds and kinds != ["xa"])
    for a in agencies:
        if typed and a[6]:
            a[2] = a[6]
            groups.setdefault(a[2], next((n, al) for c, _s, n, al in _KINDS if c == a[2]))
        else:
            groups.setdefault(a[2], a[7])
    if typed:
        named = dict(zip((c for c, *_ in _KINDS), ("xã", "phường", "đặc khu", "thị trấn")))
        level = ["Ủy ban nhân dân cấp xã"] + ["UBND các " + ", ".join(named[k] for k in e)
                                             for e in _ENUMERATIONS if set(kinds) <= set(e)]
        groups["ubnd-xa"] = ("UBND cấp xã", level)
    for code, _name, _g, parent, *_rest in agencies:
        if parent and parent not in seen:
            problems.append(Problem(src, _("agency {code}").format(code=code),
                                    _("parent {parent} is not in the list").format(parent=parent)))
    if problems:
        raise RegistryError(problems)
    rid = registry_id or re.sub(r"[^a-z0-9-]+", "-", fold(path.stem)).strip("-") or "registry"
    prov = province or ""
    out = [f"# Agency registry imported by `parxl registry import` from {path.name}.",
           f"# {len(agencies)} agencies in {len(groups)} groups."]
    if typed:
        counts = ", ".join(f"{sum(1 for a in agencies if a[2] == k)} {named[k]}" for k in kinds)
        out.append(f"# UBND cấp xã (UBND các xã, phường, đặc khu): {counts}, each a group of its own as well.")
    if "ubnd-huyen" not in groups:
        out += ["# No district level: a plan phrase 'UBND cấp huyện' names nothing here and `plan check` says so.",
                "# Rewrite such a row for today's map, or delete it: the registry refuses 'UBND cấp huyện' as an",
                "# alias of another group (a district row would be reported again by the communes)."]
    out += ["", "[registry]", f"id = {_q(rid)}", f"province = {_q(prov)}"]
    known = [c for c, *_ in _KNOWN]
    order = [k for k in known if k in groups] + [k for k, *_ in _KINDS if k in groups] + \
        [k for k in groups if k not in known and k not in {c for c, *_ in _KINDS}]
    for g in order:
        name, aliases = groups[g]
        out += ["", "[[group]]", f"code = {_q(g)}", f"name = {_q(name)}"]
        if aliases:
            out.append(f"aliases = {_q(aliases)}")
        if g == "ubnd-xa" and typed:
            out.append(f"includes = {_q(kinds)}")
        elif g == "ubnd-xa" and "ubnd-huyen" in groups and not any(a[2] == "ubnd-xa" for a in agencies):
            out.append('delegate_to = "ubnd-huyen"')
    # "Các cơ quan, đơn vị, địa phương": the departments and the local level (the districts on the old map,
    # which report for their communes; the communes on today's)
    local = [g for g in ("so-nganh",) if g in groups] + \
        (["ubnd-huyen"] if "ubnd-huyen" in groups else ["ubnd-xa"] if "ubnd-xa" in groups else [])
    if local and _UMBRELLA[0] not in groups:
        out += ["", "[[group]]", f"code = {_q(_UMBRELLA[0])}", f"name = {_q(_UMBRELLA[1])}",
                f"aliases = {_q(_UMBRELLA[2])}", f"includes = {_q(local)}"]
    for code, name, g, parent, aliases, reports, _kind, _group, contact in agencies:
        out += ["", "[[agency]]", f"code = {_q(code)}", f"name = {_q(name)}", f"group = {_q(g)}"]
        if aliases:
            out.append(f"aliases = {_q(aliases)}")
        if parent:
            out.append(f"parent = {_q(parent)}")
        if not reports:
            out.append("reports = false")
        if contact:
            out.append("contact = {" + ", ".join(f"{k} = {_q(v)}" for k, v in contact.items()) + "}")
    out += _SECRETARIAT_STUB
    text = "\n".join(out) + "\n"
    with tempfile.TemporaryDirectory() as d:       # the registry loads exactly as `plan check` will load it
        p = Path(d) / "agencies.toml"
        p.write_text(text, encoding="utf-8")
        try:
            Registry.load(p)
        except RegistryError as e:
            raise RegistryError([Problem(src, x.where, x.message) for x in e.problems]) from None
    return text
