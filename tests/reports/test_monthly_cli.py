"""``clauses report monthly`` as an operator runs it (a real subprocess): the file is
written in the format of its extension, ``--as-of`` gives the figures the log held at
that moment, and mistakes are one French line with exit code 1."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from clauses_service.cli import main
from clauses_service.cli_report_monthly import parse_as_of
from events.catalog.contracts import ContractType, Modality
from events.engine import make_engine
from events.sql_store import SqlEventStore
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.conftest import SQL_BACKENDS
from tests.integration.test_cli import clauses
from tests.reports.monthly_world import APRIL, build_monthly_world


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    store = SqlEventStore(engine)
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    yield build_monthly_world(store)
    engine.dispose()


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_monthly_files_and_as_of(world, database_url, tmp_path):
    xlsx = tmp_path / "avril.xlsx"
    run = clauses(
        "report", "monthly", "--buyer", "dijon métropole", "--month", "2024-04", "-o", str(xlsx),
        url=database_url, tmp_path=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == (
        f"Écrit : {xlsx} — Dijon Métropole, 2 marché(s), 868,00 h cumulées"
    )
    book = load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert book.sheetnames == ["Synthèse", "2024-BTP-01", "2024-SRV-02"]
    assert book["Synthèse"]["H8"].value == 868

    # Recorded after ``before``: 10 more hours in April on L1.
    time.sleep(0.05)
    before = datetime.now(UTC)
    time.sleep(0.05)
    contract = world.t.contract(
        world.p1, world.a, world.m1, world.l1, APRIL, ContractType.CDD, Modality.EMBAUCHE_DIRECTE
    )
    world.t.hours(contract, APRIL, "10")

    now_json, then_json = tmp_path / "now.json", tmp_path / "then.json"
    args = ("report", "monthly", "--buyer", str(world.buyer), "--month", "2024-04")
    assert clauses(*args, "-o", str(now_json), url=database_url, tmp_path=tmp_path).returncode == 0
    then = clauses(
        *args, "--as-of", before.isoformat(), "-o", str(then_json),
        url=database_url, tmp_path=tmp_path,
    )  # fmt: skip
    assert then.returncode == 0, then.stderr
    assert "journal au" in then.stdout
    now_report = json.loads(now_json.read_text(encoding="utf-8"))
    then_report = json.loads(then_json.read_text(encoding="utf-8"))
    assert now_report["totals"]["cumulative_hours"] == "878.00"
    assert then_report["totals"]["cumulative_hours"] == "868.00"
    assert then_report["markets"][0]["lots"][0]["cumulative_hours"] == "512.42"
    assert then_report["as_of"]["position"] < world.t.store.head_position()

    pdf = tmp_path / "avril.pdf"
    args = ("report", "monthly", "--buyer", str(world.buyer), "--month", "2024-04", "-o", str(pdf))
    assert clauses(*args, url=database_url, tmp_path=tmp_path).returncode == 0
    assert pdf.read_bytes().startswith(b"%PDF-")


@pytest.fixture
def invoke(database_url, tmp_path, monkeypatch):
    """The command run in-process (same code path as the subprocess, faster)."""
    monkeypatch.setenv("CLAUSES_DATABASE_URL", database_url)
    monkeypatch.setenv("CLAUSES_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["report", "monthly", *args])

    return run


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--buyer", "Nulle Part", "--month", "2024-04"), "Donneur d'ordre introuvable"),
        (("--buyer", "Dijon Métropole", "--month", "04/2024"), "Mois invalide"),
        (("--buyer", "Dijon Métropole", "--month", "2024-04", "--as-of", "hier"), "invalide"),
        (("--buyer", "Dijon Métropole", "--month", "2024-04"), "extensions possibles .xlsx, .pdf"),
    ],
)
def test_mistakes_are_one_french_line(world, invoke, tmp_path, args, message):
    out = tmp_path / ("r.docx" if "extensions" in message else "r.xlsx")
    run = invoke(*args, "-o", str(out))
    assert run.exit_code == 1, run.output
    assert run.output.startswith("Erreur : ") and message in run.output
    assert len(run.output.strip().splitlines()) == 1
    assert not out.exists()


def test_as_of_is_paris_time_unless_said():
    assert parse_as_of("2024-05-10T14:30") == datetime(2024, 5, 10, 12, 30, tzinfo=UTC)
    assert parse_as_of("2024-01-10T14:30:00+00:00") == datetime(2024, 1, 10, 14, 30, tzinfo=UTC)
    # A date alone: the end of that day in Paris (CEST, UTC+2).
    assert parse_as_of("2024-05-10") == datetime(2024, 5, 10, 21, 59, 59, 999999, tzinfo=UTC)
    assert date(2024, 5, 10) == parse_as_of("2024-05-10").date()
