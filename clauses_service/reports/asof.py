"""As recorded at: the read tables as they stood after a past position of the log.

A report computed on ``projected_at(store, position)`` gives the figures the log held
then, whatever was corrected since: every projection of the registry is replayed into
a fresh in-memory SQLite database, for the events up to ``position`` only. The same
``apply`` functions serve live updates and this replay (see projections.runner), so at
the head the replayed tables equal the live ones (tested).

The people projection opens sealed identities with the keys of ``person_keys``: the
current keys are copied into the in-memory database (never written anywhere else), so
a person erased since ``position`` stays erased in the replay too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from events.engine import make_engine
from events.schema import identity_keys, person_keys
from events.store import EventStore
from projections.base import Projection, read_metadata
from projections.registry import PROJECTIONS

PAGE_SIZE = 2000


def position_at(store: EventStore, at: datetime) -> int:
    """The last log position recorded at or before ``at`` (0 when the log was empty).

    A naive ``at`` is taken as UTC (the log stores UTC instants).
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return store.position_at(at)


@contextmanager
def projected_at(
    store: EventStore,
    position: int,
    projections: Sequence[Projection] = PROJECTIONS,
) -> Iterator[Connection]:
    """Yield a connection on the read tables replayed up to ``position`` (inclusive).

    The database lives in memory for the duration of the ``with`` block only.
    """
    engine = make_engine("sqlite://")
    try:
        with engine.connect() as conn:
            with conn.begin():
                tables = [table for p in projections for table in p.tables]
                read_metadata.create_all(conn, tables=tables)
                person_keys.create(conn)
                identity_keys.create(conn)
                copy_person_keys(store, conn)
                replay(store, conn, position, projections)
            with conn.begin():
                yield conn
    finally:
        engine.dispose()


def replay(
    store: EventStore, conn: Connection, position: int, projections: Sequence[Projection]
) -> int:
    """Apply the events ``<= position`` to ``projections`` on ``conn``; return how many.

    One pass over the log, page by page; each page goes to each projection (registry
    order) restricted to the event types it handles, as the inline runner does.
    """
    wanted = frozenset().union(*(p.handles for p in projections))
    applied = 0
    if position <= 0:
        return 0
    for page in store.iter_all(0, PAGE_SIZE, sorted(wanted), up_to=position):
        for projection in projections:
            mine = [e for e in page if e.event_type in projection.handles]
            if mine:
                projection.apply(conn, mine)
        applied += len(page)
    return applied


def copy_person_keys(store: EventStore, target: Connection) -> int:
    """Copy the identity keys of the store's database (SQL stores only) to ``target``:
    people's keys and those of the identities waiting in import queues."""
    reading = getattr(store, "reading", None)
    if reading is None:
        return 0
    copied = 0
    for table in (person_keys, identity_keys):
        with reading() as source:
            rows = [dict(r._mapping) for r in source.execute(select(table))]
        if rows:
            target.execute(insert(table), rows)
        copied += len(rows)
    return copied
