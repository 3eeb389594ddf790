"""National consolidation export (Alliance Villes Emploi, yearly).

Figures of a year, computed from the read tables through a ``Connection``:

- **hours**: counted hours of the months of the year (withdrawn lines never count;
  hours of other years never enter), **FTE** = hours ÷ 1 600, to the hundredth (half up);
- **contracts signed**: contracts starting in the year;
- **participants**: distinct people (merged records once) with counted hours in the year;
- **buyers**: distinct buyers of the markets with a clause running in the year (the
  market's period overlaps the year);
- **markets with a clause** running in the year, by amount band (the sum of the
  current amounts of their lots, excl. VAT).

Hours, contracts and participants are also split by modality (direct hire, staff
provided, sub- or co-contracting); a person working under two modalities counts in each.

Amount bands (no official national grid is fixed; round figures, lower bound
included, upper bound excluded): < 90 000 €, 90 000 € – 500 000 €, 500 000 € – 1 M€,
1 M€ – 5 M€, 5 M€ and more. 90 000 € is the threshold of the formal publicity rules.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from events.catalog.contracts import Modality
from projections.amounts import from_cents
from projections.contracts import contracts, hours
from projections.markets import lots, markets
from projections.queries.people import survivor_map

FTE_HOURS = Decimal("1600")
HUNDREDTH = Decimal("0.01")
# (key, French label, lower bound in cents included, upper bound in cents excluded)
AMOUNT_BANDS = (
    ("LT_90K", "Moins de 90 000 €", 0, 9_000_000),
    ("90K_500K", "De 90 000 € à moins de 500 000 €", 9_000_000, 50_000_000),
    ("500K_1M", "De 500 000 € à moins de 1 000 000 €", 50_000_000, 100_000_000),
    ("1M_5M", "De 1 000 000 € à moins de 5 000 000 €", 100_000_000, 500_000_000),
    ("GE_5M", "5 000 000 € et plus", 500_000_000, None),
)


def fte(hours_value: Decimal) -> Decimal:
    """Full-time equivalent: hours ÷ 1 600, to the hundredth (half up)."""
    return (hours_value / FTE_HOURS).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def band_of(amount_cents: int) -> str:
    for key, _, low, high in AMOUNT_BANDS:
        if amount_cents >= low and (high is None or amount_cents < high):
            return key
    return AMOUNT_BANDS[0][0]  # negative amounts cannot be recorded; never reached


def _line(hours_cents: int, signed: int, people: int) -> dict:
    value = from_cents(hours_cents)
    return {"hours": value, "fte": fte(value), "contracts_signed": signed, "participants": people}


def _activity(conn: Connection, year: int) -> tuple[dict, dict, dict]:
    """Per modality: counted hours (cents), contracts signed, participants (survivor ids)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    survivors = survivor_map(conn)
    cents: dict[str, int] = defaultdict(int)
    workers: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    query = (
        select(contracts.c.modality, contracts.c.person_id, func.sum(hours.c.counted_cents))
        .select_from(hours.join(contracts, contracts.c.contract_id == hours.c.contract_id))
        .where(hours.c.withdrawn.is_(False), hours.c.month >= first, hours.c.month <= last)
        .group_by(contracts.c.modality, contracts.c.person_id)
    )
    for modality, person_id, total in conn.execute(query):
        cents[modality] += int(total or 0)
        workers[modality][survivors.get(person_id, person_id)] += int(total or 0)
    people = {mod: {p for p, t in per.items() if t > 0} for mod, per in workers.items()}
    signed = dict(
        conn.execute(
            select(contracts.c.modality, func.count())
            .where(contracts.c.start_date >= first, contracts.c.start_date <= last)
            .group_by(contracts.c.modality)
        ).all()
    )
    return cents, signed, people


def _markets(conn: Connection, year: int) -> tuple[list[dict], int, int]:
    """Markets running in the year by amount band, their count and their buyers' count."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    amounts = (
        select(lots.c.market_id, func.sum(lots.c.amount_cents).label("amount"))
        .group_by(lots.c.market_id)
        .subquery()
    )
    query = (
        select(markets.c.market_id, markets.c.buyer_id, amounts.c.amount)
        .select_from(markets.outerjoin(amounts, amounts.c.market_id == markets.c.market_id))
        .where(markets.c.start_date <= last, markets.c.end_date >= first)
    )
    counts: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    buyers = set()
    running = 0
    for row in conn.execute(query):
        key = band_of(int(row.amount or 0))
        counts[key] += 1
        totals[key] += int(row.amount or 0)
        buyers.add(row.buyer_id)
        running += 1
    bands = [
        {"key": key, "label": label, "markets": counts[key], "amount": from_cents(totals[key])}
        for key, label, _, _ in AMOUNT_BANDS
    ]
    return bands, running, len(buyers)


def build_national_export(conn: Connection, year: int) -> dict:
    """The national consolidation of ``year`` (see the module docstring for each rule).

    Returns a plain dict: ``kind`` "national", ``year``, ``totals`` {hours, fte,
    contracts_signed, participants, buyers, markets}, ``by_modality`` (one line per
    modality, every modality present), ``markets_by_band`` (every band present).
    """
    cents, signed, people = _activity(conn, year)
    bands, running, buyer_count = _markets(conn, year)
    by_modality = [
        {
            "key": modality.value,
            "label": modality.label,
            **_line(
                cents.get(modality.value, 0),
                int(signed.get(modality.value, 0)),
                len(people.get(modality.value, ())),
            ),
        }
        for modality in Modality
    ]
    everyone = set().union(*people.values()) if people else set()
    totals = _line(sum(cents.values()), sum(int(n) for n in signed.values()), len(everyone))
    return {
        "kind": "national",
        "year": year,
        "totals": {**totals, "buyers": buyer_count, "markets": running},
        "by_modality": by_modality,
        "markets_by_band": bands,
    }
