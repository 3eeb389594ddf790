"""Shared fixtures: the store on each backend, fresh migrated databases, the PostgreSQL server.

PostgreSQL: ``CLAUSES_TEST_PG_URL`` names a server to use; otherwise a throwaway
cluster is started for the session. With ``CLAUSES_REQUIRE_PG=1`` (set by
scripts/test.sh and CI) a missing PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os

# Before the app is imported: cheap argon2 parameters for test accounts (see auth/accounts.py).
os.environ["CLAUSES_TEST_FAST_HASHING"] = "1"

import pytest

import events.catalog  # noqa: F401
from events.engine import make_engine
from events.memory_store import MemoryEventStore
from events.sql_store import SqlEventStore
from tests.support import databases
from tests.support.pgcluster import ClusterUnavailable, ThrowawayCluster

BACKENDS = ["memory", "sqlite", "postgresql"]
SQL_BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_databases():
    url = os.environ.get("CLAUSES_TEST_PG_URL")
    cluster = None
    if not url:
        try:
            cluster = ThrowawayCluster()
            url = cluster.start()
        except ClusterUnavailable as exc:
            if os.environ.get("CLAUSES_REQUIRE_PG") == "1":
                pytest.fail(f"PostgreSQL requis mais indisponible : {exc}")
            pytest.skip(f"PostgreSQL indisponible : {exc}")
    dbs = databases.PostgresDatabases(url)
    yield dbs
    dbs.admin.dispose()
    if cluster:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    return databases.migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def backend():
    """The backend under test; tests override it with ``parametrize("backend", ...)``."""
    return "sqlite"


@pytest.fixture
def database_url(request, backend, tmp_path, sqlite_template):
    """A fresh migrated database URL for ``backend`` (sqlite or postgresql)."""
    if backend == "sqlite":
        yield databases.fresh_sqlite_url(sqlite_template, tmp_path)
        return
    dbs = request.getfixturevalue("pg_databases")
    name, url = dbs.create()
    yield url
    dbs.drop(name)


@pytest.fixture
def engine(database_url):
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def make_store(request, backend):
    """``make_store(registry=None, **options)``: a store on ``backend`` over a fresh database."""

    def make(registry=None, **options):
        kwargs = {"registry": registry} if registry is not None else {}
        if backend == "memory":
            return MemoryEventStore(**kwargs)
        eng = make_engine(request.getfixturevalue("database_url"))
        request.addfinalizer(eng.dispose)
        return SqlEventStore(eng, **kwargs, **options)

    return make
