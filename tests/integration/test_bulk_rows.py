"""projections.bulk writes exactly what ``conn.execute(insert(table), rows)`` writes, and
deletes exactly the keyed rows, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)

from projections import bulk
from tests.conftest import SQL_BACKENDS

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)


def _table(metadata: MetaData, name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("contract_id", String(36), primary_key=True),
        Column("month", Date, primary_key=True),
        Column("cents", BigInteger, nullable=True),
        Column("withdrawn", Boolean, nullable=False),
        Column("source", JSON, nullable=True),
        Column("warnings", JSON, nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=True),
        Column("row", Integer, nullable=True),
    )


ROWS = [
    {
        "contract_id": f"c-{n}",
        "month": date(2024, 1 + n % 12, 1),
        "cents": 15167 * n if n % 3 else None,
        "withdrawn": n % 2 == 0,
        "source": {"kind": "import", "file": "relevé « mars ».xlsx", "row": n}
        if n % 4
        else ({} if n % 8 == 0 else None),
        "warnings": [f"plus de 151,67 h ({n})"] if n % 5 == 0 else [],
        "recorded_at": datetime(2024, 3, 5, 6, n % 60, tzinfo=UTC) if n % 2 else None,
        "row": n,
    }
    for n in range(1, 41)
]


def _all(conn, table: Table) -> list[tuple]:
    return [tuple(r) for r in conn.execute(select(table).order_by(table.c.contract_id)).all()]


def test_bulk_insert_writes_what_sqlalchemy_writes(engine):
    metadata = MetaData()
    plain, fast = _table(metadata, "t_bulk_plain"), _table(metadata, "t_bulk_fast")
    metadata.create_all(engine)
    # Keys in another order than the table's columns: the order must not matter.
    shuffled = [dict(reversed(list(row.items()))) for row in ROWS]
    with engine.begin() as conn:
        conn.execute(insert(plain), ROWS)
        bulk.insert_rows(conn, fast, shuffled)
    with engine.connect() as conn:
        expected, found = _all(conn, plain), _all(conn, fast)
    assert len(found) == len(ROWS)
    assert found == expected
    assert found[0][4] == {"kind": "import", "file": "relevé « mars ».xlsx", "row": 1}


def test_bulk_delete_removes_exactly_the_keyed_rows(engine):
    metadata = MetaData()
    table = _table(metadata, "t_bulk_delete")
    metadata.create_all(engine)
    gone = [(row["contract_id"], row["month"]) for row in ROWS[:10]]
    with engine.begin() as conn:
        bulk.insert_rows(conn, table, ROWS)
        # Keys given (month, contract) the other way round from the table's columns.
        bulk.delete_keys(conn, table, ("month", "contract_id"), [(m, c) for c, m in gone])
    with engine.connect() as conn:
        left = [(r[0], r[1]) for r in _all(conn, table)]
    assert sorted(left) == sorted((r["contract_id"], r["month"]) for r in ROWS[10:])
