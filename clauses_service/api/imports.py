"""/api/v1/imports: monthly-hours spreadsheets uploaded, their rows, the rejected-rows queue.

``POST /imports`` (multipart, field ``file``): the facilitator imports for any company
(``siret`` optional); a company imports for itself, and only rows of its own
establishments or lots count. The file is applied in one transaction; the answer gives
the counts and the first rejected rows with their messages (201; 200 when the same file
was already imported: nothing changed). A file refused whole is a 422 (413 when too
big) with the French message, never a 500.

The queue (``/imports/rejected``): rows waiting for a fix. The facilitator fixes a row
(links the person, corrects values) or dismisses it; a company reads its own.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from clauses_service.api.common import PageArgs, offset, page_schema, paged, run
from clauses_service.auth.roles import Role
from clauses_service.auth.security import current_scope, roles_required
from clauses_service.commands.imports import DismissImportRow, FixImportRow
from clauses_service.errors import json_error
from clauses_service.extensions import services
from clauses_service.uploads import import_upload, rejection_status, too_big, upload_limits
from importers.headers import COLUMNS
from projections import queries
from projections.queries.imports import IMPORT_STATUSES

blp = Blueprint("imports", __name__, url_prefix="/imports", description="Imports de relevés")
UPLOADERS = (Role.FACILITATOR, Role.COMPANY)
MAX_ROW = 10_000_000
NOT_FOUND = "Import introuvable."


# ---- schemas ---------------------------------------------------------------------------
class Month(fields.String):
    """A month as ``AAAA-MM`` (its first day in Python)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        match = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if match is None or not (
            1900 <= int(match.group(1)) <= 2999 and 1 <= int(match.group(2)) <= 12
        ):
            raise ValidationError("Mois invalide : format AAAA-MM attendu (ex. 2024-03).")
        return date(int(match.group(1)), int(match.group(2)), 1)


class UploadForm(Schema):
    file = fields.Raw(
        metadata={"type": "string", "format": "binary", "description": "Le relevé (XLSX, ODS, CSV)"}
    )
    siret = fields.String(
        load_default=None,
        validate=validate.Length(max=40),
        metadata={"description": "SIRET de l'entreprise pour laquelle le relevé est déposé"},
    )
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Simulation"})


class Counts(Schema):
    rows = fields.Integer()
    accepted = fields.Integer()
    accepted_with_warnings = fields.Integer()
    rejected = fields.Integer()
    recorded = fields.Integer()
    corrected = fields.Integer()
    unchanged = fields.Integer()
    contracts_started = fields.Integer()


class RowMessages(Schema):
    row_number = fields.Integer()
    errors = fields.Dict(keys=fields.String(), values=fields.String())
    warnings = fields.List(fields.String())


class ImportResult(Schema):
    import_id = fields.UUID()
    already_imported = fields.Boolean()
    first_imported_at = fields.String(allow_none=True)
    filename = fields.String()
    counts = fields.Nested(Counts)
    rejected_rows = fields.List(fields.Nested(RowMessages))
    dry_run = fields.Boolean()


class ImportSchema(Schema):
    import_id = fields.UUID()
    company_id = fields.UUID(allow_none=True)
    filename = fields.String()
    file_format = fields.String()
    imported_at = fields.DateTime()
    imported_by = fields.String(allow_none=True)
    status = fields.String()
    rows = fields.Integer()
    accepted = fields.Integer()
    accepted_with_warnings = fields.Integer()
    rejected = fields.Integer()
    pending = fields.Integer()
    fixed = fields.Integer()
    dismissed = fields.Integer()
    recorded = fields.Integer()
    corrected = fields.Integer()
    unchanged = fields.Integer()
    contracts_started = fields.Integer()
    months = fields.List(fields.String())


class RowSchema(Schema):
    import_id = fields.UUID()
    row_number = fields.Integer()
    status = fields.String()
    action = fields.String()
    month = fields.Date(allow_none=True)
    company_id = fields.UUID(allow_none=True)
    person_id = fields.UUID(allow_none=True)
    contract_id = fields.UUID(allow_none=True)
    hours = fields.Decimal(as_string=True, allow_none=True)
    training_hours = fields.Decimal(as_string=True, allow_none=True)
    contract_started = fields.Boolean()
    warnings = fields.List(fields.String())
    errors = fields.Dict(keys=fields.String(), values=fields.String())
    cells = fields.Dict(keys=fields.String(), values=fields.String())
    queue = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)


class QueueRowSchema(RowSchema):
    filename = fields.String()
    imported_at = fields.DateTime()


ImportPage = page_schema(ImportSchema, "ImportPage")
RowPage = page_schema(RowSchema, "ImportRowPage")
QueuePage = page_schema(QueueRowSchema, "RejectedRowPage")


class ImportDetail(ImportSchema):
    summary = fields.Dict()
    row_page = fields.Nested(RowPage)


class ListArgs(PageArgs):
    month = Month(load_default=None)
    company_id = fields.UUID(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(IMPORT_STATUSES))


class DetailArgs(PageArgs):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(("accepted", "accepted_with_warnings", "rejected")),
    )


class QueueArgs(PageArgs):
    month = Month(load_default=None)
    company_id = fields.UUID(load_default=None)
    import_id = fields.UUID(load_default=None)


class FixSchema(Schema):
    person_id = fields.UUID(load_default=None)
    values = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(COLUMNS))),
        values=fields.String(validate=validate.Length(max=300)),
        load_default=dict,
    )
    expected_version = fields.Integer(load_default=None, validate=validate.Range(min=0))

    @validates_schema
    def _something(self, data, **kwargs):
        if data.get("person_id") is None and not data.get("values"):
            raise ValidationError(
                "Indiquez la personne à rattacher (person_id) ou au moins une valeur corrigée.",
                field_name="values",
            )


class DismissSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    expected_version = fields.Integer(load_default=None, validate=validate.Range(min=0))


class RowWriteResult(Schema):
    import_id = fields.UUID()
    row_number = fields.Integer()
    status = fields.String()
    action = fields.String()
    contract_id = fields.UUID(allow_none=True)
    warnings = fields.List(fields.String())
    version = fields.Integer()


# ---- helpers ---------------------------------------------------------------------------
def _upload_company(siret: str | None):
    """(company_id, allowed company ids) for the current user, or an HTTP error."""
    scope = current_scope()
    company = None
    if siret:
        with services().store.reading() as conn:
            company = queries.company_by_siret(conn, siret)
        if company is None or not scope.sees_company(company["company_id"]):
            abort(
                422,
                message=f"SIRET « {siret} » : aucune de vos entreprises enregistrées n'a ce SIRET.",
                errors={"siret": ["SIRET inconnu ou hors de votre périmètre."]},
            )
    if scope.company_ids is None:  # the facilitator
        return (uuid.UUID(str(company["company_id"])) if company else None), None
    if company is None:
        if len(scope.company_ids) != 1:
            message = (
                "Votre compte n'est rattaché à aucune entreprise enregistrée : demandez au "
                "facilitateur d'enregistrer votre établissement."
                if not scope.company_ids
                else "Votre compte représente plusieurs établissements : indiquez le SIRET "
                "(champ siret) pour lequel vous déposez ce relevé."
            )
            abort(422, message=message, errors={"siret": [message]})
        return uuid.UUID(next(iter(scope.company_ids))), scope.company_ids
    return uuid.UUID(str(company["company_id"])), scope.company_ids


def _visible(import_id) -> dict:
    with services().store.reading() as conn:
        found = queries.get_import(conn, import_id, current_scope().company_ids)
    if found is None:
        abort(404, message=NOT_FOUND)
    return found


def _row_number(text: str) -> int:
    """The row number of a path (parsed after the role check): 404 when not a row number."""
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 8 else 0
    if not 0 < number <= MAX_ROW:
        abort(404, message="Ligne introuvable.")
    return number


# ---- views -----------------------------------------------------------------------------
@blp.route("")
class Imports(MethodView):
    @roles_required(*UPLOADERS)
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, ImportPage)
    def get(self, args):
        """Imports visibles, du plus récent au plus ancien (filtres : mois, entreprise, état)."""
        with services().store.reading() as conn:
            items, total = queries.list_imports(
                conn,
                current_scope().company_ids,
                month=args["month"],
                company_id=args["company_id"],
                status=args["status"],
                limit=args["page_size"],
                offset=offset(args),
            )
        return paged(items, total, args)

    @roles_required(*UPLOADERS)
    @blp.arguments(UploadForm, location="form", content_type="multipart/form-data")
    @blp.response(201, ImportResult)
    @blp.alt_response(200, schema=ImportResult, description="Fichier déjà importé")
    @blp.alt_response(413, description="Fichier trop volumineux")
    def post(self, form):
        """Déposer un relevé mensuel d'heures (multipart, champ « file »)."""
        try:
            return _import_upload(form)
        finally:
            for upload in request.files.values():
                upload.close()


def _import_upload(form):
    from importers import FileRejected

    limits = upload_limits()
    message = too_big(limits)
    if message is not None:
        return json_error(413, message)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(
            422,
            message="Aucun fichier reçu : joignez le relevé dans le champ « file ».",
            errors={"file": ["Champ obligatoire."]},
        )
    company_id, allowed = _upload_company(form["siret"])
    try:
        result = import_upload(
            upload.stream, upload.filename, company_id, allowed, limits, dry_run=form["dry_run"]
        )
    except FileRejected as rejected:
        status = rejection_status(rejected)
        return json_error(status, rejected.message, errors={"file": [rejected.message]})
    return result, 200 if result["already_imported"] else 201


@blp.route("/<uuid:import_id>")
class ImportItem(MethodView):
    @roles_required(*UPLOADERS)
    @blp.arguments(DetailArgs, location="query")
    @blp.response(200, ImportDetail)
    def get(self, args, import_id):
        """Un import : compteurs et lignes (état, action, messages)."""
        found = _visible(import_id)
        with services().store.reading() as conn:
            rows, total = queries.import_rows_of(
                conn, import_id, args["status"], args["page_size"], offset(args)
            )
        return {**found, "row_page": paged(rows, total, args)}


@blp.route("/rejected")
class RejectedRows(MethodView):
    @roles_required(*UPLOADERS)
    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, QueuePage)
    def get(self, args):
        """Lignes rejetées en attente de correction (filtres : mois, entreprise, import)."""
        with services().store.reading() as conn:
            items, total = queries.rejected_queue(
                conn,
                current_scope().company_ids,
                import_id=args["import_id"],
                month=args["month"],
                company_id=args["company_id"],
                limit=args["page_size"],
                offset=offset(args),
            )
        return paged(items, total, args)


@blp.route("/<uuid:import_id>/rows/<row_number>/fix")
class FixRow(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(FixSchema)
    @blp.response(200, RowWriteResult)
    def post(self, body, import_id, row_number):
        """Corriger une ligne rejetée (rattacher la personne, corriger des valeurs) : elle
        est décidée à nouveau et, acceptée, ses heures sont enregistrées."""
        _visible(import_id)
        return run(
            FixImportRow(
                import_id=import_id,
                row_number=_row_number(row_number),
                person_id=body["person_id"],
                values=dict(body["values"]),
                expected_version=body["expected_version"],
            )
        )


@blp.route("/<uuid:import_id>/rows/<row_number>/dismiss")
class DismissRow(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(DismissSchema)
    @blp.response(200, RowWriteResult)
    def post(self, body, import_id, row_number):
        """Écarter une ligne rejetée (elle ne compte pas), avec un motif."""
        _visible(import_id)
        return run(
            DismissImportRow(
                import_id=import_id,
                row_number=_row_number(row_number),
                reason=body["reason"],
                expected_version=body["expected_version"],
            )
        )
