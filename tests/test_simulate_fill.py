"""The benchmark's fast filler writes what openpyxl writes, as the merge reads it."""
from __future__ import annotations

import random

from parxl.demo import simulate
from parxl.merge import merge

from conftest import KEY, WHEN


def test_fill_xml_reads_back_as_fill_openpyxl(plan, period, issued, tmp_path):
    agencies = ["TAMKY", "SNV", "STTTT", "HOIAN"]
    for way in ("openpyxl", "xml"):
        (tmp_path / way).mkdir()
        for a in agencies:
            values = simulate.answers(plan, a, period, random.Random(f"fill-{a}"), miss_rate=0.3)
            fill = simulate.fill_openpyxl if way == "openpyxl" else simulate.fill_xml
            fill(issued[a], tmp_path / way / issued[a].name, plan, a, values, WHEN)
    slow, fast = (merge(plan, period, tmp_path / way, KEY) for way in ("openpyxl", "xml"))
    assert [(e.agency, e.status, e.saved_at) for e in fast.returns] == \
           [(e.agency, e.status, e.saved_at) for e in slow.returns]
    assert {e.status.value for e in fast.returns} == {"accepted"}
    keep = lambda r: (r.agency, r.indicator, r.verdict, r.value, r.numerator, r.denominator, r.current,  # noqa: E731
                      r.baseline, r.reported_status, r.evidence, r.doc_date, r.issues, r.proposals, r.cell)
    assert [keep(r) for r in fast.results] == [keep(r) for r in slow.results]
    assert sum(r.doc_date is not None for r in fast.results) > 5
    assert [f.code for f in fast.findings] == [f.code for f in slow.findings]
