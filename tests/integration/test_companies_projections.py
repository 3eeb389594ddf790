"""Companies on SQLite and PostgreSQL: rm_companies, its queries, rebuild equal to live."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from clauses_service.commands.companies import ChangeCompanyDetails, RegisterCompany
from clauses_service.messagebus import execute
from events.catalog.companies import CompanyKind
from projections import companies as companies_projection
from projections.queries import company_by_siret, get_company, list_companies
from projections.runner import ProjectionRunner
from tests.conftest import SQL_BACKENDS

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

COMPANIES = [
    ("73282932000074", "Bâtir Bourgogne", CompanyKind.ENTREPRISE),
    ("44201369400017", "ID Intérim", CompanyKind.ETTI),
    ("32600454600015", "Tremplin Services", CompanyKind.EI),
    ("55203249200019", "GEIQ BTP 21", CompanyKind.GEIQ),
]


@pytest.fixture
def store(make_store):
    store = make_store()
    runner = ProjectionRunner(store, companies_projection.PROJECTIONS, page_size=3)
    runner.ensure_tables()
    runner.attach()
    store.runner = runner
    return store


def register_all(store) -> dict[str, uuid.UUID]:
    ids = {}
    for siret, name, kind in COMPANIES:
        ids[siret] = uuid.uuid4()
        command = RegisterCompany(company_id=ids[siret], siret=siret, name=name, kind=kind)
        execute(store, command, "fa")
    return ids


def test_registered_companies_are_listed_by_name_with_a_total(store):
    ids = register_all(store)
    with store.reading() as conn:
        rows, total = list_companies(conn)
        page, page_total = list_companies(conn, limit=2, offset=1)
        etti, etti_total = list_companies(conn, kind=CompanyKind.ETTI)
    assert total == 4 and page_total == 4
    assert [r["name"] for r in rows] == [
        "Bâtir Bourgogne",
        "GEIQ BTP 21",
        "ID Intérim",
        "Tremplin Services",
    ]
    assert [r["name"] for r in page] == ["GEIQ BTP 21", "ID Intérim"]
    assert (
        etti
        == [
            {
                "company_id": str(ids["44201369400017"]),
                "siret": "44201369400017",
                "name": "ID Intérim",
                "kind": CompanyKind.ETTI,
                "version": 1,
            }
        ]
        and etti_total == 1
    )


def test_search_by_name_or_by_the_start_of_a_siret(store):
    register_all(store)
    with store.reading() as conn:
        by_name, _ = list_companies(conn, search="  tremplin ")
        by_siret, total = list_companies(conn, search="442 013")
        nothing, zero = list_companies(conn, search="zzz")
    assert [r["name"] for r in by_name] == ["Tremplin Services"]
    assert [r["siret"] for r in by_siret] == ["44201369400017"] and total == 1
    assert nothing == [] and zero == 0


def test_get_company_and_company_by_siret_follow_changes(store):
    ids = register_all(store)
    company_id = ids["73282932000074"]
    command = ChangeCompanyDetails(company_id=company_id, name="Bâtir 21", kind=CompanyKind.EA)
    execute(store, command, "fa")
    with store.reading() as conn:
        found = get_company(conn, company_id)
        by_siret = company_by_siret(conn, "732 829 320.00074")
        missing = company_by_siret(conn, "12345678901234")
        unknown = get_company(conn, uuid.uuid4())
    assert found == {
        "company_id": str(company_id),
        "siret": "73282932000074",
        "name": "Bâtir 21",
        "kind": CompanyKind.EA,
        "version": 2,
    }
    assert by_siret == found
    assert missing is None and unknown is None


def test_rebuild_gives_the_tables_live_updates_gave(store):
    ids = register_all(store)
    for n, company_id in enumerate(ids.values()):
        command = ChangeCompanyDetails(company_id=company_id, name=f"Nom {n}", kind="AI")
        execute(store, command, "fa")
    table = companies_projection.companies
    with store.reading() as conn:
        live = sorted(tuple(r) for r in conn.execute(select(table)))
    assert len(live) == 4
    assert store.runner.rebuild(["companies"]) == {"companies": 8}
    with store.reading() as conn:
        assert sorted(tuple(r) for r in conn.execute(select(table))) == live
