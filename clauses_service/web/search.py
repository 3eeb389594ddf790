"""Search across people, markets, companies and buyers (the facilitator's search box).

One text, four short result lists (each capped, with a link to the full filtered list),
so that a name, a market reference or a SIRET typed in the header finds its page.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from clauses_service.auth.roles import Role
from clauses_service.extensions import services
from clauses_service.web.access import page_roles
from clauses_service.web.tables import search_text
from events.catalog.buyers import BuyerKind
from projections import queries

bp = Blueprint("web_search", __name__)
SHOWN = 10  # per kind; the "see all" link opens the full list with the same text
MIN_LENGTH = 2


@bp.get("/recherche")
@page_roles(Role.FACILITATOR)
def index():
    text = search_text()
    results = None
    if len(text) >= MIN_LENGTH:
        with services().store.reading() as conn:
            people, people_total = queries.search_people(conn, text, SHOWN, 0)
            markets, markets_total = queries.list_markets(conn, search=text, limit=SHOWN)
            companies, companies_total = queries.list_companies(conn, search=text, limit=SHOWN)
            buyers = queries.list_buyers(conn, None, text, SHOWN, 0)
            buyers_total = queries.count_buyers(conn, None, text)
        for buyer in buyers:
            buyer["kind_label"] = BuyerKind(buyer["kind"]).label
        results = {
            "people": (people, people_total),
            "markets": (markets, markets_total),
            "companies": (companies, companies_total),
            "buyers": (buyers, buyers_total),
        }
    return render_template(
        "search/index.html",
        text=text,
        results=results,
        too_short=bool(text) and len(text) < MIN_LENGTH,
        shown=SHOWN,
    )
