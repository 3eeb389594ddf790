"""Read models of the contracts area: contracts and exits; monthly hours and their history.

Built from the contract events only; markets, companies and people are joined at query
time (``projections.queries.contracts``). Hours are integer hundredths (``*_cents``).

``rm_hours`` holds the current values of each (contract, month) line, withdrawn lines
included (``withdrawn`` true: they no longer count). ``source`` (which import file and
row) and ``recorded_by`` (the actor) come from the metadata of the line's last event;
``rm_hours_history`` keeps every version of every line.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    String,
    Table,
    bindparam,
    insert,
    update,
)

from events.catalog.contracts import (
    ContractEnded,
    ContractExtended,
    ContractStarted,
    ExitRecorded,
    HoursCorrected,
    HoursRecorded,
    HoursWithdrawn,
)
from events.recorded import RecordedEvent
from projections import bulk
from projections.amounts import to_cents
from projections.base import Projection, read_metadata

contracts = Table(
    "rm_contracts",
    read_metadata,
    Column("contract_id", String(36), primary_key=True),
    Column("person_id", String(36), nullable=False),
    Column("employer_company_id", String(36), nullable=False),
    Column("employer_siret", String(14), nullable=False),
    Column("user_company_id", String(36), nullable=True),
    Column("user_siret", String(14), nullable=True),
    Column("market_id", String(36), nullable=False),
    Column("lot_id", String(36), nullable=False),
    Column("contract_type", String(40), nullable=False),
    Column("modality", String(40), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("planned_end", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("end_reason", String(40), nullable=True),
    Column("end_reason_text", String(500), nullable=True),
    Column("weekly_hours_cents", BigInteger, nullable=True),
    Column("eligibility_override", String(500), nullable=True),
    Column("last_position", BigInteger, nullable=False),
    Index("ix_rm_contracts_person", "person_id"),
    Index("ix_rm_contracts_market", "market_id"),
    Index("ix_rm_contracts_lot", "lot_id"),
    Index("ix_rm_contracts_employer", "employer_company_id"),
    Index("ix_rm_contracts_user", "user_company_id"),
)

exits = Table(
    "rm_exits",
    read_metadata,
    Column("contract_id", String(36), primary_key=True),
    Column("stage", String(20), primary_key=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("outcome", String(40), nullable=False),
    Column("positive", Boolean, nullable=False),
    Column("observed_on", Date, nullable=False, index=True),
    Column("detail", String(500), nullable=True),
    Column("position", BigInteger, nullable=False),
)

hours = Table(
    "rm_hours",
    read_metadata,
    Column("contract_id", String(36), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("hours_cents", BigInteger, nullable=False),
    Column("training_cents", BigInteger, nullable=False),
    Column("counted_cents", BigInteger, nullable=False),
    Column("warnings", JSON, nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    Column("source", JSON, nullable=True),
    Column("recorded_by", String(320), nullable=True),
    Column("last_position", BigInteger, nullable=False),
    # Covering indexes: a year's lines (bilan, national export) and a contract's lines up
    # to a month (monthly report) are read from the index alone, without a table page per
    # line.
    Index("ix_rm_hours_month_cover", "month", "contract_id", "withdrawn", "counted_cents"),
    Index("ix_rm_hours_contract_cover", "contract_id", "month", "withdrawn", "counted_cents"),
)

hours_history = Table(
    "rm_hours_history",
    read_metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("contract_id", String(36), nullable=False),
    Column("month", Date, nullable=False),
    Column("kind", String(20), nullable=False),  # RECORDED, CORRECTED, WITHDRAWN
    Column("hours_cents", BigInteger, nullable=True),
    Column("training_cents", BigInteger, nullable=True),
    Column("counted_cents", BigInteger, nullable=True),
    Column("warnings", JSON, nullable=False),
    Column("reason", String(500), nullable=True),
    Column("actor", String(320), nullable=True),
    Column("source", JSON, nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_rm_hours_history_line", "contract_id", "month"),
)


# ---- contracts and exits --------------------------------------------------------------
# Writes are batched: one import applies thousands of events at once, and one
# executemany per statement costs a fraction of thousands of single statements. Rows
# are buffered in event order and flushed before any statement that depends on them.
_INSERT_CONTRACT = insert(contracts)
_INSERT_EXIT = insert(exits)
_UPDATE_CONTRACT = {
    "extended": update(contracts)
    .where(contracts.c.contract_id == bindparam("k_contract_id"))
    .values(last_position=bindparam("last_position"), planned_end=bindparam("planned_end")),
    "ended": update(contracts)
    .where(contracts.c.contract_id == bindparam("k_contract_id"))
    .values(
        last_position=bindparam("last_position"),
        end_date=bindparam("end_date"),
        end_reason=bindparam("end_reason"),
        end_reason_text=bindparam("end_reason_text"),
    ),
}


def _id(value) -> str | None:
    return None if value is None else str(value)


def _started_row(event: ContractStarted, position: int) -> dict:
    return {
        "contract_id": str(event.contract_id),
        "person_id": str(event.person_id),
        "employer_company_id": str(event.employer_company_id),
        "employer_siret": event.employer_siret,
        "user_company_id": _id(event.user_company_id),
        "user_siret": event.user_siret,
        "market_id": str(event.market_id),
        "lot_id": str(event.lot_id),
        "contract_type": event.contract_type.value,
        "modality": event.modality.value,
        "start_date": event.start_date,
        "planned_end": event.planned_end,
        "end_date": None,
        "end_reason": None,
        "end_reason_text": None,
        "weekly_hours_cents": to_cents(event.weekly_hours),
        "eligibility_override": event.eligibility_override,
        "last_position": position,
    }


def _exit_row(event: ExitRecorded, position: int) -> dict:
    return {
        "contract_id": str(event.contract_id),
        "stage": event.stage.value,
        "person_id": str(event.person_id),
        "outcome": event.outcome.value,
        "positive": event.outcome.positive,
        "observed_on": event.observed_on,
        "detail": event.detail,
        "position": position,
    }


class _Batches:
    """Rows per statement, flushed in the order the statements were first needed."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.pending: dict[object, list[dict]] = {}

    def add(self, statement, row: dict) -> None:
        self.pending.setdefault(statement, []).append(row)

    def flush(self) -> None:
        for statement, rows in self.pending.items():
            self.conn.execute(statement, rows)
        self.pending = {}


def apply_contracts(conn, events: Sequence[RecordedEvent]) -> None:
    batches = _Batches(conn)
    for recorded in events:
        event, position = recorded.event, recorded.position
        match event:
            case ContractStarted():
                batches.add(_INSERT_CONTRACT, _started_row(event, position))
            case ContractExtended():
                batches.flush()  # the contract row may still be buffered
                conn.execute(
                    _UPDATE_CONTRACT["extended"],
                    {
                        "k_contract_id": str(event.contract_id),
                        "last_position": position,
                        "planned_end": event.planned_end,
                    },
                )
            case ContractEnded():
                batches.flush()
                conn.execute(
                    _UPDATE_CONTRACT["ended"],
                    {
                        "k_contract_id": str(event.contract_id),
                        "last_position": position,
                        "end_date": event.end_date,
                        "end_reason": event.reason.value,
                        "end_reason_text": event.reason_text,
                    },
                )
            case ExitRecorded():
                batches.add(_INSERT_EXIT, _exit_row(event, position))
    batches.flush()


# ---- hours ----------------------------------------------------------------------------
_KEY = (hours.c.contract_id == bindparam("k_contract_id")) & (hours.c.month == bindparam("k_month"))
_WITHDRAW_LINE = (
    update(hours)
    .where(_KEY)
    .values(
        withdrawn=True,
        source=bindparam("source"),
        recorded_by=bindparam("recorded_by"),
        last_position=bindparam("last_position"),
    )
)
_EMPTY_VALUES = {"hours_cents": None, "training_cents": None, "counted_cents": None}


def _history_row(recorded: RecordedEvent, kind: str, values: dict) -> dict:
    event, meta = recorded.event, recorded.metadata or {}
    return {
        "position": recorded.position,
        "contract_id": str(event.contract_id),
        "month": event.month,
        "kind": kind,
        "reason": getattr(event, "reason", None),
        "actor": meta.get("actor"),
        "source": meta.get("source"),
        "recorded_at": recorded.recorded_at,
        "warnings": [],
        **values,
    }


def _line_values(event: HoursRecorded | HoursCorrected) -> dict:
    return {
        "hours_cents": to_cents(event.hours),
        "training_cents": to_cents(event.training_hours),
        "counted_cents": to_cents(event.counted_hours),
        "warnings": list(event.warnings),
    }


def apply_hours(conn, events: Sequence[RecordedEvent]) -> None:
    """Current line per (contract, month) and every version in the history.

    A month recorded again (after a withdrawal) or corrected replaces the whole line;
    a withdrawal marks the line as it stands. Lines set in this batch are folded in
    memory and written once; withdrawals of lines not set in this batch update them
    in place.
    """
    history: list[dict] = []
    lines: dict[tuple[str, object], dict] = {}  # set in this batch, final values
    withdrawals: list[dict] = []  # of lines not set in this batch, in order
    for recorded in events:
        event, meta = recorded.event, recorded.metadata or {}
        key = (str(event.contract_id), event.month)
        touch = {
            "source": meta.get("source"),
            "recorded_by": meta.get("actor"),
            "last_position": recorded.position,
        }
        match event:
            case HoursRecorded() | HoursCorrected():
                values = _line_values(event)
                lines[key] = {
                    "contract_id": key[0],
                    "month": key[1],
                    "withdrawn": False,
                    **touch,
                    **values,
                }
                kind = "RECORDED" if isinstance(event, HoursRecorded) else "CORRECTED"
                history.append(_history_row(recorded, kind, values))
            case HoursWithdrawn():
                if key in lines:
                    lines[key].update(withdrawn=True, **touch)
                else:
                    withdrawals.append({"k_contract_id": key[0], "k_month": key[1], **touch})
                history.append(_history_row(recorded, "WITHDRAWN", _EMPTY_VALUES))
    # Withdrawals of earlier lines first: a line set later in this batch replaces them.
    if withdrawals:
        conn.execute(_WITHDRAW_LINE, withdrawals)
    if lines:
        bulk.delete_keys(conn, hours, ("contract_id", "month"), list(lines))
        bulk.insert_rows(conn, hours, list(lines.values()))
    if history:
        bulk.insert_rows(conn, hours_history, history)


CONTRACTS = Projection(
    name="contracts",
    version=1,
    handles=frozenset({"ContractStarted", "ContractExtended", "ContractEnded", "ExitRecorded"}),
    tables=(contracts, exits),
    apply=apply_contracts,
    description="Contrats de clause (employeur, lot, dates, fin) et sorties observées.",
)

HOURS = Projection(
    name="hours",
    version=2,
    handles=frozenset({"HoursRecorded", "HoursCorrected", "HoursWithdrawn"}),
    tables=(hours, hours_history),
    apply=apply_hours,
    description="Heures mensuelles par contrat (valeurs actuelles, source) et leur historique.",
)

PROJECTIONS: list[Projection] = [CONTRACTS, HOURS]
