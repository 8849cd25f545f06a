"""An agency registry (agencies.toml) from a list of agencies, for today's administrative map.

Since 1 July 2025 local government has two tiers: the province (or centrally-run city) and the
commune level.  A list of agencies with the columns ``code, name, group, parent`` (.csv or .xlsx;
optional ``aliases`` separated by "|" and ``reports`` yes/no) becomes a registry in the bundled
registry's format.  Groups the plans name ("Sở, ban, ngành", "UBND cấp xã", "Đơn vị sự nghiệp công
lập", ...) get the aliases the plans use; a group the list does not use is not written, so a plan
phrase naming it ("UBND cấp huyện" on a map with no district level) is a clear ``plan check`` error
rather than a silent empty group.
"""
from __future__ import annotations

import csv
import json
import re
import tempfile
from pathlib import Path

from .agencies import Registry
from .errors import Problem, RegistryError
from .targets import fold

__all__ = ["import_registry"]

# group code, name, aliases, folded spellings of the group column that mean it
_KNOWN = [
    ("so-nganh", "Sở, ban, ngành", ["sở, ban, ngành tỉnh", "sở ban ngành", "sở, ngành", "cơ quan chuyên môn cấp tỉnh",
                                    "sở, ban, ngành thành phố"],
     ("so-nganh", "so, ban, nganh", "so ban nganh", "so nganh", "so, nganh", "co quan chuyen mon")),
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
_UMBRELLA = ("co-quan-dia-phuong", "Cơ quan, đơn vị, địa phương",
             ["cơ quan, đơn vị liên quan", "cơ quan, đơn vị được kiểm tra"])
_HEADERS = {"code": ("code", "ma", "ma co quan"), "name": ("name", "ten", "ten co quan"),
            "group": ("group", "nhom", "loai"), "parent": ("parent", "cap tren", "truc thuoc"),
            "aliases": ("aliases", "ten khac", "alias"), "reports": ("reports", "bao cao", "nhan bieu mau")}


def _rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [[c.strip() for c in r] for r in csv.reader(fh)]
    if path.suffix.lower() in (".xlsx", ".xlsm", ".ods", ".xls"):
        from python_calamine import CalamineWorkbook
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return [["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()
                 for v in r] for r in sheet.to_python()]
    raise RegistryError([Problem(str(path), "", "expected a .csv or .xlsx list of agencies")])


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


def import_registry(path: str | Path, *, registry_id: str | None = None, province: str | None = None) -> str:
    """Build agencies.toml from a list of agencies (.csv or .xlsx with columns code, name, group, parent).

    ``group`` is a group's name or code ("Sở, ban, ngành", "UBND cấp xã", "Đơn vị sự nghiệp công lập",
    or any other name, which becomes a group of its own); ``parent`` is the code of the agency a unit
    sits under (optional; there is no district level on today's map).  Optional columns: ``aliases``
    (other names the plan may use, separated by "|") and ``reports`` ("no" for a body the plan names
    but that receives no workbook).  The groups the plans name get the aliases plans use; the
    umbrella "Cơ quan, đơn vị, địa phương" includes the departments and the local level present.
    A group the list does not use is not written: a plan phrase naming it is a ``plan check`` error.
    Returns the TOML text (checked by loading it); raises RegistryError listing every problem.
    """
    path = Path(path)
    src = str(path)
    rows = [r for r in _rows(path) if any(r)]
    if not rows:
        raise RegistryError([Problem(src, "", "the list is empty")])
    head = [fold(c).strip() for c in rows[0]]
    col = {}
    for key, names in _HEADERS.items():
        for j, h in enumerate(head):
            if h in names:
                col[key] = j
                break
    missing = [k for k in ("code", "name", "group") if k not in col]
    if missing:
        raise RegistryError([Problem(src, "row 1", f"no column {', '.join(missing)} (need code, name, group, parent)")])
    problems: list[Problem] = []
    agencies, groups, seen = [], {}, set()
    for n, r in enumerate(rows[1:], start=2):
        get = lambda k: r[col[k]].strip() if k in col and col[k] < len(r) else ""  # noqa: E731
        code, name, group = get("code").upper(), " ".join(get("name").split()), get("group")
        if not code and not name:
            continue
        where = f"row {n}"
        if not re.fullmatch(r"[A-Z][A-Z0-9_-]{0,23}", code):
            problems.append(Problem(src, where, f"code {code!r}: a letter, then up to 23 letters, digits, - or _"))
        if code in seen:
            problems.append(Problem(src, where, f"code {code} is used twice"))
        seen.add(code)
        if not name:
            problems.append(Problem(src, where, "no name"))
        if not group:
            problems.append(Problem(src, where, "no group"))
            continue
        gcode, gname, galiases = _group_of(group)
        groups.setdefault(gcode, (gname, galiases))
        aliases = [a.strip() for a in get("aliases").split("|") if a.strip()]
        reports = fold(get("reports")) not in ("no", "khong", "false", "0")
        agencies.append((code, name, gcode, get("parent").upper() or None, aliases, reports))
    for code, _name, _g, parent, _a, _r in agencies:
        if parent and parent not in seen:
            problems.append(Problem(src, f"agency {code}", f"parent {parent} is not in the list"))
    if problems:
        raise RegistryError(problems)
    rid = registry_id or re.sub(r"[^a-z0-9-]+", "-", fold(path.stem)).strip("-") or "registry"
    prov = province or ""
    out = [f"# Agency registry imported by `parxl registry import` from {path.name}.",
           f"# {len(agencies)} agencies in {len(groups)} groups."]
    if "ubnd-huyen" not in groups:
        out += ["# No district level: a plan phrase 'UBND cấp huyện' names nothing here and `plan check` reports",
                "# it.  To map it on purpose, add it to a group's aliases (e.g. the communes' group)."]
    out += ["", "[registry]", f"id = {_q(rid)}", f"province = {_q(prov)}"]
    order = [k for k, *_ in _KNOWN if k in groups] + [k for k in groups if k not in {c for c, *_ in _KNOWN}]
    for g in order:
        name, aliases = groups[g]
        out += ["", "[[group]]", f"code = {_q(g)}", f"name = {_q(name)}"]
        if aliases:
            out.append(f"aliases = {_q(aliases)}")
        if g == "ubnd-xa" and "ubnd-huyen" in groups and not any(a[2] == "ubnd-xa" for a in agencies):
            out.append('delegate_to = "ubnd-huyen"')
    local = [g for g in ("so-nganh", "ubnd-huyen") if g in groups] or [g for g in ("so-nganh", "ubnd-xa") if g in groups]
    if local and _UMBRELLA[0] not in groups:
        out += ["", "[[group]]", f"code = {_q(_UMBRELLA[0])}", f"name = {_q(_UMBRELLA[1])}",
                f"aliases = {_q(_UMBRELLA[2])}", f"includes = {_q(local)}"]
    for code, name, g, parent, aliases, reports in agencies:
        out += ["", "[[agency]]", f"code = {_q(code)}", f"name = {_q(name)}", f"group = {_q(g)}"]
        if aliases:
            out.append(f"aliases = {_q(aliases)}")
        if parent:
            out.append(f"parent = {_q(parent)}")
        if not reports:
            out.append("reports = false")
    text = "\n".join(out) + "\n"
    with tempfile.TemporaryDirectory() as d:       # the registry loads exactly as `plan check` will load it
        p = Path(d) / "agencies.toml"
        p.write_text(text, encoding="utf-8")
        try:
            Registry.load(p)
        except RegistryError as e:
            raise RegistryError([Problem(src, x.where, x.message) for x in e.problems]) from None
    return text
