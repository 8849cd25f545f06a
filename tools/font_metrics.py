"""Regenerate parxl/fontmetrics.json: the advance width of every glyph Vietnamese text uses, in the fonts the
workbooks ask for, read from the metric-compatible twins installed on this machine.

    python3 tools/font_metrics.py [OUT]      # needs Pillow and fonts-liberation2, fonts-crosextra-carlito

Liberation Serif has Times New Roman's advance widths and Carlito has Calibri's, glyph for glyph, so the table
is the originals' too.  Run once when a character set or a font is added; parxl.textfit reads the JSON and does
not need Pillow.  Widths are in thousandths of an em (of the font size), rounded to 0.1."""
from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

from PIL import ImageFont

DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
        "/usr/share/fonts/truetype/crosextra")
FILES = {
    "Times New Roman": {"regular": "LiberationSerif-Regular.ttf", "bold": "LiberationSerif-Bold.ttf",
                        "italic": "LiberationSerif-Italic.ttf", "bold_italic": "LiberationSerif-BoldItalic.ttf"},
    "Calibri": {"regular": "Carlito-Regular.ttf", "bold": "Carlito-Bold.ttf", "italic": "Carlito-Italic.ttf",
                "bold_italic": "Carlito-BoldItalic.ttf"},
}
EM = 2048      # both families' units per em: at this size an advance is a whole number of units, unhinted


def charset() -> str:
    """ASCII, Latin-1, the Vietnamese letters (precomposed, NFC) and the punctuation and signs the workbooks
    print."""
    cps = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    cps |= set(range(0x1EA0, 0x1EFA))                                     # ẠạẢả … Ỹỹ
    cps |= {ord(c) for c in "ĂăĐđĨĩŨũƠơƯư"}
    cps |= {ord(c) for c in "–—‘’“”„…•·×÷−≤≥≠±→←Σ∑√%‰€₫№"}
    return "".join(sorted(chr(c) for c in cps if unicodedata.category(chr(c))[0] != "C"))


def find(name: str) -> Path:
    for d in DIRS:
        p = Path(d) / name
        if p.exists():
            return p
    sys.exit(f"{name} not found in {', '.join(DIRS)}: apt-get install fonts-liberation2 fonts-crosextra-carlito")


def main() -> None:
    chars = charset()
    out = {"chars": chars, "fonts": {}}
    for family, styles in FILES.items():
        fam = out["fonts"][family] = {}
        for style, file in styles.items():
            font = ImageFont.truetype(str(find(file)), EM, layout_engine=ImageFont.Layout.BASIC)
            ascent, descent = font.getmetrics()
            widths = [round(font.getlength(c) * 1000 / EM, 1) for c in chars]
            fam[style] = {"file": file, "ascent": round(ascent * 1000 / EM, 1),
                          "descent": round(descent * 1000 / EM, 1), "widths": widths}
    path = (Path(sys.argv[1]) if len(sys.argv) > 1
            else Path(__file__).resolve().parent.parent / "parxl" / "fontmetrics.json")
    path.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{path}: {len(chars)} characters × {sum(len(s) for s in FILES.values())} fonts")


if __name__ == "__main__":
    main()
