"""Identity cells of rejected rows, sealed with a key of the import (crypto-shredding).

A rejected row waits in the queue with its cells, so that the facilitator can fix it;
its names and birth date are personal data and never go to the log in clear. They are
encrypted (Fernet) and kept outside the log (``person_keys``):

* a row that names a registered person (it matched, then failed a later rule) is sealed
  with *that person's* key: erasing the person destroys it, and the row's identity
  becomes unreadable with the rest of their personal data (``PERSON_PREFIX`` + id +
  ``:`` + token tells which key);
* any other row is sealed with a key of the import, under the import id. When the
  import's queue is empty that key is destroyed.

Either way the identities become unreadable everywhere, backups of the log included,
while the rows' outcomes and figures stay.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, insert, select

from events.schema import person_keys

IDENTITY_CELLS = ("last_name", "first_name", "birth_date", "comment")


def _key(conn, import_id) -> str | None:
    query = select(person_keys.c.key).where(person_keys.c.person_id == str(import_id))
    return conn.execute(query).scalar_one_or_none()


PERSON_PREFIX = "person:"  # a Fernet token never starts with it


def seal(
    conn, import_id, cells: dict[str, str], person_id=None
) -> tuple[dict[str, str], str | None]:
    """(cells without identity, sealed identity or None when there was none)."""
    private = {name: cells[name] for name in IDENTITY_CELLS if cells.get(name)}
    public = {name: value for name, value in cells.items() if name not in IDENTITY_CELLS}
    if not private:
        return public, None
    blob = json.dumps(private, sort_keys=True, ensure_ascii=False).encode()
    person_key = _key(conn, person_id) if person_id is not None else None
    if person_key is not None:
        token = Fernet(person_key.encode()).encrypt(blob).decode()
        return public, f"{PERSON_PREFIX}{person_id}:{token}"
    key = _key(conn, import_id)
    if key is None:
        key = Fernet.generate_key().decode()
        conn.execute(
            insert(person_keys).values(
                person_id=str(import_id), key=key, created_at=datetime.now(UTC)
            )
        )
    return public, Fernet(key.encode()).encrypt(blob).decode()


def unseal(conn, import_id, cells: dict[str, str], sealed: str | None) -> dict[str, str]:
    """The row's cells with its identity back (empty once the import's key is destroyed)."""
    if not sealed:
        return dict(cells)
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
    conn.execute(delete(person_keys).where(person_keys.c.person_id == str(import_id)))
