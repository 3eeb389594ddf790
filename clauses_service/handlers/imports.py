"""Handlers of the spreadsheet import: a whole file in one transaction, and the queue of
rejected rows (fix and re-decide, or dismiss).

Every row goes through ``importers.apply.decide_row``, which calls the contract
handlers on the import's context: the rules are those of the manual path. The same
content for the same company is imported once (a claim on ``import-file``); the
second time nothing changes and the result says when it was first imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from uuid import UUID

from clauses_service.commands.imports import DismissImportRow, FixImportRow, ImportTimesheet
from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from clauses_service.handlers.base import Context, claim, claimed_by, save
from events.catalog.imports import (
    FILE_CLAIM_KIND,
    STREAM_TYPE,
    ImportRowDismissed,
    ImportRowFixed,
    ImportRowsDecided,
    RowAction,
    RowOutcome,
    RowStatus,
    TimesheetImported,
    file_claim_key,
    import_stream,
)
from importers import sealing

CHUNK = 500  # row outcomes per ImportRowsDecided event
SHOWN_REJECTIONS = 20
MAX_REASON = 500


class DryRunFinished(Exception):
    """Raised at the end of a dry run so that the transaction rolls back."""

    def __init__(self, result: dict) -> None:
        super().__init__("dry run")
        self.result = result


# ---- state of an import stream ---------------------------------------------------------
@dataclass(frozen=True)
class ImportState:
    import_id: UUID | None = None
    company_id: UUID | None = None
    filename: str = ""
    rows: dict[int, RowOutcome] = field(default_factory=dict)  # rejected rows only
    closed: dict[int, str] = field(default_factory=dict)  # row -> "fixed" / "dismissed"
    version: int = 0

    @property
    def exists(self) -> bool:
        return self.import_id is not None


def fold(events: Iterable) -> ImportState:
    state = ImportState()
    rows: dict[int, RowOutcome] = {}
    closed: dict[int, str] = {}
    version = 0
    for event in events:
        version += 1
        match event:
            case TimesheetImported():
                state = replace(
                    state,
                    import_id=event.import_id,
                    company_id=event.company_id,
                    filename=event.filename,
                )
            case ImportRowsDecided():
                rows.update(
                    (row.row_number, row) for row in event.rows if row.status is RowStatus.REJECTED
                )
            case ImportRowFixed():
                closed[event.row_number] = "fixed"
            case ImportRowDismissed():
                closed[event.row_number] = "dismissed"
    return replace(state, rows=rows, closed=closed, version=version)


def _load(ctx: Context, import_id) -> ImportState:
    state = fold(r.event for r in ctx.tx.read_stream(import_stream(import_id)))
    if not state.exists:
        raise NotFound("Import introuvable.", field="import_id")
    return state


def _pending_row(state: ImportState, row_number: int) -> RowOutcome:
    row = state.rows.get(row_number)
    if row is None:
        raise NotFound(
            f"La ligne {row_number} n'est pas une ligne rejetée de cet import.", field="row_number"
        )
    if row_number in state.closed:
        done = "corrigée" if state.closed[row_number] == "fixed" else "écartée"
        raise RuleViolation(
            f"La ligne {row_number} a déjà été {done} : elle n'est plus en attente.",
            field="row_number",
        )
    return row


# ---- the file --------------------------------------------------------------------------
def _first_import(ctx: Context, import_id: UUID) -> dict:
    stream = ctx.tx.read_stream(import_stream(import_id))
    first = stream[0]
    event: TimesheetImported = first.event
    return {
        "import_id": str(import_id),
        "already_imported": True,
        "first_imported_at": first.recorded_at.isoformat(),
        "filename": event.filename,
        "counts": {
            "rows": event.rows,
            "accepted": event.accepted,
            "accepted_with_warnings": event.accepted_with_warnings,
            "rejected": event.rejected,
            "recorded": event.recorded,
            "corrected": event.corrected,
            "unchanged": event.unchanged,
            "contracts_started": event.contracts_started,
        },
        "rejected_rows": [],
        "dry_run": False,
    }


def _shown(outcome: RowOutcome) -> dict:
    return {
        "row_number": outcome.row_number,
        "errors": dict(outcome.errors),
        "warnings": list(outcome.warnings),
    }


def _identity_key(values: dict) -> str | None:
    """The match key of the identity a row gave, when it gave a readable one."""
    from clauses_service.domain.names import match_key

    last, first, born = (values.get(n) for n in ("last_name", "first_name", "birth_date"))
    if not (isinstance(last, str) and isinstance(first, str) and isinstance(born, date)):
        return None
    return match_key(last, first, born)


FLUSH_EVERY = 2000  # rows decided between two hand-overs of their events to the database


def import_timesheet(cmd: ImportTimesheet, ctx: Context) -> dict:
    from importers.apply import FileContext, decide_row
    from importers.matching import Lookups
    from importers.txcache import CachedTransaction

    key = file_claim_key(cmd.company_id, cmd.content_sha256)
    first = claimed_by(ctx, FILE_CLAIM_KIND, key)
    if first is not None:
        result = _first_import(ctx, first)
        if cmd.dry_run:
            raise DryRunFinished({**result, "dry_run": True})
        return result
    if ctx.tx.read_stream(import_stream(cmd.import_id)):
        raise AlreadyExists("Cet import est déjà enregistré.", field="import_id")
    cached = CachedTransaction(ctx.tx)
    row_ctx = replace(ctx, tx=cached)
    labels = {**_default_labels(), **dict(cmd.reader.mapping.labels)}
    file = FileContext(
        cmd.import_id, cmd.filename, Lookups(row_ctx), labels, cmd.allowed_company_ids
    )
    progress = ctx.services.get("progress")
    counts = dict.fromkeys(
        (
            "rows",
            "accepted",
            "accepted_with_warnings",
            "rejected",
            "recorded",
            "corrected",
            "unchanged",
            "contracts_started",
        ),
        0,
    )
    outcomes: list[RowOutcome] = []
    rejected_shown: list[dict] = []
    months: set = set()
    import_id = str(cmd.import_id)
    for parsed in cmd.reader:
        cached.row_metadata = {
            "source": {
                "kind": "import",
                "import_id": import_id,
                "file": cmd.filename,
                "row": parsed.row_number,
            }
        }
        outcome = decide_row(row_ctx, parsed, file)
        if outcome.status is RowStatus.REJECTED:
            public, sealed = sealing.seal(
                ctx.tx.connection,
                cmd.import_id,
                outcome.cells,
                outcome.person_id,
                _identity_key(parsed.values),
            )
            outcome = replace(outcome, cells=public, sealed_cells=sealed)
        outcomes.append(outcome)
        counts["rows"] += 1
        counts[outcome.status.value] += 1
        if outcome.action is not RowAction.NONE:
            counts[outcome.action.value] += 1
        counts["contracts_started"] += outcome.contract_started
        if outcome.month is not None:
            months.add(outcome.month.isoformat()[:7])
        if outcome.status is RowStatus.REJECTED and len(rejected_shown) < SHOWN_REJECTIONS:
            rejected_shown.append(_shown(outcome))
        if progress is not None:
            progress(counts["rows"])
        if counts["rows"] % FLUSH_EVERY == 0:
            cached.flush()
    cached.row_metadata = {}
    cached.release()  # the rows' events, in row order, before the import's own
    summary = cmd.reader.summary
    summary_data = {
        "file_format": summary.file_format,
        "sheet_name": summary.sheet_name,
        "header_row": summary.header_row,
        "columns": dict(summary.columns),
        "ignored_columns": list(summary.ignored_columns),
        "rows_read": summary.rows_read,
        "blank_rows_skipped": summary.blank_rows_skipped,
        "total_rows_skipped": summary.total_rows_skipped,
        "duplicate_rows": summary.duplicate_rows,
        "months": sorted(months),
    }
    events = [
        TimesheetImported(
            import_id=cmd.import_id,
            company_id=cmd.company_id,
            filename=cmd.filename,
            content_sha256=cmd.content_sha256,
            file_format=summary.file_format,
            summary=summary_data,
            **counts,
        )
    ]
    events += [
        ImportRowsDecided(cmd.import_id, tuple(outcomes[i : i + CHUNK]))
        for i in range(0, len(outcomes), CHUNK)
    ]
    save(ctx, STREAM_TYPE, import_stream(cmd.import_id), 0, events)
    claim(ctx, FILE_CLAIM_KIND, key, cmd.import_id, "Ce fichier a déjà été importé.")
    result = {
        "import_id": str(cmd.import_id),
        "already_imported": False,
        "first_imported_at": None,
        "filename": cmd.filename,
        "counts": counts,
        "rejected_rows": rejected_shown,
        "dry_run": cmd.dry_run,
        "summary": summary_data,
    }
    if cmd.dry_run:
        raise DryRunFinished(result)
    return result


def _default_labels() -> dict[str, str]:
    from importers.apply import default_labels

    return default_labels()


# ---- the queue -------------------------------------------------------------------------
def _reparse(ctx: Context, import_id, row: RowOutcome, values: dict, person_id: UUID | None):
    from importers.headers import COLUMNS, HeaderMapping
    from importers.rows import RowParser

    cells = sealing.unseal(ctx.tx.connection, import_id, row.cells, row.sealed_cells)
    for name, value in values.items():
        if name not in COLUMNS:
            raise RuleViolation(f"Colonne inconnue « {name} ».", field="values")
        cells[name] = "" if value is None else str(value)
    if person_id is not None:
        cells["person_id"] = str(person_id)
    names = [name for name in COLUMNS if name in cells]
    mapping = HeaderMapping(
        0, {name: i for i, name in enumerate(names)}, {n: COLUMNS[n].label for n in names}
    )
    parser = RowParser(mapping, False, None)
    return parser.parse(row.row_number, {name: cells[name] or None for name in names})


def _forget_when_done(ctx: Context, state: ImportState) -> None:
    """The last waiting row was just closed: destroy the key of the rows' identities."""
    if len(state.rows) - len(state.closed) <= 1:
        sealing.forget(ctx.tx.connection, state.import_id)


def fix_import_row(cmd: FixImportRow, ctx: Context) -> dict:
    from importers.apply import FileContext, decide_row
    from importers.matching import Lookups
    from importers.txcache import CachedTransaction

    state = _load(ctx, cmd.import_id)
    row = _pending_row(state, cmd.row_number)
    if not cmd.values and cmd.person_id is None:
        raise RuleViolation(
            "Indiquez la personne à rattacher ou au moins une valeur corrigée.", field="values"
        )
    parsed = _reparse(ctx, cmd.import_id, row, cmd.values, cmd.person_id)
    cached = CachedTransaction(ctx.tx)
    cached.row_metadata = {
        "source": {
            "kind": "import-fix",
            "import_id": str(cmd.import_id),
            "file": state.filename,
            "row": cmd.row_number,
        }
    }
    row_ctx = replace(ctx, tx=cached)
    file = FileContext(cmd.import_id, state.filename, Lookups(row_ctx))
    outcome = decide_row(row_ctx, parsed, file)
    if outcome.status is RowStatus.REJECTED:
        column, message = next(iter(outcome.errors.items()))
        raise RuleViolation(message, field=column)
    cached.flush()
    changed = {name: str(value) for name, value in cmd.values.items()}
    if cmd.person_id is not None:
        changed["person_id"] = str(cmd.person_id)
    save(
        ctx,
        STREAM_TYPE,
        import_stream(cmd.import_id),
        state.version,
        [ImportRowFixed(cmd.import_id, cmd.row_number, outcome, changed)],
        cmd.expected_version,
    )
    _forget_when_done(ctx, state)
    return {
        "import_id": str(cmd.import_id),
        "row_number": cmd.row_number,
        "status": outcome.status.value,
        "action": outcome.action.value,
        "contract_id": str(outcome.contract_id) if outcome.contract_id else None,
        "warnings": list(outcome.warnings),
        "version": state.version + 1,
    }


def dismiss_import_row(cmd: DismissImportRow, ctx: Context) -> dict:
    state = _load(ctx, cmd.import_id)
    _pending_row(state, cmd.row_number)
    reason = " ".join((cmd.reason or "").split())
    if not reason:
        raise RuleViolation("Indiquez pourquoi cette ligne est écartée.", field="reason")
    if len(reason) > MAX_REASON:
        raise RuleViolation(
            f"Ce texte ne doit pas dépasser {MAX_REASON} caractères.", field="reason"
        )
    save(
        ctx,
        STREAM_TYPE,
        import_stream(cmd.import_id),
        state.version,
        [ImportRowDismissed(cmd.import_id, cmd.row_number, reason)],
        cmd.expected_version,
    )
    _forget_when_done(ctx, state)
    return {
        "import_id": str(cmd.import_id),
        "row_number": cmd.row_number,
        "status": "dismissed",
        "version": state.version + 1,
    }


HANDLERS = {
    ImportTimesheet: import_timesheet,
    FixImportRow: fix_import_row,
    DismissImportRow: dismiss_import_row,
}
