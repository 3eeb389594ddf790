"""The annual reports through the API, the web pages and the CLI: who may read them
(PLIE, facilitator, admin; buyers and companies get 403), the downloads, bad years (422
with a French message), and ``clauses report bilan|national`` writing files."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import app, as_role, territory  # noqa: F401  (fixtures)
from tests.e2e.test_web_pages import login
from tests.reports.annual_world import build_annual_world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(app, territory):  # noqa: F811
    return build_annual_world(app.extensions["clauses"].store)


def test_bilan_api_json_and_xlsx(app, world, as_role):  # noqa: F811
    client = app.test_client()
    for role in ("plie", "facilitator", "admin"):
        response = client.get("/api/v1/reports/bilan?year=2024", headers=as_role(role))
        assert response.status_code == 200, (role, response.get_json())
        data = response.get_json()
        assert data["hours"]["total"] == "562.11"
        assert data["participants"]["total"] == 3
    xlsx = client.get("/api/v1/reports/bilan?year=2024&format=xlsx", headers=as_role("plie"))
    assert xlsx.status_code == 200 and xlsx.mimetype == XLSX
    assert 'filename="bilan-plie-2024.xlsx"' in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.data))["Heures"]
    assert sheet["E11"].value == 562.11


def test_national_api_csv(app, world, as_role):  # noqa: F811
    client = app.test_client()
    data = client.get("/api/v1/reports/national?year=2024", headers=as_role("admin")).get_json()
    assert data["totals"]["hours"] == "887.11" and data["totals"]["fte"] == "0.55"
    response = client.get(
        "/api/v1/reports/national?year=2024&format=csv", headers=as_role("facilitator")
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][3:5] == ["887,11", "0,55"]


def test_buyers_and_companies_are_refused(app, world, as_role):  # noqa: F811
    client = app.test_client()
    for role in ("company", "buyer"):
        for url in ("/api/v1/reports/bilan?year=2024", "/api/v1/reports/national?year=2024"):
            response = client.get(url, headers=as_role(role))
            assert response.status_code == 403, (role, url)
            assert "Accès refusé" in json.dumps(response.get_json(), ensure_ascii=False)
    assert client.get("/api/v1/reports/bilan?year=2024").status_code == 401


def test_bad_years_and_formats_are_a_french_422(app, territory, as_role):  # noqa: F811
    client = app.test_client()
    for query in ("", "?year=deux-mille", "?year=1890", "?year=2024&format=pdf"):
        response = client.get(f"/api/v1/reports/national{query}", headers=as_role("plie"))
        assert response.status_code == 422, query
        text = json.dumps(response.get_json(), ensure_ascii=False)
        assert any(
            word in text for word in ("obligatoire", "entier", "Doit être", "valeurs possibles")
        ), text


def test_web_pages_for_the_plie_and_refused_to_buyers(app, world):  # noqa: F811
    plie = login(app, "plie")
    page = plie.get("/rapports/bilan?annee=2024")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bilan annuel PLIE 2024" in html and "562,11\u00a0h" in html
    assert "Bilan annuel</a>" in html  # the PLIE menu entry
    download = plie.get("/rapports/bilan/2024.xlsx")
    assert download.status_code == 200 and download.mimetype == XLSX
    national = plie.get("/rapports/national?annee=2024").get_data(as_text=True)
    assert "887,11\u00a0h" in national
    csv_file = plie.get("/rapports/national/2024.csv")
    assert csv_file.data.startswith("\ufeff".encode())
    assert plie.get("/rapports/national/2024.pdf").status_code == 404
    buyer = login(app, "buyer")
    assert buyer.get("/rapports/bilan?annee=2024").status_code == 403
    assert buyer.get("/rapports/national/2024.csv").status_code == 403


def clauses(*args: str, url: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLAUSES_DATABASE_URL": url, "CLAUSES_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run(
        [sys.executable, "-m", "clauses_service.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_writes_the_files(app, world, database_url, tmp_path):  # noqa: F811
    bilan = tmp_path / "bilan.xlsx"
    done = clauses(
        "report", "bilan", "--year", "2024", "-o", str(bilan), url=database_url, tmp_path=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "Écrit :" in done.stdout
    assert load_workbook(bilan)["Heures"]["E11"].value == 562.11
    national = tmp_path / "national.csv"
    done = clauses(
        "report",
        "national",
        "--year",
        "2024",
        "-o",
        str(national),
        url=database_url,
        tmp_path=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (
        national.read_bytes()
        .decode("utf-8-sig")
        .splitlines()[1]
        .startswith("2024;Total;Ensemble;887,11;0,55;")
    )
    as_json = tmp_path / "bilan.json"
    done = clauses(
        "report", "bilan", "--year", "2024", "-o", str(as_json), url=database_url, tmp_path=tmp_path
    )
    assert json.loads(as_json.read_text("utf-8"))["hours"]["total"] == "562.11"
    wrong = clauses(
        "report",
        "national",
        "--year",
        "2024",
        "-o",
        str(tmp_path / "x.pdf"),
        url=database_url,
        tmp_path=tmp_path,
    )
    assert wrong.returncode == 1
    assert wrong.stderr.startswith("Erreur : Format de fichier inconnu « x.pdf »")
