"""Hours and euros in read tables are integer hundredths: exact sums on every database
(no float, and no Decimal-on-SQLite warning). Convert at the boundary only."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

HUNDREDTH = Decimal("0.01")


def to_cents(value: Decimal | None) -> int | None:
    """Decimal("42437.89") -> 4243789 (half up to the hundredth)."""
    if value is None:
        return None
    return int((value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP) * 100).to_integral_value())


def from_cents(value: int | None) -> Decimal | None:
    """4243789 -> Decimal("42437.89")."""
    if value is None:
        return None
    return (Decimal(int(value)) / 100).quantize(HUNDREDTH)
