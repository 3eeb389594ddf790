"""The import as an entry point runs it: a file in, ``ImportTimesheet`` executed, a result.

    result = run_import(store, data, "releve-mars.xlsx", "ops@example.org",
                        company_id=..., allowed_company_ids=..., dry_run=False)

The file is checked and opened first (``FileRejected`` for the whole file, nothing
written); its rows are then cleaned while the handler decides them, inside one store
transaction. A dry run decides everything in that transaction and rolls it back.
"""

from __future__ import annotations

import gc
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from uuid import UUID

from importers.guard import Source, load_bytes
from importers.limits import DEFAULT_LIMITS, Limits
from importers.rows import read_rows


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_import(
    store,
    source: Source,
    filename: str,
    actor: str,
    *,
    company_id: UUID | None = None,
    allowed_company_ids: frozenset[str] | None = None,
    dry_run: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
    import_id: UUID | None = None,
    metadata: dict | None = None,
) -> dict:
    """Import one file for ``company_id``; the handler's result dict (see
    ``clauses_service.handlers.imports``). Raises ``FileRejected`` for an unreadable file."""
    from clauses_service.commands.imports import ImportTimesheet
    from clauses_service.handlers.imports import DryRunFinished
    from clauses_service.messagebus import execute

    data = load_bytes(source, limits)
    reader = read_rows(data, limits=limits, today=today)
    command = ImportTimesheet(
        import_id=import_id or uuid.uuid4(),
        filename=" ".join((filename or "relevé").split())[:300] or "relevé",
        content_sha256=content_hash(data),
        reader=reader,
        company_id=company_id,
        allowed_company_ids=allowed_company_ids,
        dry_run=dry_run,
    )
    services = {"progress": progress} if progress is not None else None
    meta = {"source": {"kind": "import", "file": command.filename}, **(metadata or {})}
    try:
        with fewer_collections():
            return execute(store, command, actor, metadata=meta, services=services)
    except DryRunFinished as finished:
        return finished.result


BULK_THRESHOLD = 50_000  # allocations between two young collections during an import
_paused = {"count": 0, "threshold": gc.get_threshold()}
_pause_lock = threading.Lock()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's cyclic collector, less often while a file is imported.

    A whole-file import allocates millions of small objects, many of which live until
    commit; the collector would walk them again and again (about a tenth of a
    10,000-row import here). Meanwhile the young generation is collected every
    ``BULK_THRESHOLD`` allocations instead of 700, and the objects alive before the
    import (the application's) are left out of the walks (``gc.freeze``). Imports in
    other threads share the pause; the last one out restores the thresholds."""
    with _pause_lock:
        if _paused["count"] == 0:
            _paused["threshold"] = gc.get_threshold()
            gc.freeze()
            young, *older = _paused["threshold"]
            gc.set_threshold(max(young, BULK_THRESHOLD), *older)
        _paused["count"] += 1
    try:
        yield
    finally:
        with _pause_lock:
            _paused["count"] -= 1
            if _paused["count"] == 0:
                gc.set_threshold(*_paused["threshold"])
                gc.unfreeze()
