"""Queries over the import read tables: the imports, their rows, the rejected-rows queue.

``company_ids`` (a scope) restricts to the imports made for those companies. An
import's ``status``: ``needs_fixes`` while some rejected row waits in the queue, else
``complete``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.engine import Connection

from projections.amounts import from_cents
from projections.imports import import_rows, imports

IMPORT_STATUSES = ("complete", "needs_fixes")


def _import(row) -> dict:
    data = dict(row._mapping)
    data.pop("position", None)
    data["status"] = "needs_fixes" if data["pending"] else "complete"
    return data


def _row(row) -> dict:
    data = dict(row._mapping)
    data["hours"] = from_cents(data.pop("hours_cents"))
    data["training_hours"] = from_cents(data.pop("training_cents"))
    data["contract_started"] = bool(data["contract_started"])
    return data


def _scoped(query, company_ids, column):
    if company_ids is not None:
        query = query.where(column.in_([str(c) for c in company_ids]))
    return query


def list_imports(
    conn: Connection,
    company_ids=None,
    month: date | None = None,
    company_id=None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """Imports, newest first, and how many match. ``month``: a row of the file is about it."""
    query = _scoped(select(imports), company_ids, imports.c.company_id)
    if company_id is not None:
        query = query.where(imports.c.company_id == str(company_id))
    if month is not None:
        query = query.where(
            exists().where(
                import_rows.c.import_id == imports.c.import_id,
                import_rows.c.month == month.replace(day=1),
            )
        )
    if status == "needs_fixes":
        query = query.where(imports.c.pending > 0)
    elif status == "complete":
        query = query.where(imports.c.pending == 0)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = query.order_by(imports.c.position.desc()).limit(limit).offset(offset)
    return [_import(row) for row in conn.execute(page)], int(total)


def get_import(conn: Connection, import_id, company_ids=None) -> dict | None:
    query = _scoped(
        select(imports).where(imports.c.import_id == str(import_id)),
        company_ids,
        imports.c.company_id,
    )
    row = conn.execute(query).first()
    return _import(row) if row else None


def import_rows_of(
    conn: Connection, import_id, status: str | None = None, limit: int = 1000, offset: int = 0
) -> tuple[list[dict], int]:
    """Rows of one import in file order (``status``: accepted, accepted_with_warnings,
    rejected)."""
    query = select(import_rows).where(import_rows.c.import_id == str(import_id))
    if status is not None:
        query = query.where(import_rows.c.status == status)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = query.order_by(import_rows.c.row_number).limit(limit).offset(offset)
    return [_row(row) for row in conn.execute(page)], int(total)


def get_import_row(conn: Connection, import_id, row_number: int, company_ids=None) -> dict | None:
    query = _scoped(
        select(import_rows).where(
            import_rows.c.import_id == str(import_id), import_rows.c.row_number == row_number
        ),
        company_ids,
        import_rows.c.import_company_id,
    )
    row = conn.execute(query).first()
    return _row(row) if row else None


def rejected_queue(
    conn: Connection,
    company_ids=None,
    import_id=None,
    month: date | None = None,
    company_id=None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """Rejected rows waiting for a fix, oldest import first, in file order."""
    query = _scoped(
        select(import_rows, imports.c.filename, imports.c.imported_at)
        .join(imports, imports.c.import_id == import_rows.c.import_id)
        .where(import_rows.c.queue == "pending"),
        company_ids,
        import_rows.c.import_company_id,
    )
    if import_id is not None:
        query = query.where(import_rows.c.import_id == str(import_id))
    if month is not None:
        query = query.where(import_rows.c.month == month.replace(day=1))
    if company_id is not None:
        query = query.where(import_rows.c.import_company_id == str(company_id))
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = query.order_by(imports.c.position, import_rows.c.row_number).limit(limit).offset(offset)
    return [_row(row) for row in conn.execute(page)], int(total)
