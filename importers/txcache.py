"""The write transaction of a whole file, seen through a stream cache with staged appends.

A file of thousands of rows calls the contract handlers thousands of times, and each
call reads the same contract, market and person streams again. Inside the write
transaction nobody else appends (the append lock is held), so a stream read once stays
true as long as this transaction's own appends are added to it.

Appends are *staged*: ``append`` checks the expected version against the cached stream,
adds the events to the cached copy (so the next row sees them) and keeps them in order;
``flush()`` hands them to the real transaction, in that order, every few thousand rows
and once the file is decided, and publishes them to the inline projections. Each row's
events carry the row's source in their metadata (``row_metadata``).
Folds are reused too (``memo_fold``, called by ``handlers.base.load``): a fold whose
``evolve`` is known continues from the state it had when its stream grows.

``savepoint()`` undoes what one row staged when a later step of that row fails (a
contract started, then its hours refused). Nothing of the row has reached the database
yet, so undoing it is dropping its staged events and the cached copies they extended:
no database savepoint per row.

Staged events are visible only to this object, as ``RecordedEvent`` with provisional
positions above every real one (in staging order) and no event id yet; once flushed,
the cache lets go of the streams they grew (read again from the transaction if a later
row needs them), so that memory stays bounded by a few thousand rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from events.errors import ConcurrencyError
from events.recorded import AppendResult, RecordedEvent
from events.store import StoreTransaction

PROVISIONAL = 1 << 62  # staged positions sort after every position of the log


class _Staged(NamedTuple):
    stream_type: str
    stream_id: str
    version: int  # the stream's version before these events
    events: list
    metadata: dict | None


class CachedTransaction:
    def __init__(self, tx: StoreTransaction) -> None:
        self._tx = tx
        self._streams: dict[str, list[RecordedEvent]] = {}
        self._folds: dict[tuple[str, Callable], tuple[int, Any]] = {}
        self._staged: list[_Staged] = []
        self._staged_count = 0
        self._aliases: dict[str, Any] = {}  # stream name -> the UUID it was also read by
        self.row_metadata: dict[str, Any] = {}
        # Merge groups by person (``handlers.contracts._merge_group``): an import
        # records hours and starts contracts, it merges nobody.
        self.merge_groups: dict[Any, list] = {}

    def __getattr__(self, name: str) -> Any:
        # connection, store, metadata, idempotent_result... of the real one.
        return getattr(self._tx, name)

    @property
    def inner(self) -> StoreTransaction:
        return self._tx

    def read_stream(self, stream_id) -> list[RecordedEvent]:
        """The stream as this transaction sees it; ``stream_id`` may be the UUID itself
        (one list, remembered under both keys: no string formatting per call)."""
        cached = self._streams.get(stream_id)
        if cached is None:
            name = str(stream_id)
            cached = self._streams.get(name)
            if cached is None:
                cached = self._streams[name] = list(self._tx.read_stream(name))
            if stream_id is not name:
                self._aliases[name] = stream_id
            self._streams[stream_id] = cached
        return cached

    def memo_fold(self, stream_id, fold: Callable[[Any], Any]) -> Any:
        """``fold`` of the stream, reused (states are frozen dataclasses) and, when the
        stream grew, continued with ``fold.evolve``. ``handlers.base.load`` calls it."""
        hit = self._folds.get((stream_id, fold))
        events = self._streams.get(stream_id)
        if events is None and hit is not None:
            # Let go of at a flush, and not read again since: it has the version the
            # real transaction gave it.
            name = stream_id if type(stream_id) is str else str(stream_id)
            if name not in self._streams and self._tx._versions.get(name) == hit[0]:
                return hit[1]
        if events is None:
            events = self.read_stream(stream_id)
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
        cached = self.read_stream(stream_id)
        return cached[-1].stream_version if cached else 0

    def append(
        self,
        stream_type: str,
        stream_id: str,
        expected_version: int | None,
        events: Sequence[Any],
        metadata: dict | None = None,
    ) -> AppendResult:
        """Stage ``events``; a stale ``expected_version`` raises, as the store would."""
        current = self.stream_version(stream_id)
        if expected_version is not None and expected_version != current:
            raise ConcurrencyError(stream_id, expected_version, current)
        if not events:
            return AppendResult(stream_id, current, current, (), ())
        meta = {**self._tx.metadata, **self.row_metadata, **(metadata or {})}
        self._staged.append(_Staged(stream_type, stream_id, current, list(events), meta))
        cached = self._streams[stream_id]
        for offset, event in enumerate(events, start=1):
            self._staged_count += 1
            spec = self._tx.registry.spec_for_class(type(event))
            cached.append(
                RecordedEvent(
                    PROVISIONAL + self._staged_count,
                    None,
                    stream_type,
                    stream_id,
                    current + offset,
                    spec.name,
                    spec.version,
                    event,
                    meta,
                    getattr(self._tx, "recorded_at", None),
                    None,
                )
            )
        return AppendResult(stream_id, current + 1, current + len(events), (), ())

    def flush(self) -> None:
        """Hand every staged append to the real transaction, in staging order, then
        publish them (the inline projections write their rows now, in the same
        transaction) and let go of the streams they grew.

        Between rows only (never inside ``savepoint()``): the import flushes every few
        thousand rows, so that its events and read rows go to the database as it goes
        instead of waiting, all of them, in memory until the end of the file. A stream
        let go of is read again from the transaction when a later row appends to it; its
        memoised fold stays good as long as the stream's version is the one it folded."""
        staged, self._staged = self._staged, []
        versions = self._tx._versions
        for entry in staged:
            # The cache read the stream: the real transaction need not ask its version.
            versions.setdefault(entry.stream_id, entry.version)
            self._tx.append(
                entry.stream_type, entry.stream_id, entry.version, entry.events, entry.metadata
            )
        for entry in staged:
            self._forget(entry.stream_id)
        self._tx.publish()

    def _forget(self, name: str) -> None:
        self._streams.pop(name, None)
        alias = self._aliases.pop(name, None)
        if alias is not None:
            self._streams.pop(alias, None)

    def release(self) -> None:
        """Flush, then forget the cached streams and folds (the file is decided)."""
        self.flush()
        self._streams.clear()
        self._aliases.clear()
        self._folds.clear()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Everything staged inside is undone if the block raises."""
        mark = len(self._staged)
        try:
            yield
        except BaseException:
            for entry in reversed(self._staged[mark:]):
                cached = self._streams[entry.stream_id]
                del cached[len(cached) - len(entry.events) :]
                for key in [k for k in self._folds if str(k[0]) == entry.stream_id]:
                    del self._folds[key]
            del self._staged[mark:]
            raise
