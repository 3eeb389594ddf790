"""People pages and the facilitator's forms through the Flask test client: list and
search (50 a page), a person's page, registration, orientation, validation, refusal and
contract forms (CSRF, errors next to their field, one action per form sent twice)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from clauses_service.web.schedule import today
from projections import queries
from tests.conftest import SQL_BACKENDS
from tests.e2e.test_web_pages import csrf_of, hidden, land, login, rows_of, text_of
from tests.support.territory import Territory

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
__all__ = ["land"]  # the fixture, shared with test_web_pages


def fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def post_form(client, path: str, data: dict):
    """GET the form (CSRF token, one-time key), then POST ``data`` with them."""
    page = text_of(client.get(path))
    body = {"csrf_token": csrf_of(page), "request_key": hidden(page, "request_key"), **data}
    return client.post(path, data=body), body


def error_of(page: str, field_id: str) -> str:
    found = re.search(rf'<span class="error" id="{field_id}-error">([^<]+)</span>', page)
    return found.group(1).replace("&#39;", "'") if found else ""


def contracts_of(app, person_id) -> list[dict]:
    with app.extensions["clauses"].store.reading() as conn:
        return queries.contracts_of_person(conn, person_id)


def test_people_list_is_paginated_by_50_and_searchable(app, land):
    t = Territory(app.extensions["clauses"].store, now=datetime.now(UTC))
    for index in range(48):  # 3 people already: 51 in all
        t.person("Zed", f"Prénom{index:02d}", date(1980, 1, 1) + timedelta(days=index))
    client = login(app, "facilitator")
    first = text_of(client.get("/personnes"))
    assert len(rows_of(first)) == 50 and "1 à 50 sur 51 personne(s)" in first
    assert 'href="/personnes?page=2"' in first
    second = text_of(client.get("/personnes?page=2"))
    assert len(rows_of(second)) == 1 and "51 à 51 sur 51" in second
    found = rows_of(text_of(client.get("/personnes?q=bernard+in%C3%A8s")))
    assert len(found) == 1 and "Bernard" in found[0] and "02/04/1988" in found[0]
    by_birth = rows_of(text_of(client.get("/personnes?q=02/04/1988")))
    assert len(by_birth) == 1
    assert "Aucune personne" in text_of(client.get("/personnes?q=personne-inconnue"))


def test_person_page_shows_identity_decisions_contracts_and_history(app, land):
    page = text_of(login(app, "facilitator").get(f"/personnes/{land['worker']}"))
    assert "<h1>Bernard Inès</h1>" in page and "02/04/1988" in page
    decisions = page.split('id="validations"', 1)[1].split("</section>", 1)[0]
    assert "Validée jusqu'au" in decisions and "Demandeur d'emploi de longue durée" in decisions
    contracts = page.split('id="contrats"', 1)[1].split("</section>", 1)[0]
    assert "2025-BTP-01" in contracts and "lot 1" in contracts and "270,25\u00a0h" in contracts
    history = page.split('id="historique"', 1)[1]
    assert "Inscription" in history and "Éligibilité validée" in history
    assert "facilitatrice" in history


def test_plie_team_reads_its_participants_only(app, land):
    t = Territory(app.extensions["clauses"].store, now=datetime.now(UTC))
    t.plie_link(land["worker"], today() - timedelta(days=100), "Mme Référente")
    client = login(app, "plie")
    listing = text_of(client.get("/participants-plie"))
    assert "Bernard" in listing and "Petit" not in listing and "Roux" not in listing
    page = text_of(client.get(f"/personnes/{land['worker']}"))
    assert "Mme Référente" in page and "2025-BTP-01" in page
    assert 'id="validations"' not in page and 'id="historique"' not in page
    assert client.get(f"/personnes/{land['waiting']}").status_code == 404
    assert client.get(f"/personnes/{land['worker']}/validation").status_code == 403


def test_registering_a_person_needs_csrf_and_shows_errors_next_to_fields(app, land):
    client = login(app, "facilitator")
    bare = client.post("/personnes/nouvelle", data={"last_name": "Sans", "first_name": "Jeton"})
    assert bare.status_code == 400
    response, _ = post_form(client, "/personnes/nouvelle", {"last_name": "Lefèvre"})
    page = text_of(response)
    assert response.status_code == 422
    assert error_of(page, "first_name") == "Le prénom est obligatoire."
    assert error_of(page, "birth_date") == "La date de naissance est obligatoire."
    assert 'id="first_name" name="first_name" aria-invalid="true"' in page or (
        'aria-describedby="first_name-error"' in page
    )
    assert 'value="Lefèvre"' in page  # what was typed stays
    response, _ = post_form(
        client,
        "/personnes/nouvelle",
        {"last_name": "Lefèvre", "first_name": "Sarah", "birth_date": "31/02/1990", "sex": "F"},
    )
    assert error_of(text_of(response), "birth_date").startswith("Date invalide « 31/02/1990 »")
    # A domain rule (age 15 to 80) comes back next to its field.
    response, _ = post_form(
        client,
        "/personnes/nouvelle",
        {"last_name": "Lefèvre", "first_name": "Sarah", "birth_date": "01/01/1900", "sex": "F"},
    )
    assert response.status_code == 422
    assert "entre 15 et 80 ans" in error_of(text_of(response), "birth_date")
    response, body = post_form(
        client,
        "/personnes/nouvelle",
        {
            "last_name": "Lefèvre",
            "first_name": "Sarah",
            "birth_date": "12/05/1992",
            "sex": "F",
            "commune": "Dijon",
            "qpv": "Dijon – Grésilles",
            "rsa": "y",
        },
    )
    assert response.status_code == 302
    person_path = response.headers["Location"]
    page = text_of(client.get(person_path))
    assert "<h1>Lefèvre Sarah</h1>" in page and "Dijon – Grésilles" in page
    assert "Personne enregistrée." in page
    # The same form sent again (double click) registers nobody else.
    again = client.post("/personnes/nouvelle", data=body)
    assert again.status_code == 302 and again.headers["Location"] == person_path
    assert text_of(client.get("/personnes?q=lefevre")).count("Lefèvre</a>") == 1


def test_orientation_then_validation_with_evidence(app, land):
    client = login(app, "facilitator")
    waiting = land["waiting"]
    response, _ = post_form(
        client,
        f"/personnes/{waiting}/orientation",
        {
            "prescriber_name": "Mission locale Dijon",
            "prescriber_kind": "MISSION_LOCALE",
            "oriented_on": fr(today() + timedelta(days=3)),
            "sectors": ["SERVICES"],
        },
    )
    assert response.status_code == 422
    assert "dans le futur" in error_of(text_of(response), "oriented_on")
    response, _ = post_form(
        client,
        f"/personnes/{waiting}/orientation",
        {
            "prescriber_name": "Mission locale Dijon",
            "prescriber_kind": "MISSION_LOCALE",
            "oriented_on": fr(today()),
            "sectors": [],
        },
    )
    assert "au moins un secteur" in error_of(text_of(response), "sectors")
    response, _ = post_form(
        client,
        f"/personnes/{waiting}/orientation",
        {
            "prescriber_name": "Mission locale Dijon",
            "prescriber_kind": "MISSION_LOCALE",
            "oriented_on": fr(today()),
            "sectors": ["SERVICES", "BTP"],
        },
    )
    assert response.status_code == 302
    form = text_of(client.get(f"/personnes/{waiting}/validation"))
    assert (
        'value="SERVICES" checked' in form
        or 'checked id="sectors-1"' in form
        or (re.search(r'<input checked[^>]*value="SERVICES"', form))
    )
    base = {"sectors": ["SERVICES"], "criteria": ["BRSA"], "validated_on": fr(today())}
    response, _ = post_form(
        client,
        f"/personnes/{waiting}/validation",
        {**base, "evidence-0-criterion": "BRSA", "evidence-0-document": "Attestation CAF"},
    )
    assert response.status_code == 422
    assert "Justificatif n° 1 : indiquer le critère, le document et sa date." in text_of(response)
    response, _ = post_form(
        client,
        f"/personnes/{waiting}/validation",
        {
            **base,
            "evidence-0-criterion": "QPV",
            "evidence-0-document": "Facture EDF",
            "evidence-0-dated": fr(today()),
        },
    )
    assert response.status_code == 422
    assert "n'est pas retenu" in error_of(text_of(response), "evidence")
    old = today() - timedelta(days=150)
    response, _ = post_form(
        client,
        f"/personnes/{waiting}/validation",
        {
            **base,
            "evidence-0-criterion": "BRSA",
            "evidence-0-document": "Attestation CAF",
            "evidence-0-dated": fr(old),
        },
    )
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    until = (
        today().replace(year=today().year + 2)
        if not (today().month == 2 and today().day == 29)
        else date(today().year + 2, 2, 28)
    )
    assert f"Éligibilité validée jusqu'au {fr(until)}." in page
    assert "plus de 3 mois avant la validation" in page  # stale evidence: a warning
    assert "Attestation CAF (" + fr(old) + ")" in page
    dashboard = text_of(client.get("/tableau-de-bord"))
    assert "Petit Marc" not in dashboard.split('id="attente"', 1)[1]


def test_refusal_with_other_reason_needs_its_text(app, land):
    client = login(app, "facilitator")
    path = f"/personnes/{land['waiting']}/refus"
    data = {"sectors": ["BTP"], "reason": "AUTRE", "refused_on": fr(today())}
    response, _ = post_form(client, path, data)
    assert response.status_code == 422
    assert error_of(text_of(response), "reason_text") == (
        "Préciser le motif du refus (motif « Autre »)."
    )
    response, _ = post_form(client, path, {**data, "reason_text": "Déménagement hors région"})
    assert response.status_code == 302
    page = text_of(client.get(f"/personnes/{land['waiting']}"))
    assert "Autre motif : Déménagement hors région" in page


def test_contract_form_checks_eligibility_and_records_once(app, land):
    client = login(app, "facilitator")
    person = land["waiting"]  # oriented, never validated
    form = text_of(client.get(f"/personnes/{person}/contrat"))
    lot_value = re.search(r'<option value="([0-9a-f-]+:[0-9a-f-]+)">2025-BTP-01 · lot 1', form)
    assert lot_value and "<optgroup" in form
    data = {
        "lot": lot_value.group(1),
        "employer_siret": land["own"].siret,
        "contract_type": "CDD",
        "modality": "EMBAUCHE_DIRECTE",
        "start_date": fr(today()),
        "weekly_hours": "24,5",
    }
    response, _ = post_form(client, f"/personnes/{person}/contrat", data)
    assert response.status_code == 422
    assert "validation" in error_of(text_of(response), "override").lower()
    response, _ = post_form(client, f"/personnes/{person}/contrat", {**data, "override": "y"})
    assert error_of(text_of(response), "override_reason").startswith("Expliquer pourquoi")
    response, _ = post_form(
        client, f"/personnes/{person}/contrat", {**data, "employer_siret": "12345678901234"}
    )
    assert "SIRET" in error_of(text_of(response), "employer_siret")
    response, body = post_form(
        client,
        f"/personnes/{person}/contrat",
        {**data, "override": "y", "override_reason": "Validation en cours à France Travail"},
    )
    assert response.status_code == 302
    again = client.post(f"/personnes/{person}/contrat", data=body)
    assert again.status_code == 302
    (contract,) = contracts_of(app, person)
    assert contract["contract_type"] == "CDD" and str(contract["weekly_hours"]) == "24.50"
    assert contract["eligibility_override"] == "Validation en cours à France Travail"
    page = text_of(client.get(f"/personnes/{person}"))
    assert "Dérogation : Validation en cours à France Travail" in page


def test_forms_of_unknown_or_merged_people_are_404(app, land):
    client = login(app, "facilitator")
    assert client.get(f"/personnes/{uuid.uuid4()}/validation").status_code == 404
    t = Territory(app.extensions["clauses"].store, now=datetime.now(UTC))
    twin = t.person("Petit", "Marc", date(1979, 9, 30))
    t.merge(land["waiting"], twin)
    assert client.get(f"/personnes/{twin}/contrat").status_code == 404
    page = text_of(client.get(f"/personnes/{twin}"))
    assert "Cette fiche a été fusionnée" in page
