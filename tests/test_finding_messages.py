"""Finding messages go through parxl's one gettext catalog (issue 22): each code's message is an English msgid
(parxl/findings.py), its Vietnamese is in parxl.po/parxl.mo.  Every code and every unit of an Amount has its
Vietnamese in the compiled catalog; a finding reads exactly as frozen here; and what workbooks and the JSON
report show is Vietnamese whatever language the command line speaks, while the CLI's own lines follow it."""
from __future__ import annotations

import datetime as dt
import gettext
import io
import json
import unicodedata

import openpyxl
import pytest

from conftest import KEY, ROOT, cli
from parxl import i18n
from parxl.demo import simulate
from parxl.findings import _MORE_THAN, CATALOG, UNITS, Amount, Finding
from parxl.merge import merge_to_files
from parxl.periods import Period
from parxl.writer import generate

PO = ROOT / "parxl" / "locale" / "vi" / "LC_MESSAGES" / "parxl.po"
MO = PO.with_suffix(".mo")
MISSING = "\0 no translation \0"

# The messages as they read before the catalog moved to gettext, frozen: (code, seen/expected, vi, en).
FROZEN = [
    ("value.missing", dict(expected="Mẫu số"), "Chưa nhập Mẫu số.", "Mẫu số is not filled in."),
    ("file.too-large", dict(seen=Amount(120_000_000, "bytes", part="xl/worksheets/sheet1.xml"),
                            expected=Amount(50_000_000, "bytes")),
     "Tệp vượt giới hạn an toàn khi giải nén (xl/worksheets/sheet1.xml: 120000000 B; tối đa 50000000 B).",
     "The file exceeds the safe unpacked-size limits (xl/worksheets/sheet1.xml: 120000000 B; at most 50000000 B)."),
    ("file.too-large", dict(seen=Amount(32_767, "characters", more=True), expected=Amount(32_767, "characters")),
     "Tệp vượt giới hạn an toàn khi giải nén (hơn 32767 ký tự; tối đa 32767 ký tự).",
     "The file exceeds the safe unpacked-size limits (more than 32767 characters; at most 32767 characters)."),
    ("identity.other-version", dict(seen="quangnam-2024 v1, bố cục 3f2a", expected="quangnam-2024 v2, bố cục 9c1e"),
     "Biểu mẫu được tạo từ phiên bản/bố cục khác của kế hoạch (quangnam-2024 v1, bố cục 3f2a); phiên bản hiện "
     "hành: quangnam-2024 v2, bố cục 9c1e.",
     "The workbook was made from another plan version or layout (quangnam-2024 v1, bố cục 3f2a); current: "
     "quangnam-2024 v2, bố cục 9c1e."),
    ("file.not-xlsx", dict(seen="File is not a zip file"),
     "Tệp không phải là sổ tính Excel .xlsx hợp lệ (tệp bị hỏng, hoặc được lưu ở định dạng khác).",
     "Not a valid .xlsx workbook (File is not a zip file)."),
    ("file.too-much-work", dict(seen=Amount(5_000_000, "xml-elements", more=True), expected=5_000_000),
     "Đọc tệp cần xử lý quá nhiều (hơn 5000000 phần tử XML; tối đa 5000000), thường do hàng chục triệu ô trống; "
     "đã dừng. Hãy yêu cầu lưu lại tệp từ biểu mẫu đã phát hành.",
     "Reading the file takes too much work (more than 5000000 XML elements; at most 5000000), usually tens of "
     "millions of empty cells; stopped. Ask for the file to be saved again from the issued template."),
]


class _Missing(gettext.NullTranslations):
    def gettext(self, message):
        return MISSING


def _compiled(mo_bytes: bytes) -> gettext.GNUTranslations:
    """A compiled catalog, with a fallback that tells a message it lacks from one translated as itself."""
    t = gettext.GNUTranslations(io.BytesIO(mo_bytes))
    t.add_fallback(_Missing())
    return t


def _po_compiled_without(msgid: str) -> bytes:
    """parxl.po compiled as it is, but for the entry of ``msgid``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    with PO.open("rb") as f:
        cat = read_po(f)
    assert cat.get(msgid) is not None, msgid
    cat.delete(msgid)
    buf = io.BytesIO()
    write_mo(buf, cat)
    return buf.getvalue()


def untranslated(t: gettext.GNUTranslations) -> list[str]:
    """The catalog's codes, and the units of an Amount, whose message ``t`` has no Vietnamese for."""
    msgids = {c.code: c.msgid for c in CATALOG.values()}
    msgids |= {f"amount {u}": m for u, m in UNITS.items()} | {"amount more": _MORE_THAN}
    return sorted(name for name, m in msgids.items() if t.gettext(m) == MISSING)


def test_every_code_and_unit_has_its_vietnamese_in_the_compiled_catalog():
    t = _compiled(MO.read_bytes())
    assert not untranslated(t)
    for c in CATALOG.values():
        vi = t.gettext(c.msgid)
        assert vi != c.msgid and unicodedata.normalize("NFC", vi) == vi, c.code
        assert any(not ch.isascii() for ch in vi), (c.code, vi)      # Vietnamese, diacritics and all


@pytest.mark.parametrize("code", ["value.missing", "identity.other-version", "file.too-large"])
def test_a_po_entry_removed_is_named_and_the_message_falls_back_to_english(code):
    t = _compiled(_po_compiled_without(CATALOG[code].msgid))
    assert untranslated(t) == [code]
    _, where, vi, en = next(x for x in FROZEN if x[0] == code)
    assert Finding(code, **where).render(t.gettext) == MISSING                # the check would have seen it
    lost = gettext.GNUTranslations(io.BytesIO(_po_compiled_without(CATALOG[code].msgid)))
    assert Finding(code, **where).render(lost.gettext) == en != vi             # what a reader would get


def test_a_unit_removed_from_the_po_is_named():
    assert untranslated(_compiled(_po_compiled_without(UNITS["characters"]))) == ["amount characters"]
    assert untranslated(_compiled(_po_compiled_without(_MORE_THAN))) == ["amount more"]


@pytest.mark.parametrize("lang", ["vi", "en", None])
@pytest.mark.parametrize("code, where, vi, en", FROZEN, ids=[f"{x[0]}-{i}" for i, x in enumerate(FROZEN)])
def test_a_finding_reads_as_frozen_whatever_language_the_cli_speaks(code, where, vi, en, lang):
    before = i18n.language()
    try:
        if lang:
            i18n.set_language(lang)
        f = Finding(code, **where)
        assert f.message == vi and f.to_dict()["message"] == vi          # workbooks, documents, JSON
        assert f.message_en == en
        assert i18n.finding_message(f) == (vi if lang == "vi" else en)   # the CLI's lines (a library: English)
    finally:
        i18n.set_language(before)


def test_the_consolidated_workbook_and_the_json_report_stay_vietnamese_under_lang_en(plan, tmp_path):
    """A real return with the denominator of III.4.2/1 left blank, merged while the CLI speaks English."""
    period = Period.parse("2024-Q3")
    issued = generate(plan, period, tmp_path / "issued", KEY, agencies=["HOIAN"])[0]
    (tmp_path / "returns").mkdir()
    simulate.fill_openpyxl(issued.path, tmp_path / "returns" / "hoian.xlsx", plan, "HOIAN",
                           {"III.4.2/1": {"numerator": 980}}, dt.datetime(2024, 9, 16, 10, tzinfo=dt.timezone.utc))
    before = i18n.language()
    i18n.set_language("en")
    try:
        rep = merge_to_files(plan, period, tmp_path / "returns", tmp_path / "out" / "tong-hop.xlsx", KEY,
                             report_path=tmp_path / "out" / "tong-hop.json")
    finally:
        i18n.set_language(before)
    [f] = [f for f in rep.findings if f.indicator == "III.4.2/1"]
    assert (f.code, f.expected) == ("value.missing", "Mẫu số")
    wb = openpyxl.load_workbook(tmp_path / "out" / "tong-hop.xlsx", read_only=True)
    shown = [c for row in wb["Lỗi & cảnh báo"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Chưa nhập Mẫu số." in shown and "Mẫu số is not filled in." not in shown
    report = json.loads((tmp_path / "out" / "tong-hop.json").read_text(encoding="utf-8"))
    assert {"code": "value.missing", "indicator": "III.4.2/1", "message": "Chưa nhập Mẫu số."}.items() <= \
        next(x for x in report["findings"] if x["indicator"] == "III.4.2/1").items()


def test_check_in_english_prints_english_and_its_json_stays_vietnamese(tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    text = cli("--lang", "en", "check", empty)
    assert "The file is empty (0 bytes)." in text.stdout and "Tệp rỗng" not in text.stdout
    [got] = json.loads(cli("--lang", "en", "check", "--json", empty).stdout)
    assert [(f["code"], f["message"]) for f in got["findings"]] == [("file.empty", "Tệp rỗng (0 byte).")]
    assert "Tệp rỗng (0 byte)." in cli("check", empty).stdout                  # Vietnamese by default


def test_a_package_without_its_vietnamese_catalog_says_so_rather_than_speak_english(tmp_path, monkeypatch):
    """A broken install (no parxl.mo) must not word workbooks in English: it stops, saying to reinstall."""
    from parxl import i18n
    from parxl.findings import Finding
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_loaded", {})
    with pytest.raises(RuntimeError, match="reinstall parxl"):
        Finding("file.empty", file="a.xlsx").message
