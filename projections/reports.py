"""Read model of the issued monthly reports and their e-mail deliveries.

``rm_issued_reports``: one line per issued (buyer, month) with the position and hash it
was issued with, and the delivery status (``PENDING`` until an attempt, then ``SENT``
or ``FAILED`` with the last error). ``rm_report_deliveries``: every attempt.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    String,
    Table,
    insert,
    update,
)

from events.catalog.reports import (
    MonthlyReportIssued,
    ReportDeliveryFailed,
    ReportDeliverySucceeded,
)
from events.recorded import RecordedEvent
from projections.base import Projection, read_metadata

issued_reports = Table(
    "rm_issued_reports",
    read_metadata,
    Column("report_id", String(36), primary_key=True),
    Column("buyer_id", String(36), nullable=False, index=True),
    Column("month", Date, nullable=False, index=True),
    Column("position", BigInteger, nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("issued_by", String(320), nullable=False),
    Column("trigger", String(20), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("delivery_status", String(20), nullable=False),  # PENDING, SENT, FAILED
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(500), nullable=True),
    Column("last_attempt_at", DateTime(timezone=True), nullable=True),
    Column("last_position", BigInteger, nullable=False),
)

report_deliveries = Table(
    "rm_report_deliveries",
    read_metadata,
    Column("report_id", String(36), primary_key=True),
    Column("attempt", Integer, primary_key=True, autoincrement=False),
    Column("succeeded", Boolean, nullable=False),
    Column("recipients", JSON, nullable=False),
    Column("error", String(500), nullable=True),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("position", BigInteger, nullable=False),
)


def _issued(conn, recorded: RecordedEvent, event: MonthlyReportIssued) -> None:
    conn.execute(
        insert(issued_reports).values(
            report_id=str(event.report_id),
            buyer_id=str(event.buyer_id),
            month=event.month,
            position=event.position,
            content_sha256=event.content_sha256,
            issued_by=event.issued_by,
            trigger=event.trigger.value,
            issued_at=recorded.recorded_at,
            delivery_status="PENDING",
            attempts=0,
            last_position=recorded.position,
        )
    )


def _delivery(conn, recorded: RecordedEvent, event, succeeded: bool) -> None:
    error = None if succeeded else event.error
    conn.execute(
        insert(report_deliveries).values(
            report_id=str(event.report_id),
            attempt=event.attempt,
            succeeded=succeeded,
            recipients=list(event.recipients),
            error=error,
            attempted_at=recorded.recorded_at,
            position=recorded.position,
        )
    )
    conn.execute(
        update(issued_reports)
        .where(issued_reports.c.report_id == str(event.report_id))
        .values(
            delivery_status="SENT" if succeeded else "FAILED",
            attempts=event.attempt,
            last_error=error,
            last_attempt_at=recorded.recorded_at,
            last_position=recorded.position,
        )
    )


def apply(conn, events: Sequence[RecordedEvent]) -> None:
    for recorded in events:
        event = recorded.event
        if isinstance(event, MonthlyReportIssued):
            _issued(conn, recorded, event)
        elif isinstance(event, ReportDeliverySucceeded):
            _delivery(conn, recorded, event, True)
        elif isinstance(event, ReportDeliveryFailed):
            _delivery(conn, recorded, event, False)


PROJECTION = Projection(
    name="issued_reports",
    version=1,
    handles=frozenset({"MonthlyReportIssued", "ReportDeliverySucceeded", "ReportDeliveryFailed"}),
    tables=(issued_reports, report_deliveries),
    apply=apply,
    description="Rapports mensuels émis et leurs envois par courriel.",
)
