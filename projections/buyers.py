"""Read model: the buyers (donneurs d'ordre) with their current name and kind."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import JSON, BigInteger, Column, String, Table, insert, update

from events.catalog.buyers import BuyerContactsSet, BuyerRegistered, BuyerRenamed
from events.recorded import RecordedEvent
from projections.base import Projection, read_metadata

buyers = Table(
    "rm_buyers",
    read_metadata,
    Column("buyer_id", String(36), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("contacts", JSON, nullable=False),
    Column("last_position", BigInteger, nullable=False),
)


def apply(conn, events: Sequence[RecordedEvent]) -> None:
    for recorded in events:
        event = recorded.event
        if isinstance(event, BuyerRegistered):
            conn.execute(
                insert(buyers).values(
                    buyer_id=str(event.buyer_id),
                    name=event.name,
                    kind=event.kind.value,
                    contacts=[],
                    last_position=recorded.position,
                )
            )
        elif isinstance(event, BuyerRenamed):
            conn.execute(
                update(buyers)
                .where(buyers.c.buyer_id == str(event.buyer_id))
                .values(name=event.name, last_position=recorded.position)
            )
        elif isinstance(event, BuyerContactsSet):
            conn.execute(
                update(buyers)
                .where(buyers.c.buyer_id == str(event.buyer_id))
                .values(contacts=list(event.emails), last_position=recorded.position)
            )


PROJECTION = Projection(
    name="buyers",
    version=2,
    handles=frozenset({"BuyerRegistered", "BuyerRenamed", "BuyerContactsSet"}),
    tables=(buyers,),
    apply=apply,
    description="Donneurs d'ordre : nom et nature actuels.",
)
