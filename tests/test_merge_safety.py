"""Nothing one file or one operator slip can do stops, slows or corrupts the quarter's merge.

Each case puts one bad entry (or one bad option) beside two good returns and checks: the finding
code, that the good returns are still merged, that every input is byte-identical afterwards, and,
where it matters, the time and peak memory of the merging process (measured in a fresh process).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import KEY, PARXL, WHEN, cli, copy_to, fill
from parxl.demo import simulate
from parxl.errors import KeyFileError, UsageError
from parxl.intake import find_returns, safe_name
from parxl.merge import check_paths, merge, merge_to_files
from parxl.outputs import OutputLock
from parxl.writer import generate

GOOD = ("TAMKY", "HOIAN")
VALUES = {"III.4.2/1": {"numerator": 96, "denominator": 100}}


@pytest.fixture
def batch(plan, issued, returns_dir):
    """Two good returns; each test adds its one bad entry."""
    for a in GOOD:
        fill(issued, plan, a, returns_dir / f"{a.lower()}.xlsx", VALUES)
    return returns_dir


def _hashes(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _merged(report) -> set[str]:
    return {r.agency for r in report.returns if r.status == "accepted"}


def _codes(report, file=None) -> list[str]:
    return [f.code for f in report.findings if file is None or f.file == file]


# -- entries of the returns folder -------------------------------------------------------------------

def test_non_utf8_file_name_is_read_and_shown_safely(plan, period, issued, batch, tmp_path):
    raw = os.fsdecode(b"b\xe1o c\xe1o_" + b"\xd0\xe0 N\xb5ng.xlsx")   # cp1258 bytes, as unzip leaves them
    fill(issued, plan, "DAILOC", batch / raw, VALUES)
    before = _hashes(batch)
    report = merge_to_files(plan, period, batch, tmp_path / "out" / "th.xlsx", KEY, tmp_path / "out" / "r.json")
    shown = next(r.file for r in report.returns if r.agency == "DAILOC")
    assert "\ufffd" in shown and shown.encode("utf-8")
    assert "file.bad-name" in _codes(report, shown)
    assert _merged(report) == {*GOOD, "DAILOC"}
    assert _hashes(batch) == before
    data = json.loads((tmp_path / "out" / "r.json").read_text(encoding="utf-8"))
    assert shown in {r["file"] for r in data["returns"]}
    wb = openpyxl.load_workbook(tmp_path / "out" / "th.xlsx", read_only=True)
    names = {row[0] for row in wb["Tệp nhận được"].iter_rows(min_row=5, values_only=True)}
    assert shown in names


def test_fifo_in_the_folder_is_listed_not_opened(plan, period, batch):
    os.mkfifo(batch / "pipe.xlsx")
    t = time.monotonic()
    report = merge(plan, period, batch, KEY)
    assert time.monotonic() - t < 30
    assert "file.not-regular" in _codes(report, "pipe.xlsx")
    assert _merged(report) == set(GOOD)


def test_fifo_given_to_check_does_not_hang(plan, period, tmp_path):
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    t = time.monotonic()
    [c] = check_paths([fifo], plan, period, KEY)
    assert time.monotonic() - t < 30
    assert "file.not-regular" in [f.code for f in c.findings]


def test_symlink_to_a_file_outside_the_folder_is_not_read(plan, period, batch):
    (batch / "passwd.xlsx").symlink_to("/etc/passwd")
    report = merge(plan, period, batch, KEY)
    entry = next(r for r in report.returns if r.file == "passwd.xlsx")
    assert entry.sha256 == ""                                   # never opened, never hashed
    assert "file.outside-folder" in _codes(report, "passwd.xlsx")
    assert _merged(report) == set(GOOD)


def test_symlinked_subfolder_leading_outside_is_listed(plan, period, issued, batch, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    fill(issued, plan, "DAILOC", outside / "dailoc.xlsx", VALUES)
    (batch / "linked").symlink_to(outside, target_is_directory=True)
    report = merge(plan, period, batch, KEY)
    assert "file.outside-folder" in _codes(report, "linked")
    assert "DAILOC" not in _merged(report) and _merged(report) == set(GOOD)


def test_symlink_inside_the_folder_is_read_at_its_target(plan, period, batch):
    (batch / "again.xlsx").symlink_to(batch / "tamky.xlsx")
    report = merge(plan, period, batch, KEY)
    statuses = sorted(r.status for r in report.returns if r.agency == "TAMKY")
    assert statuses == ["accepted", "superseded"]


def test_a_file_that_is_not_a_spreadsheet_is_listed(plan, period, batch):
    (batch / "cong-van.pdf").write_bytes(b"%PDF-1.4 ...")
    report = merge(plan, period, batch, KEY)
    assert "file.not-spreadsheet" in _codes(report, "cong-van.pdf")
    assert next(r.status for r in report.returns if r.file == "cong-van.pdf") == "skipped"


def _without_privileges(cmd: list[str]) -> list[str]:
    """As root, permissions do not apply: run the command as root without its capabilities (setpriv)."""
    if os.getuid() != 0:
        return cmd
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: a folder's permissions cannot be made to apply")
    return ["setpriv", "--inh-caps=-all", "--bounding-set=-all", *cmd]


def test_unreadable_subfolder_is_reported_not_silently_skipped(plan, issued, tmp_path):
    returns = tmp_path / "returns"
    (returns / "locked").mkdir(parents=True)
    for a in GOOD:
        fill(issued, plan, a, returns / f"{a.lower()}.xlsx", VALUES)
    fill(issued, plan, "DAILOC", returns / "locked" / "dailoc.xlsx", VALUES)
    (tmp_path / "k.key").write_text(KEY.hex())
    os.chmod(returns / "locked", 0)
    try:
        r = subprocess.run(_without_privileges([*PARXL, "merge", "--period", "2024-Q3", "--returns", str(returns),
                                                "--key", str(tmp_path / "k.key"), "--out", str(tmp_path / "th.xlsx"),
                                                "--report", str(tmp_path / "r.json")]),
                           capture_output=True, text=True, cwd=tmp_path)
    finally:
        os.chmod(returns / "locked", 0o755)
    assert r.returncode == 0, r.stderr
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert any(f["code"] == "file.folder-unreadable" and f["file"] == "locked/" for f in data["findings"])
    assert {x["agency"] for x in data["returns"] if x["status"] == "accepted"} == set(GOOD)


def test_consolidated_workbook_dropped_among_returns_is_skipped(plan, period, batch, tmp_path):
    merge_to_files(plan, period, batch, tmp_path / "th.xlsx", KEY)
    shutil.copyfile(tmp_path / "th.xlsx", batch / "tong-hop-cu.xlsx")
    report = merge(plan, period, batch, KEY)
    assert "file.output-skipped" in _codes(report, "tong-hop-cu.xlsx")
    assert next(r.status for r in report.returns if r.file == "tong-hop-cu.xlsx") == "skipped"
    assert not [c for c in _codes(report, "tong-hop-cu.xlsx") if c.startswith("identity.")]


# -- one file cannot bury the others -----------------------------------------------------------------

def test_findings_flood_is_capped_per_file_and_code(plan, period, issued, batch):
    src = fill(issued, plan, "DAILOC", batch / "flood.xlsx", VALUES)
    wb = openpyxl.load_workbook(src)
    ws = wb[next(n for n in wb.sheetnames if n not in ("Hướng dẫn", "DanhMuc", "_parxl"))]
    for i in range(1500):
        ws.cell(200 + i, 1).value = f"X.{i}/1"
    wb.save(src)
    report = merge(plan, period, batch, KEY)
    codes = _codes(report, "flood.xlsx")
    assert codes.count("row.unknown") == 200
    capped = [f for f in report.findings if f.code == "file.findings-capped" and f.file == "flood.xlsx"]
    assert len(capped) == 1 and capped[0].seen == 1300 and capped[0].expected == "row.unknown"
    assert _merged(report) == {*GOOD, "DAILOC"}


# -- which return wins --------------------------------------------------------------------------------

def _rewrite(path: Path, edit) -> None:
    """Rewrite a workbook's zip, each part through ``edit(name, data)`` (None drops the part)."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = edit(info.filename, src.read(info))
            if data is not None:
                out.writestr(info, data)
    path.write_bytes(buf.getvalue())


def _set_core_modified(path: Path, text: str | None) -> None:
    """Rewrite docProps/core.xml's modified time as given (None: drop core.xml altogether)."""
    def edit(name, data):
        if name == "docProps/core.xml":
            return None if text is None else re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + text.encode(), data)
        if text is None and name in ("[Content_Types].xml", "_rels/.rels"):
            return re.sub(rb"<(Override|Relationship)[^>]*core[^>]*/>", b"", data)
        return data
    _rewrite(path, edit)


@pytest.mark.parametrize("quirk,stamp", [("seven_fraction_digits", "2024-09-17T10:00:00.1234567Z"),
                                          ("no_core_xml", None)])
def test_a_correction_wins_over_the_older_return(plan, period, issued, returns_dir, quirk, stamp):
    old = fill(issued, plan, "TAMKY", returns_dir / "tamky_lan1.xlsx",
               {"III.4.2/1": {"numerator": 50, "denominator": 100}}, WHEN)
    new = fill(issued, plan, "TAMKY", returns_dir / "tamky_lan2.xlsx",
               {"III.4.2/1": {"numerator": 99, "denominator": 100}}, WHEN)
    _set_core_modified(new, stamp)
    t_old = (WHEN - dt.timedelta(days=3)).timestamp()
    os.utime(old, (t_old, t_old))
    t_new = (WHEN + dt.timedelta(days=1)).timestamp()
    os.utime(new, (t_new, t_new))
    report = merge(plan, period, returns_dir, KEY)
    status = {r.file: r.status for r in report.returns}
    assert status == {"tamky_lan1.xlsx": "superseded", "tamky_lan2.xlsx": "accepted"}
    won = next(r for r in report.returns if r.file == "tamky_lan2.xlsx")
    assert won.rivals == 1
    if stamp is None:
        assert won.saved_source == "file"
        assert "return.no-save-time" in _codes(report, "tamky_lan2.xlsx")
    else:
        assert won.saved_source == "document" and won.saved_at.microsecond == 0
        assert won.saved_at == dt.datetime(2024, 9, 17, 10, 0, tzinfo=dt.timezone.utc)


def test_a_clock_far_in_the_future_is_flagged_and_the_file_time_decides(plan, period, issued, returns_dir):
    old = fill(issued, plan, "TAMKY", returns_dir / "a_future_clock.xlsx", VALUES, WHEN)
    _set_core_modified(old, "2099-01-01T00:00:00Z")
    new = fill(issued, plan, "TAMKY", returns_dir / "b_correction.xlsx", VALUES, WHEN + dt.timedelta(days=1))
    t = WHEN.timestamp()
    os.utime(old, (t, t))
    t = (WHEN + dt.timedelta(days=2)).timestamp()
    os.utime(new, (t, t))
    report = merge(plan, period, returns_dir, KEY)
    assert {r.file: r.status for r in report.returns} == {"a_future_clock.xlsx": "superseded",
                                                          "b_correction.xlsx": "accepted"}
    assert "return.clock-future" in _codes(report, "a_future_clock.xlsx")


def test_the_consolidated_workbook_says_which_file_won_and_why(plan, period, issued, returns_dir, tmp_path):
    fill(issued, plan, "TAMKY", returns_dir / "lan1.xlsx", VALUES, WHEN - dt.timedelta(days=1))
    fill(issued, plan, "TAMKY", returns_dir / "lan2.xlsx", VALUES, WHEN)
    merge_to_files(plan, period, returns_dir, tmp_path / "th.xlsx", KEY)
    ws = openpyxl.load_workbook(tmp_path / "th.xlsx", read_only=True)["Tệp nhận được"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True) if r[0]}
    assert "lan2.xlsx" in rows["lan1.xlsx"][3] and "16/09/2024 17:00 giờ Việt Nam" in rows["lan2.xlsx"][3]
    assert rows["lan2.xlsx"][3].startswith("Bản mới nhất trong 2 bản")


# -- a native crash or a hang in one file ---------------------------------------------------------------

@pytest.mark.skipif(os.environ.get("PARXL_START_METHOD") in ("spawn", "forkserver"),
                    reason="read_return is monkeypatched in this process; spawned workers import parxl afresh and "
                           "never see it (the same crash under spawn: test_portability.py::"
                           "test_a_reader_crash_in_a_spawned_worker_costs_only_that_file)")
def test_reader_crash_costs_only_that_file(plan, period, batch, monkeypatch, issued):
    """The worker that reads 'crash.xlsx' dies as a native abort would (SIGABRT); the rest is merged."""
    import parxl.merge as m
    real = m.read_return

    def fragile(path, name=None, **kw):
        if str(name).startswith("crash"):
            import faulthandler
            faulthandler.disable()   # pytest's handler would print every thread's stack on the abort
            os.abort()
        if str(name).startswith("hang"):
            time.sleep(3600)
        return real(path, name, **kw)

    monkeypatch.setattr(m, "read_return", fragile)
    fill(issued, plan, "DAILOC", batch / "crash.xlsx", VALUES)
    fill(issued, plan, "DUYXUYEN", batch / "hang.xlsx", VALUES)
    t = time.monotonic()
    report = merge(plan, period, batch, KEY, workers=2, timeout=3)
    assert time.monotonic() - t < 60
    assert "file.reader-crashed" in _codes(report, "crash.xlsx")
    assert "file.too-slow" in _codes(report, "hang.xlsx")
    assert _merged(report) == set(GOOD)
    crashed = next(r for r in report.returns if r.file == "crash.xlsx")
    assert crashed.sha256 == hashlib.sha256((batch / "crash.xlsx").read_bytes()).hexdigest()


# -- operator slips: refused before anything is read, nothing overwritten --------------------------------

@pytest.fixture
def desk(plan, issued, tmp_path):
    """A secretariat's folder: a key, a returns folder with two returns, an output folder."""
    (tmp_path / "parxl.key").write_text(KEY.hex())
    returns = tmp_path / "returns"
    returns.mkdir()
    for a in GOOD:
        fill(issued, plan, a, returns / f"{a.lower()}.xlsx", VALUES)
    return tmp_path


SLIPS = {
    "out_is_a_return": lambda d: ["--out", d / "returns" / "tamky.xlsx"],
    "out_inside_returns_folder": lambda d: ["--out", d / "returns" / "th.xlsx"],
    "report_is_a_return": lambda d: ["--out", d / "th.xlsx", "--report", d / "returns" / "hoian.xlsx"],
    "report_equals_out": lambda d: ["--out", d / "th.xlsx", "--report", d / "th.xlsx"],
    "out_is_the_key": lambda d: ["--out", d / "parxl.key"],
    "report_is_the_key": lambda d: ["--out", d / "th.xlsx", "--report", d / "parxl.key"],
    "out_with_xls_extension": lambda d: ["--out", d / "th.xls"],
    "out_parent_is_a_file": lambda d: ["--out", d / "parxl.key" / "th.xlsx"],
}


@pytest.mark.parametrize("slip", sorted(SLIPS))
def test_merge_slip_is_refused_before_reading_and_destroys_nothing(desk, slip):
    before = _hashes(desk)
    r = cli("merge", "--period", "2024-Q3", "--returns", desk / "returns", "--key", desk / "parxl.key",
            *SLIPS[slip](desk))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and r.stderr.strip()
    assert _hashes(desk) == before
    assert not list(desk.glob("*.tmp")) and not list(desk.glob(".*.tmp"))


def test_wrong_key_is_an_operator_error_and_keeps_the_previous_workbook(desk, tmp_path):
    out = desk / "th.xlsx"
    ok = cli("merge", "--period", "2024-Q3", "--returns", desk / "returns", "--key", desk / "parxl.key",
             "--out", out)
    assert ok.returncode == 0, ok.stderr
    before = out.read_bytes()
    (desk / "other.key").write_text("22" * 32)
    r = cli("merge", "--period", "2024-Q3", "--returns", desk / "returns", "--key", desk / "other.key",
            "--out", out)
    assert r.returncode == 2 and "--key" in r.stderr and "chữ ký số" in r.stderr   # the key, not the returns
    assert out.read_bytes() == before


def test_empty_returns_folder_needs_allow_empty(desk):
    empty = desk / "empty"
    empty.mkdir()
    r = cli("merge", "--period", "2024-Q3", "--returns", empty, "--key", desk / "parxl.key", "--out", desk / "th.xlsx")
    assert r.returncode == 2 and not (desk / "th.xlsx").exists()
    r = cli("merge", "--period", "2024-Q3", "--returns", empty, "--key", desk / "parxl.key", "--out", desk / "th.xlsx",
            "--allow-empty")
    assert r.returncode == 0, r.stderr
    assert (desk / "th.xlsx").exists()


def test_a_second_merge_on_the_same_outputs_is_refused_while_one_runs(desk):
    out = desk / "th.xlsx"
    with OutputLock(out):
        r = cli("merge", "--period", "2024-Q3", "--returns", desk / "returns", "--key", desk / "parxl.key",
                "--out", out)
    assert r.returncode == 2 and "một lượt chạy parxl khác" in r.stderr and str(out.name) in r.stderr
    assert not out.exists()


def test_workbook_and_report_are_published_as_a_pair(plan, period, desk):
    out, rep = desk / "o" / "th.xlsx", desk / "o" / "r.json"
    report = merge_to_files(plan, period, desk / "returns", out, KEY, rep)
    props = zipfile.ZipFile(out).read("docProps/custom.xml").decode()
    assert report.inputs_digest() in props
    assert json.loads(rep.read_text(encoding="utf-8"))["inputs"] == report.inputs_digest()
    assert sorted(p.name for p in (desk / "o").iterdir()) == ["r.json", "th.xlsx"]   # no lock file left behind


def test_concurrent_merges_leave_a_consistent_pair(desk):
    """Two merges started together: one wins, the other is refused; the pair on disk is whole."""
    out, rep = desk / "o" / "th.xlsx", desk / "o" / "r.json"
    cmd = [*PARXL, "merge", "--period", "2024-Q3", "--returns", str(desk / "returns"), "--key",
           str(desk / "parxl.key"), "--out", str(out), "--report", str(rep)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    codes = sorted(p.wait(120) for p in procs)
    assert codes in ([0, 0], [0, 2]), [p.stderr.read() for p in procs]
    digest = json.loads(rep.read_text(encoding="utf-8"))["inputs"]
    assert digest in zipfile.ZipFile(out).read("docProps/custom.xml").decode()


def test_generate_never_replaces_a_filled_return_without_force(plan, period, issued, tmp_path):
    out = tmp_path / "issued"
    generate(plan, period, out, KEY, ["TAMKY", "HOIAN"])
    filled = out / "2024-Q3_TAMKY.xlsx"
    fill(issued, plan, "TAMKY", filled, VALUES)
    before = filled.read_bytes()
    (tmp_path / "parxl.key").write_text(KEY.hex())
    r = cli("generate", "--period", "2024-Q3", "--out", out, "--key", tmp_path / "parxl.key",
            "--agency", "TAMKY", "--agency", "HOIAN")
    assert r.returncode == 2 and "2024-Q3_TAMKY.xlsx" in r.stderr
    assert filled.read_bytes() == before
    assert (out / "2024-Q3_HOIAN.xlsx").read_bytes() == issued["HOIAN"].read_bytes()   # a rerun: identical, fine
    r = cli("generate", "--period", "2024-Q3", "--out", out, "--key", tmp_path / "parxl.key",
            "--agency", "TAMKY", "--force")
    assert r.returncode == 0, r.stderr
    assert filled.read_bytes() == issued["TAMKY"].read_bytes()


def test_safe_name_keeps_vietnamese_and_replaces_what_cannot_be_shown():
    assert safe_name("Báo cáo Quý III.xlsx") == ("Báo cáo Quý III.xlsx", False)
    assert safe_name("Ba\u0301o ca\u0301o.xlsx")[0] == "Báo cáo.xlsx"            # NFD from a Mac
    assert safe_name("a\nb.xlsx") == ("a\ufffdb.xlsx", True)
    assert safe_name(os.fsdecode(b"\xff.xlsx")) == ("\ufffd.xlsx", True)


def test_find_returns_lists_every_entry(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"x")
    (tmp_path / "~$a.xlsx").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.ods").write_bytes(b"x")
    (tmp_path / "note.txt").write_text("x")
    names = [(e.name, e.readable) for e in find_returns(tmp_path)]
    assert names == [("a.xlsx", True), ("note.txt", False), ("sub/b.ods", True)]
    with pytest.raises(UsageError):
        find_returns(tmp_path / "missing")


# -- far cells: the whole merge, in a fresh process, time and peak memory measured ----------------------

def _far_cell(src: Path, dst: Path, sheet: str | None, cell: str) -> Path:
    wb = openpyxl.load_workbook(src)
    if sheet == "scratch":
        ws = wb.create_sheet("Nháp")
        ws["A1"] = "ghi chú"
    elif sheet == "identity":
        ws = wb["_parxl"]
    else:
        ws = wb[next(n for n in wb.sheetnames if n not in ("Hướng dẫn", "DanhMuc", "_parxl"))]
    ws[cell] = 1
    wb.save(dst)
    simulate.stamp(dst, WHEN)
    return dst


@pytest.mark.parametrize("sheet,cell", [("input", "XFD1048576"), ("identity", "XFD1048576"),
                                        ("scratch", "XFD1048576"), ("input", "XFD5000"), ("input", "P1048576")])
def test_far_cell_costs_neither_the_batch_nor_memory(plan, issued, desk, sheet, cell):
    returns = desk / "returns"
    src = fill(issued, plan, "DAILOC", desk / "dailoc.xlsx", VALUES)
    _far_cell(src, returns / f"far_{sheet}_{cell}.xlsx", sheet, cell)
    before = _hashes(returns)
    t = time.monotonic()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", *PARXL, "merge", "--period", "2024-Q3", "--returns", returns,
                        "--key", desk / "parxl.key", "--out", desk / "o" / "th.xlsx", "--report", desk / "o" / "r.json"],
                       capture_output=True, text=True)
    wall = time.monotonic() - t
    assert r.returncode == 0, r.stderr
    peak_kib = int(r.stderr.strip().splitlines()[-1])
    assert peak_kib < 500 * 1024 and wall < 60, (peak_kib, wall)
    data = json.loads((desk / "o" / "r.json").read_text(encoding="utf-8"))
    assert {x["agency"] for x in data["returns"] if x["status"] == "accepted"} == {*GOOD, "DAILOC"}
    far = [f for f in data["findings"] if f["code"] == "layout.cell-outside"]
    assert far and far[0]["cell"] == cell
    if sheet == "scratch":
        assert any(f["code"] == "layout.sheet-unknown" and f["sheet"] == "Nháp" for f in data["findings"])
    assert _hashes(returns) == before


def test_malformed_document_metadata_does_not_cost_the_return(plan, period, issued, returns_dir):
    """docProps/core.xml with an unbound prefix (seen from one openpyxl version): the return is still read,
    and dated by the file's own time."""
    path = fill(issued, plan, "TAMKY", returns_dir / "tamky.xlsx", VALUES)

    def unbind_xsi(name, data):
        if name != "docProps/core.xml":
            return data
        data = re.sub(rb"<dcterms:modified[^>]*>", b'<dcterms:modified xsi:type="dcterms:W3CDTF" '
                      b'xmlns:dcterms="http://purl.org/dc/terms/">', data)
        return data.replace(b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"', b"")
    _rewrite(path, unbind_xsi)
    report = merge(plan, period, returns_dir, KEY)
    assert _merged(report) == {"TAMKY"}
    assert "return.no-save-time" in _codes(report, "tamky.xlsx")
