"""Login and logout with the session cookie: CSRF on every form, French messages."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SQL_BACKENDS

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_login_requires_the_csrf_token(app, territory):
    client = app.test_client()
    response = client.post(
        "/connexion",
        data={"email": "facilitator@example.org", "password": "un-mot-de-passe-solide"},
    )
    assert response.status_code == 422
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    assert "Se déconnecter" not in client.get("/").get_data(as_text=True)


def test_login_logout_round_trip(app, territory):
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    assert "Adresse e-mail" in page and "Mot de passe" in page
    wrong = client.post(
        "/connexion",
        data={"email": "facilitator@example.org", "password": "faux", "csrf_token": csrf_of(page)},
    )
    assert wrong.status_code == 401 and "Identifiants incorrects" in wrong.get_data(as_text=True)
    page = client.get("/connexion").get_data(as_text=True)
    ok = client.post(
        "/connexion?next=//evil.example/",
        data={
            "email": "FACILITATOR@example.org",
            "password": "un-mot-de-passe-solide",
            "csrf_token": csrf_of(page),
        },
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/"  # no open redirect
    home = client.get("/").get_data(as_text=True)
    assert "Dijon Métropole" in home and "Se déconnecter" in home
    # Logout is a form with its CSRF token; a bare POST is refused.
    assert client.post("/deconnexion").status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)
    assert client.post("/deconnexion", data={"csrf_token": token}).status_code == 302
    assert "Se déconnecter" not in client.get("/").get_data(as_text=True)


def test_api_with_session_cookie_needs_csrf_for_writes(app, territory):
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    client.post(
        "/connexion",
        data={
            "email": "facilitator@example.org",
            "password": "un-mot-de-passe-solide",
            "csrf_token": csrf_of(page),
        },
    )
    assert client.get("/api/v1/buyers").status_code == 200
    response = client.post("/api/v1/buyers", json={"name": "X", "kind": "ETAT"})
    assert response.status_code == 400 and "expiré" in response.json["message"]
