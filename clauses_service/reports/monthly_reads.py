"""What the monthly report reads from the read tables.

The buyer's hour lines are read once and summed per contract (cumulative and report
month), per market and month (the charts) and per person and month (PLIE hours depend
on the month). Hours stay integer cents.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import String, case, func, select, type_coerce
from sqlalchemy.engine import Connection

from clauses_service.reports import pace
from projections.companies import companies
from projections.contracts import contracts, hours
from projections.markets import lot_amendments, lots, markets
from projections.people import people, plie_links

c, h, m = contracts.c, hours.c, markets.c


@dataclass(frozen=True, slots=True)
class ContractHours:
    """A contract's counted cents up to the report month, with what the report groups
    it by; ``person_id`` is the survivor of merges."""

    contract_id: str
    person_id: str
    market_id: str
    lot_id: str
    contract_type: str
    modality: str
    start_date: datetime.date
    employer_kind: str | None
    sector: str
    cents: int
    month_cents: int


def market_rows(conn: Connection, buyer_id: str, month: datetime.date) -> list:
    """The buyer's markets started by the end of ``month``, by reference."""
    query = (
        select(markets)
        .where(m.buyer_id == buyer_id, m.start_date <= pace.month_end(month))
        .order_by(m.reference_key, m.market_id)
    )
    return list(conn.execute(query))


def lots_in_force(conn: Connection, market_ids: list[str], month: datetime.date) -> dict:
    """market id -> [(lot row, required cents in force at the end of ``month``)], the
    lots in the order added."""
    if not market_ids:
        return {}
    rows = conn.execute(
        select(lots).where(lots.c.market_id.in_(market_ids)).order_by(lots.c.added_position)
    ).all()
    in_force = _required_at(conn, market_ids, pace.month_end(month))
    out: dict[str, list] = defaultdict(list)
    for row in rows:
        out[row.market_id].append((row, in_force.get(row.lot_id, int(row.required_cents))))
    return out


def _required_at(conn: Connection, market_ids: list[str], day: datetime.date) -> dict[str, int]:
    """lot id -> required cents in force on ``day``, for the lots with amendments.

    Amendments chain by (business date, recording order); each keeps the figure it
    replaced, so the first one's ``previous_cents`` is the figure before any amendment.
    """
    a = lot_amendments.c
    query = select(a.lot_id, a.amended_on, a.previous_cents, a.required_cents).where(
        a.market_id.in_(market_ids)
    )
    chains: dict[str, list] = defaultdict(list)
    for row in conn.execute(query.order_by(a.amended_on, a.position)):
        chains[row.lot_id].append(row)
    out = {}
    for lot_id, chain in chains.items():
        applied = [row for row in chain if row.amended_on <= day]
        out[lot_id] = int(applied[-1].required_cents if applied else chain[0].previous_cents)
    return out


def contract_attributes(conn: Connection, buyer_id: str, survivors: dict) -> dict[str, tuple]:
    """contract id -> (person, market, lot, contract type, modality, start date, employer
    kind, sector), in ``ContractHours``' order, for the contracts on the buyer's markets;
    the person is the survivor of merges."""
    query = (
        select(
            c.contract_id,
            c.person_id,
            c.market_id,
            c.lot_id,
            c.contract_type,
            c.modality,
            c.start_date,
            companies.c.kind,
            m.kind,
        )
        .select_from(
            contracts.join(markets, m.market_id == c.market_id).outerjoin(
                companies, companies.c.company_id == c.employer_company_id
            )
        )
        .where(m.buyer_id == buyer_id)
    )
    return {row[0]: (survivors.get(row[1], row[1]), *row[2:]) for row in conn.execute(query).all()}


def _counting(buyer_id: str, month: datetime.date):
    """The buyer's lines that count up to ``month`` (through its markets' contracts)."""
    joined = hours.join(contracts, c.contract_id == h.contract_id).join(
        markets, m.market_id == c.market_id
    )
    return joined, (m.buyer_id == buyer_id, h.withdrawn.is_(False), h.month <= month)


def _per_contract(conn: Connection, buyer_id: str, month: datetime.date) -> list:
    """(contract id, cumulative cents, cents of ``month``): summed by the database."""
    joined, conditions = _counting(buyer_id, month)
    in_month = func.sum(case((h.month == month, h.counted_cents), else_=0))
    query = (
        select(h.contract_id, func.sum(h.counted_cents), in_month)
        .select_from(joined)
        .where(*conditions)
        .group_by(h.contract_id)
    )
    return conn.execute(query).all()


def _per_market_month(conn: Connection, buyer_id: str, month: datetime.date) -> list:
    """(market id, raw month, cents). The month comes raw from the driver (SQLite: ISO
    text; PostgreSQL: a date), converted once per distinct month."""
    joined, conditions = _counting(buyer_id, month)
    raw = type_coerce(h.month, String)
    query = (
        select(c.market_id, raw, func.sum(h.counted_cents))
        .select_from(joined)
        .where(*conditions)
        .group_by(c.market_id, raw)
    )
    return conn.execute(query).all()


def _lines_of(conn: Connection, buyer_id: str, month: datetime.date, contract_ids) -> list:
    """(contract id, raw month, cents) of the given contracts' lines that count."""
    if not contract_ids:
        return []
    joined, conditions = _counting(buyer_id, month)
    query = (
        select(h.contract_id, type_coerce(h.month, String), h.counted_cents)
        .select_from(joined)
        .where(*conditions, h.contract_id.in_(sorted(contract_ids)))
    )
    return conn.execute(query).all()


def _as_date(raw) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    return datetime.date.fromisoformat(str(raw)[:10])


@dataclass
class Hours:
    """The buyer's counted hours up to the report month, summed every way the report
    needs: per contract, per market and month (charts), per person and month (PLIE)."""

    contracts: list[ContractHours]
    market_months: dict[str, list]  # market id -> [(month, cents)] in month order
    person_months: dict[str, dict]  # survivor id -> {month: cents}


def read_hours(
    conn: Connection,
    buyer_id: str,
    month: datetime.date,
    attributes: dict[str, tuple],
    plie_people: set[str],
) -> Hours:
    """Every sum of the report from one read of the buyer's hour lines: per contract,
    per market and month, and per month for the people of ``plie_people``."""
    person_of = {cid: info[0] for cid, info in attributes.items() if info[0] in plie_people}
    # Sums by the database: a Python loop over every line was most of the report's time.
    totals = _per_contract(conn, buyer_id, month)
    per_market = {
        (market, raw): cents for market, raw, cents in _per_market_month(conn, buyer_id, month)
    }
    per_person: dict[tuple, int] = defaultdict(int)
    for contract_id, raw, cents in _lines_of(conn, buyer_id, month, person_of):
        per_person[person_of[contract_id], raw] += cents
    dates: dict = {}

    def as_date(raw) -> datetime.date:
        if raw not in dates:
            dates[raw] = _as_date(raw)
        return dates[raw]

    rows = [
        ContractHours(contract_id, *attributes[contract_id], int(cents), int(month_cents))
        for contract_id, cents, month_cents in totals
    ]
    months: dict[str, list] = defaultdict(list)
    for market, line_month, cents in sorted(
        (k[0], as_date(k[1]), int(v)) for k, v in per_market.items()
    ):
        months[market].append((line_month, cents))
    person_months: dict[str, dict] = defaultdict(dict)
    for (person, raw), cents in per_person.items():
        person_months[person][as_date(raw)] = cents
    return Hours(rows, months, person_months)


def people_facts(conn: Connection, survivor_ids: set[str], survivors: dict) -> dict[str, dict]:
    """survivor id -> sex, birth date, QPV, RSA, RQTH and the PLIE links (entry, exit) of
    everyone merged into it."""
    if not survivor_ids:
        return {}
    members = set(survivor_ids)
    members |= {merged for merged, survivor in survivors.items() if survivor in survivor_ids}
    p = people.c
    facts = {
        row.person_id: {
            "sex": row.sex,
            "birth_date": row.birth_date,
            "qpv": bool(row.qpv),
            "rsa": bool(row.rsa),
            "rqth": bool(row.rqth),
            "links": [],
        }
        for row in conn.execute(
            select(p.person_id, p.sex, p.birth_date, p.qpv, p.rsa, p.rqth).where(
                p.person_id.in_(sorted(survivor_ids))
            )
        )
    }
    link = plie_links.c
    query = select(link.person_id, link.entry_date, link.exit_date).where(
        link.person_id.in_(sorted(members))
    )
    for person_id, entry, exit_date in conn.execute(query):
        survivor = survivors.get(person_id, person_id)
        if survivor in facts:
            facts[survivor]["links"].append((entry, exit_date))
    return facts


def link_months(links: list) -> list[tuple]:
    """Each link as the (first, last) months it touches (last None while open): a person
    is linked on a month when the link covers at least one day of it."""
    return [
        (pace.first_of_month(entry), None if exit_ is None else pace.first_of_month(exit_))
        for entry, exit_ in links
    ]


def linked(ranges: list[tuple], month: datetime.date) -> bool:
    return any(first <= month and (last is None or month <= last) for first, last in ranges)


def plie_cents(hours: Hours, month: datetime.date, facts: dict) -> dict[str, tuple[int, int]]:
    """survivor id -> (counted cents of the months while linked, of which in ``month``),
    for the people with a PLIE link."""
    out = {}
    for person_id, fact in facts.items():
        if not fact["links"]:
            continue
        ranges = link_months(fact["links"])
        months = hours.person_months.get(person_id, {})
        total = sum(cents for line_month, cents in months.items() if linked(ranges, line_month))
        out[person_id] = (total, months.get(month, 0) if linked(ranges, month) else 0)
    return out
