"""The facilitator's set-up pages: buyers and their report contacts, companies, markets,
lots and amendments, through real forms (CSRF token, one-time key) on both databases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from projections import queries
from tests.conftest import SQL_BACKENDS
from tests.e2e.test_web_pages import login, text_of
from tests.e2e.test_web_people import error_of, post_form

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


def _reading(app):
    return app.extensions["clauses"].store.reading()


def test_buyer_with_contacts_then_contacts_changed(app, territory):
    client = login(app, "facilitator")
    response, _ = post_form(
        client,
        "/donneurs-ordre/nouveau",
        {
            "name": "  Grand Dijon Habitat ",
            "kind": "BAILLEUR_SOCIAL",
            "contacts": "a.martin@gdh.fr; B.Roux@gdh.fr",
        },
    )
    assert response.status_code == 302
    with _reading(app) as conn:
        buyer = next(b for b in queries.list_buyers(conn) if b["name"] == "Grand Dijon Habitat")
    assert buyer["kind"] == "BAILLEUR_SOCIAL"
    assert buyer["contacts"] == ["a.martin@gdh.fr", "b.roux@gdh.fr"]
    page = text_of(client.get("/donneurs-ordre"))
    assert "a.martin@gdh.fr, b.roux@gdh.fr" in page
    path = f"/donneurs-ordre/{buyer['buyer_id']}/contacts"
    assert "b.roux@gdh.fr" in text_of(client.get(path))  # the form shows the current list
    response, _ = post_form(client, path, {"contacts": "pas-une-adresse"})
    assert response.status_code == 422
    assert "Adresse e-mail invalide : « pas-une-adresse »." in error_of(
        text_of(response), "contacts"
    )
    response, _ = post_form(client, path, {"contacts": "c.petit@gdh.fr"})
    assert response.status_code == 302
    with _reading(app) as conn:
        assert queries.get_buyer(conn, buyer["buyer_id"])["contacts"] == ["c.petit@gdh.fr"]


def test_company_siret_checked_next_to_the_field(app, territory):
    client = login(app, "facilitator")
    response, _ = post_form(
        client, "/entreprises/nouvelle", {"name": "Bâti Est", "siret": "123", "kind": "ENTREPRISE"}
    )
    assert response.status_code == 422
    assert "SIRET" in error_of(text_of(response), "siret")
    assert 'value="Bâti Est"' in text_of(response)  # what was typed stays
    response, _ = post_form(
        client,
        "/entreprises/nouvelle",
        {"name": "Bâti Est", "siret": "732 829 320 00074", "kind": "EI"},
    )
    assert response.status_code == 302
    with _reading(app) as conn:
        company = queries.company_by_siret(conn, "73282932000074")
    assert company["name"] == "Bâti Est" and company["kind"] == "EI"
    assert response.headers["Location"].endswith(f"/entreprises/{company['company_id']}")
    response, _ = post_form(
        client, "/entreprises/nouvelle", {"name": "Autre", "siret": "73282932000074", "kind": "EI"}
    )
    assert response.status_code == 422  # a SIRET is registered once


def _market_with_lot(app, client, territory):
    post_form(
        client,
        "/entreprises/nouvelle",
        {"name": "Bâti Est", "siret": "73282932000074", "kind": "ENTREPRISE"},
    )
    response, _ = post_form(
        client,
        "/marches/nouveau",
        {
            "buyer": str(territory["own_buyer"]),
            "reference": "2026-BTP-09",
            "title": "Rénovation du groupe scolaire",
            "kind": "BTP",
            "legal_basis": "L2112-2",
            "start_date": "01/02/2026",
            "end_date": "31/01/2028",
        },
    )
    assert response.status_code == 302
    with _reading(app) as conn:
        market = queries.market_by_reference(conn, "2026-BTP-09")
    assert response.headers["Location"].endswith(f"/marches/{market['market_id']}/lots/nouveau")
    return market


def test_market_then_lot_with_computed_hours(app, territory):
    client = login(app, "facilitator")
    market = _market_with_lot(app, client, territory)
    path = f"/marches/{market['market_id']}/lots/nouveau"
    lot = {
        "number": "1",
        "title": "Gros œuvre",
        "awarded_siret": "73282932000074",
        "amount_excl_vat": "1 000 000,00",
        "labour_share": "140",
        "insertion_rate": "5",
        "hourly_cost": "35",
    }
    response, _ = post_form(client, path, lot)
    assert response.status_code == 422
    assert error_of(text_of(response), "labour_share") == "Indiquez un pourcentage entre 0 et 100."
    response, _ = post_form(client, path, {**lot, "labour_share": "40"})
    assert response.status_code == 302
    with _reading(app) as conn:
        (saved,) = queries.get_market(conn, market["market_id"])["lots"]
    # 1,000,000 x 0.40 x 0.05 / 35 = 571.428... -> 571.43 h
    assert saved["required_hours"] == Decimal("571.43")
    assert saved["labour_share"] == Decimal("0.4") and saved["insertion_rate"] == Decimal("0.05")
    page = text_of(client.get(f"/marches/{market['market_id']}"))
    assert "Gros œuvre" in page and "571,43" in page


def test_lot_amendment_keeps_both_values(app, territory):
    client = login(app, "facilitator")
    market = _market_with_lot(app, client, territory)
    post_form(
        client,
        f"/marches/{market['market_id']}/lots/nouveau",
        {
            "number": "2",
            "awarded_siret": "73282932000074",
            "amount_excl_vat": "100000",
            "labour_share": "50",
            "insertion_rate": "7",
            "hourly_cost": "35",
            "manual_hours": "200",
        },
    )
    with _reading(app) as conn:
        (lot,) = queries.get_market(conn, market["market_id"])["lots"]
    path = f"/marches/{market['market_id']}/lots/{lot['lot_id']}/avenant"
    response, _ = post_form(client, path, {"amended_on": "15/03/2026", "required_hours": "250"})
    assert response.status_code == 422
    assert error_of(text_of(response), "reason") == "Le motif est obligatoire."
    response, _ = post_form(
        client,
        path,
        {"amended_on": "15/03/2026", "required_hours": "250", "reason": "Tranche optionnelle"},
    )
    assert response.status_code == 302
    page = text_of(client.get(f"/marches/{market['market_id']}"))
    page = page.replace("\u202f", " ").replace("\xa0", " ")  # hours_fr's no-break spaces
    assert "15/03/2026 : 200,00 h → 250,00 h (Tranche optionnelle)" in page


def test_setup_pages_are_the_facilitators_and_need_the_csrf_token(app, territory):
    for role in ("buyer", "company", "plie"):
        client = login(app, role)
        assert client.get("/marches/nouveau").status_code == 403
        assert client.get("/entreprises/nouvelle").status_code == 403
        assert client.get("/donneurs-ordre/nouveau").status_code == 403
    client = login(app, "facilitator")
    response = client.post(
        "/entreprises/nouvelle", data={"name": "X", "siret": "73282932000074", "kind": "EI"}
    )
    assert response.status_code == 400
    assert "Le formulaire a expiré" in text_of(response)
    with _reading(app) as conn:
        assert queries.company_by_siret(conn, "73282932000074") is None
    assert client.get(f"/marches/{territory['own_buyer']}/lots/nouveau").status_code == 404
