"""Returned workbook → raw cell values with provenance.  The only package that reads cells.

A return is read, never written.  Reading one (:func:`read_return`, in :mod:`.read`) goes room by room:

- :mod:`.package` opens the container safely: the file read once, its zip directory checked under limits
  (size, entry count, unpacked size, compression ratio) before anything is unpacked, every part searched for
  a DTD before any parser sees one, each part inflated once (``Parts``), and the copy calamine is handed
  (the parts already inflated stored as they are, so calamine inflates nothing again).  A zip bomb or an
  entity-expansion sheet is refused in bounded time and memory.
- :mod:`.metadata`: document properties (the ``parxl_`` custom properties), the save time, the application.
- :mod:`.bounds`: how much of a sheet is read.  calamine builds a dense grid up to a sheet's last used cell,
  so one value at XFD1048576 would cost it 512 GiB; each sheet is read within ``MAX_ROWS`` × ``MAX_COLS``.
  A cheap linear check of the sheet XML proves a normal workbook within bounds (the fast path, whose error
  cells and formulas :mod:`.scan` finds); anything it cannot prove goes through :mod:`.stream` (the safe
  path), a streaming parse that keeps only the cells within bounds and hands calamine a bounded copy.
  Values beyond the bounds are counted in one ``layout.cell-outside`` per sheet.
- :mod:`.ods`: OpenDocument's content.xml, clipped to the same bounds when it must be.
- :mod:`.links`: links to outside data, one ``file.external-link`` each (OpenDocument's in :mod:`.ods`).
- python-calamine reads the values; the identity sheet is found by :func:`parxl.identity.find_identity`.

:mod:`.limits` holds every limit and the work budget of the streaming parses; :mod:`.model` what a read gives
(:class:`Workbook`, :class:`Sheet`, :class:`CellError`).  Formulas: calamine gives a formula cell's cached
result as if it were typed, so the reader records each formula's text beside the values; the checks decide
what a formula in an input cell means.
"""
from .limits import MAX_COLS, MAX_FILE, MAX_ROWS, MAX_WORK
from .model import CellError, Sheet, Workbook
from .package import check_package, file_sha256
from .read import read_return, read_table_file

__all__ = ["MAX_COLS", "MAX_FILE", "MAX_ROWS", "MAX_WORK", "CellError", "Sheet", "Workbook", "check_package",
           "file_sha256", "read_return", "read_table_file"]
