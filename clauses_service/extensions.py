"""The event log as a Flask extension: engine, store and projection runner per app."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

import events.catalog  # noqa: F401  (registers every event type)
from events.engine import make_engine
from events.sql_store import SqlEventStore
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner

log = logging.getLogger(__name__)


@dataclass
class Services:
    engine: Engine
    store: SqlEventStore
    projections: ProjectionRunner


class EventLog:
    """``event_log.init_app(app)`` attaches the store; ``services()`` returns it."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        store = SqlEventStore(engine, lock_timeout_ms=app.config["APPEND_LOCK_TIMEOUT_MS"])
        runner = ProjectionRunner(store, PROJECTIONS)
        runner.attach()
        app.extensions["clauses"] = Services(engine, store, runner)
        try:
            runner.prepare()
        except SQLAlchemyError as exc:
            # The app still starts (so /healthz can say what is wrong); writes will fail.
            log.info("read tables not created yet: %s", exc)


event_log = EventLog()


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions["clauses"]
