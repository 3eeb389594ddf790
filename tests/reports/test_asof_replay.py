"""As recorded at: read tables replayed up to a log position, on SQLite and PostgreSQL.

Territory: one lot, one contract, hours 03/2024 100 h and 04/2024 120 h; then the
April line is corrected to 90 h. Before the correction the replay shows 120 h, at
the head it shows 90 h and equals every live read table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from clauses_service.reports.asof import position_at, projected_at
from projections import contracts as contracts_projection
from projections.base import read_metadata
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.conftest import SQL_BACKENDS
from tests.support.territory import Territory

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
SERVICE_TABLES = {table for p in PROJECTIONS for table in p.tables}

MARCH, APRIL = date(2024, 3, 1), date(2024, 4, 1)


@pytest.fixture
def world(make_store):
    store = make_store()
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    t = Territory(store)
    buyer = t.buyer()
    company = t.company("Bâti Dijon")
    market = t.market(buyer, "2024-BTP-01")
    lot = t.lot(market, company, manual_hours=Decimal("1000"))
    person = t.person()
    t.validate(person)
    contract = t.contract(person, company, market, lot, MARCH)
    t.hours(contract, MARCH, "100")
    t.hours(contract, APRIL, "120")
    before = store.head_position()
    t.correct(contract, APRIL, "90")
    return store, contract, before


def _plain(value):
    # SQLite hands back naive UTC datetimes, PostgreSQL aware ones: compare as UTC.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def rows(conn, table):
    return sorted((tuple(_plain(v) for v in row) for row in conn.execute(select(table))), key=repr)


def counted(conn, contract_id) -> dict:
    h = contracts_projection.hours
    query = select(h.c.month, h.c.hours_cents).where(h.c.contract_id == str(contract_id))
    return dict(conn.execute(query).all())


def test_replay_at_head_equals_every_live_read_table(world):
    store, _, _ = world
    with store.reading() as live, projected_at(store, store.head_position()) as past:
        # The service's read tables (other tests add tables of their own to the metadata).
        for table in read_metadata.sorted_tables:
            if table not in SERVICE_TABLES:
                continue
            assert rows(past, table) == rows(live, table), table.name


def test_replay_before_the_correction_shows_the_figure_recorded_then(world):
    store, contract, before = world
    with projected_at(store, before) as past:
        assert counted(past, contract) == {MARCH: 10_000, APRIL: 12_000}
        history = contracts_projection.hours_history
        assert len(past.execute(select(history)).all()) == 2
    with store.reading() as live:
        assert counted(live, contract) == {MARCH: 10_000, APRIL: 9_000}


def test_replay_at_zero_is_empty_tables(world):
    store, contract, _ = world
    with projected_at(store, 0) as past:
        assert counted(past, contract) == {}


def test_position_at_a_moment(world):
    store, _, _ = world
    head = store.head_position()
    assert position_at(store, datetime.now(UTC) + timedelta(seconds=5)) == head
    assert position_at(store, datetime(2000, 1, 1)) == 0
