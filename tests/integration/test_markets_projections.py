"""Markets on SQLite and PostgreSQL: read tables, scoping, amendment history, rebuild."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from clauses_service.commands.buyers import RegisterBuyer
from clauses_service.commands.companies import RegisterCompany
from clauses_service.commands.markets import (
    AddLot,
    AmendLot,
    ChangeCountingRules,
    ChangeLotAwardee,
    ChangeMarketDetails,
    RegisterMarket,
)
from clauses_service.messagebus import execute
from events.catalog.buyers import BuyerKind
from events.catalog.markets import CountingRules, LegalBasis
from events.catalog.sectors import Sector
from projections import buyers as buyers_projection
from projections import companies as companies_projection
from projections import markets as markets_projection
from projections.queries import find_lot, get_market, list_markets, lots_of_company
from projections.queries.markets import market_by_reference
from projections.runner import ProjectionRunner
from tests.conftest import SQL_BACKENDS

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

D = Decimal
S1, S2, S3 = "73282932000074", "44201369400017", "32600454600015"
PROJECTIONS = [
    buyers_projection.PROJECTION,
    *companies_projection.PROJECTIONS,
    *markets_projection.PROJECTIONS,
]


class World:
    """Two buyers, three companies, three markets; ids by short name."""

    def __init__(self, store):
        self.store = store
        names = ("B1", "B2", "C1", "C2", "C3", "M1", "M2", "M3", "L1", "L2", "L3")
        self.ids = {name: uuid.uuid4() for name in names}

    def __getattr__(self, name):
        return self.ids[name]

    def run(self, command):
        return execute(self.store, command, "fa")

    def build(self):
        self.run(RegisterBuyer(buyer_id=self.B1, name="Dijon Métropole", kind=BuyerKind.ETAT))
        self.run(RegisterBuyer(buyer_id=self.B2, name="Ville de Chenôve", kind=BuyerKind.ETAT))
        for key, siret, name in (("C1", S1, "Bâtir"), ("C2", S2, "ID Intérim"), ("C3", S3, "EI")):
            self.run(RegisterCompany(company_id=self.ids[key], siret=siret, name=name, kind="EI"))
        self.market("M1", "B1", "2024-BTP-017", "Tramway ligne 3", Sector.BTP)
        self.market("M2", "B2", "2024-SRV-002", "Nettoyage des écoles", Sector.SERVICES)
        self.market("M3", "B1", "2024-PI-003", "Études", Sector.PRESTATIONS_INTELLECTUELLES)
        self.lot("M1", "L1", "1", S1, "1000000", "0.5", "0.05", "30")
        self.lot("M1", "L2", "2", S2, "300000", "0.7", "0.05", "28", manual_hours=D("400"))
        self.lot("M2", "L3", "Lot 01", S1, "200000", "0.6", "0.1", "25")
        return self

    def market(self, key, buyer, reference, title, kind):
        self.run(
            RegisterMarket(
                market_id=self.ids[key],
                buyer_id=self.ids[buyer],
                reference=reference,
                title=title,
                kind=kind,
                legal_basis=LegalBasis.L2112_2,
                start_date=date(2024, 1, 1),
                end_date=date(2025, 12, 31),
            )
        )

    def lot(self, market, key, number, siret, amount, share, rate, cost, **extra):
        self.ids.setdefault(key, uuid.uuid4())
        return self.run(
            AddLot(
                market_id=self.ids[market],
                lot_id=self.ids[key],
                number=number,
                title=f"Lot {number}",
                awarded_siret=siret,
                amount_excl_vat=D(amount),
                labour_share=D(share),
                insertion_rate=D(rate),
                hourly_cost=D(cost),
                **extra,
            )
        )

    def amend(self, lot, day, reason, hours, amount=None):
        market = "M2" if lot == "L3" else "M1"
        return self.run(
            AmendLot(
                market_id=self.ids[market],
                lot_id=self.ids[lot],
                amended_on=day,
                reason=reason,
                required_hours=D(hours),
                amount_excl_vat=None if amount is None else D(amount),
            )
        )


@pytest.fixture
def runner(make_store):
    store = make_store()
    runner = ProjectionRunner(store, PROJECTIONS, page_size=4)
    runner.ensure_tables()
    runner.attach()
    return runner


@pytest.fixture
def world(runner):
    return World(runner.store).build()


def read(world, query, *args, **kwargs):
    with world.store.reading() as conn:
        return query(conn, *args, **kwargs)


def references(result):
    rows, total = result
    assert total == len(rows)
    return [row["reference"] for row in rows]


def test_list_markets_with_buyer_names_lot_counts_and_required_hours(world):
    rows, total = read(world, list_markets)
    assert total == 3
    summary = [(r["reference"], r["buyer_name"], r["lot_count"], r["required_hours"]) for r in rows]
    assert summary == [
        ("2024-BTP-017", "Dijon Métropole", 2, D("1233.33")),  # 833.33 + 400.00 manual
        ("2024-PI-003", "Dijon Métropole", 0, D("0.00")),
        ("2024-SRV-002", "Ville de Chenôve", 1, D("480.00")),  # 200000 × 0.6 × 0.1 ÷ 25
    ]
    first = rows[0]
    assert first["kind"] is Sector.BTP and first["legal_basis"] is LegalBasis.L2112_2
    assert first["rules"] == CountingRules(12, 24, True, D("151.67"), D("200.00"), None)
    assert (first["start_date"], first["end_date"], first["version"]) == (
        date(2024, 1, 1),
        date(2025, 12, 31),
        3,
    )


def test_list_markets_scopes_by_buyer_and_by_company(world):
    assert references(read(world, list_markets, buyer_ids=[world.B1])) == [
        "2024-BTP-017",
        "2024-PI-003",
    ]
    assert references(read(world, list_markets, buyer_ids=[])) == []
    assert references(read(world, list_markets, company_ids=[])) == []
    assert references(read(world, list_markets, company_ids=[world.C3])) == []
    rows, total = read(world, list_markets, company_ids=[str(world.C1)])
    assert total == 2
    assert [(r["reference"], r["lot_count"], r["required_hours"]) for r in rows] == [
        ("2024-BTP-017", 1, D("833.33")),  # only C1's lot of the market
        ("2024-SRV-002", 1, D("480.00")),
    ]
    both = read(world, list_markets, buyer_ids=[world.B2], company_ids=[world.C1, world.C2])
    assert references(both) == ["2024-SRV-002"]


def test_list_markets_filters_by_kind_and_search_and_pages(world):
    assert references(read(world, list_markets, kind=Sector.SERVICES)) == ["2024-SRV-002"]
    assert references(read(world, list_markets, search=" srv ")) == ["2024-SRV-002"]
    assert references(read(world, list_markets, search="TRAMWAY")) == ["2024-BTP-017"]
    rows, total = read(world, list_markets, limit=1, offset=1)
    assert [r["reference"] for r in rows] == ["2024-PI-003"] and total == 3


def test_amendments_keep_their_history_and_set_the_required_hours(world):
    world.amend("L1", date(2024, 6, 1), "Avenant n° 1", "900", amount="1100000")
    # Recorded later, dated earlier: it slots in before avenant 1, which now replaces it.
    world.amend("L1", date(2024, 3, 1), "Avenant n° 0", "850")
    market = read(world, get_market, world.M1)
    lot = market["lots"][0]
    assert [
        (a["amended_on"], a["reason"], a["previous_hours"], a["required_hours"])
        for a in lot["amendments"]
    ] == [
        (date(2024, 3, 1), "Avenant n° 0", D("833.33"), D("850.00")),
        (date(2024, 6, 1), "Avenant n° 1", D("850.00"), D("900.00")),
    ]
    assert [a["amount_excl_vat"] for a in lot["amendments"]] == [None, D("1100000.00")]
    assert (lot["computed_hours"], lot["manual_hours"], lot["required_hours"]) == (
        D("833.33"),
        None,
        D("900.00"),
    )
    assert (lot["initial_amount_excl_vat"], lot["amount_excl_vat"]) == (
        D("1000000.00"),
        D("1100000.00"),
    )
    assert market["required_hours"] == D("1300.00") and market["version"] == 5
    # A later amendment of the manual lot starts from its manual figure.
    world.amend("L2", date(2025, 1, 1), "Avenant n° 2", "350.5")
    l2 = read(world, get_market, world.M1)["lots"][1]
    assert [(a["previous_hours"], a["required_hours"]) for a in l2["amendments"]] == [
        (D("400.00"), D("350.50"))
    ]
    assert l2["required_hours"] == D("350.50")
    rows, _ = read(world, list_markets, buyer_ids=[world.B1])
    assert rows[0]["required_hours"] == D("1250.50")


def test_get_market_shows_lots_in_order_with_their_figures(world):
    market = read(world, get_market, str(world.M1))
    assert (market["reference"], market["buyer_name"], market["lot_count"]) == (
        "2024-BTP-017",
        "Dijon Métropole",
        2,
    )
    first, second = market["lots"]
    assert first == {
        "lot_id": str(world.L1),
        "market_id": str(world.M1),
        "number": "1",
        "title": "Lot 1",
        "awarded_company_id": str(world.C1),
        "awarded_siret": S1,
        "awarded_company_name": "Bâtir",
        "amount_excl_vat": D("1000000.00"),
        "initial_amount_excl_vat": D("1000000.00"),
        "labour_share": D("0.5"),
        "insertion_rate": D("0.05"),
        "hourly_cost": D("30.00"),
        "computed_hours": D("833.33"),
        "manual_hours": None,
        "required_hours": D("833.33"),
        "amendments": [],
    }
    assert (second["computed_hours"], second["manual_hours"], second["required_hours"]) == (
        D("375.00"),  # 300000 × 0.7 × 0.05 ÷ 28
        D("400.00"),
        D("400.00"),
    )
    assert read(world, get_market, uuid.uuid4()) is None


def test_get_market_scoped_to_companies_shows_only_their_lots(world):
    scoped = read(world, get_market, world.M1, company_ids=[world.C2])
    assert [lot["number"] for lot in scoped["lots"]] == ["2"]
    assert scoped["required_hours"] == D("400.00")
    assert read(world, get_market, world.M1, company_ids=[world.C3]) is None
    assert read(world, get_market, world.M3, company_ids=[]) is None


def test_market_changes_reach_the_read_table(world):
    world.run(
        ChangeMarketDetails(
            market_id=world.M3,
            title="Études QPV",
            start_date=date(2024, 2, 1),
            end_date=date(2026, 1, 31),
        )
    )
    rules = CountingRules(6, 18, False, D("140"), D("180.5"), D("15"))
    world.run(ChangeCountingRules(market_id=world.M3, rules=rules))
    market = read(world, get_market, world.M3)
    assert (market["title"], market["start_date"], market["end_date"], market["version"]) == (
        "Études QPV",
        date(2024, 2, 1),
        date(2026, 1, 31),
        3,
    )
    assert market["rules"] == CountingRules(6, 18, False, D("140.00"), D("180.50"), D("15.00"))
    assert market["lots"] == [] and market["required_hours"] == D("0.00")


def test_find_lot_matches_references_and_numbers_like_people_type_them(world):
    found = read(world, find_lot, "  2024-btp-017 ", "1")
    assert (found["market_id"], found["lot_id"], found["kind"]) == (
        str(world.M1),
        str(world.L1),
        Sector.BTP,
    )
    assert found["rules"] == CountingRules()
    assert (found["market_reference"], found["awarded_siret"], found["required_hours"]) == (
        "2024-BTP-017",
        S1,
        D("833.33"),
    )
    assert read(world, find_lot, "2024-SRV-002", "lot 01")["lot_id"] == str(world.L3)
    assert read(world, find_lot, "2024 SRV-002", "1") is None  # another reference
    assert read(world, find_lot, "2024-SRV-002", "Lot n° 1")["lot_id"] == str(world.L3)
    assert read(world, find_lot, "2024-BTP-017", "3") is None
    assert read(world, find_lot, "2024-BTP-017", " ") is None
    assert read(world, find_lot, "INCONNU", "1") is None


def test_find_lot_refuses_to_guess_between_two_loose_matches(world):
    world.lot("M3", "L4", "1", S3, "1000", "1", "1", "10")
    world.lot("M3", "L5", "01", S3, "1000", "1", "1", "10")
    assert read(world, find_lot, "2024-PI-003", "01")["lot_id"] == str(world.L5)
    assert read(world, find_lot, "2024-PI-003", "1")["lot_id"] == str(world.L4)
    assert read(world, find_lot, "2024-PI-003", "001") is None  # "1" or "01"?
    found = read(world, market_by_reference, "2024-pi-003")
    assert [lot["number"] for lot in found["lots"]] == ["1", "01"]
    assert read(world, market_by_reference, "nope") is None


def test_lots_of_company_follow_the_awardee(world):
    lots = read(world, lots_of_company, world.C1)
    assert [(lot["market_reference"], lot["number"], lot["market_kind"]) for lot in lots] == [
        ("2024-BTP-017", "1", Sector.BTP),
        ("2024-SRV-002", "Lot 01", Sector.SERVICES),
    ]
    assert lots[1]["buyer_id"] == str(world.B2)
    world.run(ChangeLotAwardee(market_id=world.M1, lot_id=world.L2, awarded_siret=S3))
    assert [lot["lot_id"] for lot in read(world, lots_of_company, world.C3)] == [str(world.L2)]
    assert read(world, lots_of_company, world.C2) == []
    assert references(read(world, list_markets, company_ids=[world.C3])) == ["2024-BTP-017"]


def test_rebuild_gives_the_tables_live_updates_gave(world, runner):
    world.amend("L1", date(2024, 6, 1), "Avenant n° 1", "900", amount="1100000")
    world.amend("L1", date(2024, 3, 1), "Avenant n° 0", "850")
    world.amend("L1", date(2024, 3, 1), "Avenant n° 0 bis", "860")
    world.amend("L3", date(2024, 9, 1), "Avenant", "500")
    world.run(ChangeLotAwardee(market_id=world.M1, lot_id=world.L2, awarded_siret=S3))
    world.run(ChangeCountingRules(market_id=world.M2, rules=CountingRules(cdi_counted_months=6)))
    tables = markets_projection.PROJECTION.tables

    def snapshot():
        with world.store.reading() as conn:
            return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in tables}

    live = snapshot()
    assert [len(live[t.name]) for t in tables] == [3, 3, 4]
    done = runner.rebuild(["markets"])
    assert done == {"markets": 12}
    assert snapshot() == live
    history = read(world, get_market, world.M1)["lots"][0]["amendments"]
    assert [(a["previous_hours"], a["required_hours"]) for a in history] == [
        (D("833.33"), D("850.00")),
        (D("850.00"), D("860.00")),  # same day: recording order
        (D("860.00"), D("900.00")),
    ]
