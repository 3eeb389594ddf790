"""/api/v1/contracts/<id>/hours: record, correct, withdraw; warnings and refusals of the
domain in French; exact hundredths; sources and history; versions, idempotency, scopes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from events.catalog.contracts import ContractType, Modality
from tests.conftest import SQL_BACKENDS
from tests.support.contract_world import build_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


@pytest.fixture
def world(app, territory):
    return build_world(app, territory)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def c1(world):
    """P1 with company A on M1/L1 (CDDI), 01/03/2024 to 31/08/2024."""
    return world.t.contract(
        world.p1, world.a, world.m1, world.l1, date(2024, 3, 1), planned_end=date(2024, 8, 31)
    )


def url(contract_id, tail: str = "") -> str:
    return f"/api/v1/contracts/{contract_id}/hours{tail}"


def record(client, headers, contract_id, month, hours, training=None, **extra):
    body = {"month": month, "hours": hours, **extra}
    if training is not None:
        body["training_hours"] = training
    return client.post(url(contract_id), json=body, headers=headers)


def contract(client, as_role, contract_id) -> dict:
    return client.get(f"/api/v1/contracts/{contract_id}", headers=as_role("facilitator")).json


def test_round_trip_in_exact_hundredths(client, as_role, c1):
    headers = as_role("facilitator")
    march = record(client, headers, c1, "2024-03", 7.5)
    assert march.status_code == 201, march.json
    assert march.json == {
        "contract_id": str(c1),
        "version": 2,
        "month": "2024-03-01",
        "counted_hours": "7.50",
        "warnings": [],
    }
    april = record(client, headers, c1, "2024-04", "151.67", "0.1")
    assert april.json["counted_hours"] == "151.67" and april.json["warnings"] == []
    may = record(client, headers, c1, "2024-05", "0.333")  # kept to the hundredth, half up
    assert may.json["counted_hours"] == "0.33"
    read = contract(client, as_role, c1)
    assert (read["hours"], read["counted_hours"], read["training_hours"]) == (
        "159.50",
        "159.50",
        "0.10",
    )
    lines = client.get(url(c1), headers=headers).json["lines"]
    assert [(x["month"], x["hours"], x["training_hours"], x["counted_hours"]) for x in lines] == [
        ("2024-03-01", "7.50", "0.00", "7.50"),
        ("2024-04-01", "151.67", "0.10", "151.67"),
        ("2024-05-01", "0.33", "0.00", "0.33"),
    ]


def test_person_month_warning_and_refusal_across_two_contracts(client, as_role, world):
    t, headers = world.t, as_role("facilitator")
    on_m2 = t.contract(
        world.p2,
        world.etti,
        world.m2,
        world.l2,
        date(2024, 5, 1),
        ContractType.CTTI,
        Modality.MISE_A_DISPOSITION,
        user_siret=world.b.siret,
    )
    on_m1 = t.contract(world.p2, world.a, world.m1, world.l1, date(2024, 5, 1))
    full_time = record(client, headers, on_m2, "2024-05", "151.67")
    assert full_time.status_code == 201 and full_time.json["warnings"] == []  # not beyond
    overtime = record(client, headers, on_m1, "2024-05", "10")
    assert overtime.status_code == 201
    assert overtime.json["warnings"] == [
        "La personne totalise 161,67 h en mai 2024 (tous contrats confondus), au-delà de "
        "151,67 h (temps plein) : heures supplémentaires à vérifier."
    ]
    assert overtime.json["counted_hours"] == "10.00"  # a warning, still counted
    line = client.get(url(on_m1), headers=headers).json["lines"][0]
    assert line["warnings"] == overtime.json["warnings"]
    refused = client.put(
        url(on_m1, "/2024-05"), json={"hours": "48.34", "reason": "Relevé ETTI"}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json["message"].startswith(
        "Avec cette ligne, la personne totaliserait 200,01 h en mai 2024 (tous contrats "
        "confondus), au-delà du maximum de 200,00 h par mois"
    )
    assert list(refused.json["errors"]) == ["hours"]
    at_limit = client.put(
        url(on_m1, "/2024-05"), json={"hours": "48.33", "reason": "Relevé ETTI"}, headers=headers
    )
    assert at_limit.status_code == 200 and "200,00 h" in at_limit.json["warnings"][0]


def test_cdi_hours_beyond_the_counted_months_are_kept_but_not_counted(client, as_role, world):
    headers = as_role("facilitator")
    cdi = world.t.contract(
        world.p2,
        world.b,
        world.m2,
        world.l2,
        date(2024, 1, 15),
        ContractType.CDI,
        Modality.EMBAUCHE_DIRECTE,
    )  # M2 counts the first 6 months of a CDI: up to 15/07/2024 excluded
    july = record(client, headers, cdi, "2024-07", "120")
    assert (july.json["counted_hours"], july.json["warnings"]) == ("120.00", [])
    august = record(client, headers, cdi, "2024-08", "120")
    assert august.status_code == 201 and august.json["counted_hours"] == "0.00"
    assert august.json["warnings"] == [
        "CDI : seuls les 6 premiers mois comptent pour la clause (jusqu'au 15/07/2024 exclu) ; "
        "les heures de août 2024 sont enregistrées mais non comptabilisées."
    ]
    read = contract(client, as_role, cdi)
    assert (read["hours"], read["counted_hours"]) == ("240.00", "120.00")


def test_training_hours_not_counted_when_the_market_says_so(client, as_role, world, c1):
    headers = as_role("facilitator")
    cddi = world.t.contract(world.p2, world.b, world.m2, world.l2, date(2024, 3, 1))
    on_m2 = record(client, headers, cddi, "2024-03", "80", "20.25")
    assert on_m2.json["counted_hours"] == "59.75"  # M2: training hours do not count
    on_m1 = record(client, headers, c1, "2024-03", "80", "20.25")
    assert on_m1.json["counted_hours"] == "80.00"  # M1: default rule, they count
    over = record(client, headers, c1, "2024-04", "10", "12")
    assert over.status_code == 422
    assert over.json["errors"]["training_hours"] == [
        "Les heures de formation (12,00 h) sont comprises dans les heures travaillées "
        "(10,00 h) : elles ne peuvent pas les dépasser."
    ]


def test_correction_keeps_both_values_in_the_history(client, as_role, c1):
    headers = as_role("facilitator")
    record(client, headers, c1, "2024-03", "7.5")
    corrected = client.put(
        url(c1, "/2024-03"),
        json={"hours": "8.25", "training_hours": "1", "reason": "Relevé rectifié"},
        headers=as_role("company"),
    )
    assert corrected.status_code == 200, corrected.json
    assert corrected.json["counted_hours"] == "8.25"
    patched = client.patch(
        url(c1, "/2024-03"), json={"training_hours": "2", "reason": "Formation"}, headers=headers
    )
    assert patched.status_code == 200 and patched.json["counted_hours"] == "8.25"
    read = client.get(url(c1), headers=headers).json
    (line,) = read["lines"]
    assert (line["hours"], line["training_hours"], line["recorded_by"]) == (
        "8.25",
        "2.00",
        "facilitator@example.org",
    )
    assert [
        (h["kind"], h["hours"], h["training_hours"], h["reason"], h["actor"], h["source_label"])
        for h in read["history"]
    ] == [
        ("RECORDED", "7.50", "0.00", None, "facilitator@example.org",
         "Saisie manuelle par facilitator@example.org"),
        ("CORRECTED", "8.25", "1.00", "Relevé rectifié", "company@example.org",
         "Saisie manuelle par company@example.org"),
        ("CORRECTED", "8.25", "2.00", "Formation", "facilitator@example.org",
         "Saisie manuelle par facilitator@example.org"),
    ]  # fmt: skip
    no_reason = client.put(url(c1, "/2024-03"), json={"hours": "9", "reason": " "}, headers=headers)
    assert no_reason.status_code == 422
    assert no_reason.json["errors"]["reason"] == ["Indiquez le motif de la correction."]
    never = client.put(url(c1, "/2024-04"), json={"hours": "9", "reason": "x"}, headers=headers)
    assert (
        never.status_code == 422
        and "Aucune heure n'est enregistrée pour avril 2024" in (never.json["message"])
    )


def test_an_imported_line_says_which_file_and_row(client, as_role, world, c1):
    source = {"kind": "import", "file": "releve-mars.xlsx", "row": 7}
    world.t.hours(c1, date(2024, 3, 1), "35", metadata={"source": source})
    line = client.get(url(c1), headers=as_role("buyer")).json["lines"][0]
    assert line["source"] == source
    assert line["source_label"] == "Import du fichier « releve-mars.xlsx », ligne 7"
    assert line["recorded_by"] is None  # a buyer does not see who entered the line
    assert client.get(url(c1), headers=as_role("buyer")).json["history"][0]["actor"] is None
    manual = record(client, as_role("company"), c1, "2024-04", "12")
    assert manual.status_code == 201
    labels = [x["source_label"] for x in client.get(url(c1), headers=as_role("plie")).json["lines"]]
    assert labels == [
        "Import du fichier « releve-mars.xlsx », ligne 7",
        "Saisie manuelle par company@example.org",
    ]
    for_buyer = client.get(url(c1), headers=as_role("buyer")).json["lines"][1]["source_label"]
    assert for_buyer == "Saisie manuelle"


def test_withdraw_stops_counting(client, as_role, c1):
    headers = as_role("facilitator")
    record(client, headers, c1, "2024-03", "100")
    record(client, headers, c1, "2024-04", "50.5")
    missing_reason = client.delete(url(c1, "/2024-03"), headers=headers)
    assert missing_reason.status_code == 422 and missing_reason.json["errors"]["reason"]
    withdrawn = client.delete(url(c1, "/2024-03?reason=Déclaré deux fois"), headers=headers)
    assert withdrawn.status_code == 200, withdrawn.json
    assert contract(client, as_role, c1)["counted_hours"] == "50.50"
    by_post = client.post(
        url(c1, "/2024-04/withdraw"), json={"reason": "Mauvais contrat"}, headers=headers
    )
    assert by_post.status_code == 200
    assert contract(client, as_role, c1)["counted_hours"] == "0.00"
    stats = client.get("/api/v1/stats/hours?from=2024-01&to=2024-12", headers=headers).json
    assert stats["total"]["counted_hours"] == "0.00"
    read = client.get(url(c1), headers=headers).json
    assert [(x["month"], x["withdrawn"], x["hours"]) for x in read["lines"]] == [
        ("2024-03-01", True, "100.00"),
        ("2024-04-01", True, "50.50"),
    ]
    assert [h["kind"] for h in read["history"]] == [
        "RECORDED",
        "RECORDED",
        "WITHDRAWN",
        "WITHDRAWN",
    ]
    assert read["history"][2]["reason"] == "Déclaré deux fois"
    again = client.delete(url(c1, "/2024-03?reason=encore"), headers=headers)
    assert again.status_code == 422 and "ont été retirées" in again.json["message"]
    recorded_again = record(client, headers, c1, "2024-03", "90")
    assert recorded_again.status_code == 201
    assert contract(client, as_role, c1)["counted_hours"] == "90.00"


def test_refused_lines_are_422_with_the_domain_message(client, as_role, c1):
    headers = as_role("facilitator")

    def refused(month, hours, field, text, training=None):
        response = record(client, headers, c1, month, hours, training)
        assert response.status_code == 422, response.json
        assert text in response.json["errors"][field][0], response.json

    refused("2024-02", "10", "month", "Le mois de février 2024 précède le début du contrat")
    refused("2024-09", "10", "month", "postérieur à la fin prévue du contrat (31/08/2024)")
    refused("2024-03", "-1", "hours", "Les heures travaillées ne peuvent pas être négatives.")
    refused("2024-03", "201", "hours", "au-delà du maximum de 200,00 h par mois")
    refused("2024-13", "10", "month", "Mois invalide : format AAAA-MM attendu")
    refused("mars 2024", "10", "month", "Mois invalide")
    refused("2024-03", "7,5", "hours", "Nombre décimal attendu")
    refused("2024-03", "1e30", "hours", "Nombre trop grand")
    refused("2024-03", "NaN", "hours", "NaN")
    assert record(client, headers, c1, "2024-03", "10").status_code == 201
    refused("2024-03", "12", "month", "déjà enregistrées pour ce contrat (10,00 h)")
    assert client.get(url(c1), headers=headers).json["history"][0]["hours"] == "10.00"


def test_a_bad_month_in_the_address_is_404_never_500(client, as_role, c1):
    headers = as_role("facilitator")
    for month in ("2024-13", "2024-3", "abcd", "0000-00", "9" * 300, "2024-03-15"):
        response = client.put(
            url(c1, f"/{month}"), json={"hours": "1", "reason": "x"}, headers=headers
        )
        assert response.status_code == 404, month
        assert "format AAAA-MM attendu" in response.json["message"]
    assert client.delete(url(c1, "/2024-00?reason=x"), headers=headers).status_code == 404


def test_stale_expected_version_is_409(client, as_role, c1):
    headers = as_role("facilitator")
    version = client.get(url(c1), headers=headers).json["version"]
    assert version == 1
    first = record(client, headers, c1, "2024-03", "10", expected_version=1)
    assert first.status_code == 201 and first.json["version"] == 2
    stale = record(client, headers, c1, "2024-04", "10", expected_version=1)
    assert stale.status_code == 409
    stale_correction = client.put(
        url(c1, "/2024-03"),
        json={"hours": "11", "reason": "x", "expected_version": 1},
        headers=headers,
    )
    assert stale_correction.status_code == 409
    assert contract(client, as_role, c1)["hours"] == "10.00"


def test_idempotency_key_replays_the_first_result(client, as_role, c1):
    headers = as_role("company", **{"Idempotency-Key": "releve-mars-ligne-3"})
    first = record(client, headers, c1, "2024-03", "35.5")
    again = record(client, headers, c1, "2024-03", "35.5")
    assert first.status_code == again.status_code == 201
    assert again.json == {**first.json, "replayed": True}
    assert len(client.get(url(c1), headers=headers).json["history"]) == 1
    other = record(client, headers, c1, "2024-04", "35.5")
    assert other.status_code == 422 and "clé d'idempotence" in other.json["message"]


def test_idempotency_key_on_delete_covers_the_query_string(client, as_role, c1):
    record(client, as_role("company"), c1, "2024-03", "35.5")
    headers = as_role("company", **{"Idempotency-Key": "retrait-mars"})
    first = client.delete(url(c1, "/2024-03?reason=Déclaré deux fois"), headers=headers)
    again = client.delete(url(c1, "/2024-03?reason=Déclaré deux fois"), headers=headers)
    assert first.status_code == again.status_code == 200 and again.json["replayed"] is True
    other = client.delete(url(c1, "/2024-03?reason=Autre motif"), headers=headers)
    assert other.status_code == 422 and "clé d'idempotence" in other.json["message"]


def test_hours_writes_and_reads_follow_the_scopes(client, as_role, world, c1):
    own = record(client, as_role("company"), c1, "2024-03", "20")
    assert own.status_code == 201
    line = client.get(url(c1), headers=as_role("company")).json["lines"][0]
    assert line["recorded_by"] == "company@example.org"
    for method, tail, body in (
        ("post", "", {"month": "2024-04", "hours": "1"}),
        ("put", "/2024-03", {"hours": "1", "reason": "x"}),
        ("patch", "/2024-03", {"hours": "1", "reason": "x"}),
        ("post", "/2024-03/withdraw", {"reason": "x"}),
    ):
        response = client.open(url(c1, tail), method=method, json=body, headers=world.company_b())
        assert response.status_code == 404, (method, tail)
        assert response.json["message"] == "Contrat introuvable."
    hidden = client.delete(url(c1, "/2024-03?reason=x"), headers=world.company_b())
    assert hidden.status_code == 404
    withdrawn = client.post(
        url(c1, "/2024-03/withdraw"), json={"reason": "Erreur"}, headers=as_role("company")
    )
    assert withdrawn.status_code == 200
    assert client.get(url(c1), headers=as_role("company")).json["lines"][0]["withdrawn"] is True
    for role in ("buyer", "plie", "admin"):
        response = record(client, as_role(role), c1, "2024-04", "1")
        assert response.status_code == 403, role
    assert client.get(url(c1), headers=as_role("buyer")).status_code == 200  # M1 is its market
    assert client.get(url(c1), headers=as_role("plie")).status_code == 200  # P1 is in the PLIE
    on_m2 = world.t.contract(world.p2, world.b, world.m2, world.l2, date(2024, 3, 1))
    assert client.get(url(on_m2), headers=as_role("buyer")).status_code == 404
    assert client.get(url(on_m2), headers=as_role("plie")).status_code == 404
    line = client.get(url(c1), headers=as_role("facilitator")).json["lines"][0]
    assert (line["hours"], line["withdrawn"]) == ("20.00", True)
    assert Decimal(client.get(url(on_m2), headers=world.company_b()).json["version"]) == 1
