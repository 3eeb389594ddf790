"""/api/v1/buyers and the API conventions: auth, roles, scopes, 422 in French, 409,
idempotency keys, history, OpenAPI and docs served from the package."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import SQL_BACKENDS

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


def test_anonymous_gets_a_json_401_in_french(app, territory):
    response = app.test_client().get("/api/v1/buyers")
    assert response.status_code == 401
    assert "Authentification requise" in response.json["message"]


def test_facilitator_registers_and_reads_a_buyer(app, as_role):
    client = app.test_client()
    created = client.post(
        "/api/v1/buyers",
        json={"name": "CHU Dijon", "kind": "HOPITAL"},
        headers=as_role("facilitator"),
    )
    assert created.status_code == 201, created.json
    buyer_id = created.json["buyer_id"]
    read = client.get(f"/api/v1/buyers/{buyer_id}", headers=as_role("facilitator"))
    assert read.json["name"] == "CHU Dijon" and read.json["kind_label"] == "Hôpital"
    listing = client.get("/api/v1/buyers?search=chu", headers=as_role("facilitator"))
    assert listing.json["total"] == 1 and listing.json["items"][0]["buyer_id"] == buyer_id
    # The territory's two buyers and this one; one per page, the total stays the whole count.
    everything = client.get("/api/v1/buyers?page_size=1", headers=as_role("facilitator"))
    assert everything.json["total"] == 3 and len(everything.json["items"]) == 1


def test_invalid_body_is_422_with_french_field_messages(app, as_role):
    response = app.test_client().post(
        "/api/v1/buyers",
        json={"name": "", "kind": "MAIRIE", "x": 1},
        headers=as_role("facilitator"),
    )
    assert response.status_code == 422
    errors = response.json["errors"]
    assert "Valeur inconnue" in errors["kind"][0] and "COLLECTIVITE" in errors["kind"][0]
    assert errors["name"] and errors["x"] == ["Champ inconnu."]
    assert response.json["message"].startswith("Données invalides")


def test_domain_error_is_422_naming_the_field(app, as_role, territory):
    response = app.test_client().patch(
        f"/api/v1/buyers/{territory['own_buyer']}",
        json={"contacts": ["pas-une-adresse"]},
        headers=as_role("facilitator"),
    )
    assert response.status_code == 422
    assert response.json["errors"]["emails"] == ["Adresse e-mail invalide : « pas-une-adresse »."]


@pytest.mark.parametrize("role", ["company", "buyer", "plie", "admin"])
def test_only_the_facilitator_writes(app, as_role, role):
    response = app.test_client().post(
        "/api/v1/buyers", json={"name": "X", "kind": "ETAT"}, headers=as_role(role)
    )
    assert response.status_code == 403
    assert "Accès refusé" in response.json["message"]


def test_buyer_account_sees_only_its_own_buyer(app, as_role, territory):
    client = app.test_client()
    listing = client.get("/api/v1/buyers", headers=as_role("buyer"))
    assert [b["buyer_id"] for b in listing.json["items"]] == [str(territory["own_buyer"])]
    other = client.get(f"/api/v1/buyers/{territory['other_buyer']}", headers=as_role("buyer"))
    assert other.status_code == 404
    own = client.get(f"/api/v1/buyers/{territory['own_buyer']}", headers=as_role("buyer"))
    assert own.status_code == 200


def test_stale_expected_version_is_409(app, as_role, territory):
    client = app.test_client()
    url = f"/api/v1/buyers/{territory['own_buyer']}"
    first = client.patch(
        url, json={"name": "DM", "expected_version": 1}, headers=as_role("facilitator")
    )
    assert first.status_code == 200 and first.json["version"] == 2
    stale = client.patch(
        url, json={"name": "DM2", "expected_version": 1}, headers=as_role("facilitator")
    )
    assert stale.status_code == 409
    assert "version attendue 1" in stale.json["message"]


def test_idempotency_key_returns_the_first_result_and_refuses_another_body(app, as_role):
    client = app.test_client()
    headers = as_role("facilitator", **{"Idempotency-Key": "creation-42"})
    body = {"name": "Bailleur", "kind": "BAILLEUR_SOCIAL"}
    first = client.post("/api/v1/buyers", json=body, headers=headers)
    # The entry point mints a new id on every call: the key must still give the same result.
    again = client.post("/api/v1/buyers", json=body, headers=headers)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json["buyer_id"] == first.json["buyer_id"] and again.json["replayed"] is True
    listing = client.get("/api/v1/buyers?search=bailleur", headers=as_role("facilitator"))
    assert listing.json["total"] == 1
    other = client.post("/api/v1/buyers", json={**body, "name": "Autre"}, headers=headers)
    assert other.status_code == 422 and "clé d'idempotence" in other.json["message"]


def test_history_says_who_when_and_from_where(app, as_role, territory):
    client = app.test_client()
    url = f"/api/v1/buyers/{territory['own_buyer']}"
    client.patch(url, json={"name": "Dijon Métropole (DM)"}, headers=as_role("facilitator"))
    history = client.get(f"{url}/history", headers=as_role("facilitator")).json
    assert [h["event_type"] for h in history] == ["BuyerRegistered", "BuyerRenamed"]
    assert history[1]["actor"] == "facilitator@example.org"
    assert history[1]["source"] == {"kind": "api"}
    assert history[1]["data"]["name"] == "Dijon Métropole (DM)"


def test_unknown_ids_are_404_never_500(app, as_role):
    client = app.test_client()
    assert (
        client.get(f"/api/v1/buyers/{uuid.uuid4()}", headers=as_role("facilitator")).status_code
        == 404
    )
    assert (
        client.get(
            "/api/v1/buyers/99999999999999999999", headers=as_role("facilitator")
        ).status_code
        == 404
    )
    bad_page = client.get("/api/v1/buyers?page=0", headers=as_role("facilitator"))
    assert bad_page.status_code == 422


def test_openapi_document_and_docs_are_served_without_cdn(app):
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and "/api/v1/buyers" in spec.json["paths"]
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200 and len(asset.data) > 100_000


def test_token_endpoint_trades_credentials_for_a_token(app, territory):
    client = app.test_client()
    bad = client.post(
        "/api/v1/auth/tokens", json={"email": "facilitator@example.org", "password": "non"}
    )
    assert bad.status_code == 401 and "Identifiants incorrects" in bad.json["message"]
    good = client.post(
        "/api/v1/auth/tokens",
        json={"email": "facilitator@example.org", "password": "un-mot-de-passe-solide"},
    )
    assert good.status_code == 201 and good.json["role"] == "facilitator"
    headers = {"Authorization": f"Bearer {good.json['token']}"}
    assert client.get("/api/v1/buyers", headers=headers).status_code == 200
    assert (
        client.get("/api/v1/buyers", headers={"Authorization": "Bearer cls_faux"}).status_code
        == 401
    )


def test_validator_messages_are_french_too(app, as_role):
    client = app.test_client()
    page = client.get("/api/v1/buyers?page=0", headers=as_role("facilitator"))
    assert page.status_code == 422
    assert page.json["errors"]["page"] == [
        "Doit être supérieur ou égal à 1 et inférieur ou égal à 100000."
    ]
    long = client.post(
        "/api/v1/buyers", json={"name": "x" * 301, "kind": "AUTRE"}, headers=as_role("facilitator")
    )
    assert long.status_code == 422 and long.json["errors"]["name"] == [
        "Longueur attendue entre 1 et 300."
    ]
