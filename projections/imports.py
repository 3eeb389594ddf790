"""Read models of the spreadsheet import: the imports, and every row with its outcome.

``rm_imports``: one line per imported file (who, when, counts, status).
``rm_import_rows``: one line per data row (status, action, messages; for a rejected
row its cells as text and its place in the queue: ``queue`` is ``pending`` until the
row is fixed or dismissed). The queue of rejected rows waiting is
``queue == 'pending'``. Hours are integer hundredths.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    insert,
    select,
    update,
)

from events.catalog.imports import (
    ImportRowDismissed,
    ImportRowFixed,
    ImportRowsDecided,
    RowOutcome,
    RowStatus,
    TimesheetImported,
)
from events.catalog.people import PersonalDataErased
from events.recorded import RecordedEvent
from events.schema import identity_keys
from importers import sealing
from projections import bulk
from projections.amounts import to_cents
from projections.base import Projection, read_metadata

imports = Table(
    "rm_imports",
    read_metadata,
    Column("import_id", String(36), primary_key=True),
    Column("company_id", String(36), nullable=True, index=True),
    Column("filename", String(300), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("file_format", String(10), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", String(320), nullable=True),
    Column("rows", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("accepted_with_warnings", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("pending", Integer, nullable=False),
    Column("fixed", Integer, nullable=False),
    Column("dismissed", Integer, nullable=False),
    Column("recorded", Integer, nullable=False),
    Column("corrected", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("contracts_started", Integer, nullable=False),
    Column("months", JSON, nullable=False),
    Column("summary", JSON, nullable=False),
    Column("position", BigInteger, nullable=False),
)

import_rows = Table(
    "rm_import_rows",
    read_metadata,
    Column("import_id", String(36), primary_key=True),
    Column("row_number", Integer, primary_key=True),
    Column("import_company_id", String(36), nullable=True),
    Column("status", String(30), nullable=False),
    Column("action", String(20), nullable=False),
    Column("month", Date, nullable=True),
    Column("company_id", String(36), nullable=True),
    Column("person_id", String(36), nullable=True),
    Column("contract_id", String(36), nullable=True),
    Column("hours_cents", BigInteger, nullable=True),
    Column("training_cents", BigInteger, nullable=True),
    Column("contract_started", Integer, nullable=False),
    Column("warnings", JSON, nullable=False),
    Column("errors", JSON, nullable=False),
    Column("cells", JSON, nullable=False),
    Column("queue", String(20), nullable=True),  # pending, fixed, dismissed (rejected rows)
    Column("resolution", String(500), nullable=True),
    Column("resolved_by", String(320), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    # The key id of an identity-sealed row (``sealing.IDENTITY_PREFIX``): when an
    # erasure destroys it, the row's names leave this table too.
    Column("sealed_with", String(36), nullable=True),
    Index("ix_rm_import_rows_queue", "queue", "month"),
    Index("ix_rm_import_rows_company", "import_company_id", "queue"),
    Index("ix_rm_import_rows_person", "person_id"),
)


def _id(value) -> str | None:
    return None if value is None else str(value)


def _row_values(outcome: RowOutcome) -> dict:
    rejected = outcome.status is RowStatus.REJECTED
    return {
        "status": outcome.status.value,
        "action": outcome.action.value,
        "month": outcome.month,
        "company_id": _id(outcome.company_id),
        "person_id": _id(outcome.person_id),
        "contract_id": _id(outcome.contract_id),
        "hours_cents": to_cents(outcome.hours),
        "training_cents": to_cents(outcome.training_hours),
        "contract_started": int(outcome.contract_started),
        "warnings": list(outcome.warnings),
        "errors": dict(outcome.errors),
        "cells": dict(outcome.cells),
        "queue": "pending" if rejected else None,
    }


def _imported(conn, recorded: RecordedEvent) -> None:
    event: TimesheetImported = recorded.event
    conn.execute(
        insert(imports).values(
            import_id=str(event.import_id),
            company_id=_id(event.company_id),
            filename=event.filename,
            content_sha256=event.content_sha256,
            file_format=event.file_format,
            imported_at=recorded.recorded_at,
            imported_by=(recorded.metadata or {}).get("actor"),
            rows=event.rows,
            accepted=event.accepted,
            accepted_with_warnings=event.accepted_with_warnings,
            rejected=event.rejected,
            pending=event.rejected,
            fixed=0,
            dismissed=0,
            recorded=event.recorded,
            corrected=event.corrected,
            unchanged=event.unchanged,
            contracts_started=event.contracts_started,
            months=list(event.summary.get("months", [])),
            summary=dict(event.summary),
            position=recorded.position,
        )
    )


def _company_of(conn, import_id: str) -> str | None:
    return conn.execute(
        select(imports.c.company_id).where(imports.c.import_id == import_id)
    ).scalar()


def _resolve(conn, recorded: RecordedEvent, queue: str, reason: str, **values) -> None:
    event = recorded.event
    import_id = str(event.import_id)
    where = (import_rows.c.import_id == import_id) & (import_rows.c.row_number == event.row_number)
    cells = conn.execute(select(import_rows.c.cells).where(where)).scalar()
    values.setdefault("cells", sealing.without_identity(dict(cells or {})))
    conn.execute(
        update(import_rows)
        .where(import_rows.c.import_id == import_id, import_rows.c.row_number == event.row_number)
        .values(
            queue=queue,
            resolution=reason,
            resolved_by=(recorded.metadata or {}).get("actor"),
            resolved_at=recorded.recorded_at,
            **values,
        )
    )
    counter = imports.c.fixed if queue == "fixed" else imports.c.dismissed
    conn.execute(
        update(imports)
        .where(imports.c.import_id == import_id)
        .values({imports.c.pending: imports.c.pending - 1, counter: counter + 1})
    )


def apply(conn, events: Sequence[RecordedEvent]) -> None:
    for recorded in events:
        event = recorded.event
        match event:
            case TimesheetImported():
                _imported(conn, recorded)
            case ImportRowsDecided():
                import_id = str(event.import_id)
                company_id = _company_of(conn, import_id)
                rows = [
                    {
                        "import_id": import_id,
                        "row_number": outcome.row_number,
                        "import_company_id": company_id,
                        "resolution": None,
                        "resolved_by": None,
                        "resolved_at": None,
                        "sealed_with": sealing.sealed_with(outcome.sealed_cells),
                        **_row_values(outcome),
                    }
                    for outcome in event.rows
                ]
                for row, outcome in zip(rows, event.rows, strict=True):
                    if outcome.sealed_cells:
                        row["cells"] = sealing.unseal(
                            conn, import_id, outcome.cells, outcome.sealed_cells
                        )
                bulk.insert_rows(conn, import_rows, rows)
            case ImportRowFixed():
                values = _row_values(event.outcome)
                values.pop("queue")
                values.pop("cells")
                reason = ", ".join(f"{k} = {v}" for k, v in sorted(event.changed.items()))
                _resolve(conn, recorded, "fixed", f"Corrigée : {reason}"[:500], **values)
            case ImportRowDismissed():
                _resolve(conn, recorded, "dismissed", event.reason)
            case PersonalDataErased():
                _forget_person(conn, str(event.person_id))
                _forget_shredded(conn)


def _forget_person(conn, person_id: str) -> None:
    """The erased person's rows keep their figures, not their names (their key is gone,
    so a rebuild gives the same)."""
    where = import_rows.c.person_id == person_id
    for import_id, row_number, cells in conn.execute(
        select(import_rows.c.import_id, import_rows.c.row_number, import_rows.c.cells).where(where)
    ).all():
        conn.execute(
            update(import_rows)
            .where(import_rows.c.import_id == import_id, import_rows.c.row_number == row_number)
            .values(cells=sealing.without_identity(dict(cells or {})))
        )


def _forget_shredded(conn) -> None:
    """Waiting rows whose identity key an erasure destroyed keep their figures, not
    their names (a rebuild cannot open them either)."""
    c = import_rows.c
    gone = (
        select(c.import_id, c.row_number, c.cells)
        .where(c.queue == "pending", c.sealed_with.is_not(None))
        .where(c.sealed_with.not_in(select(identity_keys.c.key_id)))
    )
    for import_id, row_number, cells in conn.execute(gone).all():
        stripped = sealing.without_identity(dict(cells or {}))
        if stripped != cells:
            conn.execute(
                update(import_rows)
                .where(c.import_id == import_id, c.row_number == row_number)
                .values(cells=stripped)
            )


PROJECTION = Projection(
    name="imports",
    version=3,
    handles=frozenset(
        {
            "TimesheetImported",
            "ImportRowsDecided",
            "ImportRowFixed",
            "ImportRowDismissed",
            "PersonalDataErased",
        }
    ),
    tables=(imports, import_rows),
    apply=apply,
    description="Imports de relevés d'heures, le résultat de chaque ligne et la file des "
    "lignes rejetées.",
)

PROJECTIONS: list[Projection] = [PROJECTION]
