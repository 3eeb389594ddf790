"""The write path on the in-memory twin: handlers, versions, command idempotency."""

import uuid

import pytest

from clauses_service.commands.buyers import RegisterBuyer, RenameBuyer
from clauses_service.domain.errors import NotFound
from clauses_service.messagebus import execute
from events.catalog.buyers import BuyerKind
from events.errors import ConcurrencyError, IdempotencyConflict
from events.memory_store import MemoryEventStore


@pytest.fixture
def store():
    return MemoryEventStore()


def test_command_appends_events_with_actor_and_command_in_metadata(store):
    buyer = uuid.uuid4()
    result = execute(store, RegisterBuyer(buyer_id=buyer, name="CCAS", kind=BuyerKind.AUTRE), "fa")
    assert result == {"buyer_id": str(buyer), "version": 1}
    [recorded] = store.read_stream(str(buyer))
    assert recorded.metadata["actor"] == "fa"
    assert recorded.metadata["command"] == "RegisterBuyer"
    assert uuid.UUID(recorded.metadata["correlation_id"])


def test_stale_expected_version_is_a_concurrency_error_and_nothing_is_written(store):
    buyer = uuid.uuid4()
    execute(store, RegisterBuyer(buyer_id=buyer, name="A", kind=BuyerKind.ETAT), "fa")
    execute(store, RenameBuyer(buyer_id=buyer, name="B", expected_version=1), "fa")
    with pytest.raises(ConcurrencyError):
        execute(store, RenameBuyer(buyer_id=buyer, name="C", expected_version=1), "fa")
    assert [r.event.name for r in store.read_stream(str(buyer))] == ["A", "B"]


def test_domain_error_writes_nothing(store):
    with pytest.raises(NotFound):
        execute(store, RenameBuyer(buyer_id=uuid.uuid4(), name="B"), "fa")
    assert store.head_position() == 0


def test_idempotency_key_replays_the_first_result_and_refuses_another_command(store):
    buyer = uuid.uuid4()
    command = RegisterBuyer(buyer_id=buyer, name="A", kind=BuyerKind.ETAT)
    first = execute(store, command, "fa", idempotency_key="req-1")
    again = execute(store, command, "fa", idempotency_key="req-1")
    assert again == {**first, "replayed": True}
    assert len(store.read_stream(str(buyer))) == 1
    with pytest.raises(IdempotencyConflict):
        execute(store, RenameBuyer(buyer_id=buyer, name="Z"), "fa", idempotency_key="req-1")
    # Keys are per actor: another user's "req-1" is another request.
    execute(store, RenameBuyer(buyer_id=buyer, name="Z"), "other", idempotency_key="req-1")
