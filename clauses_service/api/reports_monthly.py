"""/api/v1/reports/monthly: a buyer's monthly report, computed now from the read tables.

``?buyer=<id>&month=2024-03`` answers the report as JSON (hours as strings with two
decimals, never floats); ``&format=xlsx`` or ``&format=pdf`` downloads it.
The facilitator and the administrator read every buyer's report, a buyer account its
own buyer's only (another buyer's is a 404, like an unknown one); companies and the
PLIE team none (403).
"""

from __future__ import annotations

from flask import Response, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from clauses_service.api.hours import Month
from clauses_service.auth.roles import Role
from clauses_service.auth.security import current_scope, roles_required
from clauses_service.downloads import attachment
from clauses_service.extensions import services
from clauses_service.reports.jsonable import to_jsonable
from clauses_service.reports.monthly import UnknownBuyer, build_monthly_report
from clauses_service.reports.render_monthly import MEDIA_TYPES, render, report_filename

blp = Blueprint(
    "reports_monthly",
    __name__,
    url_prefix="/reports/monthly",
    description="Rapport mensuel d'un donneur d'ordre",
)
READERS = (Role.FACILITATOR, Role.ADMIN, Role.BUYER)
NOT_FOUND = "Donneur d'ordre introuvable."
FORMATS = ("json", "xlsx", "pdf")


class MonthlyArgs(Schema):
    buyer = fields.UUID(required=True, metadata={"description": "Id du donneur d'ordre"})
    month = Month(required=True, metadata={"example": "2024-03"})
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(FORMATS),
        metadata={"description": "json (par défaut), xlsx ou pdf"},
    )


def download(report: dict, extension: str) -> Response:
    """The report as a file to download (its name says the buyer and the month)."""
    return attachment(
        render(report, extension),
        MEDIA_TYPES[extension].split(";")[0],
        report_filename(report, extension),
    )


@blp.route("")
class MonthlyReport(MethodView):
    @roles_required(*READERS)
    @blp.arguments(MonthlyArgs, location="query")
    @blp.doc(responses={"200": {"description": "Le rapport (JSON, XLSX ou PDF)"}})
    def get(self, args):
        """Rapport mensuel : par marché et lot, heures prévues, du mois, cumulées, taux,
        reste, projection, retard ; répartitions et publics."""
        buyer_id = str(args["buyer"])
        if not current_scope().sees_buyer(buyer_id):
            abort(404, message=NOT_FOUND)
        with services().store.reading() as conn:
            try:
                report = build_monthly_report(conn, buyer_id, args["month"])
            except UnknownBuyer:
                abort(404, message=NOT_FOUND)
        if args["format"] == "json":
            return jsonify(to_jsonable(report))
        return download(report, args["format"])
