"""Demo accounts, one per role and a few company accounts (password ``DEMO_PASSWORD``).

Accounts are not events: they live in the ``users`` table and are created through
``clauses_service.auth.accounts`` (as ``clauses users create`` does).
"""

from __future__ import annotations

from clauses_service.demo.ids import buyer_id
from clauses_service.demo.territory import company_siret

DEMO_PASSWORD = "demo-clauses-2026"
# (e-mail, role, display name, scope): scope names a buyer or company keys (demo/data.py).
ACCOUNTS = [
    ("facilitateur@demo.clauses.fr", "facilitator", "Camille Facilitatrice", {}),
    ("plie@demo.clauses.fr", "plie", "Équipe PLIE", {}),
    ("admin@demo.clauses.fr", "admin", "Administrateur", {}),
    ("donneur@demo.clauses.fr", "buyer", "Dijon Métropole (lecture)", {"buyer": "Dijon Métropole"}),
    ("etti@demo.clauses.fr", "company", "Tremplin Intérim Insertion 21", {"companies": ["etti"]}),
    (
        "entreprise@demo.clauses.fr",
        "company",
        "Bâtiments de Bourgogne Construction",
        {"companies": ["bbc"]},
    ),
    (
        "insertion@demo.clauses.fr",
        "company",
        "Régie de quartier Grésilles Services",
        {"companies": ["regie"]},
    ),
]


def load_accounts(store) -> list[str]:
    """Create the demo accounts that do not exist yet; return the e-mails created."""
    from sqlalchemy import select

    from clauses_service.auth import accounts
    from events.schema import users

    created = []
    with store.engine.begin() as conn:
        for email, role, name, scope in ACCOUNTS:
            if conn.execute(select(users.c.user_id).where(users.c.email == email)).first():
                continue
            buyer_ids = [buyer_id(scope["buyer"])] if "buyer" in scope else []
            sirets = [company_siret(key) for key in scope.get("companies", ())]
            accounts.create_user(
                conn, email, DEMO_PASSWORD, role, name, sirets=sirets, buyer_ids=buyer_ids
            )
            created.append(email)
    return created
