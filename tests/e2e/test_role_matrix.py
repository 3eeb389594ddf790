"""Every API endpoint with every role: allowed, or 401/403/404 — never a 500.

Walks the URL map, so a new endpoint is covered the day it is added, and fails if an
endpoint has no role check. Path ids are random UUIDs (unknown: 404 for allowed roles)
and bodies are empty (422 for allowed roles): what matters is that the role check runs
first and that a refused caller learns nothing.
"""

from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import SQL_BACKENDS

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

PUBLIC = {
    "api-docs.openapi_json",
    "api-docs.openapi_swagger_ui",
    "api_assets.swagger_asset",
    "auth_tokens.Tokens",
}
ROLES = ["facilitator", "company", "buyer", "plie", "admin"]


def api_endpoints(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint in PUBLIC:
            continue
        view_class = getattr(app.view_functions[rule.endpoint], "view_class", None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            handler = getattr(view_class, method.lower(), None) if view_class else None
            yield rule, method, getattr(handler, "allowed_roles", None)


def concrete(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", lambda _: str(uuid.uuid4()), rule.rule)


def test_every_endpoint_checks_roles_before_anything_else(app, territory, as_role):
    client = app.test_client()
    seen = 0
    for rule, method, allowed in api_endpoints(app):
        assert allowed is not None, f"{method} {rule.rule} has no @roles_required"
        url = concrete(rule)
        body = {} if method in {"POST", "PUT", "PATCH"} else None
        anonymous = client.open(url, method=method, json=body)
        assert anonymous.status_code == 401, (method, url, anonymous.status_code)
        for role in ROLES:
            response = client.open(url, method=method, json=body, headers=as_role(role))
            status = response.status_code
            assert status < 500, (method, url, role, status)
            assert response.is_json, (method, url, role)
            if role in {r.value for r in allowed}:
                assert status not in (401, 403), (method, url, role, status)
            else:
                assert status == 403, (method, url, role, status)
            seen += 1
    assert seen >= 5 * 5  # the buyers surface at least; grows with every blueprint
