"""The app skeleton over HTTP: health, JSON errors in French, the home page."""

from __future__ import annotations

import uuid

import pytest

from clauses_service import db
from events.catalog.buyers import BuyerKind, BuyerRegistered
from events.errors import ConcurrencyError
from tests.conftest import SQL_BACKENDS

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


@pytest.fixture
def app(app):
    @app.get("/api/v1/_boom")
    def boom():
        raise RuntimeError("unexpected")

    @app.get("/api/v1/_stale")
    def stale():
        raise ConcurrencyError("s-1", 1, 2)

    return app


def test_healthz_reports_database_and_schema(app, backend):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == backend
    assert response.json["schema"] == db.head_revision(app.extensions["clauses"].engine)


def test_unknown_api_path_is_json_404_in_french(app):
    response = app.test_client().get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json and response.json["message"] == "Ressource introuvable."


def test_wrong_method_is_json_405_with_allow_header(app):
    response = app.test_client().post("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.json["message"].startswith("Méthode non autorisée")


def test_unexpected_error_is_json_500_never_html(app):
    response = app.test_client().get("/api/v1/_boom")
    assert response.status_code == 500 and response.is_json
    assert "Erreur interne" in response.json["message"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_named_store_error_maps_to_its_status(app):
    response = app.test_client().get("/api/v1/_stale")
    assert response.status_code == 409
    assert "version attendue 1" in response.json["message"]


def test_home_page_is_french_and_invites_to_log_in(app):
    store = app.extensions["clauses"].store
    buyer = uuid.uuid4()
    kind = BuyerKind.BAILLEUR_SOCIAL
    store.append("buyer", str(buyer), 0, [BuyerRegistered(buyer, "Grand Dijon Habitat", kind)])
    response = app.test_client().get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'lang="fr"' in page and "Connectez-vous" in page
    assert "Grand Dijon Habitat" not in page  # nothing of the territory before login


def test_html_404_for_pages(app):
    response = app.test_client().get("/nulle-part", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Ressource introuvable" in response.get_data(as_text=True)
    assert response.content_type.startswith("text/html")
