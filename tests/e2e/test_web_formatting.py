"""French display filters and the progress chart (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from clauses_service.web.charts import months_between, progress_svg
from clauses_service.web.formatting import (
    date_fr,
    datetime_fr,
    hours_fr,
    month_fr,
    number_fr,
    percent_fr,
)
from clauses_service.web.schedule import elapsed_share, standing

NN = "\u202f"  # narrow no-break space between thousands
NB = "\u00a0"  # no-break space before the unit


def test_hours_have_a_decimal_comma_and_narrow_spaces():
    assert hours_fr(Decimal("42437.889")) == f"42{NN}437,89{NB}h"
    assert hours_fr(Decimal("0")) == f"0,00{NB}h"
    assert hours_fr(Decimal("1234567.5"), unit=False) == f"1{NN}234{NN}567,50"
    assert hours_fr(None) == "—"
    assert number_fr("12.345", 0) == "12"


def test_percentages_and_dates():
    assert percent_fr(Decimal("85.456")) == f"85,5{NB}%"
    assert percent_fr(Decimal("100")) == f"100,0{NB}%"
    assert percent_fr(None) == "—"
    assert date_fr(date(2025, 3, 5)) == "05/03/2025"
    assert date_fr(None) == ""
    assert date_fr("2024-12-31") == "31/12/2024"
    # Datetimes are shown in Paris time: 23:30 UTC on 31/12 is already 01/01 in Paris.
    assert date_fr(datetime(2024, 12, 31, 23, 30, tzinfo=UTC)) == "01/01/2025"
    assert datetime_fr(datetime(2025, 7, 1, 12, 5, tzinfo=UTC)) == "01/07/2025 à 14:05"
    assert month_fr(date(2025, 2, 14)) == "février 2025"
    assert month_fr(date(2025, 8, 1), short=True) == "août 25"


def test_schedule_standing_against_elapsed_time():
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    assert elapsed_share(start, end, date(2024, 6, 1)) == 0
    assert elapsed_share(start, end, date(2026, 1, 1)) == 1
    half = standing(Decimal("1000"), Decimal("300"), start, end, date(2025, 7, 2))
    assert half["expected_hours"] == Decimal("500.00")
    assert half["gap_hours"] == Decimal("200.00") and half["behind"] is True
    assert half["achievement_rate"] == Decimal("30.00")
    ahead = standing(Decimal("1000"), Decimal("600"), start, end, date(2025, 7, 2))
    assert ahead["behind"] is False and ahead["gap_hours"] == 0
    assert standing(Decimal("0"), Decimal("5"), start, end, date(2025, 7, 2))["behind"] is False


def test_progress_chart_is_an_accessible_svg_with_both_lines():
    months = [
        {"month": date(2025, 2, 1), "cumulative_hours": Decimal("120")},
        {"month": date(2025, 4, 1), "cumulative_hours": Decimal("300.5")},
    ]
    svg = str(
        progress_svg(
            months,
            Decimal("1000"),
            date(2025, 1, 1),
            date(2025, 12, 31),
            date(2025, 5, 10),
            title="Marché <2025>",
        )
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and '<title id="chart-title">Marché &lt;2025&gt;</title>' in svg
    assert 'class="required"' in svg and 'class="pace"' in svg and 'class="today"' in svg
    # Jan (0) to Apr (300.5): one point per month up to the last month with hours.
    achieved = svg.split('class="achieved" points="')[1].split('"')[0].split()
    assert len(achieved) == 4
    assert svg.count("<circle") == 2
    assert f"avril 2025 : 300,50{NB}h" in svg
    assert f"Heures prévues : 1{NN}000,00{NB}h" in svg
    assert len(months_between(date(2025, 1, 15), date(2025, 12, 1))) == 12
