"""``clauses scheduler`` as operators run it: real subprocesses on SQLite and PostgreSQL.

Territory: two buyers with a market running until 2099, one whose market ended in
2024, one without market. Last month's run issues exactly two reports, however many
schedulers are started at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from clauses_service.scheduler import lock_for
from events.engine import make_engine
from events.sql_store import SqlEventStore
from tests.conftest import SQL_BACKENDS
from tests.reports.issue_support import attach_projections
from tests.support.territory import Territory

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    store = SqlEventStore(engine)
    attach_projections(store)
    t = Territory(store)
    company = t.company("Bâti Dijon")
    running = []
    for name, ref, end in (
        ("Dijon Métropole", "2024-BTP-01", date(2099, 12, 31)),
        ("Habitat 21", "2024-SRV-02", date(2099, 12, 31)),
        ("Ville de Talant", "2023-BTP-07", date(2024, 12, 31)),
    ):
        buyer = t.buyer(name)
        market = t.market(buyer, ref, start_date=date(2023, 1, 1), end_date=end)
        t.lot(market, company, manual_hours=Decimal("500"))
        if end.year == 2099:
            running.append(str(buyer))
    t.buyer("Chenôve")  # no market
    yield store, sorted(running)
    engine.dispose()


def env_for(url, tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSES_SMTP")}
    return {**env, "CLAUSES_DATABASE_URL": url, "CLAUSES_VAR_DIR": str(tmp_path), **extra}


def start(url, tmp_path, *args, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "clauses_service.cli", "scheduler", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(url, tmp_path, **extra),
    )


def finish(process, timeout=120) -> tuple[str, str]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out, err


def issued_per_buyer(store) -> Counter:
    return Counter(
        str(r.event.buyer_id)
        for page in store.iter_all(event_types=["MonthlyReportIssued"])
        for r in page
    )


def test_two_schedulers_started_at_once_issue_each_report_once(world, database_url, tmp_path):
    store, running = world
    first, second = (start(database_url, tmp_path, "--once") for _ in range(2))
    outputs = [finish(first), finish(second)]
    assert issued_per_buyer(store) == Counter(dict.fromkeys(running, 1))
    lines = sorted(out.strip() + err for out, err in outputs)
    issued = [line for line in lines if " : 2 émis, 0 déjà émis" in line]
    assert len(issued) == 1, lines
    other = next(line for line in lines if line is not issued[0])
    assert "Un autre planificateur tourne déjà" in other or " : 0 émis, 2 déjà émis" in other, other
    out, _ = finish(start(database_url, tmp_path, "--once"))
    assert " : 0 émis, 2 déjà émis, 0 en erreur" in out
    assert issued_per_buyer(store) == Counter(dict.fromkeys(running, 1))


def test_the_lock_keeps_a_second_scheduler_out(world, database_url, tmp_path):
    store, running = world
    lock = lock_for(store.engine)
    assert lock.try_acquire()
    try:
        out, err = finish(start(database_url, tmp_path, "--once", "--wait", "0.5"))
        assert "Un autre planificateur tourne déjà" in err
        assert "rien n'a été fait" in err and out == ""
        assert issued_per_buyer(store) == Counter()
    finally:
        lock.release()
    out, _ = finish(start(database_url, tmp_path, "--once"))
    assert " : 2 émis, 0 déjà émis" in out
    assert issued_per_buyer(store) == Counter(dict.fromkeys(running, 1))


def _collect(stream, lines: list) -> threading.Thread:
    reader = threading.Thread(target=lambda: lines.extend(stream), daemon=True)
    reader.start()
    return reader


def _wait_for(condition, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_long_running_scheduler_catches_up_and_a_second_one_stands_by(
    world, database_url, tmp_path
):
    store, running = world
    due = {"CLAUSES_REPORT_DAY": "1", "CLAUSES_REPORT_HOUR": "0"}  # this month's run is past
    main = start(database_url, tmp_path, **due)
    main_err: list[str] = []
    main_reader = _collect(main.stderr, main_err)
    _wait_for(lambda: any("Planificateur démarré" in line for line in main_err))
    assert sum(issued_per_buyer(store).values()) == 2  # caught up before starting
    standby = start(database_url, tmp_path, "--standby-interval", "0.2", **due)
    standby_err: list[str] = []
    standby_reader = _collect(standby.stderr, standby_err)
    _wait_for(lambda: any("Un autre planificateur" in line for line in standby_err))
    for process in (standby, main):
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    for process, reader in ((main, main_reader), (standby, standby_reader)):
        reader.join(10)
        process.stdout.close()
        process.stderr.close()
    assert main.returncode == 0, main_err
    main_text, standby_text = "".join(main_err), "".join(standby_err)
    assert "Planificateur démarré : rapports le 1 de chaque mois à 00:00" in main_text
    assert "Planificateur arrêté." in main_text
    assert "Un autre planificateur tourne déjà" in standby_text
    assert "attend qu'il s'arrête pour prendre le relais" in standby_text
    assert issued_per_buyer(store) == Counter(dict.fromkeys(running, 1))


def test_lock_is_exclusive_and_its_loss_is_noticed(world):
    store, _ = world
    first, second = lock_for(store.engine), lock_for(store.engine)
    assert first.try_acquire() and first.still_held()
    assert not second.try_acquire()
    if store.is_postgresql:
        # A PostgreSQL restart (here: its session killed) ends the lock with the session.
        pid = first.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        first.connection.commit()
        with store.engine.connect() as admin:
            admin.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        assert not first.still_held()
        first.lost = True
    first.release()
    assert second.try_acquire() and second.still_held()
    second.release()
