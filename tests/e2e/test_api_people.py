"""/api/v1/people: registration, search, identity corrections, duplicates and merges, RGPD
erasure, history, roles, vocabularies. The path (orientations, eligibility, PLIE links)
and the company / PLIE scopes are in test_api_people_path.py."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import SQL_BACKENDS
from tests.e2e.people_helpers import JEAN, LEA, listed, orient, register, validate

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

YEAR = "from=2025-01-01&to=2025-12-31"


def test_register_then_read_back_and_search(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    created = client.post("/api/v1/people", json=LEA, headers=fac)
    assert created.status_code == 201, created.json
    assert created.json["version"] == 1 and created.json["possible_duplicates"] == []
    lea = created.json["person_id"]

    read = client.get(f"/api/v1/people/{lea}?on=2025-01-01", headers=fac)
    assert read.status_code == 200, read.json
    person = read.json
    assert {key: person[key] for key in LEA} == LEA
    assert person["sex_label"] == "Femme"
    assert person["qualification_label"] == "Niveau 3 (CAP, BEP)"
    assert (person["erased"], person["version"], person["merged_into"]) == (False, 1, None)
    assert person["survivor_id"] == lea and person["absorbed"] == []
    assert person["orientations"] == person["validations"] == person["refusals"] == []
    assert person["plie_links"] == [] and person["plie_linked"] is False
    assert person["eligibility"] == {
        "on": "2025-01-01",
        "status": "NOT_ORIENTED",
        "status_label": "Ni orienté ni validé",
        "pending_decision": False,
        "sectors": [],
    }

    jean = register(client, fac, JEAN)
    minimal = client.get(f"/api/v1/people/{jean}", headers=fac).json
    assert (minimal["commune"], minimal["qpv"], minimal["qualification"]) == ("", None, None)
    assert (minimal["rsa"], minimal["rqth"], minimal["sex_label"]) == (False, False, "Homme")

    for query in (
        "search=martin",
        "search=LEA",
        "search=Martin%20L%C3%A9a",
        "birth_date=1990-01-15",
        "search=martin&birth_date=1990-01-15",
        "search=15/01/1990",
    ):
        assert listed(client, fac, query) == (1, [lea]), query
    for query in ("search=dupont", "birth_date=1990-01-16", "search=jean&birth_date=1990-01-15"):
        assert listed(client, fac, query) == (0, []), query
    page = client.get("/api/v1/people?page_size=1", headers=fac).json
    assert (page["total"], page["page"], page["page_size"]) == (2, 1, 1)
    first = page["items"][0]
    assert first["person_id"] == lea and first["last_name"] == "Martin"
    assert first["qpv"] == "Dijon – Grésilles" and first["sex_label"] == "Femme"
    assert (first["pending_decision"], first["plie_linked"]) == (False, False)
    assert listed(client, fac, "page_size=1&page=2") == (2, [jean])


def test_correct_identity_with_expected_version_and_history(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    lea = register(client, fac)
    url = f"/api/v1/people/{lea}"
    changed = client.patch(
        url, json={"first_name": " Léa-Marie ", "qpv": None, "expected_version": 1}, headers=fac
    )
    assert changed.status_code == 200, changed.json
    assert changed.json == {"person_id": lea, "version": 2}
    person = client.get(url, headers=fac).json
    assert (person["first_name"], person["qpv"], person["version"]) == ("Léa-Marie", None, 2)
    assert (person["last_name"], person["commune"], person["rsa"]) == ("Martin", "Dijon", True)

    stale = client.patch(url, json={"commune": "Talant", "expected_version": 1}, headers=fac)
    assert stale.status_code == 409
    assert "version attendue 1" in stale.json["message"]
    assert client.get(url, headers=fac).json["commune"] == "Dijon"
    unchanged = client.patch(url, json={"first_name": "Léa-Marie"}, headers=fac)
    assert unchanged.status_code == 200 and unchanged.json["version"] == 2

    history = client.get(f"{url}/history", headers=fac).json
    assert [h["event_type"] for h in history] == ["PersonRegistered", "PersonIdentityCorrected"]
    assert history[1]["actor"] == "facilitator@example.org"
    assert history[1]["command"] == "CorrectIdentity"
    assert history[1]["source"] == {"kind": "api"}
    assert history[0]["data"]["identity"]["first_name"] == "Léa"
    assert history[1]["data"]["identity"]["first_name"] == "Léa-Marie"
    assert history[1]["data"]["identity"]["qpv"] is None
    assert all("sealed_identity" not in h["data"] for h in history)


def test_invalid_identity_is_422_with_french_field_messages(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    bad = client.post(
        "/api/v1/people",
        json={**LEA, "birth_date": "1990-02-30", "sex": "X", "last_name": "", "rsa": "bof", "x": 1},
        headers=fac,
    )
    assert bad.status_code == 422
    errors = bad.json["errors"]
    assert errors["birth_date"] == ["Date invalide : format AAAA-MM-JJ attendu."]
    assert errors["sex"][0].startswith("Valeur inconnue ; valeurs possibles : F, M")
    assert errors["last_name"] == ["Entre 1 et 100 caractères."]
    assert errors["rsa"] == ["Valeur vrai/faux attendue (true ou false)."]
    assert errors["x"] == ["Champ inconnu."]
    assert bad.json["message"] == "Données invalides : corrigez les champs signalés."

    missing = client.post("/api/v1/people", json={}, headers=fac).json["errors"]
    assert {k: missing[k] for k in ("last_name", "first_name", "birth_date", "sex")} == {
        k: ["Champ obligatoire."] for k in ("last_name", "first_name", "birth_date", "sex")
    }
    child = client.post("/api/v1/people", json={**LEA, "birth_date": "2020-01-01"}, headers=fac)
    assert child.status_code == 422
    assert child.json["errors"]["birth_date"][0].startswith(
        "La personne doit avoir entre 15 et 80 ans : née le 01/01/2020"
    )
    blank = client.post("/api/v1/people", json={**LEA, "last_name": "   "}, headers=fac)
    assert blank.status_code == 422
    assert blank.json["errors"] == {"last_name": ["Le nom est obligatoire."]}
    assert listed(client, fac) == (0, [])

    unknown = client.patch(f"/api/v1/people/{uuid.uuid4()}", json={}, headers=fac)
    assert unknown.status_code == 404 and unknown.json["message"] == "Personne introuvable."
    assert client.get("/api/v1/people/pas-un-uuid", headers=fac).status_code == 404
    assert client.get("/api/v1/people?birth_date=15-01", headers=fac).json["errors"] == {
        "birth_date": ["Date invalide : format AAAA-MM-JJ attendu."]
    }
    assert client.get("/api/v1/people?pending=peut-etre", headers=fac).status_code == 422


def test_idempotency_key_replays_a_registration(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    headers = as_role("facilitator", **{"Idempotency-Key": "inscription-lea"})
    first = client.post("/api/v1/people", json=LEA, headers=headers)
    again = client.post("/api/v1/people", json=LEA, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json["person_id"] == first.json["person_id"] and again.json["replayed"] is True
    assert listed(client, fac) == (1, [first.json["person_id"]])
    other = client.post("/api/v1/people", json=JEAN, headers=headers)
    assert other.status_code == 422 and "clé d'idempotence" in other.json["message"]
    assert listed(client, fac)[0] == 1


def test_duplicates_are_flagged_then_merged(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    lea = register(client, fac)
    again = client.post(
        "/api/v1/people",
        json={**LEA, "last_name": "MARTIN", "first_name": "lea", "qpv": None},
        headers=fac,
    )
    assert again.json["possible_duplicates"] == [lea]
    twin = again.json["person_id"]
    register(client, fac, JEAN)

    groups = client.get("/api/v1/people/duplicates", headers=fac).json
    assert [[p["person_id"] for p in g["people"]] for g in groups] == [[lea, twin]]
    assert "match_key" not in groups[0]["people"][0]
    assert [
        p["person_id"] for p in client.get(f"/api/v1/people/{twin}/duplicates", headers=fac).json
    ] == [lea]
    assert [
        p["person_id"] for p in client.get(f"/api/v1/people/{lea}/duplicates", headers=fac).json
    ] == [twin]

    oriented = orient(client, fac, twin, "2025-02-01")
    stale = client.post(
        f"/api/v1/people/{lea}/merge",
        json={"duplicate_id": twin, "expected_version": 0},
        headers=fac,
    )
    assert stale.status_code == 409
    merged = client.post(
        f"/api/v1/people/{lea}/merge",
        json={"duplicate_id": twin, "expected_version": 1},
        headers=fac,
    )
    assert merged.status_code == 200, merged.json
    assert merged.json == {"person_id": lea, "merged": twin, "version": 2}

    survivor = client.get(f"/api/v1/people/{lea}?on=2025-02-02", headers=fac).json
    assert survivor["absorbed"] == [twin]
    assert [(o["orientation_id"], o["person_id"]) for o in survivor["orientations"]] == [
        (oriented, twin)
    ]
    assert survivor["eligibility"]["status"] == "PENDING"
    gone = client.get(f"/api/v1/people/{twin}", headers=fac).json
    assert (gone["merged_into"], gone["survivor_id"]) == (lea, lea)
    assert listed(client, fac, "search=martin") == (1, [lea])
    assert listed(client, fac, "pending=true") == (1, [lea])
    assert client.get("/api/v1/people/duplicates", headers=fac).json == []
    assert client.get(f"/api/v1/people/{lea}/duplicates", headers=fac).json == []

    frozen = client.post(
        f"/api/v1/people/{twin}/orientations",
        json={
            "prescriber_name": "CCAS",
            "prescriber_kind": "CCAS",
            "oriented_on": "2025-03-01",
            "sectors": ["BTP"],
        },
        headers=fac,
    )
    assert frozen.status_code == 422 and f"fusionnée avec {lea}" in frozen.json["message"]
    twice = client.post(f"/api/v1/people/{lea}/merge", json={"duplicate_id": twin}, headers=fac)
    assert twice.status_code == 422 and f"fusionnée avec {lea}" in twice.json["message"]
    itself = client.post(f"/api/v1/people/{lea}/merge", json={"duplicate_id": lea}, headers=fac)
    assert itself.status_code == 422
    assert itself.json["errors"]["duplicate_id"][0].startswith("Une personne ne peut pas")
    nobody = client.post(
        f"/api/v1/people/{lea}/merge", json={"duplicate_id": str(uuid.uuid4())}, headers=fac
    )
    assert nobody.status_code == 404 and nobody.json["message"] == "Doublon introuvable."


def test_erasure_makes_identity_unreadable_everywhere_while_counts_remain(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    lea = register(client, fac)
    orient(client, fac, lea, "2025-02-01", kind="PLIE_REFERENT")
    validate(client, fac, lea, "2025-02-10")
    jean = register(client, fac, JEAN)
    orientations_before = client.get(f"/api/v1/orientations?{YEAR}", headers=fac).json
    outcomes_before = client.get(f"/api/v1/validation-outcomes?{YEAR}", headers=fac).json
    assert orientations_before["plie_referents"]["count"] == 1
    assert orientations_before["plie_referents"]["in_qpv"] == 1

    erased = client.post(f"/api/v1/people/{lea}/erase", json={"expected_version": 3}, headers=fac)
    assert erased.status_code == 200, erased.json
    assert erased.json == {"person_id": lea, "version": 4, "erased": [lea]}

    person = client.get(f"/api/v1/people/{lea}?on=2025-06-01", headers=fac).json
    assert person["erased"] is True
    for key in LEA:
        assert person[key] is None, key
    assert person["sex_label"] is None and person["qualification_label"] is None
    assert len(person["orientations"]) == len(person["validations"]) == 1
    assert person["eligibility"]["status"] == "VALIDATED"
    assert listed(client, fac, "search=martin") == (0, [])
    assert listed(client, fac, "birth_date=1990-01-15") == (0, [])
    everyone = client.get("/api/v1/people", headers=fac).json
    assert [(p["person_id"], p["last_name"], p["erased"]) for p in everyone["items"]] == [
        (jean, "Petit", False),
        (lea, None, True),
    ]
    orientations_after = client.get(f"/api/v1/orientations?{YEAR}", headers=fac).json
    assert orientations_after["total"] == orientations_before["total"] == 1
    assert orientations_after["plie_referents"]["count"] == 1
    assert orientations_after["items"][0]["person_id"] == lea
    assert orientations_after["items"][0]["qpv"] is None  # the quarter was personal data
    assert client.get(f"/api/v1/validation-outcomes?{YEAR}", headers=fac).json == outcomes_before

    history = client.get(f"/api/v1/people/{lea}/history", headers=fac)
    assert [h["event_type"] for h in history.json][-1] == "PersonalDataErased"
    assert history.json[0]["data"]["identity"] is None
    text = json.dumps(history.json, ensure_ascii=False)
    for secret in ("Martin", "Léa", "1990-01-15", "Dijon", "Grésilles", "sealed_identity"):
        assert secret not in text, secret
    refused = client.patch(f"/api/v1/people/{lea}", json={"last_name": "Martin"}, headers=fac)
    assert refused.status_code == 422
    assert refused.json["errors"]["person_id"][0].startswith(
        "Les données personnelles de cette personne ont été effacées"
    )
    assert client.get(f"/api/v1/people/{lea}/duplicates", headers=fac).json == []
    newcomer = client.post("/api/v1/people", json=LEA, headers=fac)
    assert newcomer.json["possible_duplicates"] == []


@pytest.mark.parametrize("role", ["buyer", "admin"])
def test_buyers_and_admins_never_read_people(app, as_role, role):
    client, fac = app.test_client(), as_role("facilitator")
    lea = register(client, fac)
    for url in (
        "/api/v1/people",
        f"/api/v1/people/{lea}",
        f"/api/v1/people/{lea}/history",
        f"/api/v1/orientations?{YEAR}",
        f"/api/v1/validation-outcomes?{YEAR}",
    ):
        response = client.get(url, headers=as_role(role))
        assert response.status_code == 403, url
        assert "Martin" not in response.get_data(as_text=True)
    assert client.post("/api/v1/people", json=JEAN, headers=as_role(role)).status_code == 403


@pytest.mark.parametrize("role", ["company", "plie"])
def test_only_the_facilitator_writes_people(app, as_role, role):
    client, fac = app.test_client(), as_role("facilitator")
    lea = register(client, fac)
    headers = as_role(role)
    assert client.post("/api/v1/people", json=JEAN, headers=headers).status_code == 403
    assert client.patch(f"/api/v1/people/{lea}", json={}, headers=headers).status_code == 403
    assert client.post(f"/api/v1/people/{lea}/erase", json={}, headers=headers).status_code == 403
    merge = client.post(f"/api/v1/people/{lea}/merge", json={"duplicate_id": lea}, headers=headers)
    assert merge.status_code == 403
    assert client.get("/api/v1/people/duplicates", headers=headers).status_code == 403
    assert listed(client, fac) == (1, [lea])


def test_vocabularies_give_codes_and_french_labels(app, as_role):
    client = app.test_client()
    everything = client.get("/api/v1/vocabularies", headers=as_role("facilitator"))
    assert everything.status_code == 200
    by_name = {v["name"]: v for v in everything.json}
    assert {"sectors", "prescriber_kinds", "eligibility_criteria", "refusal_reasons"} <= set(
        by_name
    )
    kinds = by_name["prescriber_kinds"]["values"]
    assert {"code": "PLIE_REFERENT", "label": "Référent PLIE", "retired": False} in kinds
    assert [v["code"] for v in by_name["eligibility_criteria"]["values"]] == [
        "DELD", "DETLD", "BRSA", "ASS_AAH", "RQTH", "JEUNE",
        "SENIOR", "QPV", "IAE", "GEIQ", "EPIDE_E2C", "AVIS_MOTIVE",
    ]  # fmt: skip
    assert by_name["refusal_reasons"]["values"][-1] == {
        "code": "AUTRE",
        "label": "Autre motif",
        "retired": False,
    }
    for role in ("company", "buyer", "plie"):
        sectors = client.get("/api/v1/vocabularies/sectors", headers=as_role(role))
        assert sectors.status_code == 200, role
        assert sectors.json["values"][0] == {
            "code": "BTP",
            "label": "Travaux (BTP)",
            "retired": False,
        }
    assert client.get("/api/v1/vocabularies", headers=as_role("admin")).status_code == 403
    unknown = client.get("/api/v1/vocabularies/inconnue", headers=as_role("facilitator"))
    assert unknown.status_code == 404 and "inconnue" in unknown.json["message"]
