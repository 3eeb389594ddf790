"""Markets and lots: the folded state. Decisions live in ``market_decisions``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from events.catalog.markets import (
    CountingRules,
    LegalBasis,
    LotAdded,
    LotAmended,
    LotAwardeeChanged,
    MarketCountingRulesChanged,
    MarketDetailsChanged,
    MarketRegistered,
)
from events.catalog.sectors import Sector

HUNDREDTH = Decimal("0.01")


def computed_hours(
    amount_excl_vat: Decimal, labour_share: Decimal, insertion_rate: Decimal, hourly_cost: Decimal
) -> Decimal:
    """amount × labour share × insertion rate ÷ hourly cost, to the hundredth (half up).

    1,000,000 € × 0.5 × 0.05 ÷ 30 €/h = 833.33 h.
    """
    return (amount_excl_vat * labour_share * insertion_rate / hourly_cost).quantize(
        HUNDREDTH, rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class Lot:
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
    manual_hours: Decimal | None
    amendments: tuple[LotAmended, ...] = ()

    @property
    def initial_hours(self) -> Decimal:
        return self.manual_hours if self.manual_hours is not None else self.computed_hours

    @property
    def required_hours(self) -> Decimal:
        """The hours due now: the last amendment's figure, else manual, else computed."""
        return self.amendments[-1].required_hours if self.amendments else self.initial_hours

    def required_hours_on(self, day: date) -> Decimal:
        """The hours due as amendments stood on ``day`` (business time)."""
        applicable = [a for a in self.amendments if a.amended_on <= day]
        return applicable[-1].required_hours if applicable else self.initial_hours


@dataclass(frozen=True)
class Market:
    market_id: UUID | None = None
    buyer_id: UUID | None = None
    reference: str = ""
    title: str = ""
    kind: Sector | None = None
    legal_basis: LegalBasis | None = None
    start_date: date | None = None
    end_date: date | None = None
    rules: CountingRules = field(default_factory=CountingRules)
    lots: tuple[Lot, ...] = ()
    version: int = 0

    @property
    def exists(self) -> bool:
        return self.market_id is not None

    def lot(self, lot_id: UUID) -> Lot | None:
        return next((lot for lot in self.lots if lot.lot_id == lot_id), None)

    def lot_by_number(self, number: str) -> Lot | None:
        wanted = number.strip().lower()
        return next((lot for lot in self.lots if lot.number.strip().lower() == wanted), None)

    @property
    def required_hours(self) -> Decimal:
        return sum((lot.required_hours for lot in self.lots), Decimal("0"))


def _replace_lot(state: Market, lot_id: UUID, **changes) -> Market:
    lots = tuple(replace(lot, **changes) if lot.lot_id == lot_id else lot for lot in state.lots)
    return replace(state, lots=lots)


def evolve(state: Market, event) -> Market:
    match event:
        case MarketRegistered():
            state = replace(
                state,
                market_id=event.market_id,
                buyer_id=event.buyer_id,
                reference=event.reference,
                title=event.title,
                kind=event.kind,
                legal_basis=event.legal_basis,
                start_date=event.start_date,
                end_date=event.end_date,
                rules=event.rules,
            )
        case MarketDetailsChanged():
            state = replace(
                state, title=event.title, start_date=event.start_date, end_date=event.end_date
            )
        case MarketCountingRulesChanged():
            state = replace(state, rules=event.rules)
        case LotAdded():
            lot = Lot(
                event.lot_id,
                event.number,
                event.title,
                event.awarded_company_id,
                event.awarded_siret,
                event.amount_excl_vat,
                event.labour_share,
                event.insertion_rate,
                event.hourly_cost,
                event.computed_hours,
                event.manual_hours,
            )
            state = replace(state, lots=(*state.lots, lot))
        case LotAwardeeChanged():
            state = _replace_lot(
                state,
                event.lot_id,
                awarded_company_id=event.awarded_company_id,
                awarded_siret=event.awarded_siret,
            )
        case LotAmended():
            lot = state.lot(event.lot_id)
            amendments = tuple(
                sorted((*lot.amendments, event), key=lambda a: a.amended_on)
            )  # stable: same-day amendments keep their recording order
            changes = {"amendments": amendments}
            if event.amount_excl_vat is not None:
                changes["amount_excl_vat"] = event.amount_excl_vat
            state = _replace_lot(state, event.lot_id, **changes)
    return replace(state, version=state.version + 1)


def fold(events) -> Market:
    state = Market()
    for event in events:
        state = evolve(state, event)
    return state


# A whole-file import folds only what it appended onto the state it already has.
fold.evolve = evolve
