"""Where a market stands against time: the hours expected by today at an even pace."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from clauses_service.web.formatting import PARIS

HUNDREDTH = Decimal("0.01")
ZERO = Decimal("0.00")
EVER = date(1900, 1, 1)


def today() -> date:
    return datetime.now(PARIS).date()


def elapsed_share(start: date, end: date, on: date) -> Decimal:
    """The share (0..1) of the market's duration gone by on ``on``."""
    if on <= start:
        return Decimal(0)
    if on >= end or end <= start:
        return Decimal(1)
    return Decimal((on - start).days) / Decimal((end - start).days)


def standing(required: Decimal, counted: Decimal, start: date, end: date, on: date) -> dict:
    """Rate, expected rate, expected hours by ``on`` and the gap (positive when behind)."""
    share = elapsed_share(start, end, on)
    expected = (required * share).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    rate = None
    if required:
        rate = (counted * 100 / required).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    return {
        "achievement_rate": rate,
        "expected_rate": (share * 100).quantize(HUNDREDTH, rounding=ROUND_HALF_UP),
        "expected_hours": expected,
        "gap_hours": max(ZERO, expected - counted),
        "behind": bool(required) and counted < expected,
    }
