"""The facilitator's set-up pages: register buyers (and their report contacts),
companies, markets, their lots, and lot amendments (avenants).

Each page translates its form into one command; a refused command shows its French
message next to the field it names, and the form keeps what was typed.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from flask import Blueprint, flash, redirect, request, url_for

from clauses_service.auth.roles import Role
from clauses_service.commands.buyers import RegisterBuyer, SetBuyerContacts
from clauses_service.commands.companies import RegisterCompany
from clauses_service.commands.markets import AddLot, AmendLot, RegisterMarket
from clauses_service.extensions import services
from clauses_service.web import setup_forms
from clauses_service.web.access import not_found, page_roles, render_form, run_form
from events.catalog.buyers import BuyerKind
from events.catalog.companies import CompanyKind
from events.catalog.markets import LegalBasis
from events.catalog.sectors import Sector
from projections import queries

bp = Blueprint("web_setup", __name__)
FACILITATOR = Role.FACILITATOR
HUNDRED = Decimal(100)


# ---- buyers ---------------------------------------------------------------------------------
@bp.route("/donneurs-ordre/nouveau", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def new_buyer():
    form = setup_forms.BuyerForm()
    if form.validate_on_submit():
        buyer_id = uuid.uuid4()
        done = run_form(
            form,
            RegisterBuyer(buyer_id=buyer_id, name=form.name.data, kind=BuyerKind(form.kind.data)),
        )
        if done is not None and form.emails:
            done = run_form(
                form,
                SetBuyerContacts(buyer_id=buyer_id, emails=form.emails),
                {"emails": "contacts"},
                step=":contacts",
            )
            if done is None:  # registered, but the addresses were refused: fix them there
                flash("Donneur d'ordre enregistré ; corrigez les adresses e-mail.", "warning")
                return redirect(url_for("web_setup.buyer_contacts", buyer_id=buyer_id))
        if done is not None:
            flash(f"Donneur d'ordre « {form.name.data.strip()} » enregistré.", "success")
            return redirect(url_for("web_companies.buyers"))
    return render_form("setup/buyer.html", form)


@bp.route("/donneurs-ordre/<uuid:buyer_id>/contacts", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def buyer_contacts(buyer_id):
    with services().store.reading() as conn:
        buyer = queries.get_buyer(conn, buyer_id)
    if buyer is None:
        not_found("Donneur d'ordre introuvable.")
    form = setup_forms.ContactsForm()
    if request.method == "GET":
        form.contacts.data = "\n".join(buyer["contacts"])
    if form.validate_on_submit():
        command = SetBuyerContacts(buyer_id=buyer_id, emails=form.emails)
        if run_form(form, command, {"emails": "contacts"}) is not None:
            flash("Destinataires du rapport mensuel enregistrés.", "success")
            return redirect(url_for("web_companies.buyers"))
    return render_form("setup/contacts.html", form, buyer=buyer)


# ---- companies ------------------------------------------------------------------------------
@bp.route("/entreprises/nouvelle", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def new_company():
    form = setup_forms.CompanyForm()
    if form.validate_on_submit():
        company_id = uuid.uuid4()
        command = RegisterCompany(
            company_id=company_id,
            siret=form.siret.data,
            name=form.name.data,
            kind=CompanyKind(form.kind.data),
        )
        if run_form(form, command) is not None:
            flash(f"Entreprise « {form.name.data.strip()} » enregistrée.", "success")
            return redirect(url_for("web_companies.detail", company_id=company_id))
    return render_form("setup/company.html", form)


# ---- markets and lots -----------------------------------------------------------------------
@bp.route("/marches/nouveau", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def new_market():
    form = setup_forms.MarketForm()
    with services().store.reading() as conn:
        buyers = queries.list_buyers(conn)
    form.buyer.choices = [("", "— choisir —")] + [(b["buyer_id"], b["name"]) for b in buyers]
    if request.method == "GET" and request.args.get("donneur"):
        form.buyer.data = request.args["donneur"]
    if form.validate_on_submit():
        market_id = uuid.uuid4()
        command = RegisterMarket(
            market_id=market_id,
            buyer_id=uuid.UUID(form.buyer.data),
            reference=form.reference.data,
            title=form.title.data,
            kind=Sector(form.kind.data),
            legal_basis=LegalBasis(form.legal_basis.data),
            start_date=form.start_date.data,
            end_date=form.end_date.data,
        )
        if run_form(form, command, {"buyer_id": "buyer"}) is not None:
            flash(f"Marché {form.reference.data.strip()} enregistré ; ajoutez ses lots.", "success")
            return redirect(url_for("web_setup.new_lot", market_id=market_id))
    return render_form("setup/market.html", form)


def _market(market_id) -> dict:
    with services().store.reading() as conn:
        market = queries.get_market(conn, market_id)
    if market is None:
        not_found("Marché introuvable.")
    return market


def _percent(field) -> Decimal | None:
    """A percentage typed in the form (40 for 40 %) as the fraction the domain keeps."""
    value = field.data
    if value is None:
        return None
    if not Decimal(0) <= value <= HUNDRED:
        field.errors = [*field.errors, "Indiquez un pourcentage entre 0 et 100."]
        return None
    return value / HUNDRED


@bp.route("/marches/<uuid:market_id>/lots/nouveau", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def new_lot(market_id):
    market = _market(market_id)
    form = setup_forms.LotForm()
    if form.validate_on_submit():
        share, rate = _percent(form.labour_share), _percent(form.insertion_rate)
        if share is not None and rate is not None:
            command = AddLot(
                market_id=market_id,
                lot_id=uuid.uuid4(),
                number=form.number.data,
                title=form.title.data or "",
                awarded_siret=form.awarded_siret.data,
                amount_excl_vat=form.amount_excl_vat.data,
                labour_share=share,
                insertion_rate=rate,
                hourly_cost=form.hourly_cost.data,
                manual_hours=form.manual_hours.data,
            )
            if run_form(form, command) is not None:
                flash(f"Lot {form.number.data.strip()} ajouté au marché.", "success")
                return redirect(url_for("web_markets.detail", market_id=market_id))
    return render_form("setup/lot.html", form, market=market)


@bp.route("/marches/<uuid:market_id>/lots/<uuid:lot_id>/avenant", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def amend_lot(market_id, lot_id):
    market = _market(market_id)
    lot = next((x for x in market["lots"] if x["lot_id"] == str(lot_id)), None)
    if lot is None:
        not_found("Lot introuvable.")
    form = setup_forms.AmendmentForm()
    if form.validate_on_submit():
        command = AmendLot(
            market_id=market_id,
            lot_id=lot_id,
            amended_on=form.amended_on.data,
            reason=form.reason.data,
            required_hours=form.required_hours.data,
            amount_excl_vat=form.amount_excl_vat.data,
        )
        if run_form(form, command) is not None:
            flash(f"Avenant enregistré sur le lot {lot['number']}.", "success")
            return redirect(url_for("web_markets.detail", market_id=market_id))
    return render_form("setup/amendment.html", form, market=market, lot=lot)
