"""Cell references: A1 letters and numbers, as the sheet XML writes them."""
from __future__ import annotations

import functools
import re

CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def col_number(letters: str) -> int:
    c = 0
    for ch in letters:
        c = c * 26 + ord(ch) - 64
    return c


def a1(row: int, col: int) -> str:
    """1-based (row, col) → 'B7'."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


@functools.lru_cache(maxsize=1024)
def col_index(letters: bytes) -> int:
    """b'D' → 3 (zero-based)."""
    return col_number(letters.decode()) - 1
