"""The uploaded rows handed back with their errors, for the company to fix.

    reader = read_rows(upload)
    data = error_workbook(reader, reader.summary.columns, extra_errors=domain_errors)

One sheet « Erreurs » written in openpyxl write-only mode (rows streamed, never
held as cell objects): a first line explaining the colours, the header row
(« Ligne », the columns of the upload in the template's order with their
headers as written in the file, then « Erreur »), and one line per row read,
with the cells as the company typed them. Cells in error are filled red and
carry a comment giving the message; the « Erreur » column joins the row's
messages (warnings prefixed « Avertissement »); rows accepted with warnings are
filled orange. The file can be corrected and uploaded again: « Ligne » and
« Erreur » are not template columns and are ignored by the reader.

Every cell goes through ``importers.safe_cells``: nothing typed by a user can
become a formula.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, Protocol

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from importers.headers import COLUMNS
from importers.safe_cells import clean_text, safe_cell_value, text_cell

SHEET = "Erreurs"
LINE_HEADER = "Ligne"
ERROR_HEADER = "Erreur"
HEADER_ROW = 3
WARNING_PREFIX = "Avertissement : "
COMMENT_AUTHOR = "Contrôle du relevé"
# Comments are kept in memory by openpyxl until the file is saved: beyond this
# many, faulty cells are still filled red and the « Erreur » column still says why.
MAX_COMMENTS = 5_000

ERROR_FILL = PatternFill("solid", fgColor="FFFFC7CE")  # light red
ERROR_FONT = Font(color="9C0006")
WARNING_FILL = PatternFill("solid", fgColor="FFFFEB9C")  # light orange
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFD9D9D9")
WRAP = Alignment(wrap_text=True, vertical="top")

LEGEND = (
    "Cellules en rouge : valeur refusée (le message est dans la colonne « Erreur » et dans "
    "le commentaire de la cellule). Lignes en orange : acceptées avec un avertissement. "
    "Lignes sans couleur : acceptées. Corrigez les cellules en rouge puis déposez ce "
    "fichier à nouveau : les colonnes « Ligne » et « Erreur » sont ignorées."
)


class RowLike(Protocol):
    """What is needed of a row: ``importers.ParsedRow`` fits, and so does a stored
    ``events.catalog.imports.RowOutcome`` (its ``cells`` stand for ``raw``)."""

    row_number: int
    errors: Mapping[str, str]
    warnings: Sequence[str]


def error_workbook(
    rows: Iterable[RowLike],
    columns: Mapping[str, str],
    *,
    extra_errors: Mapping[int, Mapping[str, str]] | None = None,
    extra_warnings: Mapping[int, Sequence[str]] | None = None,
    only_problems: bool = False,
    max_comments: int = MAX_COMMENTS,
) -> bytes:
    """XLSX bytes of ``rows`` (read from the upload) with their errors.

    ``columns``: canonical name -> header as written in the file (``ReadSummary.columns``).
    ``extra_errors`` / ``extra_warnings``: messages found after reading (unknown market,
    person not validated...), by row number, keyed by column name like
    ``ParsedRow.errors`` (``ROW_ERROR`` or an unknown key: about the whole row); a
    message the row already carries is not repeated.
    ``only_problems``: leave out the rows accepted without warnings.
    """
    names = [name for name in COLUMNS if name in columns]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    _setup(sheet, names)
    sheet.append([text_cell(sheet, LEGEND, font=HEADER_FONT)])
    sheet.append(
        [
            text_cell(sheet, "Exemple : cellule refusée", fill=ERROR_FILL, font=ERROR_FONT),
            None,
            text_cell(sheet, "Exemple : ligne avec avertissement", fill=WARNING_FILL),
        ]
    )
    headers = [LINE_HEADER, *(columns[name] or COLUMNS[name].label for name in names)]
    sheet.append(
        [
            text_cell(sheet, header, font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP)
            for header in (*headers, ERROR_HEADER)
        ]
    )
    comments_left = max_comments
    for row in rows:
        errors = dict(row.errors)
        for key, message in (extra_errors or {}).get(row.row_number, {}).items():
            if key not in errors:
                errors[key] = message
            elif message not in errors[key].split("\n"):
                errors[key] = f"{errors[key]}\n{message}"
        added = (extra_warnings or {}).get(row.row_number, ())
        warnings = list(dict.fromkeys([*row.warnings, *added]))
        if only_problems and not errors and not warnings:
            continue
        cells, comments_left = _row_cells(sheet, row, names, errors, warnings, comments_left)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_file_name(upload_name: str | None) -> str:
    """``releve-mars.xlsx`` -> ``releve-mars-erreurs.xlsx`` (always .xlsx)."""
    stem = PurePath(upload_name or "releve").stem or "releve"
    safe = "".join(ch if ch.isalnum() or ch in "-_. " else "_" for ch in stem).strip(" .")
    return f"{safe or 'releve'}-erreurs.xlsx"


# ---- writing --------------------------------------------------------------------------
def _setup(sheet, names: list[str]) -> None:
    widths = [8, *(_width(name) for name in names), 70]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"B{HEADER_ROW + 1}"


def _width(name: str) -> float:
    return {"comment": 30, "contract_type": 24, "person_id": 38}.get(name, 16)


def _row_cells(sheet, row: RowLike, names, errors, warnings, comments_left: int):
    fill = ERROR_FILL if errors else WARNING_FILL if warnings else None
    row_fill = WARNING_FILL if warnings and not errors else None
    about_row = [message for key, message in errors.items() if key not in names]
    line = text_cell(sheet, None)
    line.value = row.row_number
    if about_row:
        line.fill, line.font = ERROR_FILL, ERROR_FONT
        if comments_left > 0:
            line.comment = _comment("\n".join(about_row))
            comments_left -= 1
    elif row_fill:
        line.fill = row_fill
    cells = [line]
    raw = _raw_of(row)
    for name in names:
        cell = _raw_cell(sheet, raw.get(name))
        if name in errors:
            cell.fill, cell.font = ERROR_FILL, ERROR_FONT
            if comments_left > 0:
                cell.comment = _comment(errors[name])
                comments_left -= 1
        elif row_fill:
            cell.fill = row_fill
        cells.append(cell)
    messages = [*errors.values(), *(WARNING_PREFIX + warning for warning in warnings)]
    summary = text_cell(sheet, "\n".join(messages) or None, alignment=WRAP)
    if fill:
        summary.fill = fill
    cells.append(summary)
    return cells, comments_left


def _raw_of(row: RowLike) -> Mapping[str, Any]:
    raw = getattr(row, "raw", None)
    if raw is None:
        raw = getattr(row, "cells", None)
    return raw or {}


def _raw_cell(sheet, value: Any):
    """The cell as the company typed it; text stays text, dates show as dates."""
    value = safe_cell_value(value)
    cell = text_cell(sheet, value)
    if isinstance(value, datetime):
        has_time = (value.hour, value.minute, value.second) != (0, 0, 0)
        cell.number_format = "DD/MM/YYYY HH:MM" if has_time else "DD/MM/YYYY"
    elif isinstance(value, date):
        cell.number_format = "DD/MM/YYYY"
    elif (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and float(value).is_integer()
        and abs(value) >= 1e10
    ):
        cell.number_format = "0"  # a SIRET typed as a number, not 7,32829E+13
    return cell


def _comment(message: str) -> Comment:
    text = clean_text(message)
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width = 320
    comment.height = max(80, 20 * (len(text) // 45 + 1))
    return comment
