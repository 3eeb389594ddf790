"""A territory for the contracts, hours and stats API tests, built through commands.

    own buyer (the buyer account's)   M1 BTP, default rules     L1 awarded to A
    other buyer                       M2 SERVICES, training hours not counted, CDI 6 months
                                                                L2 awarded to B
    A  = the company account's SIRET (tests/e2e/conftest.py)     B = a second company account
    ETTI (insertion temp agency)
    P1 Martin Léa      validated BTP, PLIE participant since 01/01/2024, QPV Grésilles
    P2 Durand Karim    validated BTP and services
    P3 Petit Inès      never validated

Contracts are started by each test (through the API or ``world.t``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clauses_service.auth import accounts
from events.catalog.companies import CompanyKind
from events.catalog.markets import CountingRules
from events.catalog.people import Sex
from events.catalog.sectors import Sector
from tests.e2e.conftest import COMPANY_SIRET, PASSWORD
from tests.support.territory import CompanyRef, Territory

SIRET_B = "44306184100047"


@dataclass
class World:
    t: Territory
    own_buyer: object
    other_buyer: object
    a: CompanyRef
    b: CompanyRef
    etti: CompanyRef
    m1: object
    l1: object
    m2: object
    l2: object
    p1: object
    p2: object
    p3: object
    company_b_token: str

    def company_b(self, **extra) -> dict:
        return {"Authorization": f"Bearer {self.company_b_token}", **extra}


def build_world(app, territory) -> World:
    services = app.extensions["clauses"]
    t = Territory(services.store)
    a = t.company("Bâti Dijon", siret=COMPANY_SIRET)
    b = t.company("Propreté Bourgogne", siret=SIRET_B)
    etti = t.company("ID Intérim", kind=CompanyKind.ETTI)
    m1 = t.market(territory["own_buyer"], "2024-BTP-01")
    l1 = t.lot(m1, a, manual_hours=Decimal("1000"))
    rules = CountingRules(training_hours_count=False, cdi_counted_months=6)
    m2 = t.market(territory["other_buyer"], "2024-SRV-07", kind=Sector.SERVICES, rules=rules)
    l2 = t.lot(m2, b, manual_hours=Decimal("300"))
    p1 = t.person("Martin", "Léa", date(1990, 1, 15), Sex.FEMME, qpv="Dijon – Grésilles")
    p2 = t.person("Durand", "Karim", date(2001, 6, 2), Sex.HOMME, rsa=True)
    p3 = t.person("Petit", "Inès", date(1985, 3, 3), Sex.FEMME)
    t.validate(p1, (Sector.BTP,), date(2024, 1, 5))
    t.validate(p2, (Sector.BTP, Sector.SERVICES), date(2024, 1, 5))
    t.plie_link(p1, date(2024, 1, 1))
    with services.engine.begin() as conn:
        user = accounts.create_user(
            conn, "company-b@example.org", PASSWORD, "company", sirets=[SIRET_B]
        )
        token = accounts.issue_token(conn, user.user_id, "tests")
    return World(
        t,
        territory["own_buyer"],
        territory["other_buyer"],
        a,
        b,
        etti,
        m1,
        l1,
        m2,
        l2,
        p1,
        p2,
        p3,
        token,
    )


def start_body(world: World, person, employer: CompanyRef, market, lot, **extra) -> dict:
    """A JSON body for POST /api/v1/contracts."""
    return {
        "person_id": str(person),
        "employer_siret": employer.siret,
        "market_id": str(market),
        "lot_id": str(lot),
        "contract_type": "CDDI",
        "modality": "SOUS_TRAITANCE",
        "start_date": "2024-03-01",
        "planned_end": "2024-08-31",
        "weekly_hours": "35",
        **extra,
    }
