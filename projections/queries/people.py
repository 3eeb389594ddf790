"""Queries over the people read tables (``projections.people``).

Ids are returned as strings, dates as ``date``, sectors/criteria as lists of stable
values. An erased person keeps a row with ``erased=True`` and NULL identity.

Merges: a merged person's row names ``merged_into`` (the one it was merged into);
``survivor_of`` follows the chain to the end. Lists of people leave merged rows
out; a person's details and queues take the activity of everyone merged into them.

Name normalisation is imported inside functions (see ``projections.people``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.engine import Connection

from events.catalog.people import RefusalReason
from events.catalog.sectors import Sector
from events.vocabulary import Choice
from projections.people import orientations, people, plie_links, refusals, validations

_MAX_CHAIN = 1000
_PERSON_COLUMNS = [c for c in people.c if c.name not in ("search_name", "last_position")]


def _person(row) -> dict:
    return dict(row._mapping)


def _ids(values: Iterable) -> list[str]:
    return [str(v) for v in values]


# ---- merges ---------------------------------------------------------------------------
def survivor_of(conn: Connection, person_id) -> str | None:
    """The id ``person_id`` now lives under (itself if not merged); None if unknown."""
    current = str(person_id)
    for _ in range(_MAX_CHAIN):
        row = conn.execute(
            select(people.c.merged_into).where(people.c.person_id == current)
        ).first()
        if row is None:
            return None
        if row.merged_into is None:
            return current
        current = row.merged_into
    raise RuntimeError(f"merge chain too long from {person_id}")


def absorbed_by(conn: Connection, person_id) -> list[str]:
    """Everyone merged into ``person_id``, directly or through earlier merges."""
    found: list[str] = []
    frontier = [str(person_id)]
    while frontier and len(found) < _MAX_CHAIN:
        rows = conn.execute(
            select(people.c.person_id).where(people.c.merged_into.in_(frontier))
        ).scalars()
        frontier = [pid for pid in rows if pid not in found]
        found.extend(frontier)
    return sorted(found)


def survivor_map(conn: Connection) -> dict[str, str]:
    """merged person id -> final survivor id, for every merged person."""
    direct = dict(
        conn.execute(
            select(people.c.person_id, people.c.merged_into).where(
                people.c.merged_into.is_not(None)
            )
        ).all()
    )
    out = {}
    for person_id in direct:
        current = person_id
        for _ in range(_MAX_CHAIN):
            if current not in direct:
                break
            current = direct[current]
        out[person_id] = current
    return out


# ---- people ---------------------------------------------------------------------------
def _parse_day(token: str) -> date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(token, pattern).date()
        except ValueError:
            continue
    return None


def _search_filters(text: str) -> list:
    """Every word must appear in the normalised name; a date word matches the birth date."""
    from clauses_service.domain.names import normalise_name

    filters = []
    for raw in text.split():
        day = _parse_day(raw)
        if day is not None:
            filters.append(people.c.birth_date == day)
            continue
        for word in normalise_name(raw).split():
            filters.append(people.c.search_name.like(f"%{word}%"))
    return filters


def search_people(
    conn: Connection,
    text: str | None = None,
    limit: int = 50,
    offset: int = 0,
    person_ids: Iterable | None = None,
) -> tuple[list[dict], int]:
    """(one page of people, total): not merged, matching ``text`` (names, birth date).

    ``person_ids`` restricts to a scope (e.g. the people a company declared).
    Erased people only show up without ``text`` (they have no name left).
    """
    conditions = [people.c.merged_into.is_(None)]
    if person_ids is not None:
        conditions.append(people.c.person_id.in_(_ids(person_ids)))
    if text and text.strip():
        conditions.extend(_search_filters(text))
    where = and_(*conditions)
    total = conn.execute(select(func.count()).select_from(people).where(where)).scalar_one()
    query = (
        select(*_PERSON_COLUMNS)
        .where(where)
        .order_by(people.c.search_name.is_(None), people.c.search_name, people.c.person_id)
        .limit(limit)
        .offset(offset)
    )
    return [_person(row) for row in conn.execute(query)], int(total)


def _activity(conn: Connection, table, ids: list[str], *order) -> list[dict]:
    query = select(table).where(table.c.person_id.in_(ids)).order_by(*order, table.c.position)
    return [_activity_row(row) for row in conn.execute(query)]


def get_person(conn: Connection, person_id) -> dict | None:
    """A person with orientations, validations, refusals and PLIE links, or None.

    Lists include those of people merged into this one. ``survivor_id`` is where a
    merged person now lives (their own id otherwise); ``absorbed`` lists who was merged in.
    """
    row = conn.execute(select(*_PERSON_COLUMNS).where(people.c.person_id == str(person_id))).first()
    if row is None:
        return None
    person = _person(row)
    absorbed = absorbed_by(conn, person["person_id"])
    group = [person["person_id"], *absorbed]
    person["survivor_id"] = survivor_of(conn, person["person_id"])
    person["absorbed"] = absorbed
    person["orientations"] = _activity(conn, orientations, group, orientations.c.oriented_on)
    person["validations"] = _activity(conn, validations, group, validations.c.validated_on)
    person["refusals"] = _activity(conn, refusals, group, refusals.c.refused_on)
    person["plie_links"] = _activity(conn, plie_links, group, plie_links.c.entry_date)
    return person


def possible_duplicates(conn: Connection) -> list[dict]:
    """Groups of 2+ people (not merged, not erased) sharing names and birth date.

    Each group: ``{"match_key": ..., "people": [person rows]}``, ordered by key.
    """
    active = and_(
        people.c.merged_into.is_(None), people.c.erased.is_(False), people.c.match_key.is_not(None)
    )
    keys = (
        select(people.c.match_key)
        .where(active)
        .group_by(people.c.match_key)
        .having(func.count() >= 2)
    )
    rows = conn.execute(
        select(*_PERSON_COLUMNS)
        .where(active, people.c.match_key.in_(keys))
        .order_by(people.c.match_key, people.c.registered_position)
    )
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row.match_key, []).append(_person(row))
    return [{"match_key": key, "people": members} for key, members in groups.items()]


def match_key_of(conn: Connection, person_id) -> str | None:
    """The person's match key as the people table has it (None once erased)."""
    query = select(people.c.match_key).where(people.c.person_id == str(person_id))
    return conn.execute(query).scalar()


# Built once: an import asks it for every distinct identity of its file.
_BY_MATCH_KEY = (
    select(*_PERSON_COLUMNS)
    .where(people.c.match_key == bindparam("key"), people.c.erased.is_(False))
    .order_by(people.c.registered_position)
)


def find_people(conn: Connection, last_name: str, first_name: str, birth_date: date) -> list[dict]:
    """People known under these names and birth date (accents, case, hyphens ignored).

    A merged match gives its survivor; erased people are never found. Ordered by
    registration; usually zero or one row.
    """
    from clauses_service.domain.names import match_key

    key = match_key(last_name, first_name, birth_date)
    matches = conn.execute(_BY_MATCH_KEY, {"key": key}).all()
    if all(row.merged_into is None for row in matches):
        return [_person(row) for row in matches]  # nobody merged: one query
    survivors = {survivor_of(conn, row.person_id) for row in matches}
    if not survivors:
        return []
    rows = conn.execute(
        select(*_PERSON_COLUMNS)
        .where(people.c.person_id.in_(sorted(survivors)), people.c.erased.is_(False))
        .order_by(people.c.registered_position)
    )
    return [_person(row) for row in rows]


# ---- candidates -----------------------------------------------------------------------
def _by_survivor(rows, survivors: dict[str, str]) -> dict[str, list]:
    out: dict[str, list] = {}
    for row in rows:
        out.setdefault(survivors.get(row.person_id, row.person_id), []).append(row)
    return out


def pending_candidates(conn: Connection) -> list[dict]:
    """The facilitator's queue: people whose latest orientation awaits a decision.

    A validation or a refusal answers the latest orientation when it names it or is
    dated on or after it. Merged people count as their survivor; erased people are
    left out (nobody to contact). Each item is the person with ``orientation`` (the
    latest one), oldest orientation first.
    """
    survivors = survivor_map(conn)
    oriented = _by_survivor(
        conn.execute(
            select(
                orientations.c.person_id,
                orientations.c.orientation_id,
                orientations.c.oriented_on,
                orientations.c.position,
            )
        ),
        survivors,
    )
    decided = _by_survivor(
        [
            *conn.execute(
                select(
                    validations.c.person_id,
                    validations.c.orientation_id,
                    validations.c.validated_on.label("day"),
                )
            ),
            *conn.execute(
                select(
                    refusals.c.person_id,
                    refusals.c.orientation_id,
                    refusals.c.refused_on.label("day"),
                )
            ),
        ],
        survivors,
    )
    waiting: dict[str, str] = {}
    for person_id, rows in oriented.items():
        latest = max(rows, key=lambda r: (r.oriented_on, r.position))
        answered = any(
            d.orientation_id == latest.orientation_id or d.day >= latest.oriented_on
            for d in decided.get(person_id, ())
        )
        if not answered:
            waiting[person_id] = latest.orientation_id
    if not waiting:
        return []
    found = {
        row.person_id: _person(row)
        for row in conn.execute(
            select(*_PERSON_COLUMNS).where(
                people.c.person_id.in_(sorted(waiting)), people.c.erased.is_(False)
            )
        )
    }
    latest_rows = {
        row.orientation_id: _activity_row(row)
        for row in conn.execute(
            select(orientations).where(orientations.c.orientation_id.in_(sorted(waiting.values())))
        )
    }
    items = [{**person, "orientation": latest_rows[waiting[pid]]} for pid, person in found.items()]
    return sorted(
        items,
        key=lambda p: (p["orientation"]["oriented_on"], p["last_name"] or "", p["person_id"]),
    )


def _activity_row(row) -> dict:
    return {k: v for k, v in row._mapping.items() if k != "position"}


def orientations_in(conn: Connection, start: date, end: date) -> list[dict]:
    """Orientations dated ``start``..``end`` (inclusive), with the person's sex and QPV.

    ``is_plie`` separates PLIE referents from other prescribers (annual bilan).
    """
    query = (
        select(
            *[c for c in orientations.c if c.name != "position"],
            people.c.sex,
            people.c.qpv,
        )
        .select_from(orientations.outerjoin(people, people.c.person_id == orientations.c.person_id))
        .where(orientations.c.oriented_on >= start, orientations.c.oriented_on <= end)
        .order_by(orientations.c.oriented_on, orientations.c.position)
    )
    return [_person(row) for row in conn.execute(query)]


def validation_outcomes_in(conn: Connection, start: date, end: date) -> dict[str, dict]:
    """Per sector: validations and refusals dated ``start``..``end`` (inclusive).

    ``{"BTP": {"validated": 3, "refused": 2, "refused_by_reason": {"PROFIL_INADAPTE": 1,
    ...}}, ...}``; every sector and reason is present (zero when none). A decision
    covering two sectors counts in each.
    """
    out = {
        sector.value: {
            "validated": 0,
            "refused": 0,
            "refused_by_reason": {reason.value: 0 for reason in RefusalReason},
        }
        for sector in Sector
    }
    for (sectors,) in conn.execute(
        select(validations.c.sectors).where(
            validations.c.validated_on >= start, validations.c.validated_on <= end
        )
    ):
        for sector in sectors:
            out[sector]["validated"] += 1
    for sectors, reason in conn.execute(
        select(refusals.c.sectors, refusals.c.reason).where(
            refusals.c.refused_on >= start, refusals.c.refused_on <= end
        )
    ):
        for sector in sectors:
            out[sector]["refused"] += 1
            out[sector]["refused_by_reason"][reason] += 1
    return out


def plie_links_of(conn: Connection, person_id) -> list[dict]:
    """PLIE links of a person (and of people merged into them), by entry date."""
    group = [str(person_id), *absorbed_by(conn, person_id)]
    return _activity(conn, plie_links, group, plie_links.c.entry_date)


# ---- scopes: whom a role may read ----------------------------------------------------
def _groups(conn: Connection, ids: Iterable) -> set[str]:
    """``ids`` widened to whole merge groups: each one's survivor and everyone merged into it."""
    survivors = survivor_map(conn)
    roots = {survivors.get(str(pid), str(pid)) for pid in ids}
    return roots | {pid for pid, survivor in survivors.items() if survivor in roots}


def plie_participant_ids(conn: Connection) -> set[str]:
    """People who have (or had) a PLIE link, with their merge groups (the PLIE's scope)."""
    linked = conn.execute(select(plie_links.c.person_id).distinct()).scalars()
    return _groups(conn, linked)


def people_of_companies(conn: Connection, company_ids: Iterable) -> set[str]:
    """People with a contract whose employer or user company is listed, with their groups."""
    from projections.contracts import contracts

    ids = _ids(company_ids)
    if not ids:
        return set()
    rows = conn.execute(
        select(contracts.c.person_id)
        .where(or_(contracts.c.employer_company_id.in_(ids), contracts.c.user_company_id.in_(ids)))
        .distinct()
    ).scalars()
    return _groups(conn, rows)


def listed_person_ids(conn: Connection) -> set[str]:
    """Ids of everyone ``search_people`` lists (people not merged into another)."""
    query = select(people.c.person_id).where(people.c.merged_into.is_(None))
    return set(conn.execute(query).scalars())


def pending_person_ids(conn: Connection) -> set[str]:
    """Ids of ``pending_candidates`` (people whose latest orientation awaits a decision)."""
    return {person["person_id"] for person in pending_candidates(conn)}


# ---- eligibility status ---------------------------------------------------------------
class EligibilityStatus(Choice):
    PENDING = "PENDING", "En attente de décision"
    VALIDATED = "VALIDATED", "Éligible"
    REFUSED = "REFUSED", "Refusé"
    EXPIRED = "EXPIRED", "Validation expirée"
    NOT_ORIENTED = "NOT_ORIENTED", "Ni orienté ni validé"


def eligibility_status(person: dict, on: date) -> dict:
    """Where a ``get_person`` result stands on ``on`` (only what is dated up to then).

    ``pending_decision``: the latest orientation has no validation or refusal naming it
    or dated on or after it (the rule of ``pending_candidates``). ``sectors``: per
    sector, the latest validation valid on ``on``. ``status``: PENDING when a decision
    is awaited, else VALIDATED when valid for a sector, else REFUSED when the latest
    decision is a refusal, else EXPIRED when validated once, else NOT_ORIENTED.
    """
    oriented = [o for o in person["orientations"] if o["oriented_on"] <= on]
    validated = [v for v in person["validations"] if v["validated_on"] <= on]
    refused = [r for r in person["refusals"] if r["refused_on"] <= on]
    decisions = [(v["validated_on"], v["orientation_id"], False) for v in validated]
    decisions += [(r["refused_on"], r["orientation_id"], True) for r in refused]
    pending = False
    if oriented:
        latest = oriented[-1]  # get_person orders by date, then by recording
        pending = not any(
            orientation_id == latest["orientation_id"] or day >= latest["oriented_on"]
            for day, orientation_id, _ in decisions
        )
    sectors = []
    valid = [v for v in validated if on <= v["valid_until"]]
    for sector in Sector:
        covering = [v for v in valid if sector.value in v["sectors"]]
        if covering:
            best = max(covering, key=lambda v: v["validated_on"])
            sectors.append(
                {
                    "sector": sector.value,
                    "valid_until": best["valid_until"],
                    "validation_id": best["validation_id"],
                }
            )
    if pending:
        status = EligibilityStatus.PENDING
    elif sectors:
        status = EligibilityStatus.VALIDATED
    elif decisions and max(decisions, key=lambda d: (d[0], d[2]))[2]:
        status = EligibilityStatus.REFUSED
    elif validated:
        status = EligibilityStatus.EXPIRED
    else:
        status = EligibilityStatus.NOT_ORIENTED
    return {"on": on, "status": status, "pending_decision": pending, "sectors": sectors}


# ---- period figures within a scope ----------------------------------------------------
def validation_outcomes_of(
    conn: Connection, start: date, end: date, person_ids: Iterable | None = None
) -> dict[str, dict]:
    """``validation_outcomes_in`` restricted to ``person_ids`` (None: everyone)."""
    if person_ids is None:
        return validation_outcomes_in(conn, start, end)
    ids = _ids(person_ids)
    out = {
        sector.value: {
            "validated": 0,
            "refused": 0,
            "refused_by_reason": {reason.value: 0 for reason in RefusalReason},
        }
        for sector in Sector
    }
    for (sectors,) in conn.execute(
        select(validations.c.sectors).where(
            validations.c.validated_on >= start,
            validations.c.validated_on <= end,
            validations.c.person_id.in_(ids),
        )
    ):
        for sector in sectors:
            out[sector]["validated"] += 1
    for sectors, reason in conn.execute(
        select(refusals.c.sectors, refusals.c.reason).where(
            refusals.c.refused_on >= start,
            refusals.c.refused_on <= end,
            refusals.c.person_id.in_(ids),
        )
    ):
        for sector in sectors:
            out[sector]["refused"] += 1
            out[sector]["refused_by_reason"][reason] += 1
    return out


__all__ = [
    "EligibilityStatus",
    "absorbed_by",
    "eligibility_status",
    "find_people",
    "get_person",
    "listed_person_ids",
    "orientations_in",
    "pending_candidates",
    "pending_person_ids",
    "people_of_companies",
    "plie_links_of",
    "plie_participant_ids",
    "possible_duplicates",
    "search_people",
    "survivor_of",
    "validation_outcomes_in",
    "validation_outcomes_of",
]
