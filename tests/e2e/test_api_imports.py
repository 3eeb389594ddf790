"""/api/v1/imports: a company uploads its relevé, sees the result and its own imports only;
the facilitator lists every import and works the rejected-rows queue; hostile files get a
French 422 or 413, never a 500."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.conftest import SQL_BACKENDS
from tests.importers.builders import TEMPLATE_HEADERS, good_row, xlsx_bytes
from tests.importers.pipeline_support import build_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spreadsheets"


@pytest.fixture
def world(app, territory):
    return build_world(app.extensions["clauses"].store, attach=False)


def _upload(client, headers, data: bytes, name="releve.xlsx", **form):
    return client.post(
        "/api/v1/imports",
        data={"file": (io.BytesIO(data), name), **form},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_a_company_uploads_its_relevé_and_reads_the_result(app, world, as_role):
    client = app.test_client()
    data = (FIXTURES / "releve_libreoffice.ods").read_bytes()

    response = _upload(client, as_role("company"), data, "releve.ods")

    assert response.status_code == 201, response.json
    body = response.json
    assert body["already_imported"] is False
    assert body["counts"]["accepted"] == 4
    assert body["counts"]["rejected"] == 3
    assert [r["row_number"] for r in body["rejected_rows"]] == [10, 11, 12]
    assert body["rejected_rows"][2]["errors"]["row"].startswith("Ligne en double")
    import_id = body["import_id"]

    detail = client.get(f"/api/v1/imports/{import_id}", headers=as_role("company"))
    assert detail.status_code == 200
    assert detail.json["status"] == "needs_fixes"
    assert detail.json["filename"] == "releve.ods"
    statuses = {r["row_number"]: r["status"] for r in detail.json["row_page"]["items"]}
    assert statuses == {
        5: "accepted",
        6: "accepted",
        8: "accepted",
        9: "accepted",
        10: "rejected",
        11: "rejected",
        12: "rejected",
    }
    rejected = client.get(
        f"/api/v1/imports/{import_id}?status=rejected", headers=as_role("company")
    ).json["row_page"]
    assert rejected["total"] == 3
    assert rejected["items"][0]["errors"]["hours"] == (
        "Heures travaillées : « -3 » est négatif ; indiquez un nombre d'heures positif ou nul."
    )

    again = _upload(client, as_role("company"), data, "copie.ods")
    assert again.status_code == 200
    assert again.json["already_imported"] is True
    assert again.json["import_id"] == import_id
    assert again.json["first_imported_at"]


def test_a_company_sees_only_its_own_imports(app, world, as_role):
    client = app.test_client()
    own = _upload(client, as_role("company"), xlsx_bytes([TEMPLATE_HEADERS, good_row()]))
    assert own.status_code == 201, own.json
    other_row = good_row(
        Nom="Nguyen",
        Prénom="Van Anh",
        **{
            "SIRET employeur": world.other.siret,
            "Référence marché": "M2023-003",
            "Date de naissance": "01/02/1995",
        },
    )
    theirs = _upload(
        client,
        as_role("facilitator"),
        xlsx_bytes([TEMPLATE_HEADERS, other_row]),
        siret=world.other.siret,
    )
    assert theirs.status_code == 201, theirs.json
    assert theirs.json["counts"]["accepted"] == 1

    mine = client.get("/api/v1/imports", headers=as_role("company")).json
    assert [i["import_id"] for i in mine["items"]] == [own.json["import_id"]]
    everything = client.get("/api/v1/imports", headers=as_role("facilitator")).json
    assert everything["total"] == 2
    hidden = client.get(f"/api/v1/imports/{theirs.json['import_id']}", headers=as_role("company"))
    assert hidden.status_code == 404
    assert hidden.json["message"] == "Import introuvable."
    filtered = client.get(
        f"/api/v1/imports?company_id={world.other.company_id}&month=2024-03&status=complete",
        headers=as_role("facilitator"),
    ).json
    assert [i["import_id"] for i in filtered["items"]] == [theirs.json["import_id"]]
    assert (
        client.get("/api/v1/imports?month=2023-01", headers=as_role("facilitator")).json["total"]
        == 0
    )


def test_a_company_row_for_another_company_is_rejected(app, world, as_role):
    other_row = good_row(**{"SIRET employeur": world.other.siret, "Référence marché": "M2023-003"})
    response = _upload(
        app.test_client(), as_role("company"), xlsx_bytes([TEMPLATE_HEADERS, other_row])
    )
    assert response.status_code == 201
    assert response.json["rejected_rows"][0]["errors"]["employer_siret"].startswith(
        f"SIRET employeur : le SIRET « {world.other.siret} » n'est pas l'un de vos établissements"
    )
    refused = _upload(
        app.test_client(),
        as_role("company"),
        xlsx_bytes([TEMPLATE_HEADERS, good_row(Nom="x")]),
        siret=world.other.siret,
    )
    assert refused.status_code == 422
    assert refused.json["errors"]["siret"]


def test_the_facilitator_fixes_and_dismisses_rejected_rows(app, world, as_role):
    client = app.test_client()
    data = xlsx_bytes(
        [
            TEMPLATE_HEADERS,
            good_row(Nom="Dupond"),
            good_row(Nom="Inconnu", Prénom="Paul"),
        ]
    )
    import_id = _upload(client, as_role("company"), data).json["import_id"]
    queue = client.get("/api/v1/imports/rejected", headers=as_role("company")).json
    assert [(r["row_number"], r["cells"]["last_name"]) for r in queue["items"]] == [
        (2, "Dupond"),
        (3, "Inconnu"),
    ]

    forbidden = client.post(
        f"/api/v1/imports/{import_id}/rows/2/fix",
        json={"values": {"last_name": "Dupont"}},
        headers=as_role("company"),
    )
    assert forbidden.status_code == 403
    fixed = client.post(
        f"/api/v1/imports/{import_id}/rows/2/fix",
        json={"values": {"last_name": "Dupont"}},
        headers=as_role("facilitator"),
    )
    assert fixed.status_code == 200, fixed.json
    assert fixed.json["status"] == "accepted"
    assert fixed.json["contract_id"]
    still_wrong = client.post(
        f"/api/v1/imports/{import_id}/rows/3/fix",
        json={"values": {"first_name": "Pierre"}},
        headers=as_role("facilitator"),
    )
    assert still_wrong.status_code == 422
    assert still_wrong.json["message"].startswith(
        "Nom, Prénom, Date de naissance : aucune personne enregistrée sous « Inconnu Pierre »"
    )
    dismissed = client.post(
        f"/api/v1/imports/{import_id}/rows/3/dismiss",
        json={"reason": "Personne hors clause"},
        headers=as_role("facilitator"),
    )
    assert dismissed.status_code == 200, dismissed.json
    assert client.get("/api/v1/imports/rejected", headers=as_role("facilitator")).json["total"] == 0
    detail = client.get(f"/api/v1/imports/{import_id}", headers=as_role("facilitator")).json
    assert (detail["status"], detail["fixed"], detail["dismissed"]) == ("complete", 1, 1)
    unknown_row = client.post(
        f"/api/v1/imports/{import_id}/rows/99999999999/fix",
        json={"values": {"last_name": "Dupont"}},
        headers=as_role("facilitator"),
    )
    assert unknown_row.status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "status", "start"),
    [
        ("vide.xlsx", b"", 422, ""),
        ("pdf_renomme.xlsx", None, 422, ""),
        ("protege_motdepasse.xlsx", None, 422, ""),
        ("notes.txt", b"\x00\x01\x02binaire", 422, ""),
    ],
)
def test_hostile_files_are_a_french_422(app, world, as_role, name, data, status, start):
    if data is None:
        data = (FIXTURES / name).read_bytes()
    response = _upload(app.test_client(), as_role("company"), data, name)
    assert response.status_code == status, response.json
    assert response.json["message"]
    assert response.json["errors"]["file"] == [response.json["message"]]
    assert response.json["message"].startswith(start)


def test_an_upload_too_big_is_a_413(app, world, as_role):
    app.config["IMPORT_MAX_UPLOAD_BYTES"] = 100_000
    response = _upload(app.test_client(), as_role("company"), b"0" * 300_000)
    assert response.status_code == 413
    assert response.json["message"] == (
        "Fichier trop volumineux : au plus 97 Ko par dépôt ; découpez le relevé en plusieurs "
        "fichiers."
    )
    just_over = _upload(app.test_client(), as_role("company"), b"0" * 120_000)
    assert just_over.status_code == 413
    assert just_over.json["message"].startswith("Le fichier pèse 0.1 Mo, au-delà de la limite")


def test_an_upload_without_a_file_is_a_422(app, world, as_role):
    response = app.test_client().post("/api/v1/imports", data={}, headers=as_role("facilitator"))
    assert response.status_code == 422
    assert response.json["message"] == (
        "Aucun fichier reçu : joignez le relevé dans le champ « file »."
    )


def test_dry_run_through_the_api_writes_nothing(app, world, as_role):
    store = app.extensions["clauses"].store
    head = store.head_position()
    response = _upload(
        app.test_client(),
        as_role("company"),
        xlsx_bytes([TEMPLATE_HEADERS, good_row()]),
        dry_run="true",
    )
    assert response.status_code == 201
    assert response.json["dry_run"] is True
    assert response.json["counts"]["accepted"] == 1
    assert store.head_position() == head


@pytest.mark.parametrize("month", ["2024-13", "0000-01", "mars", "2024-3"])
def test_a_bad_month_filter_is_a_french_422(app, world, as_role, month):
    response = app.test_client().get(
        f"/api/v1/imports?month={month}", headers=as_role("facilitator")
    )
    assert response.status_code == 422
    assert response.json["errors"]["month"] == [
        "Mois invalide : format AAAA-MM attendu (ex. 2024-03)."
    ]
