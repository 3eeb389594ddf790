"""Annual PLIE bilan: the tables of the "Clauses d'insertion" section of a PLIE's report.

Computed from the read tables through a ``Connection`` (now, or as recorded at a past
position). Rules, in the words of the PLIE:

- **PLIE hours**: counted hours of the months of the year while the worker was linked
  to the PLIE (linked on at least one day of the month, the rule of
  ``people_breakdown``); a person linked in June counts from June only. Hours of
  other years never enter. Split by sector (the market's kind) and contract type.
- **Orientations**: those dated in the year, from PLIE referents vs other prescribers,
  each with its QPV, BTP, services and intellectual-services counts (an orientation to
  two sectors counts in each).
- **Validations**: decisions dated in the year, per sector; refusals by reason (each
  refusal once, whatever its sectors).
- **Candidates per other prescriber**: distinct people oriented in the year by a
  prescriber that is not a PLIE referent, per prescriber kind.
- **QPV**: per quarter, distinct people oriented and distinct people validated.
- **Participants with a contract**: people with a contract running on a day of the
  year on which they were linked to the PLIE; women, men, BTP, services, PI (a person
  with contracts in two sectors counts in each) and per QPV quarter.
- **Positive exits**: exits observed in the year after a contract worked (on some day)
  while linked to the PLIE, per stage (at the end, at six months), with the QPV ones.

Merged people count once, under their survivor (identity from the survivor's row,
PLIE links of everyone in the group).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, literal, select, true
from sqlalchemy.engine import Connection

from events.catalog.contracts import ContractType, ExitOutcome, ExitStage
from events.catalog.people import PrescriberKind, RefusalReason, Sex
from events.catalog.sectors import Sector
from projections.amounts import from_cents
from projections.contracts import contracts, exits, hours
from projections.markets import markets
from projections.people import people, plie_links, refusals, validations
from projections.queries.people import orientations_in, survivor_map, validation_outcomes_in

SECTORS = tuple(Sector)
OTHER_TYPES = "AUTRES"
CONTRACT_COLUMNS = (
    (ContractType.CDDI.value, "CDDI"),
    (ContractType.CTTI.value, "CTTI"),
    (ContractType.CDI.value, "CDI"),
    (ContractType.CPRO.value, "Contrat de professionnalisation"),
    (ContractType.CDD.value, "CDD"),
    (OTHER_TYPES, "Autres (apprentissage, contrat d'usage AI, autre)"),
)
MAX_IDS = 20_000  # ids bound in one IN (SQLite allows 32 766 parameters, psycopg 65 535)


# ---- dates ------------------------------------------------------------------------------
def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _overlaps(start: date, end: date | None, first: date, last: date) -> bool:
    return start <= last and (end is None or end >= first)


def _linked_between(links: list, first: date, last: date) -> bool:
    return any(_overlaps(link.entry_date, link.exit_date, first, last) for link in links)


def _contract_end(row) -> date | None:
    """The last day of a contract: its actual end, else its planned end, else open."""
    return row.end_date if row.end_date is not None else row.planned_end


# ---- people and their groups --------------------------------------------------------------
class _People:
    """Survivors, identities and PLIE links of merge groups, loaded once."""

    def __init__(self, conn: Connection):
        self.survivors = survivor_map(conn)
        self.rows = {
            row.person_id: row
            for row in conn.execute(select(people.c.person_id, people.c.sex, people.c.qpv))
        }
        self.links: dict[str, list] = defaultdict(list)
        for row in conn.execute(
            select(plie_links.c.person_id, plie_links.c.entry_date, plie_links.c.exit_date)
        ):
            self.links[self.survivor(row.person_id)].append(row)
        # Everyone whose merge group holds a link: only their contracts can be PLIE ones.
        self.members = sorted(pid for pid in self.rows if self.survivor(pid) in self.links)

    def of_members(self, column):
        """A condition keeping rows of PLIE group members (none when nobody is linked);
        no filter past the databases' limit of bound parameters (Python checks anyway)."""
        return column.in_(self.members) if len(self.members) <= MAX_IDS else true()

    def survivor(self, person_id: str) -> str:
        return self.survivors.get(person_id, person_id)

    def qpv(self, person_id: str) -> str | None:
        row = self.rows.get(self.survivor(person_id))
        return (row.qpv or None) if row is not None else None

    def sex(self, person_id: str) -> str | None:
        row = self.rows.get(self.survivor(person_id))
        return row.sex if row is not None else None


def _hours(cents: int) -> Decimal:
    return from_cents(cents)


# ---- hours of PLIE participants ---------------------------------------------------------------
_NAMED_TYPES = {key for key, _ in CONTRACT_COLUMNS if key != OTHER_TYPES}


def _type_column(contract_type: str) -> str:
    return contract_type if contract_type in _NAMED_TYPES else OTHER_TYPES


def _linked_months(group: _People, year: int) -> dict[str, set[date]]:
    """survivor -> the months of ``year`` on which they were linked (at least one day)."""
    months = [(date(year, m, 1), _month_end(date(year, m, 1))) for m in range(1, 13)]
    out = {}
    for survivor, links in group.links.items():
        spans = [(link.entry_date, link.exit_date or date.max) for link in links]
        out[survivor] = {
            first for first, last in months if any(a <= last and b >= first for a, b in spans)
        }
    return out


def _counted(conn: Connection, year: int, contract_ids: list[str], by_month: bool):
    """(contract id, month or None, counted cents) of the year's lines of these contracts,
    summed per contract in the database unless ``by_month``."""
    if not contract_ids:
        return []
    first, last = _year_bounds(year)
    h = hours.c
    where = (h.withdrawn.is_(False), h.month >= first, h.month <= last)
    if by_month:
        query = select(h.contract_id, h.month, h.counted_cents)
    else:
        query = select(h.contract_id, literal(None), func.sum(h.counted_cents))
        query = query.group_by(h.contract_id)
    rows = []
    for start in range(0, len(contract_ids), MAX_IDS):  # bound parameters are limited
        chunk = contract_ids[start : start + MAX_IDS]
        rows.extend(conn.execute(query.where(*where, h.contract_id.in_(chunk))).all())
    return rows


def plie_hours(conn: Connection, year: int, group: _People, worked: dict[str, tuple]) -> dict:
    """Counted hours of the year's months while linked: contract type × sector.

    ``worked``: contract id -> (worker's survivor id, contract type, market kind), for the
    contracts worked while linked (only their hour lines are read). Contracts of people
    linked all year are summed by the database; the others are read month by month.
    """
    linked = _linked_months(group, year)
    whole = sorted(cid for cid, (survivor, *_) in worked.items() if len(linked[survivor]) == 12)
    partly = sorted(set(worked) - set(whole))
    cells: dict[tuple[str, str], int] = defaultdict(int)
    workers = set()
    lines = [*_counted(conn, year, whole, False), *_counted(conn, year, partly, True)]
    for contract_id, month, cents in lines:
        survivor, contract_type, kind = worked[contract_id]
        if month is not None and month not in linked[survivor]:
            continue
        cells[(_type_column(contract_type), kind)] += int(cents or 0)
        if cents:
            workers.add(survivor)
    rows = []
    for key, label in CONTRACT_COLUMNS:
        by_sector = {s.value: _hours(cells[(key, s.value)]) for s in SECTORS}
        total = sum((cells[(key, s.value)] for s in SECTORS), 0)
        rows.append({"key": key, "label": label, "by_sector": by_sector, "total": _hours(total)})
    by_sector = {
        s.value: _hours(sum(cells[(k, s.value)] for k, _ in CONTRACT_COLUMNS)) for s in SECTORS
    }
    return {
        "rows": rows,
        "by_sector": by_sector,
        "total": _hours(sum(cells.values())),
        "people": len(workers),
    }


# ---- orientations, validations, prescribers, QPV -------------------------------------------
def _orientation_counts(rows: list[dict], group: _People) -> dict:
    return {
        "orientations": len(rows),
        "people": len({group.survivor(r["person_id"]) for r in rows}),
        "qpv": sum(1 for r in rows if group.qpv(r["person_id"])),
        **{s.value: sum(1 for r in rows if s.value in r["sectors"]) for s in SECTORS},
    }


def orientation_tables(oriented: list[dict], group: _People) -> dict:
    """PLIE referents vs other prescribers, and the other prescribers' candidates."""
    plie = [r for r in oriented if r["is_plie"]]
    others = [r for r in oriented if not r["is_plie"]]
    per_kind: dict[str, set] = defaultdict(set)
    for row in others:
        per_kind[row["prescriber_kind"]].add(group.survivor(row["person_id"]))
    prescribers = [
        {"key": kind.value, "label": kind.label, "candidates": len(per_kind[kind.value])}
        for kind in PrescriberKind
        if kind is not PrescriberKind.PLIE_REFERENT and per_kind.get(kind.value)
    ]
    return {
        "plie": _orientation_counts(plie, group),
        "others": _orientation_counts(others, group),
        "total": _orientation_counts(oriented, group),
        "prescribers": prescribers,
    }


def validation_table(conn: Connection, year: int) -> dict:
    """Per sector: validated and refused; refusals by reason (each once, and per sector)."""
    first, last = _year_bounds(year)
    outcomes = validation_outcomes_in(conn, first, last)
    per_reason: dict[str, int] = defaultdict(int)
    for (reason,) in conn.execute(
        select(refusals.c.reason).where(
            refusals.c.refused_on >= first, refusals.c.refused_on <= last
        )
    ):
        per_reason[reason] += 1
    sectors = [
        {
            "key": s.value,
            "label": s.label,
            "validated": outcomes[s.value]["validated"],
            "refused": outcomes[s.value]["refused"],
        }
        for s in SECTORS
    ]
    reasons = [
        {
            "key": reason.value,
            "label": reason.label,
            "count": per_reason[reason.value],
            "by_sector": {
                s.value: outcomes[s.value]["refused_by_reason"][reason.value] for s in SECTORS
            },
        }
        for reason in RefusalReason
    ]
    return {"sectors": sectors, "reasons": reasons, "refused": sum(per_reason.values())}


def qpv_table(conn: Connection, year: int, oriented: list[dict], group: _People) -> list[dict]:
    """Per QPV quarter: distinct people oriented and distinct people validated in the year."""
    first, last = _year_bounds(year)
    per_qpv: dict[str, dict[str, set]] = defaultdict(
        lambda: {"oriented": set(), "validated": set()}
    )
    for row in oriented:
        quarter = group.qpv(row["person_id"])
        if quarter:
            per_qpv[quarter]["oriented"].add(group.survivor(row["person_id"]))
    for (person_id,) in conn.execute(
        select(validations.c.person_id).where(
            validations.c.validated_on >= first, validations.c.validated_on <= last
        )
    ):
        quarter = group.qpv(person_id)
        if quarter:
            per_qpv[quarter]["validated"].add(group.survivor(person_id))
    return [
        {"qpv": quarter, "oriented": len(sets["oriented"]), "validated": len(sets["validated"])}
        for quarter, sets in sorted(per_qpv.items())
    ]


# ---- participants with a contract, exits -----------------------------------------------------
def _plie_contracts(conn: Connection, year: int, group: _People) -> tuple[list, dict]:
    """Contracts running on a day of the year on which their worker was linked to the PLIE,
    and every contract worked (on some day, any year) while linked: id -> (survivor id,
    contract type, market kind)."""
    first, last = _year_bounds(year)
    query = select(
        contracts.c.contract_id,
        contracts.c.person_id,
        contracts.c.contract_type,
        contracts.c.start_date,
        contracts.c.end_date,
        contracts.c.planned_end,
        markets.c.kind,
    ).select_from(contracts.outerjoin(markets, markets.c.market_id == contracts.c.market_id))
    in_year, worked_while_linked = [], {}
    for row in conn.execute(query.where(group.of_members(contracts.c.person_id))):
        survivor = group.survivor(row.person_id)
        links = group.links.get(survivor, ())
        # Hours may follow a planned end not yet extended: only an actual end closes it.
        if _linked_between(links, row.start_date, row.end_date or date.max):
            worked_while_linked[row.contract_id] = (survivor, row.contract_type, row.kind)
        end = _contract_end(row)
        if not _overlaps(row.start_date, end, first, last):
            continue
        window_end = last if end is None else min(end, last)
        if _linked_between(links, max(row.start_date, first), window_end):
            in_year.append(row)
    return in_year, worked_while_linked


def participants_table(found: list, group: _People) -> dict:
    """PLIE participants with a contract in the year: sex, sectors, QPV quarters."""
    sectors_of: dict[str, set] = defaultdict(set)
    for row in found:
        sectors_of[group.survivor(row.person_id)].add(row.kind)
    by_qpv: dict[str, int] = defaultdict(int)
    for person in sectors_of:
        quarter = group.qpv(person)
        if quarter:
            by_qpv[quarter] += 1
    return {
        "total": len(sectors_of),
        "women": sum(1 for p in sectors_of if group.sex(p) == Sex.FEMME.value),
        "men": sum(1 for p in sectors_of if group.sex(p) == Sex.HOMME.value),
        "sex_not_given": sum(1 for p in sectors_of if group.sex(p) is None),
        "by_sector": {
            s.value: sum(1 for k in sectors_of.values() if s.value in k) for s in SECTORS
        },
        "qpv": sum(by_qpv.values()),
        "by_qpv": [{"qpv": q, "people": n} for q, n in sorted(by_qpv.items())],
    }


def exits_table(conn: Connection, year: int, found_ids, group: _People) -> dict:
    """Positive exits observed in the year after a PLIE contract, per stage, with QPV."""
    first, last = _year_bounds(year)
    e = exits.c
    rows = [
        row
        for row in conn.execute(
            select(e.contract_id, e.person_id, e.stage, e.outcome, e.positive).where(
                e.observed_on >= first, e.observed_on <= last, e.positive.is_(True)
            )
        )
        if row.contract_id in found_ids
    ]
    stages = [ExitStage.AT_END.value, ExitStage.SIX_MONTHS.value]
    by_outcome = []
    for outcome in ExitOutcome:
        if not outcome.positive:
            continue
        mine = [r for r in rows if r.outcome == outcome.value]
        line = {"key": outcome.value, "label": outcome.label}
        for stage in stages:
            staged = [r for r in mine if r.stage == stage]
            line[stage] = len(staged)
            line[f"{stage}_qpv"] = sum(1 for r in staged if group.qpv(r.person_id))
        by_outcome.append(line)
    totals = {stage: sum(line[stage] for line in by_outcome) for stage in stages}
    totals |= {f"{s}_qpv": sum(line[f"{s}_qpv"] for line in by_outcome) for s in stages}
    return {"by_outcome": by_outcome, "total": totals}


# ---- the report ---------------------------------------------------------------------------
def build_plie_bilan(conn: Connection, year: int) -> dict:
    """The PLIE's annual bilan for ``year`` (see the module docstring for each rule).

    Returns a plain dict: ``kind`` "bilan", ``year``, ``hours``, ``orientations``,
    ``validations``, ``qpv``, ``participants``, ``exits``. Hours are Decimals with two
    decimals; see ``clauses_service.reports.jsonable.to_jsonable`` for JSON.
    """
    group = _People(conn)
    first, last = _year_bounds(year)
    oriented = orientations_in(conn, first, last)
    found, worked_while_linked = _plie_contracts(conn, year, group)
    return {
        "kind": "bilan",
        "year": year,
        "period": {"start": first, "end": last},
        "sectors": [{"key": s.value, "label": s.label} for s in SECTORS],
        "hours": plie_hours(conn, year, group, worked_while_linked),
        "orientations": orientation_tables(oriented, group),
        "validations": validation_table(conn, year),
        "qpv": qpv_table(conn, year, oriented, group),
        "participants": participants_table(found, group),
        "exits": exits_table(conn, year, worked_while_linked, group),
    }
