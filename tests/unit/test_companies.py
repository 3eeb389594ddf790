"""Companies: given events, when a decision, then events or a named error; and handlers."""

import uuid

import pytest

from clauses_service.commands.companies import ChangeCompanyDetails, RegisterCompany
from clauses_service.domain import companies
from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from clauses_service.messagebus import execute
from events.catalog.claims import claim_stream
from events.catalog.companies import CompanyDetailsChanged, CompanyKind, CompanyRegistered
from events.memory_store import MemoryEventStore

COMPANY = uuid.uuid4()
SIRET = "73282932000074"
REGISTERED = CompanyRegistered(COMPANY, SIRET, "Bâtir Bourgogne", CompanyKind.ENTREPRISE)


# ---- decisions ---------------------------------------------------------------------------
def test_given_nothing_when_register_then_siret_compacted_and_name_cleaned():
    new = companies.register(
        companies.fold([]), COMPANY, " 732.829.320 00074 ", "  Bâtir   Bourgogne ", "ENTREPRISE"
    )
    assert new == [REGISTERED]


@pytest.mark.parametrize("siret", ["73282932000075", "7328293200007", "7328293200007A", "abc"])
def test_when_register_with_an_invalid_siret_then_french_error_on_siret(siret):
    with pytest.raises(RuleViolation) as caught:
        companies.register(companies.fold([]), COMPANY, siret, "X", CompanyKind.EI)
    assert caught.value.field == "siret"
    assert caught.value.message.startswith(f"SIRET invalide : « {siret} »")
    assert "14 chiffres attendus dont une clé de contrôle" in caught.value.message


def test_when_register_without_siret_then_siret_is_required():
    with pytest.raises(RuleViolation) as caught:
        companies.register(companies.fold([]), COMPANY, "  ", "X", CompanyKind.EI)
    assert caught.value.field == "siret" and "obligatoire" in caught.value.message


def test_la_poste_sirets_follow_their_own_key_and_are_accepted():
    # La Poste establishments (SIREN 356 000 000) use a digit sum, not Luhn.
    assert companies.normalise_siret("356 000 000 00048") == "35600000000048"


def test_when_register_without_name_or_with_a_too_long_name_then_name_errors():
    with pytest.raises(RuleViolation) as caught:
        companies.register(companies.fold([]), COMPANY, SIRET, " \t ", CompanyKind.EI)
    assert caught.value.field == "name" and caught.value.message == (
        "Le nom de l'entreprise est obligatoire."
    )
    with pytest.raises(RuleViolation) as caught:
        companies.register(companies.fold([]), COMPANY, SIRET, "A" * 301, CompanyKind.EI)
    assert caught.value.field == "name" and "300 caractères" in caught.value.message
    assert companies.register(companies.fold([]), COMPANY, SIRET, "A" * 300, "EI")[0].name == (
        "A" * 300
    )


def test_when_register_with_an_unknown_kind_then_kind_error_lists_the_values():
    with pytest.raises(RuleViolation) as caught:
        companies.register(companies.fold([]), COMPANY, SIRET, "X", "SCOP")
    assert caught.value.field == "kind"
    assert "« SCOP »" in caught.value.message and "ETTI" in caught.value.message


def test_given_registered_when_register_again_then_already_exists():
    with pytest.raises(AlreadyExists) as caught:
        companies.register(companies.fold([REGISTERED]), COMPANY, SIRET, "X", CompanyKind.EI)
    assert caught.value.field == "company_id" and "déjà enregistrée" in caught.value.message


def test_given_registered_when_change_details_then_changed_and_unchanged_is_a_no_op():
    state = companies.fold([REGISTERED])
    assert companies.change_details(state, "Bâtir  Bourgogne", CompanyKind.ENTREPRISE) == []
    assert companies.change_details(state, "Bâtir Bourgogne", "ETTI") == [
        CompanyDetailsChanged(COMPANY, "Bâtir Bourgogne", CompanyKind.ETTI)
    ]
    after = companies.fold([REGISTERED, CompanyDetailsChanged(COMPANY, "BB", CompanyKind.EI)])
    assert (after.name, after.kind, after.siret, after.version) == (
        "BB",
        CompanyKind.EI,
        SIRET,
        2,
    )


def test_given_nothing_when_change_details_then_not_found():
    with pytest.raises(NotFound) as caught:
        companies.change_details(companies.fold([]), "X", CompanyKind.EI)
    assert caught.value.field == "company_id" and caught.value.message == "Entreprise introuvable."


# ---- handlers ----------------------------------------------------------------------------
@pytest.fixture
def store():
    return MemoryEventStore()


def register(store, siret=SIRET, company_id=None, name="Bâtir Bourgogne"):
    command = RegisterCompany(
        company_id=company_id or uuid.uuid4(), siret=siret, name=name, kind=CompanyKind.ENTREPRISE
    )
    return execute(store, command, "fa")


def test_register_company_appends_the_company_and_claims_its_siret(store):
    result = register(store, siret="732 829 320 00074", company_id=COMPANY)
    assert result == {"company_id": str(COMPANY), "siret": SIRET, "version": 1}
    assert [r.event for r in store.read_stream(str(COMPANY))] == [REGISTERED]
    [claimed] = store.read_stream(claim_stream("siret", SIRET))
    assert claimed.event.owner_id == COMPANY


def test_a_siret_registered_twice_is_refused_whatever_its_spelling(store):
    register(store)
    head = store.head_position()
    with pytest.raises(AlreadyExists) as caught:
        register(store, siret="732.829.320.00074", name="Autre nom")
    assert caught.value.field == "siret"
    assert caught.value.message.startswith(
        "Une entreprise est déjà enregistrée avec le SIRET 73282932000074"
    )
    assert store.head_position() == head


def test_an_invalid_siret_writes_nothing(store):
    with pytest.raises(RuleViolation):
        register(store, siret="12345678901234")
    assert store.head_position() == 0


def test_change_company_details_through_the_bus(store):
    register(store, company_id=COMPANY)
    command = ChangeCompanyDetails(company_id=COMPANY, name="BB Insertion", kind=CompanyKind.EI)
    assert execute(store, command, "fa") == {"company_id": str(COMPANY), "version": 2}
    assert execute(store, command, "fa") == {"company_id": str(COMPANY), "version": 2}
    with pytest.raises(NotFound):
        execute(store, ChangeCompanyDetails(company_id=uuid.uuid4(), name="X", kind="EI"), "fa")
