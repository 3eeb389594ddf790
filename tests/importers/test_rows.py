"""From a file to ParsedRows: sheet choice, row rules, counting, CSV variants."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from importers import ROW_ERROR, FileRejected, read_all, read_rows
from tests.importers.builders import TEMPLATE_HEADERS, csv_bytes, good_row, xlsx_bytes

TODAY = date(2026, 1, 15)


def _read(data: bytes):
    return read_all(data, today=TODAY)


# ------------------------------------------------------------ sheet choice


def test_help_sheet_with_an_example_header_is_not_chosen():
    example = [TEMPLATE_HEADERS, good_row(**{"Nom": "Exemple"})]
    data = xlsx_bytes(
        [["Relevé"], TEMPLATE_HEADERS, good_row()],
        title="Feuil2",
        sheets_before=[("Mode d'emploi", example)],
    )
    rows, summary = _read(data)
    assert summary.sheet_name == "Feuil2"
    assert summary.header_row == 2
    assert [row.values["last_name"] for row in rows] == ["Dupont"]


def test_a_sheet_named_like_hours_comes_first():
    data = xlsx_bytes(
        [TEMPLATE_HEADERS, good_row(**{"Nom": "Bon"})],
        title="Relevé d'heures",
        sheets_before=[("Feuil1", [TEMPLATE_HEADERS, good_row(**{"Nom": "Autre"})])],
    )
    rows, summary = _read(data)
    assert summary.sheet_name == "Relevé d'heures"
    assert rows[0].values["last_name"] == "Bon"


def test_first_sheet_with_a_header_is_chosen():
    data = xlsx_bytes(
        [TEMPLATE_HEADERS, good_row()],
        title="Feuil2",
        sheets_before=[("Feuil1", [["Rien ici"]])],
    )
    assert _read(data)[1].sheet_name == "Feuil2"


def test_hidden_sheet_is_read_when_it_is_the_only_one_with_a_header():
    data = xlsx_bytes(
        [TEMPLATE_HEADERS, good_row()],
        title="Données",
        sheets_before=[("Accueil", [["Bienvenue"]])],
        hidden=True,
    )
    assert _read(data)[1].sheet_name == "Données"


def test_missing_columns_are_reported_for_the_best_sheet():
    data = xlsx_bytes([["SIRET employeur", "Nom", "Prénom", "Date de naissance", "Mois"]])
    with pytest.raises(FileRejected) as caught:
        read_rows(data)
    assert caught.value.message.startswith(
        "Colonnes obligatoires manquantes dans la feuille « Heures » : « Référence marché », "
        "« Heures travaillées »."
    )


def test_header_beyond_the_search_rows_is_not_found():
    rows = [["titre"]] * 20 + [TEMPLATE_HEADERS, good_row()]
    with pytest.raises(FileRejected) as caught:
        read_rows(xlsx_bytes(rows))
    assert caught.value.message.startswith(
        "Aucune ligne d'en-tête reconnue dans les 20 premières lignes de la feuille « Heures »."
    )
    rows = [["titre"]] * 19 + [TEMPLATE_HEADERS, good_row()]
    assert _read(xlsx_bytes(rows))[1].header_row == 20


def test_row_numbers_follow_the_sheet_when_data_starts_away_from_a1():
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Heures"
    for offset, row in enumerate(
        [TEMPLATE_HEADERS, good_row(), [], good_row(**{"Mois": "04/2024"})]
    ):
        for column, value in enumerate(row):
            sheet.cell(row=3 + offset, column=2 + column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows, summary = _read(buffer.getvalue())
    assert summary.header_row == 3
    assert [row.row_number for row in rows] == [4, 6]
    assert rows[0].values["employer_siret"] == "73282932000074"
    assert summary.blank_rows_skipped == 1


# ------------------------------------------------------------ row rules


def test_empty_required_cells():
    rows, summary = _read(
        xlsx_bytes(
            [
                TEMPLATE_HEADERS,
                good_row(**{"SIRET employeur": "", "Heures travaillées": None, "Prénom": " "}),
            ]
        )
    )
    assert rows[0].errors == {
        "employer_siret": "SIRET employeur : la cellule est vide ; indiquez le SIRET (14 chiffres) "
        "de l'établissement employeur.",
        "first_name": "Prénom : la cellule est vide ; indiquez le prénom.",
        "hours": "Heures travaillées : la cellule est vide ; indiquez le nombre d'heures "
        "travaillées "
        "(0 si la personne n'a pas travaillé ce mois-ci).",
    }
    assert "hours" not in rows[0].values
    assert rows[0].status == "rejected"
    assert summary.rows_with_errors == 1


def test_person_id_makes_the_identity_optional():
    headers = [*TEMPLATE_HEADERS, "Identifiant personne"]
    row = good_row(**{"Nom": "", "Prénom": "", "Date de naissance": ""})
    rows, _ = _read(
        xlsx_bytes([headers, [*row, "0b6f1e2a-7c1d-4f7e-9a53-2f6d8c1e4b10"], [*row, ""]])
    )
    assert rows[0].ok
    assert rows[0].values["person_id"] == "0b6f1e2a-7c1d-4f7e-9a53-2f6d8c1e4b10"
    assert set(rows[1].errors) == {"last_name", "first_name", "birth_date"}


def test_training_hours_beyond_hours_and_end_before_start():
    rows, _ = _read(
        xlsx_bytes(
            [
                TEMPLATE_HEADERS,
                good_row(
                    **{
                        "Heures travaillées": "10",
                        "Dont heures de formation": "12,5",
                        "Début contrat": "01/03/2024",
                        "Fin contrat": "28/02/2024",
                    }
                ),
            ]
        )
    )
    assert rows[0].errors == {
        "training_hours": "Dont heures de formation : 12,5 h dépasse les heures travaillées "
        "(10 h) ; les heures de formation font partie des heures travaillées, corrigez l'une "
        "des deux cellules.",
        "contract_end": "Fin contrat : le 28/02/2024 est avant le début du contrat (01/03/2024) ; "
        "corrigez l'une des deux dates.",
    }


def test_duplicates_by_person_id_and_by_identity():
    headers = [*TEMPLATE_HEADERS, "Identifiant personne"]
    pid = "0b6f1e2a-7c1d-4f7e-9a53-2f6d8c1e4b10"
    rows, summary = _read(
        xlsx_bytes(
            [
                headers,
                [*good_row(), pid],
                [*good_row(**{"Nom": "Autre nom"}), pid],  # same person id: duplicate of 2
                [*good_row(**{"Nom": "Durand"}), ""],
                [*good_row(**{"Nom": "DURAND ", "Prénom": "jean"}), ""],  # duplicate of 4
                [*good_row(**{"Nom": "Durand", "Lot": "2"}), ""],  # another lot: fine
                [*good_row(**{"Nom": "Durand", "Mois": "avril 2024"}), ""],  # another month
                [*good_row(**{"Nom": "Durand", "Référence marché": "M2"}), ""],  # another market
                # One contract ended on 14/03, the next began on 15/03: two rows, no duplicate.
                [*good_row(**{"Nom": "Durand", "Début contrat": "15/03/2024"}), ""],
                [*good_row(**{"Nom": "Durand", "Début contrat": "15/03/2024"}), ""],  # dup of 9
            ]
        )
    )
    assert [(row.row_number, row.errors.get(ROW_ERROR, "")[:60]) for row in rows] == [
        (2, ""),
        (3, "Ligne en double : même personne, même marché et même mois qu"),
        (4, ""),
        (5, "Ligne en double : même personne, même marché et même mois qu"),
        (6, ""),
        (7, ""),
        (8, ""),
        (9, ""),
        (10, "Ligne en double : même personne, même marché et même mois qu"),
    ]
    assert (
        rows[3]
        .errors[ROW_ERROR]
        .startswith("Ligne en double : même personne, même marché et même mois que la ligne 4.")
    )
    assert summary.duplicate_rows == 3
    assert summary.rows_ok == 6


def test_blank_zero_and_total_rows_are_skipped_and_counted():
    rows, summary = _read(
        xlsx_bytes(
            [
                TEMPLATE_HEADERS,
                good_row(),
                [None] * 13,
                ["", "", "", "", "", "", "", "", "", "", 0, 0, ""],  # formulas of an empty line
                good_row(**{"Nom": "Durand"}),
                ["", "", "", "TOTAL", "", "", "", "", "", "", "159,17", "", ""],
                [None] * 13,
                [None] * 13,
            ]
        )
    )
    assert [row.row_number for row in rows] == [2, 5]
    assert summary.rows_read == 5
    assert summary.blank_rows_skipped == 2
    assert summary.total_rows_skipped == 1
    assert summary.rows_parsed == 2


def test_warnings_keep_the_row_accepted():
    rows, summary = _read(xlsx_bytes([TEMPLATE_HEADERS, good_row(**{"Type de contrat": "Stage"})]))
    assert rows[0].ok
    assert rows[0].status == "accepted_with_warnings"
    assert rows[0].values["contract_type"] == "AUTRE"
    assert summary.rows_with_warnings == 1


def test_error_messages_use_the_headers_as_written_in_the_file():
    headers = ["N° SIRET", "Marché", "Nom", "Prénom", "Né(e) le", "Période", "Nb heures"]
    rows, summary = _read(
        xlsx_bytes(
            [headers, ["73282932000074", "M1", "Dupont", "Jean", "32/01/1990", "13/2024", "x"]]
        )
    )
    assert rows[0].errors == {
        "birth_date": "Né(e) le : « 32/01/1990 » n'est pas une date valide ; écrivez la date sous "
        "la forme 15/03/2023.",
        "month": "Période : « 13/2024 » n'est pas un mois valide ; écrivez par exemple 03/2023 ou "
        "mars 2023.",
        "hours": "Nb heures : « x » n'est pas un nombre d'heures ; écrivez par exemple 7,5 "
        "ou 7h30.",
    }
    assert summary.columns["month"] == "Période"


def test_serial_numbers_follow_the_workbook_date_system():
    from datetime import datetime

    workbook = Workbook()
    workbook.epoch = datetime(1904, 1, 1)
    sheet = workbook.active
    sheet.append(TEMPLATE_HEADERS)
    row = good_row()
    row[5] = (date(1985, 3, 15) - date(1904, 1, 1)).days  # a number cell, not a date cell
    sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows, summary = _read(buffer.getvalue())
    assert summary.date_system == 1904
    assert rows[0].values["birth_date"] == date(1985, 3, 15)


def test_reader_iterates_once():
    reader = read_rows(xlsx_bytes([TEMPLATE_HEADERS, good_row()]))
    assert len(list(reader)) == 1
    with pytest.raises(RuntimeError):
        iter(reader)


# ------------------------------------------------------------------- CSV


def test_csv_tab_separated_utf16_like_excel_unicode_text():
    data = "\ufeff".encode("utf-16-le")
    data = b"\xff\xfe" + csv_bytes([TEMPLATE_HEADERS, good_row()], "\t", "utf-16-le")
    rows, summary = _read(data)
    assert (summary.delimiter, summary.encoding) == ("\t", "utf-16")
    assert rows[0].values["hours"] == Decimal("151.67")


def test_csv_comma_separated_with_quoted_decimal_commas():
    rows, summary = _read(
        csv_bytes([TEMPLATE_HEADERS, good_row(**{"Heures travaillées": "1 234,50"})], ",")
    )
    assert summary.delimiter == ","
    assert rows[0].values["hours"] == Decimal("1234.50")


def test_csv_semicolon_utf8_without_bom_and_short_lines():
    text = ";".join(TEMPLATE_HEADERS) + "\n" + ";".join(str(v) for v in good_row()[:11]) + "\n"
    rows, summary = _read(text.encode())
    assert (summary.delimiter, summary.encoding) == (";", "utf-8")
    assert rows[0].ok
    assert rows[0].values["comment"] is None


def test_csv_fields_stay_text_and_formulas_are_not_evaluated():
    rows, _ = _read(
        csv_bytes(
            [
                TEMPLATE_HEADERS,
                good_row(**{"Commentaire": "=1+1", "SIRET employeur": "00552013500004"}),
            ]
        )
    )
    assert rows[0].values["comment"] == "=1+1"
    assert rows[0].values["employer_siret"] == "00552013500004"


def test_csv_columns_beyond_the_limit_are_ignored():
    header = [*TEMPLATE_HEADERS] + [f"X{i}" for i in range(60)]
    rows, summary = _read(csv_bytes([header, good_row() + ["v"] * 60]))
    assert rows[0].ok
    assert len(summary.ignored_columns) == 50 - len(TEMPLATE_HEADERS)


def test_ods_row_numbers_with_leading_empty_rows_and_columns():
    from tests.importers.builders import ods_bytes, ods_cell

    def row(values):
        return (
            "<table:table-row><table:table-cell/>"
            + "".join(ods_cell(str(v)) for v in values)
            + "</table:table-row>"
        )

    body = (
        '<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>'
        + row(TEMPLATE_HEADERS)
        + row(good_row())
    )
    rows, summary = _read(ods_bytes(body))
    assert summary.file_format == "ods"
    assert summary.header_row == 3
    assert [(row.row_number, row.ok) for row in rows] == [(4, True)]
    assert summary.columns["employer_siret"] == "SIRET employeur"


def test_format_comes_from_the_bytes_not_the_name(tmp_path):
    workbook = tmp_path / "releve.xlsm"
    workbook.write_bytes(xlsx_bytes([TEMPLATE_HEADERS, good_row()]))
    text = tmp_path / "releve.xlsx"
    text.write_bytes(csv_bytes([TEMPLATE_HEADERS, good_row()]))
    assert _read(workbook)[1].file_format == "xlsx"
    assert _read(text)[1].file_format == "csv"
    with open(text, "rb") as handle:
        assert _read(handle)[1].file_format == "csv"


def test_repeated_cells_are_cleaned_once_each_but_equal_values_of_other_types_apart():
    from importers.headers import HeaderMapping
    from importers.rows import RowParser

    mapping = HeaderMapping(0, {"hours": 0, "month": 1}, {"hours": "Heures", "month": "Mois"})
    parser = RowParser(mapping, False, TODAY)
    cleaned = [
        parser.parse(n, {"hours": hours, "month": "03/2024"})
        for n, hours in enumerate([1, True, 1.0, "1", True, 1], start=2)
    ]
    assert [row.values.get("hours") for row in cleaned] == [
        Decimal("1.00"),
        None,  # TRUE is not a number of hours, even though True == 1 in Python
        Decimal("1.00"),
        Decimal("1.00"),
        None,
        Decimal("1.00"),
    ]
    assert cleaned[4].errors["hours"].startswith("Heures : « True »")
    assert {row.values["month"] for row in cleaned} == {date(2024, 3, 1)}
