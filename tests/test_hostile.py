"""Hostile and messy returns: each gets its finding at the right place; the good ones are all counted;
nothing is lost or altered; a rerun gives the same bytes."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import defaultdict

import pytest

import corpus
from conftest import KEY, PARXL, ROOT
from parxl.merge import check_paths, merge, merge_to_files
from parxl.plan import load_plan
from parxl.writer import generate


@pytest.fixture(scope="session")
def other_plan_return(plan, period, tmp_path_factory):
    """A workbook signed with our key, from another plan (another id)."""
    d = tmp_path_factory.mktemp("otherplan")
    src = (ROOT / "templates" / "quangnam-2024" / "plan.toml").read_text(encoding="utf-8")
    (d / "plan.toml").write_text(src.replace('id = "quangnam-par-2024"', 'id = "quangnam-par-2023"')
                                 .replace('agencies = "agencies.toml"',
                                          f'agencies = "{(ROOT / "templates/quangnam-2024/agencies.toml").as_posix()}"'),
                                 encoding="utf-8")
    other = load_plan(d / "plan.toml")
    return generate(other, period, d / "out", KEY, ["HIEPDUC"])[0].path


@pytest.fixture(scope="session")
def messy(plan, period, issued, other_plan_return, tmp_path_factory):
    d = tmp_path_factory.mktemp("messy")
    return d, corpus.build_files(plan, period, issued, d, other_plan_return)


def _by_file(findings):
    out = defaultdict(list)
    for f in findings:
        out[f.file].append(f)
    return out


def test_each_case_gets_its_code_at_its_place_and_good_returns_count(plan, period, messy):
    folder, cases = messy
    report = merge(plan, period, folder, KEY)
    status = {e.file: e for e in report.returns}
    assert "~$return_office_lock_file.xlsx" not in status
    found = _by_file(report.findings)
    for c in cases:
        entry = status[c.file]
        assert (entry.status != "rejected") == c.accepted, (c.file, entry.status, [f.code for f in found[c.file]])
        if c.accepted:
            assert entry.agency == c.agency, c.file
        if c.code:
            hits = [f for f in found[c.file] if f.code == c.code]
            assert hits, (c.file, c.code, [f.code for f in found[c.file]])
            f = hits[0]
            if c.sheet:
                assert f.sheet == c.sheet, (c.file, f.sheet)
            if c.cell:
                assert f.cell == c.cell, (c.file, f.cell)
            if "indicator" in c.extra and c.code.startswith(("row.", "value.")):
                assert any(h.indicator == c.extra["indicator"] for h in hits), c.file
            assert f.message and f.message != f.message_en
        if "value" in c.extra:
            r = next(r for r in report.results if r.agency == c.agency and r.indicator == c.extra["indicator"])
            assert r.value is not None and abs(float(r.value) - c.extra["value"]) < 1e-3, (c.file, r.value)
    # the clean ones and the messy-but-readable ones are all counted
    accepted = {e.agency for e in report.returns if e.status == "accepted"}
    assert accepted >= {c.agency for c in cases if c.accepted}


def test_nothing_lost_nothing_altered_rerun_identical(plan, period, messy, tmp_path):
    folder, cases = messy
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    a = merge_to_files(plan, period, folder, tmp_path / "a.xlsx", KEY, tmp_path / "a.json")
    merge_to_files(plan, period, folder, tmp_path / "b.xlsx", KEY, tmp_path / "b.json")
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()} == before
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    # every good return's values reach the report
    ok = next(c for c in cases if c.file == "return_openpyxl_no_cached_values.xlsx")
    r = next(r for r in a.results if r.agency == ok.agency and r.indicator == "III.4.2/1")
    assert (r.numerator, r.denominator, r.verdict) == (97, 100, "met")
    d = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert len(d["returns"]) == len(cases)


def test_formula_looking_text_stays_text_in_the_consolidated_workbook(plan, period, messy, tmp_path):
    import openpyxl
    folder, _ = messy
    rep = merge_to_files(plan, period, folder, tmp_path / "c.xlsx", KEY)
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    ws = wb["Dữ liệu"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith(("=HYPERLINK", "@SUM"))]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)
    assert rep.results


def test_check_command_gives_the_same_codes_one_file_at_a_time(plan, period, messy):
    folder, cases = messy
    files = [folder / c.file for c in cases]
    checked = check_paths(files, plan, period, KEY)
    merged = _by_file(merge(plan, period, folder, KEY).findings)
    for c, ch in zip(cases, checked):
        assert ch.accepted == c.accepted, c.file
        assert {f.code for f in ch.findings} == {f.code for f in merged[c.file]} - {"return.superseded", "return.late"}
    key = folder.parent / "check.key"
    key.write_text(KEY.hex() + "\n")
    two = [str(folder / "return_signature_edited.xlsx"), str(folder / "return_openpyxl_no_cached_values.xlsx")]
    r = subprocess.run(PARXL + ["check", "--json", "--key", str(key), *two], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1                  # one file has an error finding
    out = json.loads(r.stdout)
    assert [o["accepted"] for o in out] == [False, True]
    assert "identity.bad-signature" in {f["code"] for f in out[0]["findings"]}
    # an agency checking its own file has no key: the signature is not verified, and it says so
    r = subprocess.run(PARXL + ["check", "--json", *two], capture_output=True, text=True, cwd=folder)
    out = json.loads(r.stdout)
    assert all("identity.no-key" in {f["code"] for f in o["findings"]} for o in out)
    assert "identity.bad-signature" not in {f["code"] for f in out[0]["findings"]}


BOMB_PROBE = """
import resource, sys, time
from parxl.reader import read_return
t = time.time()
wb = read_return(sys.argv[1])
print(wb.findings[0].code, round(time.time() - t, 2), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


@pytest.mark.parametrize("name,code", [("return_zip_bomb.xlsx", "file.too-large"),
                                       ("return_xml_entity_expansion.xlsx", "file.xml-entities")])
def test_bombs_are_refused_in_bounded_memory(messy, name, code):
    folder, _ = messy
    r = subprocess.run([sys.executable, "-c", BOMB_PROBE, str(folder / name)], capture_output=True, text=True,
                       timeout=120, check=True)
    got, seconds, peak_mb = r.stdout.split()
    assert got == code
    assert int(peak_mb) < 500, peak_mb


@pytest.mark.libreoffice
def test_libreoffice_cases(plan, period, issued, tmp_path):
    cases = corpus.build_libreoffice(plan, period, issued, tmp_path)
    report = merge(plan, period, tmp_path, KEY)
    status = {e.file: e for e in report.returns}
    found = _by_file(report.findings)
    for c in cases:
        e = status[c.file]
        assert (e.status != "rejected") == c.accepted, (c.file, e.status, [f.code for f in found[c.file]])
        if c.code:
            hits = [f for f in found[c.file] if f.code == c.code]
            assert hits, (c.file, c.code, [f.code for f in found[c.file]])
            if c.cell:
                assert any(f.cell == c.cell for f in hits), (c.file, [f.cell for f in hits])
    vi = next(c for c in cases if "vi_locale" in c.file)
    r = next(r for r in report.results if r.agency == "SXD" and r.indicator == "I.5/1")
    # vi-VN typed "1.234" → 1234; under en-US too (the cell's Vietnamese number format decides)
    logged = list(vi.extra["log"][0].values())
    assert logged[0]["value"] == 1234.0 and logged[1]["type"] == "VALUE"
    en = next(c for c in cases if "en_locale_thousands" in c.file)
    en_log = list(en.extra["log"][0].values())
    assert en_log[0]["value"] == 1234.0 and en_log[1]["type"] == "TEXT"
    assert any(f.code == "value.coerced" and f.cell == en.extra["coerced"] for f in found[en.file])
    assert not [f for f in found[en.file] if f.code in ("value.not-whole", "value.not-a-number")]
    assert r.value == 1234 and r.verdict == "met"
    ods = status["return_saved_as_ods.ods"]
    assert ods.agency == "SYT" and ods.status in ("accepted", "superseded")
