"""/api/v1/companies: register (SIRET checked), read, list, look up by SIRET, change, lots,
history; a company account sees only its own record."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from events.catalog.companies import CompanyKind
from tests.conftest import SQL_BACKENDS
from tests.e2e.conftest import COMPANY_SIRET
from tests.support.territory import Territory, luhn_siret

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

URL = "/api/v1/companies"
OTHER_SIRET = luhn_siret(7328293200900)


def register(client, headers, **overrides):
    body = {"siret": "732 829 320 00074", "name": "Bâti Dijon", "kind": "ENTREPRISE", **overrides}
    return client.post(URL, json=body, headers=headers)


@pytest.fixture
def seeded(app, territory):
    """The company account's company with a lot, and an ETTI with a lot of another buyer."""
    t = Territory(app.extensions["clauses"].store)
    own = t.company("Bâti Dijon", siret=COMPANY_SIRET)
    etti = t.company("Id'Ées Intérim", CompanyKind.ETTI, siret=OTHER_SIRET)
    m1 = t.market(territory["own_buyer"], "2024-BTP-01")
    m2 = t.market(territory["other_buyer"], "2024-BTP-02")
    t.lot(m1, own, "1", manual_hours=Decimal("1000"))
    t.lot(m2, etti, "3")
    return {"own": own, "etti": etti, "m1": m1, "m2": m2}


def test_register_read_and_list_a_company(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    created = register(client, fac)
    assert created.status_code == 201, created.json
    assert created.json["siret"] == COMPANY_SIRET and created.json["version"] == 1
    company = client.get(f"{URL}/{created.json['company_id']}", headers=fac).json
    assert company == {
        "company_id": created.json["company_id"],
        "siret": COMPANY_SIRET,
        "name": "Bâti Dijon",
        "kind": "ENTREPRISE",
        "kind_label": "Entreprise",
        "version": 1,
    }
    register(client, fac, siret=OTHER_SIRET, name="GEIQ BTP 21", kind="GEIQ")
    everyone = client.get(URL, headers=fac).json
    assert [c["name"] for c in everyone["items"]] == ["Bâti Dijon", "GEIQ BTP 21"]
    assert everyone["total"] == 2
    geiq = client.get(f"{URL}?kind=GEIQ", headers=fac).json["items"]
    assert [c["kind_label"] for c in geiq] == [
        "Groupement d'employeurs pour l'insertion et la qualification (GEIQ)"
    ]
    assert [c["name"] for c in client.get(f"{URL}?search=bâti", headers=fac).json["items"]] == [
        "Bâti Dijon"
    ]
    by_prefix = client.get(f"{URL}?search=732 829 320 000", headers=fac).json["items"]
    assert [c["siret"] for c in by_prefix] == [COMPANY_SIRET]


def test_lookup_by_siret_ignores_spaces_and_checks_the_key(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    company_id = register(client, fac).json["company_id"]
    found = client.get(f"{URL}?siret=732.829.320.00074", headers=fac).json
    assert found["total"] == 1 and found["items"][0]["company_id"] == company_id
    missing = client.get(f"{URL}?siret={OTHER_SIRET}", headers=fac).json
    assert missing == {"items": [], "total": 0, "page": 1, "page_size": 50}
    bad = client.get(f"{URL}?siret=73282932000075", headers=fac)
    assert bad.status_code == 422
    assert bad.json["errors"]["siret"][0].startswith("SIRET invalide : « 73282932000075 ».")


def test_bad_input_is_422_in_french_and_a_siret_is_registered_once(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    bad_key = register(client, fac, siret="73282932000075")
    assert bad_key.status_code == 422
    assert bad_key.json["errors"]["siret"] == [
        "SIRET invalide : « 73282932000075 ». 14 chiffres attendus dont une clé de contrôle ; "
        "recopiez-le depuis l'avis de situation Insee ou annuaire-entreprises.data.gouv.fr."
    ]
    empty = register(client, fac, name="   ", kind="SCOP")
    assert empty.status_code == 422
    assert empty.json["errors"]["kind"][0].startswith("Valeur inconnue")
    blank = register(client, fac, name="   ")
    assert blank.status_code == 422
    assert blank.json["errors"]["name"] == ["Le nom de l'entreprise est obligatoire."]
    assert register(client, fac).status_code == 201
    twice = register(client, fac, name="Bâti Dijon bis")
    assert twice.status_code == 409
    assert twice.json["errors"]["siret"][0].startswith(
        f"Une entreprise est déjà enregistrée avec le SIRET {COMPANY_SIRET}"
    )
    assert client.get(URL, headers=fac).json["total"] == 1


def test_patch_keeps_what_is_absent_409_when_stale_and_history(app, as_role):
    client, fac = app.test_client(), as_role("facilitator")
    company_id = register(client, fac).json["company_id"]
    url = f"{URL}/{company_id}"
    changed = client.patch(url, json={"kind": "EI", "expected_version": 1}, headers=fac)
    assert changed.status_code == 200 and changed.json["version"] == 2
    company = client.get(url, headers=fac).json
    assert (company["name"], company["kind"]) == ("Bâti Dijon", "EI")
    assert company["kind_label"] == "Entreprise d'insertion (EI)"
    stale = client.patch(url, json={"name": "Autre", "expected_version": 1}, headers=fac)
    assert stale.status_code == 409 and "version attendue 1" in stale.json["message"]
    history = client.get(f"{url}/history", headers=fac).json
    assert [h["event_type"] for h in history] == ["CompanyRegistered", "CompanyDetailsChanged"]
    assert history[1]["actor"] == "facilitator@example.org"
    assert history[1]["data"]["kind"] == "EI"


def test_idempotency_key_returns_the_first_registration(app, as_role):
    client = app.test_client()
    headers = as_role("facilitator", **{"Idempotency-Key": "entreprise-bati"})
    first = register(client, headers)
    again = register(client, headers)
    assert first.status_code == again.status_code == 201
    assert again.json["company_id"] == first.json["company_id"] and again.json["replayed"] is True


def test_lots_of_a_company_with_their_market(app, as_role, seeded):
    client, fac = app.test_client(), as_role("facilitator")
    lots = client.get(f"{URL}/{seeded['etti'].company_id}/lots", headers=fac).json
    assert [(lot["market_reference"], lot["number"]) for lot in lots] == [("2024-BTP-02", "3")]
    assert lots[0]["required_hours"] == "500.00" and lots[0]["market_kind_label"] == (
        "Travaux (BTP)"
    )
    assert lots[0]["market_id"] == str(seeded["m2"])


def test_company_account_sees_only_its_own_record(app, as_role, seeded):
    client, company = app.test_client(), as_role("company")
    listing = client.get(URL, headers=company).json
    assert [c["siret"] for c in listing["items"]] == [COMPANY_SIRET] and listing["total"] == 1
    own = seeded["own"].company_id
    assert client.get(f"{URL}/{own}", headers=company).json["name"] == "Bâti Dijon"
    lots = client.get(f"{URL}/{own}/lots", headers=company).json
    assert [(lot["market_reference"], lot["required_hours"]) for lot in lots] == [
        ("2024-BTP-01", "1000.00")
    ]
    etti = seeded["etti"].company_id
    for path in (f"{etti}", f"{etti}/lots", f"{uuid.uuid4()}"):
        response = client.get(f"{URL}/{path}", headers=company)
        assert response.status_code == 404 and response.json["message"] == "Entreprise introuvable."
    assert client.get(f"{URL}?siret={OTHER_SIRET}", headers=company).json["total"] == 0
    assert client.get(f"{URL}/{own}/history", headers=company).status_code == 403
    assert client.patch(f"{URL}/{own}", json={"name": "X"}, headers=company).status_code == 403


@pytest.mark.parametrize("role", ["buyer", "plie", "admin"])
def test_other_roles_read_no_company(app, as_role, seeded, role):
    client = app.test_client()
    assert client.get(URL, headers=as_role(role)).status_code == 403
    own = seeded["own"].company_id
    assert client.get(f"{URL}/{own}", headers=as_role(role)).status_code == 403
    assert register(client, as_role(role), siret=luhn_siret(99)).status_code == 403
