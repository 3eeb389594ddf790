"""The queue of rejected rows: fix a row (link the person, correct a value) without a new
upload, or dismiss it; a fix that is still wrong records nothing."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from clauses_service.commands.imports import DismissImportRow, FixImportRow
from clauses_service.domain.errors import NotFound, RuleViolation
from clauses_service.messagebus import execute
from importers.pipeline import run_import
from projections import queries
from tests.conftest import SQL_BACKENDS
from tests.importers.builders import TEMPLATE_HEADERS, good_row, xlsx_bytes
from tests.importers.pipeline_support import build_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
TODAY = date(2026, 1, 15)


@pytest.fixture
def imported(make_store):
    world = build_world(make_store())
    data = xlsx_bytes(
        [
            TEMPLATE_HEADERS,
            good_row(),
            good_row(Nom="Dupond", **{"Heures travaillées": "80"}),
            good_row(Nom="Lefèvre", Prénom="Zoé", **{"Date de naissance": "01/07/1990"}),
            good_row(Nom="Inconnu", Prénom="Paul"),
            good_row(
                Nom="Lefèvre",
                Prénom="Zoé",
                Lot="2",
                **{"Date de naissance": "01/07/1990", "Mois": "13/2024"},
            ),
        ]
    )
    return world, _import(world, data)


def _import(world, data: bytes) -> uuid.UUID:
    """The company uploads ``data``; the import's id."""
    result = run_import(
        world.t.store,
        data,
        "releve.xlsx",
        "entreprise@example.org",
        company_id=world.company.company_id,
        today=TODAY,
    )
    return uuid.UUID(result["import_id"])


def _queue(world, **filters):
    with world.t.store.reading() as conn:
        return queries.rejected_queue(conn, **filters)


def _fix(world, import_id, row, **changes):
    return execute(
        world.t.store, FixImportRow(import_id=import_id, row_number=row, **changes), "facilitatrice"
    )


def test_the_queue_lists_rejected_rows_waiting(imported):
    world, import_id = imported
    items, total = _queue(world)
    assert total == 3
    assert [(i["row_number"], i["filename"]) for i in items] == [
        (3, "releve.xlsx"),
        (5, "releve.xlsx"),
        (6, "releve.xlsx"),
    ]
    assert _queue(world, company_ids=[str(world.company.company_id)])[1] == 3
    assert _queue(world, company_ids=[str(world.other.company_id)]) == ([], 0)
    assert _queue(world, month=date(2024, 3, 1))[1] == 2  # row 6's month did not clean
    assert _queue(world, import_id=import_id)[1] == 3


def test_linking_the_right_person_records_the_hours(imported):
    world, import_id = imported
    # Row 3 ("Dupond") is Nguyen's line, mistyped.
    result = _fix(world, import_id, 3, person_id=world.nguyen)

    assert result["status"] == "accepted"
    assert result["action"] == "recorded"
    with world.t.store.reading() as conn:
        contracts = queries.contracts_of_person(conn, world.nguyen)
        lines = queries.hours_of_contract(conn, contracts[0]["contract_id"])
        row = queries.get_import_row(conn, import_id, 3)
        summary = queries.get_import(conn, import_id)
    assert [(x["month"], x["hours"]) for x in lines] == [(date(2024, 3, 1), Decimal("80.00"))]
    assert lines[0]["source"]["kind"] == "import-fix"
    assert lines[0]["source"]["row"] == 3
    assert row["queue"] == "fixed"
    assert row["status"] == "accepted"
    assert row["resolved_by"] == "facilitatrice"
    assert (summary["pending"], summary["fixed"], summary["status"]) == (2, 1, "needs_fixes")
    assert [i["row_number"] for i in _queue(world)[0]] == [5, 6]
    with pytest.raises(RuleViolation) as again:
        _fix(world, import_id, 3, person_id=world.nguyen)
    assert again.value.message == ("La ligne 3 a déjà été corrigée : elle n'est plus en attente.")


def test_correcting_a_value_re_decides_the_row(imported):
    world, import_id = imported
    with pytest.raises(RuleViolation) as still_wrong:
        _fix(world, import_id, 6, values={"month": "14/2024"})
    assert still_wrong.value.message == (
        "Mois : « 14/2024 » n'est pas un mois valide ; écrivez par exemple 03/2023 ou mars 2023."
    )
    assert still_wrong.value.field == "month"
    assert _queue(world)[1] == 3  # nothing recorded

    result = _fix(world, import_id, 6, values={"month": "04/2024", "hours": "12,5"})

    assert result["status"] == "accepted"
    with world.t.store.reading() as conn:
        found = queries.contracts_of_person(conn, world.lefevre)
        lot2 = next(c for c in found if str(c["lot_id"]) == str(world.m1_lot2))
        lines = queries.hours_of_contract(conn, lot2["contract_id"])
    assert [(x["month"], x["hours"]) for x in lines] == [(date(2024, 4, 1), Decimal("12.50"))]


def test_dismissing_a_row_takes_it_out_of_the_queue(imported):
    world, import_id = imported
    with pytest.raises(RuleViolation):
        execute(
            world.t.store,
            DismissImportRow(import_id=import_id, row_number=5, reason="  "),
            "facilitatrice",
        )
    execute(
        world.t.store,
        DismissImportRow(import_id=import_id, row_number=5, reason="Personne inconnue du PLIE"),
        "facilitatrice",
    )
    with world.t.store.reading() as conn:
        row = queries.get_import_row(conn, import_id, 5)
        summary = queries.get_import(conn, import_id)
    assert (row["queue"], row["resolution"]) == ("dismissed", "Personne inconnue du PLIE")
    assert (summary["pending"], summary["dismissed"]) == (2, 1)
    with pytest.raises(NotFound):
        _fix(world, import_id, 2, values={"hours": "1"})  # an accepted row is not queued


def test_rebuild_gives_the_live_tables(imported):
    world, import_id = imported
    _fix(world, import_id, 3, person_id=world.nguyen)
    with world.t.store.reading() as conn:
        before = queries.list_imports(conn), queries.import_rows_of(conn, import_id)
    world.runner.rebuild(["imports"])
    with world.t.store.reading() as conn:
        after = queries.list_imports(conn), queries.import_rows_of(conn, import_id)
    assert after == before


def test_the_identities_of_rejected_rows_are_shredded_once_the_queue_is_empty(imported):
    from sqlalchemy import select

    from events.schema import identity_keys

    world, import_id = imported
    _fix(world, import_id, 3, person_id=world.nguyen)
    execute(
        world.t.store,
        DismissImportRow(import_id=import_id, row_number=5, reason="Hors clause"),
        "facilitatrice",
    )
    with world.t.store.reading() as conn:
        assert queries.get_import_row(conn, import_id, 6)["cells"]["last_name"] == "Lefèvre"
        assert "last_name" not in queries.get_import_row(conn, import_id, 5)["cells"]
    # Row 6 gave an identity that matched nobody: its key is the identity's in the import.
    key = select(identity_keys).where(identity_keys.c.import_id == str(import_id))
    with world.t.store.reading() as conn:
        assert conn.execute(key).first() is not None

    execute(
        world.t.store,
        DismissImportRow(import_id=import_id, row_number=6, reason="Doublon ETTI"),
        "facilitatrice",
    )

    with world.t.store.reading() as conn:
        assert conn.execute(key).first() is None
        cells = queries.get_import_row(conn, import_id, 6)["cells"]
    assert "last_name" not in cells and cells["market_reference"] == "M2023-001"
    world.runner.rebuild(["imports"])
    with world.t.store.reading() as conn:
        assert queries.get_import_row(conn, import_id, 6)["cells"] == cells


@pytest.mark.parametrize(
    ("nguyen_row", "matched"),
    [
        # Nguyen is matched, but has no contract and the row gives no start: rejected,
        # sealed with Nguyen's own key.
        (
            {"Nom": "Nguyen", "Prénom": "Van Anh", "Date de naissance": "01/02/1995"}
            | {"Début contrat": ""},
            True,
        ),
        # Rejected before the match (unknown market): nothing links it to Nguyen but the
        # identity it gives, sealed with that identity's key.
        (
            {"Nom": "NGUYEN", "Prénom": "van-anh", "Date de naissance": "01/02/1995"}
            | {"Référence marché": "M-INCONNU"},
            False,
        ),
    ],
    ids=["matched", "matched-nobody"],
)
def test_erasing_a_person_shreds_the_identity_of_their_waiting_rows(
    make_store, nguyen_row, matched
):
    from clauses_service.commands.people import ErasePersonalData
    from events.catalog.imports import ImportRowsDecided, import_stream
    from importers import sealing

    world = build_world(make_store())
    data = xlsx_bytes(
        [TEMPLATE_HEADERS, good_row(**nguyen_row), good_row(Nom="Inconnu", Prénom="Paul")]
    )
    import_id = _import(world, data)
    with world.t.store.reading() as conn:
        before = queries.get_import_row(conn, import_id, 2)
    assert before["person_id"] == (str(world.nguyen) if matched else None)
    assert (before["queue"], before["cells"]["last_name"]) == ("pending", nguyen_row["Nom"])
    decided = {
        outcome.row_number: outcome
        for recorded in world.t.store.read_stream(import_stream(import_id))
        if isinstance(recorded.event, ImportRowsDecided)
        for outcome in recorded.event.rows
    }
    assert nguyen_row["Nom"] not in decided[2].sealed_cells  # never in clear in the log

    execute(world.t.store, ErasePersonalData(person_id=world.nguyen), "facilitatrice")

    with world.t.store.reading() as conn:
        erased = queries.get_import_row(conn, import_id, 2)
        other = queries.get_import_row(conn, import_id, 3)
        opened = {
            n: sealing.unseal(conn, import_id, decided[n].cells, decided[n].sealed_cells)
            for n in (2, 3)
        }
    assert "last_name" not in erased["cells"] and "birth_date" not in erased["cells"]
    assert erased["cells"]["market_reference"] == before["cells"]["market_reference"]
    assert erased["queue"] == "pending"  # still to be dealt with, without a name
    assert erased["errors"] == before["errors"]
    assert other["cells"]["last_name"] == "Inconnu"  # someone else's row keeps its cells
    # In the log the row's identity was sealed with a key the erasure destroyed.
    assert "last_name" not in opened[2] and opened[3]["last_name"] == "Inconnu"
    world.runner.rebuild(["imports"])
    with world.t.store.reading() as conn:
        assert queries.get_import_row(conn, import_id, 2)["cells"] == erased["cells"]
        assert queries.get_import_row(conn, import_id, 3)["cells"] == other["cells"]
