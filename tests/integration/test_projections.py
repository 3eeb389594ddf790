"""Projections: inline updates, catch-up, rebuild equal to live, readers during a rebuild."""

from __future__ import annotations

import random
import threading
import uuid

import pytest
from sqlalchemy import select

from events.catalog.buyers import BuyerKind, BuyerRegistered, BuyerRenamed
from projections import buyers as buyers_projection
from projections import checkpoints
from projections.base import Projection
from projections.runner import ProjectionRunner, UnknownProjection
from tests.conftest import SQL_BACKENDS

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


def table_rows(store, table):
    with store.reading() as conn:
        return sorted(tuple(r) for r in conn.execute(select(table)))


def with_runner(store, projections=(buyers_projection.PROJECTION,)):
    runner = ProjectionRunner(store, list(projections), page_size=7)
    runner.ensure_tables()
    runner.attach()
    return runner


def register_buyers(store, count: int, seed: int = 1) -> list[uuid.UUID]:
    rng = random.Random(seed)
    ids = []
    for i in range(count):
        buyer = uuid.uuid4()
        ids.append(buyer)
        kind = rng.choice(list(BuyerKind))
        store.append("buyer", str(buyer), 0, [BuyerRegistered(buyer, f"Acheteur {i}", kind)])
    for n in range(count * 2):
        buyer = rng.choice(ids)
        version = store.stream_version(str(buyer))
        store.append("buyer", str(buyer), version, [BuyerRenamed(buyer, f"Nom {n}")])
    return ids


def test_inline_projection_is_updated_in_the_append_transaction(make_store):
    store = make_store()
    with_runner(store)
    buyer = uuid.uuid4()
    store.append("buyer", str(buyer), 0, [BuyerRegistered(buyer, "CHU Dijon", BuyerKind.HOPITAL)])
    assert table_rows(store, buyers_projection.buyers)[0][1:3] == ("CHU Dijon", "HOPITAL")
    with store.reading() as conn:
        assert checkpoints.read(conn, "buyers").position == store.head_position()


def test_a_failing_projection_rolls_the_append_back(make_store):
    store = make_store()

    def broken(conn, events):
        raise ValueError("projection bug")

    failing = Projection(**{**buyers_projection.PROJECTION.__dict__, "apply": broken})
    with_runner(store, [failing])
    buyer = uuid.uuid4()
    with pytest.raises(ValueError, match="projection bug"):
        store.append("buyer", str(buyer), 0, [BuyerRegistered(buyer, "X", BuyerKind.ETAT)])
    assert store.head_position() == 0


def test_failed_append_leaves_projection_and_checkpoint_untouched(make_store):
    store = make_store()
    with_runner(store)
    register_buyers(store, 3)
    before = table_rows(store, buyers_projection.buyers)
    with store.reading() as conn:
        checkpoint = checkpoints.read(conn, "buyers")
    buyer = uuid.uuid4()
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.append("buyer", str(buyer), 0, [BuyerRegistered(buyer, "Perdu", BuyerKind.ETAT)])
        raise RuntimeError("crash")
    assert table_rows(store, buyers_projection.buyers) == before
    with store.reading() as conn:
        assert checkpoints.read(conn, "buyers") == checkpoint


def test_rebuild_gives_exactly_the_tables_that_live_updates_gave(make_store):
    store = make_store()
    runner = with_runner(store)
    register_buyers(store, 40)
    live = table_rows(store, buyers_projection.buyers)
    assert len(live) == 40
    done = runner.rebuild(["buyers"])
    assert done == {"buyers": 120}
    assert table_rows(store, buyers_projection.buyers) == live
    with store.reading() as conn:
        assert checkpoints.read(conn, "buyers").position == store.head_position()


def test_a_projection_added_later_catches_up_on_the_next_append(make_store):
    store = make_store()
    register_buyers(store, 5)  # no projection attached yet
    with_runner(store)
    buyer = uuid.uuid4()
    store.append("buyer", str(buyer), 0, [BuyerRegistered(buyer, "Nouveau", BuyerKind.AUTRE)])
    assert len(table_rows(store, buyers_projection.buyers)) == 6


def test_catch_up_worker_and_status(make_store):
    store = make_store()
    register_buyers(store, 4)
    runner = ProjectionRunner(store, [buyers_projection.PROJECTION])
    runner.ensure_tables()
    assert runner.status()[0]["up_to_date"] is False
    assert runner.run_once() == {"buyers": 12}
    assert runner.run_once() == {"buyers": 0}
    assert runner.status()[0]["up_to_date"] is True
    with pytest.raises(UnknownProjection, match="inconnue"):
        runner.run_once(["nope"])


def test_version_bump_rebuilds_from_zero(make_store):
    store = make_store()
    with_runner(store)
    register_buyers(store, 3)
    live = table_rows(store, buyers_projection.buyers)
    next_version = buyers_projection.PROJECTION.version + 1
    bumped = Projection(**{**buyers_projection.PROJECTION.__dict__, "version": next_version})
    runner = ProjectionRunner(store, [bumped])
    assert runner.run_once() == {"buyers": 9}
    assert table_rows(store, buyers_projection.buyers) == live
    with store.reading() as conn:
        assert checkpoints.read(conn, "buyers").version == next_version


def test_readers_see_the_previous_tables_while_a_rebuild_runs(make_store):
    store = make_store()
    with_runner(store)
    register_buyers(store, 10)
    before = table_rows(store, buyers_projection.buyers)
    halfway, resume = threading.Event(), threading.Event()
    calls = []

    def slow_apply(conn, events):
        calls.append(len(events))
        buyers_projection.apply(conn, events)
        if len(calls) == 2:
            halfway.set()
            resume.wait(10)

    slow = Projection(**{**buyers_projection.PROJECTION.__dict__, "apply": slow_apply})
    runner = ProjectionRunner(store, [slow], page_size=5)
    rebuild = threading.Thread(target=runner.rebuild)
    rebuild.start()
    try:
        assert halfway.wait(10)
        assert table_rows(store, buyers_projection.buyers) == before
    finally:
        resume.set()
        rebuild.join()
    assert table_rows(store, buyers_projection.buyers) == before


def test_prepare_rebuilds_only_projections_whose_version_changed(make_store):
    store = make_store()
    with_runner(store)
    register_buyers(store, 2)
    unchanged = ProjectionRunner(store, [buyers_projection.PROJECTION])
    assert unchanged.prepare() == {}
    next_version = buyers_projection.PROJECTION.version + 1
    bumped = Projection(**{**buyers_projection.PROJECTION.__dict__, "version": next_version})
    assert ProjectionRunner(store, [bumped]).prepare() == {"buyers": 6}
    assert len(table_rows(store, buyers_projection.buyers)) == 2
