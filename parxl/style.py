"""How parxl writes its workbooks: their look (the font, the colours, the number format of each unit, and the
xlsxwriter format properties built from them), the options every workbook is opened with, and the one check
of what xlsxwriter returns; for the agency's workbook (:mod:`parxl.writer`, re-issued by :mod:`parxl.reissue`)
and the consolidated one (:mod:`parxl.consolidate`).  The documents (:mod:`parxl.documents.form`) and the
text measurer (:mod:`parxl.textfit`) take the font from here.

Plain data: importing it loads neither xlsxwriter nor any other module of parxl (the checks' side imports
:mod:`parxl.textfit`, which takes its default font from here); a writer turns a property dict into a format
with ``wb.add_format``.
"""
from __future__ import annotations

from fractions import Fraction

# text stays text: a plan's or an agency's "=…" is never a formula, "http://…" never a link, "0123" never a number
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

# -- font ------------------------------------------------------------------------------------------------
FONT = "Times New Roman"   # every workbook and document: the font of Vietnamese administrative texts
SIZE = 11                  # a workbook's cells and charts
TITLE_SIZE = 14            # a sheet's title, a chart's title
LEAD_SIZE = 12             # the consolidated summary's lead sentence

# -- colours ---------------------------------------------------------------------------------------------
HEADER_FILL, HEADER_TEXT = "#1F4E78", "#FFFFFF"   # column headers: white on dark blue
LOCKED_FILL = "#F2F2F2"        # the plan's text, locked
NOT_APPLICABLE_FILL = "#BFBFBF"  # an input the row does not take, locked
INPUT_FILL = "#FFFFFF"         # a cell the agency types in
FORMULA_FILL = "#DDEBF7"       # a value the workbook computes (the self-check, a rate)
CARRIED_FILL = "#FFF2CC"       # an input prefilled (from last period, or the return being corrected)
FIX_FILL = "#FFC7CE"           # an input a correction asks to fix (re-issued workbooks) ...
FIX_BORDER = "#C00000"         # ... inside a red border
# a verdict's tone: (fill, text).  good: met; bad: not met, overdue; warn: data missing or invalid, provisionally
# not met; part: provisional or a contribution; none: not applicable, not due, not assigned
TONES = {"good": ("#C6EFCE", "#006100"), "bad": ("#FFC7CE", "#9C0006"), "warn": ("#FFEB9C", "#9C5700"),
         "part": ("#E2EFDA", "#375623"), "none": ("#D9D9D9", "#000000")}
# charts of the consolidated workbook
MET_COLOUR, MET_PROVISIONAL_COLOUR = "#2E75B6", "#9DC3E6"        # share of indicators met
RETURNED_COLOUR, NOT_RETURNED_COLOUR = "#70AD47", "#C00000"      # returns received
PERIOD_COLOURS = ("#A5A5A5", "#9DC3E6", "#2E75B6", "#1F4E78", "#70AD47", "#C55A11")  # one series a period

# -- number formats --------------------------------------------------------------------------------------
VI = "[$-42A]"                 # Vietnamese notation (1.234,5) whatever the reader's locale
WHOLE = VI + "#,##0"           # a count: whole
AS_TYPED = VI + "General"      # a decimal the agency types: as many places as it has
RATE = VI + "#,##0.00"         # an indicator's rate (%), or a figure that is not whole: two decimals
SHARE = VI + "#,##0.0"         # a share of indicators or of data met (%): one decimal
DATE = "dd/mm/yyyy"
DATE_TIME = "dd/mm/yyyy hh:mm"


def signed(number_format: str) -> str:
    """A change in ``number_format`` (one of the above), with its sign: ``+1,5``, ``-2``, ``0``."""
    digits = number_format.removeprefix(VI)
    return f"{VI}+{digits};-{digits};0"


# the consolidated workbook's keys of a figure's format: "n" whole, "p" two decimals, "r" one, "x" as typed;
# "d…" a change in the same places ("dp", "dn", "dr")
FIGURE_FORMATS = {"n": WHOLE, "p": RATE, "r": SHARE, "x": AS_TYPED}


def figure_format(unit: str | None, value) -> str:
    """The key (of :data:`FIGURE_FORMATS`) of ``value``, a figure in ``unit``: a rate (%) with two decimals, a
    count whole (two decimals only when it is not whole, as a sum in tỷ đồng may be)."""
    if unit == "%":
        return "p"
    return "n" if value is None or Fraction(value).denominator == 1 else "p"


# -- format properties -----------------------------------------------------------------------------------
CELL = {"font_name": FONT, "font_size": SIZE, "valign": "top", "text_wrap": True, "border": 1}  # a table's cell
HEADER = {**CELL, "bold": True, "bg_color": HEADER_FILL, "font_color": HEADER_TEXT, "align": "center",
          "valign": "vcenter"}


def tone(name: str) -> dict:
    """A verdict's colours (fill and text), as a format's properties."""
    fill, text = TONES[name]
    return {"bg_color": fill, "font_color": text}


def agency_formats() -> dict[str, dict]:
    """The agency workbook's formats, by name: format properties for ``wb.add_format``."""
    inputs = {"input": None, "input_num": WHOLE, "input_dec": AS_TYPED, "input_date": DATE}
    typed = lambda nf: {"num_format": nf} if nf else {}  # noqa: E731
    return {
        "header": dict(HEADER),
        "locked": {**CELL, "bg_color": LOCKED_FILL},
        "na": {**CELL, "bg_color": NOT_APPLICABLE_FILL},
        "input": {**CELL, "locked": False, "bg_color": INPUT_FILL},
        "input_num": {**CELL, "locked": False, "num_format": WHOLE},
        "input_dec": {**CELL, "locked": False, "num_format": AS_TYPED},
        "input_date": {**CELL, "locked": False, "num_format": DATE},
        "formula": {**CELL, "bg_color": FORMULA_FILL, "num_format": RATE},
        # an input prefilled from last period: still editable, in its own colour and italics until changed
        **{f"{k}_carried": {**CELL, "locked": False, "bg_color": CARRIED_FILL, "italic": True, **typed(nf)}
           for k, nf in inputs.items()},
        # an input a correction asks to fix (re-issued workbooks): red, with a note saying why
        **{f"{k}_fix": {**CELL, "locked": False, "bg_color": FIX_FILL, "border": 2, "border_color": FIX_BORDER,
                        **typed(nf)}
           for k, nf in inputs.items()},
        "bold": {"font_name": FONT, "bold": True, "text_wrap": True, "valign": "top"},
        "text": {"font_name": FONT, "text_wrap": True, "valign": "top"},
        # titles wrap inside their merged range (over the key columns on input sheets, repeated on both
        # pages across); set at the bottom of a row tall enough for a capital's stacked marks (Ấ, Ễ)
        "title_wrap": {"font_name": FONT, "bold": True, "font_size": TITLE_SIZE, "text_wrap": True,
                       "valign": "bottom"},
        "sub_wrap": {"font_name": FONT, "italic": True, "font_size": SIZE, "text_wrap": True, "valign": "top"},
        "sign": {"font_name": FONT, "bold": True, "align": "center", "valign": "bottom"},
        "sign_note": {"font_name": FONT, "italic": True, "align": "center", "valign": "top"},
        "date_line": {"font_name": FONT, "italic": True, "align": "right", "valign": "bottom"},
    }


def consolidated_formats() -> dict[str, dict]:
    """The consolidated workbook's formats, by key: format properties for ``wb.add_format``."""
    out = {
        # titles and lines above a table wrap within its width
        "title": {"font_name": FONT, "bold": True, "font_size": TITLE_SIZE, "text_wrap": True, "valign": "top"},
        "sub": {"font_name": FONT, "italic": True, "text_wrap": True, "valign": "top"},
        "heading": {"font_name": FONT, "bold": True, "font_size": TITLE_SIZE},   # one cell, no wrap
        "h": dict(HEADER),
        "t": dict(CELL),
        # one format per unit (FIGURE_FORMATS), and a change in it with its sign
        **{k: {**CELL, "num_format": nf} for k, nf in FIGURE_FORMATS.items()},
        **{"d" + k: {**CELL, "num_format": signed(FIGURE_FORMATS[k])} for k in ("p", "n", "r")},
        "d": {**CELL, "num_format": DATE_TIME}, "day": {**CELL, "num_format": DATE},
        "small": {**CELL, "align": "center"},
        "note": {"font_name": FONT, "italic": True, "text_wrap": True, "valign": "top"},
        "lead": {"font_name": FONT, "bold": True, "font_size": LEAD_SIZE, "text_wrap": True, "valign": "top"},
    }
    for k in TONES:
        out[k] = {**CELL, **tone(k)}
        out["small_" + k] = {**CELL, "align": "center", **tone(k)}
    return out


def toned_figure_formats() -> dict[tuple[str, str], dict]:
    """A figure in a verdict's tone: (tone, figure key "p" or "n", or "each" for a count of agencies met, set
    right) → format properties."""
    out: dict[tuple[str, str], dict] = {}
    for k in TONES:
        for key in ("p", "n"):
            out[k, key] = {**CELL, **tone(k), "num_format": FIGURE_FORMATS[key]}
        out[k, "each"] = {**CELL, **tone(k), "align": "right"}
    return out


# an indicator's code standing upright over its column (one line: no wrap)
UPRIGHT_HEADER = {"rotation": 90, "font_name": FONT, "font_size": SIZE, "border": 1, "bold": True, "align": "center",
                  "bg_color": HEADER_FILL, "font_color": HEADER_TEXT}
BOLD_CELL = {**CELL, "bold": True}   # a table's total row


# -- what xlsxwriter returns -----------------------------------------------------------------------------
class WriterBug(RuntimeError):
    """xlsxwriter refused something we asked of it."""


def ok(ret, what: str):
    """``ret``, the status an xlsxwriter call returned; a refusal (non-zero: for example a validation silently
    dropped for a long title) is a bug in parxl and raises :class:`WriterBug`."""
    if ret not in (0, None):
        raise WriterBug(f"xlsxwriter returned {ret} for {what}")
    return ret
