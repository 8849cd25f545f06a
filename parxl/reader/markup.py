"""XML as the reader writes it: text and attribute values escaped, names without their prefix."""
from __future__ import annotations


# xml.sax.saxutils's escape and quoteattr, byte for byte: that module imports urllib.request (~15 ms of start-up).
def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def qa(value: str) -> str:
    v = esc(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in v:
        return f'"{v}"'
    return f"'{v}'" if "'" not in v else '"' + v.replace('"', "&quot;") + '"'


def local(name: str) -> str:
    """A tag's name without its namespace prefix."""
    return name.rpartition(":")[2]
