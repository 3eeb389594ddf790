"""The event store on SQLite or PostgreSQL (SQLAlchemy Core, same code for both)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, String, event, func, insert, select, text, type_coerce
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError, OperationalError

from events.engine import WRITE_OPTION
from events.errors import AppendTimeout, ConcurrencyError
from events.ids import new_event_id
from events.recorded import RecordedEvent
from events.registry import REGISTRY, EventRegistry
from events.schema import events as events_table
from events.schema import idempotency_keys
from events.store import EventStore, StoreTransaction

# Arbitrary but fixed: every process appending to this database uses the same key.
APPEND_LOCK_KEY = 0x636C6175  # "clau"
DEFAULT_LOCK_TIMEOUT_MS = 30_000

_COLUMNS = (
    events_table.c.position,
    events_table.c.event_id,
    events_table.c.stream_type,
    events_table.c.stream_id,
    events_table.c.stream_version,
    events_table.c.event_type,
    events_table.c.schema_version,
    events_table.c.payload,
    events_table.c.metadata,
    events_table.c.recorded_at,
    events_table.c.effective_date,
)


_SQLITE_INSERT = (
    f"INSERT INTO events ({', '.join(column.name for column in _COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
)


# The column types' own SQLite bind processors, so raw rows store what SQLAlchemy would.
def _sqlite_bind(column):
    dialect = sqlite_dialect.dialect()
    return column.type.dialect_impl(dialect).bind_processor(dialect)


_SQLITE_DATETIME = _sqlite_bind(events_table.c.recorded_at)
_SQLITE_DATE = _sqlite_bind(events_table.c.effective_date)


# The same columns, JSON and dates untouched by SQLAlchemy (decoded in ``_decode_rows``).
_READ_COLUMNS = (
    *_COLUMNS[:7],
    *(type_coerce(column, String) for column in _COLUMNS[7:]),
)


def _moment(value) -> datetime:
    # SQLite hands back text without a zone; everything is stored in UTC.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


class SqlTransaction(StoreTransaction):
    def __init__(self, store: SqlEventStore, connection, metadata: dict | None):
        super().__init__(store.registry, metadata)
        self.store = store
        self.connection = connection
        self.recorded_at = datetime.now(UTC)
        self._next_position: int | None = None
        # SQLite: numbered rows wait here and go in one executemany before the next
        # statement of this transaction (a read, a savepoint, a projection's write) or
        # the commit, so that a whole-file import of thousands of small appends costs a
        # few inserts instead of thousands.
        self._pending: list[tuple] = []
        if not store.is_postgresql:
            event.listen(connection, "before_cursor_execute", self._before_statement)

    def _before_statement(self, *_args) -> None:
        if self._pending:
            self.flush()

    def flush(self) -> None:
        """Write the rows still waiting (SQLite); a no-op when none are."""
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        # The raw DBAPI cursor, on the same connection and transaction: a statement
        # through SQLAlchemy would call this hook again.
        cursor = self.connection.connection.dbapi_connection.cursor()
        try:
            cursor.executemany(_SQLITE_INSERT, rows)
        except sqlite3.IntegrityError as exc:
            # Backstop: the unique (stream_id, stream_version) caught a second writer.
            stream_id, version = rows[0][3], rows[0][4]
            raise ConcurrencyError(
                stream_id, version - 1, self._current_version(stream_id)
            ) from exc
        finally:
            cursor.close()

    def close(self) -> None:
        if not self.store.is_postgresql:
            event.remove(self.connection, "before_cursor_execute", self._before_statement)

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        return self.store._read_stream(self.connection, stream_id)

    def _current_version(self, stream_id: str) -> int:
        query = select(func.coalesce(func.max(events_table.c.stream_version), 0)).where(
            events_table.c.stream_id == stream_id
        )
        return int(self.connection.execute(query).scalar_one())

    def _insert(self, rows: list[dict], objects: Sequence[Any]) -> list[RecordedEvent]:
        ids = [new_event_id() for _ in rows]
        for row, event_id in zip(rows, ids, strict=True):
            row["event_id"] = str(event_id)
            row["recorded_at"] = self.recorded_at
        try:
            if self.store.is_postgresql:
                positions = self._insert_returning(rows)
            else:
                positions = self._insert_numbered(rows)
        except IntegrityError as exc:
            # Backstop: the unique (stream_id, stream_version) caught a concurrent writer.
            stream_id = rows[0]["stream_id"]
            raise ConcurrencyError(
                stream_id, rows[0]["stream_version"] - 1, self._current_version(stream_id)
            ) from exc
        return [
            RecordedEvent(
                position,
                event_id,
                row["stream_type"],
                row["stream_id"],
                row["stream_version"],
                row["event_type"],
                row["schema_version"],
                obj,
                row["metadata"],
                self.recorded_at,
                row["effective_date"],
            )
            for position, event_id, row, obj in zip(positions, ids, rows, objects, strict=True)
        ]

    def _insert_returning(self, rows: list[dict]) -> list[int]:
        """PostgreSQL: positions from the sequence (batched INSERT .. RETURNING)."""
        statement = insert(events_table).returning(
            events_table.c.position, sort_by_parameter_order=True
        )
        return list(self.connection.execute(statement, rows).scalars().all())

    def _insert_numbered(self, rows: list[dict]) -> list[int]:
        """SQLite: this transaction holds the write lock (BEGIN IMMEDIATE), so it numbers
        its rows itself from the head and inserts them in one executemany; RETURNING
        with ordered results would cost one statement per row there."""
        if self._next_position is None:
            self._next_position = head_position_on(self.connection) + 1
        first = self._next_position
        self._next_position += len(rows)
        recorded_at = _SQLITE_DATETIME(self.recorded_at)
        metadata_json: dict[int, str] = {}  # rows of one append share one metadata dict
        params = []
        for position, row in enumerate(rows, start=first):
            meta = row["metadata"]
            meta_json = metadata_json.get(id(meta))
            if meta_json is None:
                meta_json = metadata_json[id(meta)] = json.dumps(meta)
            params.append(
                (
                    position,
                    row["event_id"],
                    row["stream_type"],
                    row["stream_id"],
                    row["stream_version"],
                    row["event_type"],
                    row["schema_version"],
                    json.dumps(row["payload"]),
                    meta_json,
                    recorded_at,
                    _SQLITE_DATE(row["effective_date"]),
                )
            )
        self._pending.extend(params)
        return list(range(first, first + len(rows)))

    def idempotent_result(self, key: str) -> tuple[str, dict] | None:
        row = self.connection.execute(
            select(idempotency_keys.c.fingerprint, idempotency_keys.c.result).where(
                idempotency_keys.c.key == key
            )
        ).first()
        return (row.fingerprint, row.result) if row else None

    def remember(self, key: str, body_fingerprint: str, result: dict) -> None:
        self.connection.execute(
            insert(idempotency_keys).values(
                key=key, fingerprint=body_fingerprint, result=result, recorded_at=self.recorded_at
            )
        )


class SqlEventStore(EventStore):
    """The durable store. Schema comes from the Alembic migrations (``clauses db upgrade``)."""

    def __init__(
        self,
        engine: Engine,
        registry: EventRegistry = REGISTRY,
        lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    ):
        super().__init__(registry)
        self.engine = engine
        self.lock_timeout_ms = int(lock_timeout_ms)
        self.is_postgresql = engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self, metadata: dict | None = None) -> Iterator[SqlTransaction]:
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with self._begin_write(conn):
                self._take_append_lock(conn)
                tx = SqlTransaction(self, conn, metadata)
                try:
                    yield tx
                    tx.flush()
                    self._notify(tx)
                    tx.flush()  # what listeners appended, if any
                finally:
                    tx.close()

    def _begin_write(self, conn):
        try:
            return conn.begin()
        except OperationalError as exc:
            # SQLite: BEGIN IMMEDIATE gave up after the busy timeout.
            if "locked" in str(exc.orig).lower():
                raise AppendTimeout() from exc
            raise

    @contextmanager
    def projection_transaction(self):
        """A write transaction without the append lock, for catch-up projection workers.

        On SQLite it still begins IMMEDIATE (a deferred transaction that later writes
        can fail at once with "database is locked"); on PostgreSQL appends go on meanwhile.
        """
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def reading(self):
        """A read-only connection with one consistent snapshot (for queries and runners)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _take_append_lock(self, conn) -> None:
        # SQLite's BEGIN IMMEDIATE (see events.engine) already holds the write lock here.
        if not self.is_postgresql:
            return
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {self.lock_timeout_ms}")
        try:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
                raise AppendTimeout() from exc
            raise

    def _decode_rows(self, rows) -> list[RecordedEvent]:
        """Rows of ``_READ_COLUMNS`` to recorded events.

        JSON and timestamps come raw (text on SQLite; psycopg already decodes them on
        PostgreSQL): the metadata and ``recorded_at`` of one transaction are decoded
        once, not once per event. Those shared metadata dicts must not be mutated.
        """
        decode = self.registry.decode
        metadata_cache: dict = {}
        moment_cache: dict = {}
        day_cache: dict = {}
        out = []
        for row in rows:
            payload, meta, moment, day = row[7], row[8], row[9], row[10]
            if isinstance(payload, str):
                payload = json.loads(payload)
            if isinstance(meta, str):
                text_meta = meta
                meta = metadata_cache.get(text_meta)
                if meta is None:
                    meta = metadata_cache[text_meta] = json.loads(text_meta)
            key = moment
            moment = moment_cache.get(key)
            if moment is None:
                moment = moment_cache[key] = _moment(key)
            if day is not None:
                key = day
                day = day_cache.get(key)
                if day is None:
                    day = day_cache[key] = _day(key)
            out.append(
                RecordedEvent(
                    row[0],
                    uuid.UUID(row[1]),
                    row[2],
                    row[3],
                    row[4],
                    row[5],
                    row[6],
                    decode(row[5], row[6], payload),
                    meta,
                    moment,
                    day,
                )
            )
        return out

    def _read_stream(self, conn, stream_id: str) -> list[RecordedEvent]:
        query = (
            select(*_READ_COLUMNS)
            .where(events_table.c.stream_id == stream_id)
            .order_by(events_table.c.stream_version)
        )
        return self._decode_rows(conn.execute(query).all())

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        with self.reading() as conn:
            return self._read_stream(conn, stream_id)

    def read_all(
        self,
        after: int = 0,
        limit: int = 1000,
        event_types: Iterable[str] | None = None,
        up_to: int | None = None,
    ) -> list[RecordedEvent]:
        with self.reading() as conn:
            return self.read_all_on(conn, after, limit, event_types, up_to)

    def read_all_on(self, conn, after=0, limit=1000, event_types=None, up_to=None):
        """``read_all`` on a given connection (a runner's own transaction)."""
        query = select(*_READ_COLUMNS).where(events_table.c.position > after)
        if up_to is not None:
            query = query.where(events_table.c.position <= up_to)
        if event_types is not None:
            query = query.where(events_table.c.event_type.in_(list(event_types)))
        query = query.order_by(events_table.c.position).limit(limit)
        return self._decode_rows(conn.execute(query).all())

    def head_position(self) -> int:
        with self.reading() as conn:
            return head_position_on(conn)

    def stream_version(self, stream_id: str) -> int:
        query = select(func.coalesce(func.max(events_table.c.stream_version), 0)).where(
            events_table.c.stream_id == stream_id
        )
        with self.reading() as conn:
            return int(conn.execute(query).scalar_one())

    def position_at(self, moment: datetime) -> int:
        query = select(func.coalesce(func.max(events_table.c.position), 0)).where(
            events_table.c.recorded_at <= moment.astimezone(UTC)
        )
        with self.reading() as conn:
            return int(conn.execute(query).scalar_one())


def head_position_on(conn) -> int:
    return int(
        conn.execute(select(func.coalesce(func.max(events_table.c.position), 0))).scalar_one()
    )
