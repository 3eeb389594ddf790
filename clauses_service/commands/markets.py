"""Commands about markets (marchés with an insertion clause), their lots and amendments.

Amounts and hours are Decimals; ``labour_share`` and ``insertion_rate`` are fractions
(0.5 for 50 %). Lots are named by their market and their own id.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from clauses_service.commands import Command
from events.catalog.markets import CountingRules, LegalBasis
from events.catalog.sectors import Sector


@dataclass(frozen=True, kw_only=True)
class RegisterMarket(Command):
    market_id: UUID
    buyer_id: UUID
    reference: str
    title: str
    kind: Sector
    legal_basis: LegalBasis
    start_date: date
    end_date: date
    rules: CountingRules | None = None


@dataclass(frozen=True, kw_only=True)
class ChangeMarketDetails(Command):
    market_id: UUID
    title: str
    start_date: date
    end_date: date


@dataclass(frozen=True, kw_only=True)
class ChangeCountingRules(Command):
    market_id: UUID
    rules: CountingRules


@dataclass(frozen=True, kw_only=True)
class AddLot(Command):
    market_id: UUID
    lot_id: UUID
    number: str
    title: str
    awarded_siret: str
    amount_excl_vat: Decimal
    labour_share: Decimal
    insertion_rate: Decimal
    hourly_cost: Decimal
    manual_hours: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class ChangeLotAwardee(Command):
    market_id: UUID
    lot_id: UUID
    awarded_siret: str


@dataclass(frozen=True, kw_only=True)
class AmendLot(Command):
    """An amendment (avenant) fixing the lot's required hours from ``amended_on``."""

    market_id: UUID
    lot_id: UUID
    amended_on: date
    reason: str
    required_hours: Decimal
    amount_excl_vat: Decimal | None = None
