"""/api/v1/reports/issued: issue, list, download as issued after a correction, rectificatif,
failed deliveries; scope: a buyer sees its own buyer's reports only (404 otherwise),
the PLIE team and companies none (403). Figures: see issue_support."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.conftest import SQL_BACKENDS
from tests.e2e.conftest import app, as_role, territory  # noqa: F401
from tests.reports.issue_support import APRIL, build_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
URL = "/api/v1/reports/issued"


@pytest.fixture
def world(app, territory):  # noqa: F811
    store = app.extensions["clauses"].store
    return build_world(
        store, attach=False, buyers=(territory["own_buyer"], territory["other_buyer"])
    )


def issue(app, as_role, buyer, month="2025-04"):  # noqa: F811
    return app.test_client().post(
        URL, json={"buyer_id": str(buyer), "month": month}, headers=as_role("facilitator")
    )


def test_issue_download_after_correction_and_rectificatif(app, world, as_role):  # noqa: F811
    client = app.test_client()
    created = issue(app, as_role, world.buyer)
    assert created.status_code == 201, created.get_json()
    report_id = created.get_json()["report_id"]
    issued_hash = created.get_json()["content_sha256"]
    again = issue(app, as_role, world.buyer)
    assert again.status_code == 409
    assert again.get_json()["message"].startswith("Le rapport mensuel de 04/2025 a déjà été émis")

    world.t.correct(world.contract, APRIL, "90")
    content = client.get(f"{URL}/{report_id}/content", headers=as_role("buyer"))
    assert content.status_code == 200
    lot = content.get_json()["markets"][0]["lots"][0]
    assert (lot["month_hours"], lot["cumulative_hours"]) == ("120.00", "220.00")
    xlsx = client.get(f"{URL}/{report_id}/content?format=xlsx", headers=as_role("buyer"))
    assert xlsx.status_code == 200 and xlsx.headers["Content-Disposition"].startswith("attachment")
    load_workbook(io.BytesIO(xlsx.data))

    rect = client.get(f"{URL}/{report_id}/rectificatif", headers=as_role("facilitator"))
    data = rect.get_json()
    assert data["issued_sha256"] == issued_hash != data["current_sha256"]
    assert len(data["changes"]) == 27
    assert data["changes"][0] == {
        "scope": "Marché 2024-BTP-01",
        "indicator": "Heures du mois",
        "issued": "120.00",
        "current": "90.00",
    }

    listing = client.get(URL, headers=as_role("buyer")).get_json()["items"]
    assert [(r["report_id"], r["month"], r["delivery_status"]) for r in listing] == [
        (report_id, "2025-04", "PENDING")
    ]
    detail = client.get(f"{URL}/{report_id}", headers=as_role("admin")).get_json()
    assert detail["deliveries"] == [] and detail["buyer_name"] == "Dijon Métropole"


def test_scope_of_issued_reports(app, world, as_role):  # noqa: F811
    client = app.test_client()
    other = issue(app, as_role, world.other_buyer).get_json()["report_id"]
    for path in (f"{URL}/{other}", f"{URL}/{other}/content", f"{URL}/{other}/rectificatif"):
        response = client.get(path, headers=as_role("buyer"))
        assert response.status_code == 404, path
        assert response.get_json()["message"] == "Rapport émis introuvable."
    assert client.get(URL, headers=as_role("buyer")).get_json()["items"] == []
    assert client.get(f"{URL}?buyer={world.other_buyer}", headers=as_role("buyer")).get_json() == {
        "items": []
    }
    for role in ("plie", "company"):
        assert client.get(URL, headers=as_role(role)).status_code == 403
    refused = client.post(
        URL, json={"buyer_id": str(world.buyer), "month": "2025-04"}, headers=as_role("buyer")
    )
    assert refused.status_code == 403
    assert client.get(f"{URL}/failed", headers=as_role("buyer")).status_code == 403


def test_bad_input_is_a_french_4xx(app, world, as_role):  # noqa: F811
    client = app.test_client()
    bad_month = issue(app, as_role, world.buyer, "2025-13")
    assert bad_month.status_code == 422
    assert "Mois invalide" in str(bad_month.get_json())
    unfinished = issue(app, as_role, world.buyer, "2099-01")
    assert unfinished.status_code == 422
    assert "n'est pas terminé" in unfinished.get_json()["message"]
    unknown = client.post(
        URL,
        json={"buyer_id": "00000000-0000-4000-8000-000000000000", "month": "2025-04"},
        headers=as_role("facilitator"),
    )
    assert unknown.status_code == 404
    assert unknown.get_json()["message"] == "Donneur d'ordre introuvable."
    missing = client.get(f"{URL}/00000000-0000-4000-8000-000000000000", headers=as_role("admin"))
    assert missing.status_code == 404
    wrong_format = client.get(
        f"{URL}/00000000-0000-4000-8000-000000000000/content?format=doc",
        headers=as_role("admin"),
    )
    assert wrong_format.status_code == 422
