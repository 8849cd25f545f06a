"""What the reader must know of a return's shape before it knows the plan: its sheets' names, the identity
format it signs, and the longest text an input cell accepts.

Kept apart from :mod:`parxl.layout` (which lays the rows out from the plan and so imports the plan model,
the measures and pydantic) so that ``import parxl.reader`` stays light; ``layout`` re-exports every name.
"""
from __future__ import annotations

COVER_SHEET = "Hướng dẫn"
LIST_SHEET = "DanhMuc"
IDENTITY_SHEET = "_parxl"
FORMAT = "parxl-return/1"

MAX_INPUT_TEXT = 2000   # characters an input cell accepts (the writer's validation, the reader's cut)
MAX_TEXT = MAX_INPUT_TEXT  # its older name, still imported through layout (not tablesheet.MAX_TEXT, Excel's own limit)
