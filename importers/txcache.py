"""The write transaction of a whole file, seen through a stream cache.

A file of thousands of rows calls the contract handlers thousands of times, and each
call reads the same contract, market and person streams again. Inside the write
transaction nobody else appends (the append lock is held), so a stream read once stays
true as long as this transaction's own appends are added to it: ``append`` goes to
the real transaction, then extends the cached copy. Each row's events carry the row's
source in their metadata (``row_metadata``). Folds are reused too (``memo_fold``, called
by ``handlers.base.load``): a fold whose ``evolve`` is known continues from the
state it had when its stream grows.

``savepoint()`` undoes what one row appended when a later step of that row fails (a
contract started, then its hours refused): the database rolls back to the savepoint
and the transaction's bookkeeping (stream versions, recorded events, cache) with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from events.recorded import RecordedEvent
from events.store import StoreTransaction


class CachedTransaction:
    def __init__(self, tx: StoreTransaction) -> None:
        self._tx = tx
        self._streams: dict[str, list[RecordedEvent]] = {}
        self._journal: list[tuple[str, int]] | None = None
        self._folds: dict[tuple[str, Callable], tuple[int, Any]] = {}
        self.row_metadata: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        # connection, store, metadata, recorded, idempotent_result... of the real one.
        return getattr(self._tx, name)

    @property
    def inner(self) -> StoreTransaction:
        return self._tx

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        cached = self._streams.get(stream_id)
        if cached is None:
            cached = self._streams[stream_id] = list(self._tx.read_stream(stream_id))
        return cached

    def memo_fold(self, stream_id: str, fold: Callable[[Any], Any]) -> Any:
        """``fold`` of the stream, reused (states are frozen dataclasses) and, when the
        stream grew, continued with ``fold.evolve``. ``handlers.base.load`` calls it."""
        events = self.read_stream(stream_id)
        hit = self._folds.get((stream_id, fold))
        if hit is not None and hit[0] == len(events):
            return hit[1]
        step = getattr(fold, "evolve", None)  # fold == reduce(evolve, events, initial)
        if hit is not None and step is not None and hit[0] < len(events):
            state = hit[1]
            for recorded in events[hit[0] :]:
                state = step(state, recorded.event)
        else:
            state = fold(recorded.event for recorded in events)
        self._folds[(stream_id, fold)] = (len(events), state)
        return state

    def stream_version(self, stream_id: str) -> int:
        return self._tx.stream_version(stream_id)

    def append(
        self,
        stream_type: str,
        stream_id: str,
        expected_version: int | None,
        events: Sequence[Any],
        metadata: dict | None = None,
    ):
        if self._journal is not None:
            self._journal.append((stream_id, self._tx.stream_version(stream_id)))
        before = len(self._tx.recorded)
        meta = {**self.row_metadata, **(metadata or {})}
        result = self._tx.append(stream_type, stream_id, expected_version, events, meta or None)
        cached = self._streams.get(stream_id)
        if cached is not None:
            cached.extend(self._tx.recorded[before:])
        return result

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Everything appended inside is undone if the block raises."""
        outer_journal, self._journal = self._journal, []
        recorded = len(self._tx.recorded)
        savepoint = self._tx.connection.begin_nested()
        try:
            yield
        except BaseException:
            savepoint.rollback()
            for stream_id, version in reversed(self._journal):
                self._tx._versions[stream_id] = version
                self._streams.pop(stream_id, None)
                for key in [k for k in self._folds if k[0] == stream_id]:
                    del self._folds[key]
            del self._tx.recorded[recorded:]
            raise
        else:
            savepoint.commit()
        finally:
            if outer_journal is not None:
                outer_journal.extend(self._journal)
            self._journal = outer_journal
