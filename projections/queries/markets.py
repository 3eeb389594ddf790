"""Queries over the markets read tables (``rm_markets``, ``rm_lots``, ``rm_lot_amendments``).

Hours and euros come out as Decimals to the hundredth, fractions as Decimals, kinds as
their ``Choice`` members, rules as ``CountingRules``. ``buyer_ids`` / ``company_ids``
scope what a buyer or a company may see: ``None`` means no scope, an empty list nothing.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import exists, func, or_, select
from sqlalchemy.engine import Connection

from events.catalog.markets import CountingRules, LegalBasis
from events.catalog.sectors import Sector
from projections.amounts import from_cents
from projections.buyers import buyers
from projections.companies import companies
from projections.markets import lot_amendments, lots, markets, reference_key


# ---- markets -----------------------------------------------------------------------------
def list_markets(
    conn: Connection,
    buyer_ids=None,
    company_ids=None,
    kind=None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """One page of markets (by reference), and how many match.

    Each row has ``buyer_name``, ``lot_count`` and ``required_hours`` (sum over its lots;
    with ``company_ids``, over the lots awarded to those companies only).
    """
    m = markets.c
    query = select(markets)
    if buyer_ids is not None:
        query = query.where(m.buyer_id.in_([str(b) for b in buyer_ids]))
    if company_ids is not None:
        companies_in = lots.c.awarded_company_id.in_([str(c) for c in company_ids])
        query = query.where(exists().where(lots.c.market_id == m.market_id, companies_in))
    if kind is not None:
        query = query.where(m.kind == Sector(kind).value)
    if search and search.strip():
        pattern = f"%{' '.join(search.split()).lower()}%"
        query = query.where(
            or_(func.lower(m.reference).like(pattern), func.lower(m.title).like(pattern))
        )
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    totals = _lot_totals(company_ids)
    page = (
        query.add_columns(
            buyers.c.name.label("buyer_name"),
            func.coalesce(totals.c.lot_count, 0).label("lot_count"),
            func.coalesce(totals.c.required_cents, 0).label("required_total_cents"),
        )
        .outerjoin(buyers, buyers.c.buyer_id == m.buyer_id)
        .outerjoin(totals, totals.c.market_id == m.market_id)
        .order_by(m.reference_key, m.market_id)
        .limit(limit)
        .offset(offset)
    )
    return [_market(row) for row in conn.execute(page)], int(total)


def _lot_totals(company_ids):
    query = select(
        lots.c.market_id,
        func.count().label("lot_count"),
        func.sum(lots.c.required_cents).label("required_cents"),
    ).group_by(lots.c.market_id)
    if company_ids is not None:
        query = query.where(lots.c.awarded_company_id.in_([str(c) for c in company_ids]))
    return query.subquery()


def get_market(conn: Connection, market_id, company_ids=None) -> dict | None:
    """A market with its lots (in the order added), each with its amendment history.

    With ``company_ids``, only the lots awarded to those companies, and None when there
    are none (the market is not theirs to see).
    """
    row = conn.execute(
        select(markets, buyers.c.name.label("buyer_name"))
        .outerjoin(buyers, buyers.c.buyer_id == markets.c.buyer_id)
        .where(markets.c.market_id == str(market_id))
    ).first()
    if row is None:
        return None
    market_lots = _lots(conn, lots.c.market_id == str(market_id), company_ids)
    if company_ids is not None and not market_lots:
        return None
    data = _market(row)
    data["lots"] = market_lots
    data["lot_count"] = len(market_lots)
    data["required_hours"] = sum((lot["required_hours"] for lot in market_lots), Decimal("0.00"))
    return data


def market_by_reference(conn: Connection, reference: str) -> dict | None:
    """The market whose reference matches (ignoring case and spaces), with its lots."""
    market_id = conn.execute(
        select(markets.c.market_id).where(markets.c.reference_key == reference_key(reference or ""))
    ).scalar()
    return get_market(conn, market_id) if market_id else None


def _market(row) -> dict:
    data = dict(row._mapping)
    for name in ("reference_key", "last_position"):
        data.pop(name, None)
    data["kind"] = Sector(data["kind"])
    data["legal_basis"] = LegalBasis(data["legal_basis"])
    data["rules"] = CountingRules(
        cdi_counted_months=data.pop("cdi_counted_months"),
        eligibility_months=data.pop("eligibility_months"),
        training_hours_count=bool(data.pop("training_hours_count")),
        warning_hours=from_cents(data.pop("warning_cents")),
        refusal_hours=from_cents(data.pop("refusal_cents")),
        penalty_per_missing_hour=from_cents(data.pop("penalty_cents")),
    )
    if "required_total_cents" in data:
        data["required_hours"] = from_cents(data.pop("required_total_cents"))
        data["lot_count"] = int(data["lot_count"])
    return data


# ---- lots --------------------------------------------------------------------------------
def _lots(conn: Connection, condition, company_ids=None) -> list[dict]:
    query = (
        select(lots, companies.c.name.label("awarded_company_name"))
        .outerjoin(companies, companies.c.company_id == lots.c.awarded_company_id)
        .where(condition)
        .order_by(lots.c.added_position)
    )
    if company_ids is not None:
        query = query.where(lots.c.awarded_company_id.in_([str(c) for c in company_ids]))
    found = [_lot(row) for row in conn.execute(query)]
    history = _amendments(conn, [lot["lot_id"] for lot in found])
    for lot in found:
        lot["amendments"] = history.get(lot["lot_id"], [])
    return found


def _lot(row) -> dict:
    data = dict(row._mapping)
    data.pop("added_position", None)
    for name, cents in (
        ("amount_excl_vat", "amount_cents"),
        ("initial_amount_excl_vat", "initial_amount_cents"),
        ("hourly_cost", "hourly_cost_cents"),
        ("computed_hours", "computed_cents"),
        ("manual_hours", "manual_cents"),
        ("required_hours", "required_cents"),
    ):
        data[name] = from_cents(data.pop(cents))
    data["labour_share"] = Decimal(data["labour_share"])
    data["insertion_rate"] = Decimal(data["insertion_rate"])
    return data


def _amendments(conn: Connection, lot_ids: list[str]) -> dict[str, list[dict]]:
    if not lot_ids:
        return {}
    a = lot_amendments.c
    rows = conn.execute(
        select(lot_amendments).where(a.lot_id.in_(lot_ids)).order_by(a.amended_on, a.position)
    )
    history: dict[str, list[dict]] = {}
    for row in rows:
        history.setdefault(row.lot_id, []).append(
            {
                "amended_on": row.amended_on,
                "reason": row.reason,
                "previous_hours": from_cents(row.previous_cents),
                "required_hours": from_cents(row.required_cents),
                "amount_excl_vat": from_cents(row.amount_cents),
                "position": row.position,
            }
        )
    return history


def lots_of_company(conn: Connection, company_id) -> list[dict]:
    """The lots awarded to a company, with their market's reference, title, kind and dates."""
    m = markets.c
    query = (
        select(
            lots,
            m.reference.label("market_reference"),
            m.title.label("market_title"),
            m.kind.label("market_kind"),
            m.buyer_id,
            m.start_date,
            m.end_date,
        )
        .join(markets, m.market_id == lots.c.market_id)
        .where(lots.c.awarded_company_id == str(company_id))
        .order_by(m.reference_key, lots.c.added_position)
    )
    found = []
    for row in conn.execute(query):
        lot = _lot(row)
        lot["market_kind"] = Sector(lot["market_kind"])
        found.append(lot)
    return found


_LOT_PREFIX = re.compile(r"^(lot\b\s*)?(n°|no\b\.?|n\.)?\s*")


def _number_key(number: str) -> str:
    return " ".join(number.split()).casefold()


def _loose_number_key(number: str) -> str:
    """ "Lot n° 02" and "2" alike: no "lot" / "n°" prefix, no leading zeros."""
    text = _LOT_PREFIX.sub("", _number_key(number))
    return text.lstrip("0") or text[-1:]


def find_lot(conn: Connection, market_reference: str, lot_number: str) -> dict | None:
    """The lot a spreadsheet row names, or None.

    The reference matches like the uniqueness claim (case and spaces ignored); the lot
    number ignoring case, else loosely ("Lot 02" for "2") when that names one lot only.
    Returns market_id, lot_id, kind, rules and what a row check needs (dates, awardee,
    required hours).
    """
    market = conn.execute(
        select(markets).where(markets.c.reference_key == reference_key(market_reference or ""))
    ).first()
    if market is None or not (lot_number or "").strip():
        return None
    candidates = conn.execute(
        select(lots).where(lots.c.market_id == market.market_id).order_by(lots.c.added_position)
    ).all()
    wanted = _number_key(lot_number)
    matches = [row for row in candidates if _number_key(row.number) == wanted]
    if not matches:
        loose = _loose_number_key(lot_number)
        matches = [row for row in candidates if _loose_number_key(row.number) == loose]
    if len(matches) != 1:
        return None
    lot, info = _lot(matches[0]), _market(market)
    lot.update(
        market_reference=info["reference"],
        kind=info["kind"],
        rules=info["rules"],
        buyer_id=info["buyer_id"],
        start_date=info["start_date"],
        end_date=info["end_date"],
    )
    return lot


def company_market_progress(
    conn: Connection, market_id, company_ids, until_month=None
) -> dict | None:
    """``market_progress`` restricted to the lots awarded to ``company_ids``: what a company
    sees of a market. None when none of the market's lots is theirs."""
    from projections.queries.contracts import lot_progress, market_progress

    full = market_progress(conn, market_id, until_month)
    if full is None:
        return None
    ids = [str(c) for c in company_ids]
    own = conn.execute(
        select(lots.c.lot_id).where(
            lots.c.market_id == str(market_id), lots.c.awarded_company_id.in_(ids)
        )
    ).scalars()
    own_ids = set(own)
    if not own_ids:
        return None
    monthly: dict = {}
    for lot_id in own_ids:
        for month in lot_progress(conn, lot_id, until_month)["months"]:
            monthly[month["month"]] = (
                monthly.get(month["month"], Decimal("0")) + month["counted_hours"]
            )
    lot_rows = [lot for lot in full["lots"] if lot["lot_id"] in own_ids]
    required = sum((lot["required_hours"] for lot in lot_rows), Decimal("0.00"))
    cumulative, months = Decimal("0.00"), []
    for month in sorted(monthly):
        cumulative += monthly[month]
        months.append(
            {"month": month, "counted_hours": monthly[month], "cumulative_hours": cumulative}
        )
    rate = None
    if required:
        rate = (cumulative * 100 / required).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {
        **full,
        "required_hours": required,
        "counted_hours": cumulative,
        "achievement_rate": rate,
        "remaining_hours": max(Decimal("0.00"), required - cumulative),
        "months": months,
        "lots": lot_rows,
    }
