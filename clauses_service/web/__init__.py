"""Web pages (French). One blueprint per surface; this one is the home page."""

from flask import Blueprint, render_template
from flask_login import current_user

from clauses_service.extensions import services
from events.catalog.buyers import BuyerKind
from projections import queries

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    svc = services()
    buyers = []
    if current_user.is_authenticated:
        from clauses_service.auth.security import current_scope

        scope = current_scope()
        if scope.company_ids is None:
            with svc.store.reading() as conn:
                buyers = queries.list_buyers(conn, scope.buyer_ids)
    for buyer in buyers:
        buyer["kind_label"] = BuyerKind(buyer["kind"]).label
    return render_template("home.html", head=svc.store.head_position(), buyers=buyers)
