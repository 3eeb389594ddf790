import pytest

from tests.conftest import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Every contract test runs on the in-memory twin, SQLite and PostgreSQL."""
    return request.param
