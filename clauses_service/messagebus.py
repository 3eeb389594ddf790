"""The single write path: a command in, its handler run in one store transaction.

Idempotency: with a key, the same command returns the first result without running
again; the same key with a different command is refused (``IdempotencyConflict``).
Keys are scoped by actor, so two users cannot collide.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from clauses_service.handlers import HANDLERS
from clauses_service.handlers.base import Context
from clauses_service.identity import vault_for
from events.errors import IdempotencyConflict
from events.store import EventStore, fingerprint


def execute(
    store: EventStore,
    command: Any,
    actor: str,
    idempotency_key: str | None = None,
    metadata: dict | None = None,
    now: datetime | None = None,
    services: dict | None = None,
    request_fingerprint: str | None = None,
) -> dict:
    """Run ``command``; return the handler's JSON-safe result dict.

    ``request_fingerprint`` replaces the command's own fingerprint for the idempotency
    check when the entry point mints ids (an HTTP POST retried mints a new id, but the
    request body is the same).
    """
    try:
        handler = HANDLERS[type(command)]
    except KeyError:
        raise TypeError(f"no handler for {type(command).__name__}") from None
    meta = {
        "actor": actor,
        "command": type(command).__name__,
        "correlation_id": str(uuid.uuid4()),
        **(metadata or {}),
    }
    with store.transaction(meta) as tx:
        # Default services (explicit ones override): the identity vault of this store.
        ctx = Context(
            tx, actor, now or datetime.now(UTC), {"vault": vault_for(store), **(services or {})}
        )
        if idempotency_key is None:
            return handler(command, ctx)
        key = f"{actor}:{idempotency_key}"
        body = request_fingerprint or fingerprint(
            type(command).__name__, dataclasses.asdict(command)
        )
        stored = tx.idempotent_result(key)
        if stored is not None:
            if stored[0] != body:
                raise IdempotencyConflict(idempotency_key)
            return {**stored[1], "replayed": True}
        result = handler(command, ctx)
        tx.remember(key, body, result)
        return result
