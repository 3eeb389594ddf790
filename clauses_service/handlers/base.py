"""What every handler gets, and the load / save steps they share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from events.errors import ConcurrencyError
from events.store import StoreTransaction

PARIS = ZoneInfo("Europe/Paris")
S = TypeVar("S")


@dataclass(frozen=True)
class Context:
    """The write transaction, who acts, and when (business dates are in Europe/Paris)."""

    tx: StoreTransaction
    actor: str
    now: datetime
    services: dict[str, Any]

    @property
    def today(self) -> date:
        return self.now.astimezone(PARIS).date()


def load(ctx: Context, stream_id: str, fold: Callable[[Iterable[Any]], S]) -> S:
    """Fold a stream (as this transaction sees it) into its state."""
    memo = getattr(ctx.tx, "memo_fold", None)  # a whole-file import reuses its folds
    if memo is not None:
        return memo(stream_id, fold)
    return fold(recorded.event for recorded in ctx.tx.read_stream(str(stream_id)))


def save(
    ctx: Context,
    stream_type: str,
    stream_id: str,
    version: int,
    new_events: list,
    expected_version: int | None = None,
    metadata: dict | None = None,
) -> None:
    """Append decided events; ``expected_version`` from the command must match the state."""
    if expected_version is not None and expected_version != version:
        raise ConcurrencyError(str(stream_id), expected_version, version)
    if new_events:
        ctx.tx.append(stream_type, str(stream_id), version, new_events, metadata)


def claimed_by(ctx: Context, kind: str, key: str) -> UUID | None:
    """Who owns a business key (a market reference, a SIRET), or None."""
    from events.catalog.claims import claim_stream

    stream = ctx.tx.read_stream(claim_stream(kind, key))
    return stream[0].event.owner_id if stream else None


def claim(ctx: Context, kind: str, key: str, owner_id: UUID, taken_message: str) -> None:
    """Make ``key`` belong to ``owner_id``; raise AlreadyExists(taken_message) if taken."""
    from clauses_service.domain.errors import AlreadyExists
    from events.catalog.claims import STREAM_TYPE, KeyClaimed, claim_stream

    owner = claimed_by(ctx, kind, key)
    if owner is not None and owner != owner_id:
        raise AlreadyExists(taken_message)
    if owner is None:
        ctx.tx.append(STREAM_TYPE, claim_stream(kind, key), 0, [KeyClaimed(kind, key, owner_id)])
