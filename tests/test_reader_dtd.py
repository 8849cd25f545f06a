"""The reader's quick DTD search (parxl.reader.package._declares) finds exactly what the full regex finds: in
UTF-8 and UTF-16 of either byte order, any case, behind any number of "!"s (past the few it looks at one by
one, it hands over to the two-byte searches)."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from parxl.reader.package import _DTD_ANYWHERE, _declares

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
