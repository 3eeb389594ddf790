"""The identity vault in memory: seal, open, forget; one vault per store."""

import uuid
from datetime import date

import pytest

from clauses_service.identity import MemoryVault, SqlVault, vault_for
from events.catalog.people import Identity, QualificationLevel, Sex
from events.memory_store import MemoryEventStore

PERSON = uuid.uuid4()
ELODIE = Identity(
    "Dupont-Martin",
    "Élodie",
    date(1990, 3, 15),
    Sex.FEMME,
    "Dijon",
    "Dijon – Grésilles",
    QualificationLevel.NIVEAU_3,
    rsa=True,
)


def test_sealed_identity_opens_back_and_hides_the_name():
    vault = MemoryVault()
    token = vault.seal(None, PERSON, ELODIE)
    assert "Dupont" not in token and "lodie" not in token and "1990" not in token
    assert vault.open(None, PERSON, token) == ELODIE
    assert vault.open(None, str(PERSON), token) == ELODIE  # ids as str or UUID


def test_one_key_per_person_created_once():
    vault = MemoryVault()
    first = vault.seal(None, PERSON, ELODIE)
    second = vault.seal(None, PERSON, ELODIE)
    assert vault.open(None, PERSON, first) == vault.open(None, PERSON, second) == ELODIE
    other = uuid.uuid4()
    # Another person's key cannot open this person's token.
    vault.seal(None, other, ELODIE)
    assert vault.open(None, other, first) is None


def test_forget_makes_every_token_of_the_person_unreadable():
    vault = MemoryVault()
    token = vault.seal(None, PERSON, ELODIE)
    vault.forget(None, PERSON)
    assert not vault.has_key(PERSON)
    assert vault.open(None, PERSON, token) is None
    vault.forget(None, PERSON)  # forgetting twice is harmless


@pytest.mark.parametrize("token", [None, "", "not-a-token", "gAAAAABgarbage"])
def test_unreadable_tokens_open_to_none(token):
    vault = MemoryVault()
    vault.seal(None, PERSON, ELODIE)
    assert vault.open(None, PERSON, token) is None


def test_unknown_person_opens_to_none():
    assert MemoryVault().open(None, uuid.uuid4(), "whatever") is None


def test_vault_for_gives_one_memory_vault_per_store():
    store, other = MemoryEventStore(), MemoryEventStore()
    assert vault_for(store) is vault_for(store)
    assert vault_for(store) is not vault_for(other)
    assert isinstance(vault_for(store), MemoryVault)


def test_vault_for_a_sql_store_is_a_sql_vault(tmp_path):
    from events.engine import make_engine
    from events.sql_store import SqlEventStore

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert isinstance(vault_for(SqlEventStore(engine)), SqlVault)
    finally:
        engine.dispose()
