"""Contracts: given the person, the market and the contract's events, when a decision,
then new events or a named French error on the right field."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from clauses_service.domain import contracts
from clauses_service.domain import markets as market_domain
from clauses_service.domain import people as people_domain
from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from events.catalog.contracts import (
    ContractEnded,
    ContractEndReason,
    ContractExtended,
    ContractStarted,
    ContractType,
    ExitOutcome,
    ExitRecorded,
    ExitStage,
    HoursRecorded,
    Modality,
)
from events.catalog.markets import CountingRules, LegalBasis, LotAdded, MarketRegistered
from events.catalog.people import (
    CandidateValidated,
    EligibilityCriterion,
    PersonalDataErased,
    PersonMerged,
    PersonRegistered,
)
from events.catalog.sectors import Sector

PERSON = uuid.uuid4()
MARKET = uuid.uuid4()
LOT = uuid.uuid4()
EMPLOYER = uuid.uuid4()
USER = uuid.uuid4()
CONTRACT = uuid.uuid4()
TODAY = date(2025, 6, 15)


def validated(on: date, sectors=(Sector.BTP,), until: date | None = None):
    return CandidateValidated(
        PERSON,
        uuid.uuid4(),
        None,
        tuple(sectors),
        (EligibilityCriterion.DELD,),
        (),
        on,
        until or people_domain.add_months(on, 24),
    )


def person(*events):
    return people_domain.fold([PersonRegistered(PERSON, "sealed"), *events])


DEFAULT_RULES = CountingRules()
NO_CONTRACT = contracts.Contract()


def market(kind=Sector.BTP, rules=DEFAULT_RULES):
    return market_domain.fold(
        [
            MarketRegistered(
                MARKET,
                uuid.uuid4(),
                "2024-BTP-01",
                "Rénovation Grésilles",
                kind,
                LegalBasis.L2112_2,
                date(2024, 1, 1),
                date(2025, 12, 31),
                rules,
            ),
            LotAdded(
                MARKET,
                LOT,
                "1",
                "Gros œuvre",
                EMPLOYER,
                "73282932000074",
                Decimal("600000"),
                Decimal("0.5"),
                Decimal("0.05"),
                Decimal("30"),
                Decimal("500.00"),
            ),
        ]
    )


ELIGIBLE = person(validated(date(2024, 1, 10)))


def decide(state=NO_CONTRACT, **changes):
    values = dict(
        contract_id=CONTRACT,
        person=ELIGIBLE,
        market=market(),
        lot_id=LOT,
        employer_siret="73282932000074",
        employer_company_id=EMPLOYER,
        user_siret=None,
        user_company_id=None,
        contract_type=ContractType.CDDI,
        modality=Modality.SOUS_TRAITANCE,
        start_date=date(2024, 3, 1),
        planned_end=date(2024, 8, 31),
        weekly_hours=Decimal("35"),
        eligibility_override=None,
    )
    values.update(changes)
    return contracts.start(state, **values)


def started(**changes) -> contracts.Contract:
    return contracts.fold(decide(**changes))


def refused(error, **changes):
    with pytest.raises(error) as caught:
        decide(**changes)
    return caught.value


# ---- start ----------------------------------------------------------------------------
def test_start_records_the_contract_with_companies_and_lot():
    [event] = decide()
    assert event == ContractStarted(
        contract_id=CONTRACT,
        person_id=PERSON,
        employer_company_id=EMPLOYER,
        employer_siret="73282932000074",
        user_company_id=None,
        user_siret=None,
        market_id=MARKET,
        lot_id=LOT,
        contract_type=ContractType.CDDI,
        modality=Modality.SOUS_TRAITANCE,
        start_date=date(2024, 3, 1),
        planned_end=date(2024, 8, 31),
        weekly_hours=Decimal("35.00"),
        eligibility_override=None,
    )


def test_start_twice_is_refused():
    error = refused(AlreadyExists, state=started())
    assert error.field == "contract_id"
    assert "déjà enregistré" in error.message


def test_unknown_person_market_lot_and_employer_are_not_found():
    assert refused(NotFound, person=people_domain.Person()).field == "person_id"
    assert refused(NotFound, market=market_domain.Market()).field == "market_id"
    error = refused(NotFound, lot_id=uuid.uuid4())
    assert (error.field, "2024-BTP-01" in error.message) == ("lot_id", True)
    error = refused(NotFound, employer_company_id=None, employer_siret="12345678900010")
    assert error.field == "employer_siret"
    assert "12345678900010" in error.message and "enregistrez-la" in error.message


def test_merged_person_is_refused_naming_the_survivor():
    survivor = uuid.uuid4()
    merged = people_domain.fold([PersonRegistered(PERSON, "s"), PersonMerged(PERSON, survivor)])
    error = refused(RuleViolation, person=merged)
    assert error.field == "person_id"
    assert str(survivor) in error.message and "fusionnée" in error.message


def test_erased_person_is_refused():
    error = refused(RuleViolation, person=person(PersonalDataErased(PERSON, TODAY)))
    assert error.field == "person_id"
    assert "effacées" in error.message


def test_mise_a_disposition_needs_a_known_user_company():
    error = refused(RuleViolation, modality=Modality.MISE_A_DISPOSITION)
    assert error.field == "user_siret"
    assert "entreprise utilisatrice" in error.message
    error = refused(NotFound, modality=Modality.MISE_A_DISPOSITION, user_siret="44306184100047")
    assert (error.field, "44306184100047" in error.message) == ("user_siret", True)
    [event] = decide(
        modality=Modality.MISE_A_DISPOSITION, user_siret="44306184100047", user_company_id=USER
    )
    assert (event.user_company_id, event.user_siret) == (USER, "44306184100047")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"start_date": date(2023, 12, 31)}, "start_date", "hors des dates du marché"),
        ({"start_date": date(2026, 1, 1)}, "start_date", "du 01/01/2024 au 31/12/2025"),
        ({"planned_end": date(2024, 2, 29)}, "planned_end", "précède le début"),
        ({"weekly_hours": Decimal("0")}, "weekly_hours", "entre 0 (exclu) et 48"),
        ({"weekly_hours": Decimal("48.01")}, "weekly_hours", "48,01 h"),
        ({"weekly_hours": "beaucoup"}, "weekly_hours", "n'est pas un nombre"),
        ({"contract_type": "CDII"}, "contract_type", "CDDI, CTTI"),
        ({"modality": "INTERIM"}, "modality", "Modalité : « INTERIM » n'est pas une valeur connue"),
    ],
)
def test_dates_durations_and_lists_are_checked(changes, field, words):
    error = refused(RuleViolation, **changes)
    assert error.field == field
    assert words in error.message


def test_start_on_the_market_bounds_and_48_hours_is_accepted():
    early = person(validated(date(2023, 12, 1)))
    [event] = decide(
        person=early, start_date=date(2024, 1, 1), weekly_hours=Decimal("48"), planned_end=None
    )
    assert (event.start_date, event.weekly_hours, event.planned_end) == (
        date(2024, 1, 1),
        Decimal("48.00"),
        None,
    )


# ---- eligibility ----------------------------------------------------------------------
def test_never_validated():
    error = refused(RuleViolation, person=person())
    assert error.field == "person_id"
    assert "jamais été validée" in error.message
    assert "Travaux (BTP)" in error.message and "dérogation" in error.message


def test_validated_only_for_other_sectors_names_them():
    other = person(validated(date(2024, 1, 10), (Sector.SERVICES,)))
    error = refused(RuleViolation, person=other)
    assert error.field == "person_id"
    assert "n'est validée que pour : Services" in error.message
    assert "Travaux (BTP)" in error.message


def test_validated_after_the_start_gives_the_date():
    late = person(validated(date(2024, 3, 15)))
    error = refused(RuleViolation, person=late)
    assert "le 15/03/2024, après le début du contrat (01/03/2024)" in error.message


def test_expired_by_the_market_rule_gives_the_end_and_the_rule():
    rules = CountingRules(eligibility_months=12)
    old = person(validated(date(2023, 1, 10), until=date(2025, 1, 10)))
    error = refused(RuleViolation, person=old, market=market(rules=rules))
    assert error.field == "person_id"
    assert "a expiré" in error.message
    assert "validation du 10/01/2023" in error.message
    assert "valait jusqu'au 10/01/2024" in error.message
    assert "règle du marché : 12 mois de validité" in error.message


def test_expired_by_its_own_end_date_and_revalidated_too_late():
    old = person(validated(date(2023, 1, 10), until=date(2023, 6, 30)), validated(date(2024, 4, 2)))
    error = refused(RuleViolation, person=old)
    assert "valait jusqu'au 30/06/2023" in error.message
    assert "Une autre validation date du 02/04/2024" in error.message


def test_the_eligibility_rule_of_the_market_decides():
    validation_on = date(2023, 1, 10)
    two_years = person(validated(validation_on))
    assert decide(person=two_years)  # 24 months (default): still eligible on 01/03/2024
    with pytest.raises(RuleViolation):
        decide(person=two_years, market=market(rules=CountingRules(eligibility_months=6)))


def test_override_records_the_reason_when_eligibility_is_missing():
    [event] = decide(person=person(), eligibility_override="  Validation  en cours, accord DO ")
    assert event.eligibility_override == "Validation en cours, accord DO"


def test_override_is_not_kept_when_the_person_is_eligible():
    [event] = decide(eligibility_override="Par précaution")
    assert event.eligibility_override is None


def test_blank_override_is_refused():
    error = refused(RuleViolation, person=person(), eligibility_override="   ")
    assert error.field == "eligibility_override"
    assert "motif de dérogation" in error.message


# ---- extend and end -------------------------------------------------------------------
def with_events(state, *events):
    for event in events:
        state = contracts.evolve(state, event)
    return state


def test_extend_moves_the_planned_end():
    state = started()
    assert contracts.extend(state, date(2024, 12, 31), " Chantier prolongé ") == [
        ContractExtended(CONTRACT, date(2024, 12, 31), "Chantier prolongé")
    ]


@pytest.mark.parametrize(
    ("planned_end", "reason", "field", "words"),
    [
        (
            date(2024, 8, 31),
            "x",
            "planned_end",
            "postérieure à la fin prévue actuelle (31/08/2024)",
        ),
        (date(2024, 12, 31), " ", "reason", "motif de la prolongation"),
    ],
)
def test_extend_refusals(planned_end, reason, field, words):
    with pytest.raises(RuleViolation) as caught:
        contracts.extend(started(), planned_end, reason)
    assert (caught.value.field, words in caught.value.message) == (field, True)


def test_extend_an_open_ended_or_ended_contract_is_refused():
    with pytest.raises(RuleViolation, match="pas de fin prévue"):
        contracts.extend(started(planned_end=None), date(2025, 1, 1), "x")
    ended = with_events(
        started(), ContractEnded(CONTRACT, date(2024, 6, 30), ContractEndReason.TERME)
    )
    with pytest.raises(RuleViolation, match="terminé depuis le 30/06/2024"):
        contracts.extend(ended, date(2025, 1, 1), "x")


def test_extend_or_end_an_unknown_contract_is_not_found():
    with pytest.raises(NotFound):
        contracts.extend(contracts.Contract(), date(2025, 1, 1), "x")
    with pytest.raises(NotFound):
        contracts.end(contracts.Contract(), date(2025, 1, 1), ContractEndReason.TERME, None)


def test_end_records_reason_and_text():
    state = started()
    assert contracts.end(state, date(2024, 5, 15), ContractEndReason.DEMISSION, None) == [
        ContractEnded(CONTRACT, date(2024, 5, 15), ContractEndReason.DEMISSION, None)
    ]
    [event] = contracts.end(state, date(2024, 5, 15), ContractEndReason.AUTRE, " Déménagement ")
    assert event.reason_text == "Déménagement"


def test_end_refusals():
    state = with_events(
        started(),
        HoursRecorded(CONTRACT, date(2024, 5, 1), Decimal("10"), Decimal("0"), Decimal("10")),
    )
    with pytest.raises(RuleViolation) as caught:
        contracts.end(state, date(2024, 5, 1), ContractEndReason.AUTRE, None)
    assert caught.value.field == "reason_text"
    with pytest.raises(RuleViolation) as caught:
        contracts.end(state, date(2024, 2, 1), ContractEndReason.TERME, None)
    assert (caught.value.field, "précède le début" in caught.value.message) == ("end_date", True)
    with pytest.raises(RuleViolation) as caught:
        contracts.end(state, date(2024, 4, 30), ContractEndReason.TERME, None)
    assert caught.value.field == "end_date"
    assert "jusqu'en mai 2024" in caught.value.message
    assert "antérieure au 01/05/2024" in caught.value.message
    # A day of the last month with hours is enough.
    assert contracts.end(state, date(2024, 5, 1), ContractEndReason.TERME, None)
    ended = with_events(state, ContractEnded(CONTRACT, date(2024, 5, 20), ContractEndReason.TERME))
    with pytest.raises(RuleViolation, match="terminé depuis le 20/05/2024"):
        contracts.end(ended, date(2024, 5, 31), ContractEndReason.TERME, None)


# ---- exits ----------------------------------------------------------------------------
def ended_on(day: date, **changes) -> contracts.Contract:
    return with_events(started(**changes), ContractEnded(CONTRACT, day, ContractEndReason.TERME))


def test_exit_at_end_of_an_ended_contract():
    [event] = contracts.record_exit(
        ended_on(date(2024, 8, 31)),
        ExitStage.AT_END,
        ExitOutcome.CDD_6_MOIS_PLUS,
        date(2024, 9, 2),
        " CDD 8 mois chez Bâti Dijon ",
        TODAY,
    )
    assert event == ExitRecorded(
        CONTRACT,
        PERSON,
        ExitStage.AT_END,
        ExitOutcome.CDD_6_MOIS_PLUS,
        date(2024, 9, 2),
        "CDD 8 mois chez Bâti Dijon",
    )
    assert event.outcome.positive


def test_exit_at_end_needs_an_end_date_or_a_planned_end():
    assert contracts.record_exit(
        started(), ExitStage.AT_END, ExitOutcome.CDI, date(2024, 8, 31), None, TODAY
    )
    with pytest.raises(RuleViolation) as caught:
        contracts.record_exit(
            started(planned_end=None),
            ExitStage.AT_END,
            ExitOutcome.CDI,
            date(2024, 8, 31),
            None,
            TODAY,
        )
    assert caught.value.field == "stage"


def test_six_months_exit_needs_an_ended_contract_and_five_months():
    with pytest.raises(RuleViolation) as caught:
        contracts.record_exit(
            started(), ExitStage.SIX_MONTHS, ExitOutcome.CDI, date(2025, 3, 1), None, TODAY
        )
    assert (caught.value.field, "terminé" in caught.value.message) == ("stage", True)
    state = ended_on(date(2024, 8, 31))
    with pytest.raises(RuleViolation) as caught:
        contracts.record_exit(
            state, ExitStage.SIX_MONTHS, ExitOutcome.CDI, date(2025, 1, 30), None, TODAY
        )
    assert caught.value.field == "observed_on"
    assert "au plus tôt le 31/01/2025" in caught.value.message
    [event] = contracts.record_exit(
        state, ExitStage.SIX_MONTHS, ExitOutcome.RECHERCHE_EMPLOI, date(2025, 1, 31), None, TODAY
    )
    assert event.stage is ExitStage.SIX_MONTHS and not event.outcome.positive


def test_one_exit_per_stage_and_dates_checked():
    state = ended_on(date(2024, 8, 31))
    [event] = contracts.record_exit(
        state, ExitStage.AT_END, ExitOutcome.CDI, date(2024, 9, 1), None, TODAY
    )
    with pytest.raises(AlreadyExists) as caught:
        contracts.record_exit(
            with_events(state, event),
            ExitStage.AT_END,
            ExitOutcome.INTERIM,
            date(2024, 9, 5),
            None,
            TODAY,
        )
    assert (caught.value.field, "déjà enregistrée" in caught.value.message) == ("stage", True)
    for observed, words in ((date(2024, 2, 1), "précède le début"), (date(2025, 7, 1), "futur")):
        with pytest.raises(RuleViolation) as caught:
            contracts.record_exit(state, ExitStage.AT_END, ExitOutcome.CDI, observed, None, TODAY)
        assert (caught.value.field, words in caught.value.message) == ("observed_on", True)


def test_fold_keeps_the_contract_its_extension_its_end_and_exits():
    state = with_events(
        started(),
        ContractExtended(CONTRACT, date(2024, 10, 31), "prolongé"),
        ContractEnded(CONTRACT, date(2024, 10, 15), ContractEndReason.RUPTURE_ANTICIPEE),
    )
    assert (state.planned_end, state.end_date, state.period_end) == (
        date(2024, 10, 31),
        date(2024, 10, 15),
        date(2024, 10, 15),
    )
    assert state.end_reason is ContractEndReason.RUPTURE_ANTICIPEE
    assert state.version == 3
    assert replace(state, version=0).exists
