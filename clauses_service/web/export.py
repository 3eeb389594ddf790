"""Tables exported to XLSX: the whole filtered list a page shows, not only its page.

A list page answers ``?export=xlsx`` with the same rows (same search, filters, sort and
scope) as a workbook: a header row in bold, French number formats, frozen header and
filters. Every text cell goes through ``importers.safe_cells`` so that a name typed as
``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, request
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from clauses_service.downloads import attachment
from importers.safe_cells import write_value

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOURS_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "DD/MM/YYYY"


@dataclass(frozen=True)
class Column:
    """One exported column: its French header, how to get the value, its number format."""

    header: str
    value: Callable[[dict], Any]
    number_format: str | None = None
    width: int = 18


def wants_export() -> bool:
    return request.args.get("export") == "xlsx"


def export_url() -> str:
    """The current page's URL asking for the XLSX export (without the page number)."""
    from clauses_service.web.tables import url_with

    return url_with(export="xlsx", page=None)


def _format_of(column: Column, value: Any) -> str | None:
    if column.number_format:
        return column.number_format
    if isinstance(value, datetime | date):
        return DATE_FORMAT
    if isinstance(value, Decimal | float):
        return HOURS_FORMAT
    return None


def workbook_bytes(title: str, columns: Sequence[Column], rows: Iterable[dict]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        write_value(cell, column.header)
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    count = 0
    for count, row in enumerate(rows, start=1):
        for index, column in enumerate(columns, start=1):
            value = column.value(row)
            if isinstance(value, datetime):
                value = value.replace(tzinfo=None)
            cell = sheet.cell(row=count + 1, column=index)
            write_value(cell, value)
            number_format = _format_of(column, value)
            if number_format and value is not None and not isinstance(value, str):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, title: str, columns: Sequence[Column], rows) -> Response:
    """The download of ``rows``; ``filename`` without extension, dated today."""
    stamp = date.today().strftime("%Y-%m-%d")
    return attachment(workbook_bytes(title, columns, rows), XLSX_MIME, f"{filename}-{stamp}.xlsx")
