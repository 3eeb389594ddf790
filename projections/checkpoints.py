"""Projection checkpoints: moved in the same transaction as the read tables they describe."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from events.schema import projection_checkpoints as table


class Checkpoint(NamedTuple):
    version: int
    position: int


def read(conn: Connection, name: str, for_update: bool = False) -> Checkpoint | None:
    query = select(table.c.version, table.c.position).where(table.c.name == name)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return Checkpoint(row.version, row.position) if row else None


def write(conn: Connection, name: str, version: int, position: int) -> None:
    now = datetime.now(UTC)
    changed = conn.execute(
        update(table)
        .where(table.c.name == name)
        .values(version=version, position=position, updated_at=now)
    ).rowcount
    if not changed:
        conn.execute(
            insert(table).values(name=name, version=version, position=position, updated_at=now)
        )


def read_all(conn: Connection) -> dict[str, Checkpoint]:
    rows = conn.execute(select(table.c.name, table.c.version, table.c.position))
    return {r.name: Checkpoint(r.version, r.position) for r in rows}
