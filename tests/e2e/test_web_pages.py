"""Web pages through the Flask test client: menus by role, French refusal pages, session
expiry, the facilitator's dashboard, markets (filters, sorting, scopes, chart)."""

from __future__ import annotations

import html
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from clauses_service.web.schedule import today
from events.catalog.sectors import Sector
from tests.conftest import SQL_BACKENDS
from tests.e2e.conftest import COMPANY_SIRET, PASSWORD
from tests.support.territory import Territory

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


# ---- helpers (imported by the other test_web_* files) ---------------------------------------
def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page)
    return found.group(1) if found else ""


def login(app, role: str):
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    response = client.post(
        "/connexion",
        data={"email": f"{role}@example.org", "password": PASSWORD, "csrf_token": csrf_of(page)},
    )
    assert response.status_code == 302
    return client


def text_of(response) -> str:
    """The page with HTML entities decoded (&#39; and the like), as a reader sees it."""
    return html.unescape(response.get_data(as_text=True))


def rows_of(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr[ >].*?</tr>", body, flags=re.S)


@pytest.fixture
def land(app, territory):
    """Markets of both buyers (the company account holds a lot of the first), hours, a
    validated worker with a contract, and a candidate waiting for a decision."""
    store = app.extensions["clauses"].store
    t = Territory(store, now=datetime.now(UTC))
    on = today()
    start = on.replace(year=on.year - 1, month=1, day=1)
    end = on.replace(year=on.year + 2, month=12, day=31)
    own = t.company("Bâti Dijon", siret=COMPANY_SIRET)
    rival = t.company("Propreté Talant")
    tram = t.market(
        territory["own_buyer"], "2025-BTP-01", start_date=start, end_date=end, title="Tramway"
    )
    own_lot = t.lot(tram, own, "1", manual_hours=Decimal("2000"))
    rival_lot = t.lot(tram, rival, "2", manual_hours=Decimal("500"))
    schools = t.market(
        territory["other_buyer"],
        "2025-SRV-07",
        Sector.SERVICES,
        start_date=start,
        end_date=end,
        title="Nettoyage des écoles",
    )
    t.lot(schools, rival, "1", manual_hours=Decimal("800"))
    future = t.market(
        territory["own_buyer"],
        "2030-PI-01",
        Sector.PRESTATIONS_INTELLECTUELLES,
        start_date=on.replace(year=on.year + 1),
        end_date=end,
        title="Études",
    )
    t.lot(future, own, "1", manual_hours=Decimal("100"))
    worker = t.person("Bernard", "Inès", on.replace(year=1988, month=4, day=2))
    t.validate(worker, validated_on=start + timedelta(days=5))
    contract = t.contract(worker, own, tram, own_lot, start + timedelta(days=10))
    t.hours(contract, start + timedelta(days=40), "120")
    t.hours(contract, on.replace(day=1), "150.25")
    rival_worker = t.person("Roux", "Jean", on.replace(year=1975, month=1, day=9))
    t.validate(rival_worker, validated_on=start + timedelta(days=5))
    rival_contract = t.contract(rival_worker, rival, tram, rival_lot, start + timedelta(days=10))
    t.hours(rival_contract, start + timedelta(days=40), "80")
    waiting = t.person("Petit", "Marc", on.replace(year=1979, month=9, day=30))
    t.orient(waiting, oriented_on=on - timedelta(days=3))
    return {
        "tram": tram,
        "schools": schools,
        "future": future,
        "worker": worker,
        "rival_worker": rival_worker,
        "waiting": waiting,
        "own": own,
        "rival": rival,
        "t": t,
    }


# ---- layout, menus, refusals ---------------------------------------------------------------
MENUS = {
    "facilitator": [
        "Tableau de bord",
        "Marchés",
        "Personnes",
        "Imports",
        "Entreprises",
        "Donneurs d'ordre",
        "Rapports",
    ],
    "company": ["Mes lots", "Déclarer mes heures"],
    "buyer": ["Mes marchés", "Rapports mensuels"],
    "plie": ["Participants PLIE", "Bilan annuel"],
}
HOMES = {
    "facilitator": "/tableau-de-bord",
    "company": "/mes-lots",
    "buyer": "/marches",
    "plie": "/participants-plie",
    "admin": "/",
}


def test_each_role_has_its_menu_and_its_first_page(app, land):
    for role in sorted(HOMES):
        client = login(app, role)
        response = client.get("/espace")
        assert response.status_code == 302 and response.headers["Location"] == HOMES[role]
        page = text_of(client.get(HOMES[role]))
        assert 'class="skip-link" href="#contenu"' in page and 'id="contenu"' in page
        menu = re.search(r'<nav aria-label="Menu principal".*?</nav>', page, flags=re.S)
        if role == "admin":
            assert menu is None
            continue
        found = re.findall(r">([^<]+)</a>", menu.group(0))
        assert [label.replace("&#39;", "'") for label in found] == MENUS[role], role
        assert 'aria-current="page"' in menu.group(0)


def test_anonymous_visitors_are_sent_to_the_login_page(app, land):
    response = app.test_client().get("/marches")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?next=/marches")


REFUSED = [
    ("company", "/personnes"),
    ("company", "/tableau-de-bord"),
    ("buyer", "/entreprises"),
    ("buyer", "/personnes/nouvelle"),
    ("plie", "/marches"),
    ("admin", "/tableau-de-bord"),
    ("facilitator", "/mes-lots"),
]


def test_a_page_outside_the_role_is_a_french_403_page(app, land):
    for role, path in REFUSED:
        response = login(app, role).get(path, headers={"Accept": "text/html"})
        assert response.status_code == 403, (role, path)
        assert response.content_type.startswith("text/html")
        page = text_of(response)
        assert "<h1>Accès refusé</h1>" in page and "votre rôle ne permet pas" in page
        assert not page.lstrip().startswith("{")
    # A form posted by a role that may not write is refused the same way.
    client = login(app, "plie")
    page = text_of(client.get("/participants-plie"))
    response = client.post("/personnes/nouvelle", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 403


def test_unknown_pages_are_french_404_pages_and_the_api_keeps_json(app, land, as_role):
    client = login(app, "facilitator")
    for path in (f"/marches/{uuid.uuid4()}", f"/personnes/{uuid.uuid4()}", "/nulle-part"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.content_type.startswith("text/html")
        assert "<h1>Page introuvable</h1>" in text_of(response)
    api = app.test_client().get(f"/api/v1/buyers/{uuid.uuid4()}", headers=as_role("facilitator"))
    assert api.status_code == 404 and api.is_json and api.json["message"]


def test_sessions_expire(app, land):
    assert timedelta(hours=1) <= app.config["PERMANENT_SESSION_LIFETIME"] <= timedelta(hours=8)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    client = login(app, "facilitator")
    assert client.get("/tableau-de-bord").status_code == 200
    time.sleep(2.2)
    response = client.get("/tableau-de-bord")
    assert response.status_code == 302 and response.headers["Location"].startswith("/connexion")


# ---- dashboard -----------------------------------------------------------------------------
def test_dashboard_shows_hours_late_markets_and_waiting_candidates(app, land):
    page = text_of(login(app, "facilitator").get("/tableau-de-bord"))
    month = re.search(r'data-testid="heures-mois">([^<]+)<', page).group(1)
    year = re.search(r'data-testid="heures-annee">([^<]+)<', page).group(1)
    assert month == "150,25\u00a0h"
    if today().month > 1:
        assert year == "150,25\u00a0h"  # last year's 200 h are not this year's
    late = page.split('id="retard"', 1)[1].split('id="attente"', 1)[0]
    # 350,25 h of 2 500 h while about half the duration is gone; the future market is not late.
    assert "2025-BTP-01" in late and "2030-PI-01" not in late
    assert "2025-SRV-07" in late  # nothing done at all
    waiting = page.split('id="attente"', 1)[1]
    assert "Petit Marc" in waiting and "Bernard" not in waiting
    assert f"/personnes/{land['waiting']}/validation" in waiting


# ---- markets -------------------------------------------------------------------------------
def test_markets_list_sorts_filters_and_shows_progress(app, land, territory):
    client = login(app, "facilitator")
    page = text_of(client.get("/marches"))
    rows = rows_of(page)
    assert [re.search(r">(\d{4}-[A-Z]+-\d+)<", r).group(1) for r in rows] == [
        "2025-BTP-01",
        "2025-SRV-07",
        "2030-PI-01",
    ]
    assert "2\u202f500,00\u00a0h" in rows[0] and "350,25\u00a0h" in rows[0]
    assert "14,0\u00a0%" in rows[0]
    by_required = rows_of(text_of(client.get("/marches?tri=prevu&ordre=desc")))
    assert "2025-BTP-01" in by_required[0] and "2030-PI-01" in by_required[2]
    assert 'aria-sort="descending"' in text_of(client.get("/marches?tri=prevu&ordre=desc"))
    services = rows_of(text_of(client.get("/marches?type=SERVICES")))
    assert len(services) == 1 and "2025-SRV-07" in services[0]
    by_buyer = rows_of(text_of(client.get(f"/marches?donneur={territory['other_buyer']}")))
    assert len(by_buyer) == 1 and "2025-SRV-07" in by_buyer[0]
    searched = rows_of(text_of(client.get("/marches?q=tramway")))
    assert len(searched) == 1
    # Nonsense in the query string is ignored, never a 500.
    odd = client.get("/marches?tri=%00&ordre=x&page=-5&type=ZZ&donneur=pas-un-uuid")
    assert odd.status_code == 200 and len(rows_of(text_of(odd))) == 3


def test_buyers_see_only_their_markets(app, land, territory):
    client = login(app, "buyer")
    page = text_of(client.get("/marches"))
    assert "<h1>Mes marchés</h1>" in page
    assert "2025-BTP-01" in page and "2030-PI-01" in page and "2025-SRV-07" not in page
    other = text_of(client.get(f"/marches?donneur={territory['other_buyer']}"))
    assert "Aucun marché ne correspond" in other
    assert client.get(f"/marches/{land['schools']}").status_code == 404
    detail = text_of(client.get(f"/marches/{land['tram']}"))
    # A buyer reads progress, never people's identities.
    assert "2\u202f500,00\u00a0h" in detail and "Bernard" not in detail and "Roux" not in detail


def test_companies_see_only_their_lots_and_markets(app, land):
    client = login(app, "company")
    listing = text_of(client.get("/marches"))
    assert "2025-BTP-01" in listing and "2025-SRV-07" not in listing
    assert client.get(f"/marches/{land['schools']}").status_code == 404
    detail = text_of(client.get(f"/marches/{land['tram']}"))
    lots = detail.split('id="lots"', 1)[1].split("</section>", 1)[0]
    assert "Bâti Dijon" in lots and "Propreté Talant" not in lots
    assert 'data-testid="prevu">2\u202f000,00\u00a0h' in detail
    assert "Bernard Inès" in detail and "Roux" not in detail
    assert client.get(f"/entreprises/{land['rival'].company_id}").status_code == 404
    mine = text_of(client.get("/mes-lots"))
    assert "2025-BTP-01" in mine and "2030-PI-01" in mine and "Nettoyage" not in mine


def test_market_page_has_lots_and_a_server_rendered_chart(app, land):
    page = text_of(login(app, "facilitator").get(f"/marches/{land['tram']}"))
    chart = re.search(r"<svg.*?</svg>", page, flags=re.S).group(0)
    assert 'role="img"' in chart and 'class="achieved"' in chart and 'class="required"' in chart
    assert chart.count("<circle") == 2  # two months with hours
    lots = rows_of(page.split('id="lots"', 1)[1])
    assert "Bâti Dijon" in lots[0] and "270,25\u00a0h" in lots[0] and "13,5\u00a0%" in lots[0]
    assert "Propreté Talant" in lots[1] and "80,00\u00a0h" in lots[1]
    assert "<script" not in chart
