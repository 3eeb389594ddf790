"""The monthly report rendered: XLSX read back with openpyxl (sheets, values, number
formats, formula-proof text), HTML (figures in French, one chart per market), PDF."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime

import pytest
import weasyprint
from openpyxl import load_workbook

from clauses_service.reports.monthly import build_monthly_report
from clauses_service.reports.pdf import OfflineFetcher, html_to_pdf
from clauses_service.reports.render_monthly import (
    monthly_html,
    monthly_pdf,
    monthly_xlsx,
    sheet_title,
)
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.reports.monthly_world import APRIL, build_monthly_world

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture(scope="module")
def report(tmp_path_factory, sqlite_template):
    from events.engine import make_engine
    from events.sql_store import SqlEventStore
    from tests.support import databases

    engine = make_engine(databases.fresh_sqlite_url(sqlite_template, tmp_path_factory.mktemp("m")))
    store = SqlEventStore(engine)
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    world = build_monthly_world(store)
    with store.reading() as conn:
        built = build_monthly_report(conn, str(world.buyer), APRIL)
    engine.dispose()
    return built


def values(sheet, row: int, first: int, last: int) -> list:
    return [sheet.cell(row=row, column=c).value for c in range(first, last + 1)]


def test_xlsx_sheets_values_and_formats(report):
    book = load_workbook(io.BytesIO(monthly_xlsx(report)))
    assert book.sheetnames == ["Synthèse", "2024-BTP-01", "2024-SRV-02"]
    summary = book["Synthèse"]
    assert summary["A1"].value == "Rapport mensuel — Dijon Métropole"
    assert summary["A2"].value == "Mois de avril 2024"
    assert summary["B3"].value == datetime(2024, 4, 30)
    assert summary["B3"].number_format == "DD/MM/YYYY"
    assert values(summary, 5, 1, 3) == ["Référence", "Intitulé", "Type"]
    assert values(summary, 6, 1, 15) == [
        "2024-BTP-01", "Marché 2024-BTP-01", "Travaux (BTP)",
        datetime(2024, 1, 1), datetime(2025, 12, 31),
        1500, 336, 657.67, 43.84, 842.33, 250, 3946.02, 3, 4, "non",
    ]  # fmt: skip
    assert values(summary, 7, 6, 15)[-1] == "oui"  # 2024-SRV-02 is behind
    assert values(summary, 8, 1, 2) == ["Total", "1 marché(s) en retard"]
    assert values(summary, 8, 6, 14) == [2400, 406.33, 868, 36.17, 1532, None, 4577.01, 4, 5]
    assert summary["F6"].number_format == "#,##0.00"
    assert summary["I6"].number_format == "0.00"
    assert summary["M6"].number_format == "0"
    column_a = [summary.cell(row=r, column=1).value for r in range(1, summary.max_row + 1)]
    ctti = column_a.index("CTTI (contrat de travail temporaire d'insertion)") + 1
    assert values(summary, ctti, 2, 5) == [260.75, 160.75, 2, 2]
    plie = column_a.index("Participants PLIE") + 1
    assert values(summary, plie, 2, 5) == [3, 371, 2, 301]
    assert summary.cell(row=plie, column=3).number_format == "#,##0.00"

    m1 = book["2024-BTP-01"]
    assert m1["A1"].value == "2024-BTP-01 — Marché 2024-BTP-01"
    lots_header = [m1.cell(row=r, column=1).value for r in range(1, 12)].index("Lot") + 1
    assert values(m1, lots_header + 1, 1, 9) == [
        "1", "Lot 1", 1000, 260.75, 512.42, 51.24, 487.58, 166.67, 3074.52,
    ]  # fmt: skip
    assert m1.cell(row=lots_header + 1, column=5).number_format == "#,##0.00"
    months = [m1.cell(row=r, column=1).value for r in range(1, m1.max_row + 1)].index("Mois") + 1
    assert values(m1, months + 1, 1, 3) == ["mars 2024", 321.67, 321.67]
    assert values(m1, months + 2, 1, 3) == ["avril 2024", 336, 657.67]


def test_xlsx_text_never_becomes_a_formula(report):
    hostile = {**report, "markets": [dict(report["markets"][0])]}
    hostile["markets"][0]["title"] = '=HYPERLINK("http://evil.example","clic")'
    hostile["markets"][0]["reference"] = "=1+1/[x]"
    book = load_workbook(io.BytesIO(monthly_xlsx(hostile)))
    assert book.sheetnames == ["Synthèse", "=1+1--x-"]
    cell = book["Synthèse"]["B6"]
    assert cell.value == '=HYPERLINK("http://evil.example","clic")' and cell.data_type == "s"
    assert book["Synthèse"]["A6"].data_type == "s"


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    assert sheet_title("2024/BTP:01", taken) == "2024-BTP-01"
    assert sheet_title("2024-btp-01", taken) == "2024-btp-01 (2)"
    assert sheet_title("Synthèse", taken) == "Synthèse (2)"
    assert len(sheet_title("R" * 40, taken)) == 31


def test_html_standalone_and_fragment(report):
    page = monthly_html(report)
    assert page.startswith("<!doctype html>") and '<html lang="fr">' in page
    assert "Rapport mensuel des clauses d'insertion — Dijon Métropole" in page
    assert "Mois de avril 2024 (heures déclarées jusqu'au 30/04/2024 inclus)" in page
    assert f">868,00{NBSP}h<" in page
    assert f">1{NNBSP}532,00{NBSP}h<" in page  # remaining
    assert f">3{NNBSP}946,02{NBSP}h<" in page  # M1 projection
    assert f">36,17{NBSP}%<" in page
    # The overall chart, then one per market.
    assert page.count("<svg") == 3 and page.count("En retard</strong>") == 2  # M2 and L3
    assert "Progression de l'ensemble des marchés — Dijon Métropole" in html.unescape(page)
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)) and {"chart-title-0", "chart-title-2"} <= set(ids)
    fragment = monthly_html(report, standalone=False)
    assert fragment.lstrip().startswith('<article class="monthly-report">')
    assert "<html" not in fragment and "<style" not in fragment


def test_many_markets_keep_the_overall_chart_only(report):
    many = {
        **report,
        "markets": [{**report["markets"][0], "reference": f"M-{i}"} for i in range(13)],
    }
    page = monthly_html(many)
    assert page.count("<svg") == 1 and page.count('<section class="market"') == 13
    assert "Plus de 12 marchés : le graphique de progression de chaque marché" in page
    assert monthly_pdf(many).startswith(b"%PDF-")


def test_html_escapes_what_users_typed(report):
    hostile = {**report, "markets": [dict(report["markets"][0])]}
    hostile["markets"][0]["title"] = "<script>alert(1)</script>"
    page = monthly_html(hostile)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_pdf_has_pages(report):
    pdf = monthly_pdf(report)
    assert pdf.startswith(b"%PDF-")
    # Summary, then one page per market at least (each market starts a page).
    document = weasyprint.HTML(string=monthly_html(report), url_fetcher=OfflineFetcher())
    assert len(document.render().pages) >= 3


def test_pdf_fetches_no_file_and_no_network():
    fetcher = OfflineFetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.png", "https://example.org/a.css"):
        with pytest.raises(ValueError, match="Ressource refusée"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,ok") is not None
    pdf = html_to_pdf('<p>Bonjour</p><img src="file:///etc/passwd">')
    assert pdf.startswith(b"%PDF-") and b"root:" not in pdf


def test_empty_month_renders(report):
    empty = {
        **report,
        "markets": [],
        "splits": {k: [] for k in report["splits"]},
        "totals": {**report["totals"], "markets": 0, "rate": None},
    }
    assert "Aucun marché commencé à cette date." in monthly_html(empty)
    assert load_workbook(io.BytesIO(monthly_xlsx(empty))).sheetnames == ["Synthèse"]
