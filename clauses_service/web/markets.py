"""Markets: the list (filters, sorting, pages) and a market's page (lots, progress chart).

Scoped like the API: a buyer sees its markets only, a company the markets where it
holds a lot (and of them, its own lots only); anything else is the French 404 page.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from flask import Blueprint, render_template, request

from clauses_service.auth.roles import Role
from clauses_service.auth.security import current_scope
from clauses_service.extensions import services
from clauses_service.web.access import not_found, page_roles
from clauses_service.web.charts import progress_svg
from clauses_service.web.export import (
    HOURS_FORMAT,
    PERCENT_FORMAT,
    Column,
    wants_export,
    xlsx_response,
)
from clauses_service.web.schedule import EVER, ZERO, standing, today
from clauses_service.web.tables import Pager, Sorting, page_number, search_text
from events.catalog.sectors import Sector
from projections import queries

bp = Blueprint("web_markets", __name__)
MARKETS_EXPORT = [
    Column("Référence", lambda m: m["reference"]),
    Column("Intitulé", lambda m: m["title"], width=40),
    Column("Donneur d'ordre", lambda m: m["buyer_name"], width=28),
    Column("Type", lambda m: m["kind"].label),
    Column("Début", lambda m: m["start_date"]),
    Column("Fin", lambda m: m["end_date"]),
    Column("Heures prévues", lambda m: m["required_hours"], HOURS_FORMAT),
    Column("Heures réalisées", lambda m: m["counted_hours"], HOURS_FORMAT),
    Column("Taux", lambda m: m["achievement_rate"], PERCENT_FORMAT),
    Column("Retard (heures)", lambda m: m["gap_hours"] if m["behind"] else None, HOURS_FORMAT),
]
READERS = (Role.FACILITATOR, Role.BUYER, Role.COMPANY)
CONTRACTS_SHOWN = 100

SORTS = {
    "reference": lambda m: m["reference"].casefold(),
    "intitule": lambda m: m["title"].casefold(),
    "donneur": lambda m: (m["buyer_name"] or "").casefold(),
    "type": lambda m: m["kind"].label,
    "debut": lambda m: m["start_date"],
    "fin": lambda m: m["end_date"],
    "prevu": lambda m: m["required_hours"],
    "realise": lambda m: m["counted_hours"],
    "taux": lambda m: m["achievement_rate"],
    "retard": lambda m: m["gap_hours"],
}


def _uuid(text: str | None) -> str | None:
    try:
        return str(uuid.UUID(text)) if text else None
    except ValueError:
        return None


def _counted_by_market(conn, markets: list[dict], scope, on) -> dict[str, Decimal]:
    """Counted hours per market: on the whole market, or on the company's own lots."""
    ids = [m["market_id"] for m in markets]
    if not ids:
        return {}
    if scope.company_ids is None:
        rows = queries.hours_breakdown(conn, ["market"], EVER, on, market_ids=ids)
        return {row["market"]: row["counted_hours"] for row in rows}
    own = {lot["lot_id"] for cid in scope.company_ids for lot in queries.lots_of_company(conn, cid)}
    totals: dict[str, Decimal] = {}
    for row in queries.hours_breakdown(conn, ["market", "lot"], EVER, on, market_ids=ids):
        if row["lot"] in own:
            totals[row["market"]] = totals.get(row["market"], ZERO) + row["counted_hours"]
    return totals


@bp.get("/marches")
@page_roles(*READERS)
def index():
    scope = current_scope()
    on = today()
    search = search_text()
    buyer = _uuid(request.args.get("donneur"))
    kind = request.args.get("type") or None
    if kind not in {s.value for s in Sector}:
        kind = None
    buyer_ids = scope.buyer_ids
    if buyer is not None:
        buyer_ids = [buyer] if scope.sees_buyer(buyer) else []
    with services().store.reading() as conn:
        markets, _ = queries.list_markets(
            conn, buyer_ids, scope.as_filters()["company_ids"], kind, search, limit=100_000
        )
        counted = _counted_by_market(conn, markets, scope, on)
        buyers = queries.list_buyers(conn, scope.buyer_ids) if scope.company_ids is None else []
    for market in markets:
        done = counted.get(market["market_id"], ZERO)
        market["counted_hours"] = done
        market.update(
            standing(market["required_hours"], done, market["start_date"], market["end_date"], on)
        )
    sorting = Sorting.from_request(SORTS, "reference")
    rows = sorting.apply(markets)
    if wants_export():
        return xlsx_response("marches", "Marchés", MARKETS_EXPORT, rows)
    pager = Pager(page_number(), len(rows))
    return render_template(
        "markets/index.html",
        markets=rows[pager.offset : pager.offset + pager.size],
        pager=pager,
        sorting=sorting,
        search=search,
        buyer=buyer,
        kind=kind,
        buyers=buyers,
        sectors=list(Sector),
        title="Mes marchés" if scope.buyer_ids is not None else "Marchés",
    )


@bp.get("/marches/<uuid:market_id>")
@page_roles(*READERS)
def detail(market_id):
    scope = current_scope()
    on = today()
    company_ids = scope.as_filters()["company_ids"]
    with services().store.reading() as conn:
        market = queries.get_market(conn, market_id, company_ids=company_ids)
        if market is None or not scope.sees_buyer(market["buyer_id"]):
            not_found()
        if company_ids is None:
            progress = queries.market_progress(conn, market_id)
        else:
            progress = queries.company_market_progress(conn, market_id, company_ids)
        contracts, identities, contract_total = [], {}, 0
        if scope.buyer_ids is None:
            filters = {"company_ids": company_ids, "market_id": market_id}
            contracts = queries.search_contracts(conn, limit=CONTRACTS_SHOWN, **filters)
            contract_total = queries.count_search_contracts(conn, **filters)
            identities = queries.identities_of(conn, [c["person_id"] for c in contracts])
        else:
            contract_total = queries.count_search_contracts(
                conn, buyer_ids=scope.as_filters()["buyer_ids"], market_id=market_id
            )
    figures = {lot["lot_id"]: lot for lot in progress["lots"]}
    for lot in market["lots"]:
        lot["progress"] = figures.get(lot["lot_id"], {})
    state = standing(
        progress["required_hours"],
        progress["counted_hours"],
        market["start_date"],
        market["end_date"],
        on,
    )
    chart = progress_svg(
        progress["months"],
        progress["required_hours"],
        market["start_date"],
        market["end_date"],
        on,
        title=f"Progression du marché {market['reference']}",
    )
    return render_template(
        "markets/detail.html",
        market=market,
        progress=progress,
        state=state,
        chart=chart,
        contracts=contracts,
        identities=identities,
        contract_total=contract_total,
        show_people=scope.buyer_ids is None,
    )
