"""/api/v1/contracts/<id>/hours: the monthly hour lines of a contract.

Record a month, correct it (the history keeps both values), withdraw it (it no longer
counts). The facilitator and the companies of the contract (employer or user company)
write; every reader of the contract reads the lines, their source and their history.

The month in a path is ``AAAA-MM``. It is parsed by the view, after the role check, so
a malformed month is a 404 in French (never a 500), and a caller without the right role
learns nothing from the address.
"""

from __future__ import annotations

import re
from datetime import date

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate

from clauses_service.api.common import run
from clauses_service.api.contracts import (
    ContractVersioned,
    HourHistorySchema,
    HourLineSchema,
    present_history,
    present_lines,
    reasonable_amount,
    visible_contract,
)
from clauses_service.auth.roles import Role
from clauses_service.auth.security import roles_required
from clauses_service.commands.contracts import CorrectHours, RecordHours, WithdrawHours
from clauses_service.extensions import services
from projections import queries

blp = Blueprint(
    "hours", __name__, url_prefix="/contracts", description="Heures mensuelles des contrats"
)
READERS = (Role.FACILITATOR, Role.COMPANY, Role.BUYER, Role.PLIE)
WRITERS = (Role.FACILITATOR, Role.COMPANY)
MONTH = re.compile(r"(\d{4})-(\d{2})(?:-01)?")
MONTH_HINT = "format AAAA-MM attendu (ex. 2024-03)"


def parse_month(text) -> date | None:
    """``"2024-03"`` (or ``"2024-03-01"``) -> date(2024, 3, 1); None when invalid."""
    match = MONTH.fullmatch(str(text)) if text is not None else None
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1900 <= year <= 2999 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


class Month(fields.String):
    """A month as ``AAAA-MM`` (the first day of it in Python)."""

    def _deserialize(self, value, attr, data, **kwargs):
        month = parse_month(super()._deserialize(value, attr, data, **kwargs))
        if month is None:
            raise ValidationError(f"Mois invalide : {MONTH_HINT}.")
        return month

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value.year:04d}-{value.month:02d}"


def path_month(text: str) -> date:
    month = parse_month(text)
    if month is None:
        abort(404, message=f"Mois introuvable dans l'adresse « {text[:20]} » : {MONTH_HINT}.")
    return month


def _hours_field(**options):
    return fields.Decimal(as_string=True, validate=reasonable_amount, **options)


class HoursRecordSchema(ContractVersioned):
    month = Month(required=True, metadata={"example": "2024-03"})
    hours = _hours_field(required=True, metadata={"description": "Heures travaillées"})
    training_hours = _hours_field(
        load_default=None, allow_none=True, metadata={"description": "Dont heures de formation"}
    )


class HoursCorrectSchema(ContractVersioned):
    hours = _hours_field(required=True)
    training_hours = _hours_field(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(max=2000))


class HoursPatchSchema(ContractVersioned):
    hours = _hours_field(load_default=None)
    training_hours = _hours_field(load_default=None)
    reason = fields.String(required=True, validate=validate.Length(max=2000))


class HoursWithdrawSchema(ContractVersioned):
    reason = fields.String(required=True, validate=validate.Length(max=2000))


class HoursResult(Schema):
    contract_id = fields.String()
    version = fields.Integer()
    month = fields.String()
    counted_hours = fields.Decimal(as_string=True, allow_none=True)
    warnings = fields.List(fields.String())
    replayed = fields.Boolean()


class HoursOfContract(Schema):
    contract_id = fields.String()
    version = fields.Integer()
    lines = fields.List(fields.Nested(HourLineSchema))
    history = fields.List(fields.Nested(HourHistorySchema))


def _check(contract_id) -> dict:
    with services().store.reading() as conn:
        return visible_contract(conn, contract_id)


def _current_line(contract_id, month: date) -> dict | None:
    with services().store.reading() as conn:
        lines = queries.hours_of_contract(conn, contract_id)
    return next((x for x in lines if x["month"] == month and not x["withdrawn"]), None)


def _training(value):
    return value if value is not None else 0


@blp.route("/<uuid:contract_id>/hours")
class ContractHours(MethodView):
    @roles_required(*READERS)
    @blp.response(200, HoursOfContract)
    def get(self, contract_id):
        """Les lignes d'heures du contrat (source de chacune) et l'historique des corrections."""
        store = services().store
        with store.reading() as conn:
            visible_contract(conn, contract_id)
            lines = present_lines(queries.hours_of_contract(conn, contract_id))
            entries = present_history(queries.hours_history_of(conn, contract_id))
        return {
            "contract_id": str(contract_id),
            "version": store.stream_version(str(contract_id)),
            "lines": lines,
            "history": entries,
        }

    @roles_required(*WRITERS)
    @blp.arguments(HoursRecordSchema)
    @blp.response(201, HoursResult)
    def post(self, body, contract_id):
        """Déclarer les heures d'un mois (dont heures de formation) ; renvoie les alertes."""
        _check(contract_id)
        return run(
            RecordHours(
                contract_id=contract_id,
                month=body["month"],
                hours=body["hours"],
                training_hours=_training(body["training_hours"]),
                expected_version=body["expected_version"],
            )
        )


@blp.route("/<uuid:contract_id>/hours/<string:month>")
class ContractMonth(MethodView):
    @roles_required(*WRITERS)
    @blp.arguments(HoursCorrectSchema)
    @blp.response(200, HoursResult)
    def put(self, body, contract_id, month):
        """Corriger les heures d'un mois (nouvelles valeurs et motif)."""
        month = path_month(month)
        _check(contract_id)
        return run(
            CorrectHours(
                contract_id=contract_id,
                month=month,
                hours=body["hours"],
                training_hours=_training(body["training_hours"]),
                reason=body["reason"],
                expected_version=body["expected_version"],
            )
        )

    @roles_required(*WRITERS)
    @blp.arguments(HoursPatchSchema)
    @blp.response(200, HoursResult)
    def patch(self, body, contract_id, month):
        """Corriger une partie des valeurs d'un mois (les autres sont conservées)."""
        month = path_month(month)
        _check(contract_id)
        line = _current_line(contract_id, month) or {}
        hours = body["hours"] if body["hours"] is not None else line.get("hours")
        training = body["training_hours"]
        if training is None:
            training = line.get("training_hours")
        return run(
            CorrectHours(
                contract_id=contract_id,
                month=month,
                hours=hours if hours is not None else 0,
                training_hours=_training(training),
                reason=body["reason"],
                expected_version=body["expected_version"],
            )
        )

    @roles_required(*WRITERS)
    @blp.arguments(HoursWithdrawSchema, location="query")
    @blp.response(200, HoursResult)
    def delete(self, args, contract_id, month):
        """Retirer les heures d'un mois (motif en paramètre ``reason``) : elles ne comptent plus."""
        return _withdraw(args, contract_id, month)


@blp.route("/<uuid:contract_id>/hours/<string:month>/withdraw")
class ContractMonthWithdrawal(MethodView):
    @roles_required(*WRITERS)
    @blp.arguments(HoursWithdrawSchema)
    @blp.response(200, HoursResult)
    def post(self, body, contract_id, month):
        """Retirer les heures d'un mois (motif) : elles ne comptent plus."""
        return _withdraw(body, contract_id, month)


def _withdraw(args: dict, contract_id, month: str) -> dict:
    month = path_month(month)
    _check(contract_id)
    result = run(
        WithdrawHours(
            contract_id=contract_id,
            month=month,
            reason=args["reason"],
            expected_version=args["expected_version"],
        )
    )
    return {**result, "warnings": [], "counted_hours": None}
