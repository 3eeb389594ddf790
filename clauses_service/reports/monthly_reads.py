"""What the monthly report reads from the read tables.

The database sums the buyer's hour lines (per contract, and per market and month for the
charts); only the lines of contracts worked partly while linked to the PLIE are read one
by one (PLIE hours depend on the month). Hours stay integer cents; rows come back as
plain tuples, converted once per distinct value where a conversion is needed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import String, case, func, or_, select, type_coerce
from sqlalchemy.engine import Connection

from clauses_service.reports import pace
from projections.companies import companies
from projections.contracts import contracts, hours
from projections.markets import lot_amendments, lots, markets
from projections.people import people, plie_links

c, h, m = contracts.c, hours.c, markets.c
MAX_IDS = 20_000  # ids bound in one IN (SQLite allows 32 766 parameters, psycopg 65 535)


class ContractHours(NamedTuple):
    """A contract's counted cents up to the report month, with what the report groups
    it by; ``person_id`` is the survivor of merges. ``first_month`` and ``last_month``
    are the months of its first and last counted lines."""

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
    first_month: datetime.date
    last_month: datetime.date


# A person's facts: (sex, birth date, QPV, RSA, RQTH) from the survivor's own record. A
# plain tuple of plain values: the garbage collector stops following those.
_FACTS = (
    people.c.person_id,
    people.c.sex,
    people.c.birth_date,
    people.c.qpv,
    people.c.rsa,
    people.c.rqth,
)


def _facts(sex, birth, qpv, rsa, rqth) -> tuple:
    return (sex, birth, bool(qpv), bool(rsa), bool(rqth))


class _Dates:
    """Raw month values (SQLite: ISO text; PostgreSQL: a date) -> dates, each distinct
    value converted once."""

    def __init__(self) -> None:
        self.seen: dict = {}

    def __call__(self, raw) -> datetime.date:
        found = self.seen.get(raw)
        if found is None:
            found = self.seen[raw] = _as_date(raw)
        return found


def _as_date(raw) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    return datetime.date.fromisoformat(str(raw)[:10])


def _buyer_contracts(buyer_id: str, column):
    """``column`` of the contracts on the buyer's markets (a subquery: no id list bound)."""
    return (
        select(column)
        .select_from(contracts.join(markets, m.market_id == c.market_id))
        .where(m.buyer_id == buyer_id)
    )


def market_rows(conn: Connection, buyer_id: str, month: datetime.date) -> list:
    """The buyer's markets started by the end of ``month``, by reference."""
    query = (
        select(m.market_id, m.reference, m.title, m.kind, m.start_date, m.end_date)
        .where(m.buyer_id == buyer_id, m.start_date <= pace.month_end(month))
        .order_by(m.reference_key, m.market_id)
    )
    return conn.execute(query).all()


def lots_in_force(conn: Connection, buyer_id: str, month: datetime.date) -> dict:
    """market id -> [(lot id, number, title, required cents in force at the end of
    ``month``)], the lots of the buyer's markets in the order added."""
    lot = lots.c
    query = (
        select(lot.market_id, lot.lot_id, lot.number, lot.title, lot.required_cents)
        .select_from(lots.join(markets, m.market_id == lot.market_id))
        .where(m.buyer_id == buyer_id)
        .order_by(lot.added_position)
    )
    rows = conn.execute(query).all()
    in_force = _required_at(conn, buyer_id, pace.month_end(month))
    out: dict[str, list] = defaultdict(list)
    for market_id, lot_id, number, title, required in rows:
        out[market_id].append((lot_id, number, title, in_force.get(lot_id, int(required))))
    return out


def _required_at(conn: Connection, buyer_id: str, day: datetime.date) -> dict[str, int]:
    """lot id -> required cents in force on ``day``, for the lots with amendments.

    Amendments chain by (business date, recording order); each keeps the figure it
    replaced, so the first one's ``previous_cents`` is the figure before any amendment.
    """
    a = lot_amendments.c
    query = (
        select(a.lot_id, a.amended_on, a.previous_cents, a.required_cents)
        .select_from(lot_amendments.join(markets, m.market_id == a.market_id))
        .where(m.buyer_id == buyer_id)
        .order_by(a.amended_on, a.position)
    )
    chains: dict[str, list] = defaultdict(list)
    for row in conn.execute(query):
        chains[row.lot_id].append(row)
    out = {}
    for lot_id, chain in chains.items():
        applied = [row for row in chain if row.amended_on <= day]
        out[lot_id] = int(applied[-1].required_cents if applied else chain[0].previous_cents)
    return out


def _counting(month: datetime.date) -> tuple:
    """The conditions of the hour lines that count up to ``month``."""
    return (h.withdrawn.is_(False), h.month <= month)


class BuyerContracts(NamedTuple):
    """What ``contract_hours`` reads: the contracts with counted lines, the facts of
    their people (survivor id -> (sex, birth date, QPV, RSA, RQTH)) and the contracts'
    own person ids (before merges)."""

    rows: list[ContractHours]
    facts: dict[str, tuple]
    own: set[str]


def contract_hours(
    conn: Connection, buyer_id: str, month: datetime.date, survivors: dict
) -> BuyerContracts:
    """The buyer's contracts with counted lines up to ``month``, summed by the database,
    with their attributes and their people's facts (from the survivor's own record)."""
    raw = type_coerce(h.month, String)
    sums = (
        select(
            h.contract_id.label("contract_id"),
            func.sum(h.counted_cents).label("cents"),
            func.sum(case((h.month == month, h.counted_cents), else_=0)).label("month_cents"),
            func.min(raw).label("first_month"),
            func.max(raw).label("last_month"),
        )
        .where(h.contract_id.in_(_buyer_contracts(buyer_id, c.contract_id)), *_counting(month))
        .group_by(h.contract_id)
        .subquery()
    )
    s, p = sums.c, people.c
    query = select(
        c.contract_id,
        c.person_id,
        c.market_id,
        c.lot_id,
        c.contract_type,
        c.modality,
        type_coerce(c.start_date, String),
        companies.c.kind,
        m.kind,
        s.cents,
        s.month_cents,
        s.first_month,
        s.last_month,
        *_FACTS,
    ).select_from(
        sums.join(contracts, c.contract_id == s.contract_id)
        .join(markets, m.market_id == c.market_id)
        .outerjoin(companies, companies.c.company_id == c.employer_company_id)
        .outerjoin(people, p.person_id == c.person_id)
    )
    as_date = _Dates()
    rows, facts, own = [], {}, set()
    for (
        contract_id,
        person,
        market,
        lot,
        contract_type,
        modality,
        start,
        employer_kind,
        sector,
        cents,
        month_cents,
        first,
        last,
        found,
        sex,
        birth,
        qpv,
        rsa,
        rqth,
    ) in conn.execute(query):
        own.add(person)
        survivor = survivors.get(person, person)
        if survivor == person and found is not None:
            facts[person] = _facts(sex, birth, qpv, rsa, rqth)
        rows.append(
            ContractHours(
                contract_id,
                survivor,
                market,
                lot,
                contract_type,
                modality,
                as_date(start),
                employer_kind,
                sector,
                int(cents),
                int(month_cents),
                as_date(first),
                as_date(last),
            )
        )
    # Merged people: the facts are the survivor's own, read by id.
    missing = sorted({row.person_id for row in rows} - facts.keys())
    for start in range(0, len(missing), MAX_IDS):  # bound parameters are limited
        query = select(*_FACTS).where(people.c.person_id.in_(missing[start : start + MAX_IDS]))
        for person_id, *identity in conn.execute(query):
            facts[person_id] = _facts(*identity)
    return BuyerContracts(rows, facts, own)


def market_months(
    conn: Connection, buyer_id: str, month: datetime.date
) -> Iterator[tuple[str, datetime.date, int]]:
    """(market id, month, counted cents) up to ``month``, months with lines only, each
    market's in month order."""
    raw = type_coerce(h.month, String)
    query = (
        select(c.market_id, raw, func.sum(h.counted_cents))
        .select_from(
            hours.join(contracts, c.contract_id == h.contract_id).join(
                markets, m.market_id == c.market_id
            )
        )
        .where(m.buyer_id == buyer_id, *_counting(month))
        .group_by(c.market_id, raw)
        .order_by(c.market_id, raw)  # ISO text (SQLite) and dates sort alike
    )
    as_date = _Dates()
    for market, line_month, cents in conn.execute(query):
        yield market, as_date(line_month), int(cents)


def links_of(
    conn: Connection, buyer_id: str, rows: list[ContractHours], own: set[str], survivors: dict
) -> dict[str, list]:
    """Survivor id -> the PLIE links (entry, exit) of everyone merged into it, for the
    people of ``rows`` with links. ``own``: the contracts' own person ids.

    Links of the people of the buyer's contracts are found through them (no id list
    bound); those of others merged with them are named by id.
    """
    wanted = {row.person_id for row in rows}
    if not wanted:
        return {}
    link = plie_links.c
    members = wanted | {merged for merged, survivor in survivors.items() if survivor in wanted}
    beyond = sorted(members - own)
    chunks = [beyond[start : start + MAX_IDS] for start in range(0, len(beyond), MAX_IDS)]
    where = or_(
        link.person_id.in_(_buyer_contracts(buyer_id, c.person_id)),
        *(link.person_id.in_(ids) for ids in chunks),
    )
    links: dict[str, list] = defaultdict(list)
    for person_id, entry, exit_date in conn.execute(
        select(link.person_id, link.entry_date, link.exit_date).where(where)
    ):
        survivor = survivors.get(person_id, person_id)
        if survivor in wanted:
            links[survivor].append((entry, exit_date))
    return links


def link_months(links: list) -> list[tuple]:
    """Each link as the (first, last) months it touches (last None while open): a person
    is linked on a month when the link covers at least one day of it."""
    return [
        (pace.first_of_month(entry), None if exit_ is None else pace.first_of_month(exit_))
        for entry, exit_ in links
    ]


def linked(ranges: list[tuple], month: datetime.date) -> bool:
    return any(first <= month and (last is None or month <= last) for first, last in ranges)


def _within(ranges: list[tuple], first: datetime.date, last: datetime.date) -> bool:
    """Every month from ``first`` to ``last`` is in one of the ranges."""
    return any(a <= first and (b is None or last <= b) for a, b in ranges)


def _apart(ranges: list[tuple], first: datetime.date, last: datetime.date) -> bool:
    """No month from ``first`` to ``last`` is in any of the ranges."""
    return all(last < a or (b is not None and b < first) for a, b in ranges)


def plie_cents(
    conn: Connection, month: datetime.date, rows: list[ContractHours], links: dict[str, list]
) -> dict[str, tuple[int, int]]:
    """survivor id -> (counted cents of the months while linked, of which in ``month``),
    for the people of ``rows`` with a PLIE link.

    A contract whose counted lines all fall in months while linked counts wholly, one
    whose lines all fall outside not at all (its sums are enough); only the lines of
    the others are read, month by month.
    """
    ranges_of = {person_id: link_months(own_links) for person_id, own_links in links.items()}
    out: dict[str, list[int]] = {}
    partly: dict[str, list[tuple]] = {}
    for row in rows:
        ranges = ranges_of.get(row.person_id)
        if ranges is None:
            continue
        sums = out.setdefault(row.person_id, [0, 0])
        if _within(ranges, row.first_month, row.last_month):
            sums[0] += row.cents
            sums[1] += row.month_cents
        elif not _apart(ranges, row.first_month, row.last_month):
            partly[row.contract_id] = ranges
    person_of = {row.contract_id: row.person_id for row in rows if row.contract_id in partly}
    ids = sorted(partly)
    as_date = _Dates()
    query = select(h.contract_id, type_coerce(h.month, String), h.counted_cents)
    for start in range(0, len(ids), MAX_IDS):  # bound parameters are limited
        chunk = ids[start : start + MAX_IDS]
        for contract_id, raw, cents in conn.execute(
            query.where(h.contract_id.in_(chunk), *_counting(month))
        ):
            line_month = as_date(raw)
            if linked(partly[contract_id], line_month):
                sums = out[person_of[contract_id]]
                sums[0] += int(cents)
                if line_month == month:
                    sums[1] += int(cents)
    return {person_id: (total, in_month) for person_id, (total, in_month) in out.items()}
