"""The REST API under /api/v1 (flask-smorest + marshmallow), one blueprint per surface.

OpenAPI at /api/v1/openapi.json; interactive docs at /api/v1/docs served from the
swagger-ui-bundle package (no CDN). Entry points only translate input into commands.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, Flask, send_from_directory
from flask_smorest import Api

from clauses_service.api import french

french.apply()

SWAGGER_ASSETS = Path(swagger_ui_bundle.swagger_ui_path)


class ClausesApi(Api):
    def handle_http_exception(self, error):
        # One error format for the whole service (clauses_service.errors).
        from clauses_service.errors import http_error_response

        return http_error_response(error)


api = ClausesApi()
assets = Blueprint("api_assets", __name__)


@assets.get("/api/v1/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    return send_from_directory(SWAGGER_ASSETS, filename, max_age=86400)


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE="Clauses d'insertion",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/v1/docs/assets/",
        API_SPEC_OPTIONS={
            "info": {
                "description": (
                    "API du service de suivi des clauses sociales d'insertion. "
                    "Authentification : en-tête « Authorization: Bearer <jeton> »."
                )
            },
            "components": {"securitySchemes": {"jeton": {"type": "http", "scheme": "bearer"}}},
            "security": [{"jeton": []}],
        },
    )
    api.init_app(app)
    app.register_blueprint(assets)
    from clauses_service.api import blueprints

    for blueprint in blueprints.BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
