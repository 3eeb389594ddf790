"""The monthly report's arithmetic on cents: months elapsed, pro-rata, projection, rate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from clauses_service.reports import pace

START, END = date(2024, 1, 15), date(2025, 12, 10)  # 24 months, whatever the days


def test_months_of_a_market():
    assert pace.total_months(START, END) == 24
    assert pace.elapsed_months(START, END, date(2023, 12, 1)) == 0
    assert pace.elapsed_months(START, END, date(2024, 1, 1)) == 1
    assert pace.elapsed_months(START, END, date(2024, 4, 1)) == 4
    assert pace.elapsed_months(START, END, date(2027, 1, 1)) == 24
    assert pace.month_end(date(2024, 2, 10)) == date(2024, 2, 29)
    assert pace.month_end(date(2024, 12, 3)) == date(2024, 12, 31)


def test_pro_rata_and_projection_round_half_up():
    assert pace.expected_cents(100_000, 4, 24) == 16_667  # 166,666… → 166,67
    assert pace.expected_cents(5, 1, 2) == 3  # 2,5 cents → 3
    assert pace.projected_cents(51_242, 4, 24) == 307_452
    assert pace.projected_cents(1, 2, 3) == 2  # 1,5 → 2
    assert pace.projected_cents(700, 0, 24) == 700  # not started: nothing to extrapolate
    assert pace.projected_cents(700, 24, 24) == 700  # over: the projection is the result


def test_rate_and_behind():
    assert pace.rate(21_033, 90_000) == Decimal("23.37")
    assert pace.rate(5, 0) is None
    assert pace.rate(200, 100) == Decimal("200.00")  # beyond target is reported
    assert pace.behind(29_999, 90_000, 4, 12) is True
    assert pace.behind(30_000, 90_000, 4, 12) is False  # exactly on the pro-rata
    assert pace.behind(0, 0, 4, 12) is False  # nothing required
    assert pace.behind(0, 90_000, 0, 12) is False  # not started
