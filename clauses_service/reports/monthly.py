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
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Connection

from clauses_service.domain.errors import NotFound
from clauses_service.reports import pace
from clauses_service.reports.monthly_reads import (
    ContractHours,
    contract_attributes,
    lots_in_force,
    market_rows,
    people_facts,
    plie_cents,
    read_hours,
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
    buyer = conn.execute(select(buyers).where(buyers.c.buyer_id == str(buyer_id))).first()
    if buyer is None:
        raise UnknownBuyer(f"Donneur d'ordre introuvable : {str(buyer_id)[:40]}.", "buyer")
    found = market_rows(conn, buyer.buyer_id, month)
    market_lots = lots_in_force(conn, [row.market_id for row in found], month)
    survivors = survivor_map(conn)
    attributes = contract_attributes(conn, buyer.buyer_id, survivors)
    facts = people_facts(conn, {info[0] for info in attributes.values()}, survivors)
    plie_people = {person_id for person_id, fact in facts.items() if fact["links"]}
    hours = read_hours(conn, buyer.buyer_id, month, attributes, plie_people)
    rows, months = hours.contracts, hours.market_months
    plie = plie_cents(hours, month, facts)
    by_market: dict[str, list[ContractHours]] = defaultdict(list)
    for row in rows:
        by_market[row.market_id].append(row)
    reports = [
        _market(
            market,
            market_lots.get(market.market_id, []),
            by_market[market.market_id],
            months.get(market.market_id, []),
            month,
        )
        for market in found
    ]
    return {
        "kind": "monthly",
        "buyer": {"id": buyer.buyer_id, "name": buyer.name},
        "month": month,
        "month_end": pace.month_end(month),
        "markets": reports,
        "totals": _totals(reports, rows),
        "splits": {key: _split(key, rows) for key in SPLITS},
        "public": _public(rows, facts, plie),
    }


# ---- figures ----------------------------------------------------------------------------
def _hours(cents: int) -> Decimal:
    """Cents -> hours with exactly 2 decimals (Decimal(12345).scaleb(-2) == 123.45)."""
    return Decimal(cents).scaleb(-2)


def _people(rows: list[ContractHours], attribute: str = "cents") -> int:
    """Distinct people (survivors) with counted cents (``cents`` or ``month_cents``)."""
    per_person: dict[str, int] = defaultdict(int)
    for row in rows:
        per_person[row.person_id] += getattr(row, attribute)
    return sum(1 for cents in per_person.values() if cents > 0)


def _figures(required: int, rows: list[ContractHours], month, start, end) -> dict:
    """Progress figures of a lot (or of a whole market, required summed)."""
    cumulative = sum(row.cents for row in rows)
    elapsed, total = pace.elapsed_months(start, end, month), pace.total_months(start, end)
    return {
        "required_hours": _hours(required),
        "month_hours": _hours(sum(row.month_cents for row in rows)),
        "cumulative_hours": _hours(cumulative),
        "rate": pace.rate(cumulative, required),
        "remaining_hours": _hours(max(0, required - cumulative)),
        "expected_hours": _hours(pace.expected_cents(required, elapsed, total)),
        "projected_hours": _hours(pace.projected_cents(cumulative, elapsed, total)),
        "behind_schedule": pace.behind(cumulative, required, elapsed, total),
        "people": _people(rows),
        "month_people": _people(rows, "month_cents"),
        "contracts": sum(1 for row in rows if row.cents > 0),
    }


def _months(per_month: list[tuple]) -> list[dict]:
    """Counted hours month by month (months with lines), cumulated."""
    cumulative, out = 0, []
    for month, cents in per_month:
        cumulative += cents
        out.append(
            {
                "month": month,
                "month_hours": _hours(cents),
                "cumulative_hours": _hours(cumulative),
            }
        )
    return out


def _market(row, market_lots: list, mine: list[ContractHours], per_month: list, month) -> dict:
    """A market's figures from its own contracts, with each lot's."""
    by_lot: dict[str, list[ContractHours]] = defaultdict(list)
    for contract in mine:
        by_lot[contract.lot_id].append(contract)
    lot_reports = []
    for lot, required in market_lots:
        figures = _figures(required, by_lot[lot.lot_id], month, row.start_date, row.end_date)
        lot_reports.append({"id": lot.lot_id, "number": lot.number, "title": lot.title, **figures})
    required = sum(required for _, required in market_lots)
    figures = _figures(required, mine, month, row.start_date, row.end_date)
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
        "elapsed_months": pace.elapsed_months(row.start_date, row.end_date, month),
        "total_months": pace.total_months(row.start_date, row.end_date),
        **figures,
        "months": _months(per_month),
        "lots": lot_reports,
    }


def _totals(market_reports: list[dict], rows: list[ContractHours]) -> dict:
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
        "people": _people(rows),
        "month_people": _people(rows, "month_cents"),
        "contracts": sum(1 for row in rows if row.cents > 0),
    }


def _label(choice, value) -> str:
    if value is None:
        return NOT_GIVEN
    try:
        return choice(value).label
    except ValueError:
        return str(value)


def _split(key: str, rows: list[ContractHours]) -> list[dict]:
    """Groups of ``key`` with counted hours, in the order of the vocabulary."""
    groups: dict = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row)
    order = {member.value: index for index, member in enumerate(SPLITS[key])}
    out = []
    for value in sorted(groups, key=lambda v: (order.get(v, len(order)), v or "")):
        mine = groups[value]
        cumulative = sum(row.cents for row in mine)
        if cumulative <= 0:
            continue
        out.append(
            {
                "key": value,
                "label": _label(SPLITS[key], value),
                "hours": _hours(cumulative),
                "month_hours": _hours(sum(row.month_cents for row in mine)),
                "people": _people(mine),
                "contracts": sum(1 for row in mine if row.cents > 0),
            }
        )
    return out


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _groups_of(person: dict | None, first_start: datetime.date) -> set[str]:
    """The public groups a person belongs to (PLIE aside: it depends on the month)."""
    if person is None:
        return set()
    groups = {name for name in ("qpv", "rsa", "rqth") if person[name]}
    if person["sex"] == "F":
        groups.add("women")
    if person["birth_date"] is not None:
        age = _age(person["birth_date"], first_start)
        groups |= {"under_26"} if age < 26 else set()
        groups |= {"over_50"} if age >= 50 else set()
    return groups


def _public(rows: list[ContractHours], facts: dict, plie: dict) -> dict:
    """People and counted hours of each public group, cumulated and in the month."""
    per_person: dict[str, list] = {}
    for row in rows:
        totals = per_person.setdefault(row.person_id, [0, 0, row.start_date])
        totals[0] += row.cents
        totals[1] += row.month_cents
        totals[2] = min(totals[2], row.start_date)
    sums = {name: [0, 0, 0, 0] for name in PUBLIC}  # people, cents, month people, month cents
    for person_id, (cents, month_cents, first_start) in per_person.items():
        figures = {
            name: (cents, month_cents) for name in _groups_of(facts.get(person_id), first_start)
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
