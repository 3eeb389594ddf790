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
    delete,
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
    Index("ix_rm_hours_month", "month"),
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
def _id(value) -> str | None:
    return None if value is None else str(value)


def _started(conn, event: ContractStarted, position: int) -> None:
    conn.execute(
        insert(contracts).values(
            contract_id=str(event.contract_id),
            person_id=str(event.person_id),
            employer_company_id=str(event.employer_company_id),
            employer_siret=event.employer_siret,
            user_company_id=_id(event.user_company_id),
            user_siret=event.user_siret,
            market_id=str(event.market_id),
            lot_id=str(event.lot_id),
            contract_type=event.contract_type.value,
            modality=event.modality.value,
            start_date=event.start_date,
            planned_end=event.planned_end,
            end_date=None,
            end_reason=None,
            end_reason_text=None,
            weekly_hours_cents=to_cents(event.weekly_hours),
            eligibility_override=event.eligibility_override,
            last_position=position,
        )
    )


def _update_contract(conn, contract_id, position: int, **values) -> None:
    conn.execute(
        update(contracts)
        .where(contracts.c.contract_id == str(contract_id))
        .values(last_position=position, **values)
    )


def apply_contracts(conn, events: Sequence[RecordedEvent]) -> None:
    for recorded in events:
        event, position = recorded.event, recorded.position
        match event:
            case ContractStarted():
                _started(conn, event, position)
            case ContractExtended():
                _update_contract(conn, event.contract_id, position, planned_end=event.planned_end)
            case ContractEnded():
                _update_contract(
                    conn,
                    event.contract_id,
                    position,
                    end_date=event.end_date,
                    end_reason=event.reason.value,
                    end_reason_text=event.reason_text,
                )
            case ExitRecorded():
                conn.execute(
                    insert(exits).values(
                        contract_id=str(event.contract_id),
                        stage=event.stage.value,
                        person_id=str(event.person_id),
                        outcome=event.outcome.value,
                        positive=event.outcome.positive,
                        observed_on=event.observed_on,
                        detail=event.detail,
                        position=position,
                    )
                )


# ---- hours ----------------------------------------------------------------------------
def _history(conn, recorded: RecordedEvent, kind: str, **values) -> None:
    event, meta = recorded.event, recorded.metadata or {}
    row = {
        "hours_cents": None,
        "training_cents": None,
        "counted_cents": None,
        "warnings": [],
        **values,
    }
    conn.execute(
        insert(hours_history).values(
            position=recorded.position,
            contract_id=str(event.contract_id),
            month=event.month,
            kind=kind,
            reason=getattr(event, "reason", None),
            actor=meta.get("actor"),
            source=meta.get("source"),
            recorded_at=recorded.recorded_at,
            **row,
        )
    )


def _line_values(event: HoursRecorded | HoursCorrected) -> dict:
    return {
        "hours_cents": to_cents(event.hours),
        "training_cents": to_cents(event.training_hours),
        "counted_cents": to_cents(event.counted_hours),
        "warnings": list(event.warnings),
    }


def _line_key(event):
    return (hours.c.contract_id == str(event.contract_id)) & (hours.c.month == event.month)


def _set_line(conn, recorded: RecordedEvent) -> None:
    """Current values of the line (a month recorded again after a withdrawal replaces it)."""
    event, meta = recorded.event, recorded.metadata or {}
    conn.execute(delete(hours).where(_line_key(event)))
    conn.execute(
        insert(hours).values(
            contract_id=str(event.contract_id),
            month=event.month,
            withdrawn=False,
            source=meta.get("source"),
            recorded_by=meta.get("actor"),
            last_position=recorded.position,
            **_line_values(event),
        )
    )


def apply_hours(conn, events: Sequence[RecordedEvent]) -> None:
    for recorded in events:
        event, meta = recorded.event, recorded.metadata or {}
        match event:
            case HoursRecorded():
                _set_line(conn, recorded)
                _history(conn, recorded, "RECORDED", **_line_values(event))
            case HoursCorrected():
                _set_line(conn, recorded)
                _history(conn, recorded, "CORRECTED", **_line_values(event))
            case HoursWithdrawn():
                conn.execute(
                    update(hours)
                    .where(_line_key(event))
                    .values(
                        withdrawn=True,
                        source=meta.get("source"),
                        recorded_by=meta.get("actor"),
                        last_position=recorded.position,
                    )
                )
                _history(conn, recorded, "WITHDRAWN")


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
    version=1,
    handles=frozenset({"HoursRecorded", "HoursCorrected", "HoursWithdrawn"}),
    tables=(hours, hours_history),
    apply=apply_hours,
    description="Heures mensuelles par contrat (valeurs actuelles, source) et leur historique.",
)

PROJECTIONS: list[Projection] = [CONTRACTS, HOURS]
