"""Monthly buyer report: progress of a buyer's markets up to a month.

Computed from the read tables through a SQLAlchemy ``Connection`` so that the same
function serves "now" and "as recorded at" (a connection on projections replayed up to
a past log position, see ``clauses_service.reports.asof``).

Definitions (every figure in integer hundredths internally, Decimal with 2 decimals out):

- **Hours** are counted hours (``counted_cents``: what the counting rules retain) of hour
  lines not withdrawn, of months up to and including the report month; later months
  never count. ``month_hours`` are those of the report month itself.
- **Required hours** of a lot are those in force at the end of the report month (the
  last amendment dated on or before it, else the lot's initial figure).
- **Markets** listed: the buyer's markets whose start date is on or before the end of
  the report month.
- **Rate**: cumulative ÷ required, in percent with 2 decimals (None if nothing required).
- **Remaining**: required − cumulative, never below 0; a market's is the sum of its
  lots' (hours beyond one lot's target never offset another lot).
- **Projection** to the end date at the current pace: cumulative × total months ÷
  elapsed months (``clauses_service.reports.pace``).
- **Behind schedule**: a lot is behind when its cumulative hours are below the pro-rata
  of its required hours for the market's elapsed months (required × elapsed months ÷
  total months, the report month counted as elapsed); a market is behind when at least
  one of its lots is. Equivalently: its projection falls short of the required hours.
- **People** and **contracts**: distinct people (merged records once) and contracts
  with counted hours; a person counts in a public group with all their hours, except
  PLIE: only the hours of months while linked to the PLIE (a person linked on no such
  month is not a PLIE person). Age (under 26, 50 and over) at the start of the person's
  earliest contract among the lines of the report.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from operator import attrgetter
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Connection

from clauses_service.domain.errors import NotFound
from clauses_service.reports import pace
from clauses_service.reports.monthly_reads import (
    ContractHours,
    contract_hours,
    links_of,
    lots_in_force,
    market_months,
    market_rows,
    plie_cents,
)
from events.catalog.companies import CompanyKind
from events.catalog.contracts import ContractType, Modality
from events.catalog.sectors import Sector
from projections.buyers import buyers
from projections.queries.people import survivor_map

SPLITS = {
    "contract_type": ContractType,
    "modality": Modality,
    "employer_kind": CompanyKind,
    "sector": Sector,
}
PUBLIC = ("women", "under_26", "over_50", "qpv", "plie", "rsa", "rqth")
PUBLIC_LABELS = {
    "women": "Femmes",
    "under_26": "Moins de 26 ans",
    "over_50": "50 ans et plus",
    "qpv": "Résidents QPV",
    "plie": "Participants PLIE",
    "rsa": "Bénéficiaires du RSA",
    "rqth": "RQTH",
}
NOT_GIVEN = "non renseigné"


class UnknownBuyer(NotFound):
    """The report names a buyer that does not exist."""


def build_monthly_report(conn: Connection, buyer_id: str, month: datetime.date) -> dict:
    """Build the monthly report of ``buyer_id`` for ``month`` (any day of it).

    Only hours of months up to and including ``month`` count (see the module docstring
    for every definition). Returns a plain dict (Decimal hours with 2 decimals, dates;
    ``clauses_service.reports.jsonable.to_jsonable`` makes it JSON): ``kind``
    ("monthly"), ``buyer`` {id, name}, ``month`` (first of month), ``markets`` (with
    their ``lots``, ``months`` and ``behind_schedule``), ``totals``, ``splits``
    {contract_type, modality, employer_kind, sector: [{key, label, hours, month_hours,
    people, contracts}]} and ``public`` {women, under_26, over_50, qpv, plie, rsa, rqth:
    {label, people, hours, month_people, month_hours}}.
    Raises ``UnknownBuyer`` when the buyer is unknown.
    """
    month = pace.first_of_month(month)
    buyer = conn.execute(
        select(buyers.c.buyer_id, buyers.c.name).where(buyers.c.buyer_id == str(buyer_id))
    ).first()
    if buyer is None:
        raise UnknownBuyer(f"Donneur d'ordre introuvable : {str(buyer_id)[:40]}.", "buyer")
    found = market_rows(conn, buyer.buyer_id, month)
    market_lots = lots_in_force(conn, buyer.buyer_id, month)
    survivors = survivor_map(conn)
    rows, facts, own = contract_hours(conn, buyer.buyer_id, month, survivors)
    plie = plie_cents(conn, month, rows, links_of(conn, buyer.buyer_id, rows, own, survivors))
    months = _months(market_months(conn, buyer.buyer_id, month))
    by_lot = _tallies(rows, attrgetter("market_id", "lot_id"))  # lots nest in markets
    by_market = _tallies(rows, attrgetter("market_id"))
    reports = [
        _market(market, market_lots.get(market.market_id, []), by_market, by_lot, months, month)
        for market in found
    ]
    return {
        "kind": "monthly",
        "buyer": {"id": buyer.buyer_id, "name": buyer.name},
        "month": month,
        "month_end": pace.month_end(month),
        "markets": reports,
        "totals": _totals(reports, _tally(rows)),
        "splits": {key: _split(key, _tallies(rows, attrgetter(key))) for key in SPLITS},
        "public": _public(rows, facts, plie),
    }


# ---- sums -------------------------------------------------------------------------------
class _Tally(NamedTuple):
    """Counted cents of a set of contracts (a lot, a market, a split group...): summed,
    in the report month, contracts with cents, distinct people (survivors) with cents
    (summed per person), and in the report month."""

    cents: int
    month_cents: int
    contracts: int
    people: int
    month_people: int


_EMPTY = _Tally(0, 0, 0, 0, 0)


def _per_person(rows: list[ContractHours]) -> tuple[dict[str, int], dict[str, int]]:
    """person -> cents, person -> cents of the report month (dicts of ints: no object
    per person for the garbage collector to follow)."""
    cents_of: dict[str, int] = {}
    month_of: dict[str, int] = {}
    for row in rows:
        person = row.person_id
        cents_of[person] = cents_of.get(person, 0) + row.cents
        month_of[person] = month_of.get(person, 0) + row.month_cents
    return cents_of, month_of


def _tally(rows: list[ContractHours]) -> _Tally:
    cents_of, month_of = _per_person(rows)
    return _Tally(
        sum(cents_of.values()),
        sum(month_of.values()),
        sum(row.cents > 0 for row in rows),
        sum(cents > 0 for cents in cents_of.values()),
        sum(cents > 0 for cents in month_of.values()),
    )


def _tallies(rows: list[ContractHours], key) -> dict:
    """key(row) -> ``_Tally`` of its rows."""
    groups: dict = {}
    for row in rows:
        value = key(row)
        group = groups.get(value)
        if group is None:
            groups[value] = [row]
        else:
            group.append(row)
    return {value: _tally(group) for value, group in groups.items()}


# ---- figures ----------------------------------------------------------------------------
HUNDREDTH = Decimal("0.01")


def _hours(cents: int) -> Decimal:
    """Cents -> hours with exactly 2 decimals (Decimal(12345) * 0.01 == 123.45: exact,
    the exponent of 0.01)."""
    return Decimal(cents) * HUNDREDTH


def _figures(required: int, tally: _Tally, elapsed: int, total: int) -> dict:
    """Progress figures of a lot (or of a whole market, required summed)."""
    cumulative = tally.cents
    return {
        "required_hours": _hours(required),
        "month_hours": _hours(tally.month_cents),
        "cumulative_hours": _hours(cumulative),
        "rate": pace.rate(cumulative, required),
        "remaining_hours": _hours(max(0, required - cumulative)),
        "expected_hours": _hours(pace.expected_cents(required, elapsed, total)),
        "projected_hours": _hours(pace.projected_cents(cumulative, elapsed, total)),
        "behind_schedule": pace.behind(cumulative, required, elapsed, total),
        "people": tally.people,
        "month_people": tally.month_people,
        "contracts": tally.contracts,
    }


def _months(lines) -> dict[str, list[dict]]:
    """market id -> counted hours month by month (months with lines), cumulated, from
    (market id, month, cents) in month order for each market."""
    out: dict[str, list[dict]] = {}
    cumulative: dict[str, int] = {}
    # One pass, no intermediate objects: these dicts are most of the report's.
    for market, month, cents in lines:
        total = cumulative[market] = cumulative.get(market, 0) + cents
        entry = {
            "month": month,
            "month_hours": Decimal(cents) * HUNDREDTH,
            "cumulative_hours": Decimal(total) * HUNDREDTH,
        }
        found = out.get(market)
        if found is None:
            out[market] = [entry]
        else:
            found.append(entry)
    return out


def _market(row, market_lots: list, by_market: dict, by_lot: dict, months: dict, month) -> dict:
    """A market's figures from its own contracts, with each lot's."""
    elapsed = pace.elapsed_months(row.start_date, row.end_date, month)
    total = pace.total_months(row.start_date, row.end_date)
    lot_reports = []
    for lot_id, number, title, required in market_lots:
        figures = _figures(required, by_lot.get((row.market_id, lot_id), _EMPTY), elapsed, total)
        lot_reports.append({"id": lot_id, "number": number, "title": title, **figures})
    required = sum(lot[3] for lot in market_lots)
    figures = _figures(required, by_market.get(row.market_id, _EMPTY), elapsed, total)
    # Hours beyond one lot's target never offset another lot: sums of the lots' own.
    for key in ("remaining_hours", "projected_hours"):
        figures[key] = sum((lot[key] for lot in lot_reports), _hours(0))
    figures["behind_schedule"] = any(lot["behind_schedule"] for lot in lot_reports)
    return {
        "id": row.market_id,
        "reference": row.reference,
        "title": row.title,
        "kind": row.kind,
        "kind_label": _label(Sector, row.kind),
        "start_date": row.start_date,
        "end_date": row.end_date,
        "running": pace.month_end(month) <= row.end_date,
        "elapsed_months": elapsed,
        "total_months": total,
        **figures,
        "months": months.get(row.market_id, []),
        "lots": lot_reports,
    }


def _totals(market_reports: list[dict], tally: _Tally) -> dict:
    zero = _hours(0)
    required = sum((m["required_hours"] for m in market_reports), zero)
    cumulative = sum((m["cumulative_hours"] for m in market_reports), zero)
    return {
        "markets": len(market_reports),
        "behind_schedule": sum(1 for m in market_reports if m["behind_schedule"]),
        "required_hours": required,
        "month_hours": sum((m["month_hours"] for m in market_reports), zero),
        "cumulative_hours": cumulative,
        "rate": pace.rate(int(cumulative * 100), int(required * 100)),
        "remaining_hours": sum((m["remaining_hours"] for m in market_reports), zero),
        "projected_hours": sum((m["projected_hours"] for m in market_reports), zero),
        "people": tally.people,
        "month_people": tally.month_people,
        "contracts": tally.contracts,
    }


def _label(choice, value) -> str:
    if value is None:
        return NOT_GIVEN
    try:
        return choice(value).label
    except ValueError:
        return str(value)


def _split(key: str, groups: dict[str, _Tally]) -> list[dict]:
    """Groups of ``key`` with counted hours, in the order of the vocabulary."""
    order = {member.value: index for index, member in enumerate(SPLITS[key])}
    out = []
    for value in sorted(groups, key=lambda v: (order.get(v, len(order)), v or "")):
        tally = groups[value]
        if tally.cents <= 0:
            continue
        out.append(
            {
                "key": value,
                "label": _label(SPLITS[key], value),
                "hours": _hours(tally.cents),
                "month_hours": _hours(tally.month_cents),
                "people": tally.people,
                "contracts": tally.contracts,
            }
        )
    return out


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _groups_of(person: tuple | None, first_start: datetime.date) -> list[str]:
    """The public groups a person belongs to (PLIE aside: it depends on the month);
    ``person``: (sex, birth date, QPV, RSA, RQTH)."""
    if person is None:
        return []
    sex, birth, qpv, rsa, rqth = person
    groups = []
    if sex == "F":
        groups.append("women")
    if birth is not None:
        age = _age(birth, first_start)
        if age < 26:
            groups.append("under_26")
        if age >= 50:
            groups.append("over_50")
    for name, member in (("qpv", qpv), ("rsa", rsa), ("rqth", rqth)):
        if member:
            groups.append(name)
    return groups


def _public(rows: list[ContractHours], facts: dict, plie: dict) -> dict:
    """People and counted hours of each public group, cumulated and in the month."""
    cents_of, month_of = _per_person(rows)
    first_start: dict[str, datetime.date] = {}
    for row in rows:
        first = first_start.get(row.person_id)
        if first is None or row.start_date < first:
            first_start[row.person_id] = row.start_date
    sums = {name: [0, 0, 0, 0] for name in PUBLIC}  # people, cents, month people, month cents
    for person_id, cents in cents_of.items():
        month_cents = month_of[person_id]
        figures = {
            name: (cents, month_cents)
            for name in _groups_of(facts.get(person_id), first_start[person_id])
        }
        if person_id in plie:
            figures["plie"] = plie[person_id]
        for name, (total, in_month) in figures.items():
            sums[name][0] += total > 0
            sums[name][1] += total
            sums[name][2] += in_month > 0
            sums[name][3] += in_month
    return {
        name: {
            "label": PUBLIC_LABELS[name],
            "people": people_count,
            "hours": _hours(cents),
            "month_people": month_people,
            "month_hours": _hours(month_cents),
        }
        for name, (people_count, cents, month_people, month_cents) in sums.items()
    }
