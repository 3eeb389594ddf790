"""SMTP and schedule settings read from the environment (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from clauses_service import mail
from clauses_service.scheduler import (
    SchedulerSettingsError,
    ScheduleSettings,
    due_this_month,
    previous_month,
    settings_from_env,
)


def test_smtp_settings_from_the_environment():
    got = mail.settings_from_env(
        {
            "CLAUSES_SMTP_HOST": "smtp.example.org",
            "CLAUSES_SMTP_PORT": "587",
            "CLAUSES_SMTP_USER": "rapports",
            "CLAUSES_SMTP_PASSWORD": "secret",
            "CLAUSES_SMTP_STARTTLS": "oui",
            "CLAUSES_MAIL_FROM": "clauses@plie.example",
        }
    )
    assert got == mail.SmtpSettings(
        "smtp.example.org", 587, "rapports", "secret", True, "clauses@plie.example", 30.0
    )
    with pytest.raises(mail.MailError, match="Réglage SMTP invalide"):
        mail.settings_from_env({"CLAUSES_SMTP_HOST": "h", "CLAUSES_SMTP_PORT": "vingt-cinq"})


def test_schedule_defaults_and_overrides():
    assert settings_from_env({}) == ScheduleSettings(5, 6, 15, 5)
    assert settings_from_env({"CLAUSES_REPORT_DAY": "1", "CLAUSES_REPORT_HOUR": "23"}) == (
        ScheduleSettings(1, 23, 15, 5)
    )
    with pytest.raises(SchedulerSettingsError, match="CLAUSES_REPORT_DAY doit être un entier"):
        settings_from_env({"CLAUSES_REPORT_DAY": "31"})
    with pytest.raises(SchedulerSettingsError, match="CLAUSES_REPORT_HOUR"):
        settings_from_env({"CLAUSES_REPORT_HOUR": "six"})


def test_last_month_in_paris_time():
    # 31/12/2025 23:30 UTC is already 01/01/2026 in Paris: last month is December.
    assert previous_month(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == date(2025, 12, 1)
    assert previous_month(datetime(2026, 1, 15, 12, 0, tzinfo=UTC)) == date(2025, 12, 1)
    assert previous_month(datetime(2025, 3, 1, 0, 0, tzinfo=UTC)) == date(2025, 2, 1)


def test_due_this_month_from_the_5th_at_6_paris():
    defaults = ScheduleSettings()
    # 05/06/2025 04:00 UTC = 06:00 in Paris (summer time): due; 03:59 UTC: not yet.
    assert due_this_month(datetime(2025, 6, 5, 4, 0, tzinfo=UTC), defaults)
    assert not due_this_month(datetime(2025, 6, 5, 3, 59, tzinfo=UTC), defaults)
    assert not due_this_month(datetime(2025, 6, 4, 23, 0, tzinfo=UTC), defaults)
