"""/api/v1/markets: markets, counting rules, lots, amendments, progress; scopes by role.

The world (seeded through commands; the company account holds COMPANY_SIRET):

    Dijon Métropole (own buyer)   2024-BTP-01  L1 Bâti Dijon (the account) 1 000 h manual
                                               L2 Façades de Bourgogne     500,00 h computed
    Ville de Talant (other buyer) 2024-SRV-07  L1 Façades de Bourgogne     300 h manual
    Hours (CDD, direct hire): L1 March 100, April 120; L2 April 40,25.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from events.catalog.contracts import ContractType, Modality
from events.catalog.sectors import Sector
from tests.conftest import SQL_BACKENDS
from tests.e2e.conftest import COMPANY_SIRET
from tests.support.territory import CompanyRef, Territory, luhn_siret

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

D = Decimal
MARCH, APRIL = date(2024, 3, 1), date(2024, 4, 1)
URL = "/api/v1/markets"


@dataclass
class World:
    own_company: CompanyRef
    rival: CompanyRef
    m_own: uuid.UUID
    m_other: uuid.UUID
    l1: uuid.UUID
    l2: uuid.UUID
    l3: uuid.UUID


@pytest.fixture
def world(app, territory) -> World:
    t = Territory(app.extensions["clauses"].store)
    own_company = t.company("Bâti Dijon", siret=COMPANY_SIRET)
    rival = t.company("Façades de Bourgogne")
    m_own = t.market(territory["own_buyer"], "2024-BTP-01", title="Tramway ligne 3")
    m_other = t.market(territory["other_buyer"], "2024-SRV-07", Sector.SERVICES)
    l1 = t.lot(m_own, own_company, "1", manual_hours=D("1000"))
    l2 = t.lot(m_own, rival, "2")
    l3 = t.lot(m_other, rival, "1", manual_hours=D("300"))
    direct = {"contract_type": ContractType.CDD, "modality": Modality.EMBAUCHE_DIRECTE}
    lea, karim = t.person("Martin", "Léa"), t.person("Bernard", "Karim")
    t.validate(lea)
    t.validate(karim)
    c1 = t.contract(lea, own_company, m_own, l1, MARCH, **direct)
    c2 = t.contract(karim, rival, m_own, l2, APRIL, **direct)
    t.hours(c1, MARCH, "100")
    t.hours(c1, APRIL, "120")
    t.hours(c2, APRIL, "40.25")
    return World(own_company, rival, m_own, m_other, l1, l2, l3)


def new_market(client, headers, buyer_id, **overrides) -> dict:
    body = {
        "buyer_id": str(buyer_id),
        "reference": "2025-PI-04",
        "title": "Assistance à maîtrise d'ouvrage",
        "kind": "PRESTATIONS_INTELLECTUELLES",
        "start_date": "2025-01-01",
        "end_date": "2027-12-31",
        **overrides,
    }
    return client.post(URL, json=body, headers=headers)


LOT = {
    "number": "3",
    "title": "Gros œuvre",
    "awarded_siret": COMPANY_SIRET,
    "amount_excl_vat": "1000000",
    "labour_share": "0.5",
    "insertion_rate": "0.05",
    "hourly_cost": "30",
}


# ---- markets ----------------------------------------------------------------------------
def test_register_a_market_with_default_counting_rules_and_read_it(app, as_role, territory):
    client, fac = app.test_client(), as_role("facilitator")
    created = new_market(client, fac, territory["own_buyer"])
    assert created.status_code == 201, created.json
    assert created.json["version"] == 1
    market = client.get(f"{URL}/{created.json['market_id']}", headers=fac).json
    assert market["reference"] == "2025-PI-04" and market["buyer_name"] == "Dijon Métropole"
    assert market["kind"] == "PRESTATIONS_INTELLECTUELLES"
    assert market["kind_label"] == "Prestations intellectuelles"
    assert market["legal_basis"] == "L2112-2"
    assert market["legal_basis_label"] == "L2112-2 — condition d'exécution"
    assert market["counting_rules"] == {
        "cdi_counted_months": 12,
        "eligibility_months": 24,
        "training_hours_count": True,
        "warning_hours": "151.67",
        "refusal_hours": "200.00",
        "penalty_per_missing_hour": None,
    }
    assert market["lots"] == [] and market["required_hours"] == "0.00"
    assert (market["start_date"], market["end_date"]) == ("2025-01-01", "2027-12-31")


def test_register_with_given_rules_keeps_defaults_for_the_others(app, as_role, territory):
    client, fac = app.test_client(), as_role("facilitator")
    rules = {"cdi_counted_months": 6, "training_hours_count": False, "penalty_per_missing_hour": 45}
    created = new_market(
        client, fac, territory["own_buyer"], counting_rules=rules, legal_basis="R2152-7"
    )
    assert created.status_code == 201, created.json
    url = f"{URL}/{created.json['market_id']}/counting-rules"
    assert client.get(url, headers=fac).json == {
        "cdi_counted_months": 6,
        "eligibility_months": 24,
        "training_hours_count": False,
        "warning_hours": "151.67",
        "refusal_hours": "200.00",
        "penalty_per_missing_hour": "45.00",
    }


def test_bad_market_input_is_422_with_french_field_messages(app, as_role, territory):
    client, fac = app.test_client(), as_role("facilitator")
    backwards = new_market(client, fac, territory["own_buyer"], end_date="2024-12-31")
    assert backwards.status_code == 422
    assert backwards.json["errors"]["end_date"] == [
        "La date de fin (31/12/2024) est antérieure à la date de début (01/01/2025)."
    ]
    bad = new_market(
        client, fac, territory["own_buyer"], kind="BTP2", start_date="01/02/2025", extra=1
    )
    assert bad.status_code == 422
    errors = bad.json["errors"]
    assert errors["kind"][0].startswith("Valeur inconnue") and "BTP" in errors["kind"][0]
    assert errors["start_date"] == ["Date invalide : format AAAA-MM-JJ attendu."]
    assert errors["extra"] == ["Champ inconnu."]
    thresholds = new_market(
        client,
        fac,
        territory["own_buyer"],
        counting_rules={"warning_hours": "180", "refusal_hours": "170"},
    )
    assert thresholds.status_code == 422
    assert thresholds.json["errors"]["counting_rules"]["refusal_hours"] == [
        "Le seuil de refus mensuel (170,00 h) doit être supérieur au seuil d'alerte (180,00 h)."
    ]
    months = new_market(
        client, fac, territory["own_buyer"], counting_rules={"cdi_counted_months": 0}
    )
    assert (
        months.status_code == 422
        and "cdi_counted_months" in months.json["errors"]["counting_rules"]
    )
    nul = new_market(client, fac, territory["own_buyer"], title="Objet\u0000caché")
    assert nul.status_code == 422
    assert nul.json["errors"]["title"] == ["Caractères de contrôle ou invalides non acceptés."]
    unknown_buyer = new_market(client, fac, uuid.uuid4())
    assert unknown_buyer.status_code == 404 and "buyer_id" in unknown_buyer.json["errors"]
    nothing = client.get(URL, headers=fac).json
    assert nothing["total"] == 0


def test_a_market_reference_is_unique(app, as_role, territory):
    client, fac = app.test_client(), as_role("facilitator")
    assert new_market(client, fac, territory["own_buyer"]).status_code == 201
    again = new_market(client, fac, territory["other_buyer"], reference=" 2025-pi-04 ")
    assert again.status_code == 409
    assert again.json["errors"]["reference"] == [
        "Un marché est déjà enregistré avec la référence « 2025-pi-04 »."
    ]


def test_list_filters_by_buyer_kind_and_search(app, as_role, territory, world):
    client, fac = app.test_client(), as_role("facilitator")

    def refs(query: str) -> list[str]:
        return [m["reference"] for m in client.get(f"{URL}{query}", headers=fac).json["items"]]

    assert refs("") == ["2024-BTP-01", "2024-SRV-07"]
    assert refs(f"?buyer_id={territory['other_buyer']}") == ["2024-SRV-07"]
    assert refs("?kind=BTP") == ["2024-BTP-01"]
    assert refs("?search=tramway") == ["2024-BTP-01"]
    assert refs("?search=srv") == ["2024-SRV-07"]
    page = client.get(f"{URL}?page_size=1&page=2", headers=fac).json
    assert page["total"] == 2 and [m["reference"] for m in page["items"]] == ["2024-SRV-07"]
    first = client.get(URL, headers=fac).json["items"][0]
    assert first["lot_count"] == 2 and first["required_hours"] == "1500.00"
    assert client.get(f"{URL}?kind=TRAVAUX", headers=fac).status_code == 422


def test_patch_details_keeps_what_is_absent_and_409_when_stale(app, as_role, world):
    client, fac = app.test_client(), as_role("facilitator")
    url = f"{URL}/{world.m_own}"
    version = client.get(url, headers=fac).json["version"]
    changed = client.patch(
        url, json={"end_date": "2027-06-30", "expected_version": version}, headers=fac
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["version"] == version + 1
    market = client.get(url, headers=fac).json
    assert (market["title"], market["end_date"]) == ("Tramway ligne 3", "2027-06-30")
    stale = client.patch(url, json={"title": "Autre", "expected_version": version}, headers=fac)
    assert stale.status_code == 409 and f"version attendue {version}" in stale.json["message"]
    assert client.get(url, headers=fac).json["title"] == "Tramway ligne 3"
    backwards = client.patch(url, json={"start_date": "2028-01-01"}, headers=fac)
    assert backwards.status_code == 422 and "end_date" in backwards.json["errors"]


def test_put_replaces_counting_rules_and_patch_changes_some(app, as_role, world):
    client, fac = app.test_client(), as_role("facilitator")
    url = f"{URL}/{world.m_own}/counting-rules"
    patched = client.patch(
        url, json={"refusal_hours": "220.5", "cdi_counted_months": 6}, headers=fac
    )
    assert patched.status_code == 200, patched.json
    rules = client.get(url, headers=fac).json
    assert (rules["refusal_hours"], rules["cdi_counted_months"]) == ("220.50", 6)
    assert rules["eligibility_months"] == 24
    put = client.put(url, json={"eligibility_months": 18}, headers=fac)
    assert put.status_code == 200
    rules = client.get(url, headers=fac).json
    assert (rules["refusal_hours"], rules["cdi_counted_months"]) == ("200.00", 12)
    assert rules["eligibility_months"] == 18
    bad = client.patch(url, json={"warning_hours": "-3"}, headers=fac)
    assert bad.status_code == 422
    assert bad.json["errors"]["warning_hours"] == [
        "Le seuil d'alerte mensuel doit être supérieur à 0 heure."
    ]
    too_big = client.put(url, json={"refusal_hours": "1e9"}, headers=fac)
    assert too_big.status_code == 422
    assert too_big.json["errors"]["refusal_hours"] == ["Valeur trop grande : au plus 744."]


# ---- lots and amendments ----------------------------------------------------------------
def test_lot_hours_computed_and_manual_figure_wins(app, as_role, world):
    client, fac = app.test_client(), as_role("facilitator")
    url = f"{URL}/{world.m_own}/lots"
    computed = client.post(url, json=LOT, headers=fac)
    assert computed.status_code == 201, computed.json
    assert computed.json["computed_hours"] == "833.33"
    assert computed.json["required_hours"] == "833.33"
    assert computed.json["awarded_company_id"] == str(world.own_company.company_id)
    manual = client.post(url, json={**LOT, "number": "4", "manual_hours": "900"}, headers=fac)
    assert manual.status_code == 201, manual.json
    assert (manual.json["computed_hours"], manual.json["required_hours"]) == ("833.33", "900.00")
    lot = client.get(f"{url}/{manual.json['lot_id']}", headers=fac).json
    assert lot["number"] == "4" and lot["awarded_company_name"] == "Bâti Dijon"
    assert (lot["computed_hours"], lot["manual_hours"], lot["required_hours"]) == (
        "833.33",
        "900.00",
        "900.00",
    )
    assert (lot["amount_excl_vat"], lot["labour_share"], lot["insertion_rate"]) == (
        "1000000.00",
        "0.5",
        "0.05",
    )
    assert lot["hourly_cost"] == "30.00" and lot["amendments"] == []
    market = client.get(f"{URL}/{world.m_own}", headers=fac).json
    assert [x["number"] for x in market["lots"]] == ["1", "2", "3", "4"]
    assert market["required_hours"] == "3233.33"  # 1 000 + 500 + 833,33 + 900


def test_bad_lot_input_is_422_naming_the_field(app, as_role, world):
    client, fac = app.test_client(), as_role("facilitator")
    url = f"{URL}/{world.m_own}/lots"

    def refused(**changes) -> dict:
        response = client.post(url, json={**LOT, **changes}, headers=fac)
        assert response.status_code == 422, response.json
        return response.json["errors"]

    assert refused(labour_share="1.5")["labour_share"] == [
        "La part de main-d'œuvre est une fraction comprise entre 0 (exclu) et 1 : "
        "0,5 pour 50 %. Reçu : 1,5."
    ]
    assert refused(amount_excl_vat="-10")["amount_excl_vat"] == [
        "Le montant HT du lot ne peut pas être négatif."
    ]
    assert refused(hourly_cost="0")["hourly_cost"] == [
        "Le coût horaire chargé doit être supérieur à 0 €."
    ]
    assert refused(awarded_siret="12345678901234")["awarded_siret"][0].startswith(
        "SIRET invalide : « 12345678901234 »."
    )
    assert refused(amount_excl_vat="1e30")["amount_excl_vat"] == [
        "Valeur trop grande : au plus 100\u202f000\u202f000\u202f000."
    ]
    assert refused(insertion_rate="0.0512345678")["insertion_rate"] == ["Au plus 6 décimales."]
    assert refused(amount_excl_vat="beaucoup")["amount_excl_vat"] == [
        "Nombre décimal attendu (ex. 151.67)."
    ]
    duplicate = client.post(url, json={**LOT, "number": "1"}, headers=fac)
    assert duplicate.status_code == 409
    assert duplicate.json["errors"]["number"] == [
        "Le lot « 1 » existe déjà dans le marché 2024-BTP-01."
    ]
    unknown = client.post(url, json={**LOT, "awarded_siret": luhn_siret(55566677700)}, headers=fac)
    assert unknown.status_code == 404 and "awarded_siret" in unknown.json["errors"]
    assert len(client.get(url, headers=fac).json) == 2


def test_amendments_change_required_hours_and_keep_the_history(app, as_role, world):
    client, fac = app.test_client(), as_role("facilitator")
    lot_url = f"{URL}/{world.m_own}/lots/{world.l1}"
    first = client.post(
        f"{lot_url}/amendments",
        json={
            "amended_on": "2024-09-01",
            "reason": "Avenant n° 1 : tranche optionnelle",
            "required_hours": "1200",
            "amount_excl_vat": "2400000",
        },
        headers=fac,
    )
    assert first.status_code == 201, first.json
    assert first.json["required_hours"] == "1200.00"
    second = client.post(
        f"{lot_url}/amendments",
        json={"amended_on": "2025-03-01", "reason": "Avenant n° 2", "required_hours": "1100.5"},
        headers=fac,
    )
    assert second.status_code == 201
    lot = client.get(lot_url, headers=fac).json
    assert lot["required_hours"] == "1100.50" and lot["manual_hours"] == "1000.00"
    assert (lot["amount_excl_vat"], lot["initial_amount_excl_vat"]) == (
        "2400000.00",
        "600000.00",
    )
    history = [
        (a["amended_on"], a["previous_hours"], a["required_hours"], a["amount_excl_vat"])
        for a in lot["amendments"]
    ]
    assert history == [
        ("2024-09-01", "1000.00", "1200.00", "2400000.00"),
        ("2025-03-01", "1200.00", "1100.50", None),
    ]
    listed = client.get(f"{lot_url}/amendments", headers=fac).json
    assert [a["reason"] for a in listed] == ["Avenant n° 1 : tranche optionnelle", "Avenant n° 2"]
    late = client.post(
        f"{lot_url}/amendments",
        json={"amended_on": "2027-02-01", "reason": "Avenant n° 3", "required_hours": "1150"},
        headers=fac,
    )
    assert late.status_code == 201
    assert late.json["warnings"] == [
        "L'avenant est daté du 01/02/2027, après la fin du marché (31/12/2026) : "
        "pensez à prolonger le marché."
    ]
    early = client.post(
        f"{lot_url}/amendments",
        json={"amended_on": "2023-02-01", "reason": "Trop tôt", "required_hours": "10"},
        headers=fac,
    )
    assert early.status_code == 422 and "amended_on" in early.json["errors"]
    events = [h["event_type"] for h in client.get(f"{URL}/{world.m_own}/history", headers=fac).json]
    assert events == ["MarketRegistered", "LotAdded", "LotAdded"] + ["LotAmended"] * 3


def test_change_awardee_moves_the_lot_out_of_the_company_scope(app, as_role, world):
    client, fac = app.test_client(), as_role("facilitator")
    lot_url = f"{URL}/{world.m_own}/lots/{world.l1}"
    assert client.get(lot_url, headers=as_role("company")).status_code == 200
    moved = client.put(f"{lot_url}/awardee", json={"awarded_siret": world.rival.siret}, headers=fac)
    assert moved.status_code == 200, moved.json
    assert moved.json["awarded_company_id"] == str(world.rival.company_id)
    assert client.get(lot_url, headers=fac).json["awarded_company_name"] == "Façades de Bourgogne"
    assert client.get(lot_url, headers=as_role("company")).status_code == 404
    assert client.get(f"{URL}/{world.m_own}", headers=as_role("company")).status_code == 404
    bad = client.put(f"{lot_url}/awardee", json={"awarded_siret": "123"}, headers=fac)
    assert bad.status_code == 422 and bad.json["errors"]["awarded_siret"][0].startswith(
        "SIRET invalide"
    )


def test_idempotency_key_replays_market_and_lot_creation(app, as_role, territory):
    client = app.test_client()
    headers = as_role("facilitator", **{"Idempotency-Key": "marche-2025-pi-04"})
    first = new_market(client, headers, territory["own_buyer"])
    again = new_market(client, headers, territory["own_buyer"])
    assert first.status_code == again.status_code == 201
    assert again.json["market_id"] == first.json["market_id"] and again.json["replayed"] is True
    assert client.get(URL, headers=as_role("facilitator")).json["total"] == 1
    other = new_market(client, headers, territory["own_buyer"], reference="2025-PI-05")
    assert other.status_code == 422 and "clé d'idempotence" in other.json["message"]


def test_idempotency_key_replays_lot_creation(app, as_role, world):
    client = app.test_client()
    headers = as_role("facilitator", **{"Idempotency-Key": "lot-3"})
    url = f"{URL}/{world.m_own}/lots"
    first = client.post(url, json=LOT, headers=headers)
    again = client.post(url, json=LOT, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json["lot_id"] == first.json["lot_id"] and again.json["replayed"] is True
    assert len(client.get(url, headers=as_role("facilitator")).json) == 3


# ---- progress ---------------------------------------------------------------------------
def test_market_and_lot_progress_with_exact_figures(app, as_role, world):
    client, fac = app.test_client(), as_role("facilitator")
    progress = client.get(f"{URL}/{world.m_own}/progress", headers=fac).json
    assert (progress["required_hours"], progress["counted_hours"]) == ("1500.00", "260.25")
    assert (progress["achievement_rate"], progress["remaining_hours"]) == ("17.35", "1239.75")
    assert progress["months"] == [
        {
            "month": "2024-03-01",
            "counted_hours": "100.00",
            "cumulative_hours": "100.00",
            "cumulative_rate": "6.67",
        },
        {
            "month": "2024-04-01",
            "counted_hours": "160.25",
            "cumulative_hours": "260.25",
            "cumulative_rate": "17.35",
        },
    ]
    assert [(x["number"], x["counted_hours"], x["achievement_rate"]) for x in progress["lots"]] == [
        ("1", "220.00", "22.00"),
        ("2", "40.25", "8.05"),
    ]
    until = client.get(f"{URL}/{world.m_own}/progress?until_month=2024-03-31", headers=fac).json
    assert until["counted_hours"] == "100.00" and len(until["months"]) == 1
    lot = client.get(f"{URL}/{world.m_own}/lots/{world.l1}/progress", headers=fac).json
    assert (lot["required_hours"], lot["counted_hours"], lot["remaining_hours"]) == (
        "1000.00",
        "220.00",
        "780.00",
    )
    assert [m["cumulative_rate"] for m in lot["months"]] == ["10.00", "22.00"]
    empty = client.get(f"{URL}/{world.m_other}/lots/{world.l3}/progress", headers=fac).json
    assert (empty["counted_hours"], empty["achievement_rate"], empty["months"]) == (
        "0.00",
        "0.00",
        [],
    )
    assert empty["remaining_hours"] == "300.00"


# ---- scopes -----------------------------------------------------------------------------
def test_buyer_sees_only_its_own_markets(app, as_role, territory, world):
    client, buyer = app.test_client(), as_role("buyer")
    listing = client.get(URL, headers=buyer).json
    assert [m["reference"] for m in listing["items"]] == ["2024-BTP-01"]
    other_filter = client.get(f"{URL}?buyer_id={territory['other_buyer']}", headers=buyer).json
    assert other_filter["total"] == 0
    for path in (
        f"{world.m_other}",
        f"{world.m_other}/progress",
        f"{world.m_other}/lots",
        f"{world.m_other}/lots/{world.l3}",
        f"{world.m_other}/lots/{world.l3}/progress",
        f"{world.m_other}/counting-rules",
    ):
        response = client.get(f"{URL}/{path}", headers=buyer)
        assert response.status_code == 404, path
        assert response.json["message"] in (
            "Marché introuvable.",
            "Lot introuvable dans ce marché.",
        )
    own = client.get(f"{URL}/{world.m_own}", headers=buyer).json
    assert [lot["number"] for lot in own["lots"]] == ["1", "2"]
    assert client.get(f"{URL}/{world.m_own}/progress", headers=buyer).json["counted_hours"] == (
        "260.25"
    )
    assert client.get(f"{URL}/{world.m_own}/history", headers=buyer).status_code == 403


def test_company_sees_only_markets_and_lots_awarded_to_it(app, as_role, world):
    client, company = app.test_client(), as_role("company")
    listing = client.get(URL, headers=company).json
    assert [m["reference"] for m in listing["items"]] == ["2024-BTP-01"]
    assert listing["items"][0]["lot_count"] == 1
    assert listing["items"][0]["required_hours"] == "1000.00"
    market = client.get(f"{URL}/{world.m_own}", headers=company).json
    assert [lot["lot_id"] for lot in market["lots"]] == [str(world.l1)]
    assert client.get(f"{URL}/{world.m_other}", headers=company).status_code == 404
    assert client.get(f"{URL}/{world.m_own}/lots/{world.l2}", headers=company).status_code == 404
    assert (
        client.get(f"{URL}/{world.m_own}/lots/{world.l2}/progress", headers=company).status_code
        == 404
    )
    progress = client.get(f"{URL}/{world.m_own}/progress", headers=company).json
    assert (progress["required_hours"], progress["counted_hours"]) == ("1000.00", "220.00")
    assert (progress["achievement_rate"], progress["remaining_hours"]) == ("22.00", "780.00")
    assert [m["counted_hours"] for m in progress["months"]] == ["100.00", "120.00"]
    assert [lot["number"] for lot in progress["lots"]] == ["1"]


def test_plie_reads_every_market_but_writes_nothing(app, as_role, world, territory):
    client, plie = app.test_client(), as_role("plie")
    assert client.get(URL, headers=plie).json["total"] == 2
    assert client.get(f"{URL}/{world.m_other}/progress", headers=plie).status_code == 200
    assert client.post(f"{URL}/{world.m_own}/lots", json=LOT, headers=plie).status_code == 403
    assert client.patch(f"{URL}/{world.m_own}", json={}, headers=plie).status_code == 403


@pytest.mark.parametrize("role", ["company", "buyer", "plie", "admin"])
def test_only_the_facilitator_registers_markets(app, as_role, territory, role):
    response = new_market(app.test_client(), as_role(role), territory["own_buyer"])
    assert response.status_code == 403 and "Accès refusé" in response.json["message"]


def test_admin_reads_no_market(app, as_role, world):
    response = app.test_client().get(f"{URL}/{world.m_own}", headers=as_role("admin"))
    assert response.status_code == 403


def test_unknown_ids_are_404_in_french(app, as_role, world):
    client, fac = app.test_client(), as_role("facilitator")
    unknown = client.get(f"{URL}/{uuid.uuid4()}", headers=fac)
    assert unknown.status_code == 404 and unknown.json["message"] == "Marché introuvable."
    lot = client.get(f"{URL}/{world.m_own}/lots/{world.l3}", headers=fac)
    assert lot.status_code == 404 and lot.json["message"] == "Lot introuvable dans ce marché."
    assert client.get(f"{URL}/pas-un-uuid", headers=fac).status_code == 404
    amend = client.post(
        f"{URL}/{uuid.uuid4()}/lots/{world.l1}/amendments",
        json={"amended_on": "2024-09-01", "reason": "x", "required_hours": "1"},
        headers=fac,
    )
    assert amend.status_code == 404


HOSTILE = [
    ("", {"counting_rules": "beaucoup"}),
    ("", '{"reference": "R", "title": "\\ud800", "buyer_id": "x"}'),
    ("", {"reference": "R" * 5000, "title": "T", "buyer_id": "x"}),
    ("", {"start_date": "9999-99-99", "end_date": 12, "counting_rules": None}),
    ("/{m}/lots", {**LOT, "labour_share": "1E+999999", "hourly_cost": "NaN"}),
    ("/{m}/lots", {**LOT, "amount_excl_vat": "99999999999.999", "hourly_cost": "0.004"}),
    ("/{m}/lots", {**LOT, "manual_hours": "-0.001", "insertion_rate": "Infinity"}),
    ("/{m}/lots", [1, 2]),
    (
        "/{m}/lots/{l}/amendments",
        {"amended_on": "2024-01-01", "reason": "", "required_hours": 1},
    ),
    ("/{m}/lots/{l}/amendments", {"amended_on": None, "required_hours": "1e400"}),
]


def test_hostile_input_is_refused_never_a_500(app, as_role, world):
    client = app.test_client()
    for path, body in HOSTILE:
        url = URL + path.format(m=world.m_own, l=world.l1)
        raw = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {}
        json_body = {} if raw else {"json": body}
        response = client.post(url, **raw, **json_body, headers=as_role("facilitator"))
        assert response.status_code == 422, (path, body, response.json)
        assert response.json["errors"] and response.json["message"]
