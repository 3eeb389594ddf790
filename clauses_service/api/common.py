"""What every API blueprint shares: pagination, running a command, entity history."""

from __future__ import annotations

import uuid

from flask import request
from marshmallow import Schema, fields, validate

from clauses_service import messagebus
from clauses_service.auth.security import actor
from clauses_service.extensions import services
from events.store import fingerprint


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    search = fields.String(load_default=None, validate=validate.Length(max=200))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """An envelope ``{items, total, page, page_size}`` around ``item_schema``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
        },
        name=name,
    )


def paged(items, total: int, args: dict) -> dict:
    return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


def offset(args: dict) -> int:
    return (args["page"] - 1) * args["page_size"]


def run(command) -> dict:
    """Execute a command for the current user; honours the ``Idempotency-Key`` header."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= 150):
        from clauses_service.domain.errors import RuleViolation

        raise RuleViolation(
            "En-tête Idempotency-Key invalide : 1 à 150 caractères.", field="Idempotency-Key"
        )
    return messagebus.execute(
        services().store,
        command,
        actor(),
        idempotency_key=key,
        metadata={"source": {"kind": "api"}, "request_id": str(uuid.uuid4())},
        request_fingerprint=fingerprint(
            request.method,
            request.full_path,  # the query string too: DELETE ...?reason= carries its body there
            request.get_data(as_text=True),
            type(command).__name__,
        ),
    )


class HistoryEntry(Schema):
    position = fields.Integer()
    recorded_at = fields.DateTime()
    event_type = fields.String()
    actor = fields.String(allow_none=True)
    command = fields.String(allow_none=True)
    source = fields.Dict(allow_none=True)
    data = fields.Dict()


def history(stream_id: str) -> list[dict]:
    """Who did what, when, and from where (API, import file and row) on one stream."""
    store = services().store
    out = []
    for recorded in store.read_stream(str(stream_id)):
        spec = store.registry.spec(recorded.event_type)
        out.append(
            {
                "position": recorded.position,
                "recorded_at": recorded.recorded_at,
                "event_type": recorded.event_type,
                "actor": recorded.metadata.get("actor"),
                "command": recorded.metadata.get("command"),
                "source": recorded.metadata.get("source"),
                "data": spec.codec.encode(recorded.event),
            }
        )
    return out
