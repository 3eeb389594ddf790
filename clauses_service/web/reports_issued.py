"""Issued monthly reports: history with delivery status and rectificatifs, downloads.

The facilitator and the administrator see every buyer's issued reports, the failed
e-mail deliveries, and issue a report by hand (a CSRF-protected form; it is e-mailed
by the scheduler's next delivery pass). A buyer account ("Rapports mensuels") lists its
own buyer's issued reports to download, with the figures as issued; another buyer's
is the French 404 page. Companies and the PLIE team get the French 403 page.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from wtforms import SelectField, StringField

from clauses_service.api.hours import MONTH_HINT, parse_month
from clauses_service.auth.roles import Role
from clauses_service.auth.security import current_scope
from clauses_service.commands.reports import IssueMonthlyReport
from clauses_service.domain.errors import DomainError
from clauses_service.downloads import attachment
from clauses_service.extensions import services
from clauses_service.reports.issued import IssuedReportMismatch, recompute_issued, rectificatif
from clauses_service.reports.rectificatif import display
from clauses_service.reports.render_monthly import (
    MEDIA_TYPES,
    monthly_html,
    render,
    report_filename,
)
from clauses_service.web.access import not_found, page_roles, run
from clauses_service.web.forms import KeyedForm, show_domain_error
from clauses_service.web.reports import last_month, month_text
from clauses_service.web.schedule import today
from projections import queries
from projections.queries import reports as issued_queries

bp = Blueprint("web_reports_issued", __name__)
READERS = (Role.FACILITATOR, Role.ADMIN, Role.BUYER)
ISSUERS = (Role.FACILITATOR, Role.ADMIN)
DOWNLOADS = ("xlsx", "pdf")
STATUS_LABELS = {"PENDING": "À envoyer", "SENT": "Envoyé", "FAILED": "Échec d'envoi"}
TRIGGER_LABELS = {"SCHEDULER": "Planificateur", "MANUAL": "Manuel"}


class IssueForm(KeyedForm):
    buyer = SelectField("Donneur d'ordre", choices=[], validate_choice=True)
    month = StringField("Mois")

    def validate_month(self, field):
        if parse_month(field.data or "") is None:
            from wtforms.validators import ValidationError

            raise ValidationError(f"Mois invalide : {MONTH_HINT}.")


def _is_issuer() -> bool:
    return current_scope().role in ISSUERS


def _visible(report_id) -> dict:
    with services().store.reading() as conn:
        row = issued_queries.get_issued_by_id(conn, report_id)
    if row is None or not current_scope().sees_buyer(row["buyer_id"]):
        not_found("Rapport émis introuvable.")
    return row


def _issue_form(buyers: list[dict]) -> IssueForm:
    form = IssueForm()
    form.buyer.choices = [(b["buyer_id"], b["name"]) for b in buyers]
    if request.method == "GET":
        form.month.data = month_text(last_month(today()))
    return form


@bp.route("/rapports/emis", methods=["GET", "POST"])
@page_roles(*READERS)
def index():
    """Issued reports (newest first); for the facilitator also failures and the issue form."""
    scope = current_scope()
    ids = None if scope.buyer_ids is None else sorted(scope.buyer_ids)
    with services().store.reading() as conn:
        rows = issued_queries.list_issued(conn, ids)
        failed = issued_queries.failed_deliveries(conn) if _is_issuer() else []
        buyers = queries.list_buyers(conn, ids, limit=100_000) if _is_issuer() else []
    form = _issue_form(buyers) if _is_issuer() else None
    if request.method == "POST":
        if form is None:
            not_found()
        if form.validate_on_submit():
            command = IssueMonthlyReport(
                buyer_id=form.buyer.data, month=parse_month(form.month.data)
            )
            try:
                result = run(command, form.key)
            except DomainError as exc:
                show_domain_error(form, exc, {"buyer_id": "buyer"})
            else:
                flash("Rapport émis : il sera envoyé par courriel aux contacts.", "success")
                return redirect(url_for(".detail", report_id=result["report_id"]))
    page = render_template(
        "reports/issued_index.html",
        rows=rows,
        failed=failed,
        form=form,
        issuer=_is_issuer(),
        status_labels=STATUS_LABELS,
        trigger_labels=TRIGGER_LABELS,
    )
    return page, (422 if request.method == "POST" else 200)


def _as_issued(row: dict):
    """The report as issued, or the mismatch page (409)."""
    try:
        return recompute_issued(services().store, row), None
    except IssuedReportMismatch as exc:
        page = render_template("reports/issued_mismatch.html", row=row, message=exc.message)
        return None, (page, 409)


@bp.get("/rapports/emis/<uuid:report_id>")
@page_roles(*READERS)
def detail(report_id):
    row = _visible(report_id)
    report, refused = _as_issued(row)
    if refused:
        return refused
    with services().store.reading() as conn:
        deliveries = issued_queries.deliveries(conn, report_id)
    return render_template(
        "reports/issued_detail.html",
        row=row,
        report=report,
        body=Markup(monthly_html(report, standalone=False)),
        deliveries=deliveries,
        issuer=_is_issuer(),
        status_labels=STATUS_LABELS,
        trigger_labels=TRIGGER_LABELS,
        downloads=[
            (url_for(".download", report_id=report_id, kind=kind), kind.upper())
            for kind in DOWNLOADS
        ],
    )


@bp.get("/rapports/emis/<uuid:report_id>.<kind>")
@page_roles(*READERS)
def download(report_id, kind):
    if kind not in DOWNLOADS:
        not_found("Format inconnu : .xlsx ou .pdf.")
    report, refused = _as_issued(_visible(report_id))
    if refused:
        return refused
    return attachment(render(report, kind), MEDIA_TYPES[kind], report_filename(report, kind))


@bp.get("/rapports/emis/<uuid:report_id>/rectificatif")
@page_roles(*READERS)
def rectificatif_page(report_id):
    row = _visible(report_id)
    try:
        _, _, changes = rectificatif(services().store, row)
    except IssuedReportMismatch as exc:
        return render_template("reports/issued_mismatch.html", row=row, message=exc.message), 409
    return render_template(
        "reports/issued_rectificatif.html", row=row, changes=changes, display=display
    )
