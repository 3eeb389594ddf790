"""Pure arithmetic of the monthly report, on integer hundredths of an hour (cents).

A market runs over whole months: from the month of its start date to the month of its
end date, both counted (``total_months``). At a report month, ``elapsed_months`` of
them have gone by (the report month included, at most ``total_months``, 0 before the
start). The pace is the cumulative hours divided by the elapsed months.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

HUNDREDTH = Decimal("0.01")


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    """The last day of ``month``'s month."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def total_months(start: date, end: date) -> int:
    """Months from the start date's month to the end date's month, both included."""
    return max(1, month_index(end) - month_index(start) + 1)


def elapsed_months(start: date, end: date, month: date) -> int:
    """Months of the market gone by at the end of ``month`` (0 before its start month)."""
    gone = month_index(month) - month_index(start) + 1
    return max(0, min(gone, total_months(start, end)))


def _half_up(numerator: int, denominator: int) -> int:
    return int((Decimal(numerator) / Decimal(denominator)).to_integral_value(ROUND_HALF_UP))


def expected_cents(required: int, elapsed: int, total: int) -> int:
    """The pro-rata of the required hours for the elapsed months (half up to the cent)."""
    return _half_up(required * elapsed, total)


def projected_cents(cumulative: int, elapsed: int, total: int) -> int:
    """Hours at the end date if the pace so far goes on: cumulative × total ÷ elapsed.

    Before the start (nothing elapsed) and once every month has gone by, the projection
    is the cumulative itself.
    """
    if elapsed <= 0 or elapsed >= total:
        return cumulative
    return _half_up(cumulative * total, elapsed)


def rate(done: int, required: int) -> Decimal | None:
    """Achievement in percent with 2 decimals (None when nothing is required)."""
    if not required:
        return None
    return (Decimal(done) * 100 / Decimal(required)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def behind(cumulative: int, required: int, elapsed: int, total: int) -> bool:
    """Behind schedule: something is required, the market has started, and the
    cumulative hours are below the pro-rata of the elapsed months."""
    if not required or elapsed <= 0:
        return False
    return cumulative < expected_cents(required, elapsed, total)
