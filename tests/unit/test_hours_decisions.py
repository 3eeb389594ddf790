"""Monthly hours: given a contract's events, when hours are recorded, corrected or
withdrawn, then the events (with counted hours and warnings) or a French error."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from clauses_service.domain import contracts
from clauses_service.domain.errors import NotFound, RuleViolation
from events.catalog.contracts import (
    ContractEnded,
    ContractEndReason,
    ContractStarted,
    ContractType,
    HoursCorrected,
    HoursRecorded,
    HoursWithdrawn,
    Modality,
)
from events.catalog.markets import CountingRules

CONTRACT = uuid.uuid4()
RULES = CountingRules()
D = Decimal


def contract(
    start=date(2024, 3, 15), planned_end=date(2024, 12, 31), kind=ContractType.CDDI, *events
):
    started = ContractStarted(
        CONTRACT,
        uuid.uuid4(),
        uuid.uuid4(),
        "73282932000074",
        None,
        None,
        uuid.uuid4(),
        uuid.uuid4(),
        kind,
        Modality.SOUS_TRAITANCE,
        start,
        planned_end,
        None,
    )
    return contracts.fold([started, *events])


def record(state=None, month=date(2024, 4, 10), hours="100", training="0", rules=RULES, **kw):
    state = state if state is not None else contract()
    return contracts.record_hours(state, rules, month, D(hours), D(training), **kw)


def record_error(**kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        record(**kwargs)
    return caught.value


def line(month, hours, training="0", counted=None):
    return HoursRecorded(CONTRACT, month, D(hours), D(training), D(counted or hours))


# ---- recording ------------------------------------------------------------------------
def test_record_normalises_the_month_and_quantises_half_up():
    [event], warnings = record(month=date(2024, 4, 17), hours="120.125", training="10.005")
    assert event == HoursRecorded(
        CONTRACT, date(2024, 4, 1), D("120.13"), D("10.01"), D("120.13"), ()
    )
    assert warnings == []


def test_the_same_amount_is_one_object_and_a_signed_zero_stays_signed():
    # A whole-file import keeps every row's amounts until commit: one object per value.
    [first], _ = record(hours="35", training="0")
    [second], _ = record(month=date(2024, 5, 1), hours="35.000", training="0.004")
    assert first.hours is second.hours and str(second.hours) == "35.00"
    assert first.training_hours is second.training_hours
    [zero], _ = record(hours="10", training="-0.001")  # rounds to -0.00: not negative
    assert str(zero.training_hours) == "-0.00"


def test_the_start_month_overlaps_even_before_the_start_day():
    [event], _ = record(month=date(2024, 3, 1), hours="40")
    assert event.month == date(2024, 3, 1)


@pytest.mark.parametrize(
    ("hours", "training", "field", "words"),
    [
        ("-1", "0", "hours", "ne peuvent pas être négatives"),
        ("10", "-0.5", "training_hours", "ne peuvent pas être négatives"),
        ("10", "10.01", "training_hours", "(10,01 h)"),
        ("NaN", "0", "hours", "n'est pas un nombre"),
    ],
)
def test_amounts_are_checked(hours, training, field, words):
    error = record_error(hours=hours, training=training)
    assert error.field == field
    assert words in error.message


def test_training_equal_to_hours_is_accepted():
    [event], _ = record(hours="35", training="35")
    assert event.training_hours == event.hours == D("35.00")


def test_month_before_the_start_is_refused():
    error = record_error(month=date(2024, 2, 1))
    assert error.field == "month"
    assert "février 2024 précède le début du contrat (15/03/2024)" in error.message


def test_month_after_the_planned_end_suggests_an_extension():
    error = record_error(month=date(2025, 1, 1))
    assert error.field == "month"
    assert "fin prévue du contrat (31/12/2024)" in error.message
    assert "prolongez" in error.message


def test_month_after_the_end_date_is_refused():
    ended = contract(
        date(2024, 3, 15),
        date(2024, 12, 31),
        ContractType.CDDI,
        ContractEnded(CONTRACT, date(2024, 6, 10), ContractEndReason.DEMISSION),
    )
    assert record(state=ended, month=date(2024, 6, 1))[0]
    error = record_error(state=ended, month=date(2024, 7, 1))
    assert (error.field, "fin du contrat (10/06/2024)" in error.message) == ("month", True)


def test_open_ended_contract_takes_any_later_month():
    [event], _ = record(state=contract(planned_end=None), month=date(2030, 1, 1))
    assert event.month == date(2030, 1, 1)


def test_a_month_already_recorded_calls_for_a_correction():
    state = contract(date(2024, 3, 15), None, ContractType.CDDI, line(date(2024, 4, 1), "80"))
    error = record_error(state=state, month=date(2024, 4, 20))
    assert error.field == "month"
    assert "déjà enregistrées" in error.message and "(80,00 h)" in error.message
    assert "correction" in error.message


def test_a_withdrawn_month_can_be_recorded_again():
    state = contract(
        date(2024, 3, 15),
        None,
        ContractType.CDDI,
        line(date(2024, 4, 1), "80"),
        HoursWithdrawn(CONTRACT, date(2024, 4, 1), "erreur"),
    )
    [event], _ = record(state=state, hours="60")
    assert event.hours == D("60.00")
    assert contracts.evolve(state, event).counted_total == D("60.00")


def test_unknown_contract_is_not_found():
    with pytest.raises(NotFound) as caught:
        record(state=contracts.Contract())
    assert caught.value.field == "contract_id"


# ---- counting rules -------------------------------------------------------------------
def test_training_hours_count_by_default():
    [event], _ = record(hours="100", training="30")
    assert event.counted_hours == D("100.00")


def test_training_hours_excluded_when_the_market_says_so():
    rules = CountingRules(training_hours_count=False)
    [event], warnings = record(hours="100", training="30.5", rules=rules)
    assert (event.hours, event.training_hours, event.counted_hours) == (
        D("100.00"),
        D("30.50"),
        D("69.50"),
    )
    assert warnings == []


def test_cdi_months_after_the_window_are_kept_but_not_counted():
    cdi = contract(date(2024, 1, 15), None, ContractType.CDI)
    rules = CountingRules(cdi_counted_months=12)
    # The window runs to 15/01/2025: January 2025 begins inside it and counts in full.
    [january], warnings = record(state=cdi, month=date(2025, 1, 1), rules=rules)
    assert (january.counted_hours, warnings) == (D("100.00"), [])
    [february], warnings = record(state=cdi, month=date(2025, 2, 1), rules=rules)
    assert (february.hours, february.counted_hours) == (D("100.00"), D("0.00"))
    assert len(warnings) == 1
    assert "CDI : seuls les 12 premiers mois comptent" in warnings[0]
    assert "février 2025" in warnings[0] and "15/01/2025" in warnings[0]
    assert february.warnings == tuple(warnings)


def test_cdi_starting_on_the_first_counts_exactly_n_calendar_months():
    cdi = contract(date(2024, 1, 1), None, ContractType.CDI)
    rules = CountingRules(cdi_counted_months=6)
    assert record(state=cdi, month=date(2024, 6, 1), rules=rules)[0][0].counted_hours == D("100")
    assert record(state=cdi, month=date(2024, 7, 1), rules=rules)[0][0].counted_hours == D("0")


def test_non_cdi_contracts_are_not_capped():
    cdd = contract(date(2024, 1, 1), None, ContractType.CDD)
    rules = CountingRules(cdi_counted_months=6)
    [event], _ = record(state=cdd, month=date(2025, 7, 1), rules=rules)
    assert event.counted_hours == D("100.00")


# ---- monthly thresholds ---------------------------------------------------------------
def test_exactly_full_time_is_not_flagged():
    [event], warnings = record(hours="100", others_total=D("51.67"))
    assert (warnings, event.warnings) == ([], ())


def test_above_full_time_across_contracts_warns():
    [event], warnings = record(hours="100", others_total=D("51.68"))
    assert len(warnings) == 1
    assert "151,68 h en avril 2024 (tous contrats confondus)" in warnings[0]
    assert "151,67 h" in warnings[0]
    assert event.warnings == tuple(warnings)
    assert event.counted_hours == D("100.00")  # a warning never changes what counts


def test_above_full_time_on_one_contract_says_so():
    _, warnings = record(hours="160")
    assert "(sur ce contrat)" in warnings[0]


def test_exactly_the_refusal_threshold_is_accepted_with_a_warning():
    [event], warnings = record(hours="120", others_total=D("80"))
    assert event.hours == D("120.00") and len(warnings) == 1


def test_above_the_refusal_threshold_is_refused_with_the_total():
    error = record_error(hours="120.01", others_total=D("80"))
    assert error.field == "hours"
    assert "200,01 h en avril 2024" in error.message
    assert "maximum de 200,00 h" in error.message


def test_thresholds_come_from_the_market_rules():
    rules = CountingRules(warning_hours=D("100"), refusal_hours=D("120"))
    assert record(hours="101", rules=rules)[1]
    assert record_error(hours="121", rules=rules).field == "hours"


# ---- corrections and withdrawals ------------------------------------------------------
RECORDED = contract(
    date(2024, 3, 15), None, ContractType.CDDI, line(date(2024, 4, 1), "80", "10", "80")
)


def correct(state=RECORDED, hours="90", training="10", reason="Relevé corrigé", **kw):
    return contracts.correct_hours(
        state, kw.pop("rules", RULES), date(2024, 4, 30), D(hours), D(training), reason, **kw
    )


def test_correct_replaces_the_values():
    [event], warnings = correct()
    assert event == HoursCorrected(
        CONTRACT, date(2024, 4, 1), D("90.00"), D("10.00"), D("90.00"), "Relevé corrigé", ()
    )
    assert contracts.evolve(RECORDED, event).counted_total == D("90.00")
    assert warnings == []


def test_correct_with_the_same_values_does_nothing():
    assert correct(hours="80", training="10.00") == ([], [])


def test_correct_applies_the_same_rules():
    rules = CountingRules(training_hours_count=False)
    [event], _ = correct(rules=rules)
    assert event.counted_hours == D("80.00")
    with pytest.raises(RuleViolation) as caught:
        correct(hours="150", others_total=D("50.01"))
    assert caught.value.field == "hours"
    with pytest.raises(RuleViolation) as caught:
        correct(training="95")
    assert caught.value.field == "training_hours"


def test_correct_needs_a_recorded_line_and_a_reason():
    with pytest.raises(RuleViolation) as caught:
        correct(state=contract(date(2024, 3, 15), None))
    assert caught.value.field == "month"
    assert "Aucune heure n'est enregistrée pour avril 2024" in caught.value.message
    with pytest.raises(RuleViolation) as caught:
        correct(reason="  ")
    assert caught.value.field == "reason"
    withdrawn = contracts.evolve(RECORDED, HoursWithdrawn(CONTRACT, date(2024, 4, 1), "x"))
    with pytest.raises(RuleViolation) as caught:
        correct(state=withdrawn)
    assert "ont été retirées" in caught.value.message


def test_withdraw_a_line():
    assert contracts.withdraw_hours(RECORDED, date(2024, 4, 12), " Doublon ETTI ") == [
        HoursWithdrawn(CONTRACT, date(2024, 4, 1), "Doublon ETTI")
    ]
    withdrawn = contracts.evolve(RECORDED, HoursWithdrawn(CONTRACT, date(2024, 4, 1), "x"))
    assert withdrawn.counted_total == D("0.00")
    assert withdrawn.hours_in(date(2024, 4, 1)) == D("0.00")
    with pytest.raises(RuleViolation, match="ont été retirées"):
        contracts.withdraw_hours(withdrawn, date(2024, 4, 1), "encore")
    with pytest.raises(RuleViolation) as caught:
        contracts.withdraw_hours(RECORDED, date(2024, 4, 1), "")
    assert caught.value.field == "reason"
    with pytest.raises(RuleViolation) as caught:
        contracts.withdraw_hours(RECORDED, date(2024, 5, 1), "x")
    assert caught.value.field == "month"


def test_last_month_with_hours_ignores_withdrawn_lines():
    state = contract(
        date(2024, 3, 15),
        None,
        ContractType.CDDI,
        line(date(2024, 4, 1), "10"),
        line(date(2024, 6, 1), "10"),
        HoursWithdrawn(CONTRACT, date(2024, 6, 1), "x"),
    )
    assert state.last_month_with_hours == date(2024, 4, 1)
    assert contracts.end(state, date(2024, 4, 30), ContractEndReason.TERME, None)


def test_french_formats():
    assert contracts.fr_hours(D("42437.885")) == "42 437,89 h"
    assert contracts.fr_month(date(2024, 8, 31)) == "août 2024"
    assert contracts.last_of_month(date(2024, 2, 3)) == date(2024, 2, 29)
