"""Payload codecs: what an event may carry, and the named errors for what it may not."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.errors import InvalidPayload, UnknownEventType
from events.registry import EventRegistry
from events.vocabulary import Choice


class Sector(Choice):
    BTP = "BTP", "Travaux (BTP)"
    SERVICES = "SERVICES", "Services"
    OLD = "OLD", "Ancien secteur", True


@dataclasses.dataclass(frozen=True)
class Evidence:
    code: str
    seen_on: date


@dataclasses.dataclass(frozen=True)
class Validated:
    person_id: uuid.UUID
    sectors: tuple[Sector, ...]
    evidence: tuple[Evidence, ...]
    at: datetime
    hours: Decimal | None = None
    extra: dict = dataclasses.field(default_factory=dict)


registry = EventRegistry()
registry.register(Validated, "CandidateValidated", version=1)


def sample(**changes) -> Validated:
    base = Validated(
        uuid.uuid4(),
        (Sector.BTP, Sector.SERVICES),
        (Evidence("BRSA", date(2023, 2, 1)),),
        datetime(2023, 3, 1, 9, 30, tzinfo=UTC),
        Decimal("12.50"),
        {"note": "ok"},
    )
    return dataclasses.replace(base, **changes)


def test_round_trip_keeps_every_type():
    event = sample()
    spec, payload = registry.encode(event)
    assert payload["sectors"] == ["BTP", "SERVICES"]
    assert payload["hours"] == "12.50"
    assert payload["evidence"] == [{"code": "BRSA", "seen_on": "2023-02-01"}]
    assert registry.decode(spec.name, spec.version, payload) == event


def test_choice_labels_and_retired_members():
    assert Sector.BTP.label == "Travaux (BTP)"
    assert Sector("SERVICES") is Sector.SERVICES
    assert Sector.offered() == [Sector.BTP, Sector.SERVICES]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hours": 7.5}, "hours"),
        ({"hours": Decimal("NaN")}, "hours"),
        ({"person_id": "not-a-uuid"}, "person_id"),
        ({"at": datetime(2023, 3, 1)}, "at"),
        ({"sectors": ("MINING",)}, "sectors"),
        ({"evidence": ({"code": "x"},)}, "evidence"),
    ],
)
def test_values_not_matching_annotations_are_named(changes, field):
    with pytest.raises(InvalidPayload) as caught:
        registry.encode(sample(**changes))
    assert field in caught.value.problems
    assert "CandidateValidated" in caught.value.message


def test_missing_and_malformed_stored_fields_are_refused():
    _, payload = registry.encode(sample())
    del payload["person_id"]
    with pytest.raises(InvalidPayload, match="person_id : champ manquant"):
        registry.decode("CandidateValidated", 1, payload)
    _, payload = registry.encode(sample())
    payload["evidence"][0]["seen_on"] = "01/02/2023"
    with pytest.raises(InvalidPayload, match="seen_on"):
        registry.decode("CandidateValidated", 1, payload)


def test_unknown_names_and_classes():
    with pytest.raises(UnknownEventType):
        registry.spec("Nope")
    with pytest.raises(UnknownEventType):
        registry.encode(Evidence("x", date(2023, 1, 1)))


def test_a_name_is_registered_once():
    other = dataclasses.make_dataclass("Other", [("x", int)], frozen=True)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(other, "CandidateValidated")


@given(
    hours=st.decimals(allow_nan=False, allow_infinity=False, places=2),
    note=st.text(),
    day=st.dates(),
)
def test_any_valid_values_round_trip(hours, note, day):
    event = sample(hours=hours, extra={"note": note}, evidence=(Evidence(note, day),))
    spec, payload = registry.encode(event)
    assert registry.decode(spec.name, spec.version, payload) == event
