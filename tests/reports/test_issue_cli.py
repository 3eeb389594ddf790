"""``clauses report issue`` as an operator runs it, e-mailing to a local SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from events.engine import make_engine
from events.sql_store import SqlEventStore
from projections.queries import reports as queries
from tests.conftest import SQL_BACKENDS
from tests.reports.issue_support import APRIL, build_world
from tests.reports.smtp_support import free_port, start_smtp

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    yield build_world(SqlEventStore(engine), contacts=("suivi@dijon.example",))
    engine.dispose()


def clauses(url, tmp_path, *args, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSES_SMTP")}
    env.update(CLAUSES_DATABASE_URL=url, CLAUSES_VAR_DIR=str(tmp_path), **extra)
    return subprocess.run(
        [sys.executable, "-m", "clauses_service.cli", "report", "issue", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_issue_by_name_mails_it_and_refuses_a_second_time(world, database_url, tmp_path):
    port = free_port()
    smtp = {"CLAUSES_SMTP_HOST": "127.0.0.1", "CLAUSES_SMTP_PORT": str(port)}
    controller, inbox = start_smtp(port)
    try:
        done = clauses(
            database_url, tmp_path, "--buyer", "dijon métropole", "--month", "2025-04", **smtp
        )
    finally:
        controller.stop()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Rapport de 04/2025 émis (position ")
    assert "Rapport envoyé aux contacts du donneur d'ordre." in done.stdout
    [(recipients, message)] = inbox.messages
    assert recipients == ["suivi@dijon.example"]
    assert len(list(message.iter_attachments())) == 2
    with world.store.reading() as conn:
        row = queries.get_issued(conn, world.buyer, APRIL)
    assert (row["issued_by"], row["trigger"], row["delivery_status"]) == ("cli", "MANUAL", "SENT")

    again = clauses(database_url, tmp_path, "--buyer", str(world.buyer), "--month", "2025-04")
    assert again.returncode == 1
    assert again.stderr.startswith("Erreur : Le rapport mensuel de 04/2025 a déjà été émis")


def test_operator_mistakes_are_one_french_line(world, database_url, tmp_path):
    unknown = clauses(database_url, tmp_path, "--buyer", "Nulle Part", "--month", "2025-04")
    assert (unknown.returncode, unknown.stderr.strip()) == (
        1,
        "Erreur : Donneur d'ordre « Nulle Part » introuvable.",
    )
    month = clauses(database_url, tmp_path, "--buyer", "Dijon Métropole", "--month", "04/2025")
    assert month.returncode == 2 and "mois attendu au format AAAA-MM" in month.stderr
    no_mail = clauses(database_url, tmp_path, "--buyer", "Dijon Métropole", "--month", "2025-04")
    assert no_mail.returncode == 0
    assert "CLAUSES_SMTP_HOST non renseigné : rapport non envoyé." in no_mail.stderr
