"""The committed samples and the demo: what README promises a newcomer."""
from __future__ import annotations

import io
import json
import re

from conftest import ROOT
from parxl.demo import libreoffice, run_demo
from parxl.identity import load_key
from parxl.merge import merge_to_files
from parxl.periods import Period
from parxl.plan import load_plan
from parxl.reader import read_return

SAMPLES = ROOT / "samples"


def test_samples_merge_to_the_committed_report_and_workbook(tmp_path):
    plan = load_plan(ROOT / "templates" / "quangnam-2024" / "plan.toml")
    key = load_key(SAMPLES / "sample.key")
    merge_to_files(plan, Period.parse("2024-Q3"), SAMPLES / "returns", tmp_path / "th.xlsx", key, tmp_path / "r.json")
    assert (tmp_path / "r.json").read_text(encoding="utf-8") == (SAMPLES / "report-2024-Q3.json").read_text(encoding="utf-8"), \
        "samples are stale: run python samples/make.py"
    assert (tmp_path / "th.xlsx").read_bytes() == (SAMPLES / "tong-hop-2024-Q3.xlsx").read_bytes()
    d = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    status = {r["file"]: r["status"] for r in d["returns"]}
    assert status == {"2024-Q2_STP_gui-nham-ky-truoc.xlsx": "rejected", "2024-Q3_HOIAN_nhap-lieu-loi.xlsx": "accepted",
                      "2024-Q3_SNV_libreoffice.xlsx": "accepted", "2024-Q3_TAMKY_da-dien.xlsx": "accepted"}
    codes = {(f["code"], f["agency"]) for f in d["findings"]}
    assert {("identity.other-period", "STP"), ("value.numerator-gt-denominator", "HOIAN"),
            ("value.evidence-missing", "HOIAN"), ("value.coerced", "HOIAN")} <= codes
    tamky = next(r for r in d["results"] if r["agency"] == "TAMKY" and r["indicator"] == "III.4.2/1")
    assert (tamky["numerator"], tamky["denominator"], tamky["verdict"]) == (1874, 1950, "met")
    assert round(tamky["value"], 4) == round(1874 * 100 / 1950, 4)
    assert "LibreOffice" in read_return(SAMPLES / "returns" / "2024-Q3_SNV_libreoffice.xlsx").application


def test_demo_counts_match_what_it_says_it_simulated(tmp_path):
    summary = run_demo(tmp_path, ROOT / "templates" / "quangnam-2024" / "plan.toml",
                       libreoffice_fill=libreoffice.available(), echo=lambda s: None)
    d = json.loads((tmp_path / "report-2024-Q3.json").read_text(encoding="utf-8"))
    issued = int(re.search(r"(\d+) agencies issued", summary).group(1))
    never = re.search(r"(\d+) never returned \(([^)]*)\)", summary)
    n_never, never_codes = int(never.group(1)), never.group(2).split(", ")
    broken = re.search(r"(\w+) sent a broken file", summary).group(1)
    twice = re.search(r"(\w+) returned twice", summary).group(1)
    counts = {s: sum(r["status"] == s for r in d["returns"]) for s in ("accepted", "rejected", "superseded")}
    assert issued == 46                                   # the bundled plan's reporting agencies
    assert counts == {"accepted": issued - n_never - 1, "rejected": 1, "superseded": 1}
    assert sorted(d["missing"]) == sorted(never_codes + [broken])
    assert next(r for r in d["returns"] if r["status"] == "superseded")["agency"] == twice
    assert f"{counts['accepted']} accepted, 1 rejected, 1 superseded; {n_never + 1} agencies missing" in summary
    assert (tmp_path / "tong-hop-2024-Q3.xlsx").exists()
    if libreoffice.available():
        lo = re.search(r"(\w+) saved its return with LibreOffice", summary).group(1)
        assert next(r for r in d["returns"] if r["agency"] == lo)["status"] == "accepted"


def test_demo_documents_are_the_same_every_run_and_judge_returns_by_their_receipt(tmp_path):
    """The demo logs each return it simulates in the returns folder's receipt log (so-nhan.csv) with its planted
    arrival, so a return saved now (through LibreOffice) is judged by the day it arrived, not by today's date."""
    import csv
    import docx
    plan_path = ROOT / "templates" / "quangnam-2024" / "plan.toml"
    texts, lists = [], []
    for run in ("a", "b"):
        summary = run_demo(tmp_path / run, plan_path, libreoffice_fill=libreoffice.available(), echo=lambda s: None)
        out = tmp_path / run
        d = json.loads((out / "report-2024-Q3.json").read_text(encoding="utf-8"))
        assert all(r["received_at"] for r in d["returns"])          # every return is in the receipt log
        logged = (out / "returns" / "so-nhan.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
        assert sorted(x.split(";")[0] for x in logged) == sorted(r["file"] for r in d["returns"])
        rows = list(csv.DictReader(io.StringIO((out / "van-ban" / "danh-sach-don-doc_2024-Q3.csv")
                                               .read_text(encoding="utf-8-sig"))))
        assert [r for r in rows if r["TinhTrang"] == "Nộp muộn"] == []   # every planted arrival is before the due date
        broken = re.search(r"(\w+) sent a broken file", summary).group(1)
        assert next(r for r in rows if r["MaCoQuan"] == broken)["TinhTrang"] == "Tệp không sử dụng được (theo tên tệp)"
        doc = docx.Document(out / "van-ban" / "bao-cao-du-thao_2024-Q3.docx")
        texts.append([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
        lists.append(rows)
    assert texts[0] == texts[1] and lists[0] == lists[1]
