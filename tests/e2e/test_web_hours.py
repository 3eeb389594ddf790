"""A contract's hours on the web (record, correct, withdraw, history) and the person
record's merge and erase forms, through real forms on both databases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from clauses_service.web.schedule import today
from projections import queries
from tests.conftest import SQL_BACKENDS
from tests.e2e.test_web_pages import land, login, text_of
from tests.e2e.test_web_people import error_of, post_form

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
__all__ = ["land"]


def _reading(app):
    return app.extensions["clauses"].store.reading()


def _contract(app, person_id) -> dict:
    with _reading(app) as conn:
        (contract,) = queries.contracts_of_person(conn, person_id)
    return contract


def _lines(app, contract_id) -> dict:
    with _reading(app) as conn:
        return {x["month"]: x for x in queries.hours_of_contract(conn, contract_id)}


def _free_month(app, contract) -> date:
    """A month of the contract with no hours yet (two months after its start)."""
    month = (contract["start_date"].replace(day=1) + timedelta(days=62)).replace(day=1)
    assert month not in _lines(app, contract["contract_id"])
    return month


def test_record_a_month_typed_like_a_timesheet_cell(app, land):
    contract = _contract(app, land["worker"])
    base = f"/personnes/{land['worker']}/contrats/{contract['contract_id']}/heures"
    client = login(app, "facilitator")
    page = text_of(client.get(base))
    assert "Heures par mois" in page and "150,25" in page.replace("\u202f", " ")
    month = _free_month(app, contract)
    response, _ = post_form(
        client,
        base,
        {"month": month.strftime("%m/%Y"), "hours": "7h30", "training_hours": "1,5"},
    )
    assert response.status_code == 302
    line = _lines(app, contract["contract_id"])[month]
    assert (line["hours"], line["training_hours"]) == (Decimal("7.50"), Decimal("1.50"))
    assert "Saisie manuelle par facilitator@example.org" in text_of(client.get(base))


def test_refused_hours_are_explained_next_to_the_field(app, land):
    contract = _contract(app, land["worker"])
    base = f"/personnes/{land['worker']}/contrats/{contract['contract_id']}/heures"
    client = login(app, "facilitator")
    month = _free_month(app, contract)
    response, _ = post_form(client, base, {"month": month.strftime("%m/%Y"), "hours": "250"})
    assert response.status_code == 422
    assert "au-delà du maximum" in error_of(text_of(response), "hours")
    response, _ = post_form(client, base, {"month": "13/2026", "hours": "10"})
    assert response.status_code == 422
    assert "n'est pas un mois valide" in error_of(text_of(response), "month")
    assert month not in _lines(app, contract["contract_id"])


def test_correct_then_withdraw_keep_every_version(app, land):
    contract = _contract(app, land["worker"])
    month = today().replace(day=1)  # 150.25 h recorded by the fixture
    base = f"/personnes/{land['worker']}/contrats/{contract['contract_id']}/heures"
    client = login(app, "facilitator")
    path = f"{base}/{month:%Y-%m}/correction"
    assert 'value="150,25"' in text_of(client.get(path))  # the current value, to edit
    response, _ = post_form(client, path, {"hours": "140", "reason": ""})
    assert response.status_code == 422
    assert error_of(text_of(response), "reason") == "Le motif est obligatoire."
    response, _ = post_form(client, path, {"hours": "140", "reason": "Erreur de saisie"})
    assert response.status_code == 302
    assert _lines(app, contract["contract_id"])[month]["hours"] == Decimal("140.00")
    response, _ = post_form(client, f"{base}/{month:%Y-%m}/retrait", {"reason": "Doublon ETTI"})
    assert response.status_code == 302
    assert _lines(app, contract["contract_id"])[month]["withdrawn"] is True
    with _reading(app) as conn:
        history = queries.hours_history_of(conn, contract["contract_id"], month)
    assert [(v["kind"], v["hours"]) for v in history] == [
        ("RECORDED", Decimal("150.25")),
        ("CORRECTED", Decimal("140.00")),
        ("WITHDRAWN", None),
    ]
    page = text_of(client.get(base))
    assert "Erreur de saisie" in page and "Doublon ETTI" in page and "retirées" in page
    assert client.get(f"{base}/{month:%Y-%m}/correction").status_code == 404  # withdrawn


def test_merge_a_duplicate_record(app, land):
    twin = land["t"].person("BERNARD", "ines", date(1988, 4, 2))
    client = login(app, "facilitator")
    path = f"/personnes/{land['worker']}/fusion"
    assert str(twin) in text_of(client.get(path))  # offered: same names and birth date
    response, _ = post_form(client, path, {"duplicate": str(twin)})
    assert response.status_code == 422
    assert error_of(text_of(response), "confirm") == "Cochez la case pour confirmer la fusion."
    response, _ = post_form(client, path, {"duplicate": str(twin), "confirm": "y"})
    assert response.status_code == 302
    with _reading(app) as conn:
        assert queries.survivor_of(conn, str(twin)) == str(land["worker"])
    # another record, found by the search on the page
    other = land["rival_worker"]
    page = text_of(client.get(f"{path}?q=roux"))
    assert str(other) in page


def test_erase_personal_data_needs_the_confirmation(app, land):
    client = login(app, "facilitator")
    path = f"/personnes/{land['waiting']}/effacement"
    response, _ = post_form(client, path, {})
    assert response.status_code == 422
    with _reading(app) as conn:
        assert queries.get_person(conn, land["waiting"])["last_name"] == "Petit"
    response, _ = post_form(client, path, {"confirm": "y"})
    assert response.status_code == 302
    with _reading(app) as conn:
        erased = queries.get_person(conn, land["waiting"])
    assert erased["erased"] is True and erased["last_name"] is None


def test_hours_pages_are_the_facilitators_and_scoped_to_the_person(app, land):
    contract = _contract(app, land["worker"])
    rival = _contract(app, land["rival_worker"])
    for role in ("company", "buyer", "plie"):
        client = login(app, role)
        url = f"/personnes/{land['worker']}/contrats/{contract['contract_id']}/heures"
        assert client.get(url).status_code == 403
        assert client.get(f"/personnes/{land['worker']}/effacement").status_code == 403
    client = login(app, "facilitator")
    # the rival's contract under the worker's page: not this person's
    assert (
        client.get(
            f"/personnes/{land['worker']}/contrats/{rival['contract_id']}/heures"
        ).status_code
        == 404
    )
    url = (
        f"/personnes/{land['worker']}/contrats/{contract['contract_id']}/heures/pas-un-mois/retrait"
    )
    assert client.get(url).status_code == 404
