"""What the store hands back: recorded events and append results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple
from uuid import UUID


class RecordedEvent(NamedTuple):
    """One event as stored: its place in the log, its stream, and the decoded event object.

    ``event`` is the current-version dataclass (stored payloads of older schema
    versions have gone through upcasters); ``schema_version`` is the version as stored.
    """

    position: int
    event_id: UUID
    stream_type: str
    stream_id: str
    stream_version: int
    event_type: str
    schema_version: int
    event: Any
    metadata: dict
    recorded_at: datetime
    effective_date: date | None


class AppendResult(NamedTuple):
    """Where an append landed. ``replayed`` is true when an idempotency key matched."""

    stream_id: str
    first_version: int
    last_version: int
    positions: tuple[int, ...]
    event_ids: tuple[str, ...]
    replayed: bool = False

    def to_json(self) -> dict:
        return {
            "stream_id": self.stream_id,
            "first_version": self.first_version,
            "last_version": self.last_version,
            "positions": list(self.positions),
            "event_ids": list(self.event_ids),
        }

    @classmethod
    def from_json(cls, data: dict) -> AppendResult:
        return cls(
            data["stream_id"],
            data["first_version"],
            data["last_version"],
            tuple(data["positions"]),
            tuple(data["event_ids"]),
            replayed=True,
        )
