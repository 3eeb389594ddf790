"""Reading layer of the monthly-hours spreadsheet import.

A file (XLSX, XLSM, ODS or CSV) becomes a stream of cleaned rows with per-cell
French errors; nothing here knows the domain or the database. Entry point:
``read_rows(source)`` (see ``importers.rows``).
"""

from importers.errors import CellError, FileRejected
from importers.limits import DEFAULT_LIMITS, Limits
from importers.rows import ROW_ERROR, ParsedRow, ReadSummary, RowReader, read_all, read_rows

__all__ = [
    "DEFAULT_LIMITS",
    "ROW_ERROR",
    "CellError",
    "FileRejected",
    "Limits",
    "ParsedRow",
    "ReadSummary",
    "RowReader",
    "read_all",
    "read_rows",
]
