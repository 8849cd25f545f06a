"""How much the reader will do for one file: the limits, and the budget the streaming parses spend.

A limit passed is a finding, never an allocation: :class:`TooLarge` becomes ``file.too-large`` and
:class:`TooMuchWork` ``file.too-much-work`` (parxl.reader.read).
"""
from __future__ import annotations

# Limits checked on the zip directory before anything is unpacked.
MAX_FILE = 50 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_UNPACKED = 200 * 1024 * 1024
MAX_PART = 100 * 1024 * 1024
MAX_RATIO = 150
# Bounds of what is read of each sheet (the layout has 16 columns; agencies may insert some).
MAX_ROWS = 2000
MAX_COLS = 64
MAX_SHEETS = 40
MAX_CELL_TEXT = 20_000_000          # characters of cell text per workbook on the safe path
MAX_SHARED = 1_000_000              # shared strings on the safe path
MAX_MERGES = 10_000                 # merged ranges kept of a sheet on the safe path
MAX_WORK = 4_000_000                # XML elements the safe path (and OpenDocument's scan) processes per file
MUCH_WORK = MAX_WORK // 4           # beyond this much work a file is noted as costly to read (file.much-work)
FAST_PART = 4 * 1024 * 1024         # a sheet part larger than this always takes the safe path
FAST_TOTAL = 16 * 1024 * 1024       # nor do sheets beyond this much XML in all
FAST_AMPLIFY = 64 * 1024 * 1024     # shared-string cells × longest shared string, per workbook
FORMULA_TEXT = 256                  # characters of a formula's text kept (it is shown, never evaluated)


class TooMuchWork(Exception):
    """The safe path processed more than MAX_WORK elements: the file gets ``file.too-much-work``."""


class TooLarge(Exception):
    """A bound of the safe path was passed: the file gets ``file.too-large``."""

    def __init__(self, seen: str, expected: str):
        super().__init__(seen)
        self.seen, self.expected = seen, expected


class Budget:
    def __init__(self):
        self.chars = 0
        self.elements = 0          # XML elements processed by the streaming parses (MAX_WORK)

    def step(self) -> None:
        self.elements += 1
        if self.elements > MAX_WORK:
            raise TooMuchWork(f"hơn {MAX_WORK} phần tử XML")

    def take(self, n: int) -> None:
        self.chars += n
        if self.chars > MAX_CELL_TEXT:
            raise TooLarge(f"hơn {MAX_CELL_TEXT} ký tự", f"{MAX_CELL_TEXT} ký tự")
