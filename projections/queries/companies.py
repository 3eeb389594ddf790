"""Queries over the companies read table (``rm_companies``)."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from events.catalog.companies import CompanyKind
from projections.companies import companies


def compact_siret(siret: str | None) -> str:
    """The SIRET as stored: without the spaces and dots people type."""
    return "".join(ch for ch in (siret or "") if ch not in " .-\u00a0\u202f\t")


def list_companies(
    conn: Connection,
    kind=None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """One page of companies by name, and how many match. ``search``: name or SIRET."""
    query = select(companies)
    if kind is not None:
        query = query.where(companies.c.kind == CompanyKind(kind).value)
    if search and search.strip():
        pattern = f"%{' '.join(search.split()).lower()}%"
        conditions = [func.lower(companies.c.name).like(pattern)]
        digits = compact_siret(search)
        if digits.isdigit():
            conditions.append(companies.c.siret.like(f"{digits}%"))
        query = query.where(or_(*conditions))
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = query.order_by(companies.c.name, companies.c.company_id).limit(limit).offset(offset)
    return [_dict(row) for row in conn.execute(page)], int(total)


def get_company(conn: Connection, company_id) -> dict | None:
    row = conn.execute(select(companies).where(companies.c.company_id == str(company_id))).first()
    return _dict(row) if row else None


def company_by_siret(conn: Connection, siret: str | None) -> dict | None:
    """The company registered with ``siret`` (spaces and dots ignored), or None."""
    row = conn.execute(select(companies).where(companies.c.siret == compact_siret(siret))).first()
    return _dict(row) if row else None


def _dict(row) -> dict:
    data = dict(row._mapping)
    data["kind"] = CompanyKind(data["kind"])
    del data["last_position"]
    return data


def list_companies_among(
    conn: Connection,
    company_ids=None,
    kind=None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """``list_companies`` within a scope: ``company_ids`` None means every company, an
    empty list none."""
    if company_ids is None:
        return list_companies(conn, kind, search, limit, offset)
    ids = [str(c) for c in company_ids]
    query = select(companies).where(companies.c.company_id.in_(ids))
    if kind is not None:
        query = query.where(companies.c.kind == CompanyKind(kind).value)
    if search and search.strip():
        pattern = f"%{' '.join(search.split()).lower()}%"
        conditions = [func.lower(companies.c.name).like(pattern)]
        digits = compact_siret(search)
        if digits.isdigit():
            conditions.append(companies.c.siret.like(f"{digits}%"))
        query = query.where(or_(*conditions))
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = query.order_by(companies.c.name, companies.c.company_id).limit(limit).offset(offset)
    return [_dict(row) for row in conn.execute(page)], int(total)
