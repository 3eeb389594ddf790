"""Handlers for issued monthly reports.

The report is computed on this write transaction's connection: it holds the append
lock, so the read tables are exactly the log up to the head position recorded.
"""

from __future__ import annotations

from clauses_service.commands.reports import IssueMonthlyReport, RecordReportDelivery
from clauses_service.domain import buyers, reports
from clauses_service.domain.errors import NotFound, RuleViolation
from clauses_service.handlers.base import Context, load, save
from clauses_service.reports import snapshots
from clauses_service.reports.issued import build_report, content_sha256
from events.catalog.reports import STREAM_TYPE, monthly_report_id
from events.sql_store import head_position_on


def issue_monthly_report(cmd: IssueMonthlyReport, ctx: Context) -> dict:
    month = reports.first_of_month(cmd.month)
    if month >= reports.first_of_month(ctx.today):
        raise RuleViolation(
            f"Le mois {month:%m/%Y} n'est pas terminé : un rapport mensuel s'émet "
            "une fois le mois écoulé.",
            field="month",
        )
    buyer = load(ctx, str(cmd.buyer_id), buyers.fold)
    if not buyer.exists:
        raise NotFound("Donneur d'ordre introuvable.", field="buyer_id")
    buyer_id = buyer.buyer_id  # a UUID, whatever form the entry point gave
    report_id = monthly_report_id(buyer_id, month)
    state = load(ctx, report_id, reports.fold)
    if state.issued:  # before computing anything
        raise reports.ReportAlreadyIssued(month)
    conn = ctx.tx.connection
    if conn is None:
        raise TypeError("issuing a report needs the SQL store (read tables)")
    position = head_position_on(conn)
    report = build_report(conn, buyer_id, month)
    digest = content_sha256(report)
    new = reports.issue(state, report_id, buyer_id, month, position, digest, ctx.actor, cmd.trigger)
    save(ctx, STREAM_TYPE, report_id, state.version, new, cmd.expected_version)
    snapshots.keep(conn, str(report_id), digest, report)  # commits with the event
    sink = ctx.services.get("report_sink")
    if sink is not None:  # the scheduler mails the very report it issued
        sink(report)
    return {
        "report_id": str(report_id),
        "buyer_id": str(buyer_id),
        "month": month.isoformat(),
        "position": position,
        "content_sha256": digest,
    }


def record_report_delivery(cmd: RecordReportDelivery, ctx: Context) -> dict:
    state = load(ctx, cmd.report_id, reports.fold)
    new = reports.record_delivery(state, cmd.recipients, cmd.error)
    save(ctx, STREAM_TYPE, cmd.report_id, state.version, new, cmd.expected_version)
    return {"report_id": str(cmd.report_id), "attempt": new[0].attempt, "sent": cmd.error is None}


HANDLERS = {
    IssueMonthlyReport: issue_monthly_report,
    RecordReportDelivery: record_report_delivery,
}
