"""Issuing a monthly report, downloading it after a correction, and its rectificatif.

Figures by hand (see issue_support): lot 1 000 h, 16 of 36 months elapsed at 04/2025.
Issued: month 120 h, cumulative 220 h, rate 22,00 %, remaining 780 h, expected
1 000 × 16 ÷ 36 = 444,44 h (behind), projection 220 × 36 ÷ 16 = 495,00 h.
April corrected to 90 h: month 90 h, cumulative 190 h, rate 19,00 %, remaining 810 h,
projection 190 × 36 ÷ 16 = 427,50 h.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

import pytest

from clauses_service.domain.errors import RuleViolation
from clauses_service.domain.reports import ReportAlreadyIssued
from clauses_service.reports.issued import (
    IssuedReportMismatch,
    canonical_json,
    current_report,
    issue_report,
    recompute_issued,
    rectificatif,
    replay_issued,
)
from clauses_service.reports.jsonable import to_jsonable
from events.catalog.reports import IssueTrigger, MonthlyReportIssued, monthly_report_id
from projections.queries import reports as queries
from tests.conftest import SQL_BACKENDS
from tests.reports.issue_support import APRIL, build_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
D = Decimal
LOT = "Marché 2024-BTP-01 — lot 1 (Lot 1)"
MARKET = "Marché 2024-BTP-01"


@pytest.fixture
def world(make_store):
    return build_world(make_store())


def issued_row(world):
    with world.store.reading() as conn:
        return queries.get_issued(conn, world.buyer, APRIL)


def test_issue_records_position_and_hash_of_the_canonical_json(world):
    head = world.store.head_position()
    result, report = issue_report(world.store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
    lot = report["markets"][0]["lots"][0]
    assert (lot["month_hours"], lot["cumulative_hours"]) == (D("120.00"), D("220.00"))
    digest = hashlib.sha256(
        json.dumps(
            to_jsonable(report), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    ).hexdigest()
    assert canonical_json(report).startswith(b'{"buyer":')
    assert result["content_sha256"] == digest and result["position"] == head
    stream = world.store.read_stream(str(monthly_report_id(world.buyer, APRIL)))
    assert [r.event for r in stream] == [
        MonthlyReportIssued(
            monthly_report_id(world.buyer, APRIL),
            world.buyer,
            APRIL,
            head,
            digest,
            "facilitatrice",
            IssueTrigger.MANUAL,
        )
    ]
    row = issued_row(world)
    assert (row["position"], row["content_sha256"], row["delivery_status"]) == (
        head,
        digest,
        "PENDING",
    )
    assert row["buyer_name"] == "Dijon Métropole" and row["attempts"] == 0


def test_issuing_twice_is_refused_with_a_named_error(world):
    issue_report(world.store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
    head = world.store.head_position()
    with pytest.raises(ReportAlreadyIssued) as refused:
        issue_report(world.store, world.buyer, date(2025, 4, 20), "autre", now=world.t.now)
    assert refused.value.message.startswith("Le rapport mensuel de 04/2025 a déjà été émis")
    assert refused.value.status == 409
    assert world.store.head_position() == head


def test_an_unfinished_month_is_not_issued(world):
    with pytest.raises(RuleViolation, match="Le mois 06/2025 n'est pas terminé"):
        issue_report(world.store, world.buyer, date(2025, 6, 1), "facilitatrice", now=world.t.now)


def test_download_after_a_correction_gives_the_issued_figures_and_hash(world):
    result, issued = issue_report(world.store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
    world.t.correct(world.contract, APRIL, "90")
    again = recompute_issued(world.store, issued_row(world))
    assert again == issued
    assert replay_issued(world.store, issued_row(world)) == issued  # the replay itself
    assert recompute_issued(world.store, issued_row(world)) == issued  # cached since
    assert hashlib.sha256(canonical_json(again)).hexdigest() == result["content_sha256"]
    now = current_report(world.store, world.buyer, APRIL)
    assert now["markets"][0]["lots"][0]["month_hours"] == D("90.00")


def test_rectificatif_lists_exactly_the_changed_lines(world):
    issue_report(world.store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
    world.t.correct(world.contract, APRIL, "90")
    _, _, changes = rectificatif(world.store, issued_row(world))
    figures = [
        ("Heures du mois", "120.00", "90.00"),
        ("Heures cumulées", "220.00", "190.00"),
        ("Taux de réalisation (%)", "22.00", "19.00"),
        ("Heures restantes", "780.00", "810.00"),
        ("Projection à l'échéance", "495.00", "427.50"),
    ]
    two = [("Heures", "220.00", "190.00"), ("Heures du mois", "120.00", "90.00")]
    expected = (
        [(MARKET, *line) for line in figures]
        + [
            (f"{MARKET} — mois 04/2025", "Heures du mois", "120.00", "90.00"),
            (f"{MARKET} — mois 04/2025", "Heures cumulées", "220.00", "190.00"),
        ]
        + [(LOT, *line) for line in figures]
        + [("Ensemble des marchés", *line) for line in figures]
        + [("Répartition par type de contrat — CDDI (CDD d'insertion)", *x) for x in two]
        + [("Répartition par modalité — Sous-traitance ou co-traitance", *x) for x in two]
        + [("Répartition par nature d'employeur — Entreprise", *x) for x in two]
        + [("Répartition par secteur — Travaux (BTP)", *x) for x in two]
        + [("Publics — Femmes", *x) for x in two]
    )
    assert [(c.scope, c.indicator, c.issued, c.current) for c in changes] == expected


def test_no_change_no_rectificatif(world):
    _, issued = issue_report(world.store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
    world.t.hours(world.contract, date(2025, 5, 1), "50")  # a later month: not in April's
    assert rectificatif(world.store, issued_row(world))[2] == []
    # The log moved on, April's figures did not: the replay gives them too.
    assert replay_issued(world.store, issued_row(world)) == issued


def _kept_rows(world):
    from sqlalchemy import select

    from events.schema import issued_report_contents as kept

    with world.store.reading() as conn:
        return conn.execute(select(kept.c.report_id, kept.c.content_sha256)).all()


def _forget_kept(world, content=None):
    """Drop (or, with ``content``, overwrite) the kept copies, and the process cache."""
    from sqlalchemy import delete, update

    from clauses_service.reports import issued as issued_module
    from events.schema import issued_report_contents as kept

    with world.store.engine.begin() as conn:
        if content is None:
            conn.execute(delete(kept))
        else:
            conn.execute(update(kept).values(content=content))
    issued_module._cache.clear()


def test_the_issuing_transaction_keeps_the_report_as_issued(world, monkeypatch):
    from clauses_service.reports import issued as issued_module

    issued_module._cache.clear()
    result, issued = issue_report(world.store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
    assert [tuple(r) for r in _kept_rows(world)] == [
        (str(monthly_report_id(world.buyer, APRIL)), result["content_sha256"])
    ]
    world.t.correct(world.contract, APRIL, "90")

    def no_replay(*_args):
        raise AssertionError("the kept copy should have been used")

    monkeypatch.setattr(issued_module, "replay_issued", no_replay)
    again = recompute_issued(world.store, issued_row(world))
    assert again == issued
    assert type(again["markets"][0]["lots"][0]["month_hours"]) is Decimal
    assert hashlib.sha256(canonical_json(again)).hexdigest() == result["content_sha256"]


def test_a_kept_copy_that_does_not_hash_is_ignored_and_the_log_replayed(world, caplog):
    from clauses_service.reports import snapshots

    _, issued = issue_report(world.store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
    world.t.correct(world.contract, APRIL, "90")
    forged = dict(issued, month=date(2025, 3, 1))
    _forget_kept(world, content=snapshots.encode(forged))
    assert recompute_issued(world.store, issued_row(world)) == issued
    assert "does not hash to its issued value" in caplog.text


def test_a_report_issued_before_reports_were_kept_is_replayed_once_then_kept(world):
    result, issued = issue_report(world.store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
    world.t.correct(world.contract, APRIL, "90")
    _forget_kept(world)
    assert _kept_rows(world) == []
    assert recompute_issued(world.store, issued_row(world)) == issued  # by replay
    assert [r.content_sha256 for r in _kept_rows(world)] == [result["content_sha256"]]


def test_an_erasure_since_issue_leaves_the_kept_report_as_issued(world):
    _, issued = issue_report(world.store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
    world.t.erase(world.person)  # her sex is forgotten: she no longer counts as a woman
    assert recompute_issued(world.store, issued_row(world)) == issued
    now = current_report(world.store, world.buyer, APRIL)
    assert now != issued  # the figures computed now did change


def test_figures_that_no_longer_reproduce_are_an_error_never_other_figures(world, caplog):
    issue_report(world.store, world.buyer, APRIL, "facilitatrice", now=world.t.now)
    world.t.erase(world.person)  # her sex is forgotten: she no longer counts as a woman
    _forget_kept(world)  # and no kept copy: only the log is left
    with pytest.raises(IssuedReportMismatch) as refused:
        recompute_issued(world.store, issued_row(world))
    assert refused.value.message == (
        "Le rapport émis pour 04/2025 ne peut pas être reproduit à l'identique : "
        "des données personnelles ont été effacées depuis l'émission."
    )
    assert refused.value.status == 409
    assert "does not reproduce" in caplog.text and "personal data erased since" in caplog.text
