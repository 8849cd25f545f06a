"""The machine the LibreOffice tests measure on.

Where LibreOffice breaks a cell's text into lines, and so how a workbook prints, depends on the widths of the
font's glyphs. The workbooks ask for Times New Roman and Calibri (Arial is LibreOffice's fallback for
sans-serif text); a Linux machine rarely has them, and fontconfig then hands LibreOffice whatever it has,
often DejaVu, which is much wider. Measured that way, a test of the printed pages tells nothing about what an
agency prints from Excel. The metric-compatible twins (Liberation Serif and Sans, Carlito: the same advance
width for every glyph) lay out as the originals do; `bash .ci/setup` installs them from Debian.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile

import pytest

from conftest import ROOT

# a font the workbooks ask for -> the families that lay out exactly as it does (itself first)
METRIC_TWINS = {
    "Times New Roman": ("Times New Roman", "Liberation Serif", "Tinos"),
    "Calibri": ("Calibri", "Carlito"),
    "Arial": ("Arial", "Liberation Sans", "Arimo"),
}
DEBIAN_PACKAGES = "fonts-liberation2 fonts-crosextra-carlito"


def font_for(family: str) -> str | None:
    """The family fontconfig (and so LibreOffice) uses when a document asks for ``family``; None without
    fc-match."""
    if not shutil.which("fc-match"):
        return None
    r = subprocess.run(["fc-match", "-f", "%{family[0]}", family], capture_output=True, text=True, timeout=60)
    return r.stdout.strip() or None


def metric_font_problems() -> list[str]:
    problems = []
    for asked, twins in METRIC_TWINS.items():
        got = font_for(asked)
        if got not in twins:
            problems.append(f'"{asked}" is laid out in {got or "? (fc-match, from fontconfig, is missing)"}, '
                            f'not in a font with its metrics ({", ".join(twins)})')
    if problems:
        problems.append(f"install the metric-compatible fonts: apt-get install {DEBIAN_PACKAGES} "
                        "(bash .ci/setup does), so that LibreOffice lays out and prints as Excel does")
    return problems


def require_metric_fonts() -> None:
    """Skip (or, under PARXL_REQUIRE_LIBREOFFICE=1, fail) what would be measured with other fonts."""
    problems = metric_font_problems()
    if problems:
        msg = "\n".join(problems)
        if os.environ.get("PARXL_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)


def pdf_font_family(fontname: str) -> str:
    """'EAAAAA+LiberationSerif-Bold' -> 'Liberation Serif'; 'TimesNewRomanPS-BoldMT' -> 'Times New Roman'."""
    base = fontname.split("+", 1)[-1].split("-", 1)[0].split(",", 1)[0]
    base = re.sub(r"(PS)?MT$|PS$", "", base)
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", base)


def _workbook_fonts(path) -> set[str]:
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode("utf-8")
    fonts = re.search(r"<fonts\b.*?</fonts>", styles, re.S)
    return set(re.findall(r'<name val="([^"]+)"', fonts[0])) if fonts else set()


@pytest.mark.libreoffice
def test_the_fonts_the_workbooks_ask_for_are_laid_out_with_their_metrics():
    """Under PARXL_REQUIRE_LIBREOFFICE=1 (CI, README's test command) a machine without the twins fails here,
    saying what to install, instead of measuring the printed pages with DejaVu."""
    require_metric_fonts()


def test_every_font_a_workbook_asks_for_has_twins_listed(issued):
    """A font added to the workbooks must be added to METRIC_TWINS (and its twin to .ci/setup)."""
    asked = _workbook_fonts(issued["TAMKY"]) | _workbook_fonts(ROOT / "samples" / "tong-hop-2024-Q3.xlsx")
    assert asked and asked <= set(METRIC_TWINS), sorted(asked - set(METRIC_TWINS))


def test_pdf_font_names_are_read_as_families():
    assert pdf_font_family("EAAAAA+LiberationSerif-Bold") == "Liberation Serif"
    assert pdf_font_family("BAAAAA+Carlito") == "Carlito"
    assert pdf_font_family("TimesNewRomanPS-BoldMT") == "Times New Roman"
    assert pdf_font_family("ArialMT") == "Arial"
    assert pdf_font_family("CAAAAA+DejaVuSans") not in {f for twins in METRIC_TWINS.values() for f in twins}
