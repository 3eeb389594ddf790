"""``create_app()``: the one place where the service is wired together."""

from __future__ import annotations

from flask import Flask

from clauses_service import config as settings
from clauses_service.errors import register_error_handlers
from clauses_service.extensions import event_log


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app; ``config`` overrides the settings read from the environment."""
    app = Flask(__name__)
    app.config.update(settings.from_environment())
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False
    event_log.init_app(app)

    from clauses_service import api, health, web
    from clauses_service.auth import security
    from clauses_service.web import auth as web_auth

    security.init_app(app)
    api.init_app(app)
    register_error_handlers(app)  # after the API's, so that one error format wins
    app.register_blueprint(health.bp)
    app.register_blueprint(web.bp)
    app.register_blueprint(web_auth.bp)
    web.init_app(app)  # the other web surfaces, French filters, menus, refusal pages
    return app
