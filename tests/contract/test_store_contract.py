"""The event store contract: the same tests on the in-memory twin, SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from events.errors import ConcurrencyError, IdempotencyConflict, InvalidPayload, UnknownEventType
from events.store import ANY_VERSION
from tests.contract.sample_events import HoursLogged, NoteTaken, NotRegistered, registry


@pytest.fixture
def store(make_store):
    return make_store(registry=registry)


def note(text="x", subject=None):
    return NoteTaken(subject or uuid.uuid4(), text)


def test_given_empty_stream_when_appending_then_events_read_back_in_order(store):
    contract = uuid.uuid4()
    hours = HoursLogged(contract, date(2023, 3, 1), Decimal("151.67"), ("btp",), "mars")
    result = store.append(
        "contract", str(contract), 0, [hours, note("fin")], metadata={"actor": "facilitateur"}
    )
    assert (result.first_version, result.last_version) == (1, 2)

    stream = store.read_stream(str(contract))
    assert [e.event for e in stream] == [hours, note("fin", stream[1].event.subject)]
    assert [e.stream_version for e in stream] == [1, 2]
    assert [e.position for e in stream] == list(result.positions)
    assert [str(e.event_id) for e in stream] == list(result.event_ids)
    assert stream[0].event_type == "HoursLogged" and stream[0].schema_version == 1
    assert stream[0].metadata == {"actor": "facilitateur"}
    assert stream[0].effective_date == date(2023, 3, 1)
    assert stream[1].effective_date is None
    assert stream[0].recorded_at.tzinfo is not None
    assert abs((datetime.now(UTC) - stream[0].recorded_at).total_seconds()) < 60
    assert isinstance(stream[0].event.hours, Decimal)
    assert store.stream_version(str(contract)) == 2
    assert store.stream_version("nobody") == 0


def test_given_events_when_reading_all_then_pages_filters_and_bounds_hold(store):
    streams = [str(uuid.uuid4()) for _ in range(3)]
    for i in range(10):
        store.append("note", streams[i % 3], ANY_VERSION, [note(f"n{i}")])
    everything = store.read_all(limit=100)
    assert [e.event.text for e in everything] == [f"n{i}" for i in range(10)]

    page = store.read_all(after=everything[3].position, limit=4)
    assert [e.event.text for e in page] == ["n4", "n5", "n6", "n7"]
    assert [len(p) for p in store.iter_all(page_size=4)] == [4, 4, 2]
    bounded = store.read_all(up_to=everything[2].position)
    assert [e.event.text for e in bounded] == ["n0", "n1", "n2"]
    assert store.read_all(event_types=["HoursLogged"]) == []
    assert store.head_position() == everything[-1].position


def test_positions_are_strictly_increasing_across_streams(store):
    for i in range(20):
        store.append("note", str(uuid.uuid4()), 0, [note(str(i)), note(str(i))])
    positions = [e.position for e in store.read_all(limit=1000)]
    assert len(positions) == 40
    assert all(a < b for a, b in itertools.pairwise(positions))


def test_given_stale_expected_version_then_concurrency_error_and_nothing_written(store):
    stream = str(uuid.uuid4())
    store.append("note", stream, 0, [note("a")])
    head = store.head_position()
    with pytest.raises(ConcurrencyError) as caught:
        store.append("note", stream, 0, [note("b")])
    assert (caught.value.expected, caught.value.actual) == (0, 1)
    assert "version attendue 0" in caught.value.message
    assert store.head_position() == head
    assert [e.event.text for e in store.read_stream(stream)] == ["a"]


def test_any_version_appends_without_checking(store):
    stream = str(uuid.uuid4())
    store.append("note", stream, ANY_VERSION, [note("a")])
    store.append("note", stream, ANY_VERSION, [note("b")])
    assert [e.stream_version for e in store.read_stream(stream)] == [1, 2]


def test_idempotency_same_key_same_body_returns_first_result(store):
    stream, subject = str(uuid.uuid4()), uuid.uuid4()
    first = store.append("note", stream, 0, [note("a", subject)], idempotency_key="k-1")
    again = store.append("note", stream, 0, [note("a", subject)], idempotency_key="k-1")
    assert again.positions == first.positions and again.event_ids == first.event_ids
    assert again.replayed and not first.replayed
    assert len(store.read_stream(stream)) == 1


def test_idempotency_same_key_other_body_is_refused(store):
    stream, subject = str(uuid.uuid4()), uuid.uuid4()
    store.append("note", stream, 0, [note("a", subject)], idempotency_key="k-2")
    head = store.head_position()
    with pytest.raises(IdempotencyConflict):
        store.append("note", stream, 0, [note("b", subject)], idempotency_key="k-2")
    assert store.head_position() == head


def test_transaction_spanning_streams_is_all_or_nothing(store):
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    with pytest.raises(RuntimeError), store.transaction({"actor": "import"}) as tx:
        tx.append("note", a, 0, [note("a")])
        tx.append("note", b, 0, [note("b")])
        raise RuntimeError("crash mid-import")
    assert store.read_stream(a) == [] and store.read_stream(b) == []

    with store.transaction({"actor": "import", "source": {"file": "f.xlsx"}}) as tx:
        tx.append("note", a, 0, [note("a")], metadata={"source": {"file": "f.xlsx", "row": 2}})
        tx.append("note", b, 0, [note("b")])
        tx.append("note", a, 1, [note("a2")])
        assert [e.event.text for e in tx.read_stream(a)] == ["a", "a2"]
    assert [e.event.text for e in store.read_stream(a)] == ["a", "a2"]
    assert store.read_stream(a)[0].metadata == {
        "actor": "import",
        "source": {"file": "f.xlsx", "row": 2},
    }
    assert store.read_stream(b)[0].metadata["source"] == {"file": "f.xlsx"}


def test_given_a_publish_mid_transaction_then_listeners_see_each_event_once_and_rollback_holds(
    store,
):
    seen: list[list[str]] = []
    store.subscribe(lambda tx, recorded: seen.append([r.event.text for r in recorded]))
    a = str(uuid.uuid4())
    with store.transaction() as tx:
        tx.append("note", a, 0, [note("a1"), note("a2")])
        tx.publish()
        assert seen == [["a1", "a2"]]
        assert [e.event.text for e in tx.read_stream(a)] == ["a1", "a2"]
        tx.append("note", a, 2, [note("a3")])
    assert seen == [["a1", "a2"], ["a3"]]
    assert [e.event.text for e in store.read_stream(a)] == ["a1", "a2", "a3"]

    b = str(uuid.uuid4())
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.append("note", b, 0, [note("b1")])
        tx.publish()
        raise RuntimeError("crash after a publish")
    assert seen[-1] == ["b1"]
    assert store.read_stream(b) == []


def test_rolled_back_transaction_leaves_a_gap_that_readers_tolerate(store):
    store.append("note", str(uuid.uuid4()), 0, [note("before")])
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.append("note", str(uuid.uuid4()), 0, [note("lost-1"), note("lost-2")])
        raise RuntimeError("rollback")
    store.append("note", str(uuid.uuid4()), 0, [note("after")])
    seen = store.read_all()
    assert [e.event.text for e in seen] == ["before", "after"]
    paged = [e.event.text for page in store.iter_all(page_size=1) for e in page]
    assert paged == ["before", "after"]
    after_first = store.read_all(after=seen[0].position)
    assert [e.event.text for e in after_first] == ["after"]


def test_invalid_payload_is_refused_before_anything_is_written(store):
    stream = str(uuid.uuid4())
    bad = HoursLogged(uuid.uuid4(), date(2023, 3, 1), 7.5)  # a float, not a Decimal
    with pytest.raises(InvalidPayload) as caught:
        store.append("contract", stream, 0, [note("ok"), bad])
    assert "hours" in caught.value.problems
    assert store.read_stream(stream) == [] and store.head_position() == 0


def test_unknown_event_type_is_refused(store):
    with pytest.raises(UnknownEventType):
        store.append("note", str(uuid.uuid4()), 0, [NotRegistered("?")])
    assert store.head_position() == 0


def test_position_at_answers_as_recorded_at(store):
    store.append("note", str(uuid.uuid4()), 0, [note("first")])
    first = store.head_position()
    moment = datetime.now(UTC)
    store.append("note", str(uuid.uuid4()), 0, [note("second")])
    assert store.position_at(moment) == first
    assert store.position_at(datetime(2000, 1, 1, tzinfo=UTC)) == 0
    assert store.position_at(datetime.now(UTC)) == store.head_position()
