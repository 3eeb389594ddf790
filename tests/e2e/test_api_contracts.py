"""/api/v1/contracts: start (eligibility, override), list and filters, one contract with its
hours and exits, extend, end, history, exits; scopes of every role."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest

from clauses_service.commands.contracts import RecordExit
from clauses_service.handlers.base import PARIS
from events.catalog.contracts import ContractType, ExitOutcome, ExitStage, Modality
from tests.conftest import SQL_BACKENDS
from tests.support.contract_world import build_world, start_body

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


@pytest.fixture
def world(app, territory):
    return build_world(app, territory)


@pytest.fixture
def client(app):
    return app.test_client()


def start(client, as_role, body, **headers):
    return client.post("/api/v1/contracts", json=body, headers=as_role("facilitator", **headers))


def test_refused_without_eligibility_then_accepted_with_an_override(client, as_role, world):
    body = start_body(world, world.p3, world.a, world.m1, world.l1)
    refused = start(client, as_role, body)
    assert refused.status_code == 422
    assert refused.json["message"].startswith("Cette personne n'a jamais été validée")
    assert "motif de dérogation" in refused.json["message"]
    assert list(refused.json["errors"]) == ["person_id"]

    reason = "Avis motivé du référent PLIE : parcours en cours de validation"
    accepted = start(client, as_role, {**body, "eligibility_override": reason})
    assert accepted.status_code == 201, accepted.json
    assert accepted.json["eligibility_override"] == reason and accepted.json["version"] == 1

    read = client.get(
        f"/api/v1/contracts/{accepted.json['contract_id']}", headers=as_role("facilitator")
    ).json
    assert read["eligibility_override"] == reason
    assert read["person"]["last_name"] == "Petit" and read["person"]["birth_date"] == "1985-03-03"
    assert (read["contract_type"], read["contract_type_label"]) == (
        "CDDI",
        "CDDI (CDD d'insertion)",
    )
    assert (read["weekly_hours"], read["hours"], read["counted_hours"]) == ("35.00", "0.00", "0.00")
    assert (read["hour_lines"], read["exits"], read["version"]) == ([], [], 1)


def test_an_eligible_person_needs_no_override_and_none_is_kept(client, as_role, world):
    body = start_body(world, world.p1, world.a, world.m1, world.l1, eligibility_override="inutile")
    created = start(client, as_role, body)
    assert created.status_code == 201 and created.json["eligibility_override"] is None


def test_invalid_start_bodies_are_422_in_french(client, as_role, world):
    body = start_body(world, world.p1, world.a, world.m1, world.l1)
    bad = start(
        client, as_role, {**body, "contract_type": "INTERIM", "start_date": "01/03/2024", "x": 1}
    )
    assert bad.status_code == 422
    errors = bad.json["errors"]
    assert "Valeur inconnue" in errors["contract_type"][0] and "CDDI" in errors["contract_type"][0]
    assert errors["start_date"] == ["Date invalide : format AAAA-MM-JJ attendu."]
    assert errors["x"] == ["Champ inconnu."]
    provided = start(client, as_role, {**body, "modality": "MISE_A_DISPOSITION"})
    assert provided.status_code == 422
    assert provided.json["errors"] == {
        "user_siret": [
            "Pour une mise à disposition, indiquez le SIRET de l'entreprise utilisatrice."
        ]
    }
    unknown = start(client, as_role, {**body, "employer_siret": "12345678901234"})
    assert unknown.status_code == 404 and "12345678901234" in unknown.json["message"]
    huge = start(client, as_role, {**body, "weekly_hours": "1e30"})
    assert huge.status_code == 422 and huge.json["errors"]["weekly_hours"]
    too_long = start(client, as_role, {**body, "weekly_hours": "60"})
    assert too_long.status_code == 422 and "48" in too_long.json["errors"]["weekly_hours"][0]


def _contracts(world):
    """C1 P1 A M1/L1 CDDI 03→08/2024; C2 P2 ETTI→B M2/L2 CTTI 05/2024; C3 P2 B M2/L2 CDI
    01/2024 ended 30/04/2024."""
    t = world.t
    c1 = t.contract(
        world.p1, world.a, world.m1, world.l1, date(2024, 3, 1), planned_end=date(2024, 8, 31)
    )
    c2 = t.contract(
        world.p2,
        world.etti,
        world.m2,
        world.l2,
        date(2024, 5, 1),
        ContractType.CTTI,
        Modality.MISE_A_DISPOSITION,
        user_siret=world.b.siret,
    )
    c3 = t.contract(
        world.p2,
        world.b,
        world.m2,
        world.l2,
        date(2024, 1, 15),
        ContractType.CDI,
        Modality.EMBAUCHE_DIRECTE,
    )
    t.end(c3, date(2024, 4, 30))
    return str(c1), str(c2), str(c3)


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [c["contract_id"] for c in response.json["items"]]


def test_list_filters_and_pagination(client, as_role, world):
    c1, c2, c3 = _contracts(world)
    headers = as_role("facilitator")

    def listed(query=""):
        return _ids(client.get(f"/api/v1/contracts{query}", headers=headers))

    assert listed() == [c2, c1, c3]  # latest start first
    assert listed(f"?person_id={world.p2}") == [c2, c3]
    assert listed(f"?company_id={world.b.company_id}") == [c2, c3]  # user company or employer
    assert listed(f"?company_id={world.a.company_id}") == [c1]
    assert listed(f"?market_id={world.m1}") == [c1]
    assert listed(f"?lot_id={world.l2}") == [c2, c3]
    assert listed("?type=CTTI") == [c2]
    assert listed("?running_on=2024-04-15") == [c1, c3]
    assert listed("?running_on=2024-09-01") == [c2]  # C1 planned to end 31/08, C2 open-ended
    page = client.get("/api/v1/contracts?page=2&page_size=2", headers=headers).json
    assert (page["total"], [c["contract_id"] for c in page["items"]]) == (3, [c3])
    bad = client.get("/api/v1/contracts?type=X&running_on=hier", headers=headers)
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"type", "running_on"}


def test_extend_end_stale_version_and_history(client, as_role, world):
    created = start(client, as_role, start_body(world, world.p1, world.a, world.m1, world.l1))
    url = f"/api/v1/contracts/{created.json['contract_id']}"
    headers = as_role("facilitator")
    extended = client.post(
        f"{url}/extend",
        json={"planned_end": "2024-12-31", "reason": "Chantier prolongé", "expected_version": 1},
        headers=headers,
    )
    assert extended.status_code == 200 and extended.json["version"] == 2
    stale = client.post(
        f"{url}/end",
        json={"end_date": "2024-10-31", "reason": "DEMISSION", "expected_version": 1},
        headers=headers,
    )
    assert stale.status_code == 409 and "version attendue 1" in stale.json["message"]
    before = client.post(
        f"{url}/end", json={"end_date": "2024-01-31", "reason": "DEMISSION"}, headers=headers
    )
    assert before.status_code == 422
    assert before.json["errors"]["end_date"] == [
        "La date de fin (31/01/2024) précède le début du contrat (01/03/2024)."
    ]
    ended = client.post(
        f"{url}/end",
        json={"end_date": "2024-10-31", "reason": "DEMISSION", "expected_version": 2},
        headers=headers,
    )
    assert ended.status_code == 200 and ended.json["version"] == 3
    read = client.get(url, headers=headers).json
    assert (read["planned_end"], read["end_date"], read["end_reason_label"]) == (
        "2024-12-31",
        "2024-10-31",
        "Démission",
    )
    history = client.get(f"{url}/history", headers=headers).json
    assert [h["event_type"] for h in history] == [
        "ContractStarted",
        "ContractExtended",
        "ContractEnded",
    ]
    assert history[1]["actor"] == "facilitator@example.org"
    assert history[1]["data"]["reason"] == "Chantier prolongé"
    assert client.get(f"{url}/history", headers=as_role("company")).status_code == 403


def test_idempotency_key_replays_the_start(client, as_role, world):
    body = start_body(world, world.p1, world.a, world.m1, world.l1)
    first = start(client, as_role, body, **{"Idempotency-Key": "contrat-1"})
    again = start(client, as_role, body, **{"Idempotency-Key": "contrat-1"})
    assert first.status_code == again.status_code == 201
    assert again.json["contract_id"] == first.json["contract_id"] and again.json["replayed"]
    listing = client.get("/api/v1/contracts", headers=as_role("facilitator")).json
    assert listing["total"] == 1


def test_exits_are_recorded_and_shown_with_the_contract(client, as_role, world):
    c1, _, c3 = _contracts(world)
    headers = as_role("facilitator")
    open_ended = client.post(
        f"/api/v1/contracts/{c3}/exits",
        json={"stage": "SIX_MONTHS", "outcome": "CDI", "observed_on": "2024-06-01"},
        headers=headers,
    )
    assert open_ended.status_code == 422
    assert open_ended.json["errors"]["observed_on"][0].startswith(
        "Le suivi à six mois se constate au plus tôt le 30/09/2024"
    )
    recorded = client.post(
        f"/api/v1/contracts/{c3}/exits",
        json={
            "stage": "AT_END",
            "outcome": "CDI",
            "observed_on": "2024-04-30",
            "detail": "Embauché",
        },
        headers=headers,
    )
    assert recorded.status_code == 201 and recorded.json["positive"] is True
    twice = client.post(
        f"/api/v1/contracts/{c3}/exits",
        json={"stage": "AT_END", "outcome": "INTERIM", "observed_on": "2024-05-02"},
        headers=headers,
    )
    assert twice.status_code == 409
    read = client.get(f"/api/v1/contracts/{c3}", headers=headers).json
    assert read["exits"] == [
        {
            "stage": "AT_END",
            "stage_label": "À la fin du contrat",
            "outcome": "CDI",
            "outcome_label": "CDI",
            "positive": True,
            "observed_on": "2024-04-30",
            "detail": "Embauché",
        }
    ]
    as_buyer = client.get(f"/api/v1/contracts/{c3}", headers=as_role("buyer"))
    assert as_buyer.status_code == 404  # C3 is on the other buyer's market
    world.t.run(
        RecordExit(
            contract_id=uuid.UUID(c1),
            stage=ExitStage.AT_END,
            outcome=ExitOutcome.RECHERCHE_EMPLOI,
            observed_on=date(2024, 5, 15),
            detail="Suivie par la Mission locale",
        )
    )
    facilitator_view = client.get(f"/api/v1/contracts/{c1}", headers=headers).json["exits"]
    assert facilitator_view[0]["detail"] == "Suivie par la Mission locale"
    buyer_view = client.get(f"/api/v1/contracts/{c1}", headers=as_role("buyer")).json["exits"]
    assert [(e["outcome"], e["detail"]) for e in buyer_view] == [("RECHERCHE_EMPLOI", None)]
    today = client.post(
        f"/api/v1/contracts/{c3}/exits",
        json={"stage": "SIX_MONTHS", "outcome": "FORMATION_QUALIFIANTE"},
        headers=headers,
    )  # observed today by default (after the end + 5 months)
    assert today.status_code == 201, today.json
    six = client.get(f"/api/v1/contracts/{c3}", headers=headers).json["exits"][1]
    today_in_paris = datetime.now(PARIS).date().isoformat()
    assert (six["stage"], six["observed_on"]) == ("SIX_MONTHS", today_in_paris)
    period = client.get("/api/v1/exits?from=2024-04-01&to=2024-05-31", headers=headers).json
    assert (period["total"], period["positive"], period["qpv"], period["positive_qpv"]) == (
        2,
        1,
        1,
        0,
    )
    assert [(o["outcome"], o["count"]) for o in period["by_outcome"]] == [
        ("CDI", 1),
        ("RECHERCHE_EMPLOI", 1),
    ]
    at_end = client.get("/api/v1/exits?from=2024-05-01&to=2024-05-31&stage=AT_END", headers=headers)
    assert at_end.json["total"] == 1 and at_end.json["stage"] == "AT_END"
    buyer = client.get("/api/v1/exits?from=2024-01-01&to=2024-12-31", headers=as_role("buyer"))
    assert buyer.json["total"] == 1  # C1 only: C3 is on the other buyer's market
    plie = client.get("/api/v1/exits?from=2024-01-01&to=2024-12-31", headers=as_role("plie"))
    assert plie.json["total"] == 1  # P1 is the PLIE participant
    assert (
        client.get(
            "/api/v1/exits?from=2024-01-01&to=2024-12-31", headers=as_role("company")
        ).status_code
        == 403
    )
    reversed_period = client.get("/api/v1/exits?from=2024-12-01&to=2024-01-01", headers=headers)
    assert reversed_period.status_code == 422 and reversed_period.json["errors"]["from"]
    company = client.post(
        f"/api/v1/contracts/{c1}/exits",
        json={"stage": "SIX_MONTHS", "outcome": "CDI", "observed_on": "2025-06-01"},
        headers=as_role("company"),
    )
    assert company.status_code == 403


def test_company_sees_only_contracts_of_its_companies(client, as_role, world):
    c1, c2, c3 = _contracts(world)
    assert _ids(client.get("/api/v1/contracts", headers=as_role("company"))) == [c1]
    assert _ids(client.get("/api/v1/contracts", headers=world.company_b())) == [c2, c3]
    own = client.get(f"/api/v1/contracts/{c1}", headers=as_role("company")).json
    assert own["person"] == {
        "person_id": str(world.p1),
        "last_name": "Martin",
        "first_name": "Léa",
        "birth_date": "1990-01-15",
        "erased": False,
    }
    for url in (f"/api/v1/contracts/{c1}", f"/api/v1/contracts/{c1}/hours"):
        hidden = client.get(url, headers=world.company_b())
        assert hidden.status_code == 404 and hidden.json["message"] == "Contrat introuvable."
    # Filtering on another company's id gives nothing, not its contracts.
    assert (
        _ids(
            client.get(
                f"/api/v1/contracts?company_id={world.a.company_id}", headers=world.company_b()
            )
        )
        == []
    )
    body = start_body(world, world.p1, world.a, world.m1, world.l1)
    assert (
        client.post("/api/v1/contracts", json=body, headers=as_role("company")).status_code == 403
    )
    end = client.post(
        f"/api/v1/contracts/{c1}/end",
        json={"end_date": "2024-06-30", "reason": "TERME"},
        headers=as_role("company"),
    )
    assert end.status_code == 403


def test_buyer_sees_contracts_of_its_markets_without_the_person(client, as_role, world):
    c1, c2, _ = _contracts(world)
    listing = client.get("/api/v1/contracts", headers=as_role("buyer")).json
    assert [c["contract_id"] for c in listing["items"]] == [c1]
    assert (listing["items"][0]["person_id"], listing["items"][0]["person"]) == (None, None)
    one = client.get(f"/api/v1/contracts/{c1}", headers=as_role("buyer")).json
    assert one["person"] is None and one["person_id"] is None and "Martin" not in str(one)
    assert client.get(f"/api/v1/contracts/{c2}", headers=as_role("buyer")).status_code == 404


def test_plie_reads_contracts_of_participants_only_and_admin_nothing(client, as_role, world):
    c1, c2, _ = _contracts(world)
    assert _ids(client.get("/api/v1/contracts", headers=as_role("plie"))) == [c1]
    assert client.get(f"/api/v1/contracts/{c2}", headers=as_role("plie")).status_code == 404
    read = client.get(f"/api/v1/contracts/{c1}", headers=as_role("plie")).json
    assert read["person"]["last_name"] == "Martin"
    extend = client.post(
        f"/api/v1/contracts/{c1}/extend",
        json={"planned_end": "2024-12-31", "reason": "x"},
        headers=as_role("plie"),
    )
    assert extend.status_code == 403
    assert client.get("/api/v1/contracts", headers=as_role("admin")).status_code == 403


def test_unknown_contract_is_404_never_500(client, as_role, world):
    headers = as_role("facilitator")
    missing = uuid.uuid4()
    assert client.get(f"/api/v1/contracts/{missing}", headers=headers).status_code == 404
    assert client.get("/api/v1/contracts/12345", headers=headers).status_code == 404
    extend = client.post(
        f"/api/v1/contracts/{missing}/extend",
        json={"planned_end": "2024-12-31", "reason": "x"},
        headers=headers,
    )
    assert extend.status_code == 404 and extend.json["message"] == "Contrat introuvable."
