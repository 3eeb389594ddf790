"""People: the folded state of a person stream. Decisions live in ``people_decisions``.

The state never holds the identity in clear: only whether it exists and was erased.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from events.catalog.people import (
    CandidateOriented,
    CandidateRefused,
    CandidateValidated,
    PersonAbsorbed,
    PersonalDataErased,
    PersonIdentityCorrected,
    PersonMerged,
    PersonRegistered,
    PlieLinkEnded,
    PlieLinkStarted,
)
from events.catalog.sectors import Sector


@dataclass(frozen=True)
class PlieLink:
    link_id: UUID
    entry_date: date
    referent: str
    exit_date: date | None = None
    exit_reason: str | None = None

    def covers(self, day: date) -> bool:
        return self.entry_date <= day and (self.exit_date is None or day <= self.exit_date)

    def overlaps(self, first: date, last: date) -> bool:
        """True when linked on at least one day of [first, last] (e.g. a month)."""
        return self.entry_date <= last and (self.exit_date is None or self.exit_date >= first)


@dataclass(frozen=True)
class Person:
    person_id: UUID | None = None
    sealed_identity: str | None = None
    erased: bool = False
    merged_into: UUID | None = None
    absorbed: tuple[UUID, ...] = ()
    orientations: tuple[CandidateOriented, ...] = ()
    validations: tuple[CandidateValidated, ...] = ()
    refusals: tuple[CandidateRefused, ...] = ()
    plie_links: tuple[PlieLink, ...] = ()
    version: int = 0

    @property
    def exists(self) -> bool:
        return self.person_id is not None

    def eligibility_on(
        self, day: date, sector: Sector, validity_months: int | None = None
    ) -> CandidateValidated | None:
        """The latest validation for ``sector`` valid on ``day``, if any.

        Valid means validated on or before ``day`` and ``day`` not after its
        ``valid_until``, nor (when given: a market's rule) ``validity_months`` after
        the validation date.
        """
        for validation in sorted(self.validations, key=lambda v: v.validated_on, reverse=True):
            if sector not in validation.sectors or not (
                validation.validated_on <= day <= validation.valid_until
            ):
                continue
            if validity_months is not None and day > add_months(
                validation.validated_on, validity_months
            ):
                continue
            return validation
        return None

    def plie_link_on(self, day: date) -> PlieLink | None:
        return next((link for link in self.plie_links if link.covers(day)), None)

    @property
    def open_plie_link(self) -> PlieLink | None:
        return next((link for link in self.plie_links if link.exit_date is None), None)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (clamped to the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def evolve(state: Person, event) -> Person:
    match event:
        case PersonRegistered():
            state = replace(state, person_id=event.person_id, sealed_identity=event.sealed_identity)
        case PersonIdentityCorrected():
            state = replace(state, sealed_identity=event.sealed_identity)
        case PersonalDataErased():
            state = replace(state, erased=True, sealed_identity=None)
        case PersonMerged():
            state = replace(state, merged_into=event.into_person_id)
        case PersonAbsorbed():
            state = replace(state, absorbed=(*state.absorbed, event.absorbed_person_id))
        case CandidateOriented():
            state = replace(state, orientations=(*state.orientations, event))
        case CandidateValidated():
            state = replace(state, validations=(*state.validations, event))
        case CandidateRefused():
            state = replace(state, refusals=(*state.refusals, event))
        case PlieLinkStarted():
            link = PlieLink(event.link_id, event.entry_date, event.referent)
            state = replace(state, plie_links=(*state.plie_links, link))
        case PlieLinkEnded():
            links = tuple(
                replace(link, exit_date=event.exit_date, exit_reason=event.reason)
                if link.link_id == event.link_id
                else link
                for link in state.plie_links
            )
            state = replace(state, plie_links=links)
    return replace(state, version=state.version + 1)


def fold(events) -> Person:
    state = Person()
    for event in events:
        state = evolve(state, event)
    return state


# A whole-file import folds only what it appended onto the state it already has.
fold.evolve = evolve
