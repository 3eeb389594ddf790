"""/api/v1/buyers: donneurs d'ordre."""

from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from clauses_service.api.common import (
    HistoryEntry,
    PageArgs,
    history,
    offset,
    page_schema,
    paged,
    run,
)
from clauses_service.auth.roles import Role
from clauses_service.auth.security import current_scope, roles_required
from clauses_service.commands.buyers import RegisterBuyer, RenameBuyer, SetBuyerContacts
from clauses_service.extensions import services
from events.catalog.buyers import BuyerKind
from projections import queries

blp = Blueprint("buyers", __name__, url_prefix="/buyers", description="Donneurs d'ordre")
READERS = (Role.FACILITATOR, Role.PLIE, Role.BUYER)


class BuyerSchema(Schema):
    buyer_id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    kind = fields.Enum(BuyerKind, by_value=True, required=True)
    kind_label = fields.Function(lambda b: b["kind"].label, dump_only=True)
    contacts = fields.List(fields.Email(), dump_only=True)


class BuyerChangeSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=300))
    contacts = fields.List(fields.String(validate=validate.Length(max=254)))
    expected_version = fields.Integer(validate=validate.Range(min=0, max=1_000_000))


class WriteResult(Schema):
    buyer_id = fields.UUID()
    version = fields.Integer()
    replayed = fields.Boolean()


BuyerPage = page_schema(BuyerSchema, "BuyerPage")


def _present(buyer: dict) -> dict:
    return {**buyer, "kind": BuyerKind(buyer["kind"])}


def _visible(buyer_id) -> dict:
    scope = current_scope()
    with services().store.reading() as conn:
        buyer = queries.get_buyer(conn, buyer_id)
    if buyer is None or not scope.sees_buyer(buyer_id):
        abort(404, message="Donneur d'ordre introuvable.")
    return _present(buyer)


@blp.route("")
class Buyers(MethodView):
    @roles_required(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, BuyerPage)
    def get(self, args):
        """Liste des donneurs d'ordre visibles."""
        scope = current_scope()
        with services().store.reading() as conn:
            items = queries.list_buyers(
                conn, scope.buyer_ids, args["search"], args["page_size"], offset(args)
            )
            total = queries.count_buyers(conn, scope.buyer_ids, args["search"])
        return paged([_present(b) for b in items], total, args)

    @roles_required(Role.FACILITATOR)
    @blp.arguments(BuyerSchema)
    @blp.response(201, WriteResult)
    def post(self, body):
        """Enregistrer un donneur d'ordre."""
        return run(RegisterBuyer(buyer_id=uuid.uuid4(), name=body["name"], kind=body["kind"]))


@blp.route("/<uuid:buyer_id>")
class BuyerItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, BuyerSchema)
    def get(self, buyer_id):
        """Un donneur d'ordre."""
        return _visible(buyer_id)

    @roles_required(Role.FACILITATOR)
    @blp.arguments(BuyerChangeSchema)
    @blp.response(200, WriteResult)
    def patch(self, body, buyer_id):
        """Renommer un donneur d'ordre ou remplacer ses contacts (e-mails des rapports)."""
        _visible(buyer_id)
        result = {"buyer_id": str(buyer_id)}
        expected = body.get("expected_version")
        if "name" in body:
            result = run(
                RenameBuyer(buyer_id=buyer_id, name=body["name"], expected_version=expected)
            )
            expected = None if expected is None else result["version"]
        if "contacts" in body:
            result = run(
                SetBuyerContacts(
                    buyer_id=buyer_id, emails=tuple(body["contacts"]), expected_version=expected
                )
            )
        return result


@blp.route("/<uuid:buyer_id>/history")
class BuyerHistory(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.response(200, HistoryEntry(many=True))
    def get(self, buyer_id):
        """Historique : qui a fait quoi, quand, depuis quelle source."""
        _visible(buyer_id)
        return history(str(buyer_id))
