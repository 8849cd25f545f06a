"""How much the reader will do for one file: the limits, and the budget the streaming parses spend.

A limit passed is a finding, never an allocation: :class:`TooLarge` becomes ``file.too-large`` and
:class:`TooMuchWork` ``file.too-much-work`` (parxl.reader.read).
"""
from __future__ import annotations

from ..findings import Amount
from ..sheetnames import MAX_INPUT_TEXT

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
KEPT_TEXT = MAX_INPUT_TEXT + 1      # characters of a cell's text the safe path keeps: enough to flag it too long
FORMULA_TEXT = 256                  # characters of a formula's text kept (it is shown, never evaluated)


class LimitPassed(Exception):
    """A limit was passed: what was seen, and the limit (data; the finding's catalog entry words them)."""

    def __init__(self, seen: Amount, expected: Amount | int):
        super().__init__(str(seen))
        self.seen, self.expected = seen, expected


class TooLarge(LimitPassed):
    """A bound of the safe path was passed: the file gets ``file.too-large``."""


class TooMuchWork(LimitPassed):
    """The streaming parses processed more than MAX_WORK elements: the file gets ``file.too-much-work``."""


class Budget:
    """The work the streaming parses have done on one file: XML elements (within MAX_WORK) and characters of
    cell text kept (within MAX_CELL_TEXT)."""

    def __init__(self):
        self.chars = 0
        self.elements = 0          # XML elements processed by the streaming parses (MAX_WORK)

    def step(self) -> None:
        self.elements += 1
        if self.elements > MAX_WORK:
            raise TooMuchWork(Amount(MAX_WORK, "xml-elements", more=True), MAX_WORK)

    def take(self, n: int) -> None:
        self.chars += n
        if self.chars > MAX_CELL_TEXT:
            raise TooLarge(Amount(MAX_CELL_TEXT, "characters", more=True), Amount(MAX_CELL_TEXT, "characters"))
