"""The in-memory twin of the SQL store, for fast unit tests.

It passes the same contract suite as the SQL store: payloads are encoded on
append and decoded on read (so codecs and upcasters run), writers are
serialised, and positions come from a counter that a rolled-back transaction
still consumes (as a PostgreSQL sequence does), so gaps happen here too.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from events.ids import new_event_id
from events.recorded import RecordedEvent
from events.registry import REGISTRY, EventRegistry
from events.store import EventStore, StoreTransaction


class MemoryTransaction(StoreTransaction):
    connection = None

    def __init__(self, store: MemoryEventStore, metadata: dict | None):
        super().__init__(store.registry, metadata)
        self.store = store
        self.rows: list[tuple] = []
        self.keys: dict[str, tuple[str, dict]] = {}
        self.recorded_at = datetime.now(UTC)

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        committed = self.store.read_stream(stream_id)
        pending = [self.store._decode(r) for r in self.rows if r[3] == stream_id]
        return committed + pending

    def _current_version(self, stream_id: str) -> int:
        return self.store.stream_version(stream_id)

    def _insert(self, rows: list[dict], objects: Sequence[Any]) -> list[RecordedEvent]:
        recorded = []
        for row, obj in zip(rows, objects, strict=True):
            position = self.store._next_position()
            stored = (
                position,
                new_event_id(),
                row["stream_type"],
                row["stream_id"],
                row["stream_version"],
                row["event_type"],
                row["schema_version"],
                row["payload"],
                dict(row["metadata"]),
                self.recorded_at,
                row["effective_date"],
            )
            self.rows.append(stored)
            recorded.append(RecordedEvent(*stored[:7], obj, *stored[8:]))
        return recorded

    def idempotent_result(self, key: str) -> tuple[str, dict] | None:
        return self.keys.get(key) or self.store._keys.get(key)

    def remember(self, key: str, body_fingerprint: str, result: dict) -> None:
        self.keys[key] = (body_fingerprint, result)


class MemoryEventStore(EventStore):
    def __init__(self, registry: EventRegistry = REGISTRY):
        super().__init__(registry)
        self._write_lock = threading.Lock()
        self._counter_lock = threading.Lock()
        self._rows: list[tuple] = []
        self._positions: list[int] = []
        self._streams: dict[str, list[tuple]] = {}
        self._keys: dict[str, tuple[str, dict]] = {}
        self._last_position = 0

    def _next_position(self) -> int:
        with self._counter_lock:
            self._last_position += 1
            return self._last_position

    @contextmanager
    def transaction(self, metadata: dict | None = None) -> Iterator[MemoryTransaction]:
        with self._write_lock:
            tx = MemoryTransaction(self, metadata)
            yield tx
            self._notify(tx)
            # Commit: publish rows and keys only once everything succeeded.
            for row in tx.rows:
                self._streams.setdefault(row[3], []).append(row)
            self._keys.update(tx.keys)
            self._rows.extend(tx.rows)
            self._positions.extend(r[0] for r in tx.rows)

    def _decode(self, row: tuple) -> RecordedEvent:
        return RecordedEvent(
            *row[:7], self.registry.decode(row[5], row[6], row[7]), dict(row[8]), *row[9:]
        )

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        return [self._decode(r) for r in list(self._streams.get(stream_id, ()))]

    def read_all(
        self,
        after: int = 0,
        limit: int = 1000,
        event_types: Iterable[str] | None = None,
        up_to: int | None = None,
    ) -> list[RecordedEvent]:
        rows, positions = self._rows, self._positions
        count = len(positions)  # a snapshot: later commits only append
        start = bisect_right(positions, after, 0, count)
        wanted = set(event_types) if event_types is not None else None
        out = []
        for index in range(start, count):
            row = rows[index]
            if up_to is not None and row[0] > up_to:
                break
            if wanted is None or row[5] in wanted:
                out.append(self._decode(row))
                if len(out) >= limit:
                    break
        return out

    def head_position(self) -> int:
        return self._positions[-1] if self._positions else 0

    def stream_version(self, stream_id: str) -> int:
        rows = self._streams.get(stream_id)
        return rows[-1][4] if rows else 0

    def position_at(self, moment: datetime) -> int:
        last = 0
        for row in list(self._rows):
            if row[9] <= moment:
                last = row[0]
        return last
