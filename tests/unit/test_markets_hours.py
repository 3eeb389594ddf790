"""Required hours of a lot: amount × labour share × insertion rate ÷ hourly cost."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import example, given
from hypothesis import strategies as st

from clauses_service.domain.markets import computed_hours


def test_the_domain_example_one_million_at_50_and_5_percent_and_30_an_hour():
    assert computed_hours(
        Decimal("1000000"), Decimal("0.5"), Decimal("0.05"), Decimal("30")
    ) == Decimal("833.33")


def test_half_a_hundredth_rounds_up():
    # 1 × 1 × 1 ÷ 8 = 0.125 -> 0.13 (half up, not half even)
    assert computed_hours(Decimal("1"), Decimal("1"), Decimal("1"), Decimal("8")) == Decimal("0.13")


def exact_half_up(numerator: Fraction) -> Decimal:
    """Round an exact rational to the hundredth, half up, without Decimal arithmetic."""
    hundredths = numerator * 100
    whole, remainder = divmod(hundredths.numerator, hundredths.denominator)
    if 2 * remainder >= hundredths.denominator:
        whole += 1
    return Decimal(whole).scaleb(-2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _small(*values: str):
    return st.sampled_from([Decimal(v) for v in values])


# Random figures, mixed with halves and powers of two so that exact halves of a hundredth
# (where half up and half even differ) come up often.
amounts = st.decimals(min_value="0.01", max_value="100000000", places=2)
fractions = st.one_of(
    st.decimals(min_value="0.0001", max_value="1", places=4), _small("1", "0.5", "0.25")
)
costs = st.one_of(
    st.decimals(min_value="0.01", max_value="500", places=2), _small("1", "2", "4", "8")
)


@example(Decimal("0.01"), Decimal("0.5"), Decimal("1"), Decimal("1"))  # 0.005 -> 0.01
@given(amounts, fractions, fractions, costs)
def test_computed_hours_is_the_exact_quotient_rounded_half_up(amount, share, rate, cost):
    exact = Fraction(amount) * Fraction(share) * Fraction(rate) / Fraction(cost)
    assert computed_hours(amount, share, rate, cost) == exact_half_up(exact)
