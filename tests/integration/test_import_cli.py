"""``clauses import`` as an operator runs it (a real subprocess), and a crash mid-import:
the process killed (SIGKILL) while it applies a big file leaves nothing of that file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from events.engine import make_engine
from events.schema import events as events_table
from events.sql_store import SqlEventStore
from projections import queries
from tests.conftest import SQL_BACKENDS
from tests.importers.builders import TEMPLATE_HEADERS, good_row, xlsx_bytes
from tests.importers.pipeline_support import SIRET, big_relevé, build_world, many_people

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spreadsheets"


def _env(url: str, tmp_path) -> dict:
    return {**os.environ, "CLAUSES_DATABASE_URL": url, "CLAUSES_VAR_DIR": str(tmp_path / "var")}


def clauses(*args: str, url: str, tmp_path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "clauses_service.cli", *args],
        capture_output=True,
        text=True,
        env=_env(url, tmp_path),
        timeout=timeout,
    )


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    world = build_world(SqlEventStore(engine))
    yield world
    engine.dispose()


def _import_events(store) -> int:
    with store.reading() as conn:
        return conn.execute(
            select(func.count())
            .select_from(events_table)
            .where(events_table.c.stream_type == "import")
        ).scalar_one()


def test_dry_run_then_import_then_the_same_file(world, database_url, tmp_path):
    path = tmp_path / "releve_libreoffice.xlsx"
    path.write_bytes((FIXTURES / "releve_libreoffice.xlsx").read_bytes())
    head = world.t.store.head_position()

    dry = clauses(
        "import", str(path), "--company", SIRET, "--dry-run", url=database_url, tmp_path=tmp_path
    )

    assert dry.returncode == 0, dry.stderr
    assert "  acceptées : 4" in dry.stdout
    assert "  rejetées : 3" in dry.stdout
    assert "Premières lignes rejetées :" in dry.stdout
    assert (
        "  ligne 10 : Mois : « 13/2024 » n'est pas un mois valide ; écrivez par exemple "
        "03/2023 ou mars 2023."
    ) in dry.stdout
    assert "Simulation (--dry-run) : rien n'a été enregistré." in dry.stdout
    assert "Lignes lues : 7" in dry.stderr
    assert world.t.store.head_position() == head

    real = clauses("import", str(path), "--company", SIRET, url=database_url, tmp_path=tmp_path)
    assert real.returncode == 0, real.stderr
    assert "Heures enregistrées : 4 ligne(s), corrigées : 0, inchangées : 0" in real.stdout
    assert "Les lignes rejetées attendent dans la file" in real.stdout
    with world.t.store.reading() as conn:
        imports, total = queries.list_imports(conn)
    assert total == 1
    assert imports[0]["imported_by"].startswith("cli:")

    again = clauses("import", str(path), "--company", SIRET, url=database_url, tmp_path=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Ce fichier a déjà été importé le ")
    assert "rien n'a changé" in again.stdout


def test_refused_files_and_bad_arguments_are_one_french_line(world, database_url, tmp_path):
    empty = tmp_path / "vide.xlsx"
    empty.write_bytes(b"")
    refused = clauses("import", str(empty), url=database_url, tmp_path=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1].startswith("Erreur : Fichier refusé : ")
    assert "Traceback" not in refused.stderr

    missing = clauses("import", str(tmp_path / "absent.xlsx"), url=database_url, tmp_path=tmp_path)
    assert missing.returncode == 1
    assert "Erreur : Fichier introuvable" in missing.stderr

    ok = tmp_path / "releve.xlsx"
    ok.write_bytes(xlsx_bytes([TEMPLATE_HEADERS, good_row()]))
    unknown = clauses(
        "import", str(ok), "--company", "44306184100047", url=database_url, tmp_path=tmp_path
    )
    assert unknown.returncode == 1
    assert "Aucune entreprise enregistrée avec le SIRET « 44306184100047 »" in unknown.stderr


def test_killing_the_process_mid_import_leaves_nothing_of_the_file(world, database_url, tmp_path):
    people = many_people(world.t, 30)
    path = tmp_path / "gros-releve.csv"
    path.write_bytes(big_relevé(people, months=12))  # 30 × 2 lots × 12 months = 720 rows
    head = world.t.store.head_position()
    process = subprocess.Popen(
        [sys.executable, "-m", "clauses_service.cli", "import", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(database_url, tmp_path),
    )
    seen = ""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        seen += line
        if line.startswith("Lignes lues : 500") or not line:
            break
    assert "Lignes lues : 500" in seen, seen
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    assert world.t.store.head_position() == head
    assert _import_events(world.t.store) == 0
    with world.t.store.reading() as conn:
        assert queries.list_imports(conn) == ([], 0)

    rerun = clauses("import", str(path), url=database_url, tmp_path=tmp_path, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "  acceptées : 720" in rerun.stdout
    assert "  rejetées : 0" in rerun.stdout
    assert _import_events(world.t.store) > 0
