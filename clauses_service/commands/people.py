"""Commands about people: identity, merge, orientation, eligibility, PLIE link."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from clauses_service.commands import Command
from events.catalog.people import (
    EligibilityCriterion,
    Evidence,
    PrescriberKind,
    QualificationLevel,
    RefusalReason,
    Sex,
)
from events.catalog.sectors import Sector


@dataclass(frozen=True, kw_only=True)
class RegisterPerson(Command):
    """Register a person. The result lists ``possible_duplicates`` (see the handler)."""

    person_id: UUID
    last_name: str
    first_name: str
    birth_date: date
    sex: Sex
    commune: str = ""
    qpv: str | None = None
    qualification: QualificationLevel | None = None
    rsa: bool = False
    rqth: bool = False


@dataclass(frozen=True, kw_only=True)
class CorrectIdentity(Command):
    """Replace the whole identity (every field, as for ``RegisterPerson``)."""

    person_id: UUID
    last_name: str
    first_name: str
    birth_date: date
    sex: Sex
    commune: str = ""
    qpv: str | None = None
    qualification: QualificationLevel | None = None
    rsa: bool = False
    rqth: bool = False


@dataclass(frozen=True, kw_only=True)
class ErasePersonalData(Command):
    """GDPR erasure: destroy the person's key; their hours still count, anonymously."""

    person_id: UUID


@dataclass(frozen=True, kw_only=True)
class MergePeople(Command):
    """``duplicate_id`` is the same person as ``keep_id``, which survives."""

    keep_id: UUID
    duplicate_id: UUID


@dataclass(frozen=True, kw_only=True)
class OrientCandidate(Command):
    person_id: UUID
    orientation_id: UUID
    prescriber_name: str
    prescriber_kind: PrescriberKind
    oriented_on: date
    sectors: tuple[Sector, ...]


@dataclass(frozen=True, kw_only=True)
class ValidateCandidate(Command):
    """Eligibility validated; ``valid_until`` defaults to ``validated_on`` + 24 months."""

    person_id: UUID
    validation_id: UUID
    orientation_id: UUID | None = None
    sectors: tuple[Sector, ...]
    criteria: tuple[EligibilityCriterion, ...]
    evidence: tuple[Evidence, ...] = ()
    validated_on: date
    valid_until: date | None = None


@dataclass(frozen=True, kw_only=True)
class RefuseCandidate(Command):
    """Eligibility refused; ``reason_text`` is required when ``reason`` is AUTRE."""

    person_id: UUID
    refusal_id: UUID
    orientation_id: UUID | None = None
    sectors: tuple[Sector, ...]
    reason: RefusalReason
    reason_text: str | None = None
    refused_on: date


@dataclass(frozen=True, kw_only=True)
class StartPlieLink(Command):
    person_id: UUID
    link_id: UUID
    entry_date: date
    referent: str


@dataclass(frozen=True, kw_only=True)
class EndPlieLink(Command):
    person_id: UUID
    link_id: UUID
    exit_date: date
    reason: str
