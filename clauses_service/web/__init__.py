"""Web pages (French). One blueprint per surface; this one is the home page.

``init_app`` registers the other surfaces (``SURFACES``), the French filters, the menu
of each role and the French refusal pages (403, 404) of the web routes.
"""

from datetime import timedelta

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from clauses_service.auth.roles import Role
from clauses_service.extensions import services
from events.catalog.buyers import BuyerKind
from projections import queries

bp = Blueprint("web", __name__)

# (endpoint, label) of each role's menu, in order.
MENUS = {
    Role.FACILITATOR: [
        ("web_desk.dashboard", "Tableau de bord"),
        ("web_markets.index", "Marchés"),
        ("web_people.index", "Personnes"),
        ("web_imports.index", "Imports"),
        ("web_companies.index", "Entreprises"),
        ("web_companies.buyers", "Donneurs d'ordre"),
        ("web_reports.index", "Rapports"),
    ],
    Role.COMPANY: [
        ("web_companies.my_lots", "Mes lots"),
        ("web_imports.declare", "Déclarer mes heures"),
    ],
    Role.BUYER: [
        ("web_markets.index", "Mes marchés"),
        ("web_reports_issued.index", "Rapports mensuels"),
    ],
    Role.PLIE: [
        ("web_people.plie", "Participants PLIE"),
        ("web_reports_annual.bilan", "Bilan annuel"),
    ],
    Role.ADMIN: [],
}
SECTION_OF = {
    "web_followup": "web_people",
    "web_hours": "web_people",
    "web_reports_annual": "web_reports",
    "web_reports_issued": "web_reports",
}  # pages shown under another menu entry
HOME_OF = {
    Role.FACILITATOR: "web_desk.dashboard",
    Role.COMPANY: "web_companies.my_lots",
    Role.BUYER: "web_markets.index",
    Role.PLIE: "web_people.plie",
}
ERROR_MESSAGES = {
    403: "Accès refusé : votre rôle ne permet pas d'ouvrir cette page.",
    404: "Ressource introuvable : cette page n'existe pas ou ne vous est pas accessible.",
    405: "Cette action n'est pas possible à cette adresse.",
}


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


@bp.get("/espace")
def my_space():
    """Where a user starts: their role's first page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    endpoint = HOME_OF.get(current_user.role)
    return redirect(url_for(endpoint) if endpoint else url_for("web.home"))


def _menu():
    if not current_user.is_authenticated:
        return {"menu": [], "menu_current": None}
    items = MENUS.get(current_user.role, [])
    endpoint = request.endpoint or ""
    current = next((e for e, _ in items if e == endpoint), None)
    if current is None:
        prefix = SECTION_OF.get(endpoint.split(".")[0], endpoint.split(".")[0])
        current = next((e for e, _ in items if e.split(".")[0] == prefix), None)
    return {
        "menu": [(url_for(e), label, e == current) for e, label in items],
        "menu_current": current,
    }


def _error_page(exc: HTTPException):
    from clauses_service.errors import http_error_response, wants_json

    if wants_json():
        return http_error_response(exc)
    status = exc.code or 500
    message = ERROR_MESSAGES.get(status, "Erreur.")
    if status == 404 and exc.description and not exc.description.startswith("The requested"):
        message = exc.description
    response = render_template("error.html", status=status, message=message)
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return response, status, headers


SESSION_LIFETIME = timedelta(hours=8)


def init_app(app: Flask) -> None:
    from clauses_service.web import (
        companies,
        desk,
        export,
        followup,
        formatting,
        hours,
        markets,
        people,
        search,
        setup,
    )

    # Flask's own default (31 days) is far too long for a shared office computer: unless
    # the configuration chose another lifetime, a session ends after 8 idle hours.
    if (
        app.config["PERMANENT_SESSION_LIFETIME"]
        == Flask.default_config["PERMANENT_SESSION_LIFETIME"]
    ):
        app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    formatting.init_app(app)
    app.add_template_global(export.export_url, "export_url")  # list pages' XLSX link
    app.context_processor(_menu)
    for surface in (desk, markets, people, followup, companies, search, setup, hours):
        app.register_blueprint(surface.bp)
    from clauses_service.web import reports, reports_annual

    app.register_blueprint(reports.bp)

    app.register_blueprint(reports_annual.bp)
    from clauses_service.web import reports_issued

    app.register_blueprint(reports_issued.bp)
    from clauses_service.web import imports

    app.register_blueprint(imports.bp)
    for status in (403, 404, 405):
        app.register_error_handler(status, _error_page)
