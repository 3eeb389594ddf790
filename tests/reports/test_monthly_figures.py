"""The monthly buyer report, every figure against the hand computation of
``tests/reports/monthly_world.py`` (April 2024), exact to the cent, on SQLite and
PostgreSQL; later months and other buyers never leak in; PLIE only while linked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from clauses_service.reports.jsonable import to_jsonable
from clauses_service.reports.monthly import UnknownBuyer, build_monthly_report
from events.catalog.people import Sex
from events.catalog.sectors import Sector
from projections import queries
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.conftest import SQL_BACKENDS
from tests.reports.monthly_world import APRIL, MAY, build_monthly_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
D = Decimal
LOT_KEYS = (
    "required_hours",
    "month_hours",
    "cumulative_hours",
    "rate",
    "remaining_hours",
    "expected_hours",
    "projected_hours",
    "behind_schedule",
    "people",
    "month_people",
    "contracts",
)


@pytest.fixture
def world(make_store):
    store = make_store()
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    return build_monthly_world(store)


def report(world, month=APRIL, buyer=None):
    with world.t.store.reading() as conn:
        return build_monthly_report(conn, str(buyer or world.buyer), month)


def figures(row: dict) -> tuple:
    return tuple(row[key] for key in LOT_KEYS)


def test_header_and_markets_listed(world):
    got = report(world, date(2024, 4, 17))
    assert got["kind"] == "monthly"
    assert got["month"] == APRIL and got["month_end"] == date(2024, 4, 30)
    assert got["buyer"] == {"id": str(world.buyer), "name": "Dijon Métropole"}
    # M4 starts in June, M3 is another buyer's: neither is in April's report.
    assert [m["reference"] for m in got["markets"]] == ["2024-BTP-01", "2024-SRV-02"]
    m1, m2 = got["markets"]
    assert (m1["kind"], m1["kind_label"], m1["running"]) == ("BTP", "Travaux (BTP)", True)
    assert (m1["elapsed_months"], m1["total_months"]) == (4, 24)
    assert (m2["elapsed_months"], m2["total_months"]) == (4, 12)


def test_lot_figures(world):
    m1, m2 = report(world)["markets"]
    l1, l2 = m1["lots"]
    assert (l1["id"], l1["number"], l1["title"]) == (str(world.l1), "1", "Lot 1")
    #                 required  month      cumulative  rate       remaining  expected
    assert figures(l1) == (
        D("1000.00"), D("260.75"), D("512.42"), D("51.24"), D("487.58"), D("166.67"),
        D("3074.52"), False, 2, 2, 2,
    )  # fmt: skip
    assert figures(l2) == (
        D("500.00"), D("75.25"), D("145.25"), D("29.05"), D("354.75"), D("83.33"),
        D("871.50"), False, 2, 2, 2,
    )  # fmt: skip
    (l3,) = m2["lots"]
    # The amendment to 1 200 h is dated 10/05/2024: April still reads 900 h.
    assert figures(l3) == (
        D("900.00"), D("70.33"), D("210.33"), D("23.37"), D("689.67"), D("300.00"),
        D("630.99"), True, 1, 1, 1,
    )  # fmt: skip


def test_market_figures_and_behind_schedule(world):
    m1, m2 = report(world)["markets"]
    # P2 and his merged duplicate P5 count once: P1, P2, P4.
    assert figures(m1) == (
        D("1500.00"), D("336.00"), D("657.67"), D("43.84"), D("842.33"), D("250.00"),
        D("3946.02"), False, 3, 3, 4,
    )  # fmt: skip
    assert figures(m2)[:8] == (
        D("900.00"), D("70.33"), D("210.33"), D("23.37"), D("689.67"), D("300.00"),
        D("630.99"), True,
    )  # fmt: skip
    assert m1["months"] == [
        {"month": date(2024, 3, 1), "month_hours": D("321.67"), "cumulative_hours": D("321.67")},
        {"month": APRIL, "month_hours": D("336.00"), "cumulative_hours": D("657.67")},
    ]
    assert [m["month_hours"] for m in m2["months"]] == [D("60.00"), D("80.00"), D("70.33")]


def test_totals(world):
    totals = report(world)["totals"]
    assert totals == {
        "markets": 2,
        "behind_schedule": 1,
        "required_hours": D("2400.00"),
        "month_hours": D("406.33"),
        "cumulative_hours": D("868.00"),
        "rate": D("36.17"),
        "remaining_hours": D("1532.00"),
        "projected_hours": D("4577.01"),
        "people": 4,
        "month_people": 4,
        "contracts": 5,
    }


def split(rows):
    return [(r["key"], r["hours"], r["month_hours"], r["people"], r["contracts"]) for r in rows]


def test_splits(world):
    splits = report(world)["splits"]
    assert split(splits["contract_type"]) == [
        ("CDDI", D("210.33"), D("70.33"), 1, 1),
        ("CTTI", D("260.75"), D("160.75"), 2, 2),
        ("CDI", D("291.92"), D("140.25"), 1, 1),
        ("CPRO", D("105.00"), D("35.00"), 1, 1),
    ]
    assert split(splits["modality"]) == [
        ("EMBAUCHE_DIRECTE", D("396.92"), D("175.25"), 2, 2),
        ("MISE_A_DISPOSITION", D("260.75"), D("160.75"), 2, 2),
        ("SOUS_TRAITANCE", D("210.33"), D("70.33"), 1, 1),
    ]
    assert split(splits["employer_kind"]) == [
        ("ENTREPRISE", D("396.92"), D("175.25"), 2, 2),
        ("ETTI", D("260.75"), D("160.75"), 2, 2),
        ("EI", D("210.33"), D("70.33"), 1, 1),
    ]
    assert split(splits["sector"]) == [
        ("BTP", D("657.67"), D("336.00"), 3, 4),
        ("SERVICES", D("210.33"), D("70.33"), 1, 1),
    ]
    assert splits["modality"][1]["label"] == "Mise à disposition"
    assert splits["employer_kind"][1]["label"].startswith("Entreprise de travail temporaire")


def test_public(world):
    public = report(world)["public"]
    got = {
        name: (g["people"], g["hours"], g["month_people"], g["month_hours"])
        for name, g in public.items()
    }
    assert got == {
        "women": (2, D("325.50"), 2, D("155.50")),  # P1, P4
        "under_26": (1, D("220.50"), 1, D("120.50")),  # P1 (24 at her contract's start)
        "over_50": (1, D("332.17"), 1, D("180.50")),  # P2 with P5's hours
        "qpv": (2, D("430.83"), 2, D("190.83")),  # P1, P3 (not P3's other-buyer hours)
        # P1 from 15/04 (April only), P2 through P5's link from 01/04 (April), P4 until
        # 31/03 (March only): 120,50 + 180,50 + 70,00.
        "plie": (3, D("371.00"), 2, D("301.00")),
        "rsa": (1, D("220.50"), 1, D("120.50")),
        "rqth": (1, D("332.17"), 1, D("180.50")),
    }
    assert public["plie"]["label"] == "Participants PLIE"


def test_plie_agrees_with_people_breakdown(world):
    """Same rule as the stats: PLIE hours are those of the months while linked."""
    with world.t.store.reading() as conn:
        stats = queries.people_breakdown(conn, date(2024, 1, 1), APRIL, buyer_ids=[world.buyer])
    public = report(world)["public"]
    assert (stats["plie"], stats["plie_hours"]) == (3, public["plie"]["hours"])
    assert stats["counted_hours"] == D("868.00")


def test_cumulative_agrees_with_market_progress(world):
    """Same hours as the markets' progress query, up to the same month."""
    m1, m2 = report(world)["markets"]
    with world.t.store.reading() as conn:
        for mine in (m1, m2):
            progress = queries.market_progress(conn, mine["id"], until_month=APRIL)
            assert progress["counted_hours"] == mine["cumulative_hours"]
            assert [lot["counted_hours"] for lot in progress["lots"]] == [
                lot["cumulative_hours"] for lot in mine["lots"]
            ]
            assert [m["cumulative_hours"] for m in progress["months"]] == [
                m["cumulative_hours"] for m in mine["months"]
            ]


def test_march_ignores_april_and_may_counts_the_amendment(world):
    march = report(world, date(2024, 3, 31))
    assert march["totals"]["cumulative_hours"] == D("60.00") + D("80.00") + D("321.67")
    assert march["public"]["plie"]["hours"] == D("70.00")  # P4 only, linked until 31/03
    may = report(world, MAY)
    l3 = may["markets"][1]["lots"][0]
    assert (l3["required_hours"], l3["cumulative_hours"]) == (D("1200.00"), D("240.33"))
    assert may["markets"][0]["month_hours"] == D("140.00")
    assert [m["reference"] for m in may["markets"]] == ["2024-BTP-01", "2024-SRV-02"]


def test_other_buyer_and_unknown_buyer(world):
    other = report(world, buyer=world.other)
    assert [m["reference"] for m in other["markets"]] == ["2024-SRV-77"]
    assert other["totals"]["cumulative_hours"] == D("50.00")
    with pytest.raises(UnknownBuyer, match="Donneur d'ordre introuvable"):
        report(world, buyer="00000000-0000-0000-0000-000000000000")


def test_json_keeps_every_cent(world):
    data = to_jsonable(report(world))
    assert data["month"] == "2024-04-01"
    assert data["totals"]["cumulative_hours"] == "868.00"
    assert data["markets"][0]["lots"][0]["projected_hours"] == "3074.52"
    assert data["markets"][1]["behind_schedule"] is True


def test_merged_into_someone_without_contract(world):
    """P3 merged into P6, who has no contract of B: P3's hours count with P6's own facts
    (a woman, RSA, not in a QPV) and P6's PLIE link (from 01/03/2024: March and April of
    P3's lines, not February)."""
    t = world.t
    p6 = t.person("Petit", "Jeanne", date(1990, 1, 15), Sex.FEMME, rsa=True)
    t.validate(p6, (Sector.SERVICES,), date(2024, 1, 5))
    t.plie_link(p6, date(2024, 3, 1))
    t.merge(p6, world.p3)
    public = report(world)["public"]
    got = {
        name: (g["people"], g["hours"], g["month_people"], g["month_hours"])
        for name, g in public.items()
    }
    assert got == {
        "women": (3, D("535.83"), 3, D("225.83")),  # P1, P4, P6 (with P3's 210,33)
        "under_26": (1, D("220.50"), 1, D("120.50")),
        "over_50": (1, D("332.17"), 1, D("180.50")),
        "qpv": (1, D("220.50"), 1, D("120.50")),  # P1 only: P6 is not in a QPV
        "plie": (4, D("521.33"), 3, D("371.33")),  # + P3's March 80,00 and April 70,33
        "rsa": (2, D("430.83"), 2, D("190.83")),  # P1, P6
        "rqth": (1, D("332.17"), 1, D("180.50")),
    }
    assert report(world)["totals"]["people"] == 4
