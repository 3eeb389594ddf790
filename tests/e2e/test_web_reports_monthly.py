"""The reports pages: the facilitator chooses a buyer and a month, reads the monthly
report (figures in French, charts) and downloads it as XLSX and PDF; a buyer account
sees its own buyer only; companies and the PLIE team are refused."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.conftest import SQL_BACKENDS
from tests.e2e.conftest import COMPANY_SIRET
from tests.e2e.test_web_pages import login, text_of
from tests.reports.monthly_world import build_monthly_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def world(app, territory):
    store = app.extensions["clauses"].store
    return build_monthly_world(
        store, territory["own_buyer"], territory["other_buyer"], a_siret=COMPANY_SIRET
    )


def test_facilitator_chooses_reads_and_downloads(app, world):
    client = login(app, "facilitator")
    index = client.get("/rapports")
    page = text_of(index)
    assert index.status_code == 200
    assert '<a href="/rapports" aria-current="page">Rapports</a>' in page
    assert "Dijon Métropole" in page and "Ville de Talant" in page
    assert 'name="mois" type="month"' in page
    assert "Bilan annuel PLIE" in page  # the annual reports are linked from here

    chosen = client.get(f"/rapports?donneur={world.buyer}&mois=2024-04")
    assert chosen.status_code == 302
    assert chosen.headers["Location"] == f"/rapports/mensuel/{world.buyer}/2024-04"

    report = client.get(f"/rapports/mensuel/{world.buyer}/2024-04")
    page = text_of(report)
    assert report.status_code == 200
    assert "Rapport mensuel des clauses d'insertion — Dijon Métropole" in page
    assert f'data-testid="total-cumulative">868,00{NBSP}h<' in page
    assert f">3{NNBSP}074,52{NBSP}h<" in page  # L1's projection
    assert 'data-testid="behind-count">1<' in page
    assert page.count("<svg") == 3  # all markets, then each
    assert '<a href="/rapports" aria-current="page">Rapports</a>' in page

    xlsx = client.get(f"/rapports/mensuel/{world.buyer}/2024-04.xlsx")
    assert xlsx.status_code == 200
    assert "rapport-mensuel-dijon-metropole-2024-04.xlsx" in xlsx.headers["Content-Disposition"]
    summary = load_workbook(io.BytesIO(xlsx.data))["Synthèse"]
    assert summary["H6"].value == 657.67
    pdf = client.get(f"/rapports/mensuel/{world.buyer}/2024-04.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert client.get(f"/rapports/mensuel/{world.buyer}/2024-04.docx").status_code == 404


def test_wrong_choices_are_said_next_to_the_field(app, world):
    client = login(app, "facilitator")
    response = client.get(f"/rapports?donneur={world.buyer}&mois=avril")
    page = text_of(response)
    assert response.status_code == 400
    assert 'id="mois-erreur">Mois invalide : format AAAA-MM attendu (ex. 2024-03).<' in page
    assert 'value="avril"' in page
    response = client.get("/rapports?donneur=pas-un-id&mois=2024-04")
    assert response.status_code == 400
    assert "Choisissez un donneur d'ordre de la liste." in text_of(response)
    assert client.get(f"/rapports/mensuel/{world.buyer}/2024-13").status_code == 404


def test_buyer_sees_its_own_buyer_only(app, world):
    client = login(app, "buyer")
    page = text_of(client.get("/rapports"))
    assert "Dijon Métropole" in page and "Ville de Talant" not in page
    assert client.get(f"/rapports/mensuel/{world.buyer}/2024-04").status_code == 200
    other = client.get(f"/rapports/mensuel/{world.other}/2024-04")
    assert other.status_code == 404 and "Ville de Talant" not in text_of(other)
    assert client.get(f"/rapports/mensuel/{world.other}/2024-04.xlsx").status_code == 404
    refused = client.get(f"/rapports?donneur={world.other}&mois=2024-04")
    assert refused.status_code == 400


@pytest.mark.parametrize("role", ["company", "plie"])
def test_companies_and_plie_are_refused(app, world, role):
    client = login(app, role)
    assert client.get("/rapports").status_code == 403
    assert client.get(f"/rapports/mensuel/{world.buyer}/2024-04").status_code == 403
    assert client.get(f"/rapports/mensuel/{world.buyer}/2024-04.pdf").status_code == 403
