"""Queries over the contracts read tables, joined at query time with markets, companies
and people: progress of lots and markets, breakdowns of hours and people, contracts,
hour lines, exits.

Hours come out as Decimals to the hundredth; withdrawn hour lines never count. Scopes
(how roles are enforced): ``company_ids`` keeps contracts whose employer or user company
is listed, ``buyer_ids`` the markets of those buyers, ``market_ids`` those markets, ``person_ids``
(where accepted) those people; ``None`` means no scope, an empty list nothing.

Merged people count once, under the person they were merged into (``rm_people.merged_into``
followed to the end of the chain).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from events.catalog.contracts import ExitOutcome
from projections.amounts import from_cents
from projections.buyers import buyers
from projections.companies import companies
from projections.contracts import contracts, exits, hours, hours_history
from projections.markets import lots, markets
from projections.people import orientations, people, plie_links
from projections.queries.people import survivor_map

HUNDREDTH = Decimal("0.01")
NOT_GIVEN = "non renseigné"
NO_ORIENTATION = "aucune"
AGE_BANDS = ("<26", "26-44", "45-54", "55+")

c, h, m = contracts.c, hours.c, markets.c

BREAKDOWN_KEYS = {
    "buyer": m.buyer_id,
    "market": c.market_id,
    "lot": c.lot_id,
    "company": c.employer_company_id,
    "month": h.month,
    "sector": m.kind,
    "contract_type": c.contract_type,
    "modality": c.modality,
    "employer_kind": companies.c.kind,
}


# ---- helpers --------------------------------------------------------------------------
def first_of_month(day: date | None) -> date | None:
    return None if day is None else day.replace(day=1)


def _ids(values: Iterable) -> list[str]:
    return [str(v) for v in values]


def _hours(cents) -> Decimal:
    return from_cents(int(cents or 0))


def _rate(done_cents: int, required_cents: int) -> Decimal | None:
    """Achievement in percent, to the hundredth (None when nothing is required)."""
    if not required_cents:
        return None
    rate = Decimal(done_cents) * 100 / Decimal(required_cents)
    return rate.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def _scope(query, company_ids=None, buyer_ids=None, market_ids=None, person_ids=None):
    if company_ids is not None:
        ids = _ids(company_ids)
        query = query.where(or_(c.employer_company_id.in_(ids), c.user_company_id.in_(ids)))
    if buyer_ids is not None:
        query = query.where(m.buyer_id.in_(_ids(buyer_ids)))
    if market_ids is not None:
        query = query.where(c.market_id.in_(_ids(market_ids)))
    if person_ids is not None:
        query = query.where(c.person_id.in_(_ids(person_ids)))
    return query


def _counted_lines(*columns):
    """Hour lines that count (not withdrawn), with their contract and market."""
    joined = hours.join(contracts, c.contract_id == h.contract_id).outerjoin(
        markets, m.market_id == c.market_id
    )
    return select(*columns).select_from(joined).where(h.withdrawn.is_(False))


def _period(query, start_month: date | None, end_month: date | None):
    if start_month is not None:
        query = query.where(h.month >= first_of_month(start_month))
    if end_month is not None:
        query = query.where(h.month <= first_of_month(end_month))
    return query


# ---- progress -------------------------------------------------------------------------
def _progress(required_cents: int, monthly: list[tuple[date, int]]) -> dict:
    cumulative, months = 0, []
    for month, counted in monthly:
        cumulative += int(counted or 0)
        months.append(
            {
                "month": month,
                "counted_hours": _hours(counted),
                "cumulative_hours": _hours(cumulative),
            }
        )
    return {
        "required_hours": _hours(required_cents),
        "counted_hours": _hours(cumulative),
        "achievement_rate": _rate(cumulative, required_cents),
        "remaining_hours": _hours(max(0, required_cents - cumulative)),
        "months": months,
    }


def _monthly(conn: Connection, condition, until_month: date | None):
    query = _period(
        _counted_lines(h.month, func.sum(h.counted_cents)).where(condition), None, until_month
    )
    return list(conn.execute(query.group_by(h.month).order_by(h.month)).all())


def lot_progress(conn: Connection, lot_id, until_month: date | None = None) -> dict | None:
    """A lot's required hours against its counted hours, month by month and cumulated.

    ``months`` lists the months with hours (up to ``until_month`` when given);
    ``achievement_rate`` is a percentage (None when nothing is required).
    """
    lot = conn.execute(select(lots).where(lots.c.lot_id == str(lot_id))).first()
    if lot is None:
        return None
    monthly = _monthly(conn, c.lot_id == str(lot_id), until_month)
    return {
        "lot_id": lot.lot_id,
        "market_id": lot.market_id,
        "number": lot.number,
        "title": lot.title,
        **_progress(int(lot.required_cents), monthly),
    }


def market_progress(conn: Connection, market_id, until_month: date | None = None) -> dict | None:
    """The market's required hours (sum of its lots) against its counted hours, with each
    lot's own figures in ``lots``. Hours beyond a lot's target never offset another lot."""
    market = conn.execute(select(markets).where(m.market_id == str(market_id))).first()
    if market is None:
        return None
    lot_rows = conn.execute(
        select(lots).where(lots.c.market_id == str(market_id)).order_by(lots.c.number)
    ).all()
    per_lot = dict(
        conn.execute(
            _period(
                _counted_lines(c.lot_id, func.sum(h.counted_cents)).where(
                    c.market_id == str(market_id)
                ),
                None,
                until_month,
            ).group_by(c.lot_id)
        ).all()
    )
    lot_summaries = []
    for lot in lot_rows:
        done, required = int(per_lot.get(lot.lot_id) or 0), int(lot.required_cents)
        lot_summaries.append(
            {
                "lot_id": lot.lot_id,
                "number": lot.number,
                "title": lot.title,
                "required_hours": _hours(required),
                "counted_hours": _hours(done),
                "achievement_rate": _rate(done, required),
                "remaining_hours": _hours(max(0, required - done)),
            }
        )
    required = sum(int(lot.required_cents) for lot in lot_rows)
    monthly = _monthly(conn, c.market_id == str(market_id), until_month)
    return {
        "market_id": market.market_id,
        "buyer_id": market.buyer_id,
        "reference": market.reference,
        "title": market.title,
        **_progress(required, monthly),
        "lots": lot_summaries,
    }


# ---- hours breakdown ------------------------------------------------------------------
def hours_breakdown(
    conn: Connection,
    by: list[str],
    start_month: date,
    end_month: date,
    buyer_ids=None,
    company_ids=None,
    market_ids=None,
    person_ids=None,
) -> list[dict]:
    """Hours, counted hours, training hours and contracts per group of ``by`` keys.

    Keys: buyer, market, lot, company (employer), month, sector (market kind),
    contract_type, modality, employer_kind. Rows are ordered by the keys, in order.
    """
    unknown = [key for key in by if key not in BREAKDOWN_KEYS]
    if unknown:
        raise ValueError(
            f"Regroupement inconnu : {', '.join(unknown)}. Possibles : {', '.join(BREAKDOWN_KEYS)}."
        )
    keys = list(dict.fromkeys(by))
    columns = [BREAKDOWN_KEYS[key].label(key) for key in keys]
    query = _counted_lines(
        *columns,
        func.sum(h.hours_cents).label("hours"),
        func.sum(h.counted_cents).label("counted"),
        func.sum(h.training_cents).label("training"),
        func.count(func.distinct(h.contract_id)).label("contracts"),
    )
    if "employer_kind" in keys:
        query = query.outerjoin(companies, companies.c.company_id == c.employer_company_id)
    query = _scope(
        _period(query, start_month, end_month), company_ids, buyer_ids, market_ids, person_ids
    )
    if keys:
        query = query.group_by(*[BREAKDOWN_KEYS[key] for key in keys])
    rows = [
        {
            **{key: getattr(row, key) for key in keys},
            "hours": _hours(row.hours),
            "counted_hours": _hours(row.counted),
            "training_hours": _hours(row.training),
            "contracts": int(row.contracts),
        }
        for row in conn.execute(query)
        if row.contracts
    ]
    # Sorted here: NULL keys (an unknown company kind) sort the same on every database.
    return sorted(rows, key=lambda r: tuple((r[k] is None, r[k] or "") for k in keys))


# ---- people ---------------------------------------------------------------------------
def age_band(birth_date: date | None, on: date) -> str:
    if birth_date is None:
        return NOT_GIVEN
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if age < 26:
        return "<26"
    if age < 45:
        return "26-44"
    if age < 55:
        return "45-54"
    return "55+"


def _month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _linked(links: list, month: date) -> bool:
    last = _month_end(month)
    return any(
        link.entry_date <= last and (link.exit_date is None or link.exit_date >= month)
        for link in links
    )


def _latest_prescriber(rows: list) -> str:
    if not rows:
        return NO_ORIENTATION
    return max(rows, key=lambda r: (r.oriented_on, r.position)).prescriber_kind


def people_breakdown(
    conn: Connection,
    start_month: date,
    end_month: date,
    buyer_ids=None,
    company_ids=None,
    market_ids=None,
    person_ids=None,
) -> dict:
    """Who worked with counted hours in [start_month, end_month]: people (merged records
    counted once), by sex, age band at contract start (their earliest such contract),
    QPV (and per quarter), PLIE at the time (linked on a month where they have hours),
    RSA, RQTH, prescriber kind of their latest orientation; with the PLIE hours (counted
    hours of the months while linked). Erased people count with "non renseigné".
    """
    query = _counted_lines(
        c.person_id, c.contract_id, c.start_date, h.month, h.hours_cents, h.counted_cents
    )
    lines = conn.execute(
        _scope(
            _period(query, start_month, end_month), company_ids, buyer_ids, market_ids, person_ids
        )
    ).all()
    survivors = survivor_map(conn)
    by_person: dict[str, list] = defaultdict(list)
    for line in lines:
        by_person[survivors.get(line.person_id, line.person_id)].append(line)
    counted_people = {
        pid: rows for pid, rows in by_person.items() if sum(r.counted_cents for r in rows) > 0
    }
    members = defaultdict(list)  # survivor -> everyone merged into it, and itself
    for merged, survivor in survivors.items():
        members[survivor].append(merged)
    group_ids = {pid: [pid, *members.get(pid, [])] for pid in counted_people}
    everyone = [pid for ids in group_ids.values() for pid in ids]
    details = {
        row.person_id: row
        for row in conn.execute(select(people).where(people.c.person_id.in_(everyone)))
    }
    links = defaultdict(list)
    for row in conn.execute(select(plie_links).where(plie_links.c.person_id.in_(everyone))):
        links[row.person_id].append(row)
    oriented = defaultdict(list)
    for row in conn.execute(select(orientations).where(orientations.c.person_id.in_(everyone))):
        oriented[row.person_id].append(row)

    result = {
        "people": len(counted_people),
        "contracts": len({r.contract_id for rows in counted_people.values() for r in rows}),
        "hours": _hours(sum(r.hours_cents for rows in counted_people.values() for r in rows)),
        "counted_hours": _hours(
            sum(r.counted_cents for rows in counted_people.values() for r in rows)
        ),
        "by_sex": Counter(),
        "by_age": Counter(),
        "qpv": 0,
        "by_qpv": Counter(),
        "plie": 0,
        "plie_hours": Decimal("0.00"),
        "rsa": 0,
        "rqth": 0,
        "by_prescriber": Counter(),
    }
    plie_cents = 0
    for pid, rows in counted_people.items():
        person = details.get(pid)
        result["by_sex"][(person.sex if person else None) or NOT_GIVEN] += 1
        first_start = min(r.start_date for r in rows)
        result["by_age"][age_band(person.birth_date if person else None, first_start)] += 1
        if person is not None and person.qpv:
            result["qpv"] += 1
            result["by_qpv"][person.qpv] += 1
        result["rsa"] += bool(person is not None and person.rsa)
        result["rqth"] += bool(person is not None and person.rqth)
        group_links = [link for member in group_ids[pid] for link in links[member]]
        linked_rows = [r for r in rows if _linked(group_links, r.month)]
        if linked_rows:
            result["plie"] += 1
            plie_cents += sum(r.counted_cents for r in linked_rows)
        group_orientations = [o for member in group_ids[pid] for o in oriented[member]]
        result["by_prescriber"][_latest_prescriber(group_orientations)] += 1
    result["plie_hours"] = _hours(plie_cents)
    for key in ("by_sex", "by_age", "by_qpv", "by_prescriber"):
        result[key] = dict(sorted(result[key].items()))
    return result


# ---- contracts ------------------------------------------------------------------------
def _totals_subquery():
    return (
        select(
            h.contract_id.label("contract_id"),
            func.sum(h.hours_cents).label("hours"),
            func.sum(h.counted_cents).label("counted"),
            func.sum(h.training_cents).label("training"),
        )
        .where(h.withdrawn.is_(False))
        .group_by(h.contract_id)
        .subquery()
    )


def _contract_query(company_ids=None, buyer_ids=None, market_ids=None):
    totals = _totals_subquery()
    columns = [col for col in contracts.c if col.name != "last_position"]
    query = select(*columns, totals.c.hours, totals.c.counted, totals.c.training).select_from(
        contracts.outerjoin(totals, totals.c.contract_id == c.contract_id).outerjoin(
            markets, m.market_id == c.market_id
        )
    )
    return _scope(query, company_ids, buyer_ids, market_ids)


def _contract(row) -> dict:
    data = dict(row._mapping)
    data["weekly_hours"] = from_cents(data.pop("weekly_hours_cents"))
    data["hours"] = _hours(data.pop("hours"))
    data["counted_hours"] = _hours(data.pop("counted"))
    data["training_hours"] = _hours(data.pop("training"))
    return data


def _group_of(conn: Connection, person_id) -> list[str]:
    """The survivor of ``person_id`` and everyone merged into it."""
    survivors = survivor_map(conn)
    survivor = survivors.get(str(person_id), str(person_id))
    return [survivor, *sorted(p for p, s in survivors.items() if s == survivor)]


def contracts_of_person(conn: Connection, person_id, company_ids=None, buyer_ids=None) -> list:
    """The contracts of a person and of the records merged with them, oldest first."""
    query = _contract_query(company_ids, buyer_ids).where(
        c.person_id.in_(_group_of(conn, person_id))
    )
    return [_contract(row) for row in conn.execute(query.order_by(c.start_date, c.contract_id))]


def _listed(company_ids, market_ids, person_ids, buyer_ids):
    query = _contract_query(company_ids, buyer_ids, market_ids)
    if person_ids is not None:
        query = query.where(c.person_id.in_(person_ids))
    return query


def list_contracts(
    conn: Connection,
    company_ids=None,
    market_ids=None,
    person_id=None,
    limit: int = 100,
    offset: int = 0,
    buyer_ids=None,
) -> list[dict]:
    """Contracts (latest start first) with their hours, counted and training totals."""
    person_ids = None if person_id is None else _group_of(conn, person_id)
    query = _listed(company_ids, market_ids, person_ids, buyer_ids)
    query = query.order_by(c.start_date.desc(), c.contract_id).limit(limit).offset(offset)
    return [_contract(row) for row in conn.execute(query)]


def count_contracts(
    conn: Connection, company_ids=None, market_ids=None, person_id=None, buyer_ids=None
) -> int:
    person_ids = None if person_id is None else _group_of(conn, person_id)
    query = _listed(company_ids, market_ids, person_ids, buyer_ids).subquery()
    return int(conn.execute(select(func.count()).select_from(query)).scalar_one())


def get_contract(conn: Connection, contract_id, company_ids=None, buyer_ids=None) -> dict | None:
    row = conn.execute(
        _contract_query(company_ids, buyer_ids).where(c.contract_id == str(contract_id))
    ).first()
    return _contract(row) if row else None


# ---- hour lines -----------------------------------------------------------------------
def _line(row) -> dict:
    data = dict(row._mapping)
    data["hours"] = from_cents(data.pop("hours_cents"))
    data["training_hours"] = from_cents(data.pop("training_cents"))
    data["counted_hours"] = from_cents(data.pop("counted_cents"))
    data["warnings"] = list(data.get("warnings") or [])
    return data


def hours_of_contract(conn: Connection, contract_id) -> list[dict]:
    """The contract's hour lines by month, withdrawn ones included (``withdrawn``), each
    with its ``source`` (import file and row) and who recorded it last."""
    query = select(hours).where(h.contract_id == str(contract_id)).order_by(h.month)
    return [_line(row) for row in conn.execute(query)]


def hours_history_of(conn: Connection, contract_id, month: date | None = None) -> list[dict]:
    """Every version of the contract's hour lines (of one month when given), oldest first."""
    hh = hours_history.c
    query = select(hours_history).where(hh.contract_id == str(contract_id))
    if month is not None:
        query = query.where(hh.month == first_of_month(month))
    return [_line(row) for row in conn.execute(query.order_by(hh.position))]


# ---- exits ----------------------------------------------------------------------------
def exits_in(
    conn: Connection,
    start: date,
    end: date,
    stage=None,
    company_ids=None,
    buyer_ids=None,
    market_ids=None,
    person_ids=None,
) -> dict:
    """Exits observed in [start, end]: totals, positive ones, and how many of the people
    live in a QPV, by outcome (in the order of ``ExitOutcome``)."""
    e = exits.c
    query = (
        select(e.person_id, e.outcome, e.positive)
        .select_from(
            exits.join(contracts, c.contract_id == e.contract_id).outerjoin(
                markets, m.market_id == c.market_id
            )
        )
        .where(and_(e.observed_on >= start, e.observed_on <= end))
    )
    if stage is not None:
        query = query.where(e.stage == str(getattr(stage, "value", stage)))
    rows = conn.execute(_scope(query, company_ids, buyer_ids, market_ids, person_ids)).all()
    survivors = survivor_map(conn)
    ids = {survivors.get(r.person_id, r.person_id) for r in rows}
    qpv = {
        row.person_id
        for row in conn.execute(
            select(people.c.person_id).where(
                people.c.person_id.in_(list(ids)),
                people.c.qpv.is_not(None),
                people.c.qpv != "",
            )
        )
    }
    by_outcome = []
    for outcome in ExitOutcome:
        mine = [r for r in rows if r.outcome == outcome.value]
        if mine:
            by_outcome.append(
                {
                    "outcome": outcome.value,
                    "label": outcome.label,
                    "positive": outcome.positive,
                    "count": len(mine),
                    "qpv": sum(survivors.get(r.person_id, r.person_id) in qpv for r in mine),
                }
            )
    in_qpv = [r for r in rows if survivors.get(r.person_id, r.person_id) in qpv]
    return {
        "total": len(rows),
        "positive": sum(bool(r.positive) for r in rows),
        "qpv": len(in_qpv),
        "positive_qpv": sum(bool(r.positive) for r in in_qpv),
        "by_outcome": by_outcome,
    }


# ---- API reads: filtered contracts, PLIE participants, identities, exits of a contract -
def plie_participants(conn: Connection) -> list[str]:
    """Ids of every person whose merge group holds a PLIE link (whatever its dates): the
    records the PLIE team may read the clause activity of."""
    linked = set(conn.execute(select(plie_links.c.person_id).distinct()).scalars())
    if not linked:
        return []
    survivors = survivor_map(conn)
    groups = {survivors.get(pid, pid) for pid in linked}
    return sorted(groups | {pid for pid, survivor in survivors.items() if survivor in groups})


def in_plie(conn: Connection, person_id) -> bool:
    """Whether ``person_id`` (or someone of its merge group) has a PLIE link."""
    group = _group_of(conn, person_id)
    query = select(func.count()).select_from(plie_links).where(plie_links.c.person_id.in_(group))
    return bool(conn.execute(query).scalar_one())


def _searched(
    conn: Connection,
    company_ids=None,
    buyer_ids=None,
    person_ids=None,
    person_id=None,
    company_id=None,
    market_id=None,
    lot_id=None,
    contract_type=None,
    running_on: date | None = None,
):
    query = _contract_query(company_ids, buyer_ids)
    if person_ids is not None:
        query = query.where(c.person_id.in_(_ids(person_ids)))
    if person_id is not None:
        query = query.where(c.person_id.in_(_group_of(conn, person_id)))
    if company_id is not None:
        company = str(company_id)
        query = query.where(or_(c.employer_company_id == company, c.user_company_id == company))
    if market_id is not None:
        query = query.where(c.market_id == str(market_id))
    if lot_id is not None:
        query = query.where(c.lot_id == str(lot_id))
    if contract_type is not None:
        query = query.where(c.contract_type == str(getattr(contract_type, "value", contract_type)))
    if running_on is not None:
        query = query.where(
            c.start_date <= running_on,
            or_(
                c.end_date >= running_on,
                and_(
                    c.end_date.is_(None),
                    or_(c.planned_end.is_(None), c.planned_end >= running_on),
                ),
            ),
        )
    return query


def search_contracts(conn: Connection, limit: int = 50, offset: int = 0, **filters) -> list[dict]:
    """Contracts (latest start first) within a scope (``company_ids``, ``buyer_ids``,
    ``person_ids``) and filters: ``person_id`` (with their merged records), ``company_id``
    (employer or user company), ``market_id``, ``lot_id``, ``contract_type``,
    ``running_on`` (started on or before that day, not ended nor planned to end before)."""
    query = _searched(conn, **filters)
    query = query.order_by(c.start_date.desc(), c.contract_id).limit(limit).offset(offset)
    return [_contract(row) for row in conn.execute(query)]


def count_search_contracts(conn: Connection, **filters) -> int:
    query = _searched(conn, **filters).subquery()
    return int(conn.execute(select(func.count()).select_from(query)).scalar_one())


def identities_of(conn: Connection, person_ids: Iterable) -> dict[str, dict]:
    """person id -> identity only (names, birth date; NULL once erased)."""
    ids = sorted({str(pid) for pid in person_ids})
    if not ids:
        return {}
    p = people.c
    query = select(p.person_id, p.last_name, p.first_name, p.birth_date, p.erased).where(
        p.person_id.in_(ids)
    )
    return {row.person_id: dict(row._mapping) for row in conn.execute(query)}


def exits_of_contract(conn: Connection, contract_id) -> list[dict]:
    """The exits recorded after a contract (at its end, at six months), in order."""
    e = exits.c
    query = select(exits).where(e.contract_id == str(contract_id)).order_by(e.position)
    return [dict(row._mapping) for row in conn.execute(query)]


def breakdown_names(conn: Connection, key: str, values: Iterable) -> dict[str, str]:
    """Names of the ids a breakdown groups by: buyer name, market reference and title,
    "reference — lot number", company name (other keys: nothing)."""
    ids = sorted({str(v) for v in values if v is not None})
    if not ids:
        return {}
    if key == "buyer":
        query = select(buyers.c.buyer_id, buyers.c.name).where(buyers.c.buyer_id.in_(ids))
        return dict(conn.execute(query).all())
    if key == "market":
        query = select(m.market_id, m.reference, m.title).where(m.market_id.in_(ids))
        return {row.market_id: f"{row.reference} — {row.title}" for row in conn.execute(query)}
    if key == "lot":
        query = (
            select(lots.c.lot_id, lots.c.number, m.reference)
            .select_from(lots.join(markets, m.market_id == lots.c.market_id))
            .where(lots.c.lot_id.in_(ids))
        )
        return {row.lot_id: f"{row.reference} — lot {row.number}" for row in conn.execute(query)}
    if key == "company":
        co = companies.c
        query = select(co.company_id, co.name).where(co.company_id.in_(ids))
        return dict(conn.execute(query).all())
    return {}
