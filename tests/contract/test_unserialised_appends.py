"""On PostgreSQL, what the append lock protects against (SQLite's BEGIN IMMEDIATE does it there)."""

from __future__ import annotations

import threading
import uuid

import pytest

from events.engine import make_engine
from events.sql_store import SqlEventStore
from tests.contract.sample_events import NoteTaken, registry

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


class _UnserialisedStore(SqlEventStore):
    """The store without its append lock: what the lock protects against."""

    def _take_append_lock(self, conn) -> None:
        return None


def test_without_the_append_lock_a_reader_would_skip_an_event(backend, database_url):
    """Shows why appends are serialised (PostgreSQL: positions are taken before commit)."""
    engine = make_engine(database_url)
    store = _UnserialisedStore(engine, registry=registry)
    inserted, release = threading.Event(), threading.Event()

    def slow_writer():
        with store.transaction() as tx:
            tx.append("note", "slow", 0, [NoteTaken(uuid.uuid4(), "lower position")])
            inserted.set()
            release.wait(10)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(10)
    store.append("note", "fast", 0, [NoteTaken(uuid.uuid4(), "higher position")])
    checkpoint = store.read_all()[-1].position  # the reader moves past the fast one
    release.set()
    thread.join()
    late = store.read_all(after=checkpoint)
    everything = store.read_all()
    assert late == [] and len(everything) == 2  # the slow event is never seen by the reader
    engine.dispose()
