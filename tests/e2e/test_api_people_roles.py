"""Who may call each people endpoint: the expected roles, spelled out (the role matrix
test derives them from the views; this one says what they must be)."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import SQL_BACKENDS

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

ROLES = ("facilitator", "company", "buyer", "plie", "admin")
READ_IDENTITY = {"facilitator", "plie", "company"}
PATH_READERS = {"facilitator", "plie"}
FACILITATOR = {"facilitator"}
P, L = "{person}", "{link}"
EXPECTED = [
    ("GET", "/api/v1/people", READ_IDENTITY),
    ("POST", "/api/v1/people", FACILITATOR),
    ("GET", "/api/v1/people/duplicates", FACILITATOR),
    ("GET", f"/api/v1/people/{P}", READ_IDENTITY),
    ("PATCH", f"/api/v1/people/{P}", FACILITATOR),
    ("GET", f"/api/v1/people/{P}/duplicates", FACILITATOR),
    ("POST", f"/api/v1/people/{P}/merge", FACILITATOR),
    ("POST", f"/api/v1/people/{P}/erase", FACILITATOR),
    ("GET", f"/api/v1/people/{P}/history", FACILITATOR),
    ("POST", f"/api/v1/people/{P}/orientations", FACILITATOR),
    ("POST", f"/api/v1/people/{P}/validations", FACILITATOR),
    ("POST", f"/api/v1/people/{P}/refusals", FACILITATOR),
    ("POST", f"/api/v1/people/{P}/plie-links", FACILITATOR),
    ("POST", f"/api/v1/people/{P}/plie-links/{L}/end", FACILITATOR),
    ("GET", "/api/v1/orientations", PATH_READERS),
    ("GET", "/api/v1/validation-outcomes", PATH_READERS),
    ("GET", "/api/v1/vocabularies", {"facilitator", "company", "buyer", "plie"}),
    ("GET", "/api/v1/vocabularies/sectors", {"facilitator", "company", "buyer", "plie"}),
]


def test_each_people_endpoint_admits_exactly_its_roles(app, as_role):
    client = app.test_client()
    for method, template, allowed in EXPECTED:
        url = template.replace(P, str(uuid.uuid4())).replace(L, str(uuid.uuid4()))
        body = {} if method in {"POST", "PATCH"} else None
        anonymous = client.open(url, method=method, json=body)
        assert anonymous.status_code == 401, (method, template)
        for role in ROLES:
            response = client.open(url, method=method, json=body, headers=as_role(role))
            status = response.status_code
            assert response.is_json and status < 500, (method, template, role, status)
            if role in allowed:
                assert status not in (401, 403), (method, template, role, status)
            else:
                assert status == 403, (method, template, role, status)
                assert response.json["message"].startswith("Accès refusé"), (method, template)


def test_every_people_route_is_in_the_expected_list(app):
    expected = {
        (m, t.replace(P, "<uuid:person_id>").replace(L, "<uuid:link_id>")) for m, t, _ in EXPECTED
    }
    expected = {(m, t.replace("/sectors", "/<string(maxlength=60):name>")) for m, t in expected}
    mine = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in {
            "people",
            "candidates",
            "people_figures",
            "vocabularies",
        }:
            mine |= {(m, rule.rule) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert mine == expected
