"""/api/v1/reports/bilan and /api/v1/reports/national: the annual reports.

JSON by default (hours as strings with two decimals, dates ISO); ``format=xlsx`` (bilan,
national) or ``format=csv`` (national) downloads the file. Aggregates only, no personal
data: the PLIE team, facilitators and administrators read them; buyers and companies
are refused (403).
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from clauses_service.auth.roles import Role
from clauses_service.auth.security import roles_required
from clauses_service.downloads import attachment
from clauses_service.extensions import services
from clauses_service.reports import render_annual
from clauses_service.reports.bilan import build_plie_bilan
from clauses_service.reports.jsonable import to_jsonable
from clauses_service.reports.national import build_national_export

blp = Blueprint("reports_annual", __name__, url_prefix="/reports", description="Rapports annuels")
READERS = (Role.PLIE, Role.FACILITATOR, Role.ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIN_YEAR, MAX_YEAR = 2000, 2100


class YearArgs(Schema):
    year = fields.Integer(
        required=True,
        validate=validate.Range(min=MIN_YEAR, max=MAX_YEAR),
        metadata={"example": 2024, "description": "Année civile"},
    )


class BilanArgs(YearArgs):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "xlsx"]))


class NationalArgs(YearArgs):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))


def _build(builder, year: int) -> dict:
    with services().store.reading() as conn:
        return builder(conn, year)


@blp.route("/bilan")
class Bilan(MethodView):
    @roles_required(*READERS)
    @blp.arguments(BilanArgs, location="query")
    @blp.response(200, description="Bilan annuel PLIE (JSON ou XLSX)")
    def get(self, args):
        """Bilan annuel PLIE des clauses d'insertion : heures des participants, orientations,
        validations, QPV, participants sous contrat, sorties positives."""
        report = _build(build_plie_bilan, args["year"])
        if args["format"] == "xlsx":
            return attachment(
                render_annual.bilan_xlsx(report), XLSX, f"bilan-plie-{args['year']}.xlsx"
            )
        return to_jsonable(report)


@blp.route("/national")
class National(MethodView):
    @roles_required(*READERS)
    @blp.arguments(NationalArgs, location="query")
    @blp.response(200, description="Consolidation nationale (JSON, CSV ou XLSX)")
    def get(self, args):
        """Consolidation nationale : heures, ETP, contrats signés, participants, donneurs
        d'ordre, marchés avec clause par tranche de montant, par modalité."""
        report = _build(build_national_export, args["year"])
        name = f"consolidation-nationale-{args['year']}"
        if args["format"] == "csv":
            return attachment(render_annual.national_csv(report), "text/csv", f"{name}.csv")
        if args["format"] == "xlsx":
            return attachment(render_annual.national_xlsx(report), XLSX, f"{name}.xlsx")
        return to_jsonable(report)
