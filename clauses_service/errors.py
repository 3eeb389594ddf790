"""Errors as people read them: JSON with a French message for the API, a French page otherwise."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, jsonify, render_template_string, request
from werkzeug.exceptions import HTTPException

from clauses_service.domain.errors import DomainError
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


def respond(status: int, message: str, **details):
    if wants_json():
        return json_error(status, message, **details)
    html = render_template_string(PAGE, status=status, message=message)
    return html, status, {"Content-Type": "text/html; charset=utf-8"}


def http_error_response(exc: HTTPException):
    """The response for an HTTP error, with field errors when validation failed."""
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    message = data.get("message") or FRENCH.get(status, exc.description or "Erreur.")
    details = {}
    errors = data.get("errors") or data.get("messages")
    if errors:
        # webargs nests by location ({"json": {...}}); people read the field names.
        if isinstance(errors, dict) and set(errors) <= {"json", "query", "form", "headers"}:
            errors = {k: v for location in errors.values() for k, v in location.items()}
        details["errors"] = errors
        if status == 422 and "message" not in data:
            message = "Données invalides : corrigez les champs signalés."
    response = current_app.make_response(respond(status, message, **details))
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error_response)

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        details = {"errors": {exc.field: [exc.message]}} if exc.field else {}
        return respond(exc.status, exc.message, **details)

    @app.errorhandler(EventStoreError)
    def _store(exc: EventStoreError):
        return respond(STORE_STATUS.get(type(exc), 400), exc.message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return respond(500, FRENCH[500])
