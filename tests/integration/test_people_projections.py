"""People on SQLite and PostgreSQL: vault, read tables, erasure, duplicates, queries, rebuild."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

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
from clauses_service.domain.errors import RuleViolation
from clauses_service.identity import SqlVault
from clauses_service.messagebus import execute
from events.catalog.people import (
    EligibilityCriterion,
    Identity,
    PrescriberKind,
    QualificationLevel,
    RefusalReason,
    Sex,
)
from events.catalog.sectors import Sector
from events.schema import person_keys
from projections import people as people_projection
from projections.queries import people as q
from projections.runner import ProjectionRunner
from tests.conftest import SQL_BACKENDS

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)

NOW = datetime(2024, 6, 15, 10, 0, tzinfo=UTC)
TABLES = people_projection.PROJECTION.tables
ELODIE = dict(
    last_name="Dupont-Martin",
    first_name="Élodie",
    birth_date=date(1990, 3, 15),
    sex=Sex.FEMME,
    commune="Dijon",
    qpv="Dijon – Grésilles",
    qualification=QualificationLevel.NIVEAU_3,
    rsa=True,
)


@pytest.fixture
def store(make_store):
    store = make_store()
    runner = ProjectionRunner(store, people_projection.PROJECTIONS, page_size=5)
    runner.ensure_tables()
    runner.attach()
    store.runner = runner
    return store


def run(store, command):
    return execute(store, command, "facilitatrice", now=NOW)


def register(store, **overrides) -> tuple[uuid.UUID, dict]:
    person = uuid.uuid4()
    result = run(store, RegisterPerson(person_id=person, **{**ELODIE, **overrides}))
    return person, result


def orient(store, person, on=date(2024, 3, 1), kind=PrescriberKind.FRANCE_TRAVAIL, sectors=None):
    orientation = uuid.uuid4()
    run(
        store,
        OrientCandidate(
            person_id=person,
            orientation_id=orientation,
            prescriber_name="Prescripteur",
            prescriber_kind=kind,
            oriented_on=on,
            sectors=sectors or (Sector.BTP,),
        ),
    )
    return orientation


def validate(store, person, on, sectors=(Sector.BTP,), orientation=None):
    run(
        store,
        ValidateCandidate(
            person_id=person,
            validation_id=uuid.uuid4(),
            orientation_id=orientation,
            sectors=sectors,
            criteria=(EligibilityCriterion.DELD,),
            validated_on=on,
        ),
    )


def refuse(store, person, on, reason=RefusalReason.PROFIL_INADAPTE, sectors=(Sector.BTP,)):
    run(
        store,
        RefuseCandidate(
            person_id=person,
            refusal_id=uuid.uuid4(),
            sectors=sectors,
            reason=reason,
            reason_text="Autre raison" if reason is RefusalReason.AUTRE else None,
            refused_on=on,
        ),
    )


def all_tables(store) -> dict[str, list[tuple]]:
    with store.reading() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in TABLES}


def person_row(store, person) -> dict:
    with store.reading() as conn:
        table = people_projection.people
        return dict(
            conn.execute(select(table).where(table.c.person_id == str(person))).one()._mapping
        )


def assert_rebuild_gives_the_same_tables(store):
    live = all_tables(store)
    store.runner.rebuild()
    assert all_tables(store) == live


# ---- vault ----------------------------------------------------------------------------
def test_sql_vault_round_trip_and_forget(store):
    vault, person = SqlVault(), uuid.uuid4()
    identity = Identity("Roy", "Paul", date(1980, 1, 1), Sex.HOMME)
    with store.transaction() as tx:
        token = vault.seal(tx.connection, person, identity)
        assert vault.seal(tx.connection, person, identity) != token  # same key, fresh token
    with store.reading() as conn:
        assert vault.open(conn, person, token) == identity
        assert vault.open(conn, uuid.uuid4(), token) is None
        assert vault.open(conn, person, "garbage") is None
    with store.transaction() as tx:
        vault.forget(tx.connection, person)
    with store.reading() as conn:
        assert vault.open(conn, person, token) is None


def test_a_key_rolls_back_with_its_transaction(store):
    person = uuid.uuid4()
    with pytest.raises(RuleViolation), store.transaction() as tx:
        SqlVault().seal(tx.connection, person, Identity("Roy", "Paul", date(1980, 1, 1), Sex.HOMME))
        raise RuleViolation("refus")
    with store.reading() as conn:
        assert conn.execute(select(person_keys)).all() == []


def test_the_log_never_holds_the_identity_in_clear(store):
    person, _ = register(store)
    with store.reading() as conn:
        raw = conn.execute(text("SELECT CAST(payload AS TEXT) FROM events")).scalars().all()
        keys = conn.execute(select(person_keys.c.person_id)).scalars().all()
    assert len(raw) == 1 and "sealed_identity" in raw[0]
    for clear in ("Dupont", "Martin", "lodie", "1990-03-15", "Grésilles", "Gr\\u00e9silles"):
        assert clear not in raw[0]
    assert keys == [str(person)]


# ---- read tables ----------------------------------------------------------------------
def test_registration_fills_rm_people_with_the_opened_identity(store):
    person, result = register(store)
    assert result["possible_duplicates"] == []
    row = person_row(store, person)
    assert {k: row[k] for k in ELODIE} == {
        **ELODIE,
        "sex": "F",
        "qualification": "NIVEAU_3",
    }
    assert row["rqth"] is False and row["erased"] is False and row["merged_into"] is None
    assert row["match_key"] == "dupont martin|elodie|1990-03-15"
    run(store, CorrectIdentity(person_id=person, **{**ELODIE, "last_name": "Dupont"}))
    assert person_row(store, person)["match_key"] == "dupont|elodie|1990-03-15"
    assert_rebuild_gives_the_same_tables(store)


def test_duplicates_are_flagged_then_merged(store):
    first, _ = register(store)
    second, result = register(store, last_name="DUPONT MARTIN", first_name="elodie ")
    assert result["possible_duplicates"] == [str(first)]
    third, result = register(store, last_name="dupont-martin", first_name="Elodie")
    assert result["possible_duplicates"] == sorted([str(first), str(second)])
    _, result = register(store, birth_date=date(1991, 3, 15))
    assert result["possible_duplicates"] == []
    with store.reading() as conn:
        [group] = q.possible_duplicates(conn)
        assert group["match_key"] == "dupont martin|elodie|1990-03-15"
        assert [p["person_id"] for p in group["people"]] == [str(first), str(second), str(third)]
    run(store, MergePeople(keep_id=first, duplicate_id=second))
    run(store, MergePeople(keep_id=third, duplicate_id=first))
    with store.reading() as conn:
        assert q.possible_duplicates(conn) == []
        assert q.survivor_of(conn, second) == str(third)
        assert q.survivor_of(conn, uuid.uuid4()) is None
        assert q.absorbed_by(conn, third) == sorted([str(first), str(second)])
        found = q.find_people(conn, "DUPONT–MARTIN", "ÉLODIE", date(1990, 3, 15))
        assert [p["person_id"] for p in found] == [str(third)]
        detail = q.get_person(conn, second)
        assert detail["merged_into"] == str(first) and detail["survivor_id"] == str(third)
    # Registering the same person again points at the survivor only.
    _, result = register(store, last_name="Dupont Martin")
    assert result["possible_duplicates"] == [str(third)]
    assert_rebuild_gives_the_same_tables(store)


def test_erasure_blanks_identity_live_and_after_rebuild_but_activity_still_counts(store):
    person, _ = register(store)
    orientation = orient(store, person)
    validate(store, person, date(2024, 3, 10), orientation=orientation)
    link = uuid.uuid4()
    run(
        store,
        StartPlieLink(person_id=person, link_id=link, entry_date=date(2024, 1, 2), referent="R"),
    )
    run(store, ErasePersonalData(person_id=person))
    row = person_row(store, person)
    for column in (*ELODIE, "match_key", "search_name", "rqth"):
        assert row[column] is None, column
    assert row["erased"] is True
    assert_rebuild_gives_the_same_tables(store)
    assert person_row(store, person)["last_name"] is None
    with store.reading() as conn:
        assert conn.execute(select(person_keys)).all() == []
        assert q.find_people(conn, "Dupont-Martin", "Élodie", date(1990, 3, 15)) == []
        assert q.search_people(conn, "dupont") == ([], 0)
        rows, total = q.search_people(conn)
        assert total == 1 and rows[0]["erased"] is True and rows[0]["last_name"] is None
        detail = q.get_person(conn, person)
        assert len(detail["orientations"]) == len(detail["validations"]) == 1
        assert detail["plie_links"][0]["link_id"] == str(link)
        outcomes = q.validation_outcomes_in(conn, date(2024, 1, 1), date(2024, 12, 31))
        assert outcomes["BTP"]["validated"] == 1
        assert len(q.orientations_in(conn, date(2024, 1, 1), date(2024, 12, 31))) == 1


def test_erasing_a_survivor_blanks_the_merged_duplicate_too(store):
    keep, _ = register(store)
    duplicate, _ = register(store, first_name="Elodie")
    run(store, MergePeople(keep_id=keep, duplicate_id=duplicate))
    run(store, ErasePersonalData(person_id=keep))
    for person in (keep, duplicate):
        row = person_row(store, person)
        assert row["erased"] is True and row["first_name"] is None
    assert_rebuild_gives_the_same_tables(store)


# ---- queries --------------------------------------------------------------------------
def test_search_people_by_words_and_birth_date(store):
    elodie, _ = register(store)
    paul, _ = register(
        store, last_name="Roy", first_name="Paul", birth_date=date(1985, 7, 1), sex=Sex.HOMME
    )
    anne, _ = register(store, last_name="Martin", first_name="Anne", birth_date=date(2000, 1, 1))
    with store.reading() as conn:
        rows, total = q.search_people(conn, "MARTIN")
        assert total == 2 and {r["person_id"] for r in rows} == {str(elodie), str(anne)}
        assert [r["person_id"] for r in q.search_people(conn, "élodie  dupont")[0]] == [str(elodie)]
        assert q.search_people(conn, "martin 15/03/1990")[0][0]["person_id"] == str(elodie)
        assert q.search_people(conn, "1985-07-01")[0][0]["person_id"] == str(paul)
        assert q.search_people(conn, "martin", person_ids=[anne])[1] == 1
        page, total = q.search_people(conn, limit=2, offset=2)
        assert total == 3 and len(page) == 1
        assert "search_name" not in page[0]


def test_person_details_with_orientations_validations_refusals_and_links(store):
    person, _ = register(store)
    first = orient(store, person, date(2024, 1, 5), PrescriberKind.PLIE_REFERENT)
    refuse(store, person, date(2024, 1, 20), RefusalReason.AUTRE)
    second = orient(store, person, date(2024, 4, 2), sectors=(Sector.BTP, Sector.SERVICES))
    validate(store, person, date(2024, 4, 10), (Sector.SERVICES,), second)
    link = uuid.uuid4()
    run(
        store,
        StartPlieLink(person_id=person, link_id=link, entry_date=date(2023, 9, 1), referent="R"),
    )
    run(
        store,
        EndPlieLink(person_id=person, link_id=link, exit_date=date(2024, 5, 31), reason="CDI"),
    )
    with store.reading() as conn:
        detail = q.get_person(conn, person)
        assert detail["last_name"] == "Dupont-Martin" and detail["survivor_id"] == str(person)
        assert [o["orientation_id"] for o in detail["orientations"]] == [str(first), str(second)]
        assert detail["orientations"][0]["is_plie"] is True
        assert detail["orientations"][1]["sectors"] == ["BTP", "SERVICES"]
        [validation] = detail["validations"]
        assert validation["valid_until"] == date(2026, 4, 10)
        assert validation["criteria"] == ["DELD"] and validation["orientation_id"] == str(second)
        assert detail["refusals"][0]["reason"] == "AUTRE"
        assert detail["refusals"][0]["reason_text"] == "Autre raison"
        [plie] = q.plie_links_of(conn, person)
        assert (plie["entry_date"], plie["exit_date"], plie["reason"]) == (
            date(2023, 9, 1),
            date(2024, 5, 31),
            "CDI",
        )
        assert q.get_person(conn, uuid.uuid4()) is None
    assert_rebuild_gives_the_same_tables(store)


def test_pending_candidates_is_the_facilitators_queue(store):
    waiting, _ = register(store, last_name="Attente")
    orient(store, waiting, date(2024, 2, 1))
    validated, _ = register(store, last_name="Validée")
    orient(store, validated, date(2024, 2, 1))
    validate(store, validated, date(2024, 2, 3))
    refused_then_back, _ = register(store, last_name="Revenue")
    orient(store, refused_then_back, date(2024, 1, 1))
    refuse(store, refused_then_back, date(2024, 1, 15))
    back = orient(store, refused_then_back, date(2024, 5, 1))
    refused, _ = register(store, last_name="Refusée")
    orient(store, refused, date(2024, 3, 1))
    refuse(store, refused, date(2024, 3, 1))
    register(store, last_name="Jamais")  # never oriented: not in the queue
    erased, _ = register(store, last_name="Effacée")
    orient(store, erased, date(2024, 2, 1))
    run(store, ErasePersonalData(person_id=erased))
    with store.reading() as conn:
        queue = q.pending_candidates(conn)
    assert [p["person_id"] for p in queue] == [str(waiting), str(refused_then_back)]
    assert queue[1]["orientation"]["orientation_id"] == str(back)
    assert queue[1]["last_name"] == "Revenue"


def test_pending_candidates_follow_merges(store):
    keep, _ = register(store, last_name="Garde")
    duplicate, _ = register(store, last_name="Doublon")
    orient(store, duplicate, date(2024, 2, 1))
    run(store, MergePeople(keep_id=keep, duplicate_id=duplicate))
    with store.reading() as conn:
        assert [p["person_id"] for p in q.pending_candidates(conn)] == [str(keep)]
    validate(store, keep, date(2024, 2, 10))
    with store.reading() as conn:
        assert q.pending_candidates(conn) == []
        assert len(q.get_person(conn, keep)["orientations"]) == 1


def test_orientations_and_outcomes_of_a_period(store):
    person, _ = register(store)
    orient(store, person, date(2023, 12, 31))
    orient(store, person, date(2024, 1, 1), PrescriberKind.PLIE_REFERENT)
    orient(store, person, date(2024, 6, 15), sectors=(Sector.SERVICES, Sector.BTP))
    validate(store, person, date(2024, 1, 2), (Sector.BTP, Sector.SERVICES))
    validate(store, person, date(2023, 12, 31))
    refuse(store, person, date(2024, 2, 1), RefusalReason.ABSENCES_RDV)
    refuse(store, person, date(2024, 3, 1), RefusalReason.ABSENCES_RDV, (Sector.SERVICES,))
    refuse(store, person, date(2024, 3, 2), RefusalReason.FREINS_EMPLOI)
    with store.reading() as conn:
        year = q.orientations_in(conn, date(2024, 1, 1), date(2024, 12, 31))
        outcomes = q.validation_outcomes_in(conn, date(2024, 1, 1), date(2024, 12, 31))
    assert [(o["oriented_on"], o["is_plie"]) for o in year] == [
        (date(2024, 1, 1), True),
        (date(2024, 6, 15), False),
    ]
    assert year[1]["sectors"] == ["SERVICES", "BTP"]
    assert year[0]["qpv"] == "Dijon – Grésilles" and year[0]["sex"] == "F"
    assert outcomes["BTP"]["validated"] == 1 and outcomes["SERVICES"]["validated"] == 1
    assert outcomes["PRESTATIONS_INTELLECTUELLES"] == {
        "validated": 0,
        "refused": 0,
        "refused_by_reason": {reason.value: 0 for reason in RefusalReason},
    }
    assert outcomes["BTP"]["refused"] == 2
    assert outcomes["BTP"]["refused_by_reason"]["ABSENCES_RDV"] == 1
    assert outcomes["BTP"]["refused_by_reason"]["FREINS_EMPLOI"] == 1
    assert outcomes["SERVICES"]["refused_by_reason"]["ABSENCES_RDV"] == 1


def test_rebuild_after_a_full_history_gives_the_live_tables(store):
    people_ids = [register(store, first_name=f"Prénom {i}")[0] for i in range(6)]
    for i, person in enumerate(people_ids):
        orientation = orient(store, person, date(2024, 1, 1 + i))
        if i % 2:
            validate(store, person, date(2024, 2, 1), orientation=orientation)
        else:
            refuse(store, person, date(2024, 2, 1))
    run(store, MergePeople(keep_id=people_ids[0], duplicate_id=people_ids[1]))
    run(store, ErasePersonalData(person_id=people_ids[2]))
    run(store, CorrectIdentity(person_id=people_ids[3], **{**ELODIE, "commune": "Talant"}))
    live = all_tables(store)
    assert len(live["rm_people"]) == 6 and len(live["rm_orientations"]) == 6
    assert store.runner.rebuild() == {"people": 21}  # all but PersonAbsorbed
    assert all_tables(store) == live
