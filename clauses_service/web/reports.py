"""Reports pages: the index (choose a buyer and a month; links to the annual reports and
to the issued monthly reports) and a buyer's monthly report, shown as HTML with its
XLSX and PDF downloads.

Scoped like the API: the facilitator and the administrator choose any buyer, a buyer
account only its own (another buyer's report is the French 404 page); companies and the
PLIE team get the French 403 page. The choice is a GET form (nothing changes, no CSRF
needed); a wrong month or buyer is said next to its field.
"""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from clauses_service.api.hours import MONTH_HINT, parse_month
from clauses_service.auth.roles import Role
from clauses_service.auth.security import current_scope
from clauses_service.downloads import attachment
from clauses_service.extensions import services
from clauses_service.reports.monthly import UnknownBuyer, build_monthly_report
from clauses_service.reports.render_monthly import (
    MEDIA_TYPES,
    monthly_html,
    render,
    report_filename,
)
from clauses_service.web.access import not_found, page_roles
from clauses_service.web.schedule import today
from projections import queries

bp = Blueprint("web_reports", __name__)
READERS = (Role.FACILITATOR, Role.ADMIN, Role.BUYER)
DOWNLOADS = ("xlsx", "pdf")
# Pages of the other reports, linked from the index when their surface is installed.
OTHER_REPORTS = (
    ("web_reports_annual.bilan", "Bilan annuel PLIE"),
    ("web_reports_annual.national", "Consolidation nationale"),
    ("web_reports_issued.index", "Rapports mensuels émis (historique, rectificatifs)"),
)


def last_month(on: date) -> date:
    first = on.replace(day=1)
    return (
        first.replace(year=first.year - 1, month=12)
        if first.month == 1
        else first.replace(month=first.month - 1)
    )


def month_text(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def _buyer_id(text: str | None) -> str | None:
    try:
        return str(uuid.UUID(text)) if text else None
    except ValueError:
        return None


def _other_reports() -> list[tuple[str, str]]:
    return [
        (url_for(endpoint), label)
        for endpoint, label in OTHER_REPORTS
        if endpoint in current_app.view_functions
    ]


@bp.get("/rapports")
@page_roles(*READERS)
def index():
    """The choice of a buyer and a month; sent (``?donneur=…&mois=…``) it opens the report."""
    scope = current_scope()
    with services().store.reading() as conn:
        buyers = queries.list_buyers(conn, scope.buyer_ids, limit=100_000)
    sent = "mois" in request.args or "donneur" in request.args
    chosen_month = request.args.get("mois", month_text(last_month(today())))
    chosen_buyer = request.args.get("donneur") or (buyers[0]["buyer_id"] if buyers else "")
    errors = {}
    if sent:
        month = parse_month(chosen_month)
        buyer = _buyer_id(chosen_buyer)
        if month is None:
            errors["mois"] = f"Mois invalide : {MONTH_HINT}."
        if buyer is None or buyer not in {b["buyer_id"] for b in buyers}:
            errors["donneur"] = "Choisissez un donneur d'ordre de la liste."
        if not errors:
            return redirect(url_for(".monthly", buyer_id=buyer, month=month_text(month)))
    status = 400 if errors else 200
    page = render_template(
        "reports/monthly_index.html",
        buyers=buyers,
        chosen_buyer=chosen_buyer,
        chosen_month=chosen_month,
        errors=errors,
        others=_other_reports(),
    )
    return page, status


def _report(buyer_id, month_text_: str) -> dict:
    month = parse_month(month_text_)
    if month is None:
        not_found(f"Mois introuvable dans l'adresse : {MONTH_HINT}.")
    if not current_scope().sees_buyer(buyer_id):
        not_found()
    with services().store.reading() as conn:
        try:
            return build_monthly_report(conn, str(buyer_id), month)
        except UnknownBuyer:
            not_found()


@bp.get("/rapports/mensuel/<uuid:buyer_id>/<month>")
@page_roles(*READERS)
def monthly(buyer_id, month):
    report = _report(buyer_id, month)
    return render_template(
        "reports/monthly_page.html",
        report=report,
        body=Markup(monthly_html(report, standalone=False)),
        downloads=[
            (url_for(".download", buyer_id=buyer_id, month=month, kind=kind), kind.upper())
            for kind in DOWNLOADS
        ],
    )


@bp.get("/rapports/mensuel/<uuid:buyer_id>/<month>.<kind>")
@page_roles(*READERS)
def download(buyer_id, month, kind):
    if kind not in DOWNLOADS:
        not_found("Format inconnu : .xlsx ou .pdf.")
    report = _report(buyer_id, month)
    return attachment(render(report, kind), MEDIA_TYPES[kind], report_filename(report, kind))
