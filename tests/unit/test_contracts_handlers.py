"""Contract commands through the message bus on the in-memory store."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from clauses_service.commands.contracts import (
    EndContract,
    ExtendContract,
    RecordExit,
    StartContract,
)
from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from events.catalog.companies import CompanyKind
from events.catalog.contracts import (
    ContractEndReason,
    ContractStarted,
    ContractType,
    ExitOutcome,
    ExitStage,
    Modality,
    PersonContractIndexed,
    person_contracts_stream,
)
from events.catalog.sectors import Sector
from events.memory_store import MemoryEventStore
from tests.support.territory import Territory


@pytest.fixture
def t():
    territory = Territory(MemoryEventStore())
    territory.buyer_id = territory.buyer()
    territory.employer = territory.company("ETTI Côte-d'Or", CompanyKind.ETTI)
    territory.awardee = territory.company("Bâti Dijon")
    territory.market_id = territory.market(territory.buyer_id, "2024-BTP-01")
    territory.lot_id = territory.lot(territory.market_id, territory.awardee)
    territory.person_id = territory.person()
    territory.validate(territory.person_id, (Sector.BTP,), date(2024, 1, 5))
    return territory


def start(t, **changes) -> tuple[uuid.UUID, dict]:
    contract_id = uuid.uuid4()
    values = dict(
        contract_id=contract_id,
        person_id=t.person_id,
        employer_siret=t.employer.siret,
        market_id=t.market_id,
        lot_id=t.lot_id,
        contract_type=ContractType.CTTI,
        modality=Modality.MISE_A_DISPOSITION,
        user_siret=t.awardee.siret,
        start_date=date(2024, 3, 1),
        planned_end=date(2024, 8, 31),
        weekly_hours=Decimal("35"),
    )
    values.update(changes)
    return contract_id, t.run(StartContract(**values))


def spaced(siret: str) -> str:
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"


def test_start_resolves_sirets_and_indexes_the_contract(t):
    contract_id, result = start(t, employer_siret=spaced(t.employer.siret))
    assert result == {"contract_id": str(contract_id), "version": 1, "eligibility_override": None}
    [recorded] = t.store.read_stream(str(contract_id))
    event = recorded.event
    assert isinstance(event, ContractStarted)
    assert (event.employer_company_id, event.employer_siret) == (
        t.employer.company_id,
        t.employer.siret,
    )
    assert (event.user_company_id, event.user_siret) == (t.awardee.company_id, t.awardee.siret)
    [index] = t.store.read_stream(person_contracts_stream(t.person_id))
    assert index.stream_type == "person-contracts"
    assert index.event == PersonContractIndexed(t.person_id, contract_id)


def test_a_second_contract_of_the_person_is_indexed_after_the_first(t):
    first, _ = start(t)
    second, _ = start(t, start_date=date(2024, 9, 1), planned_end=None)
    index = t.store.read_stream(person_contracts_stream(t.person_id))
    assert [r.event.contract_id for r in index] == [first, second]


def test_unknown_employer_siret_is_not_found(t):
    with pytest.raises(NotFound) as caught:
        start(t, employer_siret="732 829 320 00074")
    assert caught.value.field == "employer_siret"
    assert "73282932000074" in caught.value.message
    assert t.store.head_position() > 0
    assert t.store.read_stream(person_contracts_stream(t.person_id)) == []


def test_user_siret_is_required_for_mise_a_disposition(t):
    with pytest.raises(RuleViolation) as caught:
        start(t, user_siret=None)
    assert caught.value.field == "user_siret"


def test_unknown_person_and_lot(t):
    with pytest.raises(NotFound) as caught:
        start(t, person_id=uuid.uuid4())
    assert caught.value.field == "person_id"
    with pytest.raises(NotFound) as caught:
        start(t, lot_id=uuid.uuid4())
    assert caught.value.field == "lot_id"
    with pytest.raises(NotFound) as caught:
        start(t, market_id=uuid.uuid4())
    assert caught.value.field == "market_id"


def test_start_twice_is_refused(t):
    contract_id, _ = start(t)
    with pytest.raises(AlreadyExists):
        start(t, contract_id=contract_id)
    assert len(t.store.read_stream(person_contracts_stream(t.person_id))) == 1


def test_merged_person_is_refused_naming_the_survivor(t):
    duplicate = t.person("Martin", "Lea")
    t.merge(t.person_id, duplicate)
    with pytest.raises(RuleViolation) as caught:
        start(t, person_id=duplicate)
    assert caught.value.field == "person_id"
    assert str(t.person_id) in caught.value.message


def test_the_validation_of_an_absorbed_duplicate_makes_the_survivor_eligible(t):
    survivor = t.person("Durand", "Paul")
    t.merge(survivor, t.person_id)  # the validated record is the duplicate
    contract_id, result = start(t, person_id=survivor)
    assert result["eligibility_override"] is None
    assert t.store.read_stream(str(contract_id))[0].event.person_id == survivor


def test_ineligible_person_needs_an_override(t):
    newcomer = t.person("Petit", "Jean")
    with pytest.raises(RuleViolation) as caught:
        start(t, person_id=newcomer)
    assert "jamais été validée" in caught.value.message
    contract_id, result = start(
        t, person_id=newcomer, eligibility_override="Validation signée, saisie en retard"
    )
    assert result["eligibility_override"] == "Validation signée, saisie en retard"
    event = t.store.read_stream(str(contract_id))[0].event
    assert event.eligibility_override == "Validation signée, saisie en retard"


def test_extend_and_end(t):
    contract_id, _ = start(t)
    result = t.run(
        ExtendContract(contract_id=contract_id, planned_end=date(2024, 12, 31), reason="Avenant")
    )
    assert result["version"] == 2
    with pytest.raises(RuleViolation) as caught:
        t.run(ExtendContract(contract_id=contract_id, planned_end=date(2024, 11, 30), reason="x"))
    assert caught.value.field == "planned_end"
    t.run(
        EndContract(
            contract_id=contract_id, end_date=date(2024, 10, 31), reason=ContractEndReason.TERME
        )
    )
    with pytest.raises(RuleViolation, match="terminé depuis le 31/10/2024"):
        t.run(
            EndContract(
                contract_id=contract_id,
                end_date=date(2024, 11, 30),
                reason=ContractEndReason.TERME,
            )
        )
    with pytest.raises(NotFound):
        t.run(EndContract(contract_id=uuid.uuid4(), end_date=date(2024, 11, 30), reason="TERME"))


def test_exits_use_today_in_paris_and_once_per_stage(t):
    contract_id, _ = start(t)
    t.end(contract_id, date(2024, 8, 31))
    result = t.exit(contract_id, ExitStage.AT_END, ExitOutcome.CDI, date(2024, 9, 1))
    assert result == {"contract_id": str(contract_id), "version": 3, "positive": True}
    with pytest.raises(AlreadyExists):
        t.exit(contract_id, ExitStage.AT_END, ExitOutcome.INTERIM, date(2024, 9, 2))
    with pytest.raises(RuleViolation) as caught:  # the territory's "now" is 15/06/2025
        t.exit(contract_id, ExitStage.SIX_MONTHS, ExitOutcome.CDI, date(2025, 6, 16))
    assert caught.value.field == "observed_on"
    six = t.run(
        RecordExit(
            contract_id=contract_id,
            stage=ExitStage.SIX_MONTHS,
            outcome=ExitOutcome.SANS_NOUVELLES,
            observed_on=date(2025, 2, 1),
        )
    )
    assert six["positive"] is False


def test_idempotent_start_returns_the_first_result(t):
    contract_id = uuid.uuid4()
    command = StartContract(
        contract_id=contract_id,
        person_id=t.person_id,
        employer_siret=t.awardee.siret,
        market_id=t.market_id,
        lot_id=t.lot_id,
        contract_type=ContractType.CDI,
        modality=Modality.EMBAUCHE_DIRECTE,
        start_date=date(2024, 3, 1),
    )
    first = t.run(command, idempotency_key="k1")
    again = t.run(command, idempotency_key="k1")
    assert again == {**first, "replayed": True}
    assert len(t.store.read_stream(person_contracts_stream(t.person_id))) == 1
