"""Which sheets a workbook has, where calamine finds each one's part, which the reader reads."""
from __future__ import annotations

from ..findings import Amount
from ..sheetnames import COVER_SHEET, LIST_SHEET
from . import package
from .limits import MAX_SHEETS, TooLarge
from .package import Parts

NOT_READ = frozenset({COVER_SHEET, LIST_SHEET})   # what the issued workbook says there is never read back as values
SHOWN = COVER_SHEET                    # ... though the cover is read, for what it shows (the template id)
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _calamine_part(target: str, names) -> str | None:
    """The part python-calamine reads for a sheet's relationship target, exactly: ``/x`` is ``x``, any other
    target is joined to ``xl/`` as it is written (``./worksheets/a.xml`` is ``xl/./worksheets/a.xml``, a part
    of its own), the part of that name, else the one part whose name differs only in case.  None when no
    part is found (calamine finds none either); ValueError (``file.not-xlsx``) when two differ only in case."""
    part = target[1:] if target.startswith("/") else "xl/" + target
    if part in names:
        return part
    same = [n for n in names if n.lower() == part.lower()]
    if len(same) > 1:
        raise ValueError(f"sheet target {target[:60]}: {len(same)} parts differ only in case")
    return same[0] if same else None


def sheet_parts(parts: Parts, names) -> list[tuple[str, str | None]]:
    """(sheet name, worksheet part or None when the workbook points nowhere), in workbook order."""
    wbx = package.tree(parts, "xl/workbook.xml")
    rels = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for r in package.tree(parts, "xl/_rels/workbook.xml.rels"):
            rels[r.get("Id")] = r.get("Target", "")
    sheets = wbx.find(f"{NS_MAIN}sheets")
    out = []
    for s in (sheets if sheets is not None else []):
        out.append((s.get("name", ""), _calamine_part(rels.get(s.get(f"{NS_REL}id"), ""), names)))
    if len(out) > MAX_SHEETS:
        raise TooLarge(Amount(len(out), "sheets"), MAX_SHEETS)
    return out


_SHARED_STRINGS = "xl/sharedStrings.xml"


def shared_string_parts(names) -> list[str]:
    """Every part calamine may read as the shared-string table (it finds the part whatever its case),
    the one named exactly first."""
    found = (n for n in names if n.lower() == _SHARED_STRINGS.lower())
    return sorted(found, key=lambda n: (n != _SHARED_STRINGS, n))
