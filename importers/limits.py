"""Bounds applied to an uploaded spreadsheet before and while it is read."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Configurable bounds of the spreadsheet import.

    ``max_rows`` counts the rows below the header; a sheet may use at most
    ``max_rows + max_header_search_rows`` rows in all. ``max_columns`` is the
    number of columns considered: CSV fields beyond it are ignored, and a
    workbook sheet whose declared extent or cell references go beyond it is
    rejected before parsing (a far-away cell makes calamine allocate the whole
    rectangle and abort the process).
    """

    max_upload_bytes: int = 20 * MB
    max_uncompressed_bytes: int = 200 * MB
    max_compression_ratio: int = 100
    max_rows: int = 200_000
    max_columns: int = 50
    max_header_search_rows: int = 20
    max_zip_members: int = 1_000
    # Members smaller than this are not held to the compression ratio: tiny
    # repetitive XML parts compress very well and cannot hurt.
    ratio_exempt_bytes: int = 1 * MB

    @property
    def max_sheet_rows(self) -> int:
        """Rows a sheet may use, title and header rows included."""
        return self.max_rows + self.max_header_search_rows


DEFAULT_LIMITS = Limits()
