"""Property: any valid sequence of HoursRecorded / HoursCorrected / HoursWithdrawn events
gives, folded in Python (``domain.contracts.fold``), the same per-contract and total
counted hours as ``rm_hours`` filled by the projection, live and after a rebuild."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from clauses_service.domain import contracts as contract_domain
from events.catalog.contracts import HoursCorrected, HoursRecorded, HoursWithdrawn
from projections.amounts import from_cents
from projections.contracts import HOURS, hours
from projections.runner import ProjectionRunner
from tests.conftest import SQL_BACKENDS

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

MONTHS = [date(2024, month, 1) for month in (1, 2, 3, 4)]
cents = st.integers(min_value=0, max_value=25_000)

operation = st.tuples(
    st.integers(min_value=0, max_value=2),  # which contract
    st.sampled_from(MONTHS),
    st.sampled_from(["record", "correct", "withdraw"]),
    cents,  # hours
    st.integers(min_value=0, max_value=100),  # training, % of hours
    st.integers(min_value=0, max_value=100),  # counted, % of hours
    st.integers(min_value=1, max_value=3),  # events per transaction
)


def as_hours(value: int) -> Decimal:
    return from_cents(value)


def valid_events(contract_ids, operations):
    """Turn raw operations into a valid sequence: record a month only when it has no
    current line, correct or withdraw only a current one (else the other verb)."""
    active: set[tuple] = set()
    out = []
    for index, month, verb, hours_cents, training_pct, counted_pct, batch in operations:
        contract_id = contract_ids[index]
        key = (contract_id, month)
        total = as_hours(hours_cents)
        training = as_hours(hours_cents * training_pct // 100)
        counted = as_hours(hours_cents * counted_pct // 100)
        if verb == "withdraw" and key in active:
            out.append((batch, HoursWithdrawn(contract_id, month, "retrait")))
            active.discard(key)
        elif key in active:
            out.append(
                (batch, HoursCorrected(contract_id, month, total, training, counted, "corr."))
            )
        else:
            out.append((batch, HoursRecorded(contract_id, month, total, training, counted)))
            active.add(key)
    return out


def append_all(store, events) -> None:
    """Append in transactions of 1-3 events, each with its own source metadata."""
    index = 0
    while index < len(events):
        batch = events[index][0]
        chunk = [event for _, event in events[index : index + batch]]
        with store.transaction({"actor": "propriété", "source": {"row": index}}) as tx:
            for event in chunk:
                stream = str(event.contract_id)
                tx.append("contract", stream, tx.stream_version(stream), [event])
        index += batch


def projected(store, contract_ids) -> dict[str, Decimal]:
    ids = [str(c) for c in contract_ids]
    with store.reading() as conn:
        rows = conn.execute(
            select(hours.c.contract_id, func.sum(hours.c.counted_cents))
            .where(hours.c.contract_id.in_(ids), hours.c.withdrawn.is_(False))
            .group_by(hours.c.contract_id)
        ).all()
    found = {contract_id: from_cents(int(total)) for contract_id, total in rows}
    return {contract_id: found.get(contract_id, Decimal("0.00")) for contract_id in ids}


def folded(store, contract_ids) -> dict[str, Decimal]:
    return {
        str(c): contract_domain.fold(r.event for r in store.read_stream(str(c))).counted_total
        for c in contract_ids
    }


@pytest.fixture
def runner(make_store):
    store = make_store()
    projection_runner = ProjectionRunner(store, [HOURS], page_size=5)
    projection_runner.ensure_tables()
    projection_runner.attach()
    return projection_runner


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_projected_counted_hours_equal_the_folded_ones(runner, operations):
    store = runner.store
    # Fresh contracts per example: the store is shared by the examples of one test.
    contract_ids = [uuid.uuid4() for _ in range(3)]
    append_all(store, valid_events(contract_ids, operations))
    expected = folded(store, contract_ids)
    assert projected(store, contract_ids) == expected
    assert sum(projected(store, contract_ids).values()) == sum(expected.values())
    runner.rebuild(["hours"])
    assert projected(store, contract_ids) == expected
