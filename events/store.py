"""The event store contract shared by the SQL store and its in-memory twin.

Write path: ``with store.transaction(metadata) as tx:`` serialises writers (one
write transaction at a time: commit order equals position order), lets a
handler read streams, decide, and append to one or several streams; listeners
(inline projections) run inside that same transaction before it commits.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

from events.errors import ConcurrencyError, IdempotencyConflict
from events.recorded import AppendResult, RecordedEvent
from events.registry import REGISTRY, EventRegistry, EventSpec

ANY_VERSION = None
"""Pass as ``expected_version`` to append without checking the stream's version."""

Listener = Callable[["StoreTransaction", list[RecordedEvent]], None]


def fingerprint(*parts: Any) -> str:
    """A stable hash of a request body, for idempotency keys."""
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class StoreTransaction(ABC):
    """One write transaction. Everything appended commits together or not at all."""

    connection: Any  # a SQLAlchemy Connection for the SQL store, None for the twin
    store: EventStore  # the store that opened it

    def __init__(self, registry: EventRegistry, metadata: dict | None):
        self.registry = registry
        self.metadata = dict(metadata or {})
        self.recorded: list[RecordedEvent] = []
        self._versions: dict[str, int] = {}

    @abstractmethod
    def read_stream(self, stream_id: str) -> list[RecordedEvent]: ...

    @abstractmethod
    def _current_version(self, stream_id: str) -> int: ...

    def _insert(self, rows: list[dict], objects: Sequence[Any]) -> list[RecordedEvent]:
        """Write encoded rows (``objects`` are the same events, already decoded).

        Used by the default ``_write``; a store that overrides ``_write`` need not
        implement it.
        """
        raise NotImplementedError

    @abstractmethod
    def idempotent_result(self, key: str) -> tuple[str, dict] | None:
        """Return (fingerprint, result) stored for ``key``, or None."""

    @abstractmethod
    def remember(self, key: str, body_fingerprint: str, result: dict) -> None: ...

    def publish(self) -> None:
        """Run the store's listeners (the inline projections) now, on what this
        transaction appended since the last time, instead of only before commit.

        A whole-file import publishes as it goes: its read tables are written in step,
        and its 100,000 recorded events are not all held in memory until commit. It is
        the same transaction: nothing is visible to anyone else before it commits, and
        nothing is left if it rolls back."""
        self.flush()
        self.store._notify(self)

    def flush(self) -> None:  # noqa: B027 (most stores hold nothing back)
        """Write appends the transaction holds back (the SQL store batches them)."""

    def stream_version(self, stream_id: str) -> int:
        if stream_id not in self._versions:
            self._versions[stream_id] = self._current_version(stream_id)
        return self._versions[stream_id]

    def append(
        self,
        stream_type: str,
        stream_id: str,
        expected_version: int | None,
        events: Sequence[Any],
        metadata: dict | None = None,
    ) -> AppendResult:
        """Append ``events`` to a stream; a stale ``expected_version`` raises before writing."""
        current = self.stream_version(stream_id)
        if expected_version is not ANY_VERSION and expected_version != current:
            raise ConcurrencyError(stream_id, expected_version, current)
        meta = {**self.metadata, **(metadata or {})}
        if not events:
            return AppendResult(stream_id, current, current, (), ())
        recorded, event_ids = self._write(stream_type, stream_id, current, events, meta)
        last = current + len(recorded)
        self._versions[stream_id] = last
        self.recorded.extend(recorded)
        return AppendResult(
            stream_id, current + 1, last, tuple([r.position for r in recorded]), event_ids
        )

    def _write(
        self, stream_type: str, stream_id: str, current: int, events: Sequence[Any], meta: dict
    ) -> tuple[list[RecordedEvent], tuple[str, ...]]:
        """Encode and write ``events`` after version ``current``; return them recorded,
        with their ids as text. Every event is encoded (and checked) before any is written."""
        rows = []
        for offset, event in enumerate(events, start=1):
            spec, payload = self.registry.encode(event)
            rows.append(
                {
                    "stream_type": stream_type,
                    "stream_id": stream_id,
                    "stream_version": current + offset,
                    "event_type": spec.name,
                    "schema_version": spec.version,
                    "payload": payload,
                    "metadata": meta,
                    "effective_date": effective_date(spec, event),
                }
            )
        recorded = self._insert(rows, events)
        return recorded, tuple(str(r.event_id) for r in recorded)


def effective_date(spec: EventSpec, event: Any) -> date | None:
    """The event's effective date (its ``effective_field``, a datetime cut to its day)."""
    if not spec.effective_field:
        return None
    effective = getattr(event, spec.effective_field)
    if isinstance(effective, datetime):
        return effective.date()
    return effective if isinstance(effective, date) else None


class EventStore(ABC):
    """Append-only log of events with optimistic concurrency per stream."""

    def __init__(self, registry: EventRegistry = REGISTRY):
        self.registry = registry
        self.listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(tx, recorded)`` inside every write transaction, before commit."""
        self.listeners.append(listener)

    @abstractmethod
    def transaction(self, metadata: dict | None = None) -> AbstractContextManager[StoreTransaction]:
        """A serialised write transaction; listeners run before it commits."""

    @abstractmethod
    def read_stream(self, stream_id: str) -> list[RecordedEvent]: ...

    @abstractmethod
    def read_all(
        self,
        after: int = 0,
        limit: int = 1000,
        event_types: Iterable[str] | None = None,
        up_to: int | None = None,
    ) -> list[RecordedEvent]:
        """Events with ``after < position <= up_to``, oldest first, at most ``limit``."""

    @abstractmethod
    def head_position(self) -> int: ...

    @abstractmethod
    def stream_version(self, stream_id: str) -> int: ...

    @abstractmethod
    def position_at(self, moment: datetime) -> int:
        """The last position recorded at or before ``moment`` (0 if none): "as recorded at"."""

    def iter_all(
        self,
        after: int = 0,
        page_size: int = 1000,
        event_types: Iterable[str] | None = None,
        up_to: int | None = None,
    ) -> Iterator[list[RecordedEvent]]:
        """Pages of events after ``after``; tolerant of gaps left by rolled-back writes."""
        types = list(event_types) if event_types is not None else None
        while True:
            page = self.read_all(after, page_size, types, up_to)
            if not page:
                return
            yield page
            after = page[-1].position

    def append(
        self,
        stream_type: str,
        stream_id: str,
        expected_version: int | None,
        events: Sequence[Any],
        metadata: dict | None = None,
        idempotency_key: str | None = None,
    ) -> AppendResult:
        """Append to one stream in its own transaction.

        With an ``idempotency_key``: the same key and body return the first result
        without writing; the same key with another body raises ``IdempotencyConflict``.
        """
        with self.transaction(metadata) as tx:
            if idempotency_key is None:
                return tx.append(stream_type, stream_id, expected_version, events)
            body = fingerprint(
                stream_type,
                stream_id,
                expected_version,
                [self.registry.encode(e)[1] | {"@type": type(e).__name__} for e in events],
            )
            stored = tx.idempotent_result(idempotency_key)
            if stored is not None:
                stored_fingerprint, result = stored
                if stored_fingerprint != body:
                    raise IdempotencyConflict(idempotency_key)
                return AppendResult.from_json(result)
            result = tx.append(stream_type, stream_id, expected_version, events)
            tx.remember(idempotency_key, body, result.to_json())
            return result

    def _notify(self, tx: StoreTransaction) -> None:
        """Hand ``tx``'s events not handed yet to every listener, then let go of them."""
        if tx.recorded:
            recorded, tx.recorded = tx.recorded, []
            for listener in self.listeners:
                listener(tx, recorded)
