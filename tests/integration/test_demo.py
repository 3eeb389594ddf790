"""The demo territory: built through commands, deterministic, idempotent, plausible.

The full demo runs once per backend (``clauses demo`` in a subprocess, after an
interrupted first run in-process); the plan itself is checked without a database and
run on the in-memory store for other dates.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from stdnum.fr import siret as stdnum_siret

from clauses_service import create_app, demo
from clauses_service.auth import accounts
from clauses_service.demo.ids import buyer_id
from clauses_service.demo.plan import Plan
from clauses_service.messagebus import execute
from events.catalog.buyers import STREAM_TYPE, BuyerKind, BuyerRegistered
from events.catalog.companies import CompanyKind
from events.catalog.contracts import ContractType, Modality
from events.catalog.sectors import Sector
from events.memory_store import MemoryEventStore
from projections import queries
from projections.queries.contracts import age_band
from tests.conftest import SQL_BACKENDS

QPV_QUARTERS = {
    "Dijon – Grésilles",
    "Dijon – Fontaine-d'Ouche",
    "Chenôve – Le Mail",
    "Longvic – Bief du Moulin",
    "Talant – Le Belvédère",
    "Quetigny – Centre",
}
INTERRUPTED_AFTER = 400  # steps of the first, interrupted run


def clauses(*args: str, url: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLAUSES_DATABASE_URL": url, "CLAUSES_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run(
        [sys.executable, "-m", "clauses_service.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


# ---- the plan, without a database ----------------------------------------------------
def test_the_plan_is_deterministic_with_unique_keys():
    calendar = demo.Calendar.ending_before(date(2026, 12, 1))
    first, second = demo.build_plan(calendar), demo.build_plan(calendar)
    assert first.steps == second.steps
    keys = [step.key for step in first.steps]
    assert len(keys) == len(set(keys))
    assert all(len(f"{demo.ACTOR}:{key}") <= 200 for key in keys)
    assert first.steps[-1].key.startswith("buyer-contacts:")  # the completeness marker
    summary = first.summary()
    assert (summary["buyers"], summary["companies"], summary["people"]) == (5, 15, 150)
    assert summary["markets"] >= 18 and summary["lots"] >= 30
    assert 80 <= summary["contracts"] <= 130 and summary["hour_lines"] >= 450
    assert summary["amendments"] >= 1 and summary["refusals"] >= 10


def test_the_calendar_is_the_twelve_months_before_the_current_one():
    calendar = demo.Calendar.ending_before(date(2026, 3, 15))
    assert (calendar.first, calendar.last, calendar.last_day) == (
        date(2025, 3, 1),
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    assert demo.Calendar.starting(date(2025, 3, 1)) == calendar


@pytest.mark.parametrize("today", [date(2027, 7, 2), date(2028, 3, 1)])
def test_the_plan_is_accepted_on_other_dates(today):
    """Any day the demo is run, every command passes the domain's checks."""
    store = MemoryEventStore()
    plan = demo.build_plan(demo.Calendar.ending_before(today))
    now = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
    warnings = []
    for step in plan.steps:
        result = execute(store, step.command, demo.ACTOR, now=now)
        warnings.extend(result.get("warnings") or [])
    assert any("heures supplémentaires à vérifier" in w for w in warnings)
    assert not any("au-delà du maximum" in w for w in warnings)


def test_company_sirets_are_valid_and_the_kinds_all_there():
    plan = demo.build_plan(demo.Calendar.ending_before(date(2026, 12, 1)))
    companies = [s.command for s in plan.steps if type(s.command).__name__ == "RegisterCompany"]
    assert all(stdnum_siret.is_valid(c.siret) for c in companies)
    assert {c.kind for c in companies} >= {
        CompanyKind.ENTREPRISE,
        CompanyKind.ETTI,
        CompanyKind.EI,
        CompanyKind.GEIQ,
        CompanyKind.ACI,
        CompanyKind.AI,
    }


# ---- the demo on a database ---------------------------------------------------------
@pytest.fixture
def app(database_url):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True})
    yield app
    app.extensions["clauses"].engine.dispose()


def _first_demo(store) -> None:
    """What the first version of the demo left: a buyer appended without a command."""
    name = "Dijon Métropole"
    store.append(
        STREAM_TYPE,
        str(buyer_id(name)),
        0,
        [BuyerRegistered(buyer_id(name), name, BuyerKind.COLLECTIVITE)],
        metadata={"actor": "demo"},
    )


@pytest.mark.slow
@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_demo_fills_the_territory_once(app, database_url, tmp_path):
    store = app.extensions["clauses"].store
    _first_demo(store)
    plan = demo.build_plan(demo.calendar_for(store))
    demo.run_plan(store, Plan(plan.calendar, plan.steps[:INTERRUPTED_AFTER]))  # interrupted

    first = clauses("demo", url=database_url, tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Territoire de démonstration : 5 donneurs d'ordre, 20 marchés" in first.stdout
    assert "Compte de démonstration : etti@demo.clauses.fr" in first.stdout
    head = store.head_position()

    second = clauses("demo", url=database_url, tmp_path=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "déjà en place : 5 donneurs d'ordre, 20 marchés, 15 entreprises" in second.stdout
    assert "Démonstration : 0 événement(s) ajouté(s)." in second.stdout
    assert "Compte de démonstration" not in second.stdout
    assert store.head_position() == head
    recorded = store.read_all(after=1, limit=head)  # after the first demo's event
    assert len(recorded) == head - 1
    assert {r.metadata.get("actor") for r in recorded} == {demo.ACTOR}
    assert all(r.metadata.get("command") for r in recorded)  # all through the message bus

    with store.reading() as conn:
        _check_territory(conn, plan)
        _check_people(conn)
        _check_contracts_and_hours(conn)
    _check_accounts(app)


def _check_territory(conn, plan) -> None:
    buyers = queries.list_buyers(conn)
    assert len(buyers) == 5 and all(b["contacts"] for b in buyers)
    assert all(c.endswith(".example") for b in buyers for c in b["contacts"])
    markets, total = queries.list_markets(conn, limit=100)
    assert total == plan.summary()["markets"] >= 18
    assert {m["kind"] for m in markets} == set(Sector)
    assert any(m["reference"].endswith("-BTP-014") for m in markets)
    companies, count = queries.list_companies(conn, limit=100)
    assert count == 15 and all(stdnum_siret.is_valid(c["siret"]) for c in companies)
    lots = [lot for m in markets for lot in queries.get_market(conn, m["market_id"])["lots"]]
    assert all(1 <= sum(x["market_id"] == m["market_id"] for x in lots) <= 4 for m in markets)
    assert any(lot["manual_hours"] is not None for lot in lots)
    assert sum(bool(lot["amendments"]) for lot in lots) >= 1
    with_hours = [
        lot for lot in lots if queries.lot_progress(conn, lot["lot_id"])["counted_hours"] > 0
    ]
    assert len(with_hours) >= 0.8 * len(lots)


def _check_people(conn) -> None:
    people, total = queries.search_people(conn, limit=1000)
    assert total == 150
    on = date.today()
    assert {age_band(p["birth_date"], on) for p in people} == {"<26", "26-44", "45-54", "55+"}
    assert {p["sex"] for p in people} == {"F", "M"}
    assert {p["qpv"] for p in people if p["qpv"]} == QPV_QUARTERS
    assert sum(p["rsa"] for p in people) >= 10 and sum(p["rqth"] for p in people) >= 3
    assert len({p["commune"] for p in people}) >= 8
    details = [queries.get_person(conn, p["person_id"]) for p in people]
    validated = [d for d in details if d["validations"]]
    assert len(validated) >= 100
    assert all(v["criteria"] and v["evidence"] for d in validated for v in d["validations"])
    assert sum(bool(d["refusals"]) for d in details) >= 10
    kinds = {o["prescriber_kind"] for d in details for o in d["orientations"]}
    assert {"FRANCE_TRAVAIL", "MISSION_LOCALE", "PLIE_REFERENT"} <= kinds and len(kinds) >= 8
    linked = sum(bool(d["plie_links"]) for d in details)
    assert 40 <= linked <= 70  # about a third
    assert len(queries.pending_candidates(conn)) >= 3
    assert len(queries.possible_duplicates(conn)) >= 1


def _check_contracts_and_hours(conn) -> None:
    contracts = queries.list_contracts(conn, limit=1000)
    assert 80 <= len(contracts) <= 130
    assert {c["contract_type"] for c in contracts} >= {
        t.value for t in (ContractType.CTTI, ContractType.CDDI, ContractType.CDI, ContractType.CPRO)
    }
    assert {c["modality"] for c in contracts} == {m.value for m in Modality}
    staff = [c for c in contracts if c["modality"] == Modality.MISE_A_DISPOSITION.value]
    assert all(c["user_siret"] for c in staff)
    assert sum(c["end_date"] is not None for c in contracts) >= 30
    assert sum(c["training_hours"] > 0 for c in contracts) >= 5
    per_person_month: dict[tuple, Decimal] = defaultdict(Decimal)
    lines, markets = 0, {}
    for contract in contracts:
        market_id = contract["market_id"]
        market = markets.get(market_id) or markets.setdefault(
            market_id, queries.get_market(conn, market_id)
        )
        person = queries.get_person(conn, contract["person_id"])
        eligible = any(
            market["kind"].value in v["sectors"] and v["validated_on"] <= contract["start_date"]
            for v in person["validations"]
        )
        assert eligible or contract["eligibility_override"], contract
        for line in queries.hours_of_contract(conn, contract["contract_id"]):
            if line["withdrawn"]:
                continue
            lines += 1
            assert line["month"] >= contract["start_date"].replace(day=1)
            assert line["training_hours"] <= line["hours"]
            per_person_month[(contract["person_id"], line["month"])] += line["hours"]
            assert per_person_month[(contract["person_id"], line["month"])] <= (
                market["rules"].refusal_hours
            )
    assert lines >= 450
    totals = list(per_person_month.values())
    full_time = Decimal("151.67")
    assert sum(t == full_time for t in totals) >= 0.3 * len(totals)  # 35 h weeks
    assert 1 <= sum(t > full_time for t in totals) <= 10  # a few warnings, no more
    exits = queries.exits_in(conn, date(2000, 1, 1), date.today())
    assert exits["positive"] >= 5 and exits["total"] - exits["positive"] >= 5
    assert sum(1 for c in contracts if c["eligibility_override"]) >= 1


def _check_accounts(app) -> None:
    with app.extensions["clauses"].engine.connect() as conn:
        users = {u.email: u for u in accounts.list_users(conn)}
        assert {email for email, *_ in demo.ACCOUNTS} <= set(users)
        etti = users["etti@demo.clauses.fr"]
        company = queries.company_by_siret(conn, etti.sirets[0])
        assert company["kind"] == CompanyKind.ETTI.value
        staffed = queries.list_contracts(conn, company_ids=[company["company_id"]], limit=1000)
        assert staffed and all(c["contract_type"] == "CTTI" for c in staffed)
        buyer = users["donneur@demo.clauses.fr"]
        assert queries.get_buyer(conn, buyer.buyer_ids[0])["name"] == "Dijon Métropole"
        assert accounts.authenticate(conn, "etti@demo.clauses.fr", demo.DEMO_PASSWORD)
