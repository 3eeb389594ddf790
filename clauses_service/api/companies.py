"""/api/v1/companies: attributaires, ETTI, EI, ACI, AI, GEIQ, EA — by SIRET.

The facilitator reads and writes every company; a company account reads only its own
company records (those of its SIRETs) and their lots. Other roles: 403.
"""

from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from clauses_service.api import market_schemas as s
from clauses_service.api.common import HistoryEntry, history, offset, page_schema, paged, run
from clauses_service.auth.roles import Role
from clauses_service.auth.security import current_scope, roles_required
from clauses_service.commands.companies import ChangeCompanyDetails, RegisterCompany
from clauses_service.domain.companies import normalise_siret
from clauses_service.extensions import services
from projections import queries

blp = Blueprint(
    "companies",
    __name__,
    url_prefix="/companies",
    description="Entreprises : attributaires et structures d'insertion (ETTI, EI, GEIQ…)",
)
READERS = (Role.FACILITATOR, Role.COMPANY)
CompanyPage = page_schema(s.CompanySchema, "CompanyPage")


def _visible(company_id) -> dict:
    scope = current_scope()
    with services().store.reading() as conn:
        company = queries.get_company(conn, company_id)
    if company is None or not scope.sees_company(company_id):
        abort(404, message="Entreprise introuvable.")
    return company


@blp.route("")
class Companies(MethodView):
    @roles_required(*READERS)
    @blp.arguments(s.CompanyListArgs, location="query")
    @blp.response(200, CompanyPage)
    def get(self, args):
        """Liste des entreprises visibles (filtres : type, recherche) ou recherche par SIRET."""
        scope = current_scope()
        with services().store.reading() as conn:
            if args["siret"] is not None:
                found = queries.company_by_siret(conn, normalise_siret(args["siret"]))
                visible = found is not None and scope.sees_company(found["company_id"])
                items = [found] if visible and args["page"] == 1 else []
                return paged(items, int(visible), args)
            items, total = queries.list_companies_among(
                conn,
                company_ids=scope.company_ids,
                kind=args["kind"],
                search=args["search"],
                limit=args["page_size"],
                offset=offset(args),
            )
        return paged(items, total, args)

    @roles_required(Role.FACILITATOR)
    @blp.arguments(s.CompanyCreate)
    @blp.response(201, s.CompanyWriteResult)
    def post(self, body):
        """Enregistrer une entreprise (SIRET vérifié : 14 chiffres dont la clé de contrôle)."""
        return run(RegisterCompany(company_id=uuid.uuid4(), **body))


@blp.route("/<uuid:company_id>")
class CompanyItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, s.CompanySchema)
    def get(self, company_id):
        """Une entreprise."""
        return _visible(company_id)

    @roles_required(Role.FACILITATOR)
    @blp.arguments(s.CompanyChange)
    @blp.response(200, s.CompanyWriteResult)
    def patch(self, body, company_id):
        """Renommer une entreprise ou changer son type (les champs absents restent inchangés)."""
        company = _visible(company_id)
        return run(
            ChangeCompanyDetails(
                company_id=company_id,
                name=body.get("name", company["name"]),
                kind=body.get("kind", company["kind"]),
                expected_version=body.get("expected_version"),
            )
        )


@blp.route("/<uuid:company_id>/lots")
class CompanyLots(MethodView):
    @roles_required(*READERS)
    @blp.response(200, s.CompanyLot(many=True))
    def get(self, company_id):
        """Les lots attribués à l'entreprise, avec leur marché."""
        _visible(company_id)
        with services().store.reading() as conn:
            return queries.lots_of_company(conn, company_id)


@blp.route("/<uuid:company_id>/history")
class CompanyHistory(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.response(200, HistoryEntry(many=True))
    def get(self, company_id):
        """Historique : qui a fait quoi, quand, depuis quelle source."""
        _visible(company_id)
        return history(str(company_id))
