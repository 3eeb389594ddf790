"""People commands through the message bus on the in-memory store (vault in memory)."""

import json
import uuid
from datetime import UTC, date, datetime

import pytest

from clauses_service.commands.people import (
    CorrectIdentity,
    EndPlieLink,
    ErasePersonalData,
    MergePeople,
    OrientCandidate,
    RefuseCandidate,
    RegisterPerson,
    StartPlieLink,
    ValidateCandidate,
)
from clauses_service.domain.errors import NotFound, RuleViolation
from clauses_service.handlers.base import Context
from clauses_service.handlers.people import load_person, load_survivor, survivor_id
from clauses_service.identity import MemoryVault, vault_for
from clauses_service.messagebus import execute
from events.catalog.people import (
    EligibilityCriterion,
    Evidence,
    Identity,
    PersonalDataErased,
    PrescriberKind,
    RefusalReason,
    Sex,
)
from events.catalog.sectors import Sector
from events.memory_store import MemoryEventStore

NOW = datetime(2024, 6, 15, 10, 0, tzinfo=UTC)
BTP = (Sector.BTP,)


@pytest.fixture
def store():
    return MemoryEventStore()


def run(store, command, **kwargs):
    return execute(store, command, "facilitatrice", now=NOW, **kwargs)


def register(store, person_id=None, **overrides) -> uuid.UUID:
    person_id = person_id or uuid.uuid4()
    values = dict(
        person_id=person_id,
        last_name="Dupont-Martin",
        first_name="Élodie",
        birth_date=date(1990, 3, 15),
        sex=Sex.FEMME,
        commune="Dijon",
        qpv="Dijon – Grésilles",
    )
    run(store, RegisterPerson(**{**values, **overrides}))
    return person_id


def orient(store, person_id, oriented_on=date(2024, 3, 1)) -> uuid.UUID:
    orientation_id = uuid.uuid4()
    run(
        store,
        OrientCandidate(
            person_id=person_id,
            orientation_id=orientation_id,
            prescriber_name="France Travail Dijon Nord",
            prescriber_kind=PrescriberKind.FRANCE_TRAVAIL,
            oriented_on=oriented_on,
            sectors=BTP,
        ),
    )
    return orientation_id


def opened_identity(store, person_id) -> Identity | None:
    state = load_state(store, person_id)
    return vault_for(store).open(None, person_id, state.sealed_identity)


def load_state(store, person_id):
    with store.transaction() as tx:
        return load_person(Context(tx, "t", NOW, {}), person_id)


def test_register_seals_the_identity_out_of_the_payload(store):
    person = uuid.uuid4()
    result = run(
        store,
        RegisterPerson(
            person_id=person,
            last_name="  Dupont-Martin ",
            first_name="Élodie",
            birth_date=date(1990, 3, 15),
            sex=Sex.FEMME,
            qpv="Dijon – Grésilles",
            rsa=True,
        ),
    )
    assert result == {"person_id": str(person), "version": 1, "possible_duplicates": []}
    raw = json.dumps(store._rows[0][7], ensure_ascii=False)
    assert "Dupont" not in raw and "Élodie" not in raw and "1990" not in raw
    assert opened_identity(store, person) == Identity(
        "Dupont-Martin", "Élodie", date(1990, 3, 15), Sex.FEMME, "", "Dijon – Grésilles", rsa=True
    )


def test_memory_store_reports_no_possible_duplicates(store):
    register(store)
    result = run(
        store,
        RegisterPerson(
            person_id=uuid.uuid4(),
            last_name="DUPONT MARTIN",
            first_name="elodie",
            birth_date=date(1990, 3, 15),
            sex=Sex.FEMME,
        ),
    )
    assert result["possible_duplicates"] == []


def test_invalid_registration_writes_nothing(store):
    with pytest.raises(RuleViolation) as caught:
        register(store, birth_date=date(2015, 1, 1))
    assert caught.value.field == "birth_date"
    assert store.head_position() == 0


def test_correct_identity_reseals_and_same_identity_is_a_no_op(store):
    person = register(store)
    command = CorrectIdentity(
        person_id=person,
        last_name="Dupont",
        first_name="Élodie",
        birth_date=date(1990, 3, 15),
        sex=Sex.FEMME,
        commune="Chenôve",
    )
    assert run(store, command) == {"person_id": str(person), "version": 2}
    assert opened_identity(store, person).last_name == "Dupont"
    assert opened_identity(store, person).commune == "Chenôve"
    assert run(store, command) == {"person_id": str(person), "version": 2}


def test_erasure_forgets_the_key_and_keeps_the_activity(store):
    person = register(store)
    orient(store, person)
    token = load_state(store, person).sealed_identity
    result = run(store, ErasePersonalData(person_id=person))
    assert result == {"person_id": str(person), "version": 3, "erased": [str(person)]}
    assert vault_for(store).open(None, person, token) is None
    assert not vault_for(store).has_key(person)
    assert store.read_stream(str(person))[-1].event == PersonalDataErased(person, date(2024, 6, 15))
    with pytest.raises(RuleViolation, match="effacées") as caught:
        run(
            store,
            CorrectIdentity(
                person_id=person,
                last_name="X",
                first_name="Y",
                birth_date=date(1990, 1, 1),
                sex=Sex.HOMME,
            ),
        )
    assert caught.value.field == "person_id"
    # Other commands still work: the person still exists, anonymously.
    assert len(load_state(store, person).orientations) == 1
    orient(store, person, date(2024, 6, 1))
    assert run(store, ErasePersonalData(person_id=person))["erased"] == []


def test_merge_appends_on_both_streams_and_freezes_the_duplicate(store):
    keep, duplicate = register(store), register(store)
    result = run(store, MergePeople(keep_id=keep, duplicate_id=duplicate))
    assert result == {"person_id": str(keep), "merged": str(duplicate), "version": 2}
    assert [r.event_type for r in store.read_stream(str(duplicate))][-1] == "PersonMerged"
    assert [r.event_type for r in store.read_stream(str(keep))][-1] == "PersonAbsorbed"
    # One transaction: both events were committed together (consecutive positions).
    assert store._rows[-1][0] == store._rows[-2][0] + 1
    with pytest.raises(RuleViolation, match=f"fusionnée avec {keep}") as caught:
        orient(store, duplicate)
    assert caught.value.field == "person_id"
    with pytest.raises(RuleViolation, match=f"fusionnée avec {keep}"):
        run(store, MergePeople(keep_id=keep, duplicate_id=duplicate))


def test_a_merge_chain_names_the_final_survivor(store):
    first, second, third = register(store), register(store), register(store)
    run(store, MergePeople(keep_id=second, duplicate_id=first))
    run(store, MergePeople(keep_id=third, duplicate_id=second))
    with pytest.raises(RuleViolation, match=f"fusionnée avec {third}"):
        orient(store, first)
    with store.transaction() as tx:
        ctx = Context(tx, "t", NOW, {})
        assert survivor_id(ctx, first) == survivor_id(ctx, third) == third
        assert survivor_id(ctx, uuid.uuid4()) is None
        assert load_survivor(ctx, first).person_id == third


def test_merge_unknown_person_is_not_found(store):
    keep = register(store)
    with pytest.raises(NotFound) as caught:
        run(store, MergePeople(keep_id=keep, duplicate_id=uuid.uuid4()))
    assert caught.value.field == "duplicate_id"


def test_erasing_a_survivor_erases_the_people_merged_into_it(store):
    keep, duplicate = register(store), register(store)
    run(store, MergePeople(keep_id=keep, duplicate_id=duplicate))
    with pytest.raises(RuleViolation, match=f"fusionnée avec {keep}"):
        run(store, ErasePersonalData(person_id=duplicate))
    result = run(store, ErasePersonalData(person_id=keep))
    assert result["erased"] == sorted([str(keep), str(duplicate)])
    assert not vault_for(store).has_key(keep) and not vault_for(store).has_key(duplicate)
    assert load_state(store, duplicate).erased


def test_survivor_decides_with_the_activity_of_the_merged_person(store):
    keep, duplicate = register(store), register(store)
    orientation = orient(store, duplicate)
    link = uuid.uuid4()
    run(
        store,
        StartPlieLink(person_id=duplicate, link_id=link, entry_date=date(2024, 1, 5), referent="R"),
    )
    run(store, MergePeople(keep_id=keep, duplicate_id=duplicate))
    # The duplicate's orientation can be validated on the survivor...
    result = run(
        store,
        ValidateCandidate(
            person_id=keep,
            validation_id=uuid.uuid4(),
            orientation_id=orientation,
            sectors=BTP,
            criteria=(EligibilityCriterion.DELD,),
            validated_on=date(2024, 3, 5),
        ),
    )
    assert result["valid_until"] == "2026-03-05"
    # ...its open PLIE link blocks a second one, and can be closed from the survivor.
    with pytest.raises(RuleViolation, match="déjà en cours depuis le 05/01/2024"):
        run(
            store,
            StartPlieLink(
                person_id=keep, link_id=uuid.uuid4(), entry_date=date(2024, 2, 1), referent="R"
            ),
        )
    run(
        store,
        EndPlieLink(person_id=keep, link_id=link, exit_date=date(2024, 5, 31), reason="CDI"),
    )
    state = load_state(store, keep)
    assert state.open_plie_link is None and state.plie_links[0].exit_reason == "CDI"
    assert state.eligibility_on(date(2024, 4, 1), Sector.BTP) is not None
    assert state.version == 4  # its own stream: registered, absorbed, validated, ended


def test_validation_result_carries_warnings(store):
    person = register(store)
    result = run(
        store,
        ValidateCandidate(
            person_id=person,
            validation_id=uuid.uuid4(),
            sectors=BTP,
            criteria=(EligibilityCriterion.BRSA,),
            evidence=(Evidence(EligibilityCriterion.BRSA, "Attestation CAF", date(2024, 1, 2)),),
            validated_on=date(2024, 6, 1),
            valid_until=date(2025, 6, 1),
        ),
    )
    assert result["version"] == 2 and result["valid_until"] == "2025-06-01"
    assert len(result["warnings"]) == 1 and "plus de 3 mois" in result["warnings"][0]


def test_refusal_then_new_orientation(store):
    person = register(store)
    orientation = orient(store, person)
    result = run(
        store,
        RefuseCandidate(
            person_id=person,
            refusal_id=uuid.uuid4(),
            orientation_id=orientation,
            sectors=BTP,
            reason=RefusalReason.AUTRE,
            reason_text="Déménagement",
            refused_on=date(2024, 3, 4),
        ),
    )
    assert result["version"] == 3
    orient(store, person, date(2024, 5, 2))
    assert len(load_state(store, person).orientations) == 2


def test_today_comes_from_now_in_paris(store):
    person = register(store)
    # 23:30 UTC on 14 June is already 15 June in Paris: not "in the future".
    late = datetime(2024, 6, 14, 23, 30, tzinfo=UTC)
    execute(
        store,
        OrientCandidate(
            person_id=person,
            orientation_id=uuid.uuid4(),
            prescriber_name="CCAS",
            prescriber_kind=PrescriberKind.CCAS,
            oriented_on=date(2024, 6, 15),
            sectors=BTP,
        ),
        "fa",
        now=late,
    )
    assert load_state(store, person).orientations[0].oriented_on == date(2024, 6, 15)


def test_explicit_vault_service_overrides_the_default(store):
    mine = MemoryVault()
    person = uuid.uuid4()
    run(
        store,
        RegisterPerson(
            person_id=person,
            last_name="Roy",
            first_name="Paul",
            birth_date=date(1980, 1, 1),
            sex=Sex.HOMME,
        ),
        services={"vault": mine},
    )
    assert mine.has_key(person) and not vault_for(store).has_key(person)
