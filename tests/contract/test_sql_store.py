"""What only the SQL store can show: triggers, stored old versions, lock serialisation."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from events.catalog.buyers import BuyerKind, BuyerRegistered
from events.engine import make_engine
from events.errors import AppendTimeout
from events.schema import events as events_table
from events.sql_store import SqlEventStore
from tests.conftest import SQL_BACKENDS
from tests.contract.sample_events import NoteTaken, registry

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


def test_database_refuses_update_and_delete_of_events(make_store):
    store = make_store(registry=registry)
    stream = str(uuid.uuid4())
    store.append("note", stream, 0, [NoteTaken(uuid.uuid4(), "gravé")])
    statements = ["UPDATE events SET event_type = 'Other'", "DELETE FROM events"]
    if store.is_postgresql:
        statements.append("TRUNCATE events")
    for statement in statements:
        with pytest.raises(DBAPIError, match="ajout seul"), store.engine.begin() as conn:
            conn.execute(text(statement))
    assert [e.event.text for e in store.read_stream(stream)] == ["gravé"]


def test_positions_of_many_appends_in_one_transaction_follow_on_with_no_gap(
    make_store,
):
    # PostgreSQL reserves them in growing blocks and hands back the unused ones before
    # commit; SQLite numbers them itself. Either way the log keeps no gap.
    store = make_store(registry=registry)
    single = [store.append("note", str(uuid.uuid4()), 0, [NoteTaken(uuid.uuid4(), "seul")])]
    single.append(store.append("note", str(uuid.uuid4()), 0, [NoteTaken(uuid.uuid4(), "seul")]))
    assert single[1].positions[0] == single[0].positions[0] + 1  # no gap for one command
    with store.transaction() as tx:
        bulk = [
            tx.append("note", str(uuid.uuid4()), 0, [NoteTaken(uuid.uuid4(), f"ligne {n}")])
            for n in range(300)
        ]
    positions = [p for result in bulk for p in result.positions]
    assert positions == list(range(single[1].positions[0] + 1, single[1].positions[0] + 301))
    after = store.append("note", str(uuid.uuid4()), 0, [NoteTaken(uuid.uuid4(), "après")])
    assert after.positions[0] == positions[-1] + 1  # what was reserved and unused went back
    texts = [e.event.text for e in store.read_all()]
    assert texts == ["seul", "seul", *[f"ligne {n}" for n in range(300)], "après"]


def test_stored_version_1_payload_is_upcast_on_read(make_store):
    store = make_store()
    buyer = uuid.uuid4()
    with store.engine.begin() as conn:
        conn.execute(
            insert(events_table).values(
                event_id=str(uuid.uuid4()),
                stream_type="buyer",
                stream_id=str(buyer),
                stream_version=1,
                event_type="BuyerRegistered",
                schema_version=1,
                payload={"buyer_id": str(buyer), "name": "Ville de Quetigny"},
                metadata={},
                recorded_at=datetime.now(UTC),
            )
        )
    [recorded] = store.read_stream(str(buyer))
    assert recorded.schema_version == 1
    assert recorded.event == BuyerRegistered(buyer, "Ville de Quetigny", BuyerKind.AUTRE)


def test_a_second_writer_waits_for_the_first_and_times_out(backend, database_url):
    engine = make_engine(database_url)
    patient = SqlEventStore(engine, registry=registry)
    # PostgreSQL waits lock_timeout_ms for the advisory lock; SQLite its busy timeout.
    hurried = SqlEventStore(
        make_engine(database_url, busy_timeout_ms=200), registry=registry, lock_timeout_ms=200
    )
    entered, release = threading.Event(), threading.Event()

    def hold_the_log():
        with patient.transaction() as tx:
            tx.append("note", "held", 0, [NoteTaken(uuid.uuid4(), "long import")])
            entered.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_log)
    holder.start()
    try:
        assert entered.wait(10)
        with pytest.raises(AppendTimeout):
            hurried.append("note", "other", 0, [NoteTaken(uuid.uuid4(), "waits")])
    finally:
        release.set()
        holder.join()
    hurried.append("note", "other", 0, [NoteTaken(uuid.uuid4(), "now it goes")])
    assert [e.stream_id for e in patient.read_all()] == ["held", "other"]
    engine.dispose()
    hurried.engine.dispose()
