"""GET /api/v1/reports/monthly: JSON figures exact to the cent (strings), XLSX and PDF
downloads, and the scope: a buyer reads its own buyer's report only (404 otherwise),
companies and the PLIE team none (403); bad input is a French 422, never a 500."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.conftest import SQL_BACKENDS
from tests.e2e.conftest import COMPANY_SIRET, app, as_role, territory  # noqa: F401
from tests.reports.monthly_world import build_monthly_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
URL = "/api/v1/reports/monthly"


@pytest.fixture
def world(app, territory):  # noqa: F811
    store = app.extensions["clauses"].store
    return build_monthly_world(
        store, territory["own_buyer"], territory["other_buyer"], a_siret=COMPANY_SIRET
    )


def get(application, headers, **params):
    return application.test_client().get(URL, query_string=params, headers=headers)


def test_json_report_for_the_facilitator(app, world, as_role):  # noqa: F811
    response = get(app, as_role("facilitator"), buyer=str(world.buyer), month="2024-04")
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["kind"] == "monthly" and data["month"] == "2024-04-01"
    assert data["buyer"] == {"id": str(world.buyer), "name": "Dijon Métropole"}
    assert data["totals"]["cumulative_hours"] == "868.00"
    assert data["totals"]["projected_hours"] == "4577.01"
    m1, m2 = data["markets"]
    assert [lot["cumulative_hours"] for lot in m1["lots"]] == ["512.42", "145.25"]
    assert (m2["behind_schedule"], m2["rate"], m2["lots"][0]["expected_hours"]) == (
        True,
        "23.37",
        "300.00",
    )
    assert data["public"]["plie"] == {
        "label": "Participants PLIE",
        "people": 3,
        "hours": "371.00",
        "month_people": 2,
        "month_hours": "301.00",
    }
    assert data["splits"]["sector"][1] == {
        "key": "SERVICES",
        "label": "Services",
        "hours": "210.33",
        "month_hours": "70.33",
        "people": 1,
        "contracts": 1,
    }


def test_downloads(app, world, as_role):  # noqa: F811
    xlsx = get(app, as_role("admin"), buyer=str(world.buyer), month="2024-04", format="xlsx")
    assert xlsx.status_code == 200
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = xlsx.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="rapport-mensuel-dijon-metropole-2024-04.xlsx"'
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["Synthèse", "2024-BTP-01", "2024-SRV-02"]
    pdf = get(app, as_role("facilitator"), buyer=str(world.buyer), month="2024-04", format="pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")


def test_buyer_reads_its_own_report_only(app, world, as_role):  # noqa: F811
    own = get(app, as_role("buyer"), buyer=str(world.buyer), month="2024-04")
    assert own.status_code == 200 and own.get_json()["totals"]["cumulative_hours"] == "868.00"
    other = get(app, as_role("buyer"), buyer=str(world.other), month="2024-04")
    assert other.status_code == 404
    assert other.get_json()["message"] == "Donneur d'ordre introuvable."
    unknown = "00000000-0000-0000-0000-000000000000"
    assert get(app, as_role("facilitator"), buyer=unknown, month="2024-04").status_code == 404


@pytest.mark.parametrize("role", ["company", "plie"])
def test_companies_and_plie_are_refused(app, world, as_role, role):  # noqa: F811
    response = get(app, as_role(role), buyer=str(world.buyer), month="2024-04")
    assert response.status_code == 403
    assert "Accès refusé" in response.get_json()["message"]


def test_anonymous_and_bad_input(app, world, as_role):  # noqa: F811
    assert get(app, {}, buyer=str(world.buyer), month="2024-04").status_code == 401
    bad_month = get(app, as_role("facilitator"), buyer=str(world.buyer), month="2024-13")
    assert bad_month.status_code == 422
    assert "Mois invalide" in str(bad_month.get_json())
    bad_format = get(
        app, as_role("facilitator"), buyer=str(world.buyer), month="2024-04", format="docx"
    )
    assert bad_format.status_code == 422 and "Valeur inconnue" in str(bad_format.get_json())
    no_buyer = get(app, as_role("facilitator"), month="2024-04")
    assert no_buyer.status_code == 422 and "Champ obligatoire" in str(no_buyer.get_json())
