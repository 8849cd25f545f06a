"""The year's commands as the secretariat runs them: merge records in the ledger beside the key, history reads it."""
from __future__ import annotations

import json

from conftest import KEY, WHEN, cli
from parxl.demo import simulate


def test_merge_records_in_the_default_ledger_and_history_reads_it(plan, issued, tmp_path):
    (tmp_path / "parxl.key").write_text(KEY.hex())
    returns = tmp_path / "nhan"
    returns.mkdir()
    simulate.fill_openpyxl(issued["TAMKY"], returns / "tamky.xlsx", plan, "TAMKY",
                           {"III.4.2/1": {"numerator": 96, "denominator": 100}}, WHEN)
    args = ["merge", "--period", "2024-Q3", "--returns", returns, "--out", tmp_path / "th.xlsx"]
    for _ in range(2):                                   # the same merge twice: recorded once
        r = cli(*args)
        assert r.returncode == 0, r.stderr
    ledger = tmp_path / "parxl-ledger.sqlite"
    assert ledger.exists()
    h = cli("history", "--ledger", ledger, "--agency", "TAMKY", "--indicator", "III.4.2/1", "--json")
    assert h.returncode == 0, h.stderr
    rows = json.loads(h.stdout)["rows"]
    assert [(r["period"], r["verdict"]) for r in rows] == [("2024-Q3", "met")]
    none = cli("merge", *args[1:], "--no-ledger", "--out", tmp_path / "th2.xlsx")
    assert none.returncode == 0, none.stderr
    bad = cli("history", "--ledger", ledger)
    assert bad.returncode == 2                           # an agency or an indicator is needed
