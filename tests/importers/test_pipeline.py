"""The import pipeline on real databases: a file in, rows decided by the contract rules,
hours recorded with their source, the same file twice, a corrected file, company
scoping, dry runs. Files are the committed LibreOffice fixtures or built with openpyxl.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from events.schema import events as events_table
from importers import FileRejected
from importers.pipeline import run_import
from projections import queries
from projections.contracts import hours as hours_table
from tests.conftest import SQL_BACKENDS
from tests.importers.builders import TEMPLATE_HEADERS, csv_bytes, good_row, xlsx_bytes
from tests.importers.pipeline_support import SIRET, build_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spreadsheets"
TODAY = date(2026, 1, 15)
D = Decimal

NOT_VALIDATED = (
    "Personne (Nom, Prénom, Date de naissance) : cette personne n'a jamais été validée "
    "(aucune validation d'éligibilité) : validez sa candidature pour le secteur Travaux (BTP) "
    "avant le début du contrat, ou enregistrez le contrat avec un motif de dérogation "
    "(facilitateur)."
)
DUPLICATE = (
    "Ligne en double : même personne, même marché et même mois que la ligne 5. Supprimez "
    "l'une des deux lignes ou additionnez leurs heures."
)


@pytest.fixture
def world(make_store):
    return build_world(make_store())


def _import(world, data, name="releve.xlsx", **options):
    options.setdefault("company_id", world.company.company_id)
    return run_import(world.t.store, data, name, "entreprise@example.org", today=TODAY, **options)


def _line(world, contract_id, month):
    with world.t.store.reading() as conn:
        lines = [x for x in queries.hours_of_contract(conn, contract_id) if x["month"] == month]
    return lines[0] if lines else None


def _contract_of(world, person_id):
    with world.t.store.reading() as conn:
        found = queries.contracts_of_person(conn, person_id)
    assert len(found) == 1, found
    return found[0]


def _rows(world, result):
    with world.t.store.reading() as conn:
        rows, _ = queries.import_rows_of(conn, result["import_id"])
    return {row["row_number"]: row for row in rows}


def xlsx(*rows, headers=TEMPLATE_HEADERS):
    return xlsx_bytes([headers, *rows])


# ---- the committed fixtures -------------------------------------------------------------
@pytest.mark.parametrize("name", ["releve_libreoffice.xlsx", "releve_libreoffice.ods"])
def test_libreoffice_relevé_is_decided_row_by_row(world, name):
    result = _import(world, (FIXTURES / name).read_bytes(), name)

    assert result["counts"] == {
        "rows": 7,
        "accepted": 4,
        "accepted_with_warnings": 0,
        "rejected": 3,
        "recorded": 4,
        "corrected": 0,
        "unchanged": 0,
        "contracts_started": 4,
    }
    rows = _rows(world, result)
    assert [n for n, r in rows.items() if r["status"] == "rejected"] == [10, 11, 12]
    assert rows[10]["errors"] == {
        "month": "Mois : « 13/2024 » n'est pas un mois valide ; écrivez par exemple 03/2023 ou "
        "mars 2023.",
        "hours": "Heures travaillées : « -3 » est négatif ; indiquez un nombre d'heures "
        "positif ou nul.",
    }
    assert rows[11]["errors"] == {"last_name": NOT_VALIDATED}
    assert rows[12]["errors"] == {"row": DUPLICATE}
    assert rows[11]["cells"]["last_name"] == "Œillet"
    # ... but the log never holds a rejected row's identity in clear.
    with world.t.store.reading() as conn:
        payloads = conn.execute(
            select(events_table.c.payload).where(events_table.c.event_type == "ImportRowsDecided")
        ).scalars()
        stored = json.dumps(list(payloads), ensure_ascii=False)
    assert "Œillet" not in stored and "Durand" not in stored
    assert '"market_reference": "M2023-001"' in stored
    # Rejected rows never count: Œillet has no contract, Dupont only row 5's hours.
    with world.t.store.reading() as conn:
        assert queries.contracts_of_person(conn, world.oeillet) == []
    dupont = _contract_of(world, world.dupont)
    assert dupont["contract_type"] == "CDDI"
    assert dupont["modality"] == "EMBAUCHE_DIRECTE"
    assert dupont["start_date"] == date(2023, 1, 2)
    assert dupont["planned_end"] == date(2024, 12, 31)
    line = _line(world, dupont["contract_id"], date(2024, 3, 1))
    assert line["hours"] == D("151.67")
    assert line["source"] == {
        "kind": "import",
        "import_id": result["import_id"],
        "file": name,
        "row": 5,
    }
    martin = _contract_of(world, world.martin)  # matched on the template's person id
    assert str(martin["lot_id"]) == str(world.m1_lot2)
    assert _line(world, martin["contract_id"], date(2024, 3, 1))["training_hours"] == D("1.50")
    nguyen = _contract_of(world, world.nguyen)  # market with one lot: no lot needed
    assert str(nguyen["lot_id"]) == str(world.m2_lot)
    with world.t.store.reading() as conn:
        listed, total = queries.list_imports(conn)
    assert total == 1
    assert listed[0]["status"] == "needs_fixes"
    assert listed[0]["pending"] == 3
    assert listed[0]["months"] == ["2024-03"]


def test_the_same_file_twice_changes_nothing(world):
    data = (FIXTURES / "releve_libreoffice.xlsx").read_bytes()
    first = _import(world, data)
    head = world.t.store.head_position()

    again = _import(world, data, "copie.xlsx")

    assert world.t.store.head_position() == head
    assert again["already_imported"] is True
    assert again["import_id"] == first["import_id"]
    assert again["filename"] == "releve.xlsx"
    assert again["first_imported_at"] is not None
    assert again["counts"] == first["counts"]


def test_a_corrected_file_records_corrections_and_leaves_absent_rows(world):
    first = xlsx(
        good_row(Nom="Dupont", Prénom="Jean", **{"Heures travaillées": "100"}),
        good_row(Nom="Lefèvre", Prénom="Zoé", **{"Date de naissance": "01/07/1990"}),
        good_row(Nom="Nguyen", Prénom="Van Anh", **{"Date de naissance": "01/02/1995"}),
    )
    _import(world, first)
    corrected = xlsx(
        good_row(Nom="Dupont", Prénom="Jean", **{"Heures travaillées": "120,5"}),
        good_row(Nom="Lefèvre", Prénom="Zoé", **{"Date de naissance": "01/07/1990"}),
    )

    result = _import(world, corrected, "releve-corrige.xlsx")

    assert result["counts"]["corrected"] == 1
    assert result["counts"]["unchanged"] == 1
    assert result["counts"]["recorded"] == 0
    march = date(2024, 3, 1)
    dupont = _contract_of(world, world.dupont)
    with world.t.store.reading() as conn:
        history = queries.hours_history_of(conn, dupont["contract_id"], march)
    assert [(h["kind"], h["hours"]) for h in history] == [
        ("RECORDED", D("100.00")),
        ("CORRECTED", D("120.50")),
    ]
    assert history[1]["reason"] == "Relevé corrigé : fichier « releve-corrige.xlsx », ligne 2."
    nguyen = _contract_of(world, world.nguyen)  # absent from the new file: untouched
    assert _line(world, nguyen["contract_id"], march)["hours"] == D("151.67")
    rows = _rows(world, result)
    assert rows[3]["action"] == "unchanged"


def test_people_match_whatever_the_accents_case_hyphens_and_spaces(world):
    data = xlsx(
        good_row(
            Nom="  DUPONT MARTIN ",
            Prénom="elodie",
            **{"Date de naissance": "02/02/1992", "Type de contrat": "CDI"},
        ),
        good_row(
            Nom="Dupont-Martin",
            Prénom="Élodie",
            **{"Date de naissance": "02/02/1992", "Type de contrat": "CDI", "Mois": "04/2024"},
        ),
    )
    result = _import(world, data)
    assert result["counts"]["accepted_with_warnings"] == 2
    assert _contract_of(world, world.elodie)["contract_type"] == "CDI"
    rows = _rows(world, result)
    assert rows[2]["warnings"] == [
        "CDI : seuls les 12 premiers mois comptent pour la clause (jusqu'au 02/01/2024 "
        "exclu) ; les heures de mars 2024 sont enregistrées mais non comptabilisées."
    ]
    assert rows[2]["contract_id"] == rows[3]["contract_id"]


def test_thresholds_apply_across_the_rows_of_the_file(world):
    data = xlsx(
        good_row(**{"Heures travaillées": "100"}),
        good_row(Lot="2", **{"Heures travaillées": "60"}),
        good_row(
            Nom="Lefèvre",
            Prénom="Zoé",
            **{"Date de naissance": "01/07/1990", "Heures travaillées": "120"},
        ),
        good_row(
            Nom="Lefèvre",
            Prénom="Zoé",
            Lot="2",
            **{"Date de naissance": "01/07/1990", "Heures travaillées": "90"},
        ),
    )
    result = _import(world, data)

    assert result["counts"]["accepted"] == 2
    assert result["counts"]["accepted_with_warnings"] == 1
    assert result["counts"]["rejected"] == 1
    rows = _rows(world, result)
    assert rows[3]["warnings"] == [
        "La personne totalise 160,00 h en mars 2024 (tous contrats confondus), au-delà de "
        "151,67 h (temps plein) : heures supplémentaires à vérifier."
    ]
    assert rows[5]["errors"] == {
        "hours": "Heures travaillées : avec cette ligne, la personne totaliserait 210,00 h en "
        "mars 2024 (tous contrats confondus), au-delà du maximum de 200,00 h par mois : "
        "vérifiez la déclaration (double déclaration entreprise / ETTI ?)."
    }
    # The refused row's contract was rolled back with it.
    with world.t.store.reading() as conn:
        lefevre = queries.contracts_of_person(conn, world.lefevre)
    assert [str(c["lot_id"]) for c in lefevre] == [str(world.m1_lot1)]


def test_rows_naming_what_does_not_exist_are_rejected_with_the_fix(world):
    other_siret = world.other.siret
    data = xlsx(
        good_row(**{"Référence marché": "M2099-404"}),
        good_row(**{"SIRET employeur": "44306184100047"}),
        good_row(**{"Référence marché": "M2023-001", "Lot": ""}),
        good_row(Lot="7"),
        good_row(Nom="Dupond"),
        good_row(**{"Mois": "02/2025", "Fin contrat": "31/12/2024"}),
        good_row(**{"SIRET employeur": other_siret, "Référence marché": "M2023-003"}),
    )
    result = _import(world, data, allowed_company_ids=frozenset({str(world.company.company_id)}))

    errors = {n: r["errors"] for n, r in _rows(world, result).items()}
    assert errors[2] == {
        "market_reference": "Référence marché : « M2099-404 » ne correspond à aucun marché "
        "enregistré ; recopiez la référence du marché telle qu'elle figure sur le modèle ou "
        "sur l'acte d'engagement."
    }
    assert errors[3] == {
        "employer_siret": "SIRET employeur : aucune entreprise n'est enregistrée avec le SIRET "
        "« 44306184100047 » ; vérifiez le SIRET de l'établissement employeur ou demandez au "
        "facilitateur d'enregistrer l'entreprise."
    }
    assert errors[4] == {
        "lot": "Lot : la cellule est vide alors que le marché M2023-001 compte plusieurs lots "
        "(1, 2) ; indiquez le numéro du lot."
    }
    assert errors[5] == {
        "lot": "Lot : le marché M2023-001 n'a pas de lot « 7 » ; lots de ce marché : 1, 2."
    }
    assert errors[6] == {
        "last_name": "Nom, Prénom, Date de naissance : aucune personne enregistrée sous "
        "« Dupond Jean », né(e) le 15/03/1985 ; vérifiez l'orthographe et la date de "
        "naissance, ou demandez au facilitateur d'enregistrer et de valider cette personne."
    }
    assert errors[7] == {
        "month": "Mois : le mois de février 2025 est postérieur à la fin prévue du contrat "
        "(31/12/2024) : si la personne y travaille encore, prolongez d'abord le contrat."
    }
    assert errors[8] == {
        "employer_siret": f"SIRET employeur : le SIRET « {other_siret} » n'est pas l'un de vos "
        "établissements, et le lot 1 du marché M2023-003 ne vous est pas attribué ; ne "
        "déclarez que les heures de vos propres salariés ou des personnes mises à votre "
        "disposition."
    }
    assert result["counts"]["rejected"] == 7
    with world.t.store.reading() as conn:
        assert queries.contracts_of_person(conn, world.dupont) == []


def test_the_facilitator_may_import_for_any_company(world):
    data = xlsx(good_row(**{"SIRET employeur": world.other.siret, "Référence marché": "M2023-003"}))
    result = _import(world, data, company_id=None, allowed_company_ids=None)
    assert result["counts"]["accepted"] == 1
    assert _contract_of(world, world.dupont)["employer_siret"] == world.other.siret


def test_an_etti_row_is_a_staff_provision_to_the_awardee(world):
    data = xlsx(good_row(**{"SIRET employeur": world.etti.siret, "Type de contrat": "CTTI"}))
    result = _import(world, data, company_id=None)
    assert result["counts"]["accepted"] == 1
    contract = _contract_of(world, world.dupont)
    assert contract["modality"] == "MISE_A_DISPOSITION"
    assert contract["user_siret"] == SIRET


def test_existing_contracts_are_found_and_months_outside_refused(world):
    t = world.t
    contract = t.contract(world.dupont, world.company, world.m1, world.m1_lot1, date(2024, 2, 1))
    data = xlsx(
        good_row(**{"Début contrat": "", "Fin contrat": "", "Heures travaillées": "35"}),
        good_row(
            Nom="Lefèvre",
            Prénom="Zoé",
            **{"Date de naissance": "01/07/1990", "Début contrat": ""},
        ),
    )
    result = _import(world, data)
    rows = _rows(world, result)
    assert rows[2]["contract_id"] == str(contract)
    assert _line(world, contract, date(2024, 3, 1))["hours"] == D("35.00")
    assert rows[3]["errors"] == {
        "contract_start": "Début contrat : aucun contrat de cette personne avec l'employeur "
        f"{SIRET} sur le lot 1 du marché M2023-001 ne couvre mars 2024 ; indiquez la date de "
        "début du contrat pour l'enregistrer, ou corrigez le mois."
    }


def test_dry_run_decides_everything_and_writes_nothing(world):
    head = world.t.store.head_position()
    data = (FIXTURES / "releve_pointvirgule_cp1252.csv").read_bytes()

    result = _import(world, data, "releve.csv", dry_run=True)

    assert result["dry_run"] is True
    assert result["counts"]["accepted"] == 4
    assert result["counts"]["rejected"] == 3
    assert world.t.store.head_position() == head
    with world.t.store.reading() as conn:
        assert queries.list_imports(conn) == ([], 0)
    real = _import(world, data, "releve.csv")  # the dry run did not claim the file
    assert real["already_imported"] is False
    assert real["counts"] == result["counts"]


def test_a_file_rejected_whole_writes_nothing(world):
    head = world.t.store.head_position()
    with pytest.raises(FileRejected) as error:
        _import(world, b"", "vide.xlsx")
    assert "vide" in error.value.message
    bad_header = csv_bytes([["Nom", "Prénom", "Quelque chose"], ["a", "b", "c"]])
    with pytest.raises(FileRejected):
        _import(world, bad_header, "x.csv")
    assert world.t.store.head_position() == head


def test_too_many_rows_rolls_the_whole_file_back(world):
    from importers.limits import Limits

    rows = [good_row(**{"Mois": f"{m:02d}/2024"}) for m in range(1, 13)]
    head = world.t.store.head_position()
    with pytest.raises(FileRejected) as error:
        _import(world, xlsx(*rows), limits=Limits(max_rows=5))
    assert error.value.message.startswith("Le relevé compte plus de 5 lignes")
    assert world.t.store.head_position() == head
    with world.t.store.reading() as conn:
        assert conn.execute(select(hours_table)).all() == []


def test_events_of_an_import_carry_the_row_source(world):
    result = _import(world, xlsx(good_row()))
    types = []
    for page in world.t.store.iter_all():
        for recorded in page:
            source = recorded.metadata.get("source") or {}
            if source.get("import_id") == result["import_id"] or recorded.stream_id.startswith(
                "import:"
            ):
                types.append((recorded.event_type, source.get("row")))
    assert ("ContractStarted", 2) in types
    assert ("HoursRecorded", 2) in types
    assert ("TimesheetImported", None) in types
    assert ("ImportRowsDecided", None) in types


def test_a_new_import_id_is_required(world):
    import_id = uuid.uuid4()
    _import(world, xlsx(good_row()), import_id=import_id)
    from clauses_service.domain.errors import AlreadyExists

    with pytest.raises(AlreadyExists):
        _import(world, xlsx(good_row(**{"Heures travaillées": "3"})), import_id=import_id)


def test_the_collector_is_paused_during_an_import_and_restored_after_even_a_dry_run(world):
    import gc

    from importers import pipeline

    before = gc.get_threshold()
    seen = []
    _import(
        world,
        xlsx_bytes([TEMPLATE_HEADERS, good_row()]),
        progress=lambda n: seen.append(gc.get_threshold()),
    )
    assert seen and seen[0][0] >= pipeline.BULK_THRESHOLD
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    _import(world, xlsx_bytes([TEMPLATE_HEADERS, good_row(Nom="Autre")]), dry_run=True)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    with pipeline.fewer_collections():  # an import in another thread, overlapping
        _import(world, xlsx_bytes([TEMPLATE_HEADERS, good_row(Mois="05/2024")]))
        assert gc.get_threshold()[0] >= pipeline.BULK_THRESHOLD
    assert gc.get_threshold() == before
