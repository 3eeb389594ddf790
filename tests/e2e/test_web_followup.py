"""The facilitator's follow-up forms: PLIE entry and exit, end of contract, exits."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from clauses_service.web.schedule import today
from projections import queries
from tests.conftest import SQL_BACKENDS
from tests.e2e.test_web_pages import land, login, text_of
from tests.e2e.test_web_people import error_of, fr, post_form

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
__all__ = ["land"]


def test_plie_entry_and_exit(app, land):
    client = login(app, "facilitator")
    person = land["waiting"]
    path = f"/personnes/{person}/plie"
    response, _ = post_form(client, path, {"referent": "", "entry_date": fr(today())})
    assert response.status_code == 422
    assert error_of(text_of(response), "referent") == "Le nom du référent PLIE est obligatoire."
    response, _ = post_form(client, path, {"referent": "Mme Roy", "entry_date": fr(today())})
    assert response.status_code == 302
    page = text_of(client.get(f"/personnes/{person}"))
    assert "Entrée au PLIE enregistrée." in page and "Mme Roy" in page
    assert "Enregistrer une entrée au PLIE" not in page  # one link open at a time
    exit_path = re.search(r'href="(/personnes/[^"]+/plie/[^"]+/sortie)"', page).group(1)
    response, _ = post_form(
        client, exit_path, {"exit_date": fr(today() - timedelta(days=1)), "reason": "Emploi"}
    )
    assert response.status_code == 422
    assert "ne peut pas précéder" in error_of(text_of(response), "exit_date")
    response, _ = post_form(client, exit_path, {"exit_date": fr(today()), "reason": "Emploi"})
    assert response.status_code == 302
    with app.extensions["clauses"].store.reading() as conn:
        (link,) = queries.plie_links_of(conn, person)
    assert link["exit_date"] == today() and link["reason"] == "Emploi"
    assert client.get(f"/personnes/{person}/plie/{uuid.uuid4()}/sortie").status_code == 404


def test_end_of_contract_then_exit(app, land):
    client = login(app, "facilitator")
    person = land["worker"]
    page = text_of(client.get(f"/personnes/{person}"))
    end_path = re.search(r'href="(/personnes/[^"]+/contrats/[^"]+/fin)"', page).group(1)
    exit_path = end_path.replace("/fin", "/sortie")
    response, _ = post_form(
        client, exit_path, {"stage": "SIX_MONTHS", "outcome": "CDI", "observed_on": fr(today())}
    )
    assert response.status_code == 422
    assert "contrat terminé" in error_of(text_of(response), "stage")
    ended = today()  # hours run up to this month
    response, _ = post_form(client, end_path, {"end_date": fr(ended), "reason": "AUTRE"})
    assert response.status_code == 422 and error_of(text_of(response), "reason_text")
    response, _ = post_form(client, end_path, {"end_date": fr(ended), "reason": "TERME"})
    assert response.status_code == 302
    response, _ = post_form(
        client,
        exit_path,
        {"stage": "AT_END", "outcome": "CDI", "observed_on": fr(today()), "detail": "Embauchée"},
    )
    assert response.status_code == 302
    page = text_of(client.get(f"/personnes/{person}"))
    assert "Sortie à la fin du contrat : CDI (positive)" in page and "Embauchée" in page
    assert "Enregistrer la fin du contrat" not in page
    # Another person's contract under this person's URL is not found.
    other = queries.contracts_of_person
    with app.extensions["clauses"].store.reading() as conn:
        (rival,) = other(conn, land["rival_worker"])
    wrong = f"/personnes/{person}/contrats/{rival['contract_id']}/sortie"
    assert client.get(wrong).status_code == 404
    assert login(app, "plie").get(exit_path).status_code == 403
