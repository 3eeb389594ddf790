"""Issued reports: pure decisions and the rectificatif diff (no database)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from clauses_service.domain import reports
from clauses_service.domain.errors import NotFound
from clauses_service.reports.rectificatif import Change, diff_reports, display
from events.catalog.reports import (
    IssueTrigger,
    MonthlyReportIssued,
    ReportDeliveryFailed,
    ReportDeliverySucceeded,
    monthly_report_id,
)

BUYER = uuid.UUID("11111111-1111-4111-8111-111111111111")
REPORT = monthly_report_id(BUYER, date(2025, 4, 1))


def issued_state():
    return reports.fold(
        [
            MonthlyReportIssued(
                REPORT, BUYER, date(2025, 4, 1), 42, "ab" * 32, "f", IssueTrigger.MANUAL
            )
        ]
    )


def test_report_id_is_one_per_buyer_and_month():
    assert monthly_report_id(BUYER, date(2025, 4, 30)) == REPORT
    assert monthly_report_id(str(BUYER), date(2025, 4, 1)) == REPORT
    assert monthly_report_id(BUYER, date(2025, 5, 1)) != REPORT
    assert REPORT.version == 5


def test_issue_once_then_refused():
    new = reports.issue(
        reports.IssuedReport(), REPORT, BUYER, date(2025, 4, 17), 42, "ab" * 32, "f", "SCHEDULER"
    )
    assert new == [
        MonthlyReportIssued(
            REPORT, BUYER, date(2025, 4, 1), 42, "ab" * 32, "f", IssueTrigger.SCHEDULER
        )
    ]
    with pytest.raises(reports.ReportAlreadyIssued, match=r"^Le rapport mensuel de 04/2025"):
        reports.issue(issued_state(), REPORT, BUYER, date(2025, 4, 1), 43, "cd" * 32, "g", "MANUAL")


def test_delivery_attempts_are_numbered():
    state = issued_state()
    [failed] = reports.record_delivery(state, ("a@b.fr",), "x" * 600)
    assert failed == ReportDeliveryFailed(REPORT, 1, ("a@b.fr",), "x" * 500)
    state = reports.evolve(state, failed)
    assert reports.record_delivery(state, ("a@b.fr",), None) == [
        ReportDeliverySucceeded(REPORT, 2, ("a@b.fr",))
    ]
    with pytest.raises(NotFound):
        reports.record_delivery(reports.IssuedReport(), ("a@b.fr",), None)


def _report(lot_hours: str, extra_lot: bool = False) -> dict:
    lots = [
        {"id": "L1", "number": "1", "title": "Gros œuvre", "cumulative_hours": Decimal(lot_hours)}
    ]
    if extra_lot:
        lots.append(
            {"id": "L2", "number": "2", "title": "Voirie", "cumulative_hours": Decimal("5")}
        )
    return {
        "kind": "monthly",
        "month": date(2025, 4, 1),
        "markets": [
            {"id": "M1", "reference": "2024-BTP-01", "behind_schedule": True, "lots": lots}
        ],
        "public": {"women": {"label": "Femmes", "people": 1}},
    }


def test_diff_names_market_lot_indicator_and_both_values():
    assert diff_reports(_report("220.00"), _report("220.0")) == []
    assert diff_reports(_report("220.00"), _report("190.00", extra_lot=True)) == [
        Change("Marché 2024-BTP-01 — lot 1 (Gros œuvre)", "Heures cumulées", "220.00", "190.00"),
        Change("Marché 2024-BTP-01 — lot 2 (Voirie)", "Heures cumulées", None, "5"),
    ]


def test_display_in_french():
    assert [display(v) for v in ("1234.5", 1234, True, False, None, "2025-04-01", "texte")] == [
        "1\u202f234,50",
        "1\u202f234",
        "oui",
        "non",
        "—",
        "01/04/2025",
        "texte",
    ]
