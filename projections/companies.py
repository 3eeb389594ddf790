"""Read model of the companies area: ``rm_companies`` (one row per company, by SIRET)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import BigInteger, Column, Integer, String, Table, insert, update

from events.catalog.companies import CompanyDetailsChanged, CompanyRegistered
from events.recorded import RecordedEvent
from projections.base import Projection, read_metadata

companies = Table(
    "rm_companies",
    read_metadata,
    Column("company_id", String(36), primary_key=True),
    # Unique in the log through the "siret" claim; unique here as a safety net.
    Column("siret", String(14), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("last_position", BigInteger, nullable=False),
)


def apply(conn, events: Sequence[RecordedEvent]) -> None:
    for recorded in events:
        event = recorded.event
        if isinstance(event, CompanyRegistered):
            conn.execute(
                insert(companies).values(
                    company_id=str(event.company_id),
                    siret=event.siret,
                    name=event.name,
                    kind=event.kind.value,
                    version=recorded.stream_version,
                    last_position=recorded.position,
                )
            )
        elif isinstance(event, CompanyDetailsChanged):
            conn.execute(
                update(companies)
                .where(companies.c.company_id == str(event.company_id))
                .values(
                    name=event.name,
                    kind=event.kind.value,
                    version=recorded.stream_version,
                    last_position=recorded.position,
                )
            )


PROJECTION = Projection(
    name="companies",
    version=1,
    handles=frozenset({"CompanyRegistered", "CompanyDetailsChanged"}),
    tables=(companies,),
    apply=apply,
    description="Entreprises : SIRET, nom et type actuels.",
)

PROJECTIONS: list[Projection] = [PROJECTION]
