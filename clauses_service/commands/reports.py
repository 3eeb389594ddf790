"""Commands about issued monthly reports."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from clauses_service.commands import Command
from events.catalog.reports import IssueTrigger


@dataclass(frozen=True, kw_only=True)
class IssueMonthlyReport(Command):
    """Compute the report of ``buyer_id`` for ``month`` now and record it as issued."""

    buyer_id: UUID
    month: date
    trigger: IssueTrigger = IssueTrigger.MANUAL


@dataclass(frozen=True, kw_only=True)
class RecordReportDelivery(Command):
    """Record one e-mail delivery attempt of an issued report (``error`` None: sent)."""

    report_id: UUID
    recipients: tuple[str, ...]
    error: str | None = None
