"""Next year's plan, imported: a draft plan TOML from the appendix table of the plan document (.docx or .xlsx),
an agency registry from a list of agencies, and what changed between two plans.

The appendix of a provincial PAR plan is a table
``Số TT | Nhiệm vụ cụ thể | Tiến độ | Cơ quan chủ trì | Cơ quan phối hợp | Kết quả/sản phẩm``
with section rows in roman numerals spanning the row, headings ("1. Kiểm soát ...", "2.2 ...")
with numbered ("2.1") or unnumbered rows under them, merged cells, line breaks inside cells and
several agencies per cell.  :func:`import_plan` reads it and writes a draft in the bundled plan's
conventions (see templates/quangnam-2024/plan.toml); every decision it is unsure of is written
down in a ``review = "..."`` line next to it, and counted in the summary.  A plan with review lines
is a draft: ``load_plan`` refuses it unless told it is one (``parxl plan check --draft``).

The title is the document's own ("KẾ HOẠCH" and the line after it, or a "Kế hoạch nâng cao Chỉ số ..."
line above the table); else it is built from the appendix's heading or from the province ("tỉnh
Quảng Nam", "thành phố Đà Nẵng") and year, with a review line.  A row for the district level on a
registry without one ("UBND cấp huyện" since 1 July 2025) and a phrase naming part of a level ("UBND
các xã, phường" where the level also has a đặc khu) are reviewed, naming what they leave out.

The rooms, in the order an import runs through them:

- :mod:`.appendix`: the table's rows (and the lines above it) from the .docx or the sheet;
- :mod:`.tasks`: the rows as sections and coded tasks;
- :mod:`.agency_cells`: a lead or coordinator cell as agency phrases;
- :mod:`.targets`: the target phrases in a text ("trên 95%", "không dưới 90%", "giảm 10% so với năm 2021");
- :mod:`.indicators`: a task's targets as indicators; :mod:`.measure_hooks`: what each measure makes of one;
- :mod:`.title`: the plan's title and id;
- :mod:`.draft`: the draft plan those decide; :mod:`.writeout`: the draft as TOML, and the summary;
- :mod:`.registry`: an agencies.toml from a list of agencies (``parxl registry import``);
- :mod:`.diff`: what changed between two plans (``parxl plan diff``).
"""
from __future__ import annotations

from pathlib import Path

from ..agencies import Registry
from .agency_cells import AgencyCell, split_agencies
from .appendix import AppendixError, read_appendix
from .draft import draft_plan
from .writeout import ImportSummary, summarize, write_draft

__all__ = ["import_plan", "read_appendix", "split_agencies", "AgencyCell", "ImportSummary", "AppendixError",
           "import_registry", "diff_plans", "render_diff", "Change"]

# the registry import and the plan diff load the reader and the plan model: imported when first asked for
_LAZY = {"import_registry": ".registry", "diff_plans": ".diff", "render_diff": ".diff", "Change": ".diff"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def import_plan(appendix_path: str | Path, registry: Registry | str | Path, *, plan_id: str | None = None,
                title: str | None = None, province: str | None = None, year: int | None = None,
                agencies_ref: str | None = None) -> tuple[str, ImportSummary]:
    """Read a plan's appendix table (.docx or .xlsx) and write a draft plan TOML.

    The table has the columns Số TT | Nhiệm vụ cụ thể | Tiến độ | Cơ quan chủ trì | Cơ quan phối hợp |
    Kết quả/sản phẩm.  The draft follows the bundled plan's conventions: task codes from the section
    numeral and STT (unnumbered rows under a heading get letters: II.1.a), lead and coordinator phrases
    resolved against REGISTRY, one indicator per numeric target with its comparator, value, unit,
    baseline year, measure and aggregate.  Every decision the importer is unsure of (a number it could
    not read, an agency phrase the registry does not know, a guessed measure or unit) is written as a
    ``review = "..."`` line beside it: read each, fix the draft, delete the line.  Returns the TOML
    text and a summary (sections, tasks, targets, reviews) whose ``text()`` is ready to print.
    """
    if not isinstance(registry, Registry):
        if agencies_ref is None:
            agencies_ref = str(registry)
        registry = Registry.load(registry)
    draft = draft_plan(appendix_path, registry, plan_id=plan_id, title=title, province=province, year=year,
                       agencies_ref=agencies_ref)
    return write_draft(draft), summarize(draft)
