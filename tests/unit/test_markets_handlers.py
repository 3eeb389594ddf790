"""Market commands through the message bus on the in-memory store: uniqueness, lookups."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from clauses_service.commands.buyers import RegisterBuyer
from clauses_service.commands.companies import RegisterCompany
from clauses_service.commands.markets import (
    AddLot,
    AmendLot,
    ChangeCountingRules,
    ChangeLotAwardee,
    ChangeMarketDetails,
    RegisterMarket,
)
from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from clauses_service.messagebus import execute
from events.catalog.buyers import BuyerKind
from events.catalog.claims import claim_stream
from events.catalog.companies import CompanyKind
from events.catalog.markets import CountingRules, LegalBasis, LotAdded, MarketRegistered
from events.catalog.sectors import Sector
from events.errors import ConcurrencyError
from events.memory_store import MemoryEventStore

SIRET, OTHER_SIRET, UNKNOWN_SIRET = "73282932000074", "44201369400017", "32600454600015"


@pytest.fixture
def store():
    return MemoryEventStore()


@pytest.fixture
def buyer(store):
    buyer_id = uuid.uuid4()
    command = RegisterBuyer(buyer_id=buyer_id, name="Dijon Métropole", kind=BuyerKind.COLLECTIVITE)
    execute(store, command, "fa")
    return buyer_id


@pytest.fixture
def company(store):
    company_ids = {}
    for siret in (SIRET, OTHER_SIRET):
        company_ids[siret] = uuid.uuid4()
        command = RegisterCompany(
            company_id=company_ids[siret], siret=siret, name=f"E {siret}", kind=CompanyKind.EI
        )
        execute(store, command, "fa")
    return company_ids


def register_market(store, buyer_id, reference="2024-BTP-017", market_id=None, **changes):
    command = RegisterMarket(
        market_id=market_id or uuid.uuid4(),
        buyer_id=buyer_id,
        reference=reference,
        title="Tramway ligne 3",
        kind=Sector.BTP,
        legal_basis=LegalBasis.L2112_2,
        start_date=date(2024, 1, 1),
        end_date=date(2025, 12, 31),
        **changes,
    )
    return execute(store, command, "fa")


def add_lot(store, market_id, lot_id=None, siret=SIRET, number="1", **changes):
    figures = dict(
        amount_excl_vat=Decimal("1000000"),
        labour_share=Decimal("0.5"),
        insertion_rate=Decimal("0.05"),
        hourly_cost=Decimal("30"),
    )
    command = AddLot(
        market_id=market_id,
        lot_id=lot_id or uuid.uuid4(),
        number=number,
        title="Gros œuvre",
        awarded_siret=siret,
        **{**figures, **changes},
    )
    return execute(store, command, "fa")


def test_register_market_keeps_the_reference_as_given_and_claims_its_key(store, buyer):
    market_id = uuid.uuid4()
    result = register_market(store, buyer, reference="  2024-btp 017 ", market_id=market_id)
    assert result == {"market_id": str(market_id), "version": 1}
    [recorded] = store.read_stream(str(market_id))
    assert isinstance(recorded.event, MarketRegistered)
    assert recorded.event.reference == "2024-btp 017"
    assert recorded.event.rules == CountingRules()
    [claimed] = store.read_stream(claim_stream("market-reference", "2024-BTP 017"))
    assert claimed.event.owner_id == market_id


def test_a_reference_is_unique_whatever_its_case_and_spaces(store, buyer):
    register_market(store, buyer, reference="2024-BTP 017")
    head = store.head_position()
    with pytest.raises(AlreadyExists) as caught:
        register_market(store, buyer, reference=" 2024-btp   017")
    assert caught.value.field == "reference"
    assert (
        caught.value.message
        == "Un marché est déjà enregistré avec la référence « 2024-btp   017 »."
    )
    assert store.head_position() == head
    assert register_market(store, buyer, reference="2024-BTP 018")["version"] == 1


def test_register_market_for_an_unknown_buyer_writes_nothing(store):
    with pytest.raises(NotFound) as caught:
        register_market(store, uuid.uuid4())
    assert caught.value.field == "buyer_id"
    assert store.head_position() == 0


def test_add_lot_resolves_the_company_by_siret_and_returns_the_hours(store, buyer, company):
    market_id, lot_id = uuid.uuid4(), uuid.uuid4()
    register_market(store, buyer, market_id=market_id)
    result = add_lot(store, market_id, lot_id, siret="732 829 320 00074")
    assert result == {
        "market_id": str(market_id),
        "version": 2,
        "lot_id": str(lot_id),
        "awarded_company_id": str(company[SIRET]),
        "computed_hours": "833.33",
        "required_hours": "833.33",
    }
    added = store.read_stream(str(market_id))[-1].event
    assert isinstance(added, LotAdded)
    assert (added.awarded_company_id, added.awarded_siret) == (company[SIRET], SIRET)
    manual = add_lot(store, market_id, number="2", manual_hours=Decimal("850"))
    assert (manual["computed_hours"], manual["required_hours"]) == ("833.33", "850.00")


def test_add_lot_with_an_unknown_or_invalid_siret_is_refused(store, buyer, company):
    market_id = uuid.uuid4()
    register_market(store, buyer, market_id=market_id)
    head = store.head_position()
    with pytest.raises(NotFound) as caught:
        add_lot(store, market_id, siret=UNKNOWN_SIRET)
    assert caught.value.field == "awarded_siret"
    assert caught.value.message.startswith(
        f"Aucune entreprise enregistrée avec le SIRET {UNKNOWN_SIRET}"
    )
    with pytest.raises(RuleViolation) as caught:
        add_lot(store, market_id, siret="123")
    assert caught.value.field == "awarded_siret" and "SIRET invalide" in caught.value.message
    assert store.head_position() == head


def test_add_lot_to_an_unknown_market_is_not_found_before_the_siret(store, company):
    with pytest.raises(NotFound) as caught:
        add_lot(store, uuid.uuid4(), siret=UNKNOWN_SIRET)
    assert caught.value.field == "market_id"


def test_lot_numbers_are_unique_in_a_market_but_not_across_markets(store, buyer, company):
    first, second = uuid.uuid4(), uuid.uuid4()
    register_market(store, buyer, market_id=first)
    register_market(store, buyer, reference="2024-SRV-002", market_id=second)
    add_lot(store, first, number="Lot 1")
    with pytest.raises(AlreadyExists) as caught:
        add_lot(store, first, number="LOT 1")
    assert caught.value.field == "number"
    assert add_lot(store, second, number="Lot 1")["version"] == 2


def test_change_awardee_amend_and_market_changes(store, buyer, company):
    market_id, lot_id = uuid.uuid4(), uuid.uuid4()
    register_market(store, buyer, market_id=market_id)
    add_lot(store, market_id, lot_id)
    moved = execute(
        store,
        ChangeLotAwardee(market_id=market_id, lot_id=lot_id, awarded_siret=OTHER_SIRET),
        "fa",
    )
    assert moved["awarded_company_id"] == str(company[OTHER_SIRET]) and moved["version"] == 3
    with pytest.raises(NotFound) as caught:
        execute(
            store,
            ChangeLotAwardee(market_id=market_id, lot_id=lot_id, awarded_siret=UNKNOWN_SIRET),
            "fa",
        )
    assert caught.value.field == "awarded_siret"
    amend = AmendLot(
        market_id=market_id,
        lot_id=lot_id,
        amended_on=date(2024, 9, 1),
        reason="Avenant n° 1 : travaux supplémentaires",
        required_hours=Decimal("1000"),
        amount_excl_vat=Decimal("1200000"),
    )
    result = execute(store, amend, "fa")
    assert (result["version"], result["required_hours"]) == (4, "1000.00")
    assert "warnings" not in result
    late = AmendLot(
        market_id=market_id,
        lot_id=lot_id,
        amended_on=date(2026, 1, 15),
        reason="Avenant n° 2",
        required_hours=Decimal("1100"),
    )
    assert execute(store, late, "fa")["warnings"] == [
        "L'avenant est daté du 15/01/2026, après la fin du marché (31/12/2025) : "
        "pensez à prolonger le marché."
    ]
    details = ChangeMarketDetails(
        market_id=market_id,
        title="Tramway T3",
        start_date=date(2024, 1, 1),
        end_date=date(2026, 6, 30),
    )
    assert execute(store, details, "fa") == {"market_id": str(market_id), "version": 6}
    rules = ChangeCountingRules(market_id=market_id, rules=CountingRules(cdi_counted_months=6))
    assert execute(store, rules, "fa")["version"] == 7
    assert execute(store, rules, "fa")["version"] == 7  # unchanged: nothing appended


def test_stale_expected_version_on_a_market_is_a_concurrency_error(store, buyer):
    market_id = uuid.uuid4()
    register_market(store, buyer, market_id=market_id)
    stale = ChangeCountingRules(
        market_id=market_id, rules=CountingRules(cdi_counted_months=6), expected_version=0
    )
    with pytest.raises(ConcurrencyError):
        execute(store, stale, "fa")
    assert len(store.read_stream(str(market_id))) == 1
