"""Issued-report pages: the facilitator issues through the CSRF form, sees the history,
the failed deliveries and the rectificatif; the buyer's "Rapports mensuels" lists its own
reports to download (as issued); another buyer's is the 404 page, the PLIE team's 403."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from clauses_service.commands.reports import RecordReportDelivery
from clauses_service.messagebus import execute
from clauses_service.reports.issued import issue_report
from events.catalog.reports import monthly_report_id
from tests.conftest import SQL_BACKENDS
from tests.e2e.conftest import app, as_role, territory  # noqa: F401
from tests.e2e.test_web_pages import csrf_of, hidden, login, rows_of, text_of
from tests.reports.issue_support import APRIL, build_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
INDEX = "/rapports/emis"


@pytest.fixture
def world(app, territory):  # noqa: F811
    store = app.extensions["clauses"].store
    return build_world(
        store, attach=False, buyers=(territory["own_buyer"], territory["other_buyer"])
    )


def test_facilitator_issues_a_report_through_the_form(app, world):  # noqa: F811
    client = login(app, "facilitator")
    page = text_of(client.get(INDEX))
    assert "Aucun rapport émis pour l'instant." in page
    form = {
        "csrf_token": csrf_of(page),
        "request_key": hidden(page, "request_key"),
        "buyer": str(world.buyer),
        "month": "2025-04",
    }
    store = app.extensions["clauses"].store
    head = store.head_position()
    assert client.post(INDEX, data={**form, "csrf_token": "faux"}).status_code == 400
    assert store.head_position() == head  # refused before anything is issued
    sent = client.post(INDEX, data=form)
    report_id = str(monthly_report_id(world.buyer, APRIL))
    assert sent.status_code == 302 and sent.headers["Location"].endswith(
        f"/rapports/emis/{report_id}"
    )
    detail = text_of(client.get(sent.headers["Location"]))
    assert "Rapport émis : il sera envoyé par courriel aux contacts." in detail
    assert "À envoyer" in detail and "Empreinte SHA-256" in detail
    twice = client.post(INDEX, data={**form, "request_key": "autre-envoi"})
    assert twice.status_code == 422
    assert "Le rapport mensuel de 04/2025 a déjà été émis" in text_of(twice)
    bad = client.post(INDEX, data={**form, "request_key": "x", "month": "avril"})
    assert bad.status_code == 422 and "Mois invalide" in text_of(bad)
    [row] = rows_of(text_of(client.get(INDEX)))
    assert "Dijon Métropole" in row and "avril 2025" in row and "Manuel" in row


def test_failed_delivery_and_rectificatif_for_the_facilitator(app, world):  # noqa: F811
    store = app.extensions["clauses"].store
    issue_report(store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
    report_id = monthly_report_id(world.buyer, APRIL)
    error = "Envoi impossible par 127.0.0.1:2525 : [Errno 111] Connection refused."
    execute(
        store,
        RecordReportDelivery(report_id=report_id, recipients=("a@b.fr",), error=error),
        "mail",
    )
    world.t.correct(world.contract, APRIL, "90")
    client = login(app, "facilitator")
    page = text_of(client.get(INDEX))
    assert "Envois en échec" in page and error in page
    rect = text_of(client.get(f"{INDEX}/{report_id}/rectificatif"))
    assert "27 ligne(s) modifiée(s) depuis l'émission" in rect
    first = rows_of(rect)[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>.*?</td>", first)]
    assert cells == ["Marché 2024-BTP-01", "Heures du mois", "120,00", "90,00"]


def test_buyer_lists_and_downloads_its_reports_as_issued(app, world):  # noqa: F811
    store = app.extensions["clauses"].store
    issue_report(store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
    other = issue_report(store, world.other_buyer, APRIL, "facilitatrice", now=world.t.now)[0]
    world.t.correct(world.contract, APRIL, "90")
    client = login(app, "buyer")
    home = text_of(client.get("/espace", follow_redirects=True))
    assert 'href="/rapports/emis"' in home and "Rapports mensuels" in home
    page = text_of(client.get(INDEX))
    assert "Émettre un rapport" not in page and "Envois en échec" not in page
    [row] = rows_of(page)
    assert "avril 2025" in row
    report_id = monthly_report_id(world.buyer, APRIL)
    xlsx = client.get(f"{INDEX}/{report_id}.xlsx")
    assert xlsx.status_code == 200
    cells = [
        c
        for r in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)
        for c in r
    ]
    assert 220 in cells or "220,00" in cells or 220.0 in cells  # issued cumulative, not 190
    assert 190 not in cells and 190.0 not in cells
    rect = client.get(f"{INDEX}/{report_id}/rectificatif")
    assert rect.status_code == 200 and "27 ligne(s) modifiée(s)" in text_of(rect)
    assert client.get(f"{INDEX}/{other['report_id']}/rectificatif").status_code == 404
    assert client.get(f"{INDEX}/{other['report_id']}").status_code == 404
    assert client.get(f"{INDEX}/{other['report_id']}.pdf").status_code == 404
    assert login(app, "plie").get(INDEX).status_code == 403
    assert login(app, "company").get(INDEX).status_code == 403
