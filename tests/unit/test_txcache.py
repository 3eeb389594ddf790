"""The whole-file transaction: staged appends, flushes that publish and let go of the
streams they grew, memoised folds that stay true across them."""

from __future__ import annotations

import uuid

import pytest

from events.errors import ConcurrencyError
from events.memory_store import MemoryEventStore
from importers.txcache import CachedTransaction
from tests.contract.sample_events import NoteTaken, registry

FOLDS: list[int] = []


def texts(events) -> tuple[str, ...]:
    FOLDS.append(1)  # a whole fold, counted: a memoised state must not need one
    return tuple(event.text for event in events)


texts.evolve = lambda state, event: (*state, event.text)


def note(text: str) -> NoteTaken:
    return NoteTaken(uuid.UUID(int=1), text)


@pytest.fixture
def store():
    FOLDS.clear()
    return MemoryEventStore(registry=registry)


def test_given_staged_rows_when_flushed_then_listeners_get_them_and_the_log_keeps_them(store):
    seen: list[list[str]] = []
    store.subscribe(lambda tx, recorded: seen.append([r.event.text for r in recorded]))
    stream = str(uuid.uuid4())
    with store.transaction() as tx:
        cached = CachedTransaction(tx)
        cached.append("note", stream, 0, [note("row 2")])
        assert seen == []  # staged: nothing handed over yet
        cached.flush()
        assert seen == [["row 2"]]
        cached.append("note", stream, 1, [note("row 3")])
        cached.release()
        assert seen == [["row 2"], ["row 3"]]
    assert [r.event.text for r in store.read_stream(stream)] == ["row 2", "row 3"]
    assert [r.stream_version for r in store.read_stream(stream)] == [1, 2]


def test_given_a_fold_before_a_flush_then_it_is_reused_after_and_continued_on_new_events(store):
    stream = uuid.uuid4()  # handlers pass the UUID itself
    with store.transaction() as tx:
        cached = CachedTransaction(tx)
        cached.append("note", str(stream), 0, [note("a")])
        first = cached.memo_fold(stream, texts)
        cached.flush()
        assert cached.memo_fold(stream, texts) is first
        cached.append("note", str(stream), 1, [note("b")])  # read again under its name
        assert cached.memo_fold(stream, texts) == ("a", "b")
        assert len(FOLDS) == 1  # one whole fold; the rest was evolve
        with pytest.raises(ConcurrencyError):
            cached.append("note", str(stream), 1, [note("stale")])
        cached.release()
    assert [r.event.text for r in store.read_stream(str(stream))] == ["a", "b"]


def test_given_a_row_undone_after_a_flush_then_its_events_and_fold_are_gone(store):
    stream = str(uuid.uuid4())
    with store.transaction() as tx:
        cached = CachedTransaction(tx)
        cached.append("note", stream, 0, [note("kept")])
        cached.flush()
        with pytest.raises(RuntimeError), cached.savepoint():
            cached.append("note", stream, 1, [note("undone")])
            assert cached.memo_fold(stream, texts) == ("kept", "undone")
            raise RuntimeError("the row's hours are refused")
        assert cached.memo_fold(stream, texts) == ("kept",)
        assert cached.stream_version(stream) == 1
        cached.release()
    assert [r.event.text for r in store.read_stream(stream)] == ["kept"]
