"""Hour commands through the message bus on the in-memory store: monthly totals across a
person's contracts (and merged records), CDI and training rules, sources."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from clauses_service.commands.contracts import RecordHours
from clauses_service.domain.errors import NotFound, RuleViolation
from events.catalog.companies import CompanyKind
from events.catalog.contracts import ContractType, HoursCorrected, HoursWithdrawn
from events.catalog.markets import CountingRules
from events.catalog.sectors import Sector
from events.memory_store import MemoryEventStore
from tests.support.territory import Territory

APRIL = date(2024, 4, 1)


@pytest.fixture
def t():
    territory = Territory(MemoryEventStore())
    buyer = territory.buyer()
    territory.ei = territory.company("EI Réagir", CompanyKind.EI)
    awardee = territory.company("Bâti Dijon")
    territory.btp = territory.market(buyer, "2024-BTP-01")
    territory.btp_lot = territory.lot(territory.btp, awardee)
    strict = CountingRules(
        cdi_counted_months=6,
        training_hours_count=False,
        warning_hours=Decimal("140"),
        refusal_hours=Decimal("180"),
    )
    territory.services = territory.market(buyer, "2024-SRV-02", Sector.SERVICES, rules=strict)
    territory.services_lot = territory.lot(territory.services, awardee, "2")
    territory.person_id = territory.person()
    territory.validate(territory.person_id, (Sector.BTP, Sector.SERVICES), date(2024, 1, 5))
    return territory


def btp_contract(t, person_id=None, **options):
    return t.contract(person_id or t.person_id, t.ei, t.btp, t.btp_lot, date(2024, 3, 1), **options)


def services_contract(t, person_id=None, **options):
    return t.contract(
        person_id or t.person_id, t.ei, t.services, t.services_lot, date(2024, 3, 1), **options
    )


def test_record_returns_counted_hours_and_no_warning(t):
    contract_id = btp_contract(t)
    result = t.hours(contract_id, date(2024, 4, 17), "120.5", "20")
    assert result == {
        "contract_id": str(contract_id),
        "version": 2,
        "month": "2024-04-01",
        "counted_hours": "120.50",
        "warnings": [],
    }


def test_warning_above_151_67_across_two_contracts_of_the_person(t):
    first, second = btp_contract(t), btp_contract(t, contract_type=ContractType.CDD)
    t.hours(first, APRIL, "100")
    assert t.hours(second, APRIL, "51.67")["warnings"] == []
    t.withdraw(second, APRIL)
    result = t.hours(second, APRIL, "51.68")
    assert len(result["warnings"]) == 1
    assert "151,68 h en avril 2024 (tous contrats confondus)" in result["warnings"][0]
    event = t.store.read_stream(str(second))[-1].event
    assert event.warnings == tuple(result["warnings"])


def test_refusal_above_200_across_two_contracts_of_the_person(t):
    first, second = btp_contract(t), btp_contract(t)
    t.hours(first, APRIL, "120")
    assert len(t.hours(second, APRIL, "80")["warnings"]) == 1  # exactly 200: accepted
    with pytest.raises(RuleViolation) as caught:
        t.correct(second, APRIL, "80.01")
    assert caught.value.field == "hours"
    assert "200,01 h" in caught.value.message and "200,00 h" in caught.value.message
    # Another month is a fresh total.
    assert t.hours(second, date(2024, 5, 1), "150")["warnings"] == []


def test_withdrawn_hours_of_another_contract_do_not_count_in_the_total(t):
    first, second = btp_contract(t), btp_contract(t)
    t.hours(first, APRIL, "150")
    with pytest.raises(RuleViolation):
        t.hours(second, APRIL, "60")
    t.withdraw(first, APRIL)
    assert t.hours(second, APRIL, "60")["warnings"] == []


def test_thresholds_are_those_of_the_market_of_the_recorded_contract(t):
    btp, services = btp_contract(t), services_contract(t)
    t.hours(btp, APRIL, "100")
    with pytest.raises(RuleViolation, match="maximum de 180,00 h"):
        t.hours(services, APRIL, "80.01")  # 180.01 > services' 180
    t.hours(services, APRIL, "80")  # 180: warned (above 140)
    t.correct(btp, APRIL, "100")  # same values: no-op
    result = t.correct(btp, APRIL, "119", reason="Relevé corrigé")
    assert "199,00 h" in result["warnings"][0]  # under BTP's 200 refusal


def test_a_merged_duplicate_s_contracts_count_in_the_survivor_s_total(t):
    duplicate = t.person("Martin", "Lea")
    t.validate(duplicate, (Sector.BTP,), date(2024, 1, 5))
    on_duplicate = btp_contract(t, duplicate)
    t.hours(on_duplicate, APRIL, "120")
    t.merge(t.person_id, duplicate)
    on_survivor = btp_contract(t)
    with pytest.raises(RuleViolation, match="200,50 h"):
        t.hours(on_survivor, APRIL, "80.5")
    # Seen from the duplicate's old contract too: the group is the survivor's.
    t.hours(on_survivor, APRIL, "60")
    with pytest.raises(RuleViolation, match="240,00 h"):
        t.correct(on_duplicate, APRIL, "180")


def test_training_not_counted_and_cdi_window_on_the_services_market(t):
    cdi = services_contract(t, contract_type=ContractType.CDI)
    assert t.hours(cdi, APRIL, "100", "30")["counted_hours"] == "70.00"
    result = t.hours(cdi, date(2024, 9, 1), "100", "0")
    assert result["counted_hours"] == "0.00"
    assert "CDI : seuls les 6 premiers mois comptent" in result["warnings"][0]


def test_source_and_actor_go_in_the_event_metadata(t):
    contract_id = btp_contract(t)
    source = {"kind": "import", "file": "releve-avril.xlsx", "row": 12}
    t.hours(contract_id, APRIL, "35", metadata={"source": source})
    recorded = t.store.read_stream(str(contract_id))[-1]
    assert recorded.metadata["source"] == source
    assert recorded.metadata["actor"] == "facilitatrice"
    assert recorded.metadata["command"] == "RecordHours"


def test_correct_and_withdraw_append_their_events(t):
    contract_id = btp_contract(t)
    t.hours(contract_id, APRIL, "35")
    result = t.correct(contract_id, APRIL, "36.5", reason="Relevé rectifié")
    assert (result["version"], result["counted_hours"]) == (3, "36.50")
    noop = t.correct(contract_id, APRIL, "36.50", reason="Relevé rectifié")
    assert (noop["version"], noop["counted_hours"]) == (3, None)
    t.withdraw(contract_id, APRIL, "Doublon")
    events = [r.event for r in t.store.read_stream(str(contract_id))]
    assert isinstance(events[2], HoursCorrected) and isinstance(events[3], HoursWithdrawn)
    assert t.hours(contract_id, APRIL, "30")["version"] == 5


def test_hours_on_an_unknown_contract(t):
    import uuid

    with pytest.raises(NotFound) as caught:
        t.run(RecordHours(contract_id=uuid.uuid4(), month=APRIL, hours=Decimal("1")))
    assert caught.value.field == "contract_id"


def test_hours_outside_the_period_and_ending_before_recorded_hours(t):
    contract_id = btp_contract(t, planned_end=date(2024, 6, 30))
    with pytest.raises(RuleViolation, match="prolongez"):
        t.hours(contract_id, date(2024, 7, 1), "10")
    t.hours(contract_id, date(2024, 6, 1), "10")
    with pytest.raises(RuleViolation) as caught:
        t.end(contract_id, date(2024, 5, 31))
    assert caught.value.field == "end_date"
