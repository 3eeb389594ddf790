"""The identity vault: people's identity sealed with a key of their own (crypto-shredding).

Events never carry a name in clear: ``PersonRegistered.sealed_identity`` is the
``Identity`` encrypted (Fernet) with the person's key. Keys live outside the
append-only log, in the ``person_keys`` table; ``forget`` deletes the key, and every
sealed identity of that person, in the log and in any backup of it, becomes
unreadable, while the person's other events (orientations, hours...) still count.

Two vaults with one interface:

- ``SqlVault`` works on the SQLAlchemy connection it is given: handlers pass the write
  transaction's connection (``ctx.tx.connection``), so a new key commits or rolls
  back with the event that uses it; projections pass their own ``conn``.
- ``MemoryVault`` keeps keys in a dict, for ``MemoryEventStore``; ``conn`` is ignored.
  It is not transactional: a key created (or forgotten) by a command that then fails
  stays created (or forgotten). Only tests use it.

``vault_for(store)`` gives the vault that goes with a store.
"""

from __future__ import annotations

import json
import threading
import weakref
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, insert, select

from events.catalog.people import Identity
from events.registry import PayloadCodec
from events.schema import person_keys
from events.sql_store import SqlEventStore

_CODEC = PayloadCodec(Identity)


class Vault(Protocol):
    def seal(self, conn: Any, person_id: UUID | str, identity: Identity) -> str:
        """Encrypt ``identity`` with the person's key (created if missing)."""

    def open(self, conn: Any, person_id: UUID | str, token: str | None) -> Identity | None:
        """The identity sealed in ``token``; None when the key was erased or it is unreadable."""

    def forget(self, conn: Any, person_id: UUID | str) -> None:
        """Destroy the person's key: everything sealed with it becomes unreadable."""


def _encrypt(key: str, identity: Identity) -> str:
    blob = json.dumps(_CODEC.encode(identity), sort_keys=True, ensure_ascii=False)
    return Fernet(key.encode()).encrypt(blob.encode()).decode()


def _decrypt(key: str | None, token: str | None) -> Identity | None:
    if key is None or not token:
        return None
    try:
        blob = Fernet(key.encode()).decrypt(token.encode())
    except (InvalidToken, ValueError):
        # Sealed with another (or a destroyed) key, or corrupted: unreadable, not an error.
        return None
    try:
        return _CODEC.decode(json.loads(blob))
    except Exception:
        return None  # decrypted but not an Identity: treat as unreadable too


def _new_key() -> str:
    return Fernet.generate_key().decode()


class SqlVault:
    """Keys in the durable ``person_keys`` table, read and written on the given connection."""

    def _key(self, conn, person_id) -> str | None:
        query = select(person_keys.c.key).where(person_keys.c.person_id == str(person_id))
        return conn.execute(query).scalar_one_or_none()

    def seal(self, conn, person_id, identity: Identity) -> str:
        key = self._key(conn, person_id)
        if key is None:
            key = _new_key()
            conn.execute(
                insert(person_keys).values(
                    person_id=str(person_id), key=key, created_at=datetime.now(UTC)
                )
            )
        return _encrypt(key, identity)

    def open(self, conn, person_id, token: str | None) -> Identity | None:
        return _decrypt(self._key(conn, person_id), token)

    def forget(self, conn, person_id) -> None:
        conn.execute(delete(person_keys).where(person_keys.c.person_id == str(person_id)))


class MemoryVault:
    """Keys in a dict (for ``MemoryEventStore``); ``conn`` is ignored."""

    def __init__(self):
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def seal(self, conn, person_id, identity: Identity) -> str:
        with self._lock:
            key = self._keys.setdefault(str(person_id), _new_key())
        return _encrypt(key, identity)

    def open(self, conn, person_id, token: str | None) -> Identity | None:
        return _decrypt(self._keys.get(str(person_id)), token)

    def forget(self, conn, person_id) -> None:
        with self._lock:
            self._keys.pop(str(person_id), None)

    def has_key(self, person_id) -> bool:
        return str(person_id) in self._keys


_MEMORY_VAULTS: weakref.WeakKeyDictionary[Any, MemoryVault] = weakref.WeakKeyDictionary()
_MEMORY_LOCK = threading.Lock()


def vault_for(store) -> Vault:
    """The vault of ``store``: a ``SqlVault`` for SQL, else one ``MemoryVault`` per store.

    The in-memory store (and any other non-SQL store, e.g. a test double) gets the same
    ``MemoryVault`` on every call, so commands on it can open what earlier ones sealed.
    """
    if isinstance(store, SqlEventStore):
        return SqlVault()
    with _MEMORY_LOCK:
        vault = _MEMORY_VAULTS.get(store)
        if vault is None:
            vault = _MEMORY_VAULTS[store] = MemoryVault()
        return vault
