"""Login by session (web pages) or by API token (``Authorization: Bearer …``), CSRF on
every state-changing request made with a session, role checks and scopes.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import Flask, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from clauses_service.auth import accounts
from clauses_service.auth.roles import Role, Scope
from clauses_service.errors import json_error, respond, wants_json
from clauses_service.extensions import services
from events.catalog.claims import claim_stream

login_manager = LoginManager()
csrf = CSRFProtect()
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Endpoints that carry their own credentials in the body (no ambient cookie authority).
CSRF_EXEMPT = {"api_auth_tokens.Tokens", "auth_tokens.Tokens"}


def init_app(app: Flask) -> None:
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=4))
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    # CSRF is checked below, only for requests authenticated by the session cookie.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.before_request(_protect_session_writes)

    @app.errorhandler(CSRFError)
    def _csrf_failed(exc):
        message = "Le formulaire a expiré ou n'est pas valide : rechargez la page et recommencez."
        return respond(400, message)


@login_manager.user_loader
def _load_from_session(session_id: str):
    user_id, _, nonce = session_id.partition(":")
    with services().engine.connect() as conn:
        user = accounts.get_user(conn, user_id)
    if user is None or user.session_nonce != nonce or not user.active:
        return None
    return user


@login_manager.request_loader
def _load_from_token(req):
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    with services().engine.connect() as conn:
        user = accounts.user_for_token(conn, token.strip())
    if user is not None:
        g.token_auth = True
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_json():
        return json_error(401, "Authentification requise : connectez-vous ou fournissez un jeton.")
    return redirect(url_for("auth.login", next=request.full_path))


def _protect_session_writes():
    # Only a logged-in session cookie carries ambient authority worth forging; anonymous
    # writes get their 401, and the login form checks its own token (FlaskForm).
    if (
        request.method in UNSAFE
        and session.get("_user_id")
        and not request.headers.get("Authorization")
        and request.endpoint not in CSRF_EXEMPT
        and request.routing_exception is None  # let 404/405 say what is wrong
    ):
        csrf.protect()


def roles_required(*roles: Role):
    """Allow the view to the given roles; 401 when anonymous, 403 otherwise.

    Put it above the flask-smorest decorators so that it runs first: an anonymous or
    unauthorised caller learns nothing from validation errors.
    """
    allowed = {Role(r) for r in roles}

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                message = "Accès refusé : votre rôle ne permet pas cette action."
                if wants_json():
                    return json_error(403, message)
                return message, 403
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(allowed)  # read by the role x endpoint test
        return wrapper

    return decorate


def current_scope() -> Scope:
    """The scope of the logged-in user (company SIRETs resolved to company ids)."""
    if "scope" in g:
        return g.scope
    user = current_user
    if user.role is Role.COMPANY:
        store = services().store
        ids = set()
        for siret in user.sirets:
            claim = store.read_stream(claim_stream("siret", siret))
            if claim:
                ids.add(str(claim[0].event.owner_id))
        scope = Scope(user.role, company_ids=frozenset(ids))
    elif user.role is Role.BUYER:
        scope = Scope(user.role, buyer_ids=frozenset(user.buyer_ids))
    elif user.role is Role.PLIE:
        scope = Scope(user.role, plie_only=True)
    else:
        scope = Scope(user.role)
    g.scope = scope
    return scope


def actor() -> str:
    """How the current user is named in event metadata."""
    return current_user.email if current_user.is_authenticated else "anonyme"
