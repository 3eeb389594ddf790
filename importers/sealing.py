"""Identity cells of rejected rows, sealed with a key kept outside the log
(crypto-shredding).

A rejected row waits in the queue with its cells, so that the facilitator can fix it;
its names and birth date are personal data and never go to the log in clear. They are
encrypted (Fernet) and their key kept outside the log (``person_keys``):

* a row that names a registered person (it matched, then failed a later rule) is sealed
  with *that person's* key: erasing the person destroys it, and the row's identity
  becomes unreadable with the rest of their personal data (``PERSON_PREFIX`` + id +
  ``:`` + token tells which key);
* a row whose identity was read but matched nobody (unknown, or rejected before the
  match) is sealed with a key of that identity in that import, in ``identity_keys``
  (``IDENTITY_PREFIX`` + random key id + ``:`` + token: the log says nothing of the
  identity). Beside the key, outside the log, is the SHA-256 of the identity's match
  key: erasing a person registered under the same identity, then or later, finds and
  destroys it (``forget_identity``);
* any other row (no readable identity) is sealed with a key of the import, under the
  import id.

When the import's queue is empty its keys are destroyed (``forget``). Either way the
identities become unreadable everywhere, backups of the log included, while the rows'
outcomes and figures stay.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, insert, select

from events.schema import identity_keys, person_keys

IDENTITY_CELLS = ("last_name", "first_name", "birth_date", "comment")


def _key(conn, owner) -> str | None:
    """The key kept under ``owner``: a person's id, or an import's."""
    query = select(person_keys.c.key).where(person_keys.c.person_id == str(owner))
    return conn.execute(query).scalar_one_or_none()


PERSON_PREFIX = "person:"  # a Fernet token never starts with either
IDENTITY_PREFIX = "identity:"


def _digest(match_key: str) -> str:
    return hashlib.sha256(match_key.encode()).hexdigest()


def _new_key(conn, owner: str) -> str:
    key = Fernet.generate_key().decode()
    conn.execute(insert(person_keys).values(person_id=owner, key=key, created_at=datetime.now(UTC)))
    return key


def _identity_key(conn, import_id, match_key: str) -> tuple[str, str]:
    """(key id, key) of this identity in this import, made on first use."""
    c = identity_keys.c
    digest = _digest(match_key)
    found = conn.execute(
        select(c.key_id, c.key).where(c.import_id == str(import_id), c.identity_sha256 == digest)
    ).first()
    if found is not None:
        return found.key_id, found.key
    key_id, key = str(uuid.uuid4()), Fernet.generate_key().decode()
    conn.execute(
        insert(identity_keys).values(
            key_id=key_id,
            import_id=str(import_id),
            identity_sha256=digest,
            key=key,
            created_at=datetime.now(UTC),
        )
    )
    return key_id, key


def sealed_with(sealed: str | None) -> str | None:
    """The key id of an identity-sealed row (None for the other kinds)."""
    if not sealed or not sealed.startswith(IDENTITY_PREFIX):
        return None
    return sealed[len(IDENTITY_PREFIX) :].partition(":")[0] or None


def seal(
    conn, import_id, cells: dict[str, str], person_id=None, match_key: str | None = None
) -> tuple[dict[str, str], str | None]:
    """(cells without identity, sealed identity or None when there was none).

    ``person_id``: the registered person the row named; ``match_key``: the identity the
    row gave (``domain.names.match_key``) when it matched nobody."""
    private = {name: cells[name] for name in IDENTITY_CELLS if cells.get(name)}
    public = {name: value for name, value in cells.items() if name not in IDENTITY_CELLS}
    if not private:
        return public, None
    blob = json.dumps(private, sort_keys=True, ensure_ascii=False).encode()
    person_key = _key(conn, person_id) if person_id is not None else None
    if person_key is not None:
        token = Fernet(person_key.encode()).encrypt(blob).decode()
        return public, f"{PERSON_PREFIX}{person_id}:{token}"
    if match_key:
        key_id, key = _identity_key(conn, import_id, match_key)
        token = Fernet(key.encode()).encrypt(blob).decode()
        return public, f"{IDENTITY_PREFIX}{key_id}:{token}"
    key = _key(conn, import_id) or _new_key(conn, str(import_id))
    return public, Fernet(key.encode()).encrypt(blob).decode()


def unseal(conn, import_id, cells: dict[str, str], sealed: str | None) -> dict[str, str]:
    """The row's cells with its identity back (empty once the import's key is destroyed)."""
    if not sealed:
        return dict(cells)
    key_id = sealed_with(sealed)
    if key_id is not None:
        key = conn.execute(
            select(identity_keys.c.key).where(identity_keys.c.key_id == key_id)
        ).scalar()
        sealed = sealed[len(IDENTITY_PREFIX) + len(key_id) + 1 :]
    else:
        owner = import_id
        if sealed.startswith(PERSON_PREFIX):
            owner, _, sealed = sealed[len(PERSON_PREFIX) :].partition(":")
        key = _key(conn, owner)
    private: dict[str, str] = {}
    if key is not None:
        try:
            private = json.loads(Fernet(key.encode()).decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            private = {}
    return {**cells, **private}


def without_identity(cells: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in cells.items() if name not in IDENTITY_CELLS}


def forget(conn, import_id) -> None:
    """Destroy the keys of the import's rows (its queue is empty)."""
    conn.execute(delete(person_keys).where(person_keys.c.person_id == str(import_id)))
    conn.execute(delete(identity_keys).where(identity_keys.c.import_id == str(import_id)))


def forget_identity(conn, match_key: str) -> int:
    """Destroy the keys of the rows that gave this identity, in every import; how many."""
    done = conn.execute(
        delete(identity_keys).where(identity_keys.c.identity_sha256 == _digest(match_key))
    )
    return done.rowcount
