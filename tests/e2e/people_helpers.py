"""Bodies and small calls shared by the people API tests (tests/e2e/test_api_people*.py)."""

from __future__ import annotations

LEA = {
    "last_name": "Martin",
    "first_name": "Léa",
    "birth_date": "1990-01-15",
    "sex": "F",
    "commune": "Dijon",
    "qpv": "Dijon – Grésilles",
    "qualification": "NIVEAU_3",
    "rsa": True,
    "rqth": False,
}
JEAN = {"last_name": "Petit", "first_name": "Jean", "birth_date": "1965-01-01", "sex": "M"}


def register(client, headers, body=None) -> str:
    response = client.post("/api/v1/people", json=body or LEA, headers=headers)
    assert response.status_code == 201, response.json
    return response.json["person_id"]


def orient(client, headers, person_id, oriented_on="2025-03-03", kind="FRANCE_TRAVAIL", **more):
    body = {
        "prescriber_name": "France Travail Agence Est",
        "prescriber_kind": kind,
        "oriented_on": oriented_on,
        "sectors": ["BTP"],
        **more,
    }
    response = client.post(f"/api/v1/people/{person_id}/orientations", json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json["orientation_id"]


def validate(client, headers, person_id, validated_on="2025-03-10", **more):
    body = {"sectors": ["BTP"], "criteria": ["DELD"], "validated_on": validated_on, **more}
    response = client.post(f"/api/v1/people/{person_id}/validations", json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def listed(client, headers, query="") -> tuple[int, list[str]]:
    response = client.get(f"/api/v1/people?{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["total"], [p["person_id"] for p in response.json["items"]]
