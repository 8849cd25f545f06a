"""Agencies filling their workbooks, simulated: for the demo, the samples and the tests.

``answers`` decides, from a seed, what an agency reports for each of its indicators
(mostly meeting the target, sometimes not).  ``fill_openpyxl`` writes those answers into a
copy of the generated workbook the way a spreadsheet tool without a calculation engine
does; ``fill_libreoffice`` then has LibreOffice Calc open and save it, as a person's Calc does.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import random
import re
import shutil
import zipfile
from fractions import Fraction
from pathlib import Path

from xlsxwriter.utility import xl_rowcol_to_cell

from ..errors import ParxlError
from ..layout import COL, agency_layout
from ..measures import measure_of
from ..periods import Period
from ..plan import Plan
from ..vocab import TaskStatus

Answer = dict[str, object]   # column key → value (number, date, text)


def require_openpyxl():
    """openpyxl, which only the simulation needs (the pipeline never writes a return); a clear
    error, not a traceback, when parxl was installed without the ``demo`` extra."""
    try:
        import openpyxl
    except ImportError:
        raise ParxlError("the demo needs openpyxl, which is not installed: "
                         "pip install 'parxl[demo]'") from None
    return openpyxl


def answers(plan: Plan, agency: str, period: Period, rng: random.Random, miss_rate: float = 0.15,
            before: dict[str, Answer] | None = None) -> dict[str, Answer]:
    """What a diligent agency reports, indicator by indicator; about ``miss_rate`` of targets are missed.

    ``before``: what the agency reported for the previous period of the same year (:func:`answers` of it).
    The figures then continue the year, as the periods' windows are cumulative (all from 15/12): a count
    never falls, a rate's numerator and denominator add this quarter's cases to the earlier ones (about as
    many as an earlier quarter had), and the baseline-year figure stays what it was."""
    out = {}
    start, end = period.window
    for s in agency_layout(plan, agency):
        for row in s.rows:
            ind = row.indicator
            meet = rng.random() >= miss_rate
            a = measure_of(ind).example(ind, meet, rng)
            if before and before.get(ind.code):
                a = _continued(ind, a, before[ind.code], meet, max(1, period.quarter - 1), rng)
            day = start + dt.timedelta(days=rng.randrange((end - start).days))
            done = meet or bool(a)      # a numeric indicator is judged by its numbers; its task is done
            a["status"] = (TaskStatus.DONE if done else rng.choice([TaskStatus.IN_PROGRESS, TaskStatus.NOT_STARTED])).value
            if done:
                a["evidence"] = f"Báo cáo số {rng.randrange(10, 999)}/BC-{agency} ngày {day:%d/%m/%Y}"
                a["doc_date"] = day
            if not meet:
                a["issues"] = "Khối lượng hồ sơ tăng; thiếu nhân lực chuyên trách."
                a["proposals"] = "Đề nghị tỉnh bổ sung kinh phí và tập huấn."
            out[ind.code] = a
    return out


def _continued(ind, a: Answer, prev: Answer, meet: bool, quarters: int, rng: random.Random) -> Answer:
    """This period's example figures ``a`` made to continue ``prev`` (the agency's figures ``quarters`` quarters
    into the year): a rate gets this quarter's new cases at the example's share (rounded up when it meets the
    target, down when not), a whole count never falls, a baseline stays (this year's figure scaled with it)."""
    a = dict(a)
    m = measure_of(ind)
    n0, d0 = prev.get("numerator"), prev.get("denominator")
    if isinstance(d0, int) and isinstance(n0, int) and a.get("denominator"):
        share = Fraction(a["numerator"], a["denominator"])
        new = max(1, round(d0 / quarters * rng.uniform(0.7, 1.3)))
        got = math.ceil(new * share) if meet else math.floor(new * share)
        a["numerator"], a["denominator"] = n0 + min(new, got), d0 + new
    if m.whole("value") and isinstance(prev.get("value"), int) and isinstance(a.get("value"), int):
        a["value"] = max(prev["value"], a["value"])
    b0, b = prev.get("baseline"), a.get("baseline")
    if b0 is not None and b:
        a["baseline"] = b0
        if isinstance(a.get("value"), (int, float)):
            a["value"] = round(a["value"] * b0 / b)
    return a


def plant_shrink(plan: Plan, values: dict[str, Answer], before: dict[str, Answer]) -> tuple[str, int, int] | None:
    """The demo's planted slip: a count typed lower than the agency reported last period (this quarter's own
    figure instead of the year's so far).  Changes ``values`` in place; (indicator, last period's figure,
    the one typed now), or None when the agency has no count above 0 to shrink."""
    counts = {i.code for i in plan.indicators if measure_of(i).whole("value")}
    for code, a in values.items():
        was = (before.get(code) or {}).get("value")
        if code in counts and isinstance(a.get("value"), int) and isinstance(was, int) and was >= 1:
            values[code] = {**a, "value": was - 1}
            return code, was, was - 1
    return None


def plant_baseline(values: dict[str, Answer]) -> tuple[str, object, object] | None:
    """The demo's other planted slip: a baseline-year figure typed differently from the earlier periods' (another
    year's figure).  Changes ``values`` in place; (indicator, the baseline reported before, the one typed now)."""
    for code, a in values.items():
        b = a.get("baseline")
        if isinstance(b, int) and b > 0:
            values[code] = {**a, "baseline": b + 7}
            return code, b, b + 7
    return None


def cell_map(plan: Plan, agency: str) -> dict[str, tuple[str, int]]:
    """Indicator code → (sheet name, zero-based row) in the agency's generated workbook."""
    return {r.indicator.code: (s.name, r.excel_row) for s in agency_layout(plan, agency) for r in s.rows}


def fill_openpyxl(src: str | Path, dst: str | Path, plan: Plan, agency: str, values: dict[str, Answer],
                  modified: dt.datetime | None = None) -> Path:
    """Write answers into a copy of the workbook with openpyxl (no cached formula results)."""
    wb = require_openpyxl().load_workbook(src)
    where = cell_map(plan, agency)
    for code, ans in values.items():
        sheet, row = where[code]
        ws = wb[sheet]
        for key, v in ans.items():
            c = ws.cell(row + 1, COL[key] + 1)
            c.value = v
    dst = Path(dst)
    wb.save(dst)
    if modified:
        stamp(dst, modified)
    return dst


def fill_xml(src: str | Path, dst: str | Path, plan: Plan, agency: str, values: dict[str, Answer],
             modified: dt.datetime) -> Path:
    """The same answers as :func:`fill_openpyxl`, written straight into the sheets' XML: each input cell
    (an empty cell with its style) gets its value, nothing else changes.  About 20 times faster than
    a round trip through openpyxl; the benchmark builds thousands of returns with it, and a test
    checks that the merge reads the same from both."""
    where = cell_map(plan, agency)
    edits: dict[str, dict[str, object]] = {}
    for code, ans in values.items():
        sheet, row = where[code]
        for key, v in ans.items():
            edits.setdefault(sheet, {})[xl_rowcol_to_cell(row, COL[key])] = v
    src_zip = zipfile.ZipFile(src)
    part_of = _sheet_parts(src_zip)
    by_part = {part_of[sheet]: cells for sheet, cells in edits.items()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src_zip.infolist():
            data = src_zip.read(info)
            if info.filename in by_part:
                data = _fill_part(data.decode("utf-8"), by_part[info.filename], info.filename).encode("utf-8")
            elif info.filename == "docProps/core.xml":
                data = _with_modified(data, modified)
            zi = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(zi, data)
    Path(dst).write_bytes(buf.getvalue())
    return Path(dst)


_SHEET = re.compile(r'<sheet name="([^"]*)" sheetId="\d+"(?: state="\w+")? r:id="(rId\d+)"/>')
_TARGET = re.compile(r'<Relationship Id="(rId\d+)" Type="[^"]*/worksheet" Target="([^"]+)"/>')


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part, in a workbook xlsxwriter wrote."""
    from xml.sax.saxutils import unescape
    targets = dict(_TARGET.findall(z.read("xl/_rels/workbook.xml.rels").decode("utf-8")))
    return {unescape(name, {"&quot;": '"'}): "xl/" + targets[rid]
            for name, rid in _SHEET.findall(z.read("xl/workbook.xml").decode("utf-8"))}


def _fill_part(xml: str, cells: dict[str, object], part: str) -> str:
    from xml.sax.saxutils import escape
    for ref, v in cells.items():
        empty = re.search(rf'<c r="{ref}"( s="\d+")?/>', xml)
        if empty is None:
            raise ValueError(f"{part}: no empty input cell {ref} to fill")
        style = empty.group(1) or ""
        if isinstance(v, dt.date):
            v = (v - dt.date(1899, 12, 30)).days
        if isinstance(v, str):
            cell = f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(v)}</t></is></c>'
        else:
            cell = f'<c r="{ref}"{style}><v>{v!r}</v></c>'
        xml = xml[:empty.start()] + cell + xml[empty.end():]
    return xml


def _with_modified(core: bytes, modified: dt.datetime) -> bytes:
    when = modified.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return _MODIFIED.sub(b'<dcterms:modified xmlns:dcterms="http://purl.org/dc/terms/" '
                         b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                         b'xsi:type="dcterms:W3CDTF">' + when + b"</dcterms:modified>", core)


def fill_libreoffice(src: str | Path, dst: str | Path, plan: Plan, agency: str, values: dict[str, Answer]) -> Path:
    """Answers filled, then the workbook opened and saved by LibreOffice Calc (it computes and caches
    every formula result and writes its own zip, properties and styles)."""
    import tempfile
    from . import libreoffice
    dst = Path(dst)
    with tempfile.TemporaryDirectory() as tmp:
        filled = fill_openpyxl(src, Path(tmp) / dst.name, plan, agency, values)
        out = libreoffice.convert(filled, Path(tmp) / "lo", "xlsx")
        shutil.copyfile(out, dst)
    return dst


_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>")


def stamp(path: str | Path, modified: dt.datetime) -> None:
    """Set the workbook's own modified time and make the zip reproducible (fixed entry times)."""
    path = Path(path)
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/core.xml":
                # self-contained: some openpyxl versions declare these prefixes on the sibling elements only
                data = _with_modified(data, modified)
            zi = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(zi, data)
    path.write_bytes(buf.getvalue())

