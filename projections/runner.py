"""Runs projections: inline in each append's transaction, as a catch-up worker, or rebuilt.

The same ``apply`` serves all three paths, so a rebuild gives the tables that live
updates gave. Checkpoints always move in the transaction that wrote the data.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import exists, select
from sqlalchemy.engine import Connection

from events.recorded import RecordedEvent
from events.schema import events as events_table
from events.sql_store import SqlEventStore
from events.store import StoreTransaction
from projections import checkpoints
from projections.base import Projection, read_metadata

log = logging.getLogger(__name__)


class UnknownProjection(LookupError):
    def __init__(self, name: str, known: Iterable[str]):
        super().__init__(f"Projection inconnue « {name} » ; connues : {', '.join(sorted(known))}.")
        self.message = self.args[0]


INLINE_SLICE = 5000  # events per apply call (projections apply page by page anyway)


class ProjectionRunner:
    def __init__(
        self, store: SqlEventStore, projections: Sequence[Projection], page_size: int = 1000
    ):
        names = [p.name for p in projections]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate projection names in {names}")
        self.store = store
        self.projections = {p.name: p for p in projections}
        self.page_size = page_size

    # ---- wiring -------------------------------------------------------------------------
    def attach(self) -> None:
        """Update inline projections in every append's transaction."""
        self.store.subscribe(self._on_append)

    def ensure_tables(self) -> None:
        """Create the read tables that do not exist yet."""
        with self.store.projection_transaction() as conn:
            for projection in self.projections.values():
                read_metadata.create_all(conn, tables=list(projection.tables), checkfirst=True)

    def prepare(self) -> dict[str, int]:
        """Create missing read tables and rebuild projections whose version changed."""
        self.ensure_tables()
        with self.store.reading() as conn:
            known = checkpoints.read_all(conn)
        stale = [
            p.name
            for p in self.projections.values()
            if p.name in known and known[p.name].version != p.version
        ]
        return self.rebuild(stale) if stale else {}

    def select(self, names: Iterable[str] | None) -> list[Projection]:
        if not names:
            return list(self.projections.values())
        missing = [n for n in names if n not in self.projections]
        if missing:
            raise UnknownProjection(missing[0], self.projections)
        return [self.projections[n] for n in names]

    # ---- inline -------------------------------------------------------------------------
    def _on_append(self, tx: StoreTransaction, recorded: list[RecordedEvent]) -> None:
        conn = tx.connection
        first = recorded[0].position
        for projection in self.projections.values():
            if not projection.inline:
                continue
            mine = [e for e in recorded if e.event_type in projection.handles]
            if not mine:
                continue
            after = self._current_position(conn, projection)
            if self._has_events_between(conn, projection, after, first):
                # Behind (new projection, or events appended while it was off): replay
                # from the log, which on this connection includes this transaction's events.
                self._catch_up_on(conn, projection, after)
            else:
                # In slices: a whole-file import's 100,000 events would otherwise build
                # every row of every read table in memory at once.
                for start in range(0, len(mine), INLINE_SLICE):
                    projection.apply(conn, mine[start : start + INLINE_SLICE])
                checkpoints.write(conn, projection.name, projection.version, mine[-1].position)

    def _current_position(self, conn: Connection, projection: Projection) -> int:
        checkpoint = checkpoints.read(conn, projection.name, for_update=True)
        if checkpoint is None or checkpoint.version != projection.version:
            self._reset(conn, projection)
            return 0
        return checkpoint.position

    @staticmethod
    def _has_events_between(conn: Connection, projection: Projection, after: int, before: int):
        c = events_table.c
        query = select(
            exists().where(
                c.position > after, c.position < before, c.event_type.in_(projection.handles)
            )
        )
        return bool(conn.execute(query).scalar())

    def _catch_up_on(self, conn: Connection, projection: Projection, after: int) -> int:
        applied = 0
        while True:
            page = self.store.read_all_on(conn, after, self.page_size, projection.handles)
            if not page:
                break
            projection.apply(conn, page)
            after = page[-1].position
            applied += len(page)
        checkpoints.write(conn, projection.name, projection.version, after)
        return applied

    def _reset(self, conn: Connection, projection: Projection) -> None:
        tables = list(projection.tables)
        read_metadata.drop_all(conn, tables=tables, checkfirst=True)
        read_metadata.create_all(conn, tables=tables)
        checkpoints.write(conn, projection.name, projection.version, 0)

    # ---- catch-up worker ----------------------------------------------------------------
    def run_once(self, names: Iterable[str] | None = None) -> dict[str, int]:
        """Bring the chosen projections up to the head of the log; return events applied."""
        done = {}
        for projection in self.select(names):
            if projection.inline:
                # Inline tables are also written by appenders: catch up under the append lock.
                with self.store.transaction() as tx:
                    after = self._current_position(tx.connection, projection)
                    done[projection.name] = self._catch_up_on(tx.connection, projection, after)
            else:
                done[projection.name] = self._run_pages(projection)
        return done

    def _run_pages(self, projection: Projection) -> int:
        applied = 0
        while True:
            with self.store.projection_transaction() as conn:
                after = self._current_position(conn, projection)
                page = self.store.read_all_on(conn, after, self.page_size, projection.handles)
                if not page:
                    return applied
                projection.apply(conn, page)
                checkpoints.write(conn, projection.name, projection.version, page[-1].position)
                applied += len(page)

    def follow(
        self,
        stop: threading.Event,
        interval: float = 1.0,
        names: Iterable[str] | None = None,
        on_progress: Callable[[dict[str, int]], None] | None = None,
    ) -> None:
        """Catch up, then poll every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            done = self.run_once(names)
            if on_progress and any(done.values()):
                on_progress(done)
            stop.wait(interval)

    # ---- rebuild ------------------------------------------------------------------------
    def rebuild(self, names: Iterable[str] | None = None) -> dict[str, int]:
        """Empty and replay the chosen projections, each in one transaction.

        Readers keep seeing the previous tables until the rebuild commits; appends wait
        for it (it holds the append lock), so no event slips between replay and commit.
        """
        done = {}
        for projection in self.select(names):
            with self.store.transaction() as tx:
                conn = tx.connection
                checkpoint = checkpoints.read(conn, projection.name, for_update=True)
                if checkpoint is None or checkpoint.version != projection.version:
                    self._reset(conn, projection)
                else:
                    for table in reversed(projection.tables):
                        conn.execute(table.delete())
                done[projection.name] = self._catch_up_on(conn, projection, 0)
        return done

    def status(self) -> list[dict]:
        """Each projection with its checkpoint and how far behind the head it is."""
        with self.store.reading() as conn:
            known = checkpoints.read_all(conn)
            out = []
            for projection in self.projections.values():
                checkpoint = known.get(projection.name)
                position = checkpoint.position if checkpoint else 0
                behind = conn.execute(
                    select(
                        exists().where(
                            events_table.c.position > position,
                            events_table.c.event_type.in_(projection.handles),
                        )
                    )
                ).scalar()
                out.append(
                    {
                        "name": projection.name,
                        "version": projection.version,
                        "stored_version": checkpoint.version if checkpoint else None,
                        "position": position,
                        "inline": projection.inline,
                        "up_to_date": not behind
                        and (checkpoint is None or checkpoint.version == projection.version),
                    }
                )
            return out
