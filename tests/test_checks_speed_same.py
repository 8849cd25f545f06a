"""The short cuts taken to check a return faster say what the rules say: a status typed as the list writes it is
read from a table the rule filled, the header row says whether it has the "Kỳ trước" column while its columns
are found, and a return is known to hold an input once one row holds one.  Each case compares the short cut with
the rule it stands for, on Tam Kỳ's workbook as parxl generates it and reads it back (tests/builders.py)."""
from __future__ import annotations

import unicodedata

from builders import returned

from parxl import values as V
from parxl.checks import _header, _header_row, _norm, check_return
from parxl.layout import REFERENCE_HEADER, REFERENCE_PREFIX, agency_layout
from parxl.vocab import TaskStatus, Verdict

KEY = bytes.fromhex("11" * 32)
AGENCY = "TAMKY"


class Word(str):
    pass


def test_a_status_reads_the_same_from_the_table_and_by_the_rule():
    for st in TaskStatus:
        w = st.value
        assert V.status(w) == V._status(w) == V.Parsed(st)
        for typed in (w.lower(), w.upper(), f" {w} ", w.replace(" ", "  "), unicodedata.normalize("NFD", w),
                      Word(w), f"{w}.", w[:-1]):
            assert V.status(typed) == V._status(typed), typed
    assert V.status("hoàn thành").note is not None          # read, and noted: not the list's word as written
    assert V.status("Xong").error == "value.bad-status"


def _reference_before(sheet, hr):
    """How _locate_rows told a workbook issued with a ledger before the header row said so."""
    return any(isinstance(v, str) and _norm(v).startswith(REFERENCE_PREFIX) for v in sheet.rows[hr])


def test_the_header_row_says_whether_it_has_the_reference_column(plan, issued):
    wb = returned(issued, plan, AGENCY, {})
    names = [s.name for s in agency_layout(plan, AGENCY)]
    for i, name in enumerate(names):
        sheet = wb.sheets[name]
        hr, cols, reference = _header_row(sheet)
        assert (hr, cols) == _header(sheet)
        assert reference is False and _reference_before(sheet, hr) is False
        row = sheet.rows[hr]
        # the reference header typed three ways: as generate writes it, spaced out, and longer than any memo holds
        row.append([REFERENCE_HEADER, f"  {REFERENCE_PREFIX}   (quý trước)", REFERENCE_PREFIX + " x" * 150][i % 3])
        assert _header_row(sheet)[2] is True and _reference_before(sheet, hr) is True
        assert _header_row(sheet)[:2] == _header(sheet) == (hr, cols)
        sheet.rows[hr - 1].append(REFERENCE_HEADER)            # above the header: not the header row's
        row.pop()
        assert _header_row(sheet)[2] is False and _reference_before(sheet, hr) is False


def test_a_return_holding_one_input_on_its_last_row_is_a_return(plan, period, issued):
    rows = [r.indicator.code for s in agency_layout(plan, AGENCY) for r in s.rows]
    blank = check_return(returned(issued, plan, AGENCY, {}), plan, period, KEY)
    assert [f.code for f in blank.findings] == ["return.blank"] and not blank.results
    for code in (rows[0], rows[-1]):
        c = check_return(returned(issued, plan, AGENCY, {code: {"issues": "Thiếu nhân lực."}}), plan, period, KEY)
        assert "return.blank" not in {f.code for f in c.findings}
        assert len(c.results) == len(rows) and c.results[code].verdict is Verdict.MISSING_DATA


def test_a_result_made_the_short_way_equals_one_made_by_its_init(plan, period, issued):
    from dataclasses import fields

    from parxl.checks import Result, make_result as _result
    rows = [r for s in agency_layout(plan, AGENCY) for r in s.rows]
    typed = {r.indicator.code: {"status": "Hoàn thành", "evidence": "Báo cáo số 1/BC", "doc_date": "10/09/2024",
                                "numerator": 9, "denominator": 10, "value": 3, "baseline": 2} for r in rows[::2]}
    c = check_return(returned(issued, plan, AGENCY, typed), plan, period, KEY)
    assert len(c.results) == len(rows) and any(r.cells for r in c.results.values())
    for r in c.results.values():
        values = [getattr(r, f.name) for f in fields(Result)]
        made = Result(*values)
        assert made == r and vars(made) == vars(r) and type(made) is type(r)
        assert _result(*values) == made
    try:
        _result(*values[:-1])               # a field left out is refused, not left unset
    except ValueError:
        pass
    else:
        raise AssertionError("a Result made with a field missing")


def test_text_reads_a_plain_str_as_it_reads_any_other_text():
    """V.text's short way for a plain str (an NFC check, no copy) against the general way, which a str subclass
    still takes: the same value, note and warning for texts blank, spaced, decomposed, long and formula-like."""
    from hypothesis import given, settings, strategies as st
    words = st.sampled_from(["", " ", "  ", "Báo cáo", unicodedata.normalize("NFD", "Quyết định số 12"), "=SUM(A1)",
                             "- gạch đầu dòng", "-1", "+84", "@x", "\t", "\n", "é", "e\u0301", "x" * 40])

    @settings(max_examples=400, deadline=None)
    @given(st.lists(words, max_size=6).map("".join), st.sampled_from([V.MAX_TEXT, 5, 12]))
    def same(s, limit):
        assert V.text(s, limit) == V.text(Word(s), limit)
    same()
    assert V.text(unicodedata.normalize("NFD", " Hoàn ")).note is not None
    assert V.text("x" * 20, 12).warning == "value.text-too-long"
