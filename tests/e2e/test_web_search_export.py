"""The facilitator's search across people, markets, companies and buyers; list pages
exported to XLSX (same filters and scope as the page, formula-safe cells)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.conftest import SQL_BACKENDS
from tests.e2e.test_web_pages import land, login, text_of

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
__all__ = ["land"]  # a fixture, used by name
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(response):
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)], sheet


# ---- search --------------------------------------------------------------------------------
def test_search_finds_each_kind_and_links_to_its_page(app, land):
    client = login(app, "facilitator")
    page = text_of(client.get("/recherche?q=bernard"))
    assert "Personnes (1)" in page
    assert f"/personnes/{land['worker']}" in page
    assert "né(e) le 02/04/1988" in page
    assert "Marchés (0)" in page
    page = text_of(client.get("/recherche?q=2025-btp"))
    assert "Marchés (1)" in page and f"/marches/{land['tram']}" in page
    page = text_of(client.get("/recherche?q=talant"))
    assert "Entreprises (1)" in page and f"/entreprises/{land['rival'].company_id}" in page
    assert "Donneurs d'ordre (1)" in page and "Ville de Talant" in page
    page = text_of(client.get("/recherche?q=732 829 320 00074"))  # a SIRET as people type it
    assert "Entreprises (1)" in page and f"/entreprises/{land['own'].company_id}" in page


def test_search_by_birth_date_and_nothing_found(app, land):
    client = login(app, "facilitator")
    page = text_of(client.get("/recherche?q=09/01/1975"))
    assert "Personnes (1)" in page and f"/personnes/{land['rival_worker']}" in page
    page = text_of(client.get("/recherche?q=zzzzzz"))
    assert "Aucun résultat pour « zzzzzz »." in page
    assert "Tapez au moins deux caractères." in text_of(client.get("/recherche?q=a"))


def test_search_box_is_shown_to_the_facilitator_only(app, land):
    assert 'action="/recherche"' in text_of(login(app, "facilitator").get("/marches"))
    buyer = login(app, "buyer")
    assert 'action="/recherche"' not in text_of(buyer.get("/marches"))
    assert buyer.get("/recherche?q=bernard").status_code == 403
    assert login(app, "company").get("/recherche?q=bernard").status_code == 403


# ---- exports -------------------------------------------------------------------------------
def test_markets_export_has_every_filtered_row_with_numbers(app, land):
    client = login(app, "facilitator")
    rows, sheet = _sheet(client.get("/marches?export=xlsx&tri=reference"))
    assert rows[0][:3] == ["Référence", "Intitulé", "Donneur d'ordre"]
    assert [r[0] for r in rows[1:]] == ["2025-BTP-01", "2025-SRV-07", "2030-PI-01"]
    tram = rows[1]
    headers = rows[0]
    assert tram[headers.index("Heures prévues")] == 2500
    assert Decimal(str(tram[headers.index("Heures réalisées")])) == Decimal("350.25")
    assert sheet.cell(row=2, column=headers.index("Heures prévues") + 1).number_format == (
        "#,##0.00"
    )
    assert isinstance(tram[headers.index("Fin")], date)
    rows, _ = _sheet(client.get("/marches?export=xlsx&type=SERVICES"))
    assert [r[0] for r in rows[1:]] == ["2025-SRV-07"]


def test_buyer_export_keeps_the_buyer_scope(app, land):
    rows, _ = _sheet(login(app, "buyer").get("/marches?export=xlsx"))
    assert sorted(r[0] for r in rows[1:]) == ["2025-BTP-01", "2030-PI-01"]


def test_people_export_follows_the_search_and_keeps_text_as_text(app, land):
    t = land["t"]
    t.person('=HYPERLINK("http://x")', "Eve", date(1990, 1, 1))
    client = login(app, "facilitator")
    rows, _ = _sheet(client.get("/personnes?export=xlsx&q=bernard"))
    assert rows == [
        ["Nom", "Prénom", "Date de naissance", "Commune", "QPV"],
        ["Bernard", "Inès", rows[1][2], None, None],
    ]
    assert rows[1][2].date() == date(1988, 4, 2)
    response = client.get("/personnes?export=xlsx&q=eve")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.cell(row=2, column=1).data_type == "s"  # never a formula
    assert sheet.cell(row=2, column=1).value.startswith("=HYPERLINK")


def test_companies_and_buyers_exports(app, land):
    client = login(app, "facilitator")
    rows, _ = _sheet(client.get("/entreprises?export=xlsx"))
    assert rows[0] == ["Nom", "SIRET", "Type"]
    assert [r[0] for r in rows[1:]] == ["Bâti Dijon", "Propreté Talant"]
    rows, _ = _sheet(client.get("/donneurs-ordre?export=xlsx"))
    assert rows[0] == ["Nom", "Type", "Marchés", "Contacts des rapports"]
    assert {r[0]: r[2] for r in rows[1:]} == {"Dijon Métropole": 2, "Ville de Talant": 1}


def test_list_pages_link_to_their_export(app, land):
    client = login(app, "facilitator")
    page = text_of(client.get("/personnes?q=bernard&page=1"))
    assert 'href="/personnes?q=bernard&amp;export=xlsx"' in client.get(
        "/personnes?q=bernard&page=1"
    ).get_data(as_text=True)
    assert "Exporter la liste (XLSX)" in page
