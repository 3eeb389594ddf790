"""Markets and lots: given events, when a decision, then events or a named error."""

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clauses_service.domain import buyers, markets
from clauses_service.domain import market_decisions as decide
from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from events.catalog.buyers import BuyerKind, BuyerRegistered
from events.catalog.markets import (
    CountingRules,
    LegalBasis,
    LotAdded,
    LotAmended,
    LotAwardeeChanged,
    MarketCountingRulesChanged,
    MarketDetailsChanged,
    MarketRegistered,
)
from events.catalog.sectors import Sector
from projections import markets as markets_projection

BUYER_ID, MARKET, LOT, COMPANY, OTHER = (uuid.uuid4() for _ in range(5))
SIRET, OTHER_SIRET = "73282932000074", "44201369400017"
BUYER = buyers.fold([BuyerRegistered(BUYER_ID, "Dijon Métropole", BuyerKind.COLLECTIVITE)])
START, END = date(2024, 1, 1), date(2025, 12, 31)
REGISTERED = MarketRegistered(
    MARKET,
    BUYER_ID,
    "2024-BTP-017",
    "Tramway ligne 3",
    Sector.BTP,
    LegalBasis.L2112_2,
    START,
    END,
    CountingRules(),
)
LOT_ADDED = LotAdded(
    MARKET,
    LOT,
    "1",
    "Gros œuvre",
    COMPANY,
    SIRET,
    Decimal("1000000.00"),
    Decimal("0.5"),
    Decimal("0.05"),
    Decimal("30.00"),
    Decimal("833.33"),
)
MARKET_DETAILS = dict(
    reference="2024-BTP-017",
    title="Tramway ligne 3",
    kind=Sector.BTP,
    legal_basis=LegalBasis.L2112_2,
    start_date=START,
    end_date=END,
)
LOT_FIGURES = dict(
    amount_excl_vat=Decimal("1000000"),
    labour_share=Decimal("0.5"),
    insertion_rate=Decimal("0.05"),
    hourly_cost=Decimal("30"),
)


def register(state=None, buyer=BUYER, **changes):
    return decide.register(
        state or markets.fold([]), buyer, MARKET, **{**MARKET_DETAILS, **changes}
    )


def add_lot(state, lot_id=OTHER, **changes):
    args = {"number": "2", "title": "Peinture", **LOT_FIGURES, **changes}
    return decide.add_lot(state, lot_id, awarded_company_id=COMPANY, awarded_siret=SIRET, **args)


def error_of(error_class, call, /, *args, **kwargs):
    with pytest.raises(error_class) as caught:
        call(*args, **kwargs)
    return caught.value


# ---- register ----------------------------------------------------------------------------
def test_given_nothing_when_register_then_registered_with_default_rules_and_trimmed_reference():
    assert register(reference="  2024-BTP-017 ", title=" Tramway   ligne 3") == [REGISTERED]


def test_given_registered_when_register_again_then_already_exists():
    error = error_of(AlreadyExists, register, markets.fold([REGISTERED]))
    assert error.field == "market_id" and error.message == "Ce marché est déjà enregistré."


def test_when_register_for_an_unknown_buyer_then_not_found_on_buyer_id():
    error = error_of(NotFound, register, buyer=buyers.fold([]))
    assert error.field == "buyer_id" and error.message.startswith("Donneur d'ordre introuvable")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reference": "   "}, "reference", "La référence du marché est obligatoire."),
        ({"reference": "R" * 101}, "reference", "ne doit pas dépasser 100 caractères"),
        ({"title": ""}, "title", "L'objet du marché est obligatoire."),
        ({"kind": "AGRICULTURE"}, "kind", "Type de marché inconnu : « AGRICULTURE »"),
        ({"legal_basis": "L9999"}, "legal_basis", "Fondement juridique inconnu"),
        ({"start_date": None}, "start_date", "La date de début est obligatoire"),
        (
            {"end_date": date(2023, 12, 31)},
            "end_date",
            "La date de fin (31/12/2023) est antérieure à la date de début (01/01/2024).",
        ),
    ],
)
def test_when_register_with_bad_details_then_error_names_the_field(changes, field, message):
    error = error_of(RuleViolation, register, **changes)
    assert error.field == field and message in error.message


def test_a_market_may_start_and_end_the_same_day():
    assert register(end_date=START)[0].end_date == START


def test_reference_key_ignores_case_and_spaces():
    assert decide.reference_key("  2024 - btp\t 017 ") == "2024 - BTP 017"
    assert decide.reference_key("2024-BTP-017") != decide.reference_key("2024-BTP-018")


# ---- counting rules ----------------------------------------------------------------------
def test_rules_are_quantised_to_the_hundredth():
    rules = CountingRules(6, 24, False, Decimal("151.666"), Decimal("200"), Decimal("12.345"))
    assert decide.check_rules(rules) == CountingRules(
        6, 24, False, Decimal("151.67"), Decimal("200.00"), Decimal("12.35")
    )
    assert register(rules=rules)[0].rules.warning_hours == Decimal("151.67")


@pytest.mark.parametrize(
    ("rules", "field", "message"),
    [
        (CountingRules(cdi_counted_months=0), "cdi_counted_months", "entre 1 et 120"),
        (CountingRules(cdi_counted_months=121), "cdi_counted_months", "(reçu « 121 »)"),
        (CountingRules(eligibility_months=0), "eligibility_months", "validité de l'éligibilité"),
        (CountingRules(eligibility_months=True), "eligibility_months", "nombre entier de mois"),
        (CountingRules(training_hours_count="oui"), "training_hours_count", "formation"),
        (CountingRules(warning_hours=Decimal("0")), "warning_hours", "supérieur à 0 heure"),
        (
            CountingRules(warning_hours=Decimal("200"), refusal_hours=Decimal("200")),
            "refusal_hours",
            "Le seuil de refus mensuel (200,00 h) doit être supérieur au seuil d'alerte "
            "(200,00 h).",
        ),
        (
            CountingRules(penalty_per_missing_hour=Decimal("-1")),
            "penalty_per_missing_hour",
            "La pénalité par heure manquante ne peut pas être négative.",
        ),
        (CountingRules(warning_hours="beaucoup"), "warning_hours", "un nombre est attendu"),
    ],
)
def test_bad_rules_are_refused_with_the_field(rules, field, message):
    error = error_of(RuleViolation, decide.check_rules, rules)
    assert error.field == field and message in error.message
    assert error_of(RuleViolation, register, rules=rules).field == field


def test_limits_of_rules_are_accepted():
    rules = CountingRules(1, 120, True, Decimal("0.01"), Decimal("0.02"), Decimal("0"))
    assert decide.check_rules(rules) == rules


def test_given_registered_when_change_rules_then_changed_and_unchanged_is_a_no_op():
    state = markets.fold([REGISTERED])
    assert decide.change_rules(state, CountingRules()) == []
    new_rules = CountingRules(cdi_counted_months=6)
    assert decide.change_rules(state, new_rules) == [MarketCountingRulesChanged(MARKET, new_rules)]
    assert markets.fold([REGISTERED, *decide.change_rules(state, new_rules)]).rules == new_rules
    assert error_of(NotFound, decide.change_rules, markets.fold([]), new_rules).field == (
        "market_id"
    )
    bad = CountingRules(cdi_counted_months=0)
    assert error_of(RuleViolation, decide.change_rules, state, bad).field == "cdi_counted_months"


# ---- market details ----------------------------------------------------------------------
def test_given_registered_when_change_details_then_changed_and_unchanged_is_a_no_op():
    state = markets.fold([REGISTERED])
    assert decide.change_details(state, "Tramway  ligne 3", START, END) == []
    assert decide.change_details(state, "Tram T3", START, date(2026, 6, 30)) == [
        MarketDetailsChanged(MARKET, "Tram T3", START, date(2026, 6, 30))
    ]


def test_change_details_checks_existence_title_and_dates():
    state = markets.fold([REGISTERED])
    assert error_of(NotFound, decide.change_details, markets.fold([]), "T", START, END).field == (
        "market_id"
    )
    assert error_of(RuleViolation, decide.change_details, state, " ", START, END).field == "title"
    error = error_of(RuleViolation, decide.change_details, state, "T", END, START)
    assert error.field == "end_date"


def test_a_market_may_not_start_after_one_of_its_amendments():
    amended = LotAmended(MARKET, LOT, date(2024, 3, 1), "Avenant 1", Decimal("900.00"))
    state = markets.fold([REGISTERED, LOT_ADDED, amended])
    error = error_of(RuleViolation, decide.change_details, state, "T", date(2024, 3, 2), END)
    assert error.field == "start_date"
    assert error.message == (
        "Un avenant est daté du 01/03/2024 : le marché ne peut pas commencer après lui."
    )
    assert decide.change_details(state, "T", date(2024, 3, 1), END)[0].start_date == (
        date(2024, 3, 1)
    )


# ---- lots --------------------------------------------------------------------------------
def test_given_a_market_when_add_lot_then_hours_are_computed_833_33():
    new = decide.add_lot(
        markets.fold([REGISTERED]), LOT, " 1 ", " Gros   œuvre ", COMPANY, SIRET, **LOT_FIGURES
    )
    assert new == [LOT_ADDED]
    lot = markets.fold([REGISTERED, *new]).lot(LOT)
    assert lot.computed_hours == Decimal("833.33") and lot.required_hours == Decimal("833.33")


def test_manual_hours_win_over_the_computed_ones():
    state = markets.fold([REGISTERED])
    [added] = add_lot(state, manual_hours=Decimal("850"))
    assert (added.computed_hours, added.manual_hours) == (Decimal("833.33"), Decimal("850.00"))
    assert markets.fold([REGISTERED, added]).lot(OTHER).required_hours == Decimal("850.00")
    assert add_lot(state, manual_hours=Decimal("0"))[0].manual_hours == Decimal("0.00")


def test_amounts_and_hours_are_quantised_to_the_hundredth():
    state = markets.fold([REGISTERED])
    [added] = add_lot(
        state,
        amount_excl_vat=Decimal("123456.785"),
        hourly_cost=Decimal("27.505"),
        manual_hours=Decimal("10.005"),
    )
    assert added.amount_excl_vat == Decimal("123456.79")
    assert added.hourly_cost == Decimal("27.51")
    assert added.manual_hours == Decimal("10.01")
    # 123456.79 × 0.5 × 0.05 ÷ 27.51 = 112.19...
    assert added.computed_hours == Decimal("112.19")


def test_a_lot_of_amount_zero_has_zero_computed_hours():
    assert add_lot(markets.fold([REGISTERED]), amount_excl_vat=Decimal("0"))[0].computed_hours == (
        Decimal("0.00")
    )


def test_add_lot_to_an_unknown_market_is_not_found():
    error = error_of(NotFound, add_lot, markets.fold([]))
    assert error.field == "market_id" and error.message == "Marché introuvable."


def test_lot_numbers_are_unique_in_a_market_whatever_the_case():
    state = markets.fold([REGISTERED, replace(LOT_ADDED, number="Lot A")])
    error = error_of(AlreadyExists, add_lot, state, number="  LOT   a ")
    assert error.field == "number"
    assert error.message == "Le lot « LOT a » existe déjà dans le marché 2024-BTP-017."
    assert add_lot(state, number="Lot B")[0].number == "Lot B"


def test_the_same_lot_id_twice_is_already_exists():
    error = error_of(AlreadyExists, add_lot, markets.fold([REGISTERED, LOT_ADDED]), lot_id=LOT)
    assert error.field == "lot_id"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"number": "  "}, "number", "Le numéro du lot est obligatoire."),
        ({"number": "1" * 51}, "number", "50 caractères"),
        ({"title": "T" * 301}, "title", "300 caractères"),
        (
            {"amount_excl_vat": Decimal("-0.01")},
            "amount_excl_vat",
            "Le montant HT du lot ne peut pas être négatif.",
        ),
        ({"amount_excl_vat": "cher"}, "amount_excl_vat", "un nombre est attendu, reçu « cher »"),
        (
            {"labour_share": Decimal("0")},
            "labour_share",
            "La part de main-d'œuvre est une fraction comprise entre 0 (exclu) et 1 : "
            "0,5 pour 50 %. Reçu : 0.",
        ),
        ({"labour_share": Decimal("50")}, "labour_share", "Reçu : 50."),
        ({"labour_share": Decimal("1.01")}, "labour_share", "0,5 pour 50 %"),
        ({"insertion_rate": Decimal("0")}, "insertion_rate", "0,05 pour 5 %"),
        ({"insertion_rate": Decimal("5")}, "insertion_rate", "Le taux d'insertion"),
        ({"insertion_rate": Decimal("NaN")}, "insertion_rate", "un nombre fini"),
        (
            {"hourly_cost": Decimal("0.004")},
            "hourly_cost",
            "Le coût horaire chargé doit être supérieur à 0 €.",
        ),
        (
            {"manual_hours": Decimal("-1")},
            "manual_hours",
            "Les heures fixées au marché ne peuvent pas être négatives.",
        ),
    ],
)
def test_bad_lot_figures_are_refused_with_the_field(changes, field, message):
    error = error_of(RuleViolation, add_lot, markets.fold([REGISTERED]), **changes)
    assert error.field == field and message in error.message


def test_full_shares_and_rates_are_accepted():
    [added] = add_lot(
        markets.fold([REGISTERED]), labour_share=Decimal("1"), insertion_rate=Decimal("1")
    )
    assert added.computed_hours == Decimal("33333.33")


def test_given_a_lot_when_change_awardee_then_changed_and_same_company_is_a_no_op():
    state = markets.fold([REGISTERED, LOT_ADDED])
    assert decide.change_lot_awardee(state, LOT, COMPANY, SIRET) == []
    new = decide.change_lot_awardee(state, LOT, OTHER, OTHER_SIRET)
    assert new == [LotAwardeeChanged(MARKET, LOT, OTHER, OTHER_SIRET)]
    lot = markets.fold([REGISTERED, LOT_ADDED, *new]).lot(LOT)
    assert (lot.awarded_company_id, lot.awarded_siret) == (OTHER, OTHER_SIRET)


def test_change_awardee_of_an_unknown_lot_is_not_found():
    state = markets.fold([REGISTERED, LOT_ADDED])
    error = error_of(NotFound, decide.change_lot_awardee, state, OTHER, OTHER, OTHER_SIRET)
    assert error.field == "lot_id" and error.message == "Lot introuvable dans ce marché."


# ---- amendments --------------------------------------------------------------------------
def amend(state, day=date(2024, 6, 1), reason="Avenant n° 1", hours=Decimal("900"), amount=None):
    return decide.amend_lot(state, LOT, day, reason, hours, amount)


def test_given_a_lot_when_amend_then_amended_and_required_hours_follow_the_last_by_date():
    state = markets.fold([REGISTERED, LOT_ADDED])
    [first] = amend(state, reason="  Avenant   n° 1 ", hours=Decimal("900.004"))
    assert first == LotAmended(MARKET, LOT, date(2024, 6, 1), "Avenant n° 1", Decimal("900.00"))
    state = markets.fold([REGISTERED, LOT_ADDED, first])
    assert state.lot(LOT).required_hours == Decimal("900.00")
    # A backdated amendment recorded later does not replace the latest one by date.
    [backdated] = amend(state, day=date(2024, 3, 1), reason="Avenant n° 0", hours=Decimal("850"))
    state = markets.fold([REGISTERED, LOT_ADDED, first, backdated])
    assert state.lot(LOT).required_hours == Decimal("900.00")
    assert [a.reason for a in state.lot(LOT).amendments] == ["Avenant n° 0", "Avenant n° 1"]
    assert state.lot(LOT).required_hours_on(date(2024, 4, 1)) == Decimal("850.00")
    assert state.lot(LOT).required_hours_on(date(2024, 2, 1)) == Decimal("833.33")


def test_an_amendment_may_change_the_amount_and_lower_the_hours_to_zero():
    state = markets.fold([REGISTERED, LOT_ADDED])
    [amended] = amend(state, hours=Decimal("0"), amount=Decimal("1200000.005"))
    assert (amended.required_hours, amended.amount_excl_vat) == (
        Decimal("0.00"),
        Decimal("1200000.01"),
    )
    lot = markets.fold([REGISTERED, LOT_ADDED, amended]).lot(LOT)
    assert lot.amount_excl_vat == Decimal("1200000.01") and lot.required_hours == Decimal("0.00")


def test_the_same_amendment_recorded_twice_is_a_no_op():
    state = markets.fold([REGISTERED, LOT_ADDED])
    [amended] = amend(state)
    assert amend(markets.fold([REGISTERED, LOT_ADDED, amended])) == []


@pytest.mark.parametrize(
    ("changes", "kind", "field", "message"),
    [
        (
            {"day": date(2023, 12, 31)},
            RuleViolation,
            "amended_on",
            "L'avenant ne peut pas être daté du 31/12/2023 : le marché commence le 01/01/2024.",
        ),
        ({"day": None}, RuleViolation, "amended_on", "La date de l'avenant est obligatoire"),
        ({"reason": " "}, RuleViolation, "reason", "Le motif de l'avenant est obligatoire."),
        ({"reason": "m" * 501}, RuleViolation, "reason", "500 caractères"),
        (
            {"hours": Decimal("-0.01")},
            RuleViolation,
            "required_hours",
            "Les heures d'insertion prévues ne peuvent pas être négatives.",
        ),
        ({"amount": Decimal("-5")}, RuleViolation, "amount_excl_vat", "ne peut pas être négatif"),
    ],
)
def test_bad_amendments_are_refused_with_the_field(changes, kind, field, message):
    error = error_of(kind, amend, markets.fold([REGISTERED, LOT_ADDED]), **changes)
    assert error.field == field and message in error.message


def test_amending_an_unknown_lot_or_market_is_not_found():
    error = error_of(NotFound, amend, markets.fold([REGISTERED]))
    assert error.field == "lot_id"
    assert error_of(NotFound, amend, markets.fold([])).field == "market_id"


def test_an_amendment_after_the_end_of_the_market_is_accepted_with_a_warning():
    state = markets.fold([REGISTERED, LOT_ADDED])
    assert amend(state, day=date(2026, 2, 1))
    assert decide.amendment_warnings(state, date(2026, 2, 1)) == [
        "L'avenant est daté du 01/02/2026, après la fin du marché (31/12/2025) : "
        "pensez à prolonger le marché."
    ]
    assert decide.amendment_warnings(state, END) == []


@given(st.text(max_size=40))
def test_the_read_model_normalises_references_like_the_claim(reference):
    assert markets_projection.reference_key(reference) == decide.reference_key(reference)
