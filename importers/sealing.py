"""Identity cells of rejected rows, sealed with a key of the import (crypto-shredding).

A rejected row waits in the queue with its cells, so that the facilitator can fix it;
its names and birth date are personal data and never go to the log in clear. They are
encrypted (Fernet) with a key of the import, kept like people's keys outside the log
(``person_keys``, under the import id). When the import's queue is empty the key is
destroyed: the identities of its rejected rows become unreadable everywhere, backups of
the log included, while the rows' outcomes and figures stay.
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


def seal(conn, import_id, cells: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """(cells without identity, sealed identity or None when there was none)."""
    private = {name: cells[name] for name in IDENTITY_CELLS if cells.get(name)}
    public = {name: value for name, value in cells.items() if name not in IDENTITY_CELLS}
    if not private:
        return public, None
    key = _key(conn, import_id)
    if key is None:
        key = Fernet.generate_key().decode()
        conn.execute(
            insert(person_keys).values(
                person_id=str(import_id), key=key, created_at=datetime.now(UTC)
            )
        )
    blob = json.dumps(private, sort_keys=True, ensure_ascii=False).encode()
    return public, Fernet(key.encode()).encrypt(blob).decode()


def unseal(conn, import_id, cells: dict[str, str], sealed: str | None) -> dict[str, str]:
    """The row's cells with its identity back (empty once the import's key is destroyed)."""
    if not sealed:
        return dict(cells)
    key = _key(conn, import_id)
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
