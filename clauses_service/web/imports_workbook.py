"""The error workbook of a stored import: the rows still to look at, with « Erreur ».

The log keeps the cells of rejected rows only (accepted rows become ids and figures), so
the workbook holds the rejected rows waiting in the queue, as the company typed them,
and the rows accepted with a warning, rebuilt from what was recorded (person, contract,
month, hours). Rows fixed or dismissed since, and plain accepted rows, are left out: the
company corrects the red cells and uploads the file again (rows absent from an upload
are left as they were). Names are those of the read models: once the queue is empty the
sealed identities of rejected rows are destroyed and their cells come back without them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from importers.error_workbook import error_workbook
from importers.template import contract_type_label, month_text
from projections import queries

PAGE = 1000


@dataclass(frozen=True)
class StoredRow:
    """What ``error_workbook`` needs of a row (see ``importers.error_workbook.RowLike``)."""

    row_number: int
    errors: dict
    warnings: tuple[str, ...]
    cells: dict = field(default_factory=dict)


def _hours(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}".replace(".", ",")


class _Rebuilder:
    """Cells of an accepted row from the read models (cached by contract)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.contracts: dict[str, dict] = {}
        self.lots: dict[str, tuple[str, str]] = {}
        self.markets: set[str] = set()

    def _contract(self, contract_id) -> dict:
        key = str(contract_id)
        if key not in self.contracts:
            contract = queries.get_contract(self.conn, key) or {}
            self.contracts[key] = contract
            market_id = contract.get("market_id")
            if market_id and market_id not in self.markets:
                self.markets.add(market_id)
                market = queries.get_market(self.conn, market_id) or {"lots": []}
                for lot in market["lots"]:
                    self.lots[lot["lot_id"]] = (market["reference"], lot["number"])
        return self.contracts[key]

    def cells(self, row: dict) -> dict:
        cells = {
            "month": month_text(row["month"]) if row["month"] else None,
            "hours": _hours(row["hours"]),
            "training_hours": _hours(row["training_hours"]),
            "person_id": row["person_id"],
        }
        if row["person_id"]:
            identity = queries.identities_of(self.conn, [row["person_id"]]).get(row["person_id"])
            if identity and not identity.get("erased"):
                cells.update(
                    last_name=identity["last_name"],
                    first_name=identity["first_name"],
                    birth_date=identity["birth_date"],
                )
        if row["contract_id"]:
            contract = self._contract(row["contract_id"])
            reference, lot = self.lots.get(contract.get("lot_id"), (None, None))
            cells.update(
                employer_siret=contract.get("employer_siret"),
                market_reference=reference,
                lot=lot,
                contract_type=contract_type_label(contract.get("contract_type")),
                contract_start=contract.get("start_date"),
                contract_end=contract.get("end_date") or contract.get("planned_end"),
            )
        return cells


def rows_to_fix(conn, import_id) -> Iterator[StoredRow]:
    """Pending rejected rows and rows with warnings, in file order, a page at a time."""
    rebuild = _Rebuilder(conn)
    offset = 0
    while True:
        rows, total = queries.import_rows_of(conn, import_id, None, PAGE, offset)
        for row in rows:
            if row["status"] == "rejected" and row["queue"] == "pending":
                yield StoredRow(row["row_number"], dict(row["errors"]), (), dict(row["cells"]))
            elif row["status"] == "accepted_with_warnings":
                yield StoredRow(row["row_number"], {}, tuple(row["warnings"]), rebuild.cells(row))
        offset += PAGE
        if offset >= total:
            return


def stored_error_workbook(conn, found: dict) -> bytes:
    """XLSX bytes of the import ``found`` (a ``get_import`` dict)."""
    columns = dict((found.get("summary") or {}).get("columns") or {})
    return error_workbook(rows_to_fix(conn, found["import_id"]), columns)
