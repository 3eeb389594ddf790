"""Uniqueness claims: a stream per business key (market reference, SIRET).

Appending at expected version 0 to ``claim:<kind>:<key>`` succeeds once: the log
itself refuses a second market with the same reference or a second company with the
same SIRET, on every store, without a read table.
"""

from dataclasses import dataclass
from uuid import UUID

from events.registry import event_type

STREAM_TYPE = "claim"


def claim_stream(kind: str, key: str) -> str:
    return f"claim:{kind}:{key}"


@event_type("KeyClaimed")
@dataclass(frozen=True, slots=True)
class KeyClaimed:
    """``key`` (of ``kind``: "market-reference", "siret") now belongs to ``owner_id``."""

    kind: str
    key: str
    owner_id: UUID
