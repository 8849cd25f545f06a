"""Start-up: what a fresh process imports.  The reader does not load the plan model (a check of one return
must not pay for it twice over), ``parxl --help`` loads no subcommand's machinery, and ``parxl check`` loads
neither the writers (xlsxwriter, python-docx) nor the demo's or the bench's libraries.

Each case runs Python with ``-X importtime`` in a fresh process and reads the modules it names; what the
interpreter imports on its own (``python -c pass``: site, .pth hooks) is taken out first.
"""
from __future__ import annotations

import subprocess
import sys
from xml.sax.saxutils import escape, quoteattr

from hypothesis import given, strategies as st

from conftest import ROOT
from parxl.reader.markup import esc, qa

SAMPLE = ROOT / "samples" / "returns" / "2024-Q3_TAMKY_da-dien.xlsx"

# The plan model and what it needs; the writers; the demo's and the bench's libraries.
PLAN_MODEL = {"pydantic", "pydantic_core", "parxl.plan", "parxl.measures", "parxl.layout", "parxl.agencies"}
WRITERS = {"xlsxwriter", "docx", "parxl.writer", "parxl.consolidate", "parxl.documents", "parxl.tablesheet"}
OTHERS = {"pandas", "numpy", "openpyxl", "parxl.demo", "sqlite3", "parxl.ledger"}


def imported(*args: str, cwd=None) -> set[str]:
    """The modules a fresh ``python -X importtime ARGS`` imports beyond what ``python -c pass`` does."""
    def run(*a: str) -> set[str]:
        r = subprocess.run([sys.executable, "-X", "importtime", *a], capture_output=True, text=True, cwd=cwd,
                           timeout=120)
        # parxl check exits 1 when a return has an error; a crash is a traceback
        assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr[-2000:]
        names = {line.rsplit("|", 1)[1].strip() for line in r.stderr.splitlines()
                 if line.startswith("import time:") and line.count("|") == 2}
        assert names, r.stderr[-2000:]
        return names
    return run(*args) - run("-c", "pass")


def top(names: set[str], wanted: set[str]) -> set[str]:
    """Those of ``wanted`` (packages or modules) that ``names`` holds, itself or a submodule."""
    return {w for w in wanted if any(n == w or n.startswith(w + ".") for n in names)}


def test_the_reader_does_not_load_the_plan_model():
    names = imported("-c", "import parxl.reader")
    assert "parxl.reader" in names and "python_calamine" in names  # the measurement sees the reader's imports
    assert top(names, PLAN_MODEL | WRITERS | OTHERS) == set()
    # xml.sax.saxutils imports urllib.request (and http, email): the reader escapes XML itself
    assert top(names, {"urllib.request", "xml.sax", "http"}) == set()


def test_help_loads_no_subcommand(tmp_path):
    names = imported("-m", "parxl", "--help", cwd=tmp_path)
    assert "parxl.cli" in names and "click" in names
    assert top(names, PLAN_MODEL | WRITERS | OTHERS | {"parxl.reader", "parxl.merge", "python_calamine"}) == set()


def test_check_of_one_return_loads_no_writer(tmp_path):
    names = imported("-m", "parxl", "--lang", "en", "check", str(SAMPLE), cwd=tmp_path)
    assert {"parxl.merge", "parxl.reader", "parxl.plan"} <= names  # it did check the return
    assert top(names, WRITERS | OTHERS | {"urllib.request"}) == set()


def test_merge_loads_no_document_writer(tmp_path):
    """The consolidated workbook's timeliness sheet comes from parxl.documents.timeliness, which drafts .docx
    tables too: python-docx (30 ms of a merge's start) is loaded only to write a document."""
    returns = tmp_path / "returns"
    returns.mkdir()
    (returns / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    key = tmp_path / "parxl.key"              # the merge keeps its ledger beside its key: not in samples/
    key.write_bytes((ROOT / "samples" / "sample.key").read_bytes())
    names = imported("-m", "parxl", "--lang", "en", "merge", "--period", "2024-Q3", "--returns", str(returns), "--key",
                     str(key), "--out", str(tmp_path / "th.xlsx"), cwd=tmp_path)
    assert {"parxl.consolidate", "parxl.documents.timeliness", "xlsxwriter"} <= names   # it did write the workbook
    assert top(names, {"docx", "parxl.documents.form", "lxml"}) == set()


@given(st.text(alphabet="ab&<>\"'\n\r\t\u1ec7", max_size=12))
def test_the_readers_xml_escaping_is_the_standard_librarys(text):
    assert esc(text) == escape(text)
    assert qa(text) == quoteattr(text)
