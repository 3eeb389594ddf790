"""/api/v1/contracts: clause contracts (start, extend, end, history) and their exits.

Scopes: the facilitator sees every contract; a company those where one of its companies
is the employer or the user company; a buyer those of its markets, without the person
(no identity, no person id); the PLIE team those of PLIE participants. A contract
outside the scope is "introuvable" (404), exactly like an unknown one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate

from clauses_service.api.common import (
    HistoryEntry,
    PageArgs,
    history,
    offset,
    page_schema,
    paged,
    run,
)
from clauses_service.auth.roles import Role, Scope
from clauses_service.auth.security import current_scope, roles_required
from clauses_service.commands.contracts import (
    EndContract,
    ExtendContract,
    RecordExit,
    StartContract,
)
from clauses_service.extensions import services
from clauses_service.handlers.base import PARIS
from events.catalog.contracts import (
    ContractEndReason,
    ContractType,
    ExitOutcome,
    ExitStage,
    Modality,
)
from projections import queries

blp = Blueprint(
    "contracts", __name__, url_prefix="/contracts", description="Contrats de clause et sorties"
)
READERS = (Role.FACILITATOR, Role.COMPANY, Role.BUYER, Role.PLIE)
NOT_FOUND = "Contrat introuvable."
MAX_AMOUNT = Decimal("9999999.99")


# ---- shared with the hours and stats surfaces -----------------------------------------
def reasonable_amount(value: Decimal) -> None:
    """Refuse absurd magnitudes before the domain (which names negative hours itself)."""
    if abs(value) > MAX_AMOUNT:
        raise ValidationError("Nombre trop grand : au plus 9 999 999,99.")


def scope_filters(conn, scope: Scope) -> dict:
    """Keyword arguments restricting the contract queries to what ``scope`` may read."""
    filters = scope.as_filters()
    filters["person_ids"] = queries.plie_participants(conn) if scope.plie_only else None
    return filters


def visible_contract(conn, contract_id) -> dict:
    """The contract as the current user may see it, or 404 (unknown or out of scope)."""
    scope = current_scope()
    contract = queries.get_contract(conn, contract_id, **scope.as_filters())
    if contract is None or (scope.plie_only and not queries.in_plie(conn, contract["person_id"])):
        abort(404, message=NOT_FOUND)
    return contract


def _label(cls, value):
    return None if value is None else cls(value).label


def present(contracts: list[dict], conn, scope: Scope) -> list[dict]:
    """Add labels; the person's identity for the roles allowed to see it (not buyers)."""
    hide_person = scope.role is Role.BUYER
    identities = (
        {} if hide_person else queries.identities_of(conn, (c["person_id"] for c in contracts))
    )
    out = []
    for contract in contracts:
        item = {
            **contract,
            "contract_type_label": _label(ContractType, contract["contract_type"]),
            "modality_label": _label(Modality, contract["modality"]),
            "end_reason_label": _label(ContractEndReason, contract["end_reason"]),
        }
        if hide_person:
            item["person_id"] = None
            item["person"] = None
        else:
            item["person"] = identities.get(contract["person_id"])
        out.append(item)
    return out


# ---- schemas --------------------------------------------------------------------------
class ContractPersonSchema(Schema):
    person_id = fields.String()
    last_name = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    erased = fields.Boolean()


class ContractSchema(Schema):
    contract_id = fields.String()
    person_id = fields.String(allow_none=True)
    person = fields.Nested(ContractPersonSchema, allow_none=True)
    employer_company_id = fields.String()
    employer_siret = fields.String()
    user_company_id = fields.String(allow_none=True)
    user_siret = fields.String(allow_none=True)
    market_id = fields.String()
    lot_id = fields.String()
    contract_type = fields.String()
    contract_type_label = fields.String()
    modality = fields.String()
    modality_label = fields.String()
    start_date = fields.Date()
    planned_end = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    end_reason = fields.String(allow_none=True)
    end_reason_label = fields.String(allow_none=True)
    end_reason_text = fields.String(allow_none=True)
    weekly_hours = fields.Decimal(as_string=True, allow_none=True)
    eligibility_override = fields.String(allow_none=True)
    hours = fields.Decimal(as_string=True)
    counted_hours = fields.Decimal(as_string=True)
    training_hours = fields.Decimal(as_string=True)


class ContractExitSchema(Schema):
    stage = fields.String()
    stage_label = fields.Function(lambda e: ExitStage(e["stage"]).label)
    outcome = fields.String()
    outcome_label = fields.Function(lambda e: ExitOutcome(e["outcome"]).label)
    positive = fields.Boolean()
    observed_on = fields.Date()
    detail = fields.String(allow_none=True)


def source_label(source: dict | None, actor: str | None) -> str:
    """Where a line comes from, in French: a manual entry (by whom) or an import row."""
    source = source or {}
    if source.get("kind") == "import" or "file" in source:
        row = f", ligne {source['row']}" if source.get("row") is not None else ""
        return f"Import du fichier « {source.get('file') or '?'} »{row}"
    return f"Saisie manuelle par {actor}" if actor else "Saisie manuelle"


def _hides_actors() -> bool:
    """Buyers read figures, not who typed them (accounts are personal data too)."""
    return current_scope().role is Role.BUYER


def present_lines(lines: list[dict]) -> list[dict]:
    hide = _hides_actors()
    out = []
    for line in lines:
        actor = None if hide else line.get("recorded_by")
        out.append(
            {**line, "recorded_by": actor, "source_label": source_label(line.get("source"), actor)}
        )
    return out


def present_history(entries: list[dict]) -> list[dict]:
    hide = _hides_actors()
    out = []
    for entry in entries:
        actor = None if hide else entry.get("actor")
        out.append(
            {**entry, "actor": actor, "source_label": source_label(entry.get("source"), actor)}
        )
    return out


class HourLineSchema(Schema):
    month = fields.Date()
    hours = fields.Decimal(as_string=True)
    training_hours = fields.Decimal(as_string=True)
    counted_hours = fields.Decimal(as_string=True)
    warnings = fields.List(fields.String())
    withdrawn = fields.Boolean()
    source = fields.Dict(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    source_label = fields.String()


class HourHistorySchema(Schema):
    position = fields.Integer()
    month = fields.Date()
    kind = fields.String()
    hours = fields.Decimal(as_string=True, allow_none=True)
    training_hours = fields.Decimal(as_string=True, allow_none=True)
    counted_hours = fields.Decimal(as_string=True, allow_none=True)
    warnings = fields.List(fields.String())
    reason = fields.String(allow_none=True)
    actor = fields.String(allow_none=True)
    source = fields.Dict(allow_none=True)
    source_label = fields.String()
    recorded_at = fields.DateTime()


class ContractDetailSchema(ContractSchema):
    version = fields.Integer()
    hour_lines = fields.List(fields.Nested(HourLineSchema))
    exits = fields.List(fields.Nested(ContractExitSchema))


class ContractArgs(PageArgs):
    class Meta:
        exclude = ("search",)

    person_id = fields.UUID(load_default=None)
    company_id = fields.UUID(load_default=None)
    market_id = fields.UUID(load_default=None)
    lot_id = fields.UUID(load_default=None)
    contract_type = fields.Enum(ContractType, by_value=True, data_key="type", load_default=None)
    running_on = fields.Date(load_default=None)


class ContractStartSchema(Schema):
    person_id = fields.UUID(required=True)
    employer_siret = fields.String(required=True, validate=validate.Length(min=1, max=30))
    user_siret = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    market_id = fields.UUID(required=True)
    lot_id = fields.UUID(required=True)
    contract_type = fields.Enum(ContractType, by_value=True, required=True)
    modality = fields.Enum(Modality, by_value=True, required=True)
    start_date = fields.Date(required=True)
    planned_end = fields.Date(load_default=None, allow_none=True)
    weekly_hours = fields.Decimal(
        as_string=True, load_default=None, allow_none=True, validate=reasonable_amount
    )
    eligibility_override = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Motif de dérogation quand l'éligibilité n'est pas valide."},
    )


class ContractVersioned(Schema):
    expected_version = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=1_000_000)
    )


class ContractExtendSchema(ContractVersioned):
    planned_end = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(max=2000))


class ContractEndSchema(ContractVersioned):
    end_date = fields.Date(required=True)
    reason = fields.Enum(ContractEndReason, by_value=True, required=True)
    reason_text = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=2000)
    )


class ContractExitInputSchema(ContractVersioned):
    stage = fields.Enum(ExitStage, by_value=True, required=True)
    outcome = fields.Enum(ExitOutcome, by_value=True, required=True)
    observed_on = fields.Date(
        load_default=None, metadata={"description": "Date du constat (par défaut : aujourd'hui)"}
    )
    detail = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ContractWriteResult(Schema):
    contract_id = fields.String()
    version = fields.Integer()
    replayed = fields.Boolean()
    eligibility_override = fields.String(allow_none=True)
    positive = fields.Boolean()


ContractPage = page_schema(ContractSchema, "ContractPage")


# ---- views ----------------------------------------------------------------------------
@blp.route("")
class Contracts(MethodView):
    @roles_required(*READERS)
    @blp.arguments(ContractArgs, location="query")
    @blp.response(200, ContractPage)
    def get(self, args):
        """Contrats visibles (filtres : personne, entreprise, marché, lot, type, en cours le)."""
        scope = current_scope()
        filters = {
            key: args[key]
            for key in ("person_id", "company_id", "market_id", "lot_id", "contract_type")
        }
        filters["running_on"] = args["running_on"]
        with services().store.reading() as conn:
            filters.update(scope_filters(conn, scope))
            items = queries.search_contracts(
                conn, limit=args["page_size"], offset=offset(args), **filters
            )
            total = queries.count_search_contracts(conn, **filters)
            return paged(present(items, conn, scope), total, args)

    @roles_required(Role.FACILITATOR)
    @blp.arguments(ContractStartSchema)
    @blp.response(201, ContractWriteResult)
    def post(self, body):
        """Enregistrer un contrat ; sans éligibilité valide, indiquez un motif de dérogation."""
        return run(StartContract(contract_id=uuid.uuid4(), **body))


@blp.route("/<uuid:contract_id>")
class ContractItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, ContractDetailSchema)
    def get(self, contract_id):
        """Un contrat, avec ses lignes d'heures et ses sorties."""
        scope = current_scope()
        store = services().store
        with store.reading() as conn:
            contract = visible_contract(conn, contract_id)
            item = present([contract], conn, scope)[0]
            item["hour_lines"] = present_lines(queries.hours_of_contract(conn, contract_id))
            item["exits"] = queries.exits_of_contract(conn, contract_id)
        if scope.role is Role.BUYER:  # free text about the person: not for buyers
            item["exits"] = [{**e, "detail": None} for e in item["exits"]]
        item["version"] = store.stream_version(str(contract_id))
        return item


@blp.route("/<uuid:contract_id>/extend")
class ContractExtension(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(ContractExtendSchema)
    @blp.response(200, ContractWriteResult)
    def post(self, body, contract_id):
        """Prolonger un contrat (nouvelle fin prévue, motif)."""
        _known(contract_id)
        return run(ExtendContract(contract_id=contract_id, **body))


@blp.route("/<uuid:contract_id>/end")
class ContractEnd(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(ContractEndSchema)
    @blp.response(200, ContractWriteResult)
    def post(self, body, contract_id):
        """Enregistrer la fin d'un contrat (date, motif)."""
        _known(contract_id)
        return run(EndContract(contract_id=contract_id, **body))


@blp.route("/<uuid:contract_id>/exits")
class ContractExits(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(ContractExitInputSchema)
    @blp.response(201, ContractWriteResult)
    def post(self, body, contract_id):
        """Enregistrer une sortie : à la fin du contrat ou au suivi à six mois."""
        _known(contract_id)
        observed_on = body.pop("observed_on") or datetime.now(PARIS).date()
        return run(RecordExit(contract_id=contract_id, observed_on=observed_on, **body))


@blp.route("/<uuid:contract_id>/history")
class ContractHistory(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.response(200, HistoryEntry(many=True))
    def get(self, contract_id):
        """Historique du contrat : qui a fait quoi, quand, depuis quelle source."""
        _known(contract_id)
        return history(str(contract_id))


def _known(contract_id) -> dict:
    with services().store.reading() as conn:
        return visible_contract(conn, contract_id)
