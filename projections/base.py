"""What a projection is: a name, a version, the event types it handles, its tables, apply."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Connection

from events.recorded import RecordedEvent

# Read tables are derived data: the runner creates them and a rebuild refills them,
# so they live outside the Alembic-managed durable schema.
read_metadata = MetaData()

Apply = Callable[[Connection, Sequence[RecordedEvent]], None]


@dataclass(frozen=True)
class Projection:
    """A read model.

    ``apply(conn, events)`` receives, in position order, the events whose type is in
    ``handles``; it writes only to ``tables``. Bump ``version`` when the tables or the
    meaning of ``apply`` change: the runner then rebuilds it from zero.
    ``inline`` projections are updated in the transaction of each append; the others by
    the catch-up worker (``clauses projections run``).
    """

    name: str
    version: int
    handles: frozenset[str]
    tables: tuple[Table, ...]
    apply: Apply
    inline: bool = True
    description: str = field(default="", compare=False)

    def wants(self, event_type: str) -> bool:
        return event_type in self.handles
