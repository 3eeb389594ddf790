"""The ``clauses`` command as an operator runs it (a real subprocess)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from events.catalog.buyers import BuyerKind, BuyerRegistered, BuyerRenamed
from events.engine import make_engine
from events.sql_store import SqlEventStore
from tests.conftest import SQL_BACKENDS


def clauses(*args: str, url: str, tmp_path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLAUSES_DATABASE_URL": url, "CLAUSES_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run(
        [sys.executable, "-m", "clauses_service.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def seed(url: str, count: int) -> None:
    engine = make_engine(url)
    store = SqlEventStore(engine)
    for i in range(count):
        buyer = uuid.uuid4()
        store.append(
            "buyer",
            str(buyer),
            0,
            [
                BuyerRegistered(buyer, f"Commune {i}", BuyerKind.COLLECTIVITE),
                BuyerRenamed(buyer, f"Ville {i}"),
            ],
            metadata={"actor": "ops@example.org"},
        )
    engine.dispose()


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_operator_session(database_url, tmp_path):
    upgrade = clauses("db", "upgrade", url=database_url, tmp_path=tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr
    assert re.search(r"Schéma à jour \(révision \d{4}\)", upgrade.stdout), upgrade.stdout

    seed(database_url, 3)
    tail = clauses("events", "tail", "-n", "2", url=database_url, tmp_path=tmp_path)
    lines = tail.stdout.strip().splitlines()
    assert len(lines) == 2 and "BuyerRenamed v1" in lines[-1] and "ops@example.org" in lines[-1]
    as_json = clauses("events", "tail", "-n", "1", "--json", url=database_url, tmp_path=tmp_path)
    assert json.loads(as_json.stdout)["event_type"] == "BuyerRenamed"

    run = clauses("projections", "run", url=database_url, tmp_path=tmp_path)
    assert "buyers : 6 événement(s) appliqué(s)" in run.stdout
    rebuild = clauses("projections", "rebuild", "buyers", url=database_url, tmp_path=tmp_path)
    assert rebuild.returncode == 0 and "buyers : 6 événement(s) rejoué(s)" in rebuild.stdout
    status = clauses("projections", "status", url=database_url, tmp_path=tmp_path)
    assert "buyers v2 (en ligne) : position 6, à jour" in status.stdout


@pytest.mark.parametrize(
    ("args", "url", "expected"),
    [
        (("events", "tail"), "pas une adresse", "Adresse de base de données invalide"),
        (("events", "tail"), "mysql://u@h/db", "non prise en charge"),
        (("db", "upgrade"), "postgresql://nobody@127.0.0.1:9/none", "injoignable"),
        (("projections", "rebuild", "inconnue"), None, "Projection inconnue « inconnue »"),
    ],
)
def test_bad_input_is_one_french_line_without_traceback(args, url, expected, tmp_path):
    url = url or f"sqlite:///{tmp_path / 'x.db'}"
    result = clauses(*args, url=url, tmp_path=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("Erreur : ") and expected in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_answers_on_its_port(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"sqlite:///{tmp_path / 'served.db'}"
    env = {**os.environ, "CLAUSES_DATABASE_URL": url, "CLAUSES_VAR_DIR": str(tmp_path / "var")}
    server = subprocess.Popen(
        [sys.executable, "-m", "clauses_service.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    health = json.load(r)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert health["status"] == "ok" and re.fullmatch(r"\d{4}", health["schema"])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert "Suivi des clauses sociales d'insertion" in r.read().decode()
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()
