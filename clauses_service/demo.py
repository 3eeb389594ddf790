"""A demo territory, recorded through the same write path as real data.

Idempotent: running it again adds nothing. It grows with the domain (markets,
companies, people, hours arrive with their issues).
"""

from __future__ import annotations

import uuid

from events.catalog.buyers import STREAM_TYPE, BuyerKind, BuyerRegistered
from events.sql_store import SqlEventStore
from projections import queries

DEMO_NAMESPACE = uuid.UUID("0b6f1a52-6a43-4c5e-9d0e-2f0b7f6f3c11")

BUYERS = [
    ("Dijon Métropole", BuyerKind.COLLECTIVITE),
    ("Ville de Chenôve", BuyerKind.COLLECTIVITE),
    ("Grand Dijon Habitat", BuyerKind.BAILLEUR_SOCIAL),
    ("CHU Dijon Bourgogne", BuyerKind.HOPITAL),
    ("Région Bourgogne-Franche-Comté", BuyerKind.COLLECTIVITE),
]


DEMO_PASSWORD = "demo-clauses-2026"
ACCOUNTS = [
    ("facilitateur@demo.clauses.fr", "facilitator", "Camille Facilitatrice", {}),
    ("plie@demo.clauses.fr", "plie", "Équipe PLIE", {}),
    ("admin@demo.clauses.fr", "admin", "Administrateur", {}),
    ("donneur@demo.clauses.fr", "buyer", "Dijon Métropole (lecture)", {"buyer": "Dijon Métropole"}),
]


def load_accounts(store: SqlEventStore) -> list[str]:
    """Demo accounts, one per role (password ``DEMO_PASSWORD``); return those created."""
    from sqlalchemy import select

    from clauses_service.auth import accounts
    from events.schema import users

    created = []
    with store.engine.begin() as conn:
        for email, role, name, scope in ACCOUNTS:
            if conn.execute(select(users.c.user_id).where(users.c.email == email)).first():
                continue
            buyer_ids = [uuid.uuid5(DEMO_NAMESPACE, scope["buyer"])] if "buyer" in scope else []
            accounts.create_user(conn, email, DEMO_PASSWORD, role, name, buyer_ids=buyer_ids)
            created.append(email)
    return created


def load(store: SqlEventStore) -> int:
    """Record the demo territory; return how many events were appended."""
    with store.reading() as conn:
        known = {b["buyer_id"] for b in queries.list_buyers(conn)}
    appended = 0
    with store.transaction({"actor": "demo"}) as tx:
        for name, kind in BUYERS:
            buyer = uuid.uuid5(DEMO_NAMESPACE, name)  # stable ids: a second run is a no-op
            if str(buyer) in known or tx.stream_version(str(buyer)):
                continue
            tx.append(STREAM_TYPE, str(buyer), 0, [BuyerRegistered(buyer, name, kind)])
            appended += 1
    return appended
