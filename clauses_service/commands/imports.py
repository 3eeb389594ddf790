"""Commands of the monthly-hours spreadsheet import and of its rejected-rows queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from clauses_service.commands import Command


@dataclass(frozen=True, kw_only=True)
class ImportTimesheet(Command):
    """Apply one uploaded file, in one transaction.

    ``reader`` is the opened file (``importers.read_rows(...)``): rows are cleaned while
    they are decided, so a big file is never held whole in memory. ``company_id``: for
    whom the file is imported (the uploader's company; None when the facilitator imports
    for several). ``allowed_company_ids``: the companies the uploader may report for
    (None: any, the facilitator). ``dry_run``: decide everything, write nothing (the
    handler raises ``DryRunFinished`` carrying the result, which rolls back).
    """

    import_id: UUID
    filename: str
    content_sha256: str
    reader: Any = field(compare=False, repr=False)
    company_id: UUID | None = None
    allowed_company_ids: frozenset[str] | None = None
    dry_run: bool = False


@dataclass(frozen=True, kw_only=True)
class FixImportRow(Command):
    """Re-decide a rejected row: link it to ``person_id`` and/or replace cell values
    (``values``: canonical column name -> text as it would be typed in the sheet)."""

    import_id: UUID
    row_number: int
    person_id: UUID | None = None
    values: dict[str, str] = field(default_factory=dict)
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class DismissImportRow(Command):
    """Take a rejected row out of the queue without counting it."""

    import_id: UUID
    row_number: int
    reason: str
