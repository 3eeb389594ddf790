"""A database without schema: /healthz says what to do (503), never a 500."""

import pytest

from clauses_service import create_app


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_healthz_on_an_unmigrated_database_is_503_with_the_fix(backend, request, tmp_path):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        dbs = request.getfixturevalue("pg_databases")
        name, url = dbs.create_empty()
        request.addfinalizer(lambda: dbs.drop(name))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "t"})
    response = app.test_client().get("/healthz")
    app.extensions["clauses"].engine.dispose()
    assert response.status_code == 503
    assert "clauses db upgrade" in response.json["message"]
