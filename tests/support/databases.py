"""Fresh, migrated databases for each test: copies of a migrated SQLite file, or
PostgreSQL databases created from a migrated template."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from sqlalchemy import text

from clauses_service import db as migrations
from events.engine import make_engine


def migrated_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def fresh_sqlite_url(template: Path, directory: Path) -> str:
    path = directory / f"clauses-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


class PostgresDatabases:
    """Creates databases from a migrated template on one server."""

    TEMPLATE = "clauses_template"

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {self.TEMPLATE}"))
            conn.execute(text(f"CREATE DATABASE {self.TEMPLATE}"))
        template = make_engine(self._url(self.TEMPLATE))
        migrations.upgrade(template)
        template.dispose()

    def _url(self, name: str) -> str:
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def create(self) -> tuple[str, str]:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {self.TEMPLATE}"))
        return name, self._url(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def create_empty(self) -> tuple[str, str]:
        name = f"e_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        return name, self._url(name)
