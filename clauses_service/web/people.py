"""People: the list (search, 50 a page), a person's page, and the facilitator's forms
(register, orientation, validation with the criteria checklist and evidence, refusal,
contract). The PLIE team reads its participants (identity, PLIE links, contracts).

Forms post back to themselves; on success the facilitator is sent to the person's page
(post/redirect/get); a named domain error is shown next to the field it names.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from clauses_service.auth.roles import Role
from clauses_service.commands.contracts import StartContract
from clauses_service.commands.people import (
    OrientCandidate,
    RefuseCandidate,
    RegisterPerson,
    ValidateCandidate,
)
from clauses_service.extensions import services
from clauses_service.web import forms
from clauses_service.web.access import not_found, page_roles, render_form, run_form
from clauses_service.web.export import Column, wants_export, xlsx_response
from clauses_service.web.schedule import today
from clauses_service.web.tables import Pager, page_number, search_text
from events.catalog.contracts import ContractType, Modality
from events.catalog.people import (
    EligibilityCriterion,
    Evidence,
    PrescriberKind,
    QualificationLevel,
    RefusalReason,
    Sex,
)
from events.catalog.sectors import Sector
from projections import queries

bp = Blueprint("web_people", __name__)
FACILITATOR = Role.FACILITATOR
HISTORY_LABELS = {
    "PersonRegistered": "Inscription",
    "PersonIdentityCorrected": "Identité corrigée",
    "PersonalDataErased": "Données personnelles effacées",
    "PersonMerged": "Fusionnée avec une autre fiche",
    "PersonAbsorbed": "Fiche en doublon fusionnée ici",
    "CandidateOriented": "Orientation",
    "CandidateValidated": "Éligibilité validée",
    "CandidateRefused": "Éligibilité refusée",
    "PlieLinkStarted": "Entrée au PLIE",
    "PlieLinkEnded": "Sortie du PLIE",
}


# ---- reading ------------------------------------------------------------------------------
def _plie_ids(conn) -> set[str]:
    return set(queries.plie_participants(conn))


def _visible_person(conn, person_id) -> dict:
    """The person, if the current user may see them (else the 404 page)."""
    person = queries.get_person(conn, person_id)
    if person is None:
        not_found("Personne introuvable.")
    if current_user.role is Role.PLIE and person["person_id"] not in _plie_ids(conn):
        not_found("Personne introuvable.")
    return person


PEOPLE_EXPORT = [
    Column("Nom", lambda p: "(données effacées)" if p["erased"] else p["last_name"], width=24),
    Column("Prénom", lambda p: p["first_name"]),
    Column("Date de naissance", lambda p: p["birth_date"]),
    Column("Commune", lambda p: p["commune"], width=24),
    Column("QPV", lambda p: p["qpv"], width=24),
]


def _list(person_ids=None, title="Personnes", endpoint="web_people.index"):
    search = search_text()
    pager = Pager(page_number(), 0)
    exporting = wants_export()
    with services().store.reading() as conn:
        if person_ids == "plie":
            person_ids = sorted(_plie_ids(conn))
        if exporting:
            people, _ = queries.search_people(conn, search, 1_000_000, 0, person_ids=person_ids)
            name = "participants-plie" if endpoint == "web_people.plie" else "personnes"
            return xlsx_response(name, title, PEOPLE_EXPORT, people)
        people, total = queries.search_people(
            conn, search, pager.size, (pager.page - 1) * pager.size, person_ids=person_ids
        )
    pager.total = total
    return render_template(
        "people/index.html", people=people, pager=pager, search=search, title=title
    )


@bp.get("/personnes")
@page_roles(FACILITATOR)
def index():
    return _list()


@bp.get("/participants-plie")
@page_roles(FACILITATOR, Role.PLIE)
def plie():
    return _list("plie", "Participants PLIE", "web_people.plie")


def _history(person_id: str) -> list[dict]:
    """Who did what and when on the person's record (labels only: no identity)."""
    out = []
    for recorded in services().store.read_stream(str(person_id)):
        source = recorded.metadata.get("source") or {}
        out.append(
            {
                "recorded_at": recorded.recorded_at,
                "label": HISTORY_LABELS.get(recorded.event_type, recorded.event_type),
                "actor": recorded.metadata.get("actor"),
                "source": source.get("kind") if isinstance(source, dict) else None,
            }
        )
    return out


def _lot_names(conn, market_ids) -> dict[str, dict]:
    """market id -> {"reference", "title", "lots": {lot id: number}}."""
    names = {}
    for market_id in sorted(set(market_ids)):
        market = queries.get_market(conn, market_id)
        if market is not None:
            names[market_id] = {
                "reference": market["reference"],
                "title": market["title"],
                "lots": {lot["lot_id"]: lot["number"] for lot in market["lots"]},
            }
    return names


@bp.get("/personnes/<uuid:person_id>")
@page_roles(FACILITATOR, Role.PLIE)
def detail(person_id):
    with services().store.reading() as conn:
        person = _visible_person(conn, person_id)
        contracts = queries.contracts_of_person(conn, person["person_id"])
        for item in contracts:
            item["exits"] = queries.exits_of_contract(conn, item["contract_id"])
        markets = _lot_names(conn, [c["market_id"] for c in contracts])
        employers = {
            c["employer_siret"]: queries.company_by_siret(conn, c["employer_siret"])
            for c in contracts
        }
        pending = any(
            p["person_id"] == person["person_id"] for p in queries.pending_candidates(conn)
        )
    return render_template(
        "people/detail.html",
        person=person,
        contracts=contracts,
        markets=markets,
        employers=employers,
        pending=pending,
        history=_history(person["person_id"]) if current_user.role is FACILITATOR else [],
        full=current_user.role is FACILITATOR,
    )


# ---- forms --------------------------------------------------------------------------------
@bp.route("/personnes/nouvelle", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def register():
    form = forms.PersonForm()
    if form.validate_on_submit():
        person_id = uuid.uuid4()
        result = run_form(
            form,
            RegisterPerson(
                person_id=person_id,
                last_name=form.last_name.data,
                first_name=form.first_name.data,
                birth_date=form.birth_date.data,
                sex=Sex(form.sex.data),
                commune=form.commune.data or "",
                qpv=(form.qpv.data or "").strip() or None,
                qualification=QualificationLevel(form.qualification.data)
                if form.qualification.data
                else None,
                rsa=bool(form.rsa.data),
                rqth=bool(form.rqth.data),
            ),
        )
        if result is not None:
            flash("Personne enregistrée.", "success")
            if result.get("possible_duplicates"):
                flash(
                    "Attention : une personne de mêmes nom, prénom et date de naissance existe "
                    "déjà. Vérifiez qu'il ne s'agit pas d'un doublon.",
                    "warning",
                )
            return redirect(url_for("web_people.detail", person_id=result["person_id"]))
    return render_form("people/register.html", form)


def _person_for_form(person_id) -> dict:
    with services().store.reading() as conn:
        person = _visible_person(conn, person_id)
    if person["survivor_id"] != person["person_id"]:
        not_found("Cette fiche a été fusionnée : agissez sur la fiche conservée.")
    return person


@bp.route("/personnes/<uuid:person_id>/orientation", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def orient(person_id):
    person = _person_for_form(person_id)
    form = forms.OrientationForm()
    if request.method == "GET":
        form.oriented_on.data = today()
    if form.validate_on_submit():
        result = run_form(
            form,
            OrientCandidate(
                person_id=person_id,
                orientation_id=uuid.uuid4(),
                prescriber_name=form.prescriber_name.data,
                prescriber_kind=PrescriberKind(form.prescriber_kind.data),
                oriented_on=form.oriented_on.data,
                sectors=tuple(Sector(s) for s in form.sectors.data or ()),
            ),
        )
        if result is not None:
            flash("Orientation enregistrée.", "success")
            return redirect(url_for("web_people.detail", person_id=person_id))
    return render_form("people/orientation.html", form, person=person)


def _orientation_choices(person: dict) -> list[SelectChoice]:
    options = [SelectChoice("", "Aucune orientation précise")]
    for o in reversed(person["orientations"]):
        label = f"{o['oriented_on']:%d/%m/%Y} — {o['prescriber_name']}"
        options.append(SelectChoice(o["orientation_id"], label))
    return options


def _prefill_decision(form, person: dict, date_field) -> None:
    date_field.data = today()
    if person["orientations"]:
        latest = person["orientations"][-1]
        form.orientation_id.data = latest["orientation_id"]
        form.sectors.data = list(latest["sectors"])


def _orientation_id(form):
    return uuid.UUID(form.orientation_id.data) if form.orientation_id.data else None


def _evidence(form) -> tuple[Evidence, ...] | None:
    """The evidence rows filled in; None (with the error shown) if a row is incomplete."""
    items = []
    for index, row in enumerate(form.evidence.entries, start=1):
        criterion, document, dated = row.criterion.data, row.document.data, row.dated.data
        if not (criterion or (document or "").strip() or dated):
            continue
        if not (criterion and (document or "").strip() and dated):
            form.evidence_errors.append(
                f"Justificatif n° {index} : indiquer le critère, le document et sa date."
            )
            return None
        items.append(Evidence(EligibilityCriterion(criterion), document.strip(), dated))
    return tuple(items)


@bp.route("/personnes/<uuid:person_id>/validation", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def validate(person_id):
    person = _person_for_form(person_id)
    form = forms.ValidationForm()
    form.evidence_errors = []
    form.orientation_id.choices = _orientation_choices(person)
    if request.method == "GET":
        _prefill_decision(form, person, form.validated_on)
    if form.validate_on_submit():
        evidence = _evidence(form)
        if evidence is not None:
            result = run_form(
                form,
                ValidateCandidate(
                    person_id=person_id,
                    validation_id=uuid.uuid4(),
                    orientation_id=_orientation_id(form),
                    sectors=tuple(Sector(s) for s in form.sectors.data or ()),
                    criteria=tuple(EligibilityCriterion(c) for c in form.criteria.data or ()),
                    evidence=evidence,
                    validated_on=form.validated_on.data,
                    valid_until=form.valid_until.data,
                ),
            )
            if result is not None:
                flash(
                    f"Éligibilité validée jusqu'au {result['valid_until'][8:10]}/"
                    f"{result['valid_until'][5:7]}/{result['valid_until'][:4]}.",
                    "success",
                )
                for warning in result.get("warnings") or ():
                    flash(warning, "warning")
                return redirect(url_for("web_people.detail", person_id=person_id))
    return render_form("people/validation.html", form, person=person)


@bp.route("/personnes/<uuid:person_id>/refus", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def refuse(person_id):
    person = _person_for_form(person_id)
    form = forms.RefusalForm()
    form.orientation_id.choices = _orientation_choices(person)
    if request.method == "GET":
        _prefill_decision(form, person, form.refused_on)
    if form.validate_on_submit():
        result = run_form(
            form,
            RefuseCandidate(
                person_id=person_id,
                refusal_id=uuid.uuid4(),
                orientation_id=_orientation_id(form),
                sectors=tuple(Sector(s) for s in form.sectors.data or ()),
                reason=RefusalReason(form.reason.data),
                reason_text=(form.reason_text.data or "").strip() or None,
                refused_on=form.refused_on.data,
            ),
        )
        if result is not None:
            flash("Refus enregistré.", "success")
            return redirect(url_for("web_people.detail", person_id=person_id))
    return render_form("people/refusal.html", form, person=person)


def _lot_choices(conn) -> list[SelectChoice]:
    """Every lot, grouped by market (one ``optgroup`` each); values "market_id:lot_id"."""
    markets, _ = queries.list_markets(conn, limit=100_000)
    options = [SelectChoice("", "— choisir le marché et le lot —")]
    for market in markets:
        detail = queries.get_market(conn, market["market_id"])
        for lot in detail["lots"] if detail else ():
            options.append(
                SelectChoice(
                    f"{market['market_id']}:{lot['lot_id']}",
                    f"{market['reference']} · lot {lot['number']} — {lot['title']}",
                    optgroup=f"{market['reference']} — {market['title']}",
                )
            )
    return options


CONTRACT_ALIASES = {
    "person_id": "override",
    "market_id": "lot",
    "lot_id": "lot",
    "eligibility_override": "override_reason",
    "contract_id": None,
}


@bp.route("/personnes/<uuid:person_id>/contrat", methods=["GET", "POST"])
@page_roles(FACILITATOR)
def contract(person_id):
    person = _person_for_form(person_id)
    form = forms.ContractForm()
    with services().store.reading() as conn:
        form.lot.choices = _lot_choices(conn)
    if request.method == "GET":
        form.start_date.data = today()
    if form.validate_on_submit():
        market_id, _, lot_id = form.lot.data.partition(":")
        override = (form.override_reason.data or "").strip() if form.override.data else None
        result = run_form(
            form,
            StartContract(
                contract_id=uuid.uuid4(),
                person_id=person_id,
                employer_siret=form.employer_siret.data,
                market_id=uuid.UUID(market_id),
                lot_id=uuid.UUID(lot_id),
                contract_type=ContractType(form.contract_type.data),
                modality=Modality(form.modality.data),
                start_date=form.start_date.data,
                planned_end=form.planned_end.data,
                weekly_hours=form.weekly_hours.data,
                user_siret=(form.user_siret.data or "").strip() or None,
                eligibility_override=override or None,
            ),
            CONTRACT_ALIASES,
        )
        if result is not None:
            flash("Contrat enregistré.", "success")
            return redirect(url_for("web_people.detail", person_id=person_id))
    return render_form(
        "people/contract.html", form, person=person, has_lots=len(form.lot.choices) > 1
    )
