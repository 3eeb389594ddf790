"""``/healthz``: is the database reachable and its schema current."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from clauses_service import db
from clauses_service.errors import json_error
from clauses_service.extensions import services
from events.sql_store import head_position_on

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    engine = services().engine
    try:
        revision = db.current_revision(engine)
    except SQLAlchemyError as exc:
        log.warning("health check failed: %s", exc)
        return json_error(503, "Base de données injoignable.", database="erreur")
    expected = db.head_revision(engine)
    if revision != expected:
        return json_error(
            503,
            "Schéma de base de données absent ou ancien : lancez « clauses db upgrade ».",
            database="ok",
            schema=revision,
            expected_schema=expected,
        )
    with engine.connect() as conn:
        head = head_position_on(conn)
    return jsonify(status="ok", database=engine.dialect.name, schema=revision, head_position=head)
