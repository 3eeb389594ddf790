"""Contracts read models on real databases: progress of lots and markets, breakdowns of
hours and people, contracts, hour lines and their sources, exits; rebuild == live.

The territory (built through commands, hand-computed figures):

    Dijon Métropole  M1 BTP  (default rules)  L1 1 000 h (manual)   L2 500,00 h (computed)
    Habitat 21       M2 SERVICES (training not counted)  L3 300 h   L4 0 h
    C1 P1  ETTI → user A1  M1/L1 CTTI   03: 100   04: 120   05: 140 → corrected 130
    C2 P2  A1              M1/L1 CDI    03: 151,67           04: 151,67 (withdrawn)
    C3 P3  EI              M2/L3 CDDI   03: 80 (20 training)  04: 90 (10 training)
    C4 P4  A2              M1/L2 CPRO   04: 70 (35 training)             P4 erased
    C5 P5  ETTI → user A2  M1/L2 CTTI   04: 40,25                        P5 merged into P2
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from events.catalog.buyers import BuyerKind
from events.catalog.companies import CompanyKind
from events.catalog.contracts import ContractType, ExitOutcome, ExitStage, Modality
from events.catalog.markets import CountingRules
from events.catalog.people import PrescriberKind, Sex
from events.catalog.sectors import Sector
from projections import contracts as contracts_projection
from projections import queries
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.conftest import SQL_BACKENDS
from tests.support.territory import CompanyRef, Territory

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

D = Decimal
MARCH, APRIL, MAY = date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1)
MY_TABLES = (
    contracts_projection.contracts,
    contracts_projection.exits,
    contracts_projection.hours,
    contracts_projection.hours_history,
)


@dataclass
class Fixture:
    t: Territory
    runner: ProjectionRunner
    b1: object
    b2: object
    etti: CompanyRef
    ei: CompanyRef
    a1: CompanyRef
    a2: CompanyRef
    m1: object
    m2: object
    l1: object
    l2: object
    l3: object
    l4: object
    p1: object
    p2: object
    p3: object
    p4: object
    p5: object
    c1: object
    c2: object
    c3: object
    c4: object
    c5: object


def build(store) -> Fixture:
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    t = Territory(store)
    b1 = t.buyer("Dijon Métropole")
    b2 = t.buyer("Habitat 21", BuyerKind.BAILLEUR_SOCIAL)
    etti = t.company("ETTI Côte-d'Or", CompanyKind.ETTI)
    ei = t.company("EI Réagir", CompanyKind.EI)
    a1 = t.company("Bâti Dijon")
    a2 = t.company("Façades de Bourgogne")
    m1 = t.market(b1, "2024-BTP-01", Sector.BTP, date(2024, 1, 1), date(2025, 12, 31))
    services_rules = CountingRules(training_hours_count=False, cdi_counted_months=6)
    m2 = t.market(
        b2, "2024-SRV-02", Sector.SERVICES, date(2024, 1, 1), date(2025, 12, 31), services_rules
    )
    l1 = t.lot(m1, a1, "1", manual_hours=D("1000"))
    l2 = t.lot(m1, a2, "2")  # 600 000 × 0,5 × 0,05 ÷ 30 = 500,00 h
    l3 = t.lot(m2, ei, "1", manual_hours=D("300"))
    l4 = t.lot(m2, ei, "2", manual_hours=D("0"))

    p1 = t.person("Martin", "Léa", date(1999, 5, 10), Sex.FEMME, qpv="Dijon – Grésilles", rsa=True)
    p2 = t.person("Bernard", "Karim", date(1970, 2, 1), Sex.HOMME, rqth=True)
    p3 = t.person("Petit", "Jean", date(1965, 1, 1), Sex.HOMME, qpv="Chenôve – Le Mail")
    p4 = t.person("Roux", "Sarah", date(1985, 7, 1), Sex.FEMME)
    p5 = t.person("Bernard", "Karime", date(1970, 2, 1), Sex.HOMME)
    t.orient(p1, PrescriberKind.PLIE_REFERENT, date(2024, 1, 2), (Sector.BTP,))
    t.orient(p2, PrescriberKind.FRANCE_TRAVAIL, date(2024, 1, 2), (Sector.BTP,))
    t.orient(p5, PrescriberKind.MISSION_LOCALE, date(2024, 2, 1), (Sector.BTP,))
    for person, sectors in (
        (p1, (Sector.BTP,)),
        (p2, (Sector.BTP,)),
        (p3, (Sector.SERVICES,)),
        (p4, (Sector.BTP,)),
        (p5, (Sector.BTP,)),
    ):
        t.validate(person, sectors, date(2024, 1, 5))
    t.plie_link(p1, date(2024, 4, 15))
    t.plie_link(p5, date(2024, 3, 20))

    mad = Modality.MISE_A_DISPOSITION
    c1 = t.contract(p1, etti, m1, l1, MARCH, ContractType.CTTI, mad, user_siret=a1.siret)
    c2 = t.contract(p2, a1, m1, l1, MARCH, ContractType.CDI, Modality.EMBAUCHE_DIRECTE)
    c3 = t.contract(p3, ei, m2, l3, MARCH, ContractType.CDDI, Modality.SOUS_TRAITANCE)
    c4 = t.contract(p4, a2, m1, l2, MARCH, ContractType.CPRO, Modality.EMBAUCHE_DIRECTE)
    c5 = t.contract(p5, etti, m1, l2, APRIL, ContractType.CTTI, mad, user_siret=a2.siret)

    t.hours(c1, MARCH, "100")
    t.hours(c1, APRIL, "120")
    source_1 = {"kind": "import", "file": "releve-mai.xlsx", "row": 7}
    t.hours(c1, MAY, "140", metadata={"source": source_1})
    t.hours(c2, MARCH, "151.67")
    t.hours(c2, APRIL, "151.67")
    t.withdraw(c2, APRIL, "Déclaré deux fois")
    t.hours(c3, MARCH, "80", "20")
    t.hours(c3, APRIL, "90", "10")
    t.hours(c4, APRIL, "70", "35")
    t.hours(c5, APRIL, "40.25")
    t.actor = "chargee-clauses"
    t.correct(c1, MAY, "130", reason="Relevé rectifié par l'ETTI")
    t.actor = "facilitatrice"

    t.end(c3, date(2024, 4, 30))
    t.end(c4, date(2024, 4, 30))
    t.exit(c3, ExitStage.AT_END, ExitOutcome.CDD_6_MOIS_PLUS, date(2024, 5, 2))
    t.exit(c4, ExitStage.AT_END, ExitOutcome.RECHERCHE_EMPLOI, date(2024, 5, 5))
    t.exit(c3, ExitStage.SIX_MONTHS, ExitOutcome.CDI, date(2024, 10, 1))

    t.merge(p2, p5)
    t.erase(p4)
    return Fixture(
        t, runner, b1, b2, etti, ei, a1, a2, m1, m2, l1, l2, l3, l4,
        p1, p2, p3, p4, p5, c1, c2, c3, c4, c5,
    )  # fmt: skip


@pytest.fixture
def f(make_store) -> Fixture:
    return build(make_store())


def read(f: Fixture, query, *args, **kwargs):
    with f.t.store.reading() as conn:
        return query(conn, *args, **kwargs)


def table_rows(store, table):
    with store.reading() as conn:
        return sorted(tuple(r) for r in conn.execute(select(table)))


# ---- progress -------------------------------------------------------------------------
def test_lot_progress_month_by_month(f):
    progress = read(f, queries.lot_progress, f.l1)
    assert progress["required_hours"] == D("1000.00")
    assert progress["months"] == [
        {"month": MARCH, "counted_hours": D("251.67"), "cumulative_hours": D("251.67")},
        {"month": APRIL, "counted_hours": D("120.00"), "cumulative_hours": D("371.67")},
        {"month": MAY, "counted_hours": D("130.00"), "cumulative_hours": D("501.67")},
    ]
    assert progress["counted_hours"] == D("501.67")
    assert progress["achievement_rate"] == D("50.17")
    assert progress["remaining_hours"] == D("498.33")
    assert (progress["number"], progress["market_id"]) == ("1", str(f.m1))


def test_lot_progress_until_a_month_and_a_lot_without_requirement(f):
    until_april = read(f, queries.lot_progress, f.l1, until_month=date(2024, 4, 30))
    assert until_april["counted_hours"] == D("371.67")
    assert until_april["achievement_rate"] == D("37.17")
    assert [m["month"] for m in until_april["months"]] == [MARCH, APRIL]
    services = read(f, queries.lot_progress, f.l3)
    assert services["counted_hours"] == D("140.00")  # training hours excluded on M2
    assert services["achievement_rate"] == D("46.67")
    assert services["remaining_hours"] == D("160.00")
    empty = read(f, queries.lot_progress, f.l4)
    assert (empty["required_hours"], empty["achievement_rate"]) == (D("0.00"), None)
    assert empty["months"] == [] and empty["remaining_hours"] == D("0.00")
    assert read(f, queries.lot_progress, f.c1) is None


def test_market_progress_sums_its_lots(f):
    progress = read(f, queries.market_progress, f.m1)
    assert progress["required_hours"] == D("1500.00")
    assert [
        (m["month"], m["counted_hours"], m["cumulative_hours"]) for m in progress["months"]
    ] == [
        (MARCH, D("251.67"), D("251.67")),
        (APRIL, D("230.25"), D("481.92")),
        (MAY, D("130.00"), D("611.92")),
    ]
    assert progress["achievement_rate"] == D("40.79")
    assert progress["remaining_hours"] == D("888.08")
    assert [
        (lot["number"], lot["required_hours"], lot["counted_hours"], lot["achievement_rate"])
        for lot in progress["lots"]
    ] == [("1", D("1000.00"), D("501.67"), D("50.17")), ("2", D("500.00"), D("110.25"), D("22.05"))]
    until = read(f, queries.market_progress, f.m1, until_month=APRIL)
    assert (until["counted_hours"], until["achievement_rate"]) == (D("481.92"), D("32.13"))
    assert until["lots"][0]["counted_hours"] == D("371.67")


# ---- hours breakdown ------------------------------------------------------------------
def rows_of(rows, *keys):
    return [
        (*(r[k] for k in keys), r["hours"], r["counted_hours"], r["training_hours"], r["contracts"])
        for r in rows
    ]


def test_hours_by_buyer_and_sector(f):
    rows = read(f, queries.hours_breakdown, ["buyer", "sector"], MARCH, MAY)
    expected = sorted(
        [
            (str(f.b1), "BTP", D("611.92"), D("611.92"), D("35.00"), 4),
            (str(f.b2), "SERVICES", D("170.00"), D("140.00"), D("30.00"), 1),
        ]
    )
    assert rows_of(rows, "buyer", "sector") == expected


def test_hours_by_month_contract_type_and_employer_kind(f):
    by_month = read(f, queries.hours_breakdown, ["month"], MARCH, MAY)
    assert rows_of(by_month, "month") == [
        (MARCH, D("331.67"), D("311.67"), D("20.00"), 3),
        (APRIL, D("320.25"), D("310.25"), D("45.00"), 4),
        (MAY, D("130.00"), D("130.00"), D("0.00"), 1),
    ]
    by_type = read(f, queries.hours_breakdown, ["contract_type"], MARCH, MAY)
    assert [(r["contract_type"], r["counted_hours"]) for r in by_type] == [
        ("CDDI", D("140.00")),
        ("CDI", D("151.67")),
        ("CPRO", D("70.00")),
        ("CTTI", D("390.25")),
    ]
    by_kind = read(f, queries.hours_breakdown, ["employer_kind", "modality"], APRIL, APRIL)
    assert rows_of(by_kind, "employer_kind", "modality") == [
        ("EI", "SOUS_TRAITANCE", D("90.00"), D("80.00"), D("10.00"), 1),
        ("ENTREPRISE", "EMBAUCHE_DIRECTE", D("70.00"), D("70.00"), D("35.00"), 1),
        ("ETTI", "MISE_A_DISPOSITION", D("160.25"), D("160.25"), D("0.00"), 2),
    ]


def test_hours_breakdown_scopes(f):
    mine = read(f, queries.hours_breakdown, ["company"], MARCH, MAY, company_ids=[f.a1.company_id])
    # A1 employs C2 and uses C1's worker (mise à disposition by the ETTI).
    assert rows_of(mine, "company") == sorted(
        [
            (str(f.a1.company_id), D("151.67"), D("151.67"), D("0.00"), 1),
            (str(f.etti.company_id), D("350.00"), D("350.00"), D("0.00"), 1),
        ]
    )
    by_lot = read(f, queries.hours_breakdown, ["lot"], MARCH, MAY, buyer_ids=[f.b2])
    assert rows_of(by_lot, "lot") == [(str(f.l3), D("170.00"), D("140.00"), D("30.00"), 1)]
    totals = read(f, queries.hours_breakdown, [], MARCH, MAY, market_ids=[f.m1])
    assert rows_of(totals) == [(D("611.92"), D("611.92"), D("35.00"), 4)]
    assert read(f, queries.hours_breakdown, ["market"], MARCH, MAY, buyer_ids=[]) == []
    with pytest.raises(ValueError, match="Regroupement inconnu : person"):
        read(f, queries.hours_breakdown, ["person"], MARCH, MAY)


# ---- people ---------------------------------------------------------------------------
def test_people_breakdown(f):
    result = read(f, queries.people_breakdown, MARCH, MAY)
    assert (result["people"], result["contracts"]) == (4, 5)
    assert (result["hours"], result["counted_hours"]) == (D("781.92"), D("751.92"))
    assert result["by_sex"] == {"F": 1, "M": 2, "non renseigné": 1}
    assert result["by_age"] == {"45-54": 1, "55+": 1, "<26": 1, "non renseigné": 1}
    assert (result["qpv"], result["by_qpv"]) == (
        2,
        {"Chenôve – Le Mail": 1, "Dijon – Grésilles": 1},
    )
    # P1 linked from 15/04 (April, May: 250 h); P2 through P5's link from 20/03
    # (March 151,67 on C2; April 40,25 on C5).
    assert (result["plie"], result["plie_hours"]) == (2, D("441.92"))
    assert (result["rsa"], result["rqth"]) == (1, 1)
    assert result["by_prescriber"] == {"MISSION_LOCALE": 1, "PLIE_REFERENT": 1, "aucune": 2}


def test_people_breakdown_scoped_and_over_a_shorter_period(f):
    march = read(f, queries.people_breakdown, MARCH, MARCH)
    assert (march["people"], march["plie"], march["plie_hours"]) == (3, 1, D("151.67"))
    services = read(f, queries.people_breakdown, MARCH, MAY, buyer_ids=[f.b2])
    assert (services["people"], services["counted_hours"], services["by_age"]) == (
        1,
        D("140.00"),
        {"55+": 1},
    )
    etti = read(f, queries.people_breakdown, MAY, MAY, company_ids=[f.etti.company_id])
    assert (etti["people"], etti["by_sex"]) == (1, {"F": 1})


# ---- contracts, lines, exits ----------------------------------------------------------
def test_contracts_of_a_person_include_merged_records(f):
    found = read(f, queries.contracts_of_person, f.p5)
    assert [(c["contract_id"], c["counted_hours"]) for c in found] == [
        (str(f.c2), D("151.67")),
        (str(f.c5), D("40.25")),
    ]
    assert found[1]["user_company_id"] == str(f.a2.company_id)
    assert read(f, queries.contracts_of_person, f.p2, company_ids=[f.a1.company_id]) == [found[0]]


def test_list_and_count_contracts(f):
    etti = read(f, queries.list_contracts, company_ids=[f.etti.company_id])
    assert [c["contract_id"] for c in etti] == [str(f.c5), str(f.c1)]  # latest start first
    assert etti[1]["hours"] == D("350.00")
    assert read(f, queries.count_contracts, company_ids=[f.etti.company_id]) == 2
    assert read(f, queries.count_contracts, market_ids=[f.m2]) == 1
    assert read(f, queries.count_contracts, person_id=f.p2) == 2
    page = read(f, queries.list_contracts, limit=2, offset=1)
    assert len(page) == 2
    c3 = read(f, queries.get_contract, f.c3)
    assert (c3["end_date"], c3["end_reason"], c3["training_hours"]) == (
        date(2024, 4, 30),
        "TERME",
        D("30.00"),
    )
    assert read(f, queries.get_contract, f.c3, buyer_ids=[f.b1]) is None


def test_hour_lines_keep_their_source_and_history(f):
    lines = read(f, queries.hours_of_contract, f.c1)
    may = lines[-1]
    assert (may["month"], may["hours"], may["counted_hours"]) == (MAY, D("130.00"), D("130.00"))
    assert (may["recorded_by"], may["source"]) == ("chargee-clauses", None)
    history = read(f, queries.hours_history_of, f.c1, MAY)
    assert [(h["kind"], h["hours"], h["actor"], h["source"], h["reason"]) for h in history] == [
        (
            "RECORDED",
            D("140.00"),
            "facilitatrice",
            {"kind": "import", "file": "releve-mai.xlsx", "row": 7},
            None,
        ),
        ("CORRECTED", D("130.00"), "chargee-clauses", None, "Relevé rectifié par l'ETTI"),
    ]
    withdrawn = read(f, queries.hours_of_contract, f.c2)[1]
    assert (withdrawn["withdrawn"], withdrawn["hours"]) == (True, D("151.67"))


def test_exits_in_a_period(f):
    may = read(f, queries.exits_in, date(2024, 5, 1), date(2024, 5, 31))
    assert (may["total"], may["positive"], may["qpv"], may["positive_qpv"]) == (2, 1, 1, 1)
    assert [(o["outcome"], o["count"], o["qpv"], o["positive"]) for o in may["by_outcome"]] == [
        ("CDD_6_MOIS_PLUS", 1, 1, True),
        ("RECHERCHE_EMPLOI", 1, 0, False),
    ]
    year = read(f, queries.exits_in, date(2024, 1, 1), date(2024, 12, 31), ExitStage.SIX_MONTHS)
    assert (year["total"], year["positive"], year["by_outcome"][0]["label"]) == (1, 1, "CDI")
    assert (
        read(f, queries.exits_in, date(2024, 1, 1), date(2024, 12, 31), buyer_ids=[f.b1])["total"]
        == 1
    )


# ---- rebuild --------------------------------------------------------------------------
def test_rebuild_gives_the_tables_live_updates_gave(f):
    live = {table.name: table_rows(f.t.store, table) for table in MY_TABLES}
    assert len(live["rm_hours"]) == 9 and len(live["rm_hours_history"]) == 11
    assert f.runner.rebuild(["contracts", "hours"]) == {"contracts": 10, "hours": 11}
    assert {table.name: table_rows(f.t.store, table) for table in MY_TABLES} == live
    assert read(f, queries.lot_progress, f.l1)["counted_hours"] == D("501.67")
