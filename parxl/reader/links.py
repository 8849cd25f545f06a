"""Links of a package to outside data (xl/externalLinks, DDE and OLE links, data connections): each is
named, for ``file.external-link``; nothing is ever fetched.  OpenDocument's are found in parxl.reader.ods."""
from __future__ import annotations

from pathlib import PurePosixPath
from xml.etree.ElementTree import ParseError

from . import package
from .package import Parts
from .sheets import NS_REL

_LINK_RELS = ("externalLink", "connections")


def external_links(parts: Parts, names) -> list[str]:
    """Every link of the package to outside data, described: an external workbook, a DDE or OLE link
    (``xl/externalLinks/…``, wherever the workbook's relationships put them), data connections."""
    found = {n for n in names if n.startswith("xl/externalLinks/") and n.endswith(".xml")}
    if "xl/connections.xml" in names:
        found.add("xl/connections.xml")
    rels = "xl/_rels/workbook.xml.rels"
    if rels in names and any(f"/{kind}".encode() in parts.read(rels) for kind in _LINK_RELS):
        try:
            for r in package.tree(parts, rels):
                if r.get("Type", "").rpartition("/")[2] in _LINK_RELS:
                    found.add(_rel_target("xl", r.get("Target", "")))
        except ParseError:
            pass
    return [_describe_link(parts, names, part) for part in sorted(found)]


def _rel_target(base: str, target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else str(PurePosixPath(base) / target)


def _describe_link(parts: Parts, names, part: str) -> str:
    """``part: what it points at`` (a file, ``DDE service|topic``, ``OLE progid``, a connection's name)."""
    if part not in names:
        return part
    try:
        root = package.tree(parts, part)
        folder, _, leaf = part.rpartition("/")
        rels_part = f"{folder}/_rels/{leaf}.rels"
        targets = {r.get("Id"): r.get("Target", "") for r in package.tree(parts, rels_part)} if rels_part in names else {}
    except ParseError:
        return part
    for el in root.iter():
        kind = el.tag.rpartition("}")[2]
        target = targets.get(el.get(f"{NS_REL}id"), "")
        if kind == "externalBook":
            return f"{part}: {target}"
        if kind == "ddeLink":
            return f"{part}: DDE {el.get('ddeService', '')}|{el.get('ddeTopic', '')}"
        if kind == "oleLink":
            return f"{part}: OLE {el.get('progId', '')} {target}".rstrip()
        if kind == "connection":
            return f"{part}: {el.get('name', '')}".rstrip(": ")
    return part
