"""Browser tests: the app served on a free port (SQLite file, a seeded territory) and
Debian's Chromium driven by Playwright (never a downloaded browser).

Without /usr/bin/chromium the tests are skipped, unless ``CLAUSES_REQUIRE_BROWSER=1``
(set by scripts/test.sh and CI), which makes that a failure. Screenshots of the main
pages go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from clauses_service import create_app
from clauses_service.auth import accounts
from clauses_service.web.schedule import today as paris_today
from events.catalog.companies import CompanyKind
from events.catalog.sectors import Sector
from tests.support import databases
from tests.support.territory import Territory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "un-mot-de-passe-solide"


@dataclass
class Served:
    """The running app, its accounts and the ids of the seeded territory."""

    url: str
    app: object
    ids: dict

    def at(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} absent : installer le paquet Debian « chromium »."
        if os.environ.get("CLAUSES_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Navigateur requis (CLAUSES_REQUIRE_BROWSER=1) : {reason}")
        pytest.skip(reason)
    return str(CHROMIUM)


def _seed(app) -> dict:
    """Two buyers, two companies with a market each, a validated person with a contract
    and hours, a candidate waiting for a decision, and an account per role."""
    store = app.extensions["clauses"].store
    t = Territory(store, now=datetime.now(UTC))
    today = paris_today()
    start = date(today.year - 1, 1, 1)
    end = date(today.year + 2, 12, 31)
    dijon = t.buyer("Dijon Métropole")
    talant = t.buyer("Ville de Talant")
    bati = t.company("Bâti Dijon")
    other = t.company("Propreté Talant")
    etti = t.company("ID Intérim", kind=CompanyKind.ETTI)
    market = t.market(
        dijon, "2025-BTP-01", start_date=start, end_date=end, title="Tramway — lot voirie"
    )
    lot = t.lot(market, bati, "1", manual_hours=Decimal("2000"))
    other_market = t.market(
        talant,
        "2025-SRV-07",
        Sector.SERVICES,
        start_date=start,
        end_date=end,
        title="Nettoyage des écoles",
    )
    t.lot(other_market, other, "1", manual_hours=Decimal("800"))
    worker = t.person("Bernard", "Inès", date(1988, 4, 2))
    t.validate(worker, validated_on=start + timedelta(days=5))
    contract = t.contract(worker, etti, market, lot, start + timedelta(days=10))
    t.hours(contract, start + timedelta(days=40), "120")
    t.hours(contract, today.replace(day=1), "35.5")
    waiting = t.person("Petit", "Marc", date(1979, 9, 30))
    t.orient(waiting, oriented_on=today - timedelta(days=3))
    with app.extensions["clauses"].engine.begin() as conn:
        for email, role, extra in [
            ("facilitatrice@example.org", "facilitator", {}),
            ("bati@example.org", "company", {"sirets": [bati.siret]}),
            ("talant@example.org", "buyer", {"buyer_ids": [str(talant)]}),
            ("dijon@example.org", "buyer", {"buyer_ids": [str(dijon)]}),
        ]:
            accounts.create_user(conn, email, PASSWORD, role, **extra)
    return {
        "dijon": dijon,
        "talant": talant,
        "market": market,
        "lot": lot,
        "other_market": other_market,
        "bati": bati,
        "other": other,
        "etti": etti,
        "worker": worker,
        "waiting": waiting,
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    directory = tmp_path_factory.mktemp("served")
    url = databases.fresh_sqlite_url(databases.migrated_sqlite_template(directory), directory)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": uuid.uuid4().hex})
    app.config["PROPAGATE_EXCEPTIONS"] = False
    ids = _seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(f"http://127.0.0.1:{server.server_port}", app, ids)
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["clauses"].engine.dispose()


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def log_in(page, served: Served, email: str) -> None:
    page.goto(served.at("/connexion"))
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(served.at("/"))
