"""The compiled fast paths of payload codecs give what the field-by-field path gives.

``EventRegistry.encode_json`` must write exactly ``json.dumps(encode(event))`` and refuse
exactly what ``encode`` refuses (same error, same named fields); ``decode`` through the
compiled function must build the same object as the checked path, and fail the same way.
Checked on every event type of the catalog and on the codec test types, with values
drawn from the annotations and with values of the wrong type.
"""

from __future__ import annotations

import dataclasses
import json
import typing
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import events.catalog  # noqa: F401  (registers the catalog's event types)
from events.errors import InvalidPayload
from events.ids import event_id_from_text
from events.registry import REGISTRY, EventRegistry
from tests.contract.sample_events import HoursLogged, NoteTaken
from tests.contract.sample_events import registry as sample_registry
from tests.unit.test_registry import Validated
from tests.unit.test_registry import registry as codec_registry

CASES = [(REGISTRY, name) for name in REGISTRY.names()] + [
    (sample_registry, "NoteTaken"),
    (sample_registry, "HoursLogged"),
    (codec_registry, "CandidateValidated"),
]

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _outcome(call):
    """What a call gives: ("ok", value) or ("error", type, details)."""
    try:
        return ("ok", call())
    except InvalidPayload as exc:
        return ("error", InvalidPayload, exc.event_type, exc.problems)
    except Exception as exc:
        return ("error", type(exc))


class _PlainDict(dict):
    """A dict the fast paths do not take: the checked path runs, as before them."""


def _slow_decode(registry: EventRegistry, name: str, payload: dict):
    spec = registry.spec(name)
    try:
        return spec.codec.decode(_PlainDict(payload))
    except Exception as exc:
        if type(exc).__name__ == "_FieldError":
            raise InvalidPayload(name, {"contenu": str(exc)}) from None
        raise


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.decimals(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=5, minutes=30))])),
    st.uuids(),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


# What a stored payload may hold in place of a field: any JSON value (NaN aside, which
# is not equal to itself and would make equal outcomes look different).
_STORED_VALUES = _VALUES.filter(lambda v: v == v).map(
    lambda v: json.loads(json.dumps(v, default=str))
)


def _instances(cls):
    """Instances of ``cls``: from its annotations, then with some fields set to anything."""
    hints = typing.get_type_hints(cls)
    strategies = {}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if hint is dict:
            strategies[f.name] = st.dictionaries(
                st.text(max_size=5), st.one_of(st.text(max_size=5), st.integers()), max_size=3
            )
        elif hint is datetime:
            strategies[f.name] = st.datetimes(timezones=st.just(UTC))
        else:
            strategies[f.name] = st.from_type(hint)
    valid = st.builds(cls, **strategies)

    def spoil(obj, data):
        names = [f.name for f in dataclasses.fields(cls)]
        chosen = data.draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
        changes = {name: data.draw(_VALUES) for name in chosen}
        return dataclasses.replace(obj, **changes) if changes else obj

    return valid, spoil


@pytest.mark.parametrize(("registry", "name"), CASES, ids=[name for _, name in CASES])
@SETTINGS
@given(data=st.data())
def test_fast_paths_match_the_checked_paths(registry, name, data):
    spec = registry.spec(name)
    valid, spoil = _instances(spec.cls)
    event = data.draw(valid)
    if data.draw(st.booleans()):
        event = spoil(event, data)

    fast = _outcome(lambda: registry.encode_json(event)[1])
    plain = _outcome(lambda: json.dumps(registry.encode(event)[1]))
    assert fast == plain

    if plain[0] == "ok":
        payload = json.loads(plain[1])
        if data.draw(st.booleans()) and payload:  # a stored payload gone wrong
            key = data.draw(st.sampled_from(sorted(payload)))
            if data.draw(st.booleans()):
                del payload[key]
            else:
                payload[key] = data.draw(
                    _VALUES.map(lambda v: json.loads(json.dumps(v, default=str)))
                )
        decoded = _outcome(lambda: registry.decoder(name, spec.version)(dict(payload)))
        assert decoded == _outcome(lambda: registry.decode(name, spec.version, dict(payload)))
        assert decoded == _outcome(lambda: _slow_decode(registry, name, payload))


def test_the_json_text_is_what_json_dumps_writes():
    contract = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")
    event = HoursLogged(contract, date(2023, 3, 1), Decimal("151.67"), ("btp", "é\n"), None)
    _, text = sample_registry.encode_json(event)
    assert text == json.dumps(sample_registry.encode(event)[1])
    assert text.startswith('{"contract_id": "01890a5d-ac96-774b-bcce-b302099a8057", ')
    assert '"tags": ["btp", "\\u00e9\\n"], "comment": null}' in text


def test_bad_values_are_refused_with_every_field_named():
    with pytest.raises(InvalidPayload) as caught:
        sample_registry.encode_json(HoursLogged("not-a-uuid", "2023-03-01", 7.5))
    assert set(caught.value.problems) == {"contract_id", "month", "hours"}
    with pytest.raises(InvalidPayload) as caught:
        codec_registry.encode_json(
            Validated(uuid.uuid4(), (), (), datetime(2023, 3, 1), Decimal("NaN"))
        )
    assert set(caught.value.problems) == {"at", "hours"}


def test_a_uuid_subclass_or_a_date_subclass_takes_the_checked_path():
    class MyUUID(uuid.UUID):
        def __str__(self):
            return "odd"

    class MyDate(date):
        pass

    subject = MyUUID(int=5)
    event = HoursLogged(subject, MyDate(2023, 3, 1), Decimal("1"))
    _, text = sample_registry.encode_json(event)
    assert text == json.dumps(sample_registry.encode(event)[1])
    assert '"contract_id": "odd"' in text
    _, note = sample_registry.encode_json(NoteTaken(subject, "x"))
    assert note == '{"subject": "odd", "text": "x"}'


def test_stored_ids_parse_as_uuid_does():
    for text in [
        "01890a5d-ac96-774b-bcce-b302099a8057",
        "01890A5D-AC96-774B-BCCE-B302099A8057",
        "01890a5dac96774bbccEb302099a8057",
        "{01890a5d-ac96-774b-bcce-b302099a8057}",
        "urn:uuid:01890a5d-ac96-774b-bcce-b302099a8057",
    ]:
        assert event_id_from_text(text) == uuid.UUID(text)
        assert str(event_id_from_text(text)) == str(uuid.UUID(text))
    for bad in ["", "x" * 36, "01890a5d-ac96-774b-bcce-b302099a805", "g" * 32]:
        with pytest.raises(ValueError):
            uuid.UUID(bad)
        with pytest.raises(ValueError):
            event_id_from_text(bad)
