"""plan import: the bundled plan's appendix, rendered as the province would publish it (.docx, .xlsx),
imported back and compared with templates/quangnam-2024/plan.toml."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from parxl.agencies import Registry
from parxl.errors import PlanError
from parxl.plan import load_plan
from parxl.plan_import import import_plan, read_appendix, split_agencies
from parxl.plan_import.targets import fold

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "templates" / "quangnam-2024" / "plan.toml"
AGENCIES = ROOT / "templates" / "quangnam-2024" / "agencies.toml"
HEADER = ["Số TT", "Nhiệm vụ cụ thể", "Tiến độ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Kết quả/sản phẩm"]

docx = pytest.importorskip("docx")


# -- the renderer: plan.toml → the appendix rows a province publishes ------------------------------------

def appendix_rows(plan: dict) -> list[tuple[str, list[str]]]:
    """("section" | "heading" | "task", cells) in table order, as the appendix lays the plan out."""
    rows = []
    titles = {s["code"]: s["title"] for s in plan["section"]}
    current, headed = None, set()
    for t in plan["task"]:
        sec = t["section"]
        if sec != current:
            current, headed = sec, set()
            rows.append(("section", [sec, titles[sec]]))
        parts = t["code"].split(".")[1:]
        letter = parts.pop() if parts and parts[-1].isalpha() else None
        num = ".".join(parts)
        title = t["title"]
        group = t.get("group")
        if group and group not in headed:
            headed.add(group)
            m = re.match(r"^(\d+(?:\.\d+)*)\.?\s+(.*)$", group)
            hnum, htitle = (m.group(1), m.group(2)) if m else (num, group)
            rows.append(("heading", [hnum, htitle]))
            if letter is None and title.startswith(group + ": "):    # a heading with one sub-row (I.4)
                title, num = title[len(group) + 2:], ""
        stt = "" if letter else (num + "." if "." not in num and num else num)
        lead = t.get("lead_text") or ", ".join(t["lead"])
        coord = t.get("coordinators_text") or ", ".join(t.get("coordinators", []))
        rows.append(("task", [stt, title, t["deadline"], lead, coord, t["result"]]))
    return rows


def render_docx(plan: dict, path: Path, title: list[str] = ()) -> None:
    """The appendix as a .docx; ``title``: the lines of the plan document's own heading above it."""
    d = docx.Document()
    for line in title:
        d.add_paragraph(line)
    d.add_paragraph("Phụ lục — CÁC NHIỆM VỤ, GIẢI PHÁP NÂNG CAO CHỈ SỐ CẢI CÁCH HÀNH CHÍNH")
    rows = appendix_rows(plan)
    table = d.add_table(rows=0, cols=6)
    for i, h in enumerate(table.add_row().cells):
        h.text = HEADER[i]
    for i, c in enumerate(table.add_row().cells):
        c.text = f"({i + 1})"
    prev: list | None = None
    tops: dict[int, object] = {}
    for kind, cells in rows:
        row = table.add_row().cells
        if kind == "section":                       # "I. TITLE" merged across the whole row
            row[0].merge(row[5]).text = f"{cells[0]}. {cells[1]}"
            prev, tops = None, {}
            continue
        if kind == "heading":                       # number, then the heading merged across the rest
            row[0].text = cells[0]
            row[1].merge(row[5]).text = cells[1]
            prev, tops = None, {}
            continue
        for j, text in enumerate(cells):
            if j in (2, 3, 4) and prev is not None and prev[j] == text and text and j in tops:
                tops[j] = tops[j].merge(row[j])      # the same agencies/deadline: one cell over both rows
                continue
            if j == 5 and "\n" in text:               # a result as paragraphs, not line breaks
                row[j].text = text.split("\n")[0]
                for more in text.split("\n")[1:]:
                    row[j].add_paragraph(more)
            else:
                row[j].text = text                    # "\n" becomes a line break inside the cell
            tops[j] = row[j]
        prev = cells
    d.save(str(path))


def render_xlsx(plan: dict, path: Path) -> None:
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Phụ lục")
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws.write_row(0, 0, ["PHỤ LỤC"])
    r = 2
    ws.write_row(r, 0, HEADER, wrap)
    r += 1
    rows = appendix_rows(plan)
    start: dict[int, int] = {}
    prev = None
    for n, (kind, cells) in enumerate(rows):
        if n == 40:                                   # the header repeated, as at a page break
            _close(ws, start, r, prev, wrap)
            ws.write_row(r, 0, HEADER, wrap)
            r += 1
            prev = None
        if kind in ("section", "heading"):
            _close(ws, start, r, prev, wrap)
            ws.write(r, 0, cells[0] if kind == "section" else int(cells[0]) if cells[0].isdigit() else cells[0])
            ws.merge_range(r, 1, r, 5, cells[1], wrap)
            prev, start = None, {}
            r += 1
            continue
        for j, text in enumerate(cells):
            if j in (2, 3, 4) and prev is not None and prev[j] == text and text and j in start:
                continue
            if j in (2, 3, 4):
                _close(ws, {j: start[j]} if j in start else {}, r, prev, wrap)
                start[j] = r
            ws.write(r, j, text, wrap)
        prev = cells
        r += 1
    _close(ws, start, r, prev, wrap)
    wb.close()


def _close(ws, start, r, prev, fmt):
    for j, s in list(start.items()):
        if r - 1 > s:
            ws.merge_range(s, j, r - 1, j, prev[j], fmt)
        start.pop(j, None)


# -- the round trip -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled():
    return tomllib.loads(PLAN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registry():
    return Registry.load(AGENCIES)


def _codes(registry, phrases):
    return [a.agency for p in phrases for a in registry.resolve(p)]


def _key(ind):
    t = ind["target"]
    return (t["op"], float(t["value"]) if t.get("value") is not None else None,
            float(t["upper"]) if t.get("upper") is not None else None, t.get("baseline_year"), ind["measure"])


def compare(bundled, draft, registry):
    got = {t["code"]: t for t in draft["task"]}
    assert list(got) == [t["code"] for t in bundled["task"]]
    same = flagged = 0
    silent = []
    for t in bundled["task"]:
        g = got[t["code"]]
        assert g["title"] == t["title"], t["code"]
        assert g["deadline"] == t["deadline"], t["code"]
        assert _codes(registry, g["lead"]) == _codes(registry, t["lead"]), t["code"]
        assert _codes(registry, g.get("coordinators", [])) == _codes(registry, t.get("coordinators", [])), t["code"]
        pool = list(g.get("indicator", []))
        task_review = "review" in g
        for ind in t.get("indicator", []):
            hit = next((x for x in pool if _key(x) == _key(ind)), None)
            if hit is not None:
                pool.remove(hit)
                same += 1
                # unit and aggregate are not part of the target; a guess that differs must say so
                if (hit.get("unit"), hit.get("aggregate")) != (ind.get("unit"), ind.get("aggregate")) \
                        and "review" not in hit:
                    silent.append((t["code"], "unit/aggregate", hit.get("unit"), ind.get("unit")))
            elif task_review or any("review" in x for x in g.get("indicator", [])):
                flagged += 1
            else:
                silent.append((t["code"], ind["target"]))
        silent += [(t["code"], x["target"]) for x in pool if "review" not in x and not task_review]
    return same, flagged, silent


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_round_trip(fmt, bundled, registry, tmp_path):
    path = tmp_path / f"appendix.{fmt}"
    (render_docx if fmt == "docx" else render_xlsx)(bundled, path)
    text, summary = import_plan(path, registry, agencies_ref=str(AGENCIES))
    draft = tomllib.loads(text)
    same, flagged, silent = compare(bundled, draft, registry)
    total = sum(len(t.get("indicator", [])) for t in bundled["task"])
    assert not silent, f"targets differing without a review: {silent}"
    assert same + flagged == total
    assert same >= 0.95 * total, (same, flagged, total)
    assert summary.tasks == len(bundled["task"]) and summary.sections == 8
    out = tmp_path / "plan.toml"
    out.write_text(text, encoding="utf-8")
    plan = load_plan(out, draft=True)                  # no unresolvable phrase: the draft loads as a draft
    assert [t.code for t in plan.tasks] == [t["code"] for t in bundled["task"]]
    assert len(plan.reviews) == len(summary.reviews)
    with pytest.raises(PlanError) as e:                # ... and only as a draft
        load_plan(out)
    assert len(e.value.problems) == 1 + len(plan.reviews)


def test_a_merge_right_of_the_appendix_changes_nothing(bundled, registry, tmp_path):
    """A merged range right of every value (Z1:AA2, as a stray selection merged in Excel leaves it) is read as
    nothing to spread, not an IndexError (a red-team review)."""
    import openpyxl
    path = tmp_path / "appendix.xlsx"
    render_xlsx(bundled, path)
    expected, _ = import_plan(path, registry, agencies_ref=str(AGENCIES))
    wb = openpyxl.load_workbook(path)
    wb.active.merge_cells("Z1:AA2")
    (tmp_path / "stray").mkdir()
    wb.save(tmp_path / "stray" / "appendix.xlsx")
    got, _ = import_plan(tmp_path / "stray" / "appendix.xlsx", registry, agencies_ref=str(AGENCIES))
    assert got == expected


def test_a_plan_without_review_lines_is_no_draft(bundled, registry, tmp_path):
    path = tmp_path / "appendix.docx"
    render_docx(bundled, path)
    text, _ = import_plan(path, registry, agencies_ref=str(AGENCIES))
    out = tmp_path / "plan.toml"
    out.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("review = ")), encoding="utf-8")
    assert load_plan(out).reviews == []


def test_summary_text_names_tasks_targets_reviews(bundled, registry, tmp_path):
    path = tmp_path / "appendix.docx"
    render_docx(bundled, path)
    _, summary = import_plan(path, registry)
    first = summary.text().splitlines()[0]
    assert re.search(r"8 sections, 69 tasks, \d+ numeric targets, \d+ to review", first)


# -- the plan's title --------------------------------------------------------------------------------------

BUNDLED_TITLE = "Kế hoạch nâng cao Chỉ số cải cách hành chính (PAR INDEX) tỉnh Quảng Nam năm 2024"


def test_title_is_the_documents_own(bundled, registry, tmp_path):
    path = tmp_path / "ke-hoach.docx"
    render_docx(bundled, path, ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NAM", "Số: 123/KH-UBND", "KẾ HOẠCH",
                                "Nâng cao Chỉ số cải cách hành chính (PAR INDEX) tỉnh Quảng Nam năm 2024"])
    draft = tomllib.loads(import_plan(path, registry)[0])
    assert draft["plan"]["title"] == bundled["plan"]["title"] == BUNDLED_TITLE
    assert "review" not in draft["plan"]


def test_title_in_capitals_on_one_line_keeps_the_citys_name(registry, tmp_path):
    p = _docx_table(tmp_path, [HEADER, ["I. CHỈ ĐẠO"], ["1.", "Việc", "Trong năm 2026", "Sở Nội vụ", "", "x"]],
                    above=["KẾ HOẠCH NÂNG CAO CHỈ SỐ CCHC (PAR INDEX) THÀNH PHỐ ĐÀ NẴNG NĂM 2026"])
    draft = tomllib.loads(import_plan(p, registry, province="Đà Nẵng")[0])
    assert draft["plan"]["title"] == "Kế hoạch nâng cao chỉ số CCHC (PAR INDEX) thành phố Đà Nẵng năm 2026"


@pytest.mark.parametrize("province, place", [("Quảng Nam", "tỉnh Quảng Nam"), ("Tỉnh thử nghiệm", "tỉnh thử nghiệm"),
                                             ("Đà Nẵng", "thành phố Đà Nẵng"), ("Hà Nội", "thành phố Hà Nội"),
                                             ("TP. Hồ Chí Minh", "thành phố Hồ Chí Minh"), ("Huế", "thành phố Huế"),
                                             ("Thành phố Cần Thơ", "thành phố Cần Thơ")],
                         ids=["province", "province-named-tinh", "city", "capital", "tp-abbreviation", "hue-2025",
                              "city-named-thanh-pho"])
def test_title_without_one_in_the_document_names_the_place_once_and_is_reviewed(province, place, registry, tmp_path):
    p = _docx_table(tmp_path, [HEADER, ["I. CHỈ ĐẠO"], ["1.", "Việc", "Trong năm 2026", "Sở Nội vụ", "", "x"]])
    text, summary = import_plan(p, registry, province=province)
    draft = tomllib.loads(text)
    assert draft["plan"]["title"] == f"Kế hoạch nâng cao Chỉ số cải cách hành chính {place} năm 2026"
    assert "tỉnh tỉnh" not in fold(draft["plan"]["title"]).replace("thanh pho", "tinh")
    assert "review" in draft["plan"] and any(w == "plan" for w, _ in summary.reviews)


def test_title_from_the_appendix_heading_is_reviewed(registry, tmp_path):
    p = _docx_table(tmp_path, [HEADER, ["I. CHỈ ĐẠO"], ["1.", "Việc", "Trong năm 2024", "Sở Nội vụ", "", "x"]],
                    above=["Phụ lục", "CÁC NHIỆM VỤ, GIẢI PHÁP NÂNG CAO CHỈ SỐ CẢI CÁCH HÀNH CHÍNH TỈNH QUẢNG NAM NĂM 2024",
                           "(Kèm theo Kế hoạch số 123/KH-UBND ngày 20/6/2024 của Ủy ban nhân dân tỉnh Quảng Nam)"])
    draft = tomllib.loads(import_plan(p, registry)[0])
    assert draft["plan"]["title"] == "Kế hoạch nâng cao chỉ số cải cách hành chính tỉnh Quảng Nam năm 2024"
    assert "appendix heading" in draft["plan"]["review"]


# -- targets as provinces write them, in a real appendix --------------------------------------------------

TARGET_ROWS = [  # result cell, the target read (op, value, upper, unit), reviewed
    ("Tỷ lệ hồ sơ giải quyết đúng hạn không dưới 90%", (">=", 90, None, "%"), False),
    ("Tỷ lệ văn bản điện tử không thấp hơn 95%", (">=", 95, None, "%"), False),
    ("Tổ chức không ít hơn 03 cuộc đối thoại", (">=", 3, None, "cuộc"), False),
    ("Tập huấn ít nhất 500 lượt cán bộ", (">=", 500, None, "lượt"), False),
    ("Kiểm tra tối thiểu 02 lần/năm", (">=", 2, None, "lần"), False),
    ("Ít nhất 02 cuộc/năm", (">=", 2, None, "cuộc"), False),
    ("Tỷ lệ hồ sơ trễ hạn không quá 2%", ("<=", 2, None, "%"), False),
    ("Từ 03 đến 05 buổi tuyên truyền", ("between", 3, 5, "buổi"), False),
    ("Chỉ số PAR INDEX tăng ít nhất 03 bậc", (">=", 3, None, "bậc"), True),
    ("Xếp trong nhóm 10 tỉnh dẫn đầu cả nước", ("<=", 10, None, "thứ hạng"), True),
    ("Ít nhất 01 cuộc/quý", (">=", 1, None, "cuộc"), True),
]


def test_targets_as_provinces_write_them_are_read_exactly_or_reviewed(registry, tmp_path):
    rows = [HEADER, ["I. CHỈ ĐẠO"]]
    rows += [[f"{n}.", f"Nhiệm vụ {n}", "Trong năm 2025", "Sở Nội vụ", "", result]
             for n, (result, _, _) in enumerate(TARGET_ROWS, 1)]
    text, _ = import_plan(_docx_table(tmp_path, rows), registry, agencies_ref=str(AGENCIES))
    draft = tomllib.loads(text)
    for task, (result, (op, value, upper, unit), reviewed) in zip(draft["task"], TARGET_ROWS):
        (ind,) = task["indicator"]
        t = ind["target"]
        assert (t["op"], t["value"], t.get("upper"), ind["unit"]) == (op, value, upper, unit), result
        assert ("review" in ind) == reviewed, (result, ind.get("review"))
        assert fold(t["text"]) in fold(result)
    out = tmp_path / "plan.toml"
    out.write_text(text, encoding="utf-8")
    plan = load_plan(out, draft=True)
    assert plan.indicator("I.1/1").target_vi() == "không dưới 90%"


def test_a_number_not_read_as_a_target_is_reviewed(registry, tmp_path):
    p = _docx_table(tmp_path, [HEADER, ["I. CHỈ ĐẠO"],
                               ["1.", "Hội nghị đối thoại", "Trong năm 2025", "Sở Nội vụ", "", "Tổ chức 02 hội nghị"]])
    text, summary = import_plan(p, registry)
    task = tomllib.loads(text)["task"][0]
    assert "indicator" not in task and "02 hội nghị" in task["review"]
    assert any(w == "I.1" and "02 hội nghị" in r for w, r in summary.reviews)


# -- shapes of real documents ---------------------------------------------------------------------------

def _docx_table(tmp_path, rows, merged_section=True, above=()):
    d = docx.Document()
    for line in above:
        d.add_paragraph(line)
    t = d.add_table(rows=0, cols=6)
    for cells in rows:
        r = t.add_row().cells
        if len(cells) == 1:
            r[0].merge(r[5]).text = cells[0]
        else:
            for j, c in enumerate(cells):
                r[j].text = c
    p = tmp_path / "a.docx"
    d.save(str(p))
    return p


def test_unknown_agency_phrase_is_reviewed_and_fails_plan_check(registry, tmp_path):
    p = _docx_table(tmp_path, [HEADER, ["I. CHỈ ĐẠO"],
                               ["1.", "Việc", "Trong năm 2025", "Sở Nội vụ", "Hội Nông dân tỉnh", "Hoàn thành 100%"]])
    text, summary = import_plan(p, registry, agencies_ref=str(AGENCIES))
    assert "Hội Nông dân tỉnh" in summary.unknown_phrases
    assert any(w == "I.1" and "names nothing" in r for w, r in summary.reviews)
    out = tmp_path / "plan.toml"
    out.write_text(text, encoding="utf-8")
    with pytest.raises(Exception) as e:
        load_plan(out)
    assert "Hội Nông dân tỉnh" in str(e.value)


def test_unnumbered_rows_under_heading_get_letters_and_single_row_merges(registry, tmp_path):
    p = _docx_table(tmp_path, [HEADER, ["II. THỂ CHẾ"],
                               ["1", "Theo dõi thi hành pháp luật", "", "", "", ""],
                               ["", "Việc a", "Trong năm 2025", "Sở Tư pháp", "", "x"],
                               ["", "Việc b", "Trong năm 2025", "Sở Tư pháp", "", "y"],
                               ["2", "Tuyên truyền", "", "", "", ""],
                               ["", "Đăng tin", "Thường xuyên", "Sở Nội vụ", "", "z"],
                               ["3.", "Việc ba\ncó dòng mới", "Trong năm 2025", "Sở Nội vụ chủ trì", "", "w"]])
    draft = tomllib.loads(import_plan(p, registry)[0])
    assert [t["code"] for t in draft["task"]] == ["II.1.a", "II.1.b", "II.2", "II.3"]
    assert draft["task"][2]["title"] == "Tuyên truyền: Đăng tin"
    assert draft["task"][3]["title"] == "Việc ba có dòng mới"
    assert draft["task"][3]["lead"] == ["Sở Nội vụ"] and "lead_text" in draft["task"][3]
    assert draft["plan"]["year"] == 2025


def test_unparsed_number_is_flagged_not_written_as_sure(registry, tmp_path):
    p = _docx_table(tmp_path, [HEADER, ["I. CHỈ ĐẠO"],
                               ["1.", "Việc", "Trong năm 2025", "Sở Nội vụ", "",
                                "Hoàn thành trên 05 lĩnh vực; giảm 5% chi phí"]])
    draft = tomllib.loads(import_plan(p, registry)[0])
    inds = draft["task"][0]["indicator"]
    assert all("review" in i for i in inds)


@pytest.mark.parametrize("cell, phrases", [
    ("Các sở, ban, ngành, UBND cấp huyện, UBND cấp xã", ["Các sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"]),
    ("Các Sở, Ban, ngành, UBND cấp huyện, cấp xã", ["Các Sở, Ban, ngành", "UBND cấp huyện", "UBND cấp xã"]),
    ("Sở Nội vụ theo dõi, đôn đốc các sở, ban, ngành, UBND các huyện, thành phố", ["Sở Nội vụ"]),
    ("Sở Tài chính; Sở Kế hoạch và đầu tư; Cục Thuế tỉnh", ["Sở Tài chính", "Sở Kế hoạch và đầu tư", "Cục Thuế tỉnh"]),
    ("- Đoàn kiểm tra CCHC của tỉnh\n- Sở Nội vụ", ["Đoàn kiểm tra CCHC của tỉnh", "Sở Nội vụ"]),
    ("Các sở, ban, ngành; đơn vị sự nghiệp công lập và UBND cấp huyện",
     ["Các sở, ban, ngành", "Đơn vị sự nghiệp công lập", "UBND cấp huyện"]),
], ids=["groups", "elided-cap-xa", "verb-after-name", "semicolons", "bullets-line-breaks", "va-joins"])
def test_split_agencies(cell, phrases, registry):
    assert split_agencies(cell, registry).phrases == phrases


# -- plan diff ---------------------------------------------------------------------------------------------

def test_plan_diff(tmp_path):
    from parxl.plan_import.diff import diff_plans, render_diff
    text = PLAN.read_text(encoding="utf-8").replace('agencies = "agencies.toml"', f'agencies = "{AGENCIES}"')
    (tmp_path / "old.toml").write_text(text, encoding="utf-8")
    new = (text.replace('target = { op = ">", value = 95, text = "trên 95%" }',
                        'target = { op = ">", value = 97, text = "trên 97%" }', 1)
               .replace('title = "Báo cáo kết quả thực hiện công tác CCHC định kỳ của tỉnh"',
                        'title = "Báo cáo kết quả thực hiện công tác CCHC định kỳ"')
               .replace('code = "V.5"', 'code = "V.6"'))
    (tmp_path / "new.toml").write_text(new, encoding="utf-8")
    old_p, new_p = load_plan(tmp_path / "old.toml"), load_plan(tmp_path / "new.toml")
    changes = diff_plans(old_p, new_p)
    kinds = sorted((c.kind, c.task) for c in changes)
    assert kinds == [("target-changed", "III.4.1"), ("task-added", "V.6"), ("task-removed", "V.5"),
                     ("task-retitled", "I.2")]
    out = render_diff(old_p, new_p)
    assert "> 95%" in out and "> 97%" in out
    assert diff_plans(old_p, old_p) == [] and render_diff(old_p, old_p).endswith("no change")
