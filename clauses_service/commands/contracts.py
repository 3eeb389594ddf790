"""Commands about clause contracts, their monthly hours and the exits that follow.

Where an hour line comes from (a spreadsheet file and row, or a manual entry) is not
part of the command: the entry point passes it as ``metadata={"source": {...}}`` to
``messagebus.execute``, and it is kept in the event metadata and the read model.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from clauses_service.commands import Command
from events.catalog.contracts import (
    ContractEndReason,
    ContractType,
    ExitOutcome,
    ExitStage,
    Modality,
)


@dataclass(frozen=True, kw_only=True)
class StartContract(Command):
    """A clause contract of a person with an employer, on a lot of a market.

    ``user_siret`` (the company the person is put at the disposal of) is required for a
    ``MISE_A_DISPOSITION``. ``eligibility_override`` is the reason for recording the
    contract although the person has no valid eligibility on ``start_date``.
    """

    contract_id: UUID
    person_id: UUID
    employer_siret: str
    market_id: UUID
    lot_id: UUID
    contract_type: ContractType
    modality: Modality
    start_date: date
    planned_end: date | None = None
    weekly_hours: Decimal | None = None
    user_siret: str | None = None
    eligibility_override: str | None = None


@dataclass(frozen=True, kw_only=True)
class ExtendContract(Command):
    contract_id: UUID
    planned_end: date
    reason: str


@dataclass(frozen=True, kw_only=True)
class EndContract(Command):
    """``reason_text`` is required when ``reason`` is ``AUTRE``."""

    contract_id: UUID
    end_date: date
    reason: ContractEndReason
    reason_text: str | None = None


@dataclass(frozen=True, kw_only=True)
class RecordHours(Command):
    """Hours of a contract for a month (``month``: any day of it); training included."""

    contract_id: UUID
    month: date
    hours: Decimal
    training_hours: Decimal = Decimal(0)


@dataclass(frozen=True, kw_only=True)
class CorrectHours(Command):
    """New values for a month already recorded (the history keeps the old ones)."""

    contract_id: UUID
    month: date
    hours: Decimal
    training_hours: Decimal
    reason: str


@dataclass(frozen=True, kw_only=True)
class WithdrawHours(Command):
    """The month's line no longer counts (declared by mistake); it can be recorded again."""

    contract_id: UUID
    month: date
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordExit(Command):
    """What became of the person at the contract's end, or at the six-month follow-up."""

    contract_id: UUID
    stage: ExitStage
    outcome: ExitOutcome
    observed_on: date
    detail: str | None = None
