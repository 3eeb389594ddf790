"""Events of the market stream: a market with a clause, its lots, amendments, rules."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from events.catalog.sectors import Sector
from events.registry import event_type
from events.vocabulary import Choice

STREAM_TYPE = "market"


class LegalBasis(Choice):
    L2112_2 = "L2112-2", "L2112-2 — condition d'exécution"
    R2152_7 = "R2152-7", "R2152-7 — critère d'attribution"
    L2113_12_13 = "L2113-12-13", "L2113-12/13 — marché réservé"


@dataclass(frozen=True, slots=True)
class CountingRules:
    """How hours count on a market. Defaults are those of DOMAIN.md."""

    cdi_counted_months: int = 12
    eligibility_months: int = 24
    training_hours_count: bool = True
    warning_hours: Decimal = Decimal("151.67")
    refusal_hours: Decimal = Decimal("200")
    penalty_per_missing_hour: Decimal | None = None


@event_type("MarketRegistered", effective_field="start_date")
@dataclass(frozen=True, slots=True)
class MarketRegistered:
    market_id: UUID
    buyer_id: UUID
    reference: str
    title: str
    kind: Sector
    legal_basis: LegalBasis
    start_date: date
    end_date: date
    rules: CountingRules


@event_type("MarketDetailsChanged")
@dataclass(frozen=True, slots=True)
class MarketDetailsChanged:
    market_id: UUID
    title: str
    start_date: date
    end_date: date


@event_type("MarketCountingRulesChanged")
@dataclass(frozen=True, slots=True)
class MarketCountingRulesChanged:
    market_id: UUID
    rules: CountingRules


@event_type("LotAdded")
@dataclass(frozen=True, slots=True)
class LotAdded:
    """A lot and its sizing: computed hours = amount × labour share × rate ÷ hourly cost.

    ``labour_share`` and ``insertion_rate`` are fractions (0.5 for 50 %); ``manual_hours``,
    when set, is the figure the contract fixes and wins over the computed one.
    """

    market_id: UUID
    lot_id: UUID
    number: str
    title: str
    awarded_company_id: UUID
    awarded_siret: str
    amount_excl_vat: Decimal
    labour_share: Decimal
    insertion_rate: Decimal
    hourly_cost: Decimal
    computed_hours: Decimal
    manual_hours: Decimal | None = None


@event_type("LotAwardeeChanged")
@dataclass(frozen=True, slots=True)
class LotAwardeeChanged:
    market_id: UUID
    lot_id: UUID
    awarded_company_id: UUID
    awarded_siret: str


@event_type("LotAmended", effective_field="amended_on")
@dataclass(frozen=True, slots=True)
class LotAmended:
    """An amendment (avenant): the lot's required hours become ``required_hours``."""

    market_id: UUID
    lot_id: UUID
    amended_on: date
    reason: str
    required_hours: Decimal
    amount_excl_vat: Decimal | None = None
