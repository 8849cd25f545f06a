"""Rebuild the samples: a few returns filled as real agencies would, and what merge makes of them.

    python samples/make.py        (needs LibreOffice for the one return saved by Calc)

The key in samples/sample.key is for these samples only; never use it for a real quarter.
"""
from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from parxl.demo import simulate  # noqa: E402
from parxl.identity import load_key  # noqa: E402
from parxl.merge import merge_to_files  # noqa: E402
from parxl.periods import Period  # noqa: E402
from parxl.plan import load_plan  # noqa: E402
from parxl.writer import generate  # noqa: E402

PLAN = HERE.parent / "templates" / "quangnam-2024" / "plan.toml"
WHEN = dt.datetime(2024, 9, 16, 9, 30, tzinfo=dt.timezone.utc)
EVIDENCE = {"status": "Hoàn thành", "evidence": "Báo cáo số 215/BC-UBND", "doc_date": dt.date(2024, 9, 5)}


def main():
    plan, period = load_plan(PLAN), Period.parse("2024-Q3")
    key = load_key(HERE / "sample.key")
    issued, returns = HERE / "issued", HERE / "returns"
    for d in (issued, returns):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
    paths = {i.agency: i.path for i in generate(plan, period, issued, key, ["TAMKY", "HOIAN", "SNV"])}
    q2 = generate(plan, Period.parse("2024-Q2"), HERE / "_q2", key, ["STP"])[0].path
    shutil.move(str(q2), returns / "2024-Q2_STP_gui-nham-ky-truoc.xlsx")
    shutil.rmtree(HERE / "_q2")

    # Tam Kỳ: a careful district, typed in Excel-like fashion (numbers as numbers)
    import random
    tamky = simulate.answers(plan, "TAMKY", period, random.Random(3), miss_rate=0.1)
    tamky["III.4.2/1"] = {**tamky["III.4.2/1"], "numerator": 1874, "denominator": 1950}
    simulate.fill_openpyxl(paths["TAMKY"], returns / "2024-Q3_TAMKY_da-dien.xlsx", plan, "TAMKY", tamky, WHEN)

    # Hội An: numbers pasted as Vietnamese text, a status typed by hand, evidence forgotten,
    # a numerator larger than its denominator
    hoian = simulate.answers(plan, "HOIAN", period, random.Random(4), miss_rate=0.2)
    hoian["III.4.2/1"] = {"numerator": "1.905", "denominator": "2.010", "status": "hoàn thành"}
    hoian["III.4.3/1"] = {"numerator": 3120, "denominator": 3050}
    hoian["III.4.4/1"] = {"status": "Hoàn thành"}
    simulate.fill_openpyxl(paths["HOIAN"], returns / "2024-Q3_HOIAN_nhap-lieu-loi.xlsx", plan, "HOIAN", hoian,
                           WHEN + dt.timedelta(hours=5))

    # Sở Nội vụ: filled, then opened and saved in LibreOffice Calc
    snv = simulate.answers(plan, "SNV", period, random.Random(5), miss_rate=0.1)
    snv["I.2/1"] = dict(EVIDENCE)
    dst = simulate.fill_libreoffice(paths["SNV"], returns / "2024-Q3_SNV_libreoffice.xlsx", plan, "SNV", snv)
    simulate.stamp(dst, WHEN + dt.timedelta(days=1))   # keep the return inside the quarter

    report = merge_to_files(plan, period, returns, HERE / "tong-hop-2024-Q3.xlsx", key, HERE / "report-2024-Q3.json")
    for p in sorted(HERE.rglob("*.xlsx")):
        print(p.relative_to(HERE))
    pictures()
    document_pictures(report, key)


def document_pictures(report, key):
    """README's pictures of the documents sent after the merge: the draft report's first page, Hội An's
    correction sheet and the công văn đôn đốc, written from the samples' report (days overdue counted to 10 days
    after the due date, so they are the same every run)."""
    import subprocess
    import tempfile
    from parxl.demo import libreoffice
    from parxl.documents import write_documents
    if not (libreoffice.soffice() and shutil.which("pdftoppm")):
        return
    out = HERE / "pictures"
    with tempfile.TemporaryDirectory() as tmp:
        due = report.period.due
        docs = write_documents(report, Path(tmp), as_of=due + dt.timedelta(days=10), key=key,
                               fix_by=due + dt.timedelta(days=7), issued=due + dt.timedelta(days=3))
        by_name = {p.name: p for p in docs}
        wanted = [(next(p for n, p in by_name.items() if n.startswith("bao-cao-du-thao")), "report-draft"),
                  (next(p for n, p in by_name.items() if n.startswith("phieu-bo-sung") and "HOIAN" in n),
                   "correction-sheet"),
                  (next(p for n, p in by_name.items() if n.startswith("don-doc")), "reminders")]
        pdfs = libreoffice.convert_many([p for p, _ in wanted], tmp, "pdf")
        for pdf, (_, name) in zip(pdfs, wanted):
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                            str(out / name)], check=True)
            print((out / f"{name}.png").relative_to(HERE))


def pictures():
    """README's two pictures, printed by LibreOffice and rasterised by pdftoppm: what an agency sees (its
    first input sheet, as filled by Tam Kỳ) and what a leader sees (the consolidated workbook's summary)."""
    import subprocess
    import tempfile
    from parxl.demo import libreoffice
    if not (libreoffice.soffice() and shutil.which("pdftoppm")):
        print("pictures not rendered: needs LibreOffice and pdftoppm (poppler-utils)")
        return
    out = HERE / "pictures"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        agency, leader = libreoffice.convert_many([HERE / "returns" / "2024-Q3_TAMKY_da-dien.xlsx",
                                                   HERE / "tong-hop-2024-Q3.xlsx"], tmp, "pdf")
        for pdf, page, name in ((agency, 3, "agency"), (leader, 1, "leader")):
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile",
                            str(pdf), str(out / name)], check=True)
            print((out / f"{name}.png").relative_to(HERE))


if __name__ == "__main__":
    main()
