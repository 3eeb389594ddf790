"""Engines for the two supported databases, configured for a serialised append path.

SQLite: WAL, a busy timeout, and our own BEGIN so that write transactions start
with ``BEGIN IMMEDIATE`` (they take the write lock first, so commit order equals
position order) while reads use a plain deferred BEGIN.
PostgreSQL: psycopg 3; write transactions take a transaction-scoped advisory lock.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from events.errors import ConfigurationError

WRITE_OPTION = "clauses_write"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str):
    """Parse a database URL, choosing psycopg 3 for PostgreSQL; raise ConfigurationError."""
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError("L'adresse de la base de données (CLAUSES_DATABASE_URL) est vide.")
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError) as exc:
        raise ConfigurationError(
            f"Adresse de base de données invalide « {url} » : attendu par exemple "
            "sqlite:///var/clauses.db ou postgresql://utilisateur@hôte/base."
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed
    raise ConfigurationError(
        f"Base de données non prise en charge « {backend} » : utilisez SQLite ou PostgreSQL."
    )


def make_engine(url: str, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs) -> Engine:
    """Create a configured engine for ``url`` (raises ConfigurationError on a bad URL).

    ``busy_timeout_ms``: how long a SQLite writer waits for another one.
    """
    parsed = normalise_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed, busy_timeout_ms, **kwargs)
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigurationError(f"Adresse de base de données inutilisable : {exc}") from exc


def _sqlite_engine(parsed, busy_timeout_ms: int, **kwargs) -> Engine:
    database = parsed.database or ""
    in_memory = database in ("", ":memory:")
    if not in_memory:
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}
    if in_memory:
        kwargs.setdefault("poolclass", StaticPool)
    engine = create_engine(parsed, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take BEGIN out of pysqlite's hands so that we can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine
