"""Upcasters: every stored fixture of an old schema version reads as the current shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import events.catalog  # noqa: F401
from events.errors import InvalidPayload
from events.registry import REGISTRY

FIXTURES = sorted((Path(__file__).parents[1] / "fixtures" / "events").glob("*.json"))


def test_every_version_step_has_an_upcaster():
    assert REGISTRY.missing_upcasters() == []


def test_every_event_type_with_old_versions_has_a_stored_fixture():
    covered = {json.loads(p.read_text())["stored"]["event_type"] for p in FIXTURES}
    with_history = {n for n in REGISTRY.names() if REGISTRY.spec(n).version > 1}
    assert with_history <= covered


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_stored_fixture_upcasts_to_current_version(fixture):
    data = json.loads(fixture.read_text())
    stored = data["stored"]
    event = REGISTRY.decode(stored["event_type"], stored["schema_version"], stored["payload"])
    spec = REGISTRY.spec(stored["event_type"])
    assert spec.codec.encode(event) == data["expected"]


def test_a_payload_newer_than_the_code_is_refused():
    with pytest.raises(InvalidPayload, match="plus récente"):
        REGISTRY.decode("BuyerRenamed", 9, {"buyer_id": "x", "name": "y"})
