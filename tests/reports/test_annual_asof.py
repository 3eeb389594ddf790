"""The annual reports as recorded at a past log position: same figures as the live read
tables at that time, the correction recorded later left out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from clauses_service.reports.asof import projected_at
from clauses_service.reports.bilan import build_plie_bilan
from clauses_service.reports.national import build_national_export
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.conftest import SQL_BACKENDS
from tests.reports.annual_world import build_annual_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


def test_bilan_and_national_as_recorded_before_a_correction(make_store):
    store = make_store()
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    world = build_annual_world(store)
    before = store.head_position()
    with store.reading() as conn:
        live_bilan, live_national = build_plie_bilan(conn, 2024), build_national_export(conn, 2024)
    # C1's January (P1, PLIE, CDDI, BTP): 119,75 h corrected to 100,00 h.
    world.t.correct(world.ids["c1"], date(2024, 1, 1), "100", reason="Relevé rectifié")
    with store.reading() as conn:
        assert build_plie_bilan(conn, 2024)["hours"]["total"] == Decimal("542.36")
        assert build_national_export(conn, 2024)["totals"]["hours"] == Decimal("867.36")
    with projected_at(store, before) as conn:
        assert build_plie_bilan(conn, 2024) == live_bilan
        assert build_national_export(conn, 2024) == live_national
    assert live_bilan["hours"]["total"] == Decimal("562.11")
