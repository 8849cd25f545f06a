"""The reader's quick DTD search (parxl.reader.package._declares) finds exactly what the full regex finds: in
UTF-8 and UTF-16 of either byte order, any case, behind any number of "!"s (past the few it looks at one by
one, it hands over to the two-byte searches)."""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from parxl.reader.package import _DTD_ANYWHERE, Parts, _declares

PIECES = [b"<", b"!", b"<!", b"\x00", b"a", b"DanhMuc!$A$1", b"<c r=\"A1\">", b"-->", b"<!--"] + [
    w.encode(enc) for w in ("<!DOCTYPE", "<!ENTITY", "<!doctype", "<!Entity") for enc in ("utf-8", "utf-16-le", "utf-16-be")]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=120), st.integers(0, 200))
def test_the_quick_search_agrees_with_the_regex(pieces, bangs):
    data = b"!" * bangs + b"".join(pieces)
    assert _declares(data) == bool(_DTD_ANYWHERE.search(data))


def test_a_declaration_behind_many_bangs_is_found():
    assert _declares(b"x!" * 10_000 + b"<!DOCTYPE a [<!ENTITY e 'x'>]>")
    assert _declares(b"<?xml version='1.0'?>" + "<!ENTITY".encode("utf-16-be"))
    assert not _declares(b"<x>" + b"!" * 10_000 + b"<a/>")


# -- a declaration cut across the pieces a part is inflated in -------------------------------------------------
# A part not kept whole is searched as it inflates, piece by piece, each with the end of what came before.  A
# deflate stream can hold empty blocks (5 bytes each), so a crafted part inflates to empty or tiny pieces around
# the cut: what came before must be carried across them (the red team's case: "<!DOC" | nothing | "TYPE").

def _stored(data: bytes, final: bool = False) -> bytes:
    return bytes([1 if final else 0]) + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data


def _crafted_part(name: str, pieces: list[bytes]) -> tuple[zipfile.ZipFile, bytes]:
    """A zip whose one part inflates to ``pieces`` joined, with 150 KB of empty deflate blocks between them."""
    gap = _stored(b"") * 30_000
    raw = gap.join(_stored(p) for p in pieces[:-1]) + gap + _stored(pieces[-1], final=True)
    content = b"".join(pieces)
    assert zlib.decompress(raw, -15) == content
    nm, crc = name.encode(), zlib.crc32(content)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(raw), len(content), len(nm), 0)
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(raw), len(content), len(nm),
                          0, 0, 0, 0, 0, 0) + nm
    data = local + nm + raw
    data += central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(data), 0)
    return zipfile.ZipFile(io.BytesIO(data)), data


@pytest.mark.parametrize("word", [b"<!DOCTYPE r [<!ENTITY x 'y'>]>", "<!ENTITY x".encode("utf-16-le"),
                                  "<!doctype r".encode("utf-16-be")])
@pytest.mark.parametrize("cuts", [(1,), (5,), (1, 2), (2, 3, 4)])
def test_a_declaration_cut_by_empty_deflate_blocks_is_found(word, cuts):
    head = b'<?xml version="1.0"?>' + b" " * 8000        # past the head the reader looks at first: streamed
    at, pieces = 0, []
    for n in cuts:
        pieces.append(word[at:at + n])
        at += n
    pieces = [head + pieces[0], *pieces[1:], word[at:] + b"<r/>"]
    zf, data = _crafted_part("customXml/item9.xml", pieces)
    info = zf.infolist()[0]
    assert _DTD_ANYWHERE.search(zf.read(info)) is not None
    assert Parts(zf, data).declares_dtd(info)


def test_a_return_whose_styles_carry_a_dtd_cut_by_empty_blocks_is_refused(monkeypatch, tmp_path):
    """End to end (the red team's file): a sample return whose xl/styles.xml — parsed by calamine, never by the
    reader's own parsers — carries entity declarations behind 4.3 MB of white space (so it is streamed, not kept
    whole), each "<!" cut from its keyword by 150 KB of empty deflate blocks.  Before the fix it was accepted."""
    from parxl.checks import check_return
    from parxl.identity import load_key
    from parxl.periods import Period
    from parxl.plan import load_plan
    from parxl.reader import read_return
    root = Path(__file__).resolve().parent.parent
    src = root / "samples" / "returns" / "2024-Q3_TAMKY_da-dien.xlsx"
    styles = zipfile.ZipFile(src).read("xl/styles.xml")
    decl, rest = (styles.split(b"?>", 1) if styles.startswith(b"<?xml")
                  else (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"', styles))
    dtd = b'<!DOCTYPE styleSheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    content = decl + b"?>" + b" \n" * 2_150_000 + dtd + rest
    blocks = []
    for chunk in re.split(rb"(?<=<!)", content):                 # each "<!" ends a chunk
        blocks += [_stored(chunk[i:i + 65535]) for i in range(0, len(chunk), 65535)]
        blocks.append(_stored(b"") * 30_000)
    raw = b"".join(blocks[:-1]) + _stored(b"", final=True)
    assert zlib.decompress(raw, -15) == content

    class Crafted:                                              # zipfile's deflater, replaced for that one part
        def compress(self, data):
            return raw

        def flush(self):
            return b""

    dst = tmp_path / src.name
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == "xl/styles.xml":
                with monkeypatch.context() as m:
                    m.setattr(zipfile, "_get_compressor", lambda *a, **k: Crafted())
                    zout.writestr(info.filename, content)
            else:
                zout.writestr(info, zin.read(info.filename))
    assert zipfile.ZipFile(dst).read("xl/styles.xml") == content
    plan, period = load_plan(root / "templates" / "quangnam-2024" / "plan.toml"), Period.parse("2024-Q3")
    checked = check_return(read_return(dst, dst.name), plan, period, load_key(root / "samples" / "sample.key"))
    assert not checked.accepted
    assert [f.code for f in checked.findings] == ["file.xml-entities"]
