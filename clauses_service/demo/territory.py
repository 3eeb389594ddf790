"""Buyers, companies, markets, lots and amendments of the demo, as commands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from clauses_service.commands.buyers import RegisterBuyer, SetBuyerContacts
from clauses_service.commands.companies import RegisterCompany
from clauses_service.commands.markets import AddLot, AmendLot, RegisterMarket
from clauses_service.demo.data import (
    AMENDMENTS,
    BUYERS,
    COMPANIES,
    COMPANY_BY_KEY,
    MARKETS,
    TRADES,
    CompanySpec,
    LotSpec,
    MarketSpec,
)
from clauses_service.demo.ids import buyer_id, demo_id, siret
from clauses_service.demo.plan import Planner
from clauses_service.domain.markets import computed_hours
from clauses_service.domain.people import add_months
from events.catalog.markets import CountingRules
from events.catalog.sectors import Sector

SECTOR_CODES = {Sector.BTP: "BTP", Sector.SERVICES: "SRV", Sector.PRESTATIONS_INTELLECTUELLES: "PI"}


@dataclass(frozen=True)
class LotPlan:
    """What the staffing of a lot needs to know."""

    market_id: UUID
    lot_id: UUID
    market_key: str
    number: str
    sector: Sector
    trade: str
    awardee: CompanySpec
    start: date
    end: date
    months: int
    required: Decimal
    rules: CountingRules


def company_siret(key: str) -> str:
    return siret(COMPANY_BY_KEY[key].siren_body)


def company_id(key: str) -> UUID:
    return demo_id("company", key)


def market_id(key: str) -> UUID:
    return demo_id("market", key)


def lot_id(market_key: str, number: str) -> UUID:
    return demo_id("lot", market_key, number)


def round_to_50(hours: Decimal) -> Decimal:
    return (hours / 50).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 50


def reference(spec: MarketSpec, start: date) -> str:
    pattern = next(b.reference for b in BUYERS if b.name == spec.buyer)
    return pattern.format(
        year=start.year, yy=f"{start.year % 100:02d}", code=SECTOR_CODES[spec.kind], n=spec.number
    )


def _lot_hours(spec: LotSpec, amount: int) -> Decimal:
    trade = TRADES[spec.trade]
    return computed_hours(
        Decimal(amount), trade.labour_share, Decimal(spec.rate), Decimal(spec.cost)
    )


def plan_structure(planner: Planner) -> list[LotPlan]:
    """Buyers, companies, markets with their lots, amendments; the lots to staff."""
    for buyer in BUYERS:
        planner.add(
            f"buyer:{buyer.name}",
            RegisterBuyer(buyer_id=buyer_id(buyer.name), name=buyer.name, kind=buyer.kind),
        )
    for company in COMPANIES:
        planner.add(
            f"company:{company.key}",
            RegisterCompany(
                company_id=company_id(company.key),
                siret=company_siret(company.key),
                name=company.name,
                kind=company.kind,
            ),
        )
    lots: list[LotPlan] = []
    for spec in MARKETS:
        lots.extend(_plan_market(planner, spec))
    for amendment in AMENDMENTS:
        _plan_amendment(planner, amendment)
    return lots


def _plan_market(planner: Planner, spec: MarketSpec) -> list[LotPlan]:
    start = planner.calendar.month(spec.start)
    end = add_months(start, spec.months) - timedelta(days=1)
    rules = CountingRules(**spec.rules) if spec.rules else None
    planner.add(
        f"market:{spec.key}",
        RegisterMarket(
            market_id=market_id(spec.key),
            buyer_id=buyer_id(spec.buyer),
            reference=reference(spec, start),
            title=spec.title,
            kind=spec.kind,
            legal_basis=spec.legal_basis,
            start_date=start,
            end_date=end,
            rules=rules,
        ),
    )
    lots = []
    for lot in spec.lots:
        trade = TRADES[lot.trade]
        computed = _lot_hours(lot, lot.amount)
        manual = round_to_50(computed) if lot.manual else None
        planner.add(
            f"lot:{spec.key}:{lot.number}",
            AddLot(
                market_id=market_id(spec.key),
                lot_id=lot_id(spec.key, lot.number),
                number=lot.number,
                title=lot.title or trade.label,
                awarded_siret=company_siret(lot.company),
                amount_excl_vat=Decimal(lot.amount),
                labour_share=trade.labour_share,
                insertion_rate=Decimal(lot.rate),
                hourly_cost=Decimal(lot.cost),
                manual_hours=manual,
            ),
        )
        lots.append(
            LotPlan(
                market_id=market_id(spec.key),
                lot_id=lot_id(spec.key, lot.number),
                market_key=spec.key,
                number=lot.number,
                sector=spec.kind,
                trade=lot.trade,
                awardee=COMPANY_BY_KEY[lot.company],
                start=start,
                end=end,
                months=spec.months,
                required=manual if manual is not None else computed,
                rules=rules or CountingRules(),
            )
        )
    return lots


def _plan_amendment(planner: Planner, amendment) -> None:
    spec = next(m for m in MARKETS if m.key == amendment.market)
    lot = next(x for x in spec.lots if x.number == amendment.lot)
    amount = lot.amount + amendment.extra_amount
    hours = _lot_hours(lot, amount)
    planner.add(
        f"amendment:{spec.key}:{lot.number}",
        AmendLot(
            market_id=market_id(spec.key),
            lot_id=lot_id(spec.key, lot.number),
            amended_on=planner.calendar.month(amendment.month) + timedelta(days=11),
            reason=amendment.reason,
            required_hours=round_to_50(hours) if lot.manual else hours,
            amount_excl_vat=Decimal(amount),
        ),
    )


def plan_contacts(planner: Planner) -> None:
    """Who receives each buyer's reports (reserved ``.example`` addresses)."""
    for buyer in BUYERS:
        planner.add(
            f"buyer-contacts:{buyer.name}",
            SetBuyerContacts(buyer_id=buyer_id(buyer.name), emails=buyer.contacts),
        )
