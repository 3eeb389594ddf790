"""Queries over the buyer read tables."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from projections.buyers import buyers


def list_buyers(
    conn: Connection,
    buyer_ids=None,
    search: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict]:
    return _rows(conn, _filtered(buyer_ids, search), limit, offset)


def count_buyers(conn: Connection, buyer_ids=None, search: str | None = None) -> int:
    # A subquery: with_only_columns(func.count()) would drop the FROM clause.
    query = select(func.count()).select_from(_filtered(buyer_ids, search).subquery())
    return int(conn.execute(query).scalar_one())


def get_buyer(conn: Connection, buyer_id) -> dict | None:
    row = conn.execute(select(buyers).where(buyers.c.buyer_id == str(buyer_id))).first()
    return _dict(row) if row else None


def _filtered(buyer_ids, search):
    query = select(buyers)
    if buyer_ids is not None:
        query = query.where(buyers.c.buyer_id.in_([str(b) for b in buyer_ids]))
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(buyers.c.name).like(pattern)))
    return query


def _rows(conn, query, limit, offset):
    query = query.order_by(buyers.c.name, buyers.c.buyer_id).limit(limit).offset(offset)
    return [_dict(row) for row in conn.execute(query)]


def _dict(row) -> dict:
    data = dict(row._mapping)
    data["contacts"] = list(data.get("contacts") or [])
    data["version"] = None
    return data
