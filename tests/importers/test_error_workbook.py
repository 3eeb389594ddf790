"""The uploaded rows handed back with an « Erreur » column and the faulty cells in red."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from events.catalog.imports import RowAction, RowOutcome, RowStatus
from importers import ROW_ERROR, ParsedRow, read_all, read_rows
from importers.error_workbook import (
    ERROR_FILL,
    LEGEND,
    WARNING_FILL,
    error_file_name,
    error_workbook,
)
from tests.importers.builders import TEMPLATE_HEADERS, csv_bytes, good_row, xlsx_bytes
from tests.importers.test_template import SOFFICE, needs_soffice, soffice_convert

TODAY = date(2026, 1, 15)
RED, ORANGE = "FFC7CE", "FFEB9C"
HEADERS_OUT = ["Ligne", *TEMPLATE_HEADERS, "Erreur"]
BAD_HOURS = (
    "Heures travaillées : « 7,5,5 » n'est pas un nombre d'heures ; écrivez par exemple 7,5 ou 7h30."
)
NEGATIVE = "Heures travaillées : « -5 » est négatif ; indiquez un nombre d'heures positif ou nul."
STAGE_WARNING = (
    "Type de contrat : « Stage » n'est pas un type de contrat reconnu ; il est enregistré "
    "comme « Autre ». Types reconnus : CDDI, CTTI, CDI, CDD, contrat de professionnalisation, "
    "apprentissage, contrat d'usage (AI)."
)
DUPLICATE = (
    "Ligne en double : même personne, même marché et même mois que la ligne 2. Supprimez "
    "l'une des deux lignes ou additionnez leurs heures."
)
INJECTIONS = {
    "Nom": '=HYPERLINK("http://evil.example","Cliquez")',
    "Prénom": "@SUM(1+1)",
    "Commentaire": "+33 6 12 34 56 78",
}


def upload() -> bytes:
    """A CSV as a company would send it: every field is text, formulas included."""
    return csv_bytes(
        [
            TEMPLATE_HEADERS,
            good_row(),  # 2 accepted
            good_row(**{"Prénom": "Paul", "Heures travaillées": "7,5,5"}),  # 3 bad hours
            good_row(**{"Prénom": "Zoé", "Type de contrat": "Stage"}),  # 4 warning
            good_row(),  # 5 duplicate of 2
            good_row(**INJECTIONS),  # 6 accepted, hostile text
            good_row(**{"Prénom": "Luc", "Heures travaillées": "-5", "SIRET employeur": ""}),
        ]
    )


def make(data: bytes, **options) -> tuple[bytes, list]:
    reader = read_rows(data, today=TODAY)
    out = error_workbook(reader, reader.summary.columns, **options)
    return out, reader


def sheet_of(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def fill(cell) -> str | None:
    """The RGB of a solid fill (without the alpha byte, which programs write differently)."""
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else None


def lines(sheet) -> dict[int, dict[str, object]]:
    """Data lines by original row number: header -> cell."""
    headers = [cell.value for cell in sheet[3]]
    found = {}
    for row in sheet.iter_rows(min_row=4):
        found[row[0].value] = dict(zip(headers, row, strict=True))
    return found


def test_rows_come_back_as_typed_with_their_errors():
    out, _ = make(upload())
    sheet = sheet_of(out)
    assert sheet.title == "Erreurs"
    assert (ERROR_FILL.fgColor.rgb, WARNING_FILL.fgColor.rgb) == ("FFFFC7CE", "FFFFEB9C")
    assert sheet["A1"].value == LEGEND
    assert [cell.value for cell in sheet[3]] == HEADERS_OUT
    by_row = lines(sheet)
    assert list(by_row) == [2, 3, 4, 5, 6, 7]
    # raw values as typed, text kept as text
    assert [by_row[3][h].value for h in TEMPLATE_HEADERS] == [
        None if v == "" else v
        for v in good_row(**{"Prénom": "Paul", "Heures travaillées": "7,5,5"})
    ]
    # accepted row: no colour, no message
    assert [fill(c) for c in by_row[2].values()] == [None] * len(HEADERS_OUT)
    assert by_row[2]["Erreur"].value is None
    # bad hours: the cell in red with the message as comment, the message in « Erreur »
    hours = by_row[3]["Heures travaillées"]
    assert (hours.value, fill(hours), hours.comment.text) == ("7,5,5", RED, BAD_HOURS)
    assert fill(by_row[3]["Nom"]) is None and by_row[3]["Nom"].comment is None
    assert by_row[3]["Erreur"].value == BAD_HOURS
    assert fill(by_row[3]["Erreur"]) == RED
    # warning: the whole line in orange, the warning in « Erreur »
    assert {fill(c) for c in by_row[4].values()} == {ORANGE}
    assert by_row[4]["Erreur"].value == "Avertissement : " + STAGE_WARNING
    assert by_row[4]["Type de contrat"].comment is None
    # duplicate: about the whole row, shown on the « Ligne » cell
    assert (fill(by_row[5]["Ligne"]), by_row[5]["Ligne"].comment.text) == (RED, DUPLICATE)
    assert by_row[5]["Erreur"].value == DUPLICATE
    # two errors on one row, joined
    empty_siret = "SIRET employeur : la cellule est vide ; indiquez le SIRET (14 chiffres) de " \
        "l'établissement employeur."  # fmt: skip
    assert by_row[7]["Erreur"].value == f"{NEGATIVE}\n{empty_siret}"
    assert (fill(by_row[7]["SIRET employeur"]), by_row[7]["SIRET employeur"].value) == (RED, None)
    assert by_row[7]["SIRET employeur"].comment.text == empty_siret
    assert by_row[7]["Heures travaillées"].value == "-5"


def test_hostile_text_stays_text():
    out, _ = make(upload())
    sheet = sheet_of(out)
    row = lines(sheet)[6]
    for header, text in INJECTIONS.items():
        assert (row[header].value, row[header].data_type) == (text, "s")
    formulas = [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert formulas == []


def test_the_error_workbook_can_be_corrected_and_uploaded_again():
    out, _ = make(upload())
    rows, summary = read_all(out, today=TODAY)
    assert summary.header_row == 3
    assert summary.ignored_columns == ("Ligne", "Erreur")
    assert [r.row_number for r in rows] == [4, 5, 6, 7, 8, 9]
    assert [sorted(r.errors) for r in rows] == [
        [],
        ["hours"],
        [],
        [ROW_ERROR],
        [],
        ["employer_siret", "hours"],
    ]
    assert rows[1].errors["hours"] == BAD_HOURS
    assert rows[2].warnings == [STAGE_WARNING]
    assert rows[4].values["last_name"] == INJECTIONS["Nom"]
    assert rows[0].values["hours"] == Decimal("151.67")
    # correct the bad hours in the workbook itself and upload it again
    workbook = openpyxl.load_workbook(io.BytesIO(out))
    workbook.active["L5"].value = "7,5"
    buffer = io.BytesIO()
    workbook.save(buffer)
    corrected, _ = read_all(buffer.getvalue(), today=TODAY)
    assert corrected[1].errors == {} and corrected[1].values["hours"] == Decimal("7.50")


def test_errors_found_after_reading_are_added():
    reader = read_rows(upload(), today=TODAY)
    unknown_market = (
        "Référence marché : « M2023-001 » ne correspond à aucun marché ; vérifiez la référence."
    )
    unknown_person = "Personne inconnue : Dupont Jean née le 15/03/1985 n'a pas été orientée."
    out = error_workbook(
        reader,
        reader.summary.columns,
        extra_errors={2: {"market_reference": unknown_market, "person": unknown_person}},
        extra_warnings={6: ["Plus de 151,67 h ce mois-ci pour cette personne."]},
    )
    by_row = lines(sheet_of(out))
    market = by_row[2]["Référence marché"]
    assert (fill(market), market.comment.text) == (RED, unknown_market)
    assert (fill(by_row[2]["Ligne"]), by_row[2]["Ligne"].comment.text) == (RED, unknown_person)
    assert by_row[2]["Erreur"].value == f"{unknown_market}\n{unknown_person}"
    assert fill(by_row[6]["Nom"]) == ORANGE
    assert by_row[6]["Erreur"].value == (
        "Avertissement : Plus de 151,67 h ce mois-ci pour cette personne."
    )


def test_messages_already_on_the_row_are_not_repeated():
    reader = read_rows(upload(), today=TODAY)
    out = error_workbook(
        reader,
        reader.summary.columns,
        extra_errors={3: {"hours": BAD_HOURS}, 5: {ROW_ERROR: DUPLICATE}},
        extra_warnings={4: [STAGE_WARNING]},
    )
    by_row = lines(sheet_of(out))
    assert by_row[3]["Erreur"].value == BAD_HOURS
    assert by_row[3]["Heures travaillées"].comment.text == BAD_HOURS
    assert by_row[5]["Erreur"].value == DUPLICATE
    assert by_row[4]["Erreur"].value == "Avertissement : " + STAGE_WARNING


def test_stored_row_outcomes_make_the_same_workbook_for_their_rows():
    """The import's stored outcomes (rejected rows keep their cells as text) are enough
    to hand the faulty rows back later, without the uploaded file."""
    unknown_market = "Référence marché : « M9 » ne correspond à aucun marché."
    outcomes = [
        RowOutcome(
            row_number=12,
            status=RowStatus.REJECTED,
            action=RowAction.NONE,
            errors={"market_reference": unknown_market},
            cells={"market_reference": "M9", "last_name": "=Dupont", "hours": "7,5"},
        ),
        RowOutcome(
            row_number=13,
            status=RowStatus.ACCEPTED_WITH_WARNINGS,
            action=RowAction.RECORDED,
            warnings=("Plus de 151,67 h ce mois-ci.",),
        ),
    ]
    columns = {"market_reference": "Réf. marché", "last_name": "Nom", "hours": "Nb heures"}
    sheet = sheet_of(error_workbook(outcomes, columns))
    assert [c.value for c in sheet[3]] == ["Ligne", "Réf. marché", "Nom", "Nb heures", "Erreur"]
    by_row = lines(sheet)
    assert [by_row[12][h].value for h in ("Réf. marché", "Nom", "Nb heures")] == [
        "M9",
        "=Dupont",
        "7,5",
    ]
    assert by_row[12]["Nom"].data_type == "s"
    assert (fill(by_row[12]["Réf. marché"]), by_row[12]["Erreur"].value) == (RED, unknown_market)
    assert fill(by_row[13]["Nom"]) == ORANGE and by_row[13]["Nom"].value is None
    assert by_row[13]["Erreur"].value == "Avertissement : Plus de 151,67 h ce mois-ci."


def test_only_problems_leaves_out_the_accepted_rows():
    out, _ = make(upload(), only_problems=True)
    assert list(lines(sheet_of(out))) == [3, 4, 5, 7]


def test_headers_as_written_in_the_file_and_cells_as_typed_in_a_workbook():
    headers = ["N° SIRET", "Réf. marché", "Nom", "Prénom", "Date naissance", "Mois", "Nb heures"]
    rows = [
        ["Relevé de mars"],
        headers,
        [73282932000074, "M1", "Dupont", "Jean", datetime(1985, 3, 15), datetime(2024, 3, 1), 7.5],
        [7328293200007, "M1", "Durand", "Ana", datetime(1985, 3, 15, 10, 30), "13/2024", None],
    ]
    out, reader = make(xlsx_bytes(rows))
    sheet = sheet_of(out)
    assert [c.value for c in sheet[3]] == ["Ligne", *headers, "Erreur"]
    by_row = lines(sheet)
    assert list(by_row) == [3, 4]
    siret = by_row[3]["N° SIRET"]
    assert (siret.value, siret.number_format) == (73282932000074, "0")
    birth = by_row[3]["Date naissance"]
    assert (birth.value, birth.number_format) == (datetime(1985, 3, 15), "DD/MM/YYYY")
    assert by_row[4]["Date naissance"].number_format == "DD/MM/YYYY HH:MM"
    assert by_row[3]["Nb heures"].value == 7.5
    assert fill(by_row[4]["N° SIRET"]) == RED
    assert by_row[4]["N° SIRET"].comment.text.startswith("N° SIRET : « 7328293200007 »")
    assert by_row[4]["Mois"].comment.text.startswith("Mois : « 13/2024 » n'est pas un mois")
    assert by_row[4]["Nb heures"].comment.text.startswith("Nb heures : la cellule est vide")
    assert reader.summary.rows_with_errors == 1


def test_streams_a_generator_and_caps_the_comments():
    rows = [TEMPLATE_HEADERS]
    for index in range(3000):
        hours = "abc" if index % 100 == 0 else "7,5"
        rows.append(good_row(**{"Prénom": f"P{index}", "Heures travaillées": hours}))
    reader = read_rows(csv_bytes(rows), today=TODAY)
    out = error_workbook(iter(reader), reader.summary.columns, max_comments=10)
    sheet = sheet_of(out)
    by_row = lines(sheet)
    assert len(by_row) == 3000
    faulty = [n for n, line in by_row.items() if fill(line["Heures travaillées"]) == RED]
    assert faulty == [2 + i for i in range(0, 3000, 100)]
    commented = [n for n, line in by_row.items() if line["Heures travaillées"].comment]
    assert commented == faulty[:10]
    assert by_row[faulty[-1]]["Erreur"].value.startswith("Heures travaillées : « abc »")


def test_control_characters_are_dropped_and_line_breaks_kept():
    # A CSV carrying control characters is refused by the guard, but an XLSX may
    # escape them (``_x0001_``) and the readers decode that: build the row directly.
    row = ParsedRow(
        7,
        {},
        {"comment": "Commentaire : trop long\x01."},
        [],
        {"comment": "ligne 1\r\nligne 2\rsuite\x0bfin\x01", "hours": "=1+1\x00"},
    )
    out = error_workbook([row], {"comment": "Commentaire", "hours": "Heures travaillées"})
    sheet = sheet_of(out)
    assert [c.value for c in sheet[3]] == ["Ligne", "Heures travaillées", "Commentaire", "Erreur"]
    cell = lines(sheet)[7]["Commentaire"]
    assert cell.value == "ligne 1\nligne 2\nsuitefin"
    assert cell.comment.text == "Commentaire : trop long."
    hours = lines(sheet)[7]["Heures travaillées"]
    assert (hours.value, hours.data_type) == ("=1+1", "s")


def test_error_file_name():
    assert error_file_name("releve-mars.xlsx") == "releve-mars-erreurs.xlsx"
    assert error_file_name("Relevé mars.ods") == "Relevé mars-erreurs.xlsx"
    assert error_file_name("../../etc/passwd") == "passwd-erreurs.xlsx"
    assert error_file_name('a"b;c.csv') == "a_b_c-erreurs.xlsx"
    assert error_file_name(None) == "releve-erreurs.xlsx"
    assert error_file_name("") == "releve-erreurs.xlsx"


@needs_soffice
@pytest.mark.slow
def test_libreoffice_opens_it_without_turning_text_into_formulas(tmp_path):
    assert SOFFICE
    out, _ = make(upload())
    converted = soffice_convert(out, "xlsx", tmp_path)
    workbook = openpyxl.load_workbook(io.BytesIO(converted))
    sheet = workbook.active
    formulas = [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert formulas == []
    row = lines(sheet)[6]
    for header, text in INJECTIONS.items():
        assert row[header].value == text
    assert fill(lines(sheet)[3]["Heures travaillées"]) == RED
    assert lines(sheet)[3]["Heures travaillées"].comment.text == BAD_HOURS
    rows, summary = read_all(converted, today=TODAY)
    assert [sorted(r.errors) for r in rows][1] == ["hours"]
    assert summary.ignored_columns == ("Ligne", "Erreur")
