"""An app on a fresh database with one account per role, and their API tokens."""

from __future__ import annotations

import uuid

import pytest

from clauses_service import create_app
from clauses_service.auth import accounts
from clauses_service.commands.buyers import RegisterBuyer
from clauses_service.messagebus import execute
from events.catalog.buyers import BuyerKind

PASSWORD = "un-mot-de-passe-solide"
COMPANY_SIRET = "73282932000074"


@pytest.fixture
def app(database_url):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True})
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield app
    app.extensions["clauses"].engine.dispose()


@pytest.fixture
def territory(app):
    """Two buyers, and an account per role (the buyer account sees the first buyer only)."""
    store = app.extensions["clauses"].store
    own, other = uuid.uuid4(), uuid.uuid4()
    execute(
        store,
        RegisterBuyer(buyer_id=own, name="Dijon Métropole", kind=BuyerKind.COLLECTIVITE),
        "seed",
    )
    execute(
        store,
        RegisterBuyer(buyer_id=other, name="Ville de Talant", kind=BuyerKind.COLLECTIVITE),
        "seed",
    )
    tokens = {}
    with app.extensions["clauses"].engine.begin() as conn:
        for role, extra in {
            "facilitator": {},
            "company": {"sirets": [COMPANY_SIRET]},
            "buyer": {"buyer_ids": [str(own)]},
            "plie": {},
            "admin": {},
        }.items():
            user = accounts.create_user(conn, f"{role}@example.org", PASSWORD, role, **extra)
            tokens[role] = accounts.issue_token(conn, user.user_id, "tests")
    return {"own_buyer": own, "other_buyer": other, "tokens": tokens}


@pytest.fixture
def as_role(territory):
    def headers(role: str, **extra) -> dict:
        return {"Authorization": f"Bearer {territory['tokens'][role]}", **extra}

    return headers
