"""Companies and buyers: the facilitator's lists, a company's page, and a company
user's own lots ("Mes lots")."""

from __future__ import annotations

from flask import Blueprint, render_template

from clauses_service.auth.roles import Role
from clauses_service.auth.security import current_scope
from clauses_service.extensions import services
from clauses_service.web.access import not_found, page_roles
from clauses_service.web.export import Column, wants_export, xlsx_response
from clauses_service.web.tables import Pager, page_number, search_text
from events.catalog.buyers import BuyerKind
from projections import queries

bp = Blueprint("web_companies", __name__)
COMPANIES_EXPORT = [
    Column("Nom", lambda c: c["name"], width=36),
    Column("SIRET", lambda c: c["siret"]),
    Column("Type", lambda c: c["kind"].label, width=28),
]
BUYERS_EXPORT = [
    Column("Nom", lambda b: b["name"], width=36),
    Column("Type", lambda b: BuyerKind(b["kind"]).label, width=28),
    Column("Marchés", lambda b: b["market_count"], "0"),
    Column("Contacts des rapports", lambda b: ", ".join(b["contacts"]), width=40),
]
CONTRACTS_SHOWN = 100


@bp.get("/entreprises")
@page_roles(Role.FACILITATOR)
def index():
    search = search_text()
    pager = Pager(page_number(), 0)
    with services().store.reading() as conn:
        if wants_export():
            items, _ = queries.list_companies(conn, search=search, limit=1_000_000, offset=0)
            return xlsx_response("entreprises", "Entreprises", COMPANIES_EXPORT, items)
        items, pager.total = queries.list_companies(
            conn, search=search, limit=pager.size, offset=(pager.page - 1) * pager.size
        )
    return render_template("companies/index.html", companies=items, pager=pager, search=search)


def _lots_with_progress(conn, company_id) -> list[dict]:
    lots = queries.lots_of_company(conn, company_id)
    for lot in lots:
        lot["progress"] = queries.lot_progress(conn, lot["lot_id"]) or {}
    return lots


@bp.get("/entreprises/<uuid:company_id>")
@page_roles(Role.FACILITATOR, Role.COMPANY)
def detail(company_id):
    scope = current_scope()
    if not scope.sees_company(company_id):
        not_found("Entreprise introuvable.")
    with services().store.reading() as conn:
        company = queries.get_company(conn, company_id)
        if company is None:
            not_found("Entreprise introuvable.")
        lots = _lots_with_progress(conn, company_id)
        contracts = queries.search_contracts(
            conn, limit=CONTRACTS_SHOWN, company_id=company_id, company_ids=[str(company_id)]
        )
        identities = queries.identities_of(conn, [c["person_id"] for c in contracts])
    return render_template(
        "companies/detail.html",
        company=company,
        lots=lots,
        contracts=contracts,
        identities=identities,
    )


@bp.get("/mes-lots")
@page_roles(Role.COMPANY)
def my_lots():
    scope = current_scope()
    with services().store.reading() as conn:
        companies = [
            {**company, "lots": _lots_with_progress(conn, company["company_id"])}
            for company in (queries.get_company(conn, cid) for cid in sorted(scope.company_ids))
            if company is not None
        ]
    return render_template("companies/my_lots.html", companies=companies)


@bp.get("/donneurs-ordre")
@page_roles(Role.FACILITATOR)
def buyers():
    search = search_text()
    pager = Pager(page_number(), 0)
    exporting = wants_export()
    with services().store.reading() as conn:
        pager.total = queries.count_buyers(conn, None, search)
        if exporting:
            items = queries.list_buyers(conn, None, search, 1_000_000, 0)
        else:
            items = queries.list_buyers(
                conn, None, search, pager.size, (pager.page - 1) * pager.size
            )
        for buyer in items:
            _, buyer["market_count"] = queries.list_markets(
                conn, buyer_ids=[buyer["buyer_id"]], limit=1
            )
    if exporting:
        return xlsx_response("donneurs-ordre", "Donneurs d'ordre", BUYERS_EXPORT, items)
    return render_template("companies/buyers.html", buyers=items, pager=pager, search=search)
