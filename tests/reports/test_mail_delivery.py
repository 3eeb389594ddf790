"""E-mail delivery of issued reports to a real SMTP server the test starts on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from clauses_service import mail
from clauses_service.reports.issued import issue_report
from clauses_service.scheduler import ScheduleSettings, run_job
from projections.queries import reports as queries
from tests.conftest import SQL_BACKENDS
from tests.reports.issue_support import APRIL, build_world
from tests.reports.smtp_support import free_port, start_smtp

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
CONTACTS = ("suivi.clauses@dijon.example", "achats@dijon.example")
JUNE = datetime(2025, 6, 5, 8, 0, tzinfo=UTC)  # the scheduler's May run (hours up to April)


@pytest.fixture
def world(make_store):
    return build_world(make_store(), contacts=CONTACTS)


@pytest.fixture
def smtp_port():
    return free_port()


def settings(port) -> mail.SmtpSettings:
    return mail.settings_from_env(
        {
            "CLAUSES_SMTP_HOST": "127.0.0.1",
            "CLAUSES_SMTP_PORT": str(port),
            "CLAUSES_MAIL_FROM": "rapports@plie.example",
            "CLAUSES_SMTP_TIMEOUT": "5",
        }
    )


def row(world):
    with world.store.reading() as conn:
        return queries.get_issued(conn, world.buyer, APRIL)


def test_issued_report_mailed_with_xlsx_and_pdf(world, smtp_port, tmp_path):
    controller, inbox = start_smtp(smtp_port)
    try:
        _, report = issue_report(world.store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
        assert mail.deliver(world.store, row(world), settings(smtp_port), report) is True
    finally:
        controller.stop()
    [(recipients, message)] = inbox.messages
    assert recipients == list(CONTACTS)
    assert message["Subject"] == (
        "Rapport mensuel des clauses d'insertion — Dijon Métropole — avril 2025"
    )
    assert message["From"] == "rapports@plie.example"
    body = message.get_body(("plain",)).get_content()
    assert "Heures réalisées dans le mois : 120,00\u00a0h" in body
    assert "Heures cumulées : 220,00\u00a0h sur 1\u202f000,00\u00a0h requises" in body
    files = {part.get_filename(): part for part in message.iter_attachments()}
    xlsx_name = "rapport-mensuel-dijon-metropole-2025-04.xlsx"
    assert set(files) == {xlsx_name, "rapport-mensuel-dijon-metropole-2025-04.pdf"}
    pdf = files["rapport-mensuel-dijon-metropole-2025-04.pdf"].get_content()
    assert pdf.startswith(b"%PDF-")
    (tmp_path / "r.xlsx").write_bytes(files[xlsx_name].get_content())
    assert len(load_workbook(tmp_path / "r.xlsx").sheetnames) >= 2  # summary + the market
    sent = row(world)
    assert (sent["delivery_status"], sent["attempts"], sent["last_error"]) == ("SENT", 1, None)
    with world.store.reading() as conn:
        [attempt] = queries.deliveries(conn, sent["report_id"])
    assert attempt["succeeded"] is True and attempt["recipients"] == list(CONTACTS)


def test_failed_delivery_recorded_then_retried_by_the_scheduler(world, smtp_port):
    quiet = ScheduleSettings(max_attempts=3)
    # The May run issues April's report; nothing listens on the port: the delivery fails.
    first = run_job(world.store, now=JUNE, settings=quiet, smtp=settings(smtp_port), month=APRIL)
    assert (first.issued, first.sent, first.failed) == ([str(world.buyer)], 0, 1)
    failed = row(world)
    assert (failed["delivery_status"], failed["attempts"]) == ("FAILED", 1)
    assert failed["last_error"].startswith(f"Envoi impossible par 127.0.0.1:{smtp_port} : ")
    with world.store.reading() as conn:
        assert [r["report_id"] for r in queries.failed_deliveries(conn)] == [failed["report_id"]]

    controller, inbox = start_smtp(smtp_port)
    try:
        again = run_job(
            world.store, now=JUNE, settings=quiet, smtp=settings(smtp_port), issue=False
        )
    finally:
        controller.stop()
    assert (again.sent, again.failed, again.issued) == (1, 0, [])
    assert len(inbox.messages) == 1
    sent = row(world)
    assert (sent["delivery_status"], sent["attempts"], sent["last_error"]) == ("SENT", 2, None)
    with world.store.reading() as conn:
        attempts = queries.deliveries(conn, sent["report_id"])
        assert queries.failed_deliveries(conn) == []
    assert [(a["attempt"], a["succeeded"]) for a in attempts] == [(1, False), (2, True)]


def test_no_more_attempts_than_allowed(world, smtp_port):
    once = ScheduleSettings(max_attempts=2)
    run_job(world.store, now=JUNE, settings=once, smtp=settings(smtp_port), month=APRIL)
    for _ in range(3):
        run_job(world.store, now=JUNE, settings=once, smtp=settings(smtp_port), issue=False)
    assert row(world)["attempts"] == 2


def test_no_smtp_host_means_no_attempt(world):
    assert mail.settings_from_env({"CLAUSES_SMTP_HOST": ""}) is None
    summary = run_job(world.store, now=JUNE, smtp=None, month=APRIL)
    assert summary.issued == [str(world.buyer)]
    assert row(world)["delivery_status"] == "PENDING"
