"""/api/v1/stats/hours and /api/v1/stats/people: breakdowns as strings with two decimals,
French 422 for unknown keys and bad periods, figures filtered by each role's scope."""

from __future__ import annotations

from datetime import date

import pytest

from events.catalog.contracts import ContractType, Modality
from events.catalog.people import PrescriberKind
from tests.conftest import SQL_BACKENDS
from tests.support.contract_world import build_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
YEAR = "from=2024-01&to=2024-12"


@pytest.fixture
def world(app, territory):
    """C1 P1 A M1/L1: 03: 7,50  04: 151,67 (0,10 training)
    C2 P2 ETTI→B M2/L2 CTTI: 05: 80 (20,25 training, not counted on M2)
    C3 P2 B M2/L2 CDDI: 03: 42,42   06: 10 (withdrawn)"""
    w = build_world(app, territory)
    t = w.t
    t.orient(w.p1, PrescriberKind.PLIE_REFERENT)
    c1 = t.contract(w.p1, w.a, w.m1, w.l1, date(2024, 3, 1))
    c2 = t.contract(
        w.p2,
        w.etti,
        w.m2,
        w.l2,
        date(2024, 5, 1),
        ContractType.CTTI,
        Modality.MISE_A_DISPOSITION,
        user_siret=w.b.siret,
    )
    c3 = t.contract(w.p2, w.b, w.m2, w.l2, date(2024, 3, 1))
    t.hours(c1, date(2024, 3, 1), "7.5")
    t.hours(c1, date(2024, 4, 1), "151.67", "0.1")
    t.hours(c2, date(2024, 5, 1), "80", "20.25")
    t.hours(c3, date(2024, 3, 1), "42.42")
    t.hours(c3, date(2024, 6, 1), "10")
    t.withdraw(c3, date(2024, 6, 1))
    return w


@pytest.fixture
def client(app):
    return app.test_client()


def stats(client, headers, query: str):
    response = client.get(f"/api/v1/stats/hours?{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_hours_by_buyer_and_market_in_exact_hundredths(client, as_role, world):
    result = stats(client, as_role("facilitator"), f"by=buyer,market&{YEAR}")
    assert (result["from"], result["to"], result["by"]) == (
        "2024-01",
        "2024-12",
        ["buyer", "market"],
    )
    rows = {(r["buyer"], r["market"]): r for r in result["rows"]}
    m1 = rows[(str(world.own_buyer), str(world.m1))]
    assert (m1["hours"], m1["counted_hours"], m1["training_hours"], m1["contracts"]) == (
        "159.17",
        "159.17",
        "0.10",
        1,
    )
    assert m1["labels"] == {
        "buyer": "Dijon Métropole",
        "market": "2024-BTP-01 — Marché 2024-BTP-01",
    }
    m2 = rows[(str(world.other_buyer), str(world.m2))]
    assert (m2["hours"], m2["counted_hours"], m2["training_hours"], m2["contracts"]) == (
        "122.42",
        "102.17",
        "20.25",
        2,
    )
    assert result["total"] == {
        "hours": "281.59",
        "counted_hours": "261.34",
        "training_hours": "20.35",
        "contracts": 3,
    }


def test_hours_by_month_and_contract_type_over_a_period(client, as_role, world):
    result = stats(client, as_role("facilitator"), "by=month,contract_type&from=2024-03&to=2024-04")
    assert [(r["month"], r["contract_type"], r["counted_hours"]) for r in result["rows"]] == [
        ("2024-03", "CDDI", "49.92"),
        ("2024-04", "CDDI", "151.67"),
    ]
    assert result["rows"][0]["labels"] == {
        "month": "mars 2024",
        "contract_type": "CDDI (CDD d'insertion)",
    }
    by_lot = stats(client, as_role("facilitator"), f"by=lot,employer_kind,company&{YEAR}")
    labelled = sorted(
        (r["labels"]["lot"], r["labels"]["employer_kind"], r["labels"]["company"], r["hours"])
        for r in by_lot["rows"]
    )  # rows come sorted by ids: compare them as a sorted list
    assert labelled == [
        ("2024-BTP-01 — lot 1", "Entreprise", "Bâti Dijon", "159.17"),
        ("2024-SRV-07 — lot 1", "Entreprise", "Propreté Bourgogne", "42.42"),
        (
            "2024-SRV-07 — lot 1",
            "Entreprise de travail temporaire d'insertion (ETTI)",
            "ID Intérim",
            "80.00",
        ),
    ]
    empty = stats(client, as_role("facilitator"), "by=market&from=2023-01&to=2023-12")
    assert empty["rows"] == [] and empty["total"]["counted_hours"] == "0.00"


def test_unknown_key_and_bad_periods_are_422_in_french(client, as_role, world):
    headers = as_role("facilitator")
    unknown = client.get(f"/api/v1/stats/hours?by=market,personne&{YEAR}", headers=headers)
    assert unknown.status_code == 422
    assert unknown.json["errors"]["by"][0].startswith(
        "Regroupement inconnu : personne. Regroupements possibles : buyer, market"
    )
    reversed_period = client.get("/api/v1/stats/hours?from=2024-06&to=2024-01", headers=headers)
    assert reversed_period.json["errors"] == {"from": ["Le mois de début suit le mois de fin."]}
    missing = client.get("/api/v1/stats/people", headers=headers)
    assert missing.status_code == 422
    assert missing.json["errors"] == {"from": ["Champ obligatoire."], "to": ["Champ obligatoire."]}
    bad = client.get("/api/v1/stats/people?from=2024-13&to=janvier", headers=headers)
    assert bad.status_code == 422 and bad.json["errors"]["to"][0].startswith("Mois invalide")


def test_hours_stats_are_filtered_by_scope(client, as_role, world):
    buyer = stats(client, as_role("buyer"), f"by=market&{YEAR}")
    assert [(r["market"], r["counted_hours"]) for r in buyer["rows"]] == [(str(world.m1), "159.17")]
    other = stats(client, as_role("buyer"), f"by=market&buyer_id={world.other_buyer}&{YEAR}")
    assert other["rows"] == [] and other["total"]["contracts"] == 0
    company_a = stats(client, as_role("company"), f"by=market&{YEAR}")
    assert company_a["total"]["counted_hours"] == "159.17"
    company_b = stats(client, world.company_b(), f"by=company&{YEAR}")
    assert [(r["company"], r["counted_hours"]) for r in company_b["rows"]] == sorted(
        [(str(world.b.company_id), "42.42"), (str(world.etti.company_id), "59.75")]
    )
    spying = stats(client, world.company_b(), f"company_id={world.a.company_id}&{YEAR}")
    assert spying["total"]["contracts"] == 0
    plie = stats(client, as_role("plie"), f"by=market&{YEAR}")
    assert plie["total"]["counted_hours"] == "159.17"  # P1's hours only
    facilitator = stats(client, as_role("facilitator"), f"market_id={world.m2}&{YEAR}")
    assert facilitator["total"]["counted_hours"] == "102.17"
    assert client.get(f"/api/v1/stats/hours?{YEAR}", headers=as_role("admin")).status_code == 403


def test_people_breakdown(client, as_role, world):
    response = client.get(f"/api/v1/stats/people?{YEAR}", headers=as_role("facilitator"))
    assert response.status_code == 200, response.json
    people = response.json
    assert (people["people"], people["contracts"], people["counted_hours"]) == (2, 3, "261.34")
    assert people["by_sex"] == {"F": 1, "M": 1}
    assert people["by_age"] == {"26-44": 1, "<26": 1}
    assert (people["qpv"], people["by_qpv"]) == (1, {"Dijon – Grésilles": 1})
    assert (people["plie"], people["plie_hours"], people["rsa"], people["rqth"]) == (
        1,
        "159.17",
        1,
        0,
    )
    assert people["by_prescriber"] == {"PLIE_REFERENT": 1, "aucune": 1}


def test_people_breakdown_follows_the_scopes(client, as_role, world):
    buyer = client.get(f"/api/v1/stats/people?{YEAR}", headers=as_role("buyer")).json
    assert (buyer["people"], buyer["by_sex"], buyer["counted_hours"]) == (1, {"F": 1}, "159.17")
    assert "Martin" not in str(buyer)
    plie = client.get("/api/v1/stats/people?from=2024-05&to=2024-12", headers=as_role("plie"))
    assert plie.status_code == 200 and plie.json["people"] == 0  # P1 has no hours after April
    for role in ("company", "admin"):
        response = client.get(f"/api/v1/stats/people?{YEAR}", headers=as_role(role))
        assert response.status_code == 403, role
