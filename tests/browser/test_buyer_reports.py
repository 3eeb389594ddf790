"""In Chromium: the facilitator issues last month's report of a buyer; the buyer opens
"Rapports mensuels", reads it and downloads it (XLSX and PDF); another buyer never sees it."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from clauses_service.web.formatting import month_fr
from clauses_service.web.schedule import today
from tests.browser.conftest import log_in


def _last_month():
    return (today().replace(day=1) - timedelta(days=1)).replace(day=1)


def test_buyer_downloads_its_issued_monthly_report(page, served, screenshot):
    month = _last_month()
    log_in(page, served, "facilitatrice@example.org")
    page.goto(served.at("/rapports/emis"))
    page.get_by_label("Donneur d'ordre").select_option(label="Dijon Métropole")
    page.get_by_label("Mois").fill(month.strftime("%Y-%m"))
    page.get_by_role("button", name="Émettre le rapport").click()
    expect(page.get_by_role("status").first).to_contain_text("Rapport émis")
    page.get_by_role("button", name="Se déconnecter").click()

    log_in(page, served, "dijon@example.org")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Rapports mensuels"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapports mensuels émis")
    page.get_by_role("link", name=month_fr(month)).click()
    expect(page.get_by_text("2025-BTP-01").first).to_be_visible()
    # 120 h recorded in February of last year, the only hours before last month
    expect(page.get_by_text("120,00").first).to_be_visible()
    screenshot(page, "15-rapport-mensuel-donneur")

    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX").first.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    cells = [
        cell for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row
    ]
    assert "2025-BTP-01" in " ".join(str(c) for c in cells if c is not None)
    assert 120 in [c for c in cells if isinstance(c, int | float)]

    with page.expect_download() as info:
        page.get_by_role("link", name="PDF").first.click()
    assert Path(info.value.path()).read_bytes()[:4] == b"%PDF"


def test_another_buyer_never_sees_it(page, served):
    log_in(page, served, "talant@example.org")
    page.goto(served.at("/rapports/emis"))
    expect(page.get_by_text("Aucun rapport émis pour l'instant.")).to_be_visible()
    with served.app.app_context():
        store = served.app.extensions["clauses"].store
        from projections.queries import reports as issued_queries

        with store.reading() as conn:
            (dijon_report,) = issued_queries.list_issued(conn, [str(served.ids["dijon"])])
    response = page.goto(served.at(f"/rapports/emis/{dijon_report['report_id']}"))
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("introuvable")
