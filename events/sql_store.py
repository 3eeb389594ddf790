"""The event store on SQLite or PostgreSQL (SQLAlchemy Core, same code for both)."""

from __future__ import annotations

import json
import sqlite3
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import psycopg
from sqlalchemy import Engine, event, func, insert, select, text
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import OperationalError

from events.engine import WRITE_OPTION
from events.errors import AppendTimeout, ConcurrencyError
from events.ids import event_id_from_text, new_event_ids
from events.recorded import RecordedEvent
from events.registry import REGISTRY, EventRegistry
from events.schema import events as events_table
from events.schema import idempotency_keys
from events.store import EventStore, StoreTransaction, effective_date

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


_COLUMN_NAMES = ", ".join(column.name for column in _COLUMNS)
_SQLITE_INSERT = f"INSERT INTO events ({_COLUMN_NAMES}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
_PG_COPY = f"COPY events ({_COLUMN_NAMES}) FROM STDIN"

# Raw DBAPI statements of the append path, per paramstyle (qmark, format): they run on
# the transaction's own connection, without SQLAlchemy's per-statement work.
_STREAM_VERSION = {
    False: "SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = ?",
    True: "SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = %s",
}
_SQLITE_HEAD = "SELECT coalesce(max(position), 0) FROM events"
# Positions come from the column's own sequence (as a default would take them) under
# the append lock, in one round trip per append; sorted, since only their order matters.
_PG_SEQUENCE = "SELECT pg_get_serial_sequence('events', 'position')"
_PG_POSITIONS = "SELECT nextval(%s::regclass) FROM generate_series(1, %s)"
_MAX_RESERVE = 1024  # positions a PostgreSQL transaction reserves at most in one go
_PG_GIVE_BACK = "SELECT setval(%s::regclass, %s) WHERE pg_sequence_last_value(%s::regclass) = %s"


# The column types' own SQLite bind processors, so raw rows store what SQLAlchemy would.
def _sqlite_bind(column):
    dialect = sqlite_dialect.dialect()
    return column.type.dialect_impl(dialect).bind_processor(dialect)


_SQLITE_DATETIME = _sqlite_bind(events_table.c.recorded_at)
_SQLITE_DATE = _sqlite_bind(events_table.c.effective_date)


# Reads go to the DBAPI connection too: a page of Row objects costs more than its rows.
# JSON is read as text on both (PostgreSQL would decode it for each row).
_SQLITE_READ = f"SELECT {_COLUMN_NAMES} FROM events"
_PG_COLUMNS = _COLUMN_NAMES.replace("payload, metadata", "payload::text, metadata::text")
_PG_READ = f"SELECT {_PG_COLUMNS} FROM events"
_READ_STREAM = {
    False: f"{_SQLITE_READ} WHERE stream_id = ? ORDER BY stream_version",
    True: f"{_PG_READ} WHERE stream_id = %s ORDER BY stream_version",
}
_READ_ALL = {False: f"{_SQLITE_READ} WHERE position > ?", True: f"{_PG_READ} WHERE position > %s"}
# conn.info key of the write transaction whose rows wait in its buffer (see ``_fetch``).
_PENDING_TX = "clauses.pending_appends"

_new_recorded = partial(tuple.__new__, RecordedEvent)  # RecordedEvent(*values), less a call
_raw_decode = json.JSONDecoder().raw_decode


def _loads(text: str):
    """``json.loads(text)``, cheaper for the plain texts the store writes."""
    try:
        value, end = _raw_decode(text)
    except ValueError:
        return json.loads(text)  # leading blanks, or not JSON at all: its own error
    return value if end == len(text) else json.loads(text)


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
        self._postgresql = store.is_postgresql
        self._dbapi = connection.connection.dbapi_connection
        self._next_position: int | None = None  # SQLite numbers its rows itself
        self._spare: list[int] = []  # PostgreSQL: positions reserved, not used yet
        self._block = 1
        self._stored_at = (
            self.recorded_at if self._postgresql else _SQLITE_DATETIME(self.recorded_at)
        )
        self._days: dict[date, str] = {}
        # Numbered rows wait here and go in one executemany (SQLite) or COPY (PostgreSQL)
        # before the next statement of this transaction through SQLAlchemy (a read, a
        # savepoint, a projection's write) or the commit, so that a whole-file import of
        # thousands of small appends costs a few inserts instead of thousands.
        self._pending: list[tuple] = []
        self._pending_streams: set[str] = set()
        event.listen(connection, "before_cursor_execute", self._before_statement)
        connection.info[_PENDING_TX] = self

    def _before_statement(self, *_args) -> None:
        if self._pending:
            self.flush()

    def flush(self) -> None:
        """Write the rows still waiting; a no-op when none are."""
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        self._pending_streams = set()
        # The raw DBAPI cursor, on the same connection and transaction: a statement
        # through SQLAlchemy would call this hook again.
        if self._postgresql:
            self._copy(rows)
            return
        cursor = self._dbapi.cursor()
        try:
            cursor.executemany(_SQLITE_INSERT, rows)
        except sqlite3.IntegrityError as exc:
            self._conflict(rows, exc, self._current_version)
        finally:
            cursor.close()

    def _copy(self, rows: list[tuple]) -> None:
        try:
            with self._dbapi.cursor() as cursor, cursor.copy(_PG_COPY) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        except psycopg.IntegrityError as exc:
            # The transaction is aborted: ask a fresh connection (the other writer has
            # committed, or the unique index would still be waiting for it).
            self._conflict(rows, exc, self.store.stream_version)

    @staticmethod
    def _conflict(rows: list[tuple], exc: Exception, version_of) -> typing.NoReturn:
        """Backstop: the unique (stream_id, stream_version) caught a second writer."""
        firsts: dict[str, int] = {}
        for row in rows:
            firsts.setdefault(row[3], row[4])
        for stream_id, first in firsts.items():
            actual = version_of(stream_id)
            if actual >= first:
                raise ConcurrencyError(stream_id, first - 1, actual) from exc
        stream_id, first = rows[0][3], rows[0][4]
        raise ConcurrencyError(stream_id, first - 1, version_of(stream_id)) from exc

    def close(self) -> None:
        event.remove(self.connection, "before_cursor_execute", self._before_statement)
        self.connection.info.pop(_PENDING_TX, None)

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        return self.store._read_stream(self.connection, stream_id)

    def _current_version(self, stream_id: str) -> int:
        if stream_id in self._pending_streams:
            self.flush()
        sql = _STREAM_VERSION[self._postgresql]
        return int(self._dbapi.execute(sql, (stream_id,)).fetchone()[0])

    def _positions(self, count: int) -> Sequence[int]:
        if self._postgresql:
            return self._reserved(count)
        # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE), so it numbers
        # its rows itself from the head; RETURNING with ordered results would cost one
        # statement per row there.
        if self._next_position is None:
            self._next_position = int(self._dbapi.execute(_SQLITE_HEAD).fetchone()[0]) + 1
        first = self._next_position
        self._next_position += count
        return range(first, first + count)

    def _reserved(self, count: int) -> list[int]:
        """PostgreSQL: ``count`` positions from the sequence, under the append lock.

        A transaction that appends again and again (a whole-file import appends once per
        row) takes them in blocks that double, up to ``_MAX_RESERVE``, instead of one
        round trip per append. The first append takes exactly what it needs, so that a
        one-command transaction leaves no gap; the unused end of a block is a gap, as a
        rollback leaves, unless handed back before commit (``give_back_positions``); every
        later transaction's positions are above the ones used."""
        while len(self._spare) < count:
            block = max(count - len(self._spare), min(self._block, _MAX_RESERVE))
            sequence = self.store._position_sequence(self._dbapi)
            rows = self._dbapi.execute(_PG_POSITIONS, (sequence, block)).fetchall()
            self._spare.extend(sorted(row[0] for row in rows))
            self._block = max(self._block, block) * 2
        taken, self._spare = self._spare[:count], self._spare[count:]
        return taken

    def give_back_positions(self) -> None:
        """PostgreSQL, before commit: the reserved positions this transaction did not use
        go back to the sequence, so that the next transaction continues right after its
        last event and the log keeps no gap. Safe because only appenders take positions,
        under the append lock this transaction still holds; skipped if the sequence
        moved meanwhile (a row inserted outside the store)."""
        if not self._spare:
            return
        sequence = self.store._position_sequence(self._dbapi)
        self._dbapi.execute(
            _PG_GIVE_BACK, (sequence, self._spare[0] - 1, sequence, self._spare[-1])
        )
        self._spare = []

    def _write(
        self, stream_type: str, stream_id: str, current: int, events: Sequence[Any], meta: dict
    ) -> tuple[list[RecordedEvent], tuple[str, ...]]:
        encode = self.registry.encode_json
        encoded = [encode(event) for event in events]  # every event checked before writing
        meta_json = json.dumps(meta)
        ids = new_event_ids(len(encoded))
        positions = self._positions(len(encoded))
        recorded_at, stored_at = self.recorded_at, self._stored_at
        days, postgresql = self._days, self._postgresql
        rows, recorded = [], []
        version = current
        for (spec, payload), obj, (event_id, id_text), position in zip(
            encoded, events, ids, positions, strict=True
        ):
            version += 1
            day = None
            if spec.effective_field:
                day = getattr(obj, spec.effective_field)
                if type(day) is not date:
                    day = effective_date(spec, obj)  # a datetime cut to its day, or None
            stored_day = day
            if day is not None and not postgresql:
                stored_day = days.get(day)
                if stored_day is None:
                    stored_day = days[day] = _SQLITE_DATE(day)
            name, schema_version = spec.name, spec.version
            rows.append(
                (
                    position,
                    id_text,
                    stream_type,
                    stream_id,
                    version,
                    name,
                    schema_version,
                    payload,
                    meta_json,
                    stored_at,
                    stored_day,
                )
            )
            recorded.append(
                _new_recorded(
                    (
                        position,
                        event_id,
                        stream_type,
                        stream_id,
                        version,
                        name,
                        schema_version,
                        obj,
                        meta,
                        recorded_at,
                        day,
                    )
                )
            )
        self._pending.extend(rows)
        self._pending_streams.add(stream_id)
        return recorded, tuple([text for _, text in ids])

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
        self._sequence: str | None = None

    def _position_sequence(self, dbapi_connection) -> str:
        """PostgreSQL: the name of the sequence behind ``events.position`` (asked once)."""
        if self._sequence is None:
            self._sequence = dbapi_connection.execute(_PG_SEQUENCE).fetchone()[0]
        return self._sequence

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
                    tx.give_back_positions()
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
        """Rows of the read statements (the columns of ``_COLUMNS``) to recorded events.

        JSON comes as text and timestamps raw (text on SQLite; psycopg already decodes
        those on PostgreSQL): the metadata and ``recorded_at`` of one transaction are
        decoded once, not once per event. Those shared metadata dicts must not be mutated.
        """
        decoders: dict[str, dict[int, Callable[[Any], Any]]] = {}
        decoder_for = self.registry.decoder
        metadata_cache: dict = {}
        moment_cache: dict = {}
        day_cache: dict = {}
        out = []
        append = out.append
        for row in rows:
            payload, meta, moment, day = row[7], row[8], row[9], row[10]
            if isinstance(payload, str):
                payload = _loads(payload)
            if isinstance(meta, str):
                text_meta = meta
                meta = metadata_cache.get(text_meta)
                if meta is None:
                    meta = metadata_cache[text_meta] = _loads(text_meta)
            key = moment
            moment = moment_cache.get(key)
            if moment is None:
                moment = moment_cache[key] = _moment(key)
            if day is not None:
                key = day
                day = day_cache.get(key)
                if day is None:
                    day = day_cache[key] = _day(key)
            name, schema = row[5], row[6]
            versions = decoders.get(name)
            if versions is None:
                versions = decoders[name] = {}
            decode = versions.get(schema)
            if decode is None:
                decode = versions[schema] = decoder_for(name, schema)
            append(
                _new_recorded(
                    (
                        row[0],
                        event_id_from_text(row[1]),
                        row[2],
                        row[3],
                        row[4],
                        name,
                        schema,
                        decode(payload),
                        meta,
                        moment,
                        day,
                    )
                )
            )
        return out

    def _fetch(self, conn, sql: str, params: tuple) -> list:
        """Rows of a raw read on ``conn``'s DBAPI connection (no Row objects to build).

        What SQLAlchemy would have done first is done here: rows an append of this
        transaction still holds are written, and a connection not in a transaction yet
        begins one (its autobegin).
        """
        pending = conn.info.get(_PENDING_TX)
        if pending is not None:
            pending.flush()
        if not conn.in_transaction():
            conn.begin()
        return conn.connection.dbapi_connection.execute(sql, params).fetchall()

    def _read_stream(self, conn, stream_id: str) -> list[RecordedEvent]:
        sql = _READ_STREAM[self.is_postgresql]
        return self._decode_rows(self._fetch(conn, sql, (stream_id,)))

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
        mark = "%s" if self.is_postgresql else "?"
        sql = _READ_ALL[self.is_postgresql]
        params: list = [after]
        if up_to is not None:
            sql += f" AND position <= {mark}"
            params.append(up_to)
        if event_types is not None:
            types = list(event_types)
            if not types:
                return []
            sql += f" AND event_type IN ({', '.join([mark] * len(types))})"
            params.extend(types)
        sql += f" ORDER BY position LIMIT {mark}"
        params.append(limit)
        return self._decode_rows(self._fetch(conn, sql, tuple(params)))

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
