"""Every committed fixture of the same relevé gives the same parsed rows.

The fixtures (tests/fixtures/spreadsheets, made by
scripts/make_spreadsheet_fixtures.py) are: the XLSX written by openpyxl (title
and merged cells above the header, hidden column, styled empty rows, a help
sheet first and a hidden list sheet), the same saved by LibreOffice as XLSX and
ODS, a 1904-date-system workbook, and two CSV variants.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from importers import ROW_ERROR, read_all, read_rows

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spreadsheets"
TODAY = date(2026, 1, 15)
SIRET = "73282932000074"
STAGE_WARNING = (
    "Type de contrat : « Stage » n'est pas un type de contrat reconnu ; il est enregistré "
    "comme « Autre ». Types reconnus : CDDI, CTTI, CDI, CDD, contrat de professionnalisation, "
    "apprentissage, contrat d'usage (AI)."
)


def _values(**values):
    base = dict.fromkeys(
        (
            "employer_siret",
            "market_reference",
            "lot",
            "last_name",
            "first_name",
            "birth_date",
            "contract_type",
            "contract_start",
            "contract_end",
            "month",
            "hours",
            "training_hours",
            "comment",
            "person_id",
        )
    )
    base.update(employer_siret=SIRET, month=date(2024, 3, 1))
    base.update(values)
    return base


EXPECTED = [
    (
        5,
        _values(
            market_reference="M2023-001",
            lot="1",
            last_name="Dupont",
            first_name="Jean",
            birth_date=date(1985, 3, 15),
            contract_type="CDDI",
            contract_start=date(2023, 1, 2),
            contract_end=date(2024, 12, 31),
            hours=Decimal("151.67"),
            training_hours=Decimal("0.00"),
            comment="RAS",
        ),
        {},
        [],
    ),
    (
        6,
        _values(
            market_reference="M2023-001",
            lot="2",
            last_name="Martin",
            first_name="Hélène",
            birth_date=date(1985, 3, 16),
            contract_type="CDDI",
            contract_start=date(2023, 1, 2),
            contract_end=date(2024, 12, 31),
            hours=Decimal("7.50"),
            training_hours=Decimal("1.50"),
            person_id="0b6f1e2a-7c1d-4f7e-9a53-2f6d8c1e4b10",
        ),
        {},
        [],
    ),
    (
        8,
        _values(
            market_reference="M2023-002",
            last_name="Lefèvre",
            first_name="Zoé",
            birth_date=date(1990, 7, 1),
            contract_type="CTTI",
            contract_start=date(2024, 1, 15),
            hours=Decimal("151.67"),
            comment="Mission longue",
        ),
        {},
        [],
    ),
    (
        9,
        _values(
            market_reference="M2023-002",
            last_name="Nguyen",
            first_name="Van Anh",
            birth_date=date(1995, 2, 1),
            contract_type="CPRO",
            contract_start=date(2024, 1, 15),
            contract_end=date(2025, 1, 14),
            hours=Decimal("12.25"),
            training_hours=Decimal("3.50"),
        ),
        {},
        [],
    ),
    (
        10,
        {
            key: value
            for key, value in _values(
                market_reference="M2023-001",
                lot="1",
                last_name="Durand",
                first_name="Paul",
                birth_date=date(1979, 11, 30),
                contract_type="CDI",
                contract_start=date(2020, 5, 4),
            ).items()
            if key not in ("month", "hours")
        },
        {
            "month": "Mois : « 13/2024 » n'est pas un mois valide ; écrivez par exemple 03/2023 "
            "ou mars 2023.",
            "hours": "Heures travaillées : « -3 » est négatif ; indiquez un nombre d'heures "
            "positif ou nul.",
        },
        [],
    ),
    (
        11,
        _values(
            market_reference="M2023-001",
            lot="1",
            last_name="Œillet",
            first_name="Chloé",
            birth_date=date(2001, 6, 9),
            contract_type="AUTRE",
            contract_start=date(2024, 3, 1),
            contract_end=date(2024, 3, 29),
            hours=Decimal("0.00"),
        ),
        {},
        [STAGE_WARNING],
    ),
    (
        12,
        _values(
            market_reference="M2023-001",
            lot="1",
            last_name="DUPONT",
            first_name="jean",
            birth_date=date(1985, 3, 15),
            contract_type="CDDI",
            contract_start=date(2023, 1, 2),
            contract_end=date(2024, 12, 31),
            hours=Decimal("8.00"),
            comment="doublon",
        ),
        {
            ROW_ERROR: "Ligne en double : même personne, même marché et même mois que la ligne 5. "
            "Supprimez l'une des deux lignes ou additionnez leurs heures."
        },
        [],
    ),
]

RELEVES = [
    ("releve_openpyxl.xlsx", "xlsx", "calamine", 1900),
    ("releve_libreoffice.xlsx", "xlsx", "calamine", 1900),
    ("releve_libreoffice.ods", "ods", "calamine", 1900),
    ("releve_1904.xlsx", "xlsx", "calamine", 1904),
    ("releve_pointvirgule_cp1252.csv", "csv", "csv", 1900),
    ("releve_virgule_utf8bom.csv", "csv", "csv", 1900),
]


def _comparable(rows):
    return [(row.row_number, row.values, row.errors, row.warnings) for row in rows]


@pytest.mark.parametrize(("name", "file_format", "engine", "date_system"), RELEVES)
def test_every_fixture_gives_the_same_rows(name, file_format, engine, date_system):
    rows, summary = read_all(FIXTURES / name, today=TODAY)
    assert _comparable(rows) == EXPECTED
    assert summary.file_format == file_format
    assert summary.engine == engine
    assert summary.date_system == date_system
    assert summary.sheet_name == (None if file_format == "csv" else "Heures")
    assert summary.header_row == 4
    assert list(summary.columns) == [
        "employer_siret",
        "market_reference",
        "lot",
        "last_name",
        "first_name",
        "birth_date",
        "contract_type",
        "contract_start",
        "contract_end",
        "month",
        "hours",
        "training_hours",
        "comment",
        "person_id",
    ]
    assert summary.ignored_columns == ("Total ligne",)
    # Counting: 9 rows between the header and the last data row; the styled
    # empty rows at the end are not counted.
    assert summary.rows_read == 9
    assert summary.blank_rows_skipped == 1
    assert summary.total_rows_skipped == 1
    assert summary.rows_parsed == 7
    assert summary.rows_ok == 5
    assert summary.rows_with_errors == 2
    assert summary.rows_with_warnings == 1
    assert summary.duplicate_rows == 1
    assert summary.rows_read == (
        summary.rows_parsed + summary.blank_rows_skipped + summary.total_rows_skipped
    )


@pytest.mark.parametrize(
    "name", ["releve_openpyxl.xlsx", "releve_libreoffice.xlsx", "releve_1904.xlsx"]
)
def test_openpyxl_engine_reads_the_xlsx_fixtures_alike(name):
    reader = read_rows(FIXTURES / name, today=TODAY, engine="openpyxl")
    assert _comparable(list(reader)) == EXPECTED
    assert reader.summary.engine == "openpyxl"


def test_csv_details():
    _, semicolon = read_all(FIXTURES / "releve_pointvirgule_cp1252.csv", today=TODAY)
    assert (semicolon.delimiter, semicolon.encoding) == (";", "cp1252")
    _, comma = read_all(FIXTURES / "releve_virgule_utf8bom.csv", today=TODAY)
    assert (comma.delimiter, comma.encoding) == (",", "utf-8-sig")


def test_raw_cells_are_kept_as_read():
    rows, _ = read_all(FIXTURES / "releve_libreoffice.xlsx", today=TODAY)
    martin = rows[1]
    assert martin.raw["birth_date"] == 31122.0  # a date typed as a number
    assert martin.raw["last_name"] == "  Martin  "
    assert martin.raw["hours"] == "7,5"
    rows, _ = read_all(FIXTURES / "releve_pointvirgule_cp1252.csv", today=TODAY)
    assert rows[1].raw["birth_date"] == "16/03/1985"


def test_formulas_saved_by_libreoffice_give_their_cached_values():
    rows, summary = read_all(FIXTURES / "formules_libreoffice.xlsx", today=TODAY)
    assert summary.sheet_name == "Relevé"
    assert [(row.values["hours"], row.values["training_hours"]) for row in rows] == [
        (Decimal("150.00"), Decimal("3.33")),
        (Decimal("3.75"), Decimal("0.00")),
    ]
    assert all(row.ok for row in rows)


def test_fixtures_stay_small():
    for path in FIXTURES.iterdir():
        assert path.stat().st_size < 100_000, path.name
