"""Errors as people read them: JSON with a French message for the API, a French page otherwise."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template_string, request
from werkzeug.exceptions import HTTPException

from events.errors import (
    AppendTimeout,
    ConcurrencyError,
    EventStoreError,
    IdempotencyConflict,
    InvalidPayload,
    UnknownEventType,
)

log = logging.getLogger(__name__)

FRENCH = {
    400: "Requête invalide.",
    401: "Authentification requise.",
    403: "Accès refusé.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée pour cette adresse.",
    409: "Conflit : la ressource a été modifiée entre-temps.",
    413: "Fichier ou requête trop volumineux.",
    415: "Type de contenu non pris en charge.",
    422: "Données invalides.",
    429: "Trop de requêtes ; réessayez plus tard.",
    500: "Erreur interne du serveur ; l'incident est journalisé.",
    503: "Service momentanément indisponible.",
}

STORE_STATUS = {
    ConcurrencyError: 409,
    IdempotencyConflict: 422,
    InvalidPayload: 422,
    UnknownEventType: 422,
    AppendTimeout: 503,
}

PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>{{ status }} — Clauses d'insertion</title></head>
<body><main><h1>Erreur {{ status }}</h1><p>{{ message }}</p>
<p><a href="/">Retour à l'accueil</a></p></main></body></html>"""


def json_error(status: int, message: str | None = None, **details) -> Response:
    """A JSON error response: ``{"status", "message", ...details}`` with a French message."""
    body = {"status": status, "message": message or FRENCH.get(status, "Erreur.")}
    body.update(details)
    response = jsonify(body)
    response.status_code = status
    return response


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/healthz")):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def _respond(status: int, message: str, **details):
    if wants_json():
        return json_error(status, message, **details)
    html = render_template_string(PAGE, status=status, message=message)
    return html, status, {"Content-Type": "text/html; charset=utf-8"}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        message = FRENCH.get(exc.code or 500, exc.description or "Erreur.")
        response = _respond(exc.code or 500, message)
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response = app.make_response(response)
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(EventStoreError)
    def _store(exc: EventStoreError):
        return _respond(STORE_STATUS.get(type(exc), 400), exc.message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, FRENCH[500])
