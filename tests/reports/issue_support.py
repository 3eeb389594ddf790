"""A one-buyer territory for the issued-report tests, built through commands.

Dijon Métropole   market 2024-BTP-01 (01/01/2024 – 31/12/2026, 36 months)
                  lot 1 « Lot 1 », 1 000 h required (manual)
Léa Martin (woman, born 15/01/1990)  CDDI, sous-traitance, from 01/03/2025
    hours 03/2025: 100 h   04/2025: 120 h
Report month 04/2025 (16 months elapsed of 36), issued on 15/06/2025.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.support.territory import Territory

MARCH, APRIL = date(2025, 3, 1), date(2025, 4, 1)
NOW = datetime(2025, 6, 15, 10, 0, tzinfo=UTC)


@dataclass
class World:
    t: Territory
    buyer: object
    other_buyer: object
    contract: object
    person: object

    @property
    def store(self):
        return self.t.store


def attach_projections(store) -> None:
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()


def build_world(
    store, attach: bool = True, contacts: tuple[str, ...] = (), buyers: tuple = ()
) -> World:
    """``buyers``: (buyer, other buyer) registered already (the e2e ``territory``)."""
    if attach:
        attach_projections(store)
    t = Territory(store, now=NOW)
    buyer, other = buyers or (t.buyer("Dijon Métropole"), t.buyer("Ville de Talant"))
    if contacts:
        from clauses_service.commands.buyers import SetBuyerContacts

        t.run(SetBuyerContacts(buyer_id=buyer, emails=contacts))
    company = t.company("Bâti Dijon")
    market = t.market(
        buyer, "2024-BTP-01", start_date=date(2024, 1, 1), end_date=date(2026, 12, 31)
    )
    lot = t.lot(market, company, manual_hours=Decimal("1000"))
    person = t.person("Martin", "Léa", date(1990, 1, 15))
    t.validate(person)
    contract = t.contract(person, company, market, lot, MARCH)
    t.hours(contract, MARCH, "100")
    t.hours(contract, APRIL, "120")
    return World(t, buyer, other, contract, person)
