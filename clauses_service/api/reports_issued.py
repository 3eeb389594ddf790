"""/api/v1/reports/issued: issued monthly reports, their downloads and rectificatifs.

An issued report is downloaded with the figures it was issued with (recomputed as the
log stood at its position, hash checked: 409 if they no longer match); its
rectificatif lists what changed since, line by line. The facilitator and the
administrator see every buyer's and issue them; a buyer account sees its own buyer's
only (another buyer's is a 404); the PLIE team and companies none (403).
"""

from __future__ import annotations

import uuid

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from clauses_service.api.common import run
from clauses_service.api.hours import Month
from clauses_service.api.reports_monthly import download
from clauses_service.auth.roles import Role
from clauses_service.auth.security import current_scope, roles_required
from clauses_service.commands.reports import IssueMonthlyReport
from clauses_service.extensions import services
from clauses_service.reports.issued import content_sha256, recompute_issued, rectificatif
from clauses_service.reports.jsonable import to_jsonable
from projections.queries import reports as queries

blp = Blueprint(
    "reports_issued",
    __name__,
    url_prefix="/reports/issued",
    description="Rapports mensuels émis",
)
READERS = (Role.FACILITATOR, Role.ADMIN, Role.BUYER)
ISSUERS = (Role.FACILITATOR, Role.ADMIN)
NOT_FOUND = "Rapport émis introuvable."


class IssuedListArgs(Schema):
    buyer = fields.UUID(load_default=None, metadata={"description": "Id du donneur d'ordre"})


class IssueBody(Schema):
    buyer_id = fields.UUID(required=True)
    month = Month(required=True, metadata={"example": "2024-03"})


class DownloadArgs(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "xlsx", "pdf")))


class DeliverySchema(Schema):
    attempt = fields.Integer()
    succeeded = fields.Boolean()
    recipients = fields.List(fields.String())
    error = fields.String(allow_none=True)
    attempted_at = fields.DateTime()


class IssuedSchema(Schema):
    report_id = fields.UUID()
    buyer_id = fields.UUID()
    buyer_name = fields.String(allow_none=True)
    month = Month()
    position = fields.Integer()
    content_sha256 = fields.String()
    issued_at = fields.DateTime()
    issued_by = fields.String()
    trigger = fields.String()
    delivery_status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    last_attempt_at = fields.DateTime(allow_none=True)


class IssuedDetailSchema(IssuedSchema):
    deliveries = fields.List(fields.Nested(DeliverySchema))


class IssuedList(Schema):
    items = fields.List(fields.Nested(IssuedSchema))


class IssueResult(Schema):
    report_id = fields.UUID()
    buyer_id = fields.UUID()
    month = fields.String()
    position = fields.Integer()
    content_sha256 = fields.String()
    replayed = fields.Boolean()


class ChangeSchema(Schema):
    scope = fields.String()
    indicator = fields.String()
    issued = fields.Raw(allow_none=True)
    current = fields.Raw(allow_none=True)


class RectificatifSchema(Schema):
    report_id = fields.UUID()
    month = Month()
    issued_sha256 = fields.String()
    current_sha256 = fields.String()
    changes = fields.List(fields.Nested(ChangeSchema))


def _for_viewer(row: dict) -> dict:
    # SMTP errors name servers and addresses: the facilitator's business, not the buyer's.
    if current_scope().role is Role.BUYER:
        return {**row, "last_error": None}
    return row


def visible_report(report_id) -> dict:
    """The issued report ``report_id`` if the user may see it, else 404."""
    with services().store.reading() as conn:
        row = queries.get_issued_by_id(conn, report_id)
    if row is None or not current_scope().sees_buyer(row["buyer_id"]):
        abort(404, message=NOT_FOUND)
    return row


@blp.route("")
class IssuedReports(MethodView):
    @roles_required(*READERS)
    @blp.arguments(IssuedListArgs, location="query")
    @blp.response(200, IssuedList)
    def get(self, args):
        """Rapports émis (les plus récents d'abord)."""
        scope = current_scope()
        buyer_ids = None if scope.buyer_ids is None else sorted(scope.buyer_ids)
        if args["buyer"] is not None:
            if not scope.sees_buyer(args["buyer"]):
                return {"items": []}
            buyer_ids = [str(args["buyer"])]
        with services().store.reading() as conn:
            rows = queries.list_issued(conn, buyer_ids)
        return {"items": [_for_viewer(r) for r in rows]}

    @roles_required(*ISSUERS)
    @blp.arguments(IssueBody)
    @blp.response(201, IssueResult)
    def post(self, body):
        """Émettre le rapport mensuel d'un donneur d'ordre (409 s'il l'est déjà)."""
        return run(IssueMonthlyReport(buyer_id=body["buyer_id"], month=body["month"]))


@blp.route("/failed")
class FailedDeliveries(MethodView):
    @roles_required(*ISSUERS)
    @blp.response(200, IssuedList)
    def get(self):
        """Rapports dont le dernier envoi par courriel a échoué."""
        with services().store.reading() as conn:
            return {"items": queries.failed_deliveries(conn)}


@blp.route("/<uuid:report_id>")
class IssuedReport(MethodView):
    @roles_required(*READERS)
    @blp.response(200, IssuedDetailSchema)
    def get(self, report_id: uuid.UUID):
        """Un rapport émis et ses envois."""
        row = visible_report(report_id)
        with services().store.reading() as conn:
            row["deliveries"] = queries.deliveries(conn, report_id)
        if current_scope().role is Role.BUYER:
            row["deliveries"] = [{**d, "error": None} for d in row["deliveries"]]
        return _for_viewer(row)


@blp.route("/<uuid:report_id>/content")
class IssuedContent(MethodView):
    @roles_required(*READERS)
    @blp.arguments(DownloadArgs, location="query")
    @blp.doc(responses={"200": {"description": "Le rapport tel qu'émis (JSON, XLSX ou PDF)"}})
    def get(self, args, report_id: uuid.UUID):
        """Le rapport tel qu'il a été émis (mêmes chiffres, empreinte vérifiée)."""
        report = recompute_issued(services().store, visible_report(report_id))
        if args["format"] == "json":
            return jsonify(to_jsonable(report))
        return download(report, args["format"])


@blp.route("/<uuid:report_id>/rectificatif")
class IssuedRectificatif(MethodView):
    @roles_required(*READERS)
    @blp.response(200, RectificatifSchema)
    def get(self, report_id: uuid.UUID):
        """Ce qui a changé depuis l'émission, ligne par ligne."""
        row = visible_report(report_id)
        _, now, changes = rectificatif(services().store, row)
        return {
            "report_id": row["report_id"],
            "month": row["month"],
            "issued_sha256": row["content_sha256"],
            "current_sha256": content_sha256(now),
            "changes": [change.to_json() for change in changes],
        }
