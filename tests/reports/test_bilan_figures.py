"""The annual PLIE bilan on real databases: every figure of the territory of
``tests/reports/annual_world.py``, computed by hand, exact to the cent.

Rules checked on the way: a person linked to the PLIE in the middle of the year (P2, from
15/06/2024 to 30/09/2024) counts as PLIE only for the months while linked; hours of
other years (2023-11 on C1, 2025-01 on C5) never enter 2024; withdrawn hours never count;
a person merged into another counts once, as the survivor.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from clauses_service.reports.bilan import build_plie_bilan
from clauses_service.reports.jsonable import to_jsonable
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.conftest import SQL_BACKENDS
from tests.reports.annual_world import build_annual_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

D = Decimal
BTP, SRV, PI = "BTP", "SERVICES", "PRESTATIONS_INTELLECTUELLES"
ZERO = D("0.00")


def sectors(btp=ZERO, srv=ZERO, pi=ZERO) -> dict:
    return {BTP: D(btp), SRV: D(srv), PI: D(pi)}


@pytest.fixture
def world(make_store):
    store = make_store()
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    return build_annual_world(store)


@pytest.fixture
def bilan(world):
    with world.t.store.reading() as conn:
        return build_plie_bilan(conn, 2024)


def test_hours_of_plie_participants_by_contract_type_and_sector(bilan):
    hours = bilan["hours"]
    rows = {row["key"]: (row["by_sector"], row["total"]) for row in hours["rows"]}
    # C1 (P1 linked all year): 119,75 + 80,25; the 100 h of 2023-11 stay in 2023.
    assert rows["CDDI"] == (sectors(btp="200.00"), D("200.00"))
    # C2 (P2 linked from 15/06): June 90,10 + July 70; March and May were before the link.
    assert rows["CTTI"] == (sectors(btp="160.10"), D("160.10"))
    # C3 (P2 linked until 30/09): September 151,67; October withdrawn; November after.
    assert rows["CDI"] == (sectors(srv="151.67"), D("151.67"))
    assert rows["CPRO"] == (sectors(), ZERO)  # C4: P3 never in the PLIE
    assert rows["CDD"] == (sectors(), ZERO)  # C6: P9's link ended in 2023
    # C5 apprenticeship (P4): 40,33 + 10,01; the 25 h of 2025-01 stay in 2025.
    assert rows["AUTRES"] == (sectors(pi="50.34"), D("50.34"))
    assert [row["key"] for row in hours["rows"]] == ["CDDI", "CTTI", "CDI", "CPRO", "CDD", "AUTRES"]
    assert hours["by_sector"] == sectors(btp="360.10", srv="151.67", pi="50.34")
    assert hours["total"] == D("562.11")
    assert hours["people"] == 3  # P1, P2, P4


def test_orientations_plie_referents_and_other_prescribers(bilan):
    o = bilan["orientations"]
    # PLIE: P4 (PI, Grésilles), P6 (BTP + services, Talant). P1's is of 2023.
    assert o["plie"] == {"orientations": 2, "people": 2, "qpv": 2, BTP: 1, SRV: 1, PI: 1}
    # Others: P2 France Travail (BTP + services), P3 Mission locale (PI, Chenôve),
    # P5 Mission locale (BTP), merged into P2: three orientations, two people.
    assert o["others"] == {"orientations": 3, "people": 2, "qpv": 1, BTP: 2, SRV: 1, PI: 1}
    assert o["total"] == {"orientations": 5, "people": 4, "qpv": 3, BTP: 3, SRV: 2, PI: 2}
    assert o["prescribers"] == [
        {"key": "FRANCE_TRAVAIL", "label": "France Travail", "candidates": 1},
        {"key": "MISSION_LOCALE", "label": "Mission locale", "candidates": 2},
    ]


def test_validations_per_sector_and_reasons_for_non_integration(bilan):
    v = bilan["validations"]
    # Validated in 2024: P2 (BTP + services), P3 (PI), P4 (PI); P1 in 2023, P8 in 2025.
    # Refused in 2024: P6 (BTP + services, profil inadapté), P7 (services, absences).
    assert [(s["key"], s["validated"], s["refused"]) for s in v["sectors"]] == [
        (BTP, 1, 1),
        (SRV, 1, 2),
        (PI, 2, 0),
    ]
    reasons = {r["key"]: (r["count"], r["by_sector"]) for r in v["reasons"]}
    assert reasons["PROFIL_INADAPTE"] == (1, {BTP: 1, SRV: 1, PI: 0})
    assert reasons["ABSENCES_RDV"] == (1, {BTP: 0, SRV: 1, PI: 0})
    for key in ("CANDIDATURE_ANNULEE", "AUTRE_PROJET", "FREINS_EMPLOI", "AUTRE"):
        assert reasons[key] == (0, {BTP: 0, SRV: 0, PI: 0})
    assert v["refused"] == 2
    assert [r["label"] for r in v["reasons"]][:2] == ["Candidature annulée", "Profil inadapté"]


def test_candidates_oriented_and_validated_per_qpv_quarter(bilan):
    assert bilan["qpv"] == [
        {"qpv": "Chenôve – Le Mail", "oriented": 1, "validated": 1},  # P3
        {"qpv": "Dijon – Grésilles", "oriented": 1, "validated": 1},  # P4 (P1, P8: other years)
        {"qpv": "Talant – Le Belvédère", "oriented": 1, "validated": 0},  # P6, refused
    ]


def test_plie_participants_with_a_contract_in_the_year(bilan):
    # P1 (C1 until 29/02, BTP), P2 (C2 BTP and C3 services while linked), P4 (C5 PI).
    # P9 had a contract in 2024 but left the PLIE on 31/12/2023; P3 never joined.
    assert bilan["participants"] == {
        "total": 3,
        "women": 2,
        "men": 1,
        "sex_not_given": 0,
        "by_sector": {BTP: 2, SRV: 1, PI: 1},
        "qpv": 2,
        "by_qpv": [{"qpv": "Dijon – Grésilles", "people": 2}],
    }


def test_positive_exits_by_kind_and_from_qpv(bilan):
    exits = {row["key"]: row for row in bilan["exits"]["by_outcome"]}
    assert list(exits) == [
        "CDI",
        "CDD_6_MOIS_PLUS",
        "CPRO_APPRENTISSAGE",
        "FORMATION_QUALIFIANTE",
        "CREATION_ENTREPRISE",
    ]

    def counts(key):
        row = exits[key]
        return (row["AT_END"], row["AT_END_qpv"], row["SIX_MONTHS"], row["SIX_MONTHS_qpv"])

    # C1 (P1, Grésilles): CDD 6 months+ at the end, CDI at six months. C2 (P2): training.
    # C4 (P3, not PLIE) and C6 (P9, link over before the contract) are left out.
    assert counts("CDI") == (0, 0, 1, 1)
    assert counts("CDD_6_MOIS_PLUS") == (1, 1, 0, 0)
    assert counts("FORMATION_QUALIFIANTE") == (1, 0, 0, 0)
    assert counts("CPRO_APPRENTISSAGE") == counts("CREATION_ENTREPRISE") == (0, 0, 0, 0)
    assert bilan["exits"]["total"] == {
        "AT_END": 2,
        "AT_END_qpv": 1,
        "SIX_MONTHS": 1,
        "SIX_MONTHS_qpv": 1,
    }


def test_other_years_keep_their_own_figures(world):
    with world.t.store.reading() as conn:
        before = build_plie_bilan(conn, 2023)
        after = build_plie_bilan(conn, 2025)
    # 2023: only C1's November (P1 linked since 01/06/2023).
    assert before["hours"]["total"] == D("100.00")
    assert before["hours"]["by_sector"] == sectors(btp="100.00")
    assert before["orientations"]["plie"]["orientations"] == 1  # P1, 01/08/2023
    assert before["orientations"]["others"]["orientations"] == 1  # P7, CCAS, 01/12/2023
    # P1's C1 ran in 2023 while linked; P9 was linked in 2023 but his contract is of 2024.
    assert before["participants"]["total"] == 1
    assert before["exits"]["total"]["AT_END"] == 0
    # 2025: C5's January (P4 still linked); nothing of 2024.
    assert after["hours"]["total"] == D("25.00")
    assert after["hours"]["by_sector"] == sectors(pi="25.00")
    assert after["validations"]["sectors"][0] == {
        "key": BTP,
        "label": "Travaux (BTP)",
        "validated": 1,
        "refused": 0,
    }


def test_json_ready_with_hours_as_strings(bilan):
    data = to_jsonable(bilan)
    assert data["kind"] == "bilan" and data["year"] == 2024
    assert data["hours"]["total"] == "562.11"
    assert data["period"] == {"start": "2024-01-01", "end": "2024-12-31"}
