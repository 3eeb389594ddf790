"""Queries over the issued monthly reports and their deliveries."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from projections.buyers import buyers
from projections.reports import issued_reports, report_deliveries

_C = issued_reports.c


def _aware(value):
    # SQLite gives naive UTC datetimes back.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _dict(row) -> dict:
    data = dict(row._mapping)
    for key in ("issued_at", "last_attempt_at"):
        data[key] = _aware(data.get(key))
    return data


def _with_buyer():
    return select(issued_reports, buyers.c.name.label("buyer_name")).join(
        buyers, buyers.c.buyer_id == _C.buyer_id, isouter=True
    )


def list_issued(conn: Connection, buyer_ids=None, limit: int = 500, offset: int = 0):
    """Issued reports, newest month first; ``buyer_ids`` restricts (a buyer's scope)."""
    query = _with_buyer()
    if buyer_ids is not None:
        query = query.where(_C.buyer_id.in_([str(b) for b in buyer_ids]))
    query = query.order_by(_C.month.desc(), buyers.c.name, _C.buyer_id)
    return [_dict(r) for r in conn.execute(query.limit(limit).offset(offset))]


def get_issued(conn: Connection, buyer_id, month: date) -> dict | None:
    query = _with_buyer().where(_C.buyer_id == str(buyer_id), _C.month == month.replace(day=1))
    row = conn.execute(query).first()
    return _dict(row) if row else None


def get_issued_by_id(conn: Connection, report_id) -> dict | None:
    row = conn.execute(_with_buyer().where(_C.report_id == str(report_id))).first()
    return _dict(row) if row else None


def issued_months(conn: Connection, month: date) -> set[str]:
    """Buyer ids whose report for ``month`` is issued."""
    query = select(_C.buyer_id).where(_C.month == month.replace(day=1))
    return {r for (r,) in conn.execute(query)}


def deliveries_to_retry(conn: Connection, max_attempts: int) -> list[dict]:
    """Reports not sent yet (never tried, or failed) with attempts left, oldest first."""
    query = (
        _with_buyer()
        .where(_C.delivery_status.in_(("PENDING", "FAILED")), _C.attempts < max_attempts)
        .order_by(_C.issued_at, _C.report_id)
    )
    return [_dict(r) for r in conn.execute(query)]


def failed_deliveries(conn: Connection) -> list[dict]:
    """Reports whose last delivery attempt failed (for the facilitator)."""
    query = _with_buyer().where(_C.delivery_status == "FAILED").order_by(_C.issued_at.desc())
    return [_dict(r) for r in conn.execute(query)]


def deliveries(conn: Connection, report_id) -> list[dict]:
    query = (
        select(report_deliveries)
        .where(report_deliveries.c.report_id == str(report_id))
        .order_by(report_deliveries.c.attempt)
    )
    out = []
    for row in conn.execute(query):
        data = dict(row._mapping)
        data["attempted_at"] = _aware(data["attempted_at"])
        data["recipients"] = list(data["recipients"] or [])
        out.append(data)
    return out


def buyers_with_running_market(conn: Connection, month: date) -> list[str]:
    """Buyer ids with at least one market running on some day of ``month``."""
    from projections.markets import markets

    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    m = markets.c
    query = (
        select(m.buyer_id)
        .where(m.start_date < following, m.end_date >= first)
        .distinct()
        .order_by(m.buyer_id)
    )
    return [buyer_id for (buyer_id,) in conn.execute(query)]
