"""Writing user text into spreadsheets so that it can never become a formula.

openpyxl turns any string starting with ``=`` into a formula and ``#N/A`` into
an error cell; a spreadsheet program evaluates a CSV field starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return. Everything a user typed (names,
comments, references, raw cells of an upload) goes through these helpers:

- ``write_text(cell, text)`` / ``write_value(cell, value)``: an openpyxl cell
  (normal or write-only mode) holding the text as a string (``data_type "s"``,
  written as an inline string), whatever its first character;
- ``text_cell(sheet, value)``: a ``WriteOnlyCell`` for streaming sheets;
- ``safe_cell_value(value)``: a value openpyxl can store (control characters
  that XML cannot carry removed, line breaks as ``\\n``, at most 32,767
  characters, non-finite numbers and unknown types as text);
- ``csv_safe(value)``: a CSV field, text starting with a formula trigger
  prefixed with ``'``.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell

MAX_CELL_TEXT = 32_767  # Excel's limit for one cell
# First characters that make a spreadsheet program read a field as a formula
# (with their full-width forms, which some locales treat the same).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Characters XML 1.0 cannot carry (a file holding them cannot be opened again).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

_PLAIN_TYPES = (bool, int, date, time, timedelta, Decimal)


def clean_text(text: str) -> str:
    """``text`` as a cell can hold it: no XML-illegal characters, line breaks as
    ``\\n`` (what a reader gives back anyway), at most MAX_CELL_TEXT characters."""
    text = _NOT_XML.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[:MAX_CELL_TEXT]


def safe_cell_value(value: Any) -> Any:
    """A value openpyxl stores as such: text cleaned (see ``clean_text``), dates,
    times, numbers and booleans kept, non-finite floats, time-zone-aware
    datetimes and any other type turned into text. Strings still need
    ``write_text`` (or ``data_type = "s"``) not to become formulas."""
    if value is None or isinstance(value, str):
        return None if value is None else clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else clean_text(str(value))
    if isinstance(value, datetime | time):
        return value.replace(tzinfo=None) if value.tzinfo is not None else value
    if isinstance(value, Decimal):
        return value if value.is_finite() else clean_text(str(value))
    if isinstance(value, _PLAIN_TYPES):
        return value
    return clean_text(str(value))


def write_text(cell, value: Any):
    """Put ``value`` in ``cell`` as text (never a formula nor an error code).
    ``None`` or empty text leaves the cell empty. Returns the cell."""
    text = None if value is None else clean_text(value if isinstance(value, str) else str(value))
    return _set_text(cell, text)


def _set_text(cell, text: str | None):
    if not text:
        cell.value = None
        return cell
    cell.value = text  # openpyxl may take it for a formula or an error code...
    cell.data_type = "s"  # ...so say it is a string (written as an inline string)
    return cell


def write_value(cell, value: Any):
    """Put ``value`` in ``cell``: text through ``write_text``, other values as
    ``safe_cell_value`` gives them. Returns the cell."""
    value = safe_cell_value(value)
    if isinstance(value, str):
        return _set_text(cell, value)
    cell.value = value
    return cell


def text_cell(sheet, value: Any, **style: Any) -> WriteOnlyCell:
    """A ``WriteOnlyCell`` of ``sheet`` holding ``value`` safely (see
    ``write_value``), with optional style attributes (font, fill, number_format...)."""
    cell = WriteOnlyCell(sheet)
    write_value(cell, value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def csv_safe(value: Any) -> Any:
    """A CSV field that no spreadsheet program evaluates: text starting with
    ``= + - @``, a tab or a carriage return (or their full-width forms) is
    prefixed with ``'``; other values are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
