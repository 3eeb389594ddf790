"""What every web page shares: the role check, refusal pages, running a form's command.

Pages answer in HTML only: an unknown or not-visible entity gives the French 404 page
(never revealing that another company's or buyer's data exists), a wrong role the
French 403 page, an anonymous visitor the login page.
"""

from __future__ import annotations

import functools
import uuid

from flask import abort, request
from flask_login import current_user

from clauses_service import messagebus
from clauses_service.auth.roles import Role
from clauses_service.auth.security import actor, login_manager
from clauses_service.extensions import services
from events.store import fingerprint

NOT_VISIBLE = "Ressource introuvable : cette page n'existe pas ou ne vous est pas accessible."


def page_roles(*roles: Role):
    """Allow the page to the given roles: login page when anonymous, 403 page otherwise."""
    allowed = frozenset(Role(r) for r in roles)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorate


def not_found(message: str = NOT_VISIBLE):
    """Stop with the French 404 page (also for what exists but is not the user's)."""
    abort(404, description=message)


def run(command, key: str | None = None) -> dict:
    """Execute a form's command for the current user.

    ``key`` is the form's one-time key (a hidden field): a form sent twice (double click,
    reload after a lost answer) returns the first result instead of acting twice.
    """
    form = sorted(
        (name, value) for name, value in request.form.items(multi=True) if name != "csrf_token"
    )
    return messagebus.execute(
        services().store,
        command,
        actor(),
        idempotency_key=f"web:{key}" if key else None,
        metadata={"source": {"kind": "web", "page": request.path}, "request_id": str(uuid.uuid4())},
        request_fingerprint=fingerprint(request.path, form, type(command).__name__),
    )


def run_form(form, command, aliases: dict | None = None, step: str = "") -> dict | None:
    """Run a form's command; on a domain or store error, show it in the form and return
    None. ``step`` tells apart the commands one form sends (each its own one-time key)."""
    from clauses_service.domain.errors import DomainError
    from clauses_service.web.forms import show_domain_error
    from events.errors import EventStoreError

    try:
        return run(command, f"{form.key}{step}" if form.key else None)
    except DomainError as exc:
        show_domain_error(form, exc, aliases)
    except EventStoreError as exc:
        form.form_errors.append(
            "Ce formulaire a déjà été envoyé avec d'autres valeurs, ou la fiche a changé "
            f"entre-temps : rechargez la page. ({exc.message})"
        )
    return None


def render_form(template: str, form, status_ok: int = 200, **context):
    """The form's page: 422 when it came back refused, ``status_ok`` otherwise."""
    from flask import render_template

    status = 422 if request.method == "POST" else status_ok
    return render_template(template, form=form, **context), status
