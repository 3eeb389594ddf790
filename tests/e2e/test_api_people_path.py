"""A person's path through the API: orientations, validations and refusals, eligibility
status, PLIE links, figures of a period; what the PLIE team and a company may read."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from events.catalog.companies import CompanyKind
from events.catalog.contracts import ContractType, Modality
from tests.conftest import SQL_BACKENDS
from tests.e2e.conftest import COMPANY_SIRET
from tests.e2e.people_helpers import JEAN, listed, orient, register, validate
from tests.support.territory import Territory

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

YEAR = "from=2025-01-01&to=2025-12-31"


def person(client, headers, person_id, on):
    response = client.get(f"/api/v1/people/{person_id}?on={on}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_orientation_then_validation_round_trip(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    lea = register(client, fac)
    jean = register(client, fac, JEAN)
    created = client.post(
        f"/api/v1/people/{lea}/orientations",
        json={
            "prescriber_name": "France Travail Agence Est",
            "prescriber_kind": "FRANCE_TRAVAIL",
            "oriented_on": "2025-03-03",
            "sectors": ["BTP", "SERVICES"],
            "expected_version": 1,
        },
        headers=fac,
    )
    assert created.status_code == 201, created.json
    oriented = created.json["orientation_id"]
    assert created.json["version"] == 2

    waiting = person(client, fac, lea, "2025-03-05")
    assert waiting["orientations"] == [
        {
            "orientation_id": oriented,
            "person_id": lea,
            "prescriber_name": "France Travail Agence Est",
            "prescriber_kind": "FRANCE_TRAVAIL",
            "prescriber_kind_label": "France Travail",
            "is_plie": False,
            "oriented_on": "2025-03-03",
            "sectors": ["BTP", "SERVICES"],
            "sector_labels": ["Travaux (BTP)", "Services"],
        }
    ]
    assert waiting["eligibility"]["status"] == "PENDING"
    assert waiting["eligibility"]["status_label"] == "En attente de décision"
    assert listed(client, fac, "pending=true") == (1, [lea])
    assert listed(client, fac, "pending=false") == (1, [jean])

    result = validate(
        client,
        fac,
        lea,
        "2025-03-10",
        orientation_id=oriented,
        criteria=["DELD", "QPV"],
        evidence=[
            {"criterion": "DELD", "document": "Attestation France Travail", "dated": "2025-03-01"},
            {"criterion": "QPV", "document": "Justificatif de domicile", "dated": "2024-06-01"},
        ],
        valid_until="2026-03-09",
    )
    assert (result["valid_until"], result["version"]) == ("2026-03-09", 3)
    assert result["warnings"] == [
        "Le justificatif « Justificatif de domicile » (Résident d'un quartier prioritaire (QPV)) "
        "date du 01/06/2024 : plus de 6 mois avant la validation du 10/03/2025. "
        "Demander un justificatif récent."
    ]
    eligible = person(client, fac, lea, "2025-04-01")
    assert eligible["validations"] == [
        {
            "validation_id": result["validation_id"],
            "person_id": lea,
            "orientation_id": oriented,
            "sectors": ["BTP"],
            "sector_labels": ["Travaux (BTP)"],
            "criteria": ["DELD", "QPV"],
            "criteria_labels": [
                "Demandeur d'emploi de longue durée (12 mois et plus)",
                "Résident d'un quartier prioritaire (QPV)",
            ],
            "evidence": [
                {
                    "criterion": "DELD",
                    "criterion_label": "Demandeur d'emploi de longue durée (12 mois et plus)",
                    "document": "Attestation France Travail",
                    "dated": "2025-03-01",
                },
                {
                    "criterion": "QPV",
                    "criterion_label": "Résident d'un quartier prioritaire (QPV)",
                    "document": "Justificatif de domicile",
                    "dated": "2024-06-01",
                },
            ],
            "validated_on": "2025-03-10",
            "valid_until": "2026-03-09",
        }
    ]
    assert eligible["eligibility"] == {
        "on": "2025-04-01",
        "status": "VALIDATED",
        "status_label": "Éligible",
        "pending_decision": False,
        "sectors": [
            {
                "sector": "BTP",
                "sector_label": "Travaux (BTP)",
                "valid_until": "2026-03-09",
                "validation_id": result["validation_id"],
            }
        ],
    }
    assert listed(client, fac, "pending=true") == (0, [])
    assert person(client, fac, lea, "2025-03-05")["eligibility"]["status"] == "PENDING"
    assert person(client, fac, lea, "2026-03-10")["eligibility"]["status"] == "EXPIRED"
    default = validate(client, fac, lea, "2025-04-01", sectors=["SERVICES"], criteria=["JEUNE"])
    assert default["valid_until"] == "2027-04-01" and default["warnings"] == []


def test_refused_then_oriented_again_later(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    lea = register(client, fac)
    first = orient(client, fac, lea, "2025-01-06", kind="MISSION_LOCALE")
    refused = client.post(
        f"/api/v1/people/{lea}/refusals",
        json={
            "orientation_id": first,
            "sectors": ["BTP"],
            "reason": "AUTRE",
            "reason_text": "Déménagement hors du territoire",
            "refused_on": "2025-01-20",
        },
        headers=fac,
    )
    assert refused.status_code == 201, refused.json
    after_refusal = person(client, fac, lea, "2025-02-01")
    assert after_refusal["refusals"] == [
        {
            "refusal_id": refused.json["refusal_id"],
            "person_id": lea,
            "orientation_id": first,
            "sectors": ["BTP"],
            "sector_labels": ["Travaux (BTP)"],
            "reason": "AUTRE",
            "reason_label": "Autre motif",
            "reason_text": "Déménagement hors du territoire",
            "refused_on": "2025-01-20",
        }
    ]
    assert after_refusal["eligibility"]["status"] == "REFUSED"
    assert after_refusal["eligibility"]["status_label"] == "Refusé"
    assert listed(client, fac, "pending=true") == (0, [])

    orient(client, fac, lea, "2025-09-01", kind="PLIE_REFERENT", sectors=["SERVICES"])
    assert person(client, fac, lea, "2025-09-02")["eligibility"]["status"] == "PENDING"
    assert person(client, fac, lea, "2025-02-01")["eligibility"]["status"] == "REFUSED"
    assert listed(client, fac, "pending=true") == (1, [lea])
    validate(client, fac, lea, "2025-09-15", sectors=["SERVICES"], criteria=["JEUNE"])
    later = person(client, fac, lea, "2025-09-20")["eligibility"]
    assert (later["status"], [s["sector"] for s in later["sectors"]]) == ("VALIDATED", ["SERVICES"])

    period = client.get(f"/api/v1/orientations?{YEAR}", headers=fac).json
    assert period["total"] == 2
    assert period["plie_referents"] == {
        "count": 1,
        "in_qpv": 1,
        "by_sector": [
            {"sector": "BTP", "sector_label": "Travaux (BTP)", "count": 0},
            {"sector": "SERVICES", "sector_label": "Services", "count": 1},
            {
                "sector": "PRESTATIONS_INTELLECTUELLES",
                "sector_label": "Prestations intellectuelles",
                "count": 0,
            },
        ],
        "by_prescriber_kind": [
            {
                "prescriber_kind": "PLIE_REFERENT",
                "prescriber_kind_label": "Référent PLIE",
                "count": 1,
            }
        ],
    }
    assert period["other_prescribers"]["count"] == 1
    assert period["other_prescribers"]["by_prescriber_kind"] == [
        {"prescriber_kind": "MISSION_LOCALE", "prescriber_kind_label": "Mission locale", "count": 1}
    ]
    assert [(o["oriented_on"], o["is_plie"], o["sex_label"]) for o in period["items"]] == [
        ("2025-01-06", False, "Femme"),
        ("2025-09-01", True, "Femme"),
    ]
    paged = client.get(f"/api/v1/orientations?{YEAR}&page=2&page_size=1", headers=fac).json
    assert [o["oriented_on"] for o in paged["items"]] == ["2025-09-01"] and paged["total"] == 2
    autumn = client.get("/api/v1/orientations?from=2025-09-01&to=2025-09-01", headers=fac).json
    assert autumn["total"] == 1 and autumn["other_prescribers"]["count"] == 0

    outcomes = client.get(f"/api/v1/validation-outcomes?{YEAR}", headers=fac).json
    by_sector = {s["sector"]: s for s in outcomes["sectors"]}
    assert (outcomes["from"], outcomes["to"]) == ("2025-01-01", "2025-12-31")
    assert (by_sector["BTP"]["validated"], by_sector["BTP"]["refused"]) == (0, 1)
    assert {"reason": "AUTRE", "reason_label": "Autre motif", "count": 1} in by_sector["BTP"][
        "refused_by_reason"
    ]
    assert (by_sector["SERVICES"]["validated"], by_sector["SERVICES"]["refused"]) == (1, 0)
    empty = client.get("/api/v1/validation-outcomes?from=2024-01-01&to=2024-12-31", headers=fac)
    assert all(s["validated"] == s["refused"] == 0 for s in empty.json["sectors"])


def test_path_input_errors_are_422_in_french(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    lea = register(client, fac)
    url = f"/api/v1/people/{lea}"
    orientation = {
        "prescriber_name": "CCAS de Dijon",
        "prescriber_kind": "CCAS",
        "oriented_on": "2025-03-03",
        "sectors": ["BTP"],
    }

    def errors(path, body):
        response = client.post(f"{url}/{path}", json=body, headers=fac)
        assert response.status_code == 422, response.json
        return response.json["errors"]

    assert errors("orientations", {**orientation, "sectors": []}) == {
        "sectors": ["Indiquer au moins un secteur (BTP, services, prestations intellectuelles)."]
    }
    bad = errors(
        "orientations", {**orientation, "oriented_on": "2025-13-01", "prescriber_kind": "PE"}
    )
    assert bad["oriented_on"] == ["Date invalide : format AAAA-MM-JJ attendu."]
    assert bad["prescriber_kind"][0].startswith(
        "Valeur inconnue ; valeurs possibles : FRANCE_TRAVAIL"
    )
    future = (date.today() + timedelta(days=10)).isoformat()
    assert (
        "ne peut pas être dans le futur"
        in errors("orientations", {**orientation, "oriented_on": future})["oriented_on"][0]
    )
    assert errors("orientations", {**orientation, "sectors": ["BTP", "BTP"]}) == {
        "sectors": ["Secteur « Travaux (BTP) » est indiqué deux fois : ne le garder qu'une fois."]
    }

    validation = {"sectors": ["BTP"], "criteria": ["DELD"], "validated_on": "2025-03-10"}
    unknown = errors("validations", {**validation, "criteria": ["DELD", "CHOMEUR"]})
    assert list(unknown) == ["criteria"] and list(unknown["criteria"]) == ["1"]
    assert unknown["criteria"]["1"][0].startswith("Valeur inconnue ; valeurs possibles : DELD")
    assert errors("validations", {**validation, "criteria": []}) == {
        "criteria": ["Indiquer au moins un critère d'éligibilité (DELD, BRSA, QPV...)."]
    }
    evidence = [{"criterion": "BRSA", "document": "Attestation CAF", "dated": "2025-03-01"}]
    assert errors("validations", {**validation, "evidence": evidence})["evidence"][0].startswith(
        "Le justificatif « Attestation CAF » porte sur le critère « Bénéficiaire du RSA »"
    )
    assert errors("validations", {**validation, "evidence": [{"criterion": "DELD"}]}) == {
        "evidence": {"0": {"document": ["Champ obligatoire."], "dated": ["Champ obligatoire."]}}
    }
    assert errors("validations", {**validation, "valid_until": "2025-03-01"}) == {
        "valid_until": [
            "La fin de validité (01/03/2025) doit être postérieure à la date de validation "
            "(10/03/2025)."
        ]
    }
    ancient = [{"criterion": "DELD", "document": "Attestation", "dated": "0001-01-01"}]
    assert errors(
        "validations", {**validation, "validated_on": "0001-01-01", "evidence": ancient}
    ) == {
        "validated_on": ["Date entre le 01/01/1900 et le 31/12/2100 attendue."],
        "evidence": {"0": {"dated": ["Date entre le 01/01/1900 et le 31/12/2100 attendue."]}},
    }
    refusal = {"sectors": ["BTP"], "reason": "AUTRE", "refused_on": "2025-03-10"}
    other = {"reason_text": ["Préciser le motif du refus (motif « Autre »)."]}
    assert errors("refusals", refusal) == other
    assert errors("refusals", {**refusal, "reason_text": "   "}) == other
    assert errors("refusals", {**refusal, "reason": "PAS_LE_BON"})["reason"][0].startswith(
        "Valeur inconnue"
    )
    assert errors("plie-links", {"entry_date": "2025-02-30", "referent": ""}) == {
        "entry_date": ["Date invalide : format AAAA-MM-JJ attendu."],
        "referent": ["Entre 1 et 200 caractères."],
    }
    assert person(client, fac, lea, "2025-06-01")["version"] == 1  # nothing was recorded

    backwards = client.get("/api/v1/orientations?from=2025-12-31&to=2025-01-01", headers=fac)
    assert backwards.status_code == 422
    assert backwards.json["errors"] == {
        "to": ["La fin de période doit être postérieure ou égale à son début."]
    }
    missing = client.get("/api/v1/validation-outcomes?to=2025-01-01", headers=fac)
    assert missing.status_code == 422 and missing.json["errors"] == {"from": ["Champ obligatoire."]}
    nobody = client.post(
        f"/api/v1/people/{uuid.uuid4()}/orientations", json=orientation, headers=fac
    )
    assert nobody.status_code == 404 and nobody.json["message"] == "Personne introuvable."
    stale = client.post(
        f"{url}/orientations", json={**orientation, "expected_version": 0}, headers=fac
    )
    assert stale.status_code == 409


def test_plie_link_starts_and_ends(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    lea = register(client, fac)
    jean = register(client, fac, JEAN)
    started = client.post(
        f"/api/v1/people/{lea}/plie-links",
        json={"entry_date": "2025-02-01", "referent": "Claire Dubois"},
        headers=fac,
    )
    assert started.status_code == 201, started.json
    link = started.json["link_id"]
    again = client.post(
        f"/api/v1/people/{lea}/plie-links",
        json={"entry_date": "2025-03-01", "referent": "Claire Dubois"},
        headers=fac,
    )
    assert again.status_code == 422
    assert again.json["errors"]["entry_date"][0].startswith(
        "Un accompagnement PLIE est déjà en cours depuis le 01/02/2025"
    )
    linked = person(client, fac, lea, "2025-03-01")
    assert linked["plie_linked"] is True
    assert linked["plie_links"] == [
        {
            "link_id": link,
            "person_id": lea,
            "entry_date": "2025-02-01",
            "exit_date": None,
            "referent": "Claire Dubois",
            "reason": None,
            "active": True,
        }
    ]
    assert listed(client, fac, "plie_linked=true") == (1, [lea])
    assert listed(client, fac, "plie_linked=false") == (1, [jean])
    item = client.get("/api/v1/people?search=martin", headers=fac).json["items"][0]
    assert item["plie_linked"] is True

    end_url = f"/api/v1/people/{lea}/plie-links/{link}/end"
    missing = client.post(end_url, json={"exit_date": "2025-08-31"}, headers=fac)
    assert missing.status_code == 422 and missing.json["errors"] == {
        "reason": ["Champ obligatoire."]
    }
    ended = client.post(
        end_url, json={"exit_date": "2025-08-31", "reason": "Emploi durable"}, headers=fac
    )
    assert ended.status_code == 200, ended.json
    assert ended.json["link_id"] == link
    after = person(client, fac, lea, "2025-09-10")["plie_links"][0]
    assert (after["exit_date"], after["reason"], after["active"]) == (
        "2025-08-31",
        "Emploi durable",
        False,
    )
    assert person(client, fac, lea, "2025-08-31")["plie_links"][0]["active"] is True
    twice = client.post(end_url, json={"exit_date": "2025-09-01", "reason": "X"}, headers=fac)
    assert twice.status_code == 422 and "déjà clos" in twice.json["message"]
    unknown = client.post(
        f"/api/v1/people/{lea}/plie-links/{uuid.uuid4()}/end",
        json={"exit_date": "2025-09-01", "reason": "X"},
        headers=fac,
    )
    assert unknown.status_code == 404
    assert unknown.json["message"] == "Accompagnement PLIE introuvable pour cette personne."
    assert listed(client, fac, "plie_linked=true") == (1, [lea])  # a past link still counts


def test_plie_team_reads_only_its_participants(app, as_role):
    client, fac, plie = app.test_client(), as_role("facilitator"), as_role("plie")
    lea = register(client, fac)
    jean = register(client, fac, JEAN)
    client.post(
        f"/api/v1/people/{lea}/plie-links",
        json={"entry_date": "2025-01-10", "referent": "Claire Dubois"},
        headers=fac,
    )
    orient(client, fac, lea, "2025-02-01", kind="PLIE_REFERENT")
    orient(client, fac, jean, "2025-02-03")
    validate(client, fac, lea, "2025-02-10")
    validate(client, fac, jean, "2025-02-10")

    participant = person(client, plie, lea, "2025-03-01")
    assert (participant["last_name"], participant["eligibility"]["status"]) == (
        "Martin",
        "VALIDATED",
    )
    assert len(participant["orientations"]) == 1 and participant["plie_links"][0]["active"]
    hidden = client.get(f"/api/v1/people/{jean}", headers=plie)
    assert hidden.status_code == 404 and hidden.json["message"] == "Personne introuvable."
    assert "Petit" not in hidden.get_data(as_text=True)
    assert listed(client, plie) == (1, [lea])
    assert listed(client, plie, "search=petit") == (0, [])
    assert listed(client, plie, "pending=false") == (1, [lea])

    period = client.get(f"/api/v1/orientations?{YEAR}", headers=plie).json
    assert [o["person_id"] for o in period["items"]] == [lea] and period["total"] == 1
    assert client.get(f"/api/v1/orientations?{YEAR}", headers=fac).json["total"] == 2
    outcomes = client.get(f"/api/v1/validation-outcomes?{YEAR}", headers=plie).json
    assert {s["sector"]: s["validated"] for s in outcomes["sectors"]}["BTP"] == 1
    everyone = client.get(f"/api/v1/validation-outcomes?{YEAR}", headers=fac).json
    assert {s["sector"]: s["validated"] for s in everyone["sectors"]}["BTP"] == 2

    for path, body in (
        ("orientations", {"prescriber_name": "X", "prescriber_kind": "CCAS"}),
        ("validations", {}),
        ("refusals", {}),
        ("plie-links", {}),
    ):
        assert (
            client.post(f"/api/v1/people/{lea}/{path}", json=body, headers=plie).status_code == 403
        )
    assert client.get(f"/api/v1/people/{lea}/history", headers=plie).status_code == 403


@pytest.fixture
def contracts(app, territory):
    """Léa works for the company account's company, Sarah is put at its disposal by an
    ETTI, Jean works for another company."""
    t = Territory(app.extensions["clauses"].store)
    own = t.company("Bâti Dijon", siret=COMPANY_SIRET)
    other = t.company("Façades de Bourgogne")
    etti = t.company("ETTI Côte-d'Or", CompanyKind.ETTI)
    market = t.market(territory["own_buyer"], "2024-BTP-01")
    lot1, lot2 = t.lot(market, own, "1"), t.lot(market, other, "2")
    people = {}
    for key, identity in (
        ("lea", ("Martin", "Léa", date(1990, 1, 15))),
        ("jean", ("Petit", "Jean", date(1965, 1, 1))),
        ("sarah", ("Roux", "Sarah", date(1985, 7, 1))),
        ("karim", ("Bernard", "Karim", date(1970, 2, 1))),
    ):
        people[key] = t.person(*identity)
        t.validate(people[key])
        t.orient(people[key])
    start = date(2024, 3, 1)
    t.contract(people["lea"], own, market, lot1, start, ContractType.CDI, Modality.EMBAUCHE_DIRECTE)
    t.contract(people["jean"], other, market, lot2, start)
    mad = Modality.MISE_A_DISPOSITION
    t.contract(
        people["sarah"], etti, market, lot1, start, ContractType.CTTI, mad, user_siret=COMPANY_SIRET
    )
    return {key: str(value) for key, value in people.items()}


def test_company_reads_identity_of_its_contracts_people_only(app, as_role, contracts):
    client, company = app.test_client(), as_role("company")
    lea, sarah = contracts["lea"], contracts["sarah"]
    read = client.get(f"/api/v1/people/{lea}", headers=company)
    assert read.status_code == 200, read.json
    assert read.json == {
        "person_id": lea,
        "last_name": "Martin",
        "first_name": "Léa",
        "birth_date": "1990-01-15",
        "erased": False,
    }
    assert client.get(f"/api/v1/people/{sarah}", headers=company).json["last_name"] == "Roux"
    for key in ("jean", "karim"):
        hidden = client.get(f"/api/v1/people/{contracts[key]}", headers=company)
        assert hidden.status_code == 404 and hidden.json["message"] == "Personne introuvable."
    listing = client.get("/api/v1/people", headers=company).json
    assert listing["total"] == 2
    assert [sorted(item) for item in listing["items"]] == [
        ["birth_date", "erased", "first_name", "last_name", "person_id"]
    ] * 2
    assert {item["person_id"] for item in listing["items"]} == {lea, sarah}
    assert listed(client, company, "search=roux") == (1, [sarah])
    assert listed(client, company, "search=petit") == (0, [])
    for query in ("pending=true", "plie_linked=false"):
        assert client.get(f"/api/v1/people?{query}", headers=company).status_code == 403
    for url in (
        f"/api/v1/orientations?{YEAR}",
        f"/api/v1/validation-outcomes?{YEAR}",
        f"/api/v1/people/{lea}/history",
        f"/api/v1/people/{lea}/duplicates",
    ):
        assert client.get(url, headers=company).status_code == 403, url
    assert client.get(f"/api/v1/people/{lea}", headers=as_role("buyer")).status_code == 403
    facilitator = as_role("facilitator")
    assert client.get(f"/api/v1/people/{contracts['jean']}", headers=facilitator).status_code == 200
    # Erased, the person stays in the company's list, without a name.
    client.post(f"/api/v1/people/{lea}/erase", json={}, headers=facilitator)
    erased = client.get(f"/api/v1/people/{lea}", headers=company).json
    assert erased == {
        "person_id": lea,
        "last_name": None,
        "first_name": None,
        "birth_date": None,
        "erased": True,
    }
    assert listed(client, company)[0] == 2
