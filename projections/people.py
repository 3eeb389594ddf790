"""Read models of the people area: identity (decrypted), orientations, eligibility, PLIE.

Identity columns are filled by opening the sealed identity with the person's key
(``SqlVault`` on the projection's own connection). Once the key is erased they hold
NULL, live as after a rebuild: ``PersonalDataErased`` blanks them, and replaying
``PersonRegistered`` without a key opens nothing. The person's row, orientations,
validations and PLIE links stay, so they still count (anonymously) in reports.

``match_key`` (normalised last name | first name | birth date) finds duplicates and
matches spreadsheet rows; ``search_name`` (normalised "last first") serves searches.
Both are personal data too, and blanked on erasure.

``clauses_service`` modules are imported inside functions: importing that package
imports the app, whose extensions import the projection registry (and so this module).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, Index, String, Table, insert, update

from events.catalog.people import (
    CandidateOriented,
    CandidateRefused,
    CandidateValidated,
    Identity,
    PersonalDataErased,
    PersonIdentityCorrected,
    PersonMerged,
    PersonRegistered,
    PlieLinkEnded,
    PlieLinkStarted,
    PrescriberKind,
)
from events.recorded import RecordedEvent
from projections.base import Projection, read_metadata

people = Table(
    "rm_people",
    read_metadata,
    Column("person_id", String(36), primary_key=True),
    Column("last_name", String(100), nullable=True),
    Column("first_name", String(100), nullable=True),
    Column("birth_date", Date, nullable=True),
    Column("sex", String(1), nullable=True),
    Column("commune", String(200), nullable=True),
    Column("qpv", String(200), nullable=True),
    Column("qualification", String(20), nullable=True),
    Column("rsa", Boolean, nullable=True),
    Column("rqth", Boolean, nullable=True),
    Column("match_key", String(250), nullable=True),
    Column("search_name", String(210), nullable=True),
    Column("merged_into", String(36), nullable=True),
    Column("erased", Boolean, nullable=False),
    Column("registered_position", BigInteger, nullable=False),
    Column("last_position", BigInteger, nullable=False),
    Index("ix_rm_people_match_key", "match_key"),
    Index("ix_rm_people_merged_into", "merged_into"),
)

orientations = Table(
    "rm_orientations",
    read_metadata,
    Column("orientation_id", String(36), primary_key=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("prescriber_name", String(200), nullable=False),
    Column("prescriber_kind", String(40), nullable=False),
    Column("is_plie", Boolean, nullable=False),
    Column("oriented_on", Date, nullable=False, index=True),
    Column("sectors", JSON, nullable=False),
    Column("position", BigInteger, nullable=False),
)

validations = Table(
    "rm_validations",
    read_metadata,
    Column("validation_id", String(36), primary_key=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("orientation_id", String(36), nullable=True),
    Column("sectors", JSON, nullable=False),
    Column("criteria", JSON, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("validated_on", Date, nullable=False, index=True),
    Column("valid_until", Date, nullable=False),
    Column("position", BigInteger, nullable=False),
)

refusals = Table(
    "rm_refusals",
    read_metadata,
    Column("refusal_id", String(36), primary_key=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("orientation_id", String(36), nullable=True),
    Column("sectors", JSON, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("reason_text", String(500), nullable=True),
    Column("refused_on", Date, nullable=False, index=True),
    Column("position", BigInteger, nullable=False),
)

plie_links = Table(
    "rm_plie_links",
    read_metadata,
    Column("link_id", String(36), primary_key=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("entry_date", Date, nullable=False),
    Column("exit_date", Date, nullable=True),
    Column("referent", String(200), nullable=False),
    Column("reason", String(200), nullable=True),
    Column("position", BigInteger, nullable=False),
)

BLANK_IDENTITY = {
    "last_name": None,
    "first_name": None,
    "birth_date": None,
    "sex": None,
    "commune": None,
    "qpv": None,
    "qualification": None,
    "rsa": None,
    "rqth": None,
    "match_key": None,
    "search_name": None,
}


def identity_columns(identity: Identity | None) -> dict:
    """The identity columns of ``rm_people`` (all NULL when it cannot be opened)."""
    from clauses_service.domain.names import match_key, normalise_name

    if identity is None:
        return dict(BLANK_IDENTITY)
    return {
        "last_name": identity.last_name,
        "first_name": identity.first_name,
        "birth_date": identity.birth_date,
        "sex": identity.sex.value,
        "commune": identity.commune,
        "qpv": identity.qpv,
        "qualification": identity.qualification.value if identity.qualification else None,
        "rsa": identity.rsa,
        "rqth": identity.rqth,
        "match_key": match_key(identity.last_name, identity.first_name, identity.birth_date),
        "search_name": normalise_name(f"{identity.last_name} {identity.first_name}"),
    }


def _update_person(conn, person_id, position: int, **values) -> None:
    conn.execute(
        update(people)
        .where(people.c.person_id == str(person_id))
        .values(last_position=position, **values)
    )


def _apply_identity(conn, recorded: RecordedEvent) -> None:
    from clauses_service.identity import SqlVault

    event = recorded.event
    columns = identity_columns(SqlVault().open(conn, event.person_id, event.sealed_identity))
    if isinstance(event, PersonRegistered):
        conn.execute(
            insert(people).values(
                person_id=str(event.person_id),
                merged_into=None,
                erased=False,
                registered_position=recorded.position,
                last_position=recorded.position,
                **columns,
            )
        )
    else:
        _update_person(conn, event.person_id, recorded.position, **columns)


def _apply_activity(conn, recorded: RecordedEvent) -> None:
    event, position = recorded.event, recorded.position
    match event:
        case CandidateOriented():
            conn.execute(
                insert(orientations).values(
                    orientation_id=str(event.orientation_id),
                    person_id=str(event.person_id),
                    prescriber_name=event.prescriber_name,
                    prescriber_kind=event.prescriber_kind.value,
                    is_plie=event.prescriber_kind is PrescriberKind.PLIE_REFERENT,
                    oriented_on=event.oriented_on,
                    sectors=[s.value for s in event.sectors],
                    position=position,
                )
            )
        case CandidateValidated():
            conn.execute(
                insert(validations).values(
                    validation_id=str(event.validation_id),
                    person_id=str(event.person_id),
                    orientation_id=_id_or_none(event.orientation_id),
                    sectors=[s.value for s in event.sectors],
                    criteria=[c.value for c in event.criteria],
                    evidence=[
                        {
                            "criterion": e.criterion.value,
                            "document": e.document,
                            "dated": e.dated.isoformat(),
                        }
                        for e in event.evidence
                    ],
                    validated_on=event.validated_on,
                    valid_until=event.valid_until,
                    position=position,
                )
            )
        case CandidateRefused():
            conn.execute(
                insert(refusals).values(
                    refusal_id=str(event.refusal_id),
                    person_id=str(event.person_id),
                    orientation_id=_id_or_none(event.orientation_id),
                    sectors=[s.value for s in event.sectors],
                    reason=event.reason.value,
                    reason_text=event.reason_text,
                    refused_on=event.refused_on,
                    position=position,
                )
            )
        case PlieLinkStarted():
            conn.execute(
                insert(plie_links).values(
                    link_id=str(event.link_id),
                    person_id=str(event.person_id),
                    entry_date=event.entry_date,
                    exit_date=None,
                    referent=event.referent,
                    reason=None,
                    position=position,
                )
            )
        case PlieLinkEnded():
            conn.execute(
                update(plie_links)
                .where(plie_links.c.link_id == str(event.link_id))
                .values(exit_date=event.exit_date, reason=event.reason)
            )


def _id_or_none(value) -> str | None:
    return None if value is None else str(value)


def apply(conn, events: Sequence[RecordedEvent]) -> None:
    for recorded in events:
        event = recorded.event
        if isinstance(event, PersonRegistered | PersonIdentityCorrected):
            _apply_identity(conn, recorded)
        elif isinstance(event, PersonalDataErased):
            _update_person(conn, event.person_id, recorded.position, erased=True, **BLANK_IDENTITY)
        elif isinstance(event, PersonMerged):
            _update_person(
                conn, event.person_id, recorded.position, merged_into=str(event.into_person_id)
            )
        else:
            _apply_activity(conn, recorded)


PROJECTION = Projection(
    name="people",
    version=1,
    handles=frozenset(
        {
            "PersonRegistered",
            "PersonIdentityCorrected",
            "PersonalDataErased",
            "PersonMerged",
            "CandidateOriented",
            "CandidateValidated",
            "CandidateRefused",
            "PlieLinkStarted",
            "PlieLinkEnded",
        }
    ),
    tables=(people, orientations, validations, refusals, plie_links),
    apply=apply,
    description="Personnes (identité déchiffrée, effaçable), orientations, validations, "
    "refus, liens PLIE.",
)

PROJECTIONS: list[Projection] = [PROJECTION]
