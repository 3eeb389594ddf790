"""The facilitator's follow-up forms on a person's page: PLIE entry and exit, the end of
a clause contract, and what became of the person (exits, at the end and at six months)."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, request, url_for

from clauses_service.auth.roles import Role
from clauses_service.commands.contracts import EndContract, RecordExit
from clauses_service.commands.people import EndPlieLink, StartPlieLink
from clauses_service.extensions import services
from clauses_service.web import forms
from clauses_service.web.access import not_found, page_roles, render_form, run_form
from clauses_service.web.people import _person_for_form
from clauses_service.web.schedule import today
from events.catalog.contracts import ContractEndReason, ExitOutcome, ExitStage
from projections import queries

bp = Blueprint("web_followup", __name__)


def _back(person_id, message: str):
    flash(message, "success")
    return redirect(url_for("web_people.detail", person_id=person_id))


def _contract_of(person: dict, contract_id) -> dict:
    """The contract, if it is one of this person's (or of someone merged into them)."""
    with services().store.reading() as conn:
        contract = queries.get_contract(conn, contract_id)
    if contract is None or contract["person_id"] not in {person["person_id"], *person["absorbed"]}:
        not_found("Contrat introuvable pour cette personne.")
    return contract


@bp.route("/personnes/<uuid:person_id>/plie", methods=["GET", "POST"])
@page_roles(Role.FACILITATOR)
def plie_entry(person_id):
    person = _person_for_form(person_id)
    form = forms.PlieEntryForm()
    if request.method == "GET":
        form.entry_date.data = today()
    if form.validate_on_submit():
        command = StartPlieLink(
            person_id=person_id,
            link_id=uuid.uuid4(),
            entry_date=form.entry_date.data,
            referent=form.referent.data,
        )
        if run_form(form, command) is not None:
            return _back(person_id, "Entrée au PLIE enregistrée.")
    return render_form("people/plie_entry.html", form, person=person)


@bp.route("/personnes/<uuid:person_id>/plie/<uuid:link_id>/sortie", methods=["GET", "POST"])
@page_roles(Role.FACILITATOR)
def plie_exit(person_id, link_id):
    person = _person_for_form(person_id)
    link = next((x for x in person["plie_links"] if x["link_id"] == str(link_id)), None)
    if link is None:
        not_found("Accompagnement PLIE introuvable pour cette personne.")
    form = forms.PlieExitForm()
    if request.method == "GET":
        form.exit_date.data = today()
    if form.validate_on_submit():
        command = EndPlieLink(
            person_id=person_id,
            link_id=link_id,
            exit_date=form.exit_date.data,
            reason=form.reason.data,
        )
        if run_form(form, command, {"link_id": None}) is not None:
            return _back(person_id, "Sortie du PLIE enregistrée.")
    return render_form("people/plie_exit.html", form, person=person, link=link)


@bp.route("/personnes/<uuid:person_id>/contrats/<uuid:contract_id>/fin", methods=["GET", "POST"])
@page_roles(Role.FACILITATOR)
def contract_end(person_id, contract_id):
    person = _person_for_form(person_id)
    contract = _contract_of(person, contract_id)
    form = forms.ContractEndForm()
    if request.method == "GET":
        form.end_date.data = contract["planned_end"] or today()
    if form.validate_on_submit():
        command = EndContract(
            contract_id=contract_id,
            end_date=form.end_date.data,
            reason=ContractEndReason(form.reason.data),
            reason_text=(form.reason_text.data or "").strip() or None,
        )
        if run_form(form, command, {"contract_id": None}) is not None:
            return _back(person_id, "Fin du contrat enregistrée.")
    return render_form("people/contract_end.html", form, person=person, contract=contract)


@bp.route("/personnes/<uuid:person_id>/contrats/<uuid:contract_id>/sortie", methods=["GET", "POST"])
@page_roles(Role.FACILITATOR)
def exit_(person_id, contract_id):
    person = _person_for_form(person_id)
    contract = _contract_of(person, contract_id)
    form = forms.ExitForm()
    if request.method == "GET":
        form.observed_on.data = today()
        form.stage.data = ExitStage.SIX_MONTHS.value if contract["end_date"] else "AT_END"
    if form.validate_on_submit():
        command = RecordExit(
            contract_id=contract_id,
            stage=ExitStage(form.stage.data),
            outcome=ExitOutcome(form.outcome.data),
            observed_on=form.observed_on.data,
            detail=(form.detail.data or "").strip() or None,
        )
        if run_form(form, command, {"contract_id": None}) is not None:
            return _back(person_id, "Sortie enregistrée.")
    return render_form("people/exit.html", form, person=person, contract=contract)
