"""Handlers for people commands: load the person (and their merge group), decide, save.

Identity goes through the vault in ``ctx.services["vault"]`` (``messagebus.execute``
puts the store's vault there): sealed on the write transaction's connection, so a new
key commits or rolls back with the event that uses it.

Merges: a person merged into another is decided on with ``merged_into`` set to the
final survivor (a chain A → B → C names C), so refusals name where to act. A
survivor is decided on together with the activity of everyone merged into it
(orientations, validations, refusals, PLIE links), as one person.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from sqlalchemy import inspect

from clauses_service.commands.people import (
    CorrectIdentity,
    EndPlieLink,
    ErasePersonalData,
    MergePeople,
    OrientCandidate,
    RefuseCandidate,
    RegisterPerson,
    StartPlieLink,
    ValidateCandidate,
)
from clauses_service.domain import people
from clauses_service.domain import people_decisions as decide
from clauses_service.domain.people import Person
from clauses_service.handlers.base import Context, load, save
from clauses_service.identity import Vault, vault_for
from events.catalog.people import (
    STREAM_TYPE,
    CandidateOriented,
    CandidateRefused,
    CandidateValidated,
    PlieLinkEnded,
    PlieLinkStarted,
)

_ACTIVITY = (
    CandidateOriented,
    CandidateValidated,
    CandidateRefused,
    PlieLinkStarted,
    PlieLinkEnded,
)
_MAX_CHAIN = 1000  # merges form a forest; a longer chain means corrupted data


# ---- loading --------------------------------------------------------------------------
def _vault(ctx: Context) -> Vault:
    return ctx.services.get("vault") or vault_for(ctx.tx.store)


def _fold(ctx: Context, person_id) -> tuple[Person, list]:
    recorded = ctx.tx.read_stream(str(person_id))
    return people.fold(r.event for r in recorded), recorded


def _absorbed_ids(ctx: Context, state: Person) -> list[UUID]:
    """Everyone merged into ``state``, directly or through an earlier merge."""
    found: list[UUID] = []
    frontier = list(state.absorbed)
    while frontier and len(found) < _MAX_CHAIN:
        person_id = frontier.pop()
        if person_id in found:
            continue
        found.append(person_id)
        frontier.extend(load(ctx, person_id, people.fold).absorbed)
    return found


def survivor_id(ctx: Context, person_id) -> UUID | None:
    """The person at the end of the merge chain of ``person_id`` (itself if not merged)."""
    state = load(ctx, person_id, people.fold)
    if not state.exists:
        return None
    for _ in range(_MAX_CHAIN):
        if state.merged_into is None:
            return state.person_id
        state = load(ctx, state.merged_into, people.fold)
    raise RuntimeError(f"merge chain too long from {person_id}")


def load_person(ctx: Context, person_id) -> Person:
    """The state to decide on (``version`` is the person's own stream version).

    Merged: ``merged_into`` is the final survivor. Survivor: orientations, validations,
    refusals and PLIE links include those of the people merged into it, folded in
    the order they were recorded. Other areas may use it (e.g. eligibility checks).
    """
    state, recorded = _fold(ctx, person_id)
    if state.merged_into is not None:
        return replace(state, merged_into=survivor_id(ctx, state.merged_into))
    if not state.absorbed:
        return state
    for absorbed in _absorbed_ids(ctx, state):
        recorded = recorded + _fold(ctx, absorbed)[1]
    activity = people.fold(
        r.event
        for r in sorted(recorded, key=lambda r: r.position)
        if isinstance(r.event, _ACTIVITY)
    )
    return replace(
        state,
        orientations=activity.orientations,
        validations=activity.validations,
        refusals=activity.refusals,
        plie_links=activity.plie_links,
    )


def load_survivor(ctx: Context, person_id) -> Person:
    """``load_person`` of whoever ``person_id`` now is (the survivor if merged)."""
    return load_person(ctx, survivor_id(ctx, person_id) or person_id)


def _result(cmd_person_id, state: Person, new: list, **extra) -> dict:
    return {"person_id": str(cmd_person_id), "version": state.version + len(new), **extra}


# ---- identity -------------------------------------------------------------------------
def _identity(cmd: RegisterPerson | CorrectIdentity, ctx: Context):
    return decide.check_identity(
        last_name=cmd.last_name,
        first_name=cmd.first_name,
        birth_date=cmd.birth_date,
        sex=cmd.sex,
        commune=cmd.commune,
        qpv=cmd.qpv,
        qualification=cmd.qualification,
        rsa=cmd.rsa,
        rqth=cmd.rqth,
        today=ctx.today,
    )


def _possible_duplicates(ctx: Context, identity, person_id: UUID) -> list[str]:
    """Other people with the same normalised names and birth date.

    Read from ``rm_people`` on the write transaction's connection: inline projections
    are up to date there, since writers are serialised. The in-memory store has no
    read tables, so it returns [] (as does a database whose people tables are not
    created yet).
    """
    conn = ctx.tx.connection
    if conn is None or not inspect(conn).has_table("rm_people"):
        return []
    # Imported here: the read side imports the app package, which imports the handlers.
    from projections.queries.people import find_people

    found = find_people(conn, identity.last_name, identity.first_name, identity.birth_date)
    return sorted(p["person_id"] for p in found if p["person_id"] != str(person_id))


def register_person(cmd: RegisterPerson, ctx: Context) -> dict:
    state, _ = _fold(ctx, cmd.person_id)
    identity = _identity(cmd, ctx)
    vault, conn = _vault(ctx), ctx.tx.connection
    new = decide.register(
        state, cmd.person_id, identity, lambda i: vault.seal(conn, cmd.person_id, i)
    )
    duplicates = _possible_duplicates(ctx, identity, cmd.person_id)
    save(ctx, STREAM_TYPE, cmd.person_id, state.version, new, cmd.expected_version)
    return _result(cmd.person_id, state, new, possible_duplicates=duplicates)


def correct_identity(cmd: CorrectIdentity, ctx: Context) -> dict:
    state = load_person(ctx, cmd.person_id)
    identity = _identity(cmd, ctx)
    vault, conn = _vault(ctx), ctx.tx.connection
    current = vault.open(conn, cmd.person_id, state.sealed_identity)
    new = decide.correct_identity(
        state, identity, current, lambda i: vault.seal(conn, cmd.person_id, i)
    )
    save(ctx, STREAM_TYPE, cmd.person_id, state.version, new, cmd.expected_version)
    return _result(cmd.person_id, state, new)


def erase_personal_data(cmd: ErasePersonalData, ctx: Context) -> dict:
    state = load_person(ctx, cmd.person_id)
    absorbed = [_fold(ctx, pid)[0] for pid in _absorbed_ids(ctx, state)] if state.exists else []
    new_by_person = decide.erase(state, absorbed, ctx.today)
    vault, conn = _vault(ctx), ctx.tx.connection
    for person in (state, *absorbed):
        new = new_by_person.get(person.person_id, [])
        expected = cmd.expected_version if person is state else None
        save(ctx, STREAM_TYPE, person.person_id, person.version, new, expected)
        # Forget even when already erased: a key re-created by accident goes too.
        vault.forget(conn, person.person_id)
        _forget_waiting_rows(conn, person.person_id)
    own = new_by_person.get(state.person_id, [])
    return _result(cmd.person_id, state, own, erased=sorted(str(pid) for pid in new_by_person))


def _forget_waiting_rows(conn, person_id) -> None:
    """Rejected rows of any import that gave this person's identity but matched nobody
    (unknown then, or rejected before the match): their identity's keys go too."""
    if conn is None:
        return  # the in-memory twin has no read tables and no import queue
    from importers import sealing
    from projections.queries.people import match_key_of

    key = match_key_of(conn, person_id)
    if key:
        sealing.forget_identity(conn, key)


def merge_people(cmd: MergePeople, ctx: Context) -> dict:
    keep = load_person(ctx, cmd.keep_id)
    duplicate = load_person(ctx, cmd.duplicate_id)
    on_duplicate, on_keep = decide.merge(keep, duplicate)
    save(ctx, STREAM_TYPE, cmd.duplicate_id, duplicate.version, on_duplicate)
    save(ctx, STREAM_TYPE, cmd.keep_id, keep.version, on_keep, cmd.expected_version)
    return {
        "person_id": str(cmd.keep_id),
        "merged": str(cmd.duplicate_id),
        "version": keep.version + len(on_keep),
    }


# ---- orientation and eligibility ------------------------------------------------------
def orient_candidate(cmd: OrientCandidate, ctx: Context) -> dict:
    state = load_person(ctx, cmd.person_id)
    new = decide.orient(
        state,
        cmd.orientation_id,
        cmd.prescriber_name,
        cmd.prescriber_kind,
        cmd.oriented_on,
        cmd.sectors,
        ctx.today,
    )
    save(ctx, STREAM_TYPE, cmd.person_id, state.version, new, cmd.expected_version)
    return _result(cmd.person_id, state, new, orientation_id=str(cmd.orientation_id))


def validate_candidate(cmd: ValidateCandidate, ctx: Context) -> dict:
    state = load_person(ctx, cmd.person_id)
    new, warnings = decide.validate(
        state,
        cmd.validation_id,
        cmd.orientation_id,
        cmd.sectors,
        cmd.criteria,
        cmd.evidence,
        cmd.validated_on,
        cmd.valid_until,
        ctx.today,
    )
    save(ctx, STREAM_TYPE, cmd.person_id, state.version, new, cmd.expected_version)
    return _result(
        cmd.person_id,
        state,
        new,
        validation_id=str(cmd.validation_id),
        valid_until=new[0].valid_until.isoformat(),
        warnings=warnings,
    )


def refuse_candidate(cmd: RefuseCandidate, ctx: Context) -> dict:
    state = load_person(ctx, cmd.person_id)
    new = decide.refuse(
        state,
        cmd.refusal_id,
        cmd.orientation_id,
        cmd.sectors,
        cmd.reason,
        cmd.reason_text,
        cmd.refused_on,
        ctx.today,
    )
    save(ctx, STREAM_TYPE, cmd.person_id, state.version, new, cmd.expected_version)
    return _result(cmd.person_id, state, new, refusal_id=str(cmd.refusal_id))


def start_plie_link(cmd: StartPlieLink, ctx: Context) -> dict:
    state = load_person(ctx, cmd.person_id)
    new = decide.start_plie_link(state, cmd.link_id, cmd.entry_date, cmd.referent, ctx.today)
    save(ctx, STREAM_TYPE, cmd.person_id, state.version, new, cmd.expected_version)
    return _result(cmd.person_id, state, new, link_id=str(cmd.link_id))


def end_plie_link(cmd: EndPlieLink, ctx: Context) -> dict:
    state = load_person(ctx, cmd.person_id)
    new = decide.end_plie_link(state, cmd.link_id, cmd.exit_date, cmd.reason, ctx.today)
    save(ctx, STREAM_TYPE, cmd.person_id, state.version, new, cmd.expected_version)
    return _result(cmd.person_id, state, new, link_id=str(cmd.link_id))


HANDLERS = {
    RegisterPerson: register_person,
    CorrectIdentity: correct_identity,
    ErasePersonalData: erase_personal_data,
    MergePeople: merge_people,
    OrientCandidate: orient_candidate,
    ValidateCandidate: validate_candidate,
    RefuseCandidate: refuse_candidate,
    StartPlieLink: start_plie_link,
    EndPlieLink: end_plie_link,
}
