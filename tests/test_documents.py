"""The documents sent after a merge, on a merge built for them: 46 agencies' real workbooks, filled, of which
two never return (VPUBND, NUITHANH), one returns 3 days late (SYT), one sends a file with a locked cell edited
(STP: rejected), one has three planted errors (SNV: a numerator that is not a number, a numerator above its
denominator, a task done without evidence).  Each document is read back with python-docx."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
from fractions import Fraction
from pathlib import Path

import docx
import pytest

from conftest import KEY
from parxl.demo import simulate
from parxl.documents import write_documents
from parxl.documents.corrections import to_correct, write_corrections
from parxl.documents.draft_report import EACH_UNIT, indicator_words, lead_words, write_draft_report
from parxl.documents.reminders import reminders_csv, to_remind, write_reminder_letter
from parxl.documents.schedule import due_by
from parxl.merge import merge

UTC = dt.timezone.utc
ON_TIME = dt.datetime(2024, 9, 16, 3, 0, tzinfo=UTC)
LATE = dt.datetime(2024, 9, 23, 3, 0, tzinfo=UTC)      # 23/09 10:00 Vietnam time: 3 days after the due 20/09
AS_OF = dt.date(2024, 10, 1)                           # 11 days after the due date
MISSING, LATE_AGENCY, REJECTED, PLANTED = ("VPUBND", "NUITHANH"), "SYT", "STP", "SNV"
VOICES = {"SKHDT": "Thiếu nhân lực chuyên trách.", "STC": "thiếu  nhân lực chuyên trách",
          "SCT": "Kinh phí còn hạn chế."}


def build_returns(plan, period, issued, d: Path) -> dict[str, str]:
    """The returns folder; returns the planted errors' indicators."""
    d.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    plants = {}
    for a in plan.reporting_agencies():
        if a in MISSING:
            continue
        values = simulate.answers(plan, a, period, rng, miss_rate=0.0)
        if a in VOICES:                    # difficulties written twice the same (but for case and spacing), once apart
            code = next(iter(values))
            values[code] = {**values[code], "issues": VOICES[a]}
        if a == REJECTED:
            code = next(iter(values))
            values[code] = {**values[code], "label": "Chỉ tiêu đã bị sửa"}     # a locked cell edited
        if a == PLANTED:
            rates = [c for c in values if plan.indicator(c).measure == "rate"]
            done = [c for c in values if plan.indicator(c).measure == "done"]
            values[rates[0]] = {**values[rates[0]], "numerator": "abc"}
            values[rates[1]] = {**values[rates[1]], "numerator": 50, "denominator": 40}
            values[done[0]] = {k: v for k, v in values[done[0]].items() if k not in ("evidence", "doc_date")}
            plants = {"value.not-a-number": rates[0], "value.numerator-gt-denominator": rates[1],
                      "value.evidence-missing": done[0]}
        fill = simulate.fill_openpyxl if a == REJECTED else simulate.fill_xml
        fill(issued[a], d / f"{a.lower()}.xlsx", plan, a, values, LATE if a == LATE_AGENCY else ON_TIME)
    return plants


@pytest.fixture(scope="module")
def merged(plan, period, issued, tmp_path_factory):
    d = tmp_path_factory.mktemp("documents")
    plants = build_returns(plan, period, issued, d / "returns")
    report = merge(plan, period, d / "returns", KEY)
    data = json.loads(report.to_json())
    return report, data, plants, d


def _texts(path: Path) -> list[str]:
    """Every paragraph of a .docx, body and table cells, in order."""
    doc = docx.Document(path)
    out = []
    for block in doc.element.body.iter():
        if block.tag.endswith("}p"):
            out.append("".join(t.text or "" for t in block.iter() if t.tag.endswith("}t")))
    return out


def _tables(path: Path) -> list[list[list[str]]]:
    return [[[c.text for c in r.cells] for r in t.rows] for t in docx.Document(path).tables]


def _listed(path: Path) -> list[list[str]]:
    """The rows of the document's table headed "TT" (its list), without the header."""
    return next(t for t in _tables(path) if t[0][0] == "TT")[1:]


# -- the draft report --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def draft(merged):
    report, _data, _p, d = merged
    return write_draft_report(report, d / "bao-cao.docx", as_of=AS_OF)


def test_draft_report_has_the_decree_header_sections_and_appendices(draft):
    texts = _texts(draft)
    full = "\n".join(texts)
    for part in ("UBND TỈNH QUẢNG NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 "Số: […]/BC-[…]", "Quảng Nam, ngày […] tháng […] năm […]", "BÁO CÁO", "quý III năm 2024",
                 "Nơi nhận:", "Lưu: VT, […].", "[Họ và tên]", "[CHỨC VỤ NGƯỜI KÝ]"):
        assert part in full, part
    heads = [t for t in texts if re.match(r"^(I|II|III|IV|V|VI)\. [A-ZĐ]", t)]
    assert [h.split(".")[0] for h in heads] == ["I", "II", "III", "IV", "V", "VI"]
    assert heads[0].startswith("I. TÌNH HÌNH") and heads[1].startswith("II. KẾT QUẢ")
    assert heads[2].startswith("III. NHỮNG NHIỆM VỤ, CHỈ TIÊU CHƯA ĐẠT")
    assert heads[3].startswith("IV. KHÓ KHĂN") and heads[4].startswith("V. NHIỆM VỤ TRỌNG TÂM QUÝ IV")
    assert texts.index("Phụ lục I") < texts.index("Phụ lục II")
    doc = docx.Document(draft)
    first = doc.sections[0]
    mm = lambda *xs: tuple(round(x.mm) for x in xs)  # noqa: E731
    assert mm(first.page_width, first.page_height) == (210, 297)                                   # A4
    assert mm(first.top_margin, first.bottom_margin, first.left_margin, first.right_margin) == (20, 20, 30, 15)
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size.pt == 14


def test_draft_report_names_what_is_missing_and_who_leads(merged, draft):
    report, *_ = merged
    full = "\n".join(_texts(draft))
    section3 = full[full.index("III. NHỮNG"):full.index("IV. KHÓ KHĂN")]
    for a in report.missing:
        assert report.plan.registry.name(a) in section3
    for f in report.indicators:
        if f.verdict.value in ("not_met", "provisional_not_met"):
            ind = report.plan.indicator(f.indicator)
            assert ind.label in section3
            assert lead_words(ind.task) in section3 and ind.task.lead


def test_provisional_figures_say_so_in_words(merged, draft):
    report, *_ = merged
    full = "\n".join(_texts(draft))
    section2 = full[full.index("II. KẾT QUẢ"):full.index("III. NHỮNG")]
    provisional = [f for f in report.indicators if f.verdict.value.startswith("provisional")
                   and report.plan.indicator(f.indicator).measure != "done"]
    assert provisional
    for f in provisional:
        line = next(t for t in section2.split("\n") if report.plan.indicator(f.indicator).label in t)
        assert "số liệu tạm tính" in line and f"còn {f.unassessed} cơ quan chưa có số liệu" in line


def _vn_number(s: str) -> Fraction:
    return Fraction(s.replace(".", "").replace(",", "."))


def _allowed_numbers(plan, period, data) -> set[Fraction]:
    """What the JSON report says, and the counts a reader makes of it: every numeric value (to the 2 decimals the
    document shows), and the counts of its lists (returns by status and timeliness, agencies by group, indicators
    by section and verdict, results by agency and verdict, tasks due and completed by section)."""
    out: set[Fraction] = set()

    def walk(x):
        if isinstance(x, bool):
            return
        if isinstance(x, (int, float)):
            out.add(Fraction(round(Fraction(x) * 100), 100))
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(data)
    counts: list[int] = []
    agencies = list(dict.fromkeys(r["agency"] for r in data["results"]))
    counts.append(len(agencies))
    counts += list(range(1, len(agencies) + 1))                       # the appendices' row numbers (TT)
    accepted = {r["agency"]: r for r in data["returns"] if r["status"] == "accepted"}
    late = {a for a, r in accepted.items()
            if dt.datetime.fromisoformat(r["saved_at"]).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
            > period.due}
    refused = {r["agency"] for r in data["returns"] if r["status"] == "rejected" and r["agency"]} - set(accepted)
    counts += [len(accepted), len(late), len(accepted) - len(late), len(data["missing"]), len(refused)]
    groups: dict[str, list[str]] = {}
    for a in agencies:
        groups.setdefault(plan.registry.group_of(a).name, []).append(a)
    for members in groups.values():
        on = [a for a in members if a in accepted and a not in late]
        counts += [len(members), len(on), len([a for a in members if a in late]),
                   len([a for a in members if a not in accepted])]
    for s in plan.sections:
        figs = [f for f in data["indicators"] if plan.indicator(f["indicator"]).task.section == s.code]
        counts.append(len(figs))
        for v in {f["verdict"] for f in figs}:
            counts.append(sum(f["verdict"] == v for f in figs))
        tasks = [t for t in plan.tasks if t.section == s.code]
        verdicts = {t.code: [f["verdict"] for f in data["indicators"]
                             if plan.indicator(f["indicator"]).task.code == t.code] for t in tasks}
        done = {c for c, vs in verdicts.items()
                if vs and all(v in ("met", "provisional_met", "not_applicable") for v in vs)
                and any(v != "not_applicable" for v in vs)}
        due = [t for t in tasks if due_by(t, period)]
        counts += [len(due), len([t for t in due if t.code in done]),
                   len([t for t in due if t.code in done and "provisional_met" in verdicts[t.code]]),
                   len([t for t in tasks if t not in due and t.code in done])]
    for f in data["indicators"]:
        c = f["coverage"]
        counts += [c["required"] - c["not_applicable"], c["required"] - c["not_applicable"] - c["assessed"]]
    for a in agencies:
        mine = [r["verdict"] for r in data["results"] if r["agency"] == a]
        judged = sum(v in ("met", "not_met", "overdue", "contributes", "not_applicable") for v in mine)
        counts += [len(mine), mine.count("met"), mine.count("not_met") + mine.count("overdue"), len(mine) - judged]
    out |= {Fraction(n) for n in counts}
    return out


def test_every_number_in_the_draft_is_in_the_json_report(plan, period, merged, draft):
    report, data, *_ = merged
    text = "\n".join(_texts(draft))
    # what is not a figure: the plan's own words (titles, labels, targets, deadlines, names), what agencies wrote,
    # codes, the period's dates and year, the headings' numbering
    words = [plan.title, plan.province, *(s.title for s in plan.sections)]
    for t in plan.tasks:
        words += [t.title, t.deadline, lead_words(t), *t.spec.lead]
    for i in plan.indicators:
        words += [indicator_words(i), i.label, i.target_vi(), i.unit]
    words += [a.name for a in plan.registry.agencies.values()] + [g.name for g in plan.registry.groups.values()]
    words += [r[k] for r in data["results"] for k in ("issues", "proposals") if r[k]]
    for w in sorted({w for w in words if w}, key=len, reverse=True):
        text = text.replace(w, " ")
    codes = sorted({i.code for i in plan.indicators} | {t.code for t in plan.tasks}, key=len, reverse=True)
    for c in codes:
        text = text.replace(c, " ")
    a, b = period.window
    for day in (a, b, period.due):
        assert f"{day:%d/%m/%Y}" in text
        text = text.replace(f"{day:%d/%m/%Y}", " ")
    text = re.sub(r"(?m)^\d+\. ", " ", text)                          # "1. Cải cách thể chế"
    text = re.sub(rf"\bnăm {period.year}\b|\bNĂM {period.year}\b", " ", text)
    allowed = _allowed_numbers(plan, period, data)
    found = re.findall(r"(?<!\d)-?\d+(?:\.\d{3})*(?:,\d+)?", text)
    assert len(found) > 100                                           # the document does show figures
    strays = [n for n in found if _vn_number(n) not in allowed]
    assert strays == []


def test_difficulties_are_grouped_deduplicated_and_signed(plan, merged, draft):
    full = "\n".join(_texts(draft))
    section4 = full[full.index("IV. KHÓ KHĂN"):full.index("V. NHIỆM VỤ")]
    said = [t for t in section4.split("\n") if t.startswith("- ") and "(" in t]
    names = {a: plan.registry.name(a) for a in VOICES}
    assert said == [f"- Thiếu nhân lực chuyên trách. ({names['SKHDT']}, {names['STC']})",
                    f"- Kinh phí còn hạn chế. ({names['SCT']})"]
    assert "- Lĩnh vực I. Công tác chỉ đạo, điều hành CCHC:" in section4


# -- correction sheets -----------------------------------------------------------------------------------------
def test_a_correction_sheet_lists_exactly_the_planted_errors(plan, merged, tmp_path):
    report, data, plants, _d = merged
    sheets = {c.agency: c for c in to_correct(report)}
    assert PLANTED in sheets and REJECTED in sheets and sheets[REJECTED].rejected
    assert LATE_AGENCY not in sheets and not set(MISSING) & set(sheets)     # late is not a thing to correct
    paths = write_corrections(report, tmp_path, fix_by=dt.date(2024, 10, 5))
    sheet = tmp_path / f"phieu-bo-sung_2024-Q3_{PLANTED}.docx"
    assert sheet in paths
    rows = _listed(sheet)
    got = {(r[3].split(" — ")[0], r[1], r[2]) for r in rows}
    where = {f["indicator"]: (f["sheet"], f["cell"]) for f in data["findings"]
             if f["agency"] == PLANTED and f["code"] in plants}
    assert got == {(ind, *where[ind]) for ind in plants.values()}
    assert all(r[6] == "05/10/2024" for r in rows)
    full = "\n".join(_texts(sheet))
    assert "Kính gửi: Sở Nội vụ." in full and "PHIẾU ĐỀ NGHỊ BỔ SUNG, CHỈNH SỬA" in full
    # the rejected agency's sheet says why the file could not be used
    rej = _listed(tmp_path / f"phieu-bo-sung_2024-Q3_{REJECTED}.docx")
    assert rej and all("từ chối" in r[5] for r in rej if "khóa" in r[4])


def test_a_re_issued_workbook_carries_the_agencys_values(plan, merged, tmp_path):
    import openpyxl
    report, _data, plants, _d = merged
    paths = write_corrections(report, tmp_path, key=KEY, issued=AS_OF)
    book = tmp_path / f"2024-Q3_{PLANTED}.xlsx"
    assert book in paths
    ind = plants["value.numerator-gt-denominator"]
    where = simulate.cell_map(plan, PLANTED)[ind]
    ws = openpyxl.load_workbook(book)[where[0]]
    from parxl.layout import COL
    assert (ws.cell(where[1] + 1, COL["numerator"] + 1).value, ws.cell(where[1] + 1, COL["denominator"] + 1).value) \
        == (50, 40)
    assert "2024-Q3_SNV.xlsx" in "\n".join(_texts(tmp_path / f"phieu-bo-sung_2024-Q3_{PLANTED}.docx"))


# -- reminders -------------------------------------------------------------------------------------------------
def test_reminders_list_exactly_the_missing_late_and_rejected(merged, tmp_path):
    report, *_ = merged
    got = {(x.agency, x.standing.value, x.days_late) for x in to_remind(report, AS_OF)}
    assert got == {("VPUBND", "missing", 11), ("NUITHANH", "missing", 11), (REJECTED, "refused", 11),
                   (LATE_AGENCY, "late", 3)}
    raw = reminders_csv(report, AS_OF)
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {(r["MaCoQuan"], r["SoNgayQuaHan"]) for r in rows} == {(a, str(n)) for a, _s, n in got}
    letter = write_reminder_letter(report, tmp_path / "don-doc.docx", AS_OF)
    table = _listed(letter)
    assert {r[1] for r in table} == {report.plan.registry.name(a) for a, *_ in got}
    full = "\n".join(_texts(letter))
    assert "V/v đôn đốc" in full and "Đến ngày 01/10/2024" in full and "20/09/2024" in full


def test_documents_are_the_same_bytes_for_the_same_report(merged, tmp_path):
    report, *_ = merged
    a = write_documents(report, tmp_path / "a", kinds=("report", "reminders"), as_of=AS_OF)
    b = write_documents(report, tmp_path / "b", kinds=("report", "reminders"), as_of=AS_OF)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


# -- timeliness over the year ----------------------------------------------------------------------------------
def test_timeliness_over_the_year_from_the_ledger(plan, period, merged, tmp_path):
    from parxl.documents.timeliness import timeliness_table, year_timeliness
    from parxl.merge import merge_to_files
    from parxl.periods import Period
    from parxl.writer import generate
    report, _data, _plants, d = merged
    ledger = tmp_path / "parxl-ledger.sqlite"
    q2 = Period.parse("2024-Q2")
    issued = {i.agency: i.path for i in generate(plan, q2, tmp_path / "issued-q2", KEY, agencies=["SNV", "SYT"])}
    rng = random.Random(2)
    (tmp_path / "q2").mkdir()
    for a, when in (("SNV", dt.datetime(2024, 6, 18, 3, 0, tzinfo=UTC)),      # before the due date 20/06
                    ("SYT", dt.datetime(2024, 6, 25, 3, 0, tzinfo=UTC))):     # 25/06 Vietnam time: 5 days late
        simulate.fill_xml(issued[a], tmp_path / "q2" / f"{a.lower()}.xlsx", plan, a,
                          simulate.answers(plan, a, q2, rng, miss_rate=0.0), when)
    merge_to_files(plan, q2, tmp_path / "q2", tmp_path / "q2.xlsx", KEY, tmp_path / "q2.json", ledger=ledger)
    merge_to_files(plan, period, d / "returns", tmp_path / "q3.xlsx", KEY, tmp_path / "q3.json", ledger=ledger)
    t = year_timeliness(ledger, plan, 2024)
    assert t.periods == ("2024-Q2", "2024-Q3")
    row = {a: [(x.standing.value, x.days_late) if x.standing.value in ("on_time", "late") else x.standing.value
               for x in cells] for a, cells in t.rows}
    assert row["SNV"][0] == ("on_time", 0)
    assert row["SYT"] == [("late", 5), ("late", 3)]
    assert row[REJECTED] == ["missing", "refused"] and row["VPUBND"] == ["missing", "missing"]
    heads, rows = timeliness_table(t, plan)
    assert heads[2:] == ["6 tháng 2024", "Quý III 2024"]
    assert rows[-1][2:] == ["1/46", "42/46"]          # on time of those to report: Q3 less 2 missing, 1 refused, 1 late
    doc = write_draft_report(report, tmp_path / "bao-cao.docx", as_of=AS_OF, timeliness=t)
    texts = _texts(doc)
    assert "Phụ lục III" in texts
    table = _tables(doc)[-1]
    assert table[0][2:] == ["6 tháng 2024", "Quý III 2024"]
    assert [r[2:] for r in table if r[0] == "SYT"] == [["Muộn 5 ngày", "Muộn 3 ngày"]]
    draft = write_documents(report, tmp_path / "docs", kinds=("report",), ledger=ledger, as_of=AS_OF)[0]
    assert _tables(draft)[-1] == table              # write_documents finds the year in the ledger it is given


def test_report_commands_write_the_documents(merged, tmp_path):
    import subprocess
    from conftest import PARXL
    _report, _data, _plants, d = merged
    key = tmp_path / "k.key"
    key.write_bytes(KEY.hex().encode())
    out = tmp_path / "van-ban"
    for cmd, extra in (("draft", ["--as-of", "01/10/2024"]), ("corrections", ["--fix-by", "05/10/2024"]),
                       ("reminders", ["--as-of", "01/10/2024"])):
        r = subprocess.run([*PARXL, "--lang", "en", "report", cmd, "2024-Q3", "--returns", d / "returns", "--key",
                            key, "--out", out, *extra], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert "written: " in r.stdout
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    sheets = to_correct(_report)              # SNV (planted), STP (rejected), and any other with findings to fix
    assert {PLANTED, REJECTED} <= {c.agency for c in sheets}
    assert names == {"bao-cao-du-thao_2024-Q3.docx", "danh-sach-don-doc_2024-Q3.csv", "don-doc_2024-Q3.docx",
                     *(f"phieu-bo-sung/phieu-bo-sung_2024-Q3_{c.agency}.docx" for c in sheets),
                     *(f"phieu-bo-sung/2024-Q3_{c.agency}.xlsx" for c in sheets if not c.rejected)}


def test_report_without_a_returns_folder_says_so(tmp_path):
    import subprocess
    from conftest import PARXL
    r = subprocess.run([*PARXL, "--lang", "en", "report", "reminders", "2024-Q3", "--returns", tmp_path / "nhan"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "does not exist: put the returned files there" in r.stderr
    assert not (tmp_path / "van-ban").exists()


# -- a share of agencies, the task named, the wording of nothing (red-team findings) -------------------------------
def test_a_share_of_agencies_reads_as_agencies_met_not_a_percentage(plan, merged, draft):
    report, *_ = merged
    each = [f for f in report.indicators if f.rule == "each" and f.denominator and f.value is not None
            and f.verdict.value != "not_assessable"]
    assert each
    texts = _texts(draft)
    section2 = "\n".join(texts)[:"\n".join(texts).index("III. NHỮNG")]
    rows = {r[0]: r for r in next(t for t in _tables(draft) if t[0][0] == "Mã")}      # Phụ lục I
    for f in each:
        shown = f"{f.numerator}/{f.denominator}"
        assert rows[f.indicator][3] == shown and rows[f.indicator][4] == EACH_UNIT
        ind = plan.indicator(f.indicator)
        if ind.measure != "done":                                    # section II lists the figures, not the tasks
            line = next(t for t in section2.split("\n") if t.startswith(f"- {indicator_words(ind)} "))
            assert f": {shown} cơ quan đạt, toàn tỉnh " in line and "%" not in line.split("):", 1)[1].split("(")[0]


def test_a_task_indicator_names_its_task(plan, merged, draft):
    report, *_ = merged
    rows = {r[0]: r for r in next(t for t in _tables(draft) if t[0][0] == "Mã")}
    bare = [i for i in plan.indicators if i.label == "Hoàn thành nhiệm vụ" and i.code in rows]
    assert bare
    for i in bare:
        assert rows[i.code][1].startswith(f"Hoàn thành nhiệm vụ {i.task.code} (")
        assert i.task.title[:20] in rows[i.code][1]
    assert not [t for t in _texts(draft) if t.startswith("- Hoàn thành nhiệm vụ (")]


def test_the_reminder_letter_says_the_due_day_is_the_last_day(merged, tmp_path):
    report, *_ = merged
    full = "\n".join(_texts(write_reminder_letter(report, tmp_path / "dd.docx", AS_OF)))
    assert "chậm nhất ngày 20/09/2024" in full and "trước ngày 20/09/2024" not in full


@pytest.fixture(scope="module")
def unreadable(plan, period, issued, tmp_path_factory):
    """A folder with unreadable files only: one named as parxl names it (VPUBND), one with an agency code among
    its words (SNV), one naming two agencies (STP and SYT), one naming none."""
    d = tmp_path_factory.mktemp("unreadable")
    for name, a in (("2024-Q3_VPUBND.xlsx", "VPUBND"), ("snv_bao-cao_quy3.xlsx", "SNV"),
                    ("stp_syt.xlsx", "STP"), ("bao-cao.xlsx", "SCT")):
        data = issued[a].read_bytes()
        (d / name).write_bytes(data[: len(data) // 3])          # a truncated upload: no agency can be read
    return merge(plan, period, d, KEY)


def test_an_unreadable_file_counts_for_the_agency_its_name_names(unreadable, tmp_path):
    got = {x.agency: (x.standing.value, x.by_name) for x in to_remind(unreadable, AS_OF)}
    assert got["VPUBND"] == ("refused", True) and got["SNV"] == ("refused", True)
    assert got["STP"] == got["SYT"] == got["SCT"] == ("missing", False)
    rows = {r["MaCoQuan"]: r for r in csv.DictReader(io.StringIO(reminders_csv(unreadable, AS_OF).decode("utf-8-sig")))}
    assert rows["VPUBND"]["TinhTrang"] == "Tệp không sử dụng được (theo tên tệp)"
    assert rows["VPUBND"]["TepKhongDungDuoc"] == "2024-Q3_VPUBND.xlsx"
    assert rows["STP"]["TinhTrang"] == "Chưa nộp"
    letter = _listed(write_reminder_letter(unreadable, tmp_path / "dd.docx", AS_OF))
    assert ["Tệp không sử dụng được (theo tên tệp)"] == list({r[2] for r in letter if r[1] == "Sở Nội vụ"})


def test_a_draft_with_nothing_received_says_so_in_words(unreadable, tmp_path):
    full = "\n".join(_texts(write_draft_report(unreadable, tmp_path / "bc.docx", as_of=AS_OF)))
    assert "Chưa có báo cáo nào được tiếp nhận; 2 cơ quan đã gửi tệp nhưng tệp không sử dụng được." in full
    assert "Đã nhận 0" not in full and "đều đúng hạn" not in full and not re.search(r"hoàn thành 0\b", full)
    assert "chưa có nhiệm vụ nào hoàn thành" in full


def test_report_refuses_a_ledger_that_is_not_there_and_says_when_nothing_is_to_correct(tmp_path):
    import subprocess
    from conftest import PARXL
    key = tmp_path / "k.key"
    key.write_bytes(KEY.hex().encode())
    (tmp_path / "nhan").mkdir()
    common = ["--returns", tmp_path / "nhan", "--key", key, "--out", tmp_path / "out"]
    r = subprocess.run([*PARXL, "report", "draft", "2024-Q3", *common, "--ledger", tmp_path / "typo.sqlite"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "typo.sqlite" in r.stderr and "sổ theo dõi" in r.stderr
    assert not (tmp_path / "out").exists()
    r = subprocess.run([*PARXL, "--lang", "en", "report", "corrections", "2024-Q3", *common],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "nothing to correct" in r.stdout
