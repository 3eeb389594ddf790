"""Events of the import stream: one uploaded monthly-hours file and what became of its rows.

Stream ``import:<import_id>``. A file is applied in one transaction: its rows' hours
(``HoursRecorded`` / ``HoursCorrected`` on the contract streams, ``ContractStarted`` for
a new contract) and, here, ``TimesheetImported`` followed by ``ImportRowsDecided``
chunks (the outcome of every row, in file order). Rejected rows never count; they wait
in the queue until ``ImportRowFixed`` (re-decided, accepted) or ``ImportRowDismissed``.

Accepted rows carry only ids and figures. A rejected row keeps its cells as text
(``cells``) so that the facilitator can fix it without a new upload; its names, birth
date and comment are sealed with a key of the import (``sealed_cells``, see
``importers.sealing``), destroyed once the import's queue is empty.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from events.registry import event_type
from events.vocabulary import Choice

STREAM_TYPE = "import"


def import_stream(import_id) -> str:
    return f"import:{import_id}"


def file_claim_key(company_id, sha256: str) -> str:
    """The business key of a file's content for whom it was imported (claims stream)."""
    return f"{company_id or 'toutes'}:{sha256}"


FILE_CLAIM_KIND = "import-file"


class RowStatus(Choice):
    ACCEPTED = "accepted", "Acceptée"
    ACCEPTED_WITH_WARNINGS = "accepted_with_warnings", "Acceptée avec avertissements"
    REJECTED = "rejected", "Rejetée"


class RowAction(Choice):
    RECORDED = "recorded", "Heures enregistrées"
    CORRECTED = "corrected", "Heures corrigées"
    UNCHANGED = "unchanged", "Déjà enregistrée, inchangée"
    NONE = "none", "Aucune (ligne rejetée)"


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """One row of the file as decided. ``errors``: column (canonical name, or ``row``)
    -> French message; ``cells``: the row's cells as text (rejected rows only)."""

    row_number: int
    status: RowStatus
    action: RowAction
    month: date | None = None
    contract_id: UUID | None = None
    person_id: UUID | None = None
    company_id: UUID | None = None
    hours: Decimal | None = None
    training_hours: Decimal | None = None
    contract_started: bool = False
    warnings: tuple[str, ...] = ()
    errors: dict = field(default_factory=dict)
    cells: dict = field(default_factory=dict)
    sealed_cells: str | None = None


@event_type("TimesheetImported")
@dataclass(frozen=True, slots=True)
class TimesheetImported:
    """A file was read and its rows decided (counts over the whole file)."""

    import_id: UUID
    company_id: UUID | None
    filename: str
    content_sha256: str
    file_format: str
    rows: int
    accepted: int
    accepted_with_warnings: int
    rejected: int
    recorded: int
    corrected: int
    unchanged: int
    contracts_started: int
    summary: dict


@event_type("ImportRowsDecided")
@dataclass(frozen=True, slots=True)
class ImportRowsDecided:
    """A chunk of row outcomes of one import, in file order."""

    import_id: UUID
    rows: tuple[RowOutcome, ...]


@event_type("ImportRowFixed")
@dataclass(frozen=True, slots=True)
class ImportRowFixed:
    """A rejected row, fixed in the queue (person linked and/or values corrected), is now
    accepted; ``outcome`` is its new decision (the hours are on the contract stream)."""

    import_id: UUID
    row_number: int
    outcome: RowOutcome
    changed: dict


@event_type("ImportRowDismissed")
@dataclass(frozen=True, slots=True)
class ImportRowDismissed:
    """A rejected row leaves the queue without counting."""

    import_id: UUID
    row_number: int
    reason: str
