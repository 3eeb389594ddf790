"""Many concurrent writers and a catch-up reader: the reader sees every event exactly once.

On PostgreSQL this fails unless appends are serialised: a writer that took a lower
position but commits later would be skipped by a reader that already moved past it.
"""

from __future__ import annotations

import random
import threading
import time
import uuid

from sqlalchemy import Column, String, Table, insert, select

from events.sql_store import SqlEventStore
from projections.base import Projection, read_metadata
from projections.runner import ProjectionRunner
from tests.contract.sample_events import NoteTaken, registry

WRITERS = 8
EVENTS_PER_WRITER = 300  # 2,400 events in all

seen_table = Table("t_seen_events", read_metadata, Column("event_id", String(36), primary_key=True))


def _apply_seen(conn, events):
    # The primary key makes a second sighting of an event fail the test loudly.
    conn.execute(insert(seen_table), [{"event_id": str(e.event_id)} for e in events])


SEEN = Projection("seen", 1, frozenset({"NoteTaken"}), (seen_table,), _apply_seen, inline=False)


def _writer(store, index: int, errors: list) -> None:
    rng = random.Random(index)
    try:
        written = 0
        while written < EVENTS_PER_WRITER:
            batch = min(rng.randint(1, 3), EVENTS_PER_WRITER - written)
            subject = uuid.uuid4()
            store.append(
                "note", str(subject), 0, [NoteTaken(subject, str(i)) for i in range(batch)]
            )
            written += batch
            time.sleep(0.0005)  # let the reader in: SQLite's busy handler is not fair
    except Exception as exc:  # reported by the main thread
        errors.append(exc)


def _run_writers(store, follow_once) -> list:
    errors: list = []
    threads = [threading.Thread(target=_writer, args=(store, i, errors)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        follow_once()
    for thread in threads:
        thread.join()
    follow_once()
    return errors


def test_catch_up_reader_sees_every_committed_event_exactly_once(make_store):
    store = make_store(registry=registry)
    committed = WRITERS * EVENTS_PER_WRITER
    if isinstance(store, SqlEventStore):
        runner = ProjectionRunner(store, [SEEN], page_size=50)
        runner.ensure_tables()
        passes = []
        errors = _run_writers(store, lambda: passes.append(runner.run_once()["seen"]))
        assert not errors, errors
        with store.reading() as conn:
            seen = set(conn.execute(select(seen_table.c.event_id)).scalars())
        assert sum(passes) == committed, passes
        assert sum(1 for p in passes if p) > 1, passes  # the reader ran during the writes
    else:
        seen_list: list[str] = []
        checkpoint = [0]

        def follow_once():
            for page in store.iter_all(after=checkpoint[0], page_size=50):
                seen_list.extend(str(e.event_id) for e in page)
                checkpoint[0] = page[-1].position

        errors = _run_writers(store, follow_once)
        assert not errors, errors
        assert len(seen_list) == len(set(seen_list))
        seen = set(seen_list)
    everything = {str(e.event_id) for page in store.iter_all() for e in page}
    assert len(everything) == committed
    assert seen == everything
