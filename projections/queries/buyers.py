"""Queries over the buyer read tables."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from projections.buyers import buyers


def list_buyers(conn: Connection) -> list[dict]:
    rows = conn.execute(select(buyers).order_by(buyers.c.name, buyers.c.buyer_id))
    return [dict(row._mapping) for row in rows]
