"""Issued monthly reports: state and decisions (pure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from clauses_service.domain.errors import AlreadyExists, NotFound
from events.catalog.reports import (
    IssueTrigger,
    MonthlyReportIssued,
    ReportDeliveryFailed,
    ReportDeliverySucceeded,
)


class ReportAlreadyIssued(AlreadyExists):
    """The report of this buyer and month was issued already (the scheduler skips it)."""

    def __init__(self, month: date):
        super().__init__(
            f"Le rapport mensuel de {month:%m/%Y} a déjà été émis pour ce donneur d'ordre ; "
            "téléchargez-le ou consultez son rectificatif."
        )


@dataclass(frozen=True)
class IssuedReport:
    report_id: UUID | None = None
    buyer_id: UUID | None = None
    month: date | None = None
    position: int = 0
    content_sha256: str = ""
    attempts: int = 0
    delivered: bool = False
    version: int = 0

    @property
    def issued(self) -> bool:
        return self.report_id is not None


def evolve(state: IssuedReport, event) -> IssuedReport:
    match event:
        case MonthlyReportIssued():
            state = replace(
                state,
                report_id=event.report_id,
                buyer_id=event.buyer_id,
                month=event.month,
                position=event.position,
                content_sha256=event.content_sha256,
            )
        case ReportDeliverySucceeded():
            state = replace(state, attempts=event.attempt, delivered=True)
        case ReportDeliveryFailed():
            state = replace(state, attempts=event.attempt)
    return replace(state, version=state.version + 1)


def fold(events) -> IssuedReport:
    state = IssuedReport()
    for event in events:
        state = evolve(state, event)
    return state


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def issue(
    state: IssuedReport,
    report_id: UUID,
    buyer_id: UUID,
    month: date,
    position: int,
    content_sha256: str,
    issued_by: str,
    trigger: IssueTrigger,
) -> list:
    if state.issued:
        raise ReportAlreadyIssued(month)
    return [
        MonthlyReportIssued(
            report_id,
            buyer_id,
            first_of_month(month),
            position,
            content_sha256,
            issued_by,
            IssueTrigger(trigger),
        )
    ]


def record_delivery(state: IssuedReport, recipients: tuple[str, ...], error: str | None) -> list:
    if not state.issued:
        raise NotFound("Rapport émis introuvable.")
    attempt = state.attempts + 1
    if error is None:
        return [ReportDeliverySucceeded(state.report_id, attempt, tuple(recipients))]
    return [ReportDeliveryFailed(state.report_id, attempt, tuple(recipients), error[:500])]
