"""The facilitator's dashboard lists the imports whose rejected rows wait for a fix."""

from __future__ import annotations

import pytest

from tests.conftest import SQL_BACKENDS
from tests.e2e.test_web_imports import import_id_of, relevé, upload, world
from tests.e2e.test_web_pages import login, text_of

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
__all__ = ["world"]


def _section(page: str) -> str:
    return page.split('id="imports-attente"', 1)[1].split("</section>", 1)[0]


def test_dashboard_lists_imports_with_rows_to_fix(app, world):
    desk = login(app, "facilitator")
    assert "Aucune ligne refusée en attente." in _section(text_of(desk.get("/tableau-de-bord")))
    import_id = import_id_of(upload(login(app, "company"), relevé()))
    section = _section(text_of(desk.get("/tableau-de-bord")))
    assert "Imports avec des lignes à corriger (1)" in text_of(desk.get("/tableau-de-bord"))
    assert f'href="/imports/{import_id}">releve-mars.xlsx</a>' in section
    assert "Bâtiment Dijon SAS" in section
    assert '<td class="num">1</td>' in section  # the negative-hours row
    assert 'href="/imports/a-corriger"' in section
