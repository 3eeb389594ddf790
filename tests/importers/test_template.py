"""The blank and pre-filled templates: structure, and the round trip through the reader.

The territory (built through commands), month of March 2024, for the company « Bâti Dijon »:

    M1 2024-BTP-01 lot 1 (Bâti Dijon), lot 2 (Façades) · M2 2024-BTP-02 lot 1 (Bâti Dijon)
    P1 Martin Léa      Bâti Dijon          M1/1 CDDI 01/02/2024 → planned 31/12/2024   row
    P2 Bernard Karim   ETTI → Bâti Dijon   M1/1 CTTI 01/03/2024 → planned 31/03/2024   row
    P3 Petit Jean      Bâti Dijon          M1/1 CDD  01/01/2024, ended 29/02/2024      no
    P4 Roux Sarah      Bâti Dijon          M1/1 CDD  01/04/2024                        no
    P5 Moreau Inès     Façades             M1/2 CDDI 01/02/2024                        no
    P6 (erased)        Bâti Dijon          M1/1 CDI  15/03/2024                        row
    P7 Martin Lea, merged into P1, Bâti Dijon M2/1 CPRO 01/01/2024 → planned 30/06/2024  row (P1)
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from events.catalog.companies import CompanyKind
from events.catalog.contracts import ContractType, Modality
from importers import read_all
from importers.cells import clean_contract_type, clean_month
from importers.headers import COLUMNS
from importers.template import (
    ERASED_PERSON,
    HEADER_ROW,
    HELP_SHEET,
    LISTS_SHEET,
    SHEET,
    blank_template,
    contract_type_choices,
    month_choices,
    prefilled_template,
    runs_during,
)
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.conftest import SQL_BACKENDS
from tests.support.territory import Territory

MARCH = date(2024, 3, 1)
TODAY = date(2024, 4, 10)
D = Decimal
TEMPLATE_LABELS = [
    "SIRET employeur",
    "Référence marché",
    "Lot",
    "Nom",
    "Prénom",
    "Date de naissance",
    "Type de contrat",
    "Début contrat",
    "Fin contrat",
    "Mois",
    "Heures travaillées",
    "Dont heures de formation",
    "Commentaire",
]


@dataclass
class World:
    t: Territory
    bati: object
    etti: object
    p1: object
    p2: object
    p6: object


def build(store, company_name: str = "Bâti Dijon") -> World:
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    t = Territory(store)
    buyer = t.buyer()
    bati = t.company(company_name)
    facades = t.company("Façades de Bourgogne")
    etti = t.company("ETTI Côte-d'Or", CompanyKind.ETTI)
    m1 = t.market(buyer, "2024-BTP-01")
    m2 = t.market(buyer, "2024-BTP-02")
    l1 = t.lot(m1, bati, "1", manual_hours=D("1000"))
    l2 = t.lot(m1, facades, "2", manual_hours=D("500"))
    l3 = t.lot(m2, bati, "1", manual_hours=D("300"))
    p1 = t.person("Martin", "Léa", date(1990, 1, 15))
    p2 = t.person("Bernard", "Karim", date(1970, 2, 1))
    p3 = t.person("Petit", "Jean", date(1965, 1, 1))
    p4 = t.person("Roux", "Sarah", date(1985, 7, 1))
    p5 = t.person("Moreau", "Inès", date(1995, 9, 9))
    p6 = t.person("Lefèvre", "Nina", date(1992, 4, 4))
    p7 = t.person("Martin", "Lea", date(1990, 1, 15))
    for person in (p1, p2, p3, p4, p5, p6, p7):
        t.validate(person, validated_on=date(2023, 12, 1))
    direct = Modality.EMBAUCHE_DIRECTE
    t.contract(p1, bati, m1, l1, date(2024, 2, 1), ContractType.CDDI, direct,
               planned_end=date(2024, 12, 31))  # fmt: skip
    t.contract(p2, etti, m1, l1, MARCH, ContractType.CTTI, Modality.MISE_A_DISPOSITION,
               user_siret=bati.siret, planned_end=date(2024, 3, 31))  # fmt: skip
    ended = t.contract(p3, bati, m1, l1, date(2024, 1, 1), ContractType.CDD, direct)
    t.end(ended, date(2024, 2, 29))
    t.contract(p4, bati, m1, l1, date(2024, 4, 1), ContractType.CDD, direct)
    t.contract(p5, facades, m1, l2, date(2024, 2, 1), ContractType.CDDI, direct)
    t.contract(p6, bati, m1, l1, date(2024, 3, 15), ContractType.CDI, direct)
    t.contract(p7, bati, m2, l3, date(2024, 1, 1), ContractType.CPRO, direct,
               planned_end=date(2024, 6, 30))  # fmt: skip
    t.erase(p6)
    t.merge(p1, p7)
    return World(t, bati, etti, p1, p2, p6)


def expected_rows(w: World) -> list[dict]:
    """What read_rows must give for the pre-filled template once hours are filled."""

    def row(**values):
        base = dict.fromkeys(COLUMNS)
        base.update(employer_siret=w.bati.siret, month=MARCH, training_hours=None)
        base.update(values)
        return base

    return [
        row(
            employer_siret=w.etti.siret,
            market_reference="2024-BTP-01",
            lot="1",
            last_name="Bernard",
            first_name="Karim",
            birth_date=date(1970, 2, 1),
            contract_type="CTTI",
            contract_start=MARCH,
            contract_end=date(2024, 3, 31),
            hours=D("70.50"),
            person_id=str(w.p2),
        ),
        row(
            market_reference="2024-BTP-01",
            lot="1",
            last_name="Martin",
            first_name="Léa",
            birth_date=date(1990, 1, 15),
            contract_type="CDDI",
            contract_start=date(2024, 2, 1),
            contract_end=date(2024, 12, 31),
            hours=D("151.67"),
            training_hours=D("14.00"),
            person_id=str(w.p1),
        ),
        row(
            market_reference="2024-BTP-01",
            lot="1",
            last_name=ERASED_PERSON,
            contract_type="CDI",
            contract_start=date(2024, 3, 15),
            hours=D("80.00"),
            person_id=str(w.p6),
        ),
        row(
            market_reference="2024-BTP-02",
            lot="1",
            last_name="Martin",
            first_name="Léa",
            birth_date=date(1990, 1, 15),
            contract_type="CPRO",
            contract_start=date(2024, 1, 1),
            contract_end=date(2024, 6, 30),
            hours=D("35.25"),
            comment="Formation en centre la 3e semaine",
            person_id=str(w.p1),
        ),
    ]


HOURS = [70.5, 151.67, "80", "35h15"]  # as a company would type them (numbers or text)


def fill_hours(template: bytes) -> bytes:
    """The company opens the template, types the hours (and a training figure and a
    comment), saves."""
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook[SHEET]
    headers = [cell.value for cell in sheet[HEADER_ROW]]
    hours_col = headers.index("Heures travaillées") + 1
    training_col = headers.index("Dont heures de formation") + 1
    comment_col = headers.index("Commentaire") + 1
    for offset, value in enumerate(HOURS):
        sheet.cell(HEADER_ROW + 1 + offset, hours_col).value = value
    sheet.cell(HEADER_ROW + 2, training_col).value = 14
    sheet.cell(HEADER_ROW + 4, comment_col).value = "Formation en centre la 3e semaine"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_of(w: World, month: date = MARCH) -> bytes:
    with w.t.store.reading() as conn:
        return prefilled_template(conn, w.bati.company_id, month)


def read_back(data: bytes, **options):
    rows, summary = read_all(data, today=TODAY, **options)
    return rows, summary


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_prefilled_template_round_trip_gives_the_contracts_without_errors(make_store):
    w = build(make_store())
    filled = fill_hours(template_of(w))
    rows, summary = read_back(filled)
    assert [(r.errors, r.warnings) for r in rows] == [({}, [])] * 4
    assert [r.values for r in rows] == expected_rows(w)
    assert [r.row_number for r in rows] == [5, 6, 7, 8]
    assert summary.sheet_name == "Relevé"
    assert summary.header_row == HEADER_ROW
    assert summary.columns == {
        **{name: spec.label for name, spec in COLUMNS.items() if name != "person_id"},
        "person_id": "Identifiant personne",
    }
    assert summary.rows_ok == 4 and summary.rows_with_errors == 0
    # the same through the pure-Python reader
    rows_openpyxl = list(_rows_with_engine(filled, "openpyxl"))
    assert [r.values for r in rows_openpyxl] == expected_rows(w)


def _rows_with_engine(data: bytes, engine: str):
    from importers import read_rows

    return read_rows(data, today=TODAY, engine=engine)


def test_prefilled_template_unfilled_rows_say_the_hours_are_missing(make_store):
    w = build(make_store())
    rows, _ = read_back(template_of(w))
    assert [sorted(r.errors) for r in rows] == [["hours"]] * 4
    assert rows[0].errors["hours"] == (
        "Heures travaillées : la cellule est vide ; indiquez le nombre d'heures travaillées "
        "(0 si la personne n'a pas travaillé ce mois-ci)."
    )
    assert {r.values["month"] for r in rows} == {MARCH}


def test_prefilled_template_of_another_month_lists_the_contracts_running_then(make_store):
    w = build(make_store())
    rows, _ = read_back(template_of(w, date(2024, 4, 20)))
    names = [(r.values["last_name"], r.values["market_reference"]) for r in rows]
    # P2's CTTI ended in March; P4's CDD starts in April.
    assert names == [
        ("Martin", "2024-BTP-01"),
        (ERASED_PERSON, "2024-BTP-01"),
        ("Roux", "2024-BTP-01"),
        ("Martin", "2024-BTP-02"),
    ]
    assert {r.values["month"] for r in rows} == {date(2024, 4, 1)}
    with w.t.store.reading() as conn:
        january = prefilled_template(conn, w.bati.company_id, date(2024, 1, 1))
        with pytest.raises(LookupError):
            prefilled_template(conn, w.p1, MARCH)
    january_rows, _ = read_back(january)
    assert [(r.values["last_name"], r.values["contract_type"]) for r in january_rows] == [
        ("Petit", "CDD"),
        ("Martin", "CPRO"),
    ]


def test_prefilled_template_layout(make_store):
    w = build(make_store())
    workbook = openpyxl.load_workbook(io.BytesIO(template_of(w)))
    assert workbook.sheetnames == [SHEET, HELP_SHEET, LISTS_SHEET]
    sheet, help_sheet, lists = workbook[SHEET], workbook[HELP_SHEET], workbook[LISTS_SHEET]
    assert workbook.active.title == SHEET
    assert sheet["A1"].value == "Relevé mensuel des heures d'insertion — Bâti Dijon"
    assert sheet["A2"].value.startswith(
        f"Mois : mars 2024 · SIRET {w.bati.siret} · 4 contrats en cours."
    )
    headers = [cell.value for cell in sheet[HEADER_ROW]]
    assert headers == [*TEMPLATE_LABELS, "Identifiant personne"]
    assert sheet.column_dimensions["N"].hidden is True
    assert sheet.freeze_panes == "A5"
    assert sheet.protection.sheet is False
    assert help_sheet.protection.sheet is True
    assert lists.protection.sheet is True and lists.sheet_state == "hidden"
    # types and formats of the pre-filled cells (row 6: Martin Léa on M1)
    row = {header: cell for header, cell in zip(headers, sheet[6], strict=True)}
    assert row["SIRET employeur"].value == w.bati.siret
    assert row["SIRET employeur"].data_type == "s"
    assert row["Date de naissance"].value == datetime(1990, 1, 15)
    assert row["Date de naissance"].number_format == "DD/MM/YYYY"
    assert row["Début contrat"].number_format == "DD/MM/YYYY"
    assert row["Type de contrat"].value == "CDDI (CDD d'insertion)"
    assert row["Mois"].value == "03/2024"
    assert row["Heures travaillées"].value is None
    assert row["Heures travaillées"].number_format == "0.00"
    assert row["Dont heures de formation"].number_format == "0.00"
    assert row["Identifiant personne"].value == str(w.p1)
    assert sheet.column_dimensions["K"].width == 12
    assert sheet.column_dimensions["A"].number_format == "@"
    # dropdowns
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert set(validations) == {"G5:G508", "J5:J508"}
    contract, month = validations["G5:G508"], validations["J5:J508"]
    assert (contract.type, contract.formula1, contract.errorStyle) == (
        "list",
        "Listes!$A$2:$A$9",
        "stop",
    )
    assert (month.type, month.formula1, month.errorStyle) == (
        "list",
        "Listes!$B$2:$B$17",
        "warning",
    )
    assert [lists.cell(r, 1).value for r in range(2, 10)] == contract_type_choices()
    assert [lists.cell(r, 2).value for r in range(2, 18)] == month_choices(MARCH)
    assert month_choices(MARCH)[0] == "03/2023" and month_choices(MARCH)[-1] == "06/2024"
    assert "03/2024" in month_choices(MARCH)
    assert month_choices(datetime(2024, 3, 31, 23, 59)) == month_choices(MARCH)


def test_help_sheet_explains_every_column(make_store):
    w = build(make_store())
    workbook = openpyxl.load_workbook(io.BytesIO(template_of(w)))
    help_sheet = workbook[HELP_SHEET]
    lines = {
        row[0]: row[1:]
        for row in help_sheet.iter_rows(min_row=1, values_only=True)
        if row[0] in (*TEMPLATE_LABELS, "Identifiant personne")
    }
    assert list(lines) == [*TEMPLATE_LABELS, "Identifiant personne"]
    assert lines["Heures travaillées"][0] == "Oui"
    assert "7h30" in lines["Heures travaillées"][2] and "151,67" in lines["Heures travaillées"][2]
    assert "15/03/1990" in lines["Date de naissance"][2]
    assert "03/2024" in lines["Mois"][2] and "mars 2024" in lines["Mois"][2]
    assert lines["Identifiant personne"][0] == "Ne pas modifier"


def test_every_contract_type_label_reads_back_to_its_value():
    for member in ContractType:
        assert clean_contract_type(member.label, "Type de contrat") == (member.value, None)
    assert contract_type_choices()[0] == "CDDI (CDD d'insertion)"


def test_month_choices_read_back_as_months_and_cross_years():
    choices = month_choices(date(2024, 1, 31))
    assert choices[:2] == ["01/2023", "02/2023"] and choices[-1] == "04/2024"
    assert len(choices) == 16
    assert [clean_month(text, "Mois") for text in choices[11:14]] == [
        date(2023, 12, 1),
        date(2024, 1, 1),
        date(2024, 2, 1),
    ]


def test_runs_during_follows_the_contract_period():
    def contract(start, end=None, planned=None):
        return {"start_date": start, "end_date": end, "planned_end": planned}

    assert runs_during(contract(date(2024, 3, 31)), MARCH)
    assert not runs_during(contract(date(2024, 4, 1)), MARCH)
    assert runs_during(contract(date(2024, 1, 1), end=MARCH), MARCH)
    assert not runs_during(contract(date(2024, 1, 1), end=date(2024, 2, 29)), MARCH)
    assert not runs_during(contract(date(2024, 1, 1), planned=date(2024, 2, 29)), MARCH)
    # an end date recorded later than the planned one wins
    assert runs_during(
        contract(date(2024, 1, 1), end=date(2024, 3, 2), planned=date(2024, 2, 1)), MARCH
    )


def test_blank_template_has_readable_headers_and_no_rows():
    data = blank_template(date(2024, 3, 10))
    rows, summary = read_back(data)
    assert rows == []
    assert summary.header_row == HEADER_ROW
    assert list(summary.columns.values()) == TEMPLATE_LABELS
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [SHEET, HELP_SHEET, LISTS_SHEET]
    assert workbook[HELP_SHEET].protection.sheet is True
    assert workbook[SHEET].protection.sheet is False
    assert [cell.value for cell in workbook[SHEET][HEADER_ROW]] == TEMPLATE_LABELS
    assert [workbook[LISTS_SHEET].cell(r, 2).value for r in (2, 14, 17)] == [
        "03/2023",
        "03/2024",
        "06/2024",
    ]
    validations = {str(v.sqref) for v in workbook[SHEET].data_validations.dataValidation}
    assert validations == {"G5:G504", "J5:J504"}


def test_blank_template_filled_by_hand_reads_back():
    workbook = openpyxl.load_workbook(io.BytesIO(blank_template(MARCH)))
    sheet = workbook[SHEET]
    sheet.append(
        [
            "732 829 320 00074",
            "2024-BTP-01",
            1,
            "Dupont",
            "Jean",
            datetime(1985, 3, 15),
            "CTTI (contrat de travail temporaire d'insertion)",
            "02/01/2024",
            None,
            "03/2024",
            "7h30",
            None,
            "=1+1",  # typed as text by someone: read as the formula's cached value (none)
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows, _ = read_back(buffer.getvalue())
    assert len(rows) == 1 and rows[0].errors == {}
    assert rows[0].row_number == 5
    values = rows[0].values
    assert (values["employer_siret"], values["lot"], values["contract_type"]) == (
        "73282932000074",
        "1",
        "CTTI",
    )
    assert (values["month"], values["hours"]) == (MARCH, D("7.50"))
    assert values["comment"] is None


def test_text_from_the_read_models_never_becomes_a_formula(make_store):
    w = build(make_store(), company_name='=HYPERLINK("http://evil.example","Cliquez")')
    workbook = openpyxl.load_workbook(io.BytesIO(template_of(w)))
    title = workbook[SHEET]["A1"]
    assert title.data_type == "s"
    assert title.value == (
        'Relevé mensuel des heures d\'insertion — =HYPERLINK("http://evil.example","Cliquez")'
    )
    formulas = [
        cell.coordinate
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []


# ---- files saved by LibreOffice -------------------------------------------------------
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# scripts/test.sh installs LibreOffice and sets CLAUSES_REQUIRE_SOFFICE=1: never skipped there.
REQUIRE_SOFFICE = os.environ.get("CLAUSES_REQUIRE_SOFFICE") == "1"
needs_soffice = pytest.mark.skipif(
    SOFFICE is None and not REQUIRE_SOFFICE, reason="LibreOffice (soffice) absent"
)


def soffice_convert(data: bytes, target: str, tmp_path: Path) -> bytes:
    """Open ``data`` (XLSX) in LibreOffice and save it as ``target`` (ods or xlsx)."""
    if SOFFICE is None:
        pytest.fail("LibreOffice (soffice) requis : installez libreoffice-calc-nogui.")
    source_dir = tmp_path / f"in-{target}"
    source_dir.mkdir()
    source = source_dir / "modele.xlsx"
    source.write_bytes(data)
    out_dir = tmp_path / f"out-{target}"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(out_dir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    return (out_dir / f"modele.{target}").read_bytes()


@needs_soffice
@pytest.mark.slow
def test_prefilled_template_saved_by_libreoffice_reads_back(make_store, tmp_path):
    w = build(make_store())
    filled = fill_hours(template_of(w))
    for target in ("ods", "xlsx"):
        converted = soffice_convert(filled, target, tmp_path)
        rows, summary = read_back(converted)
        assert summary.file_format == target
        assert [(r.errors, r.warnings) for r in rows] == [({}, [])] * 4, target
        assert [r.values for r in rows] == expected_rows(w), target
        assert summary.header_row == HEADER_ROW
    # LibreOffice keeps the dropdowns and the protection of the help sheet
    workbook = openpyxl.load_workbook(io.BytesIO(converted))
    assert workbook[HELP_SHEET].protection.sheet is True
    assert {str(v.sqref) for v in workbook[SHEET].data_validations.dataValidation} == {
        "G5:G508",
        "J5:J508",
    }


@needs_soffice
@pytest.mark.slow
def test_blank_template_saved_by_libreoffice_reads_back(tmp_path):
    converted = soffice_convert(blank_template(MARCH), "ods", tmp_path)
    rows, summary = read_back(converted)
    assert rows == []
    assert summary.file_format == "ods"
    assert list(summary.columns.values()) == TEMPLATE_LABELS
