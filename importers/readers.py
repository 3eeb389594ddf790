"""Readers: a checked file (``guard.Inspection``) to sheets of raw rows.

Each sheet yields ``(row_number, cells)``: the 1-based row number the user sees
in the sheet, and at most ``limits.max_columns`` cells, empty cells as None.

- XLSX/XLSM and ODS: python-calamine (about 100,000 rows/s here, against
  6,000–11,000 for openpyxl read-only). Its sheet is held in Rust memory while
  read (~100 MB of peak RSS for 100,000 × 13 cells); the Python side streams.
  A worksheet is measured by the guard right before calamine opens it, since a
  far-away cell would make calamine abort the process.
- XLSX sheets the guard cannot vouch for (cells without a plain reference) are
  read with openpyxl ``read_only=True, data_only=True`` instead: slower, but a
  pure-Python stream bounded by ``max_columns`` whatever the file says.
- CSV: the stdlib ``csv`` module, every field as text; one "sheet" per candidate
  separator (``;``, tab, ``,``): the first whose rows hold a header wins.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import openpyxl
import python_calamine
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from importers.errors import FileRejected
from importers.guard import FileFormat, Inspection, check_xlsx_sheet
from importers.limits import Limits
from importers.normalize import header_key
from importers.sheetscan import XlsxSheet
from importers.zipguard import DAMAGED

RawRow = tuple[int, list[Any]]
CSV_DELIMITERS = (";", "\t", ",")
_DATA_NAMES = ("heure", "releve", "saisie", "donnee", "declaration")
_HELP_NAMES = (
    "modedemploi",
    "notice",
    "aide",
    "instruction",
    "lisezmoi",
    "explication",
    "exemple",
    "liste",
    "parametre",
    "consigne",
    "legende",
)
_CALAMINE_ERRORS: tuple[type[BaseException], ...] = (
    python_calamine.CalamineError,
    python_calamine.XmlError,
    python_calamine.ZipError,
    ValueError,
    TypeError,
    OSError,
    OverflowError,
)


@dataclass(slots=True)
class SheetHandle:
    """A sheet that can be read; ``open_rows`` does the parsing, lazily (and sets
    ``engine`` to the reader it used)."""

    name: str | None  # None for CSV
    hidden: bool
    engine: str  # "calamine", "openpyxl" or "csv"
    open_rows: Callable[[], Iterator[RawRow]]
    delimiter: str | None = None


def _clean_cell(value: Any) -> Any:
    if isinstance(value, str) and not value:
        return None
    return value


def sheet_priority(name: str | None, hidden: bool) -> int:
    """Order in which sheets are tried: data-like names first, help sheets
    (« Mode d'emploi », « Listes »...) last, hidden sheets after visible ones."""
    key = header_key(name or "")
    if any(word in key for word in _HELP_NAMES):
        rank = 2
    elif any(word in key for word in _DATA_NAMES):
        rank = 0
    else:
        rank = 1
    return rank + (3 if hidden else 0)


# ------------------------------------------------------------------ calamine


class _Calamine:
    def __init__(self, data: bytes) -> None:
        try:
            self.workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            self.metadata = list(self.workbook.sheets_metadata)
        except _CALAMINE_ERRORS:
            raise FileRejected(DAMAGED) from None
        except BaseException as error:
            if _is_panic(error):
                raise FileRejected(DAMAGED) from None
            raise

    def rows(self, name: str, limits: Limits) -> Iterator[RawRow]:
        try:
            sheet = self.workbook.get_sheet_by_name(name)
            start = sheet.start
            if start is None:
                return
            # iter_rows() yields every row from the sheet's first row, but only the
            # columns from the first one holding data (pinned by the tests).
            _, first_column = start
            pad = [None] * first_column
            width = max(0, limits.max_columns - first_column)
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                yield number, pad + [_clean_cell(v) for v in cells[:width]]
        except _CALAMINE_ERRORS:
            raise FileRejected(DAMAGED) from None
        except BaseException as error:
            # A Rust panic reaches Python as pyo3's PanicException, a BaseException.
            if _is_panic(error):
                raise FileRejected(DAMAGED) from None
            raise


def _is_panic(error: BaseException) -> bool:
    return type(error).__name__ == "PanicException"


# ------------------------------------------------------------------ openpyxl


def _quietly(call: Callable[[], Any]) -> Any:
    """Run ``call`` with openpyxl's warnings about features it drops (validation,
    extensions...) silenced; never held across a ``yield`` (filters are global)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def _openpyxl_rows(data: bytes, name: str, limits: Limits) -> Iterator[RawRow]:
    try:
        workbook = _quietly(
            lambda: openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        )
    except Exception:  # any failure of a third-party parser is a damaged file
        raise FileRejected(DAMAGED) from None
    try:
        sheet = workbook[name]
        rows = sheet.iter_rows(min_row=1, max_col=limits.max_columns, values_only=True)
        number = 0
        while (cells := _quietly(lambda: next(rows, None))) is not None:
            number += 1
            yield number, [_clean_cell(v) for v in cells]
    except Exception:  # idem
        raise FileRejected(DAMAGED) from None
    finally:
        workbook.close()


def _workbook_sheets(inspection: Inspection, limits: Limits, engine: str) -> list[SheetHandle]:
    calamine = _Calamine(inspection.data)
    parts = {sheet.name: sheet for sheet in inspection.xlsx_sheets}
    handles = []
    for meta in calamine.metadata:
        hidden = meta.visible != SheetVisibleEnum.Visible
        if inspection.format is FileFormat.XLSX:
            sheet = parts.get(meta.name)
            if sheet is None:
                continue  # chart sheet: nothing to read
            handles.append(_xlsx_handle(inspection, calamine, sheet, hidden, limits, engine))
        else:
            handles.append(
                SheetHandle(meta.name, hidden, "calamine", _bind(calamine.rows, meta.name, limits))
            )
    return handles


def _bind(function: Callable[..., Iterator[RawRow]], *args: Any) -> Callable[[], Iterator[RawRow]]:
    return lambda: function(*args)


def _xlsx_handle(
    inspection: Inspection,
    calamine: _Calamine,
    sheet: XlsxSheet,
    hidden: bool,
    limits: Limits,
    engine: str,
) -> SheetHandle:
    handle = SheetHandle(sheet.name, hidden, "calamine", lambda: iter(()))

    def open_rows() -> Iterator[RawRow]:
        safe = check_xlsx_sheet(inspection, sheet, limits)
        if safe and engine != "openpyxl":
            handle.engine = "calamine"
            yield from calamine.rows(sheet.name, limits)
        else:
            handle.engine = "openpyxl"
            yield from _openpyxl_rows(inspection.data, sheet.name, limits)

    handle.open_rows = open_rows
    return handle


# ----------------------------------------------------------------------- CSV


def _csv_rows(text: str, delimiter: str, limits: Limits) -> Iterator[RawRow]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    try:
        for number, fields in enumerate(reader, start=1):
            yield number, [_clean_cell(field) for field in fields[: limits.max_columns]]
    except csv.Error:
        raise FileRejected(
            "Le fichier CSV est mal formé (guillemets non refermés ou cellule trop longue) : "
            "enregistrez-le à nouveau depuis votre tableur puis déposez-le."
        ) from None


def open_sheets(inspection: Inspection, limits: Limits, engine: str = "auto") -> list[SheetHandle]:
    """Sheets of the file, in the order in which to look for the header."""
    if inspection.format is FileFormat.CSV:
        text = inspection.text or ""
        return [
            SheetHandle(None, False, "csv", _bind(_csv_rows, text, delimiter, limits), delimiter)
            for delimiter in CSV_DELIMITERS
        ]
    handles = _workbook_sheets(inspection, limits, engine)
    return sorted(handles, key=lambda handle: sheet_priority(handle.name, handle.hidden))
