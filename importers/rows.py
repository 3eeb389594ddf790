"""A file to a stream of cleaned rows with per-cell French errors.

    reader = read_rows(upload)        # raises FileRejected for the whole file
    for row in reader:                # ParsedRow, one per non-blank data row
        ...
    reader.summary                    # ReadSummary, counters final once iterated

The reading layer knows nothing of the domain or the database: a later stage
maps accepted rows to commands. Counting happens at every step:
``rows_read == rows_parsed + blank_rows_skipped + total_rows_skipped`` and
``rows_parsed == rows_ok + rows_with_errors``; blank rows after the last data
row (styled empty rows) are not counted at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import Any

from importers import cells
from importers.errors import CellError, FileRejected
from importers.guard import FileFormat, Source, inspect_upload
from importers.headers import (
    ALWAYS_REQUIRED,
    IDENTITY_COLUMNS,
    HeaderMapping,
    HeaderSearch,
    header_error,
    search_header,
)
from importers.limits import DEFAULT_LIMITS, Limits
from importers.normalize import fold_words
from importers.readers import RawRow, SheetHandle, open_sheets

ROW_ERROR = "row"  # key of ``ParsedRow.errors`` for errors about the whole row


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One data row. ``values`` holds the columns that cleaned well (None when
    empty); a column in error is only in ``errors``. ``raw`` keeps the cells as
    read, for display next to the error."""

    row_number: int
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def status(self) -> str:
        if self.errors:
            return "rejected"
        return "accepted_with_warnings" if self.warnings else "accepted"


@dataclass(slots=True)
class ReadSummary:
    file_format: str
    engine: str
    sheet_name: str | None
    header_row: int
    columns: dict[str, str]  # canonical name -> header as written in the file
    ignored_columns: tuple[str, ...]
    date_system: int  # 1900 or 1904 (XLSX ``date1904``)
    encoding: str | None = None  # CSV
    delimiter: str | None = None  # CSV
    rows_read: int = 0
    blank_rows_skipped: int = 0
    total_rows_skipped: int = 0
    rows_parsed: int = 0
    rows_ok: int = 0
    rows_with_errors: int = 0
    rows_with_warnings: int = 0
    duplicate_rows: int = 0


# ------------------------------------------------------------- cell cleaning

_EMPTY_FIX = {
    "employer_siret": "indiquez le SIRET (14 chiffres) de l'établissement employeur",
    "market_reference": "indiquez la référence du marché",
    "month": "indiquez le mois, par exemple 03/2023",
    "hours": (
        "indiquez le nombre d'heures travaillées (0 si la personne n'a pas travaillé ce mois-ci)"
    ),
    "last_name": "indiquez le nom de famille",
    "first_name": "indiquez le prénom",
    "birth_date": "indiquez la date de naissance, par exemple 15/03/1990",
}


def _cleaner(name: str, date1904: bool, today: date | None) -> Callable[[Any, str], Any]:
    if name in ("birth_date", "contract_start", "contract_end"):
        return lambda value, label: cells.clean_date(value, label, date1904=date1904, today=today)
    if name == "month":
        return lambda value, label: cells.clean_month(value, label, date1904=date1904, today=today)
    return {
        "employer_siret": cells.clean_siret,
        "market_reference": cells.clean_reference,
        "lot": cells.clean_reference,
        "last_name": cells.clean_name,
        "first_name": cells.clean_name,
        "hours": cells.clean_hours,
        "training_hours": cells.clean_hours,
        "comment": cells.clean_text,
        "person_id": cells.clean_person_id,
    }[name]


MEMO_CELLS = 20_000  # distinct cells remembered per file (bounded: a hostile sheet)


class RowParser:
    """Cleans the cells of one row according to the header mapping."""

    def __init__(self, mapping: HeaderMapping, date1904: bool, today: date | None) -> None:
        self.mapping = mapping
        self.cleaners = {
            name: _cleaner(name, date1904, today)
            for name in mapping.columns
            if name != "contract_type"
        }
        self.labels = {name: mapping.label(name) for name in mapping.columns}
        self._memo: dict[tuple, tuple[bool, Any, str | None]] = {}

    def raw(self, row: Sequence[Any]) -> dict[str, Any]:
        return {
            name: row[index] if index < len(row) else None
            for name, index in self.mapping.columns.items()
        }

    def _clean(self, name: str, value: Any) -> tuple[bool, Any, str | None]:
        """(cleaned?, value or error message, warning) of one cell."""
        try:
            if name == "contract_type":
                cleaned, warning = cells.clean_contract_type(value, self.labels[name])
                return True, cleaned, warning
            return True, self.cleaners[name](value, self.labels[name]), None
        except CellError as error:
            return False, error.message, None

    def _clean_memo(self, name: str, value: Any) -> tuple[bool, Any, str | None]:
        # A relevé repeats its SIRET, market, lot, months, dates and hours on every row
        # and each person's name on every month: clean each distinct cell once. The
        # cleaners are pure (``today`` and the date system are fixed per file). The type
        # is part of the key: 1, 1.0 and True are equal in Python, not as cells.
        try:
            key = (name, value.__class__, value)
            hit = self._memo.get(key)
        except TypeError:  # an unhashable cell value: clean it every time
            return self._clean(name, value)
        if hit is None:
            hit = self._clean(name, value)
            if len(self._memo) < MEMO_CELLS:
                self._memo[key] = hit
        return hit

    def parse(self, row_number: int, raw: dict[str, Any]) -> ParsedRow:
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        warnings: list[str] = []
        for name, value in raw.items():
            ok, cleaned, warning = self._clean_memo(name, value)
            if ok:
                values[name] = cleaned
            else:
                errors[name] = cleaned
            if warning:
                warnings.append(warning)
        self._require(values, errors)
        self._cross_check(values, errors)
        return ParsedRow(row_number, values, errors, warnings, raw)

    def _require(self, values: dict[str, Any], errors: dict[str, str]) -> None:
        required = list(ALWAYS_REQUIRED)
        if values.get("person_id") is None and "person_id" not in errors:
            required += IDENTITY_COLUMNS
        for name in required:
            if name in self.mapping.columns and values.get(name) is None and name not in errors:
                errors[name] = (
                    f"{self.mapping.label(name)} : la cellule est vide ; {_EMPTY_FIX[name]}."
                )
                values.pop(name, None)
        for name in errors:
            values.pop(name, None)

    def _cross_check(self, values: dict[str, Any], errors: dict[str, str]) -> None:
        hours, training = values.get("hours"), values.get("training_hours")
        if hours is not None and training is not None and training > hours:
            label = self.mapping.label("training_hours")
            errors["training_hours"] = (
                f"{label} : {cells.show(float(training))} h dépasse les heures travaillées "
                f"({cells.show(float(hours))} h) ; les heures de formation font partie des "
                "heures travaillées, corrigez l'une des deux cellules."
            )
            values.pop("training_hours")
        start, end = values.get("contract_start"), values.get("contract_end")
        if start is not None and end is not None and end < start:
            label = self.mapping.label("contract_end")
            errors["contract_end"] = (
                f"{label} : le {end:%d/%m/%Y} est avant le début du contrat "
                f"({start:%d/%m/%Y}) ; corrigez l'une des deux dates."
            )
            values.pop("contract_end")


# --------------------------------------------------------------- duplicates

_KEY_COLUMNS = ("employer_siret", "market_reference", "lot", "month")


def _name_key(value: Any) -> str:
    return fold_words(value) if isinstance(value, str) else ""


def duplicate_key(row: ParsedRow) -> tuple | None:
    """Same person + employer + market + lot + month + contract start, or None when
    a part of the key is missing or in error (such a row is rejected anyway). The
    contract start tells apart two contracts of one person on one lot in one month
    (one ends, the next begins): the pre-filled template gives them a row each."""
    guarded = (*_KEY_COLUMNS, "contract_start", "person_id", *IDENTITY_COLUMNS)
    if any(name in row.errors for name in guarded):
        return None
    values = row.values
    if values.get("person_id"):
        person: tuple = ("id", values["person_id"])
    elif all(values.get(name) is not None for name in IDENTITY_COLUMNS):
        person = (
            "identity",
            _name_key(values["last_name"]),
            _name_key(values["first_name"]),
            values["birth_date"],
        )
    else:
        return None
    rest = tuple(values.get(name) for name in _KEY_COLUMNS)
    if rest[0] is None or rest[1] is None or rest[3] is None:
        return None
    return (person, *rest, values.get("contract_start"))


# ----------------------------------------------------------- blank / totals


def _is_blank(raw: dict[str, Any]) -> bool:
    """No mapped cell holds anything but empty text or zero (formulas of an
    empty template line often show 0)."""
    for value in raw.values():
        if cells.is_empty(value):
            continue
        if isinstance(value, int | float) and not isinstance(value, bool) and value == 0:
            continue
        return False
    return True


_TOTAL_WORDS = ("total", "sous total", "totaux", "total general")


def _is_total(raw: dict[str, Any]) -> bool:
    """A totals line: some mapped cell says « Total » and no person is named."""
    if any(not cells.is_empty(raw.get(name)) for name in ("first_name", "birth_date", "person_id")):
        return False
    return any(
        isinstance(value, str) and fold_words(value).startswith(_TOTAL_WORDS)
        for value in raw.values()
    )


# --------------------------------------------------------------------- reader


@dataclass(slots=True)
class _Chosen:
    handle: SheetHandle
    mapping: HeaderMapping
    rows: Iterator[RawRow]


def _choose_sheet(handles: list[SheetHandle], limits: Limits) -> _Chosen:
    best: tuple[HeaderSearch, SheetHandle] | None = None
    for handle in handles:
        rows = handle.open_rows()
        head: list[RawRow] = []
        for raw_row in rows:
            if raw_row[0] > limits.max_header_search_rows:
                rows = chain([raw_row], rows)
                break
            head.append(raw_row)
        search = search_header(head)
        if search.mapping is not None:
            after = [raw_row for raw_row in head if raw_row[0] > search.mapping.row_number]
            return _Chosen(handle, search.mapping, chain(after, rows))
        if best is None or search.score > best[0].score:
            best = (search, handle)
    if best is None:
        raise FileRejected("Le classeur ne contient aucune feuille de calcul à lire.")
    search, handle = best
    raise header_error(search, handle.name, limits.max_header_search_rows)


class RowReader:
    """Iterable of ParsedRow for one file; ``summary`` is updated while iterating."""

    def __init__(
        self,
        source: Source,
        *,
        limits: Limits = DEFAULT_LIMITS,
        today: date | None = None,
        engine: str = "auto",
    ) -> None:
        inspection = inspect_upload(source, limits)
        self.limits = limits
        chosen = _choose_sheet(open_sheets(inspection, limits, engine), limits)
        self._rows = chosen.rows
        self._parser = RowParser(chosen.mapping, inspection.date1904, today)
        self.mapping = chosen.mapping
        self.summary = ReadSummary(
            file_format=inspection.format.value,
            engine=chosen.handle.engine,
            sheet_name=chosen.handle.name,
            header_row=chosen.mapping.row_number,
            columns=dict(chosen.mapping.labels),
            ignored_columns=chosen.mapping.ignored,
            date_system=1904 if inspection.date1904 else 1900,
            encoding=inspection.encoding if inspection.format is FileFormat.CSV else None,
            delimiter=chosen.handle.delimiter,
        )
        self._consumed = False

    def __iter__(self) -> Iterator[ParsedRow]:
        if self._consumed:
            raise RuntimeError("a RowReader can be iterated once")
        self._consumed = True
        return self._iterate()

    def _iterate(self) -> Iterator[ParsedRow]:
        summary = self.summary
        seen: dict[tuple, int] = {}
        pending_blanks = 0
        for row_number, row in self._rows:
            raw = self._parser.raw(row)
            if _is_blank(raw):
                pending_blanks += 1  # counted only if a data row follows
                continue
            summary.rows_read += pending_blanks + 1
            summary.blank_rows_skipped += pending_blanks
            pending_blanks = 0
            if _is_total(raw):
                summary.total_rows_skipped += 1
                continue
            summary.rows_parsed += 1
            if summary.rows_parsed > self.limits.max_rows:
                raise FileRejected(
                    f"Le relevé compte plus de {self.limits.max_rows} lignes : découpez-le "
                    "en plusieurs fichiers puis déposez-les un par un."
                )
            parsed = self._parser.parse(row_number, raw)
            key = duplicate_key(parsed)
            if key is not None:
                if key in seen:
                    parsed.errors[ROW_ERROR] = (
                        "Ligne en double : même personne, même marché et même mois que la "
                        f"ligne {seen[key]}. Supprimez l'une des deux lignes ou additionnez "
                        "leurs heures."
                    )
                    summary.duplicate_rows += 1
                else:
                    seen[key] = row_number
            if parsed.errors:
                summary.rows_with_errors += 1
            else:
                summary.rows_ok += 1
                if parsed.warnings:
                    summary.rows_with_warnings += 1
            yield parsed


def read_rows(
    source: Source,
    *,
    limits: Limits = DEFAULT_LIMITS,
    today: date | None = None,
    engine: str = "auto",
) -> RowReader:
    """Check and open ``source`` (bytes, path or binary file), find the sheet and
    its header row. Raises FileRejected (French message) for the whole file;
    iterate the result for the rows. ``engine="openpyxl"`` forces openpyxl for XLSX."""
    return RowReader(source, limits=limits, today=today, engine=engine)


def read_all(
    source: Source, *, limits: Limits = DEFAULT_LIMITS, today: date | None = None
) -> tuple[list[ParsedRow], ReadSummary]:
    """Every row in a list, with the final summary (for small files and tests)."""
    reader = read_rows(source, limits=limits, today=today)
    rows = list(reader)
    return rows, reader.summary
