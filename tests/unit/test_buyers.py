"""Buyers: given events, when a command, then events or a named error."""

import uuid

import pytest

from clauses_service.domain import buyers
from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from events.catalog.buyers import BuyerContactsSet, BuyerKind, BuyerRegistered, BuyerRenamed

BUYER = uuid.uuid4()
REGISTERED = BuyerRegistered(BUYER, "Dijon Métropole", BuyerKind.COLLECTIVITE)


def test_given_nothing_when_register_then_registered_with_clean_name():
    assert buyers.register(buyers.fold([]), BUYER, "  Dijon   Métropole ", "COLLECTIVITE") == [
        REGISTERED
    ]


def test_given_registered_when_register_again_then_already_exists():
    with pytest.raises(AlreadyExists):
        buyers.register(buyers.fold([REGISTERED]), BUYER, "Autre", BuyerKind.ETAT)


def test_when_register_without_name_then_error_names_the_field():
    with pytest.raises(RuleViolation) as caught:
        buyers.register(buyers.fold([]), BUYER, "   ", BuyerKind.ETAT)
    assert caught.value.field == "name" and "obligatoire" in caught.value.message


def test_given_registered_when_rename_then_renamed_and_same_name_is_a_no_op():
    state = buyers.fold([REGISTERED])
    assert buyers.rename(state, "Ville de Dijon") == [BuyerRenamed(BUYER, "Ville de Dijon")]
    assert buyers.rename(state, "Dijon Métropole") == []
    assert buyers.fold([REGISTERED, BuyerRenamed(BUYER, "X")]).name == "X"


def test_given_nothing_when_rename_then_not_found():
    with pytest.raises(NotFound):
        buyers.rename(buyers.fold([]), "X")


def test_contacts_are_normalised_deduplicated_and_checked():
    state = buyers.fold([REGISTERED])
    assert buyers.set_contacts(state, (" Clauses@Dijon.fr", "clauses@dijon.fr", "b@c.fr")) == [
        BuyerContactsSet(BUYER, ("clauses@dijon.fr", "b@c.fr"))
    ]
    with pytest.raises(RuleViolation, match="Adresse e-mail invalide"):
        buyers.set_contacts(state, ("pas-une-adresse",))
    after = buyers.fold([REGISTERED, BuyerContactsSet(BUYER, ("b@c.fr",))])
    assert after.contacts == ("b@c.fr",) and after.version == 2
    assert buyers.set_contacts(after, ("b@c.fr",)) == []
