"""A contract's monthly hours (record a month, correct it, withdraw it, see every
version), and the person-record actions that cannot be undone lightly: merging a
duplicate record and erasing personal data. Facilitator only."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, request, url_for

from clauses_service.api.contracts import source_label
from clauses_service.auth.roles import Role
from clauses_service.commands.contracts import CorrectHours, RecordHours, WithdrawHours
from clauses_service.commands.people import ErasePersonalData, MergePeople
from clauses_service.extensions import services
from clauses_service.web import hours_forms
from clauses_service.web.access import not_found, page_roles, render_form, run_form
from clauses_service.web.followup import _contract_of
from clauses_service.web.people import _person_for_form
from clauses_service.web.tables import search_text
from importers.cells import clean_month
from importers.errors import CellError
from projections import queries

bp = Blueprint("web_hours", __name__)
FACILITATOR = Role.FACILITATOR
KIND_LABELS = {"RECORDED": "Déclaration", "CORRECTED": "Correction", "WITHDRAWN": "Retrait"}


def _month(text: str):
    try:
        month = clean_month(text, "Mois")
    except CellError:
        month = None
    if month is None:
        not_found("Mois introuvable.")
    return month


def _lines(contract_id) -> tuple[list[dict], list[dict]]:
    with services().store.reading() as conn:
        lines = queries.hours_of_contract(conn, contract_id)
        history = queries.hours_history_of(conn, contract_id)
    for line in lines:
        line["source_label"] = source_label(line.get("source"), line.get("recorded_by"))
    for version in history:
        version["kind_label"] = KIND_LABELS.get(version["kind"], version["kind"])
        version["source_label"] = source_label(version.get("source"), version.get("actor"))
    return lines, history


def _hours_page(person_id, contract_id):
    return redirect(
        url_for("web_hours.contract_hours", person_id=person_id, contract_id=contract_id)
    )


@bp.route("/personnes/<uuid:person_id>/contrats/<uuid:contract_id>/heures", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def contract_hours(person_id, contract_id):
    person = _person_for_form(person_id)
    contract = _contract_of(person, contract_id)
    form = hours_forms.RecordHoursForm()
    if form.validate_on_submit():
        command = RecordHours(
            contract_id=contract_id,
            month=form.month.data,
            hours=form.hours.data,
            training_hours=form.training_hours.data or 0,
        )
        result = run_form(form, command, {"contract_id": None, "training_hours": "training_hours"})
        if result is not None:
            flash("Heures enregistrées.", "success")
            for warning in result.get("warnings") or []:
                flash(warning, "warning")
            return _hours_page(person_id, contract_id)
    lines, history = _lines(contract_id)
    return render_form(
        "hours/contract.html", form, person=person, contract=contract, lines=lines, history=history
    )


def _line_of(contract_id, month) -> dict:
    lines, _ = _lines(contract_id)
    line = next((x for x in lines if x["month"] == month and not x["withdrawn"]), None)
    if line is None:
        not_found("Aucune heure déclarée pour ce mois.")
    return line


@bp.route(
    "/personnes/<uuid:person_id>/contrats/<uuid:contract_id>/heures/<month>/correction",
    methods=["GET", "POST"],
)
@page_roles(FACILITATOR)
def correct(person_id, contract_id, month):
    person = _person_for_form(person_id)
    contract = _contract_of(person, contract_id)
    day = _month(month)
    line = _line_of(contract_id, day)
    form = hours_forms.CorrectHoursForm()
    if request.method == "GET":
        form.hours.default_text = f"{line['hours']}".replace(".", ",")
        form.training_hours.default_text = f"{line['training_hours']}".replace(".", ",")
    if form.validate_on_submit():
        command = CorrectHours(
            contract_id=contract_id,
            month=day,
            hours=form.hours.data,
            training_hours=form.training_hours.data or 0,
            reason=form.reason.data,
        )
        if run_form(form, command, {"contract_id": None, "month": None}) is not None:
            flash("Correction enregistrée ; l'ancienne valeur reste dans l'historique.", "success")
            return _hours_page(person_id, contract_id)
    return render_form(
        "hours/correct.html", form, person=person, contract=contract, line=line, month=day
    )


@bp.route(
    "/personnes/<uuid:person_id>/contrats/<uuid:contract_id>/heures/<month>/retrait",
    methods=["GET", "POST"],
)
@page_roles(FACILITATOR)
def withdraw(person_id, contract_id, month):
    person = _person_for_form(person_id)
    contract = _contract_of(person, contract_id)
    day = _month(month)
    line = _line_of(contract_id, day)
    form = hours_forms.WithdrawHoursForm()
    if form.validate_on_submit():
        command = WithdrawHours(contract_id=contract_id, month=day, reason=form.reason.data)
        if run_form(form, command, {"contract_id": None, "month": None}) is not None:
            flash("Heures retirées : elles ne comptent plus.", "success")
            return _hours_page(person_id, contract_id)
    return render_form(
        "hours/withdraw.html", form, person=person, contract=contract, line=line, month=day
    )


# ---- merge and erase ------------------------------------------------------------------------
def _merge_choices(conn, person: dict, text: str) -> list[dict]:
    """Records with the same names and birth date, then those the search finds."""
    same = []
    if person.get("last_name") and person.get("birth_date"):
        same = queries.find_people(
            conn, person["last_name"], person["first_name"] or "", person["birth_date"]
        )
    found = queries.search_people(conn, text, 20, 0)[0] if text else []
    out, seen = [], {person["person_id"]}
    for other in [*same, *found]:
        if other["person_id"] not in seen and not other.get("erased"):
            seen.add(other["person_id"])
            out.append(other)
    return out


def _label(other: dict) -> str:
    born = other["birth_date"].strftime("%d/%m/%Y") if other.get("birth_date") else "?"
    name = f"{other['last_name']} {other['first_name'] or ''}".strip()
    return f"{name}, né(e) le {born} — {other.get('commune') or 'commune inconnue'}"


@bp.route("/personnes/<uuid:person_id>/fusion", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def merge(person_id):
    person = _person_for_form(person_id)
    text = search_text()
    with services().store.reading() as conn:
        candidates = _merge_choices(conn, person, text)
    form = hours_forms.MergeForm()
    form.duplicate.choices = [("", "— choisir —")] + [
        (c["person_id"], _label(c)) for c in candidates
    ]
    if request.method == "POST" and request.form.get("duplicate"):
        # A record found by an earlier search stays choosable when the form comes back.
        chosen = request.form["duplicate"]
        if chosen not in {c[0] for c in form.duplicate.choices}:
            with services().store.reading() as conn:
                other = queries.get_person(conn, chosen) if _is_uuid(chosen) else None
            if other is not None:
                form.duplicate.choices.append((other["person_id"], _label(other)))
    if form.validate_on_submit():
        if not form.confirm.data:
            form.confirm.errors = ["Cochez la case pour confirmer la fusion."]
        else:
            command = MergePeople(keep_id=person_id, duplicate_id=uuid.UUID(form.duplicate.data))
            if run_form(form, command, {"duplicate_id": "duplicate", "keep_id": None}) is not None:
                flash("Fiches fusionnées.", "success")
                return redirect(url_for("web_people.detail", person_id=person_id))
    return render_form("hours/merge.html", form, person=person, text=text, candidates=candidates)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@bp.route("/personnes/<uuid:person_id>/effacement", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def erase(person_id):
    person = _person_for_form(person_id)
    form = hours_forms.EraseForm()
    if form.validate_on_submit():
        if not form.confirm.data:
            form.confirm.errors = ["Cochez la case pour confirmer l'effacement."]
        elif run_form(form, ErasePersonalData(person_id=person_id), {"person_id": None}):
            flash("Données personnelles effacées.", "success")
            return redirect(url_for("web_people.detail", person_id=person_id))
    return render_form("hours/erase.html", form, person=person)
