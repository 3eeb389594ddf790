"""Events of the issued monthly reports: one stream per (buyer, month).

Issuing records the log position the report was computed at and the SHA-256 of its
canonical JSON, so the same figures can be recomputed and checked later. Deliveries
by e-mail are recorded on the same stream, attempt by attempt.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from events.registry import event_type
from events.vocabulary import Choice

STREAM_TYPE = "monthly_report"

# Fixed forever: report ids are uuid5(namespace, "buyer_id:YYYY-MM").
REPORTS_NAMESPACE = uuid.UUID("5f0c2a5e-8d1b-4c53-9a53-6d0a3f1e2b77")


def monthly_report_id(buyer_id: UUID | str, month: date) -> UUID:
    """The id (and stream id) of the monthly report of ``buyer_id`` for ``month``."""
    return uuid.uuid5(REPORTS_NAMESPACE, f"{buyer_id}:{month:%Y-%m}")


class IssueTrigger(Choice):
    SCHEDULER = "SCHEDULER", "Planificateur"
    MANUAL = "MANUAL", "Manuel"


@event_type("MonthlyReportIssued")
@dataclass(frozen=True, slots=True)
class MonthlyReportIssued:
    report_id: UUID
    buyer_id: UUID
    month: date  # first day of the month reported on
    position: int  # the log position the figures were computed at
    content_sha256: str  # of the canonical JSON (sorted keys) of the report
    issued_by: str
    trigger: IssueTrigger


@event_type("ReportDeliverySucceeded")
@dataclass(frozen=True, slots=True)
class ReportDeliverySucceeded:
    report_id: UUID
    attempt: int
    recipients: tuple[str, ...]


@event_type("ReportDeliveryFailed")
@dataclass(frozen=True, slots=True)
class ReportDeliveryFailed:
    report_id: UUID
    attempt: int
    recipients: tuple[str, ...]
    error: str
