"""Read models of the markets area: ``rm_markets``, ``rm_lots``, ``rm_lot_amendments``.

Hours and euros are integer hundredths (``*_cents``); fractions are text (str(Decimal)).
A lot's ``required_cents`` is the figure in force now: the last amendment by business
date (same-day amendments in recording order), else the manual figure, else the computed
one. Each amendment row keeps the figure it replaced (``previous_cents``), chained in
the same order, so a backdated amendment recorded late re-chains its successors.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Integer,
    String,
    Table,
    insert,
    select,
    update,
)

from events.catalog.markets import (
    LotAdded,
    LotAmended,
    LotAwardeeChanged,
    MarketCountingRulesChanged,
    MarketDetailsChanged,
    MarketRegistered,
)
from events.recorded import RecordedEvent
from projections.amounts import to_cents
from projections.base import Projection, read_metadata

markets = Table(
    "rm_markets",
    read_metadata,
    Column("market_id", String(36), primary_key=True),
    Column("buyer_id", String(36), nullable=False, index=True),
    Column("reference", String(100), nullable=False),
    # The reference as the uniqueness claim sees it (trimmed, spaces collapsed, upper case).
    Column("reference_key", String(100), nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("legal_basis", String(40), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("cdi_counted_months", Integer, nullable=False),
    Column("eligibility_months", Integer, nullable=False),
    Column("training_hours_count", Boolean, nullable=False),
    Column("warning_cents", BigInteger, nullable=False),
    Column("refusal_cents", BigInteger, nullable=False),
    Column("penalty_cents", BigInteger, nullable=True),
    Column("version", Integer, nullable=False),
    Column("last_position", BigInteger, nullable=False),
)

lots = Table(
    "rm_lots",
    read_metadata,
    Column("lot_id", String(36), primary_key=True),
    Column("market_id", String(36), nullable=False, index=True),
    Column("number", String(50), nullable=False),
    Column("title", String(300), nullable=False),
    Column("awarded_company_id", String(36), nullable=False, index=True),
    Column("awarded_siret", String(14), nullable=False),
    Column("initial_amount_cents", BigInteger, nullable=False),
    # Current amount: the last amendment (by date) that set one, else the initial amount.
    Column("amount_cents", BigInteger, nullable=False),
    Column("labour_share", String(40), nullable=False),
    Column("insertion_rate", String(40), nullable=False),
    Column("hourly_cost_cents", BigInteger, nullable=False),
    Column("computed_cents", BigInteger, nullable=False),
    Column("manual_cents", BigInteger, nullable=True),
    Column("required_cents", BigInteger, nullable=False),
    Column("added_position", BigInteger, nullable=False),
)

lot_amendments = Table(
    "rm_lot_amendments",
    read_metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("lot_id", String(36), nullable=False, index=True),
    Column("market_id", String(36), nullable=False, index=True),
    Column("amended_on", Date, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("previous_cents", BigInteger, nullable=False),
    Column("required_cents", BigInteger, nullable=False),
    Column("amount_cents", BigInteger, nullable=True),
)


def reference_key(reference: str) -> str:
    """Same normalisation as the "market-reference" claim (see domain.market_decisions)."""
    return " ".join(reference.split()).upper()


def _rule_values(rules) -> dict:
    return {
        "cdi_counted_months": rules.cdi_counted_months,
        "eligibility_months": rules.eligibility_months,
        "training_hours_count": rules.training_hours_count,
        "warning_cents": to_cents(rules.warning_hours),
        "refusal_cents": to_cents(rules.refusal_hours),
        "penalty_cents": to_cents(rules.penalty_per_missing_hour),
    }


def _touch(conn, market_id, recorded: RecordedEvent, **values) -> None:
    conn.execute(
        update(markets)
        .where(markets.c.market_id == str(market_id))
        .values(version=recorded.stream_version, last_position=recorded.position, **values)
    )


def _market_registered(conn, event: MarketRegistered, recorded: RecordedEvent) -> None:
    conn.execute(
        insert(markets).values(
            market_id=str(event.market_id),
            buyer_id=str(event.buyer_id),
            reference=event.reference,
            reference_key=reference_key(event.reference),
            title=event.title,
            kind=event.kind.value,
            legal_basis=event.legal_basis.value,
            start_date=event.start_date,
            end_date=event.end_date,
            version=recorded.stream_version,
            last_position=recorded.position,
            **_rule_values(event.rules),
        )
    )


def _lot_added(conn, event: LotAdded, recorded: RecordedEvent) -> None:
    initial = event.manual_hours if event.manual_hours is not None else event.computed_hours
    conn.execute(
        insert(lots).values(
            lot_id=str(event.lot_id),
            market_id=str(event.market_id),
            number=event.number,
            title=event.title,
            awarded_company_id=str(event.awarded_company_id),
            awarded_siret=event.awarded_siret,
            initial_amount_cents=to_cents(event.amount_excl_vat),
            amount_cents=to_cents(event.amount_excl_vat),
            labour_share=str(event.labour_share),
            insertion_rate=str(event.insertion_rate),
            hourly_cost_cents=to_cents(event.hourly_cost),
            computed_cents=to_cents(event.computed_hours),
            manual_cents=to_cents(event.manual_hours),
            required_cents=to_cents(initial),
            added_position=recorded.position,
        )
    )


def _lot_amended(conn, event: LotAmended, recorded: RecordedEvent) -> None:
    conn.execute(
        insert(lot_amendments).values(
            position=recorded.position,
            lot_id=str(event.lot_id),
            market_id=str(event.market_id),
            amended_on=event.amended_on,
            reason=event.reason,
            previous_cents=0,  # set by the re-chaining below
            required_cents=to_cents(event.required_hours),
            amount_cents=to_cents(event.amount_excl_vat),
        )
    )
    _rechain(conn, str(event.lot_id))


def _rechain(conn, lot_id: str) -> None:
    """Walk the lot's amendments by date: each replaces the figure before it."""
    lot = conn.execute(select(lots).where(lots.c.lot_id == lot_id)).one()
    required = lot.manual_cents if lot.manual_cents is not None else lot.computed_cents
    amount = lot.initial_amount_cents
    a = lot_amendments.c
    rows = conn.execute(
        select(a.position, a.previous_cents, a.required_cents, a.amount_cents)
        .where(a.lot_id == lot_id)
        .order_by(a.amended_on, a.position)
    ).all()
    for row in rows:
        if row.previous_cents != required:
            conn.execute(
                update(lot_amendments)
                .where(a.position == row.position)
                .values(previous_cents=required)
            )
        required = row.required_cents
        amount = row.amount_cents if row.amount_cents is not None else amount
    conn.execute(
        update(lots)
        .where(lots.c.lot_id == lot_id)
        .values(required_cents=required, amount_cents=amount)
    )


def _awardee_changed(conn, event: LotAwardeeChanged) -> None:
    conn.execute(
        update(lots)
        .where(lots.c.lot_id == str(event.lot_id))
        .values(awarded_company_id=str(event.awarded_company_id), awarded_siret=event.awarded_siret)
    )


def apply(conn, events: Sequence[RecordedEvent]) -> None:
    for recorded in events:
        event = recorded.event
        match event:
            case MarketRegistered():
                _market_registered(conn, event, recorded)
            case MarketDetailsChanged():
                dates = {"start_date": event.start_date, "end_date": event.end_date}
                _touch(conn, event.market_id, recorded, title=event.title, **dates)
            case MarketCountingRulesChanged():
                _touch(conn, event.market_id, recorded, **_rule_values(event.rules))
            case LotAdded():
                _lot_added(conn, event, recorded)
                _touch(conn, event.market_id, recorded)
            case LotAwardeeChanged():
                _awardee_changed(conn, event)
                _touch(conn, event.market_id, recorded)
            case LotAmended():
                _lot_amended(conn, event, recorded)
                _touch(conn, event.market_id, recorded)


PROJECTION = Projection(
    name="markets",
    version=1,
    handles=frozenset(
        {
            "MarketRegistered",
            "MarketDetailsChanged",
            "MarketCountingRulesChanged",
            "LotAdded",
            "LotAwardeeChanged",
            "LotAmended",
        }
    ),
    tables=(markets, lots, lot_amendments),
    apply=apply,
    description="Marchés, lots (heures prévues actuelles) et historique des avenants.",
)

PROJECTIONS: list[Projection] = [PROJECTION]
