"""The bilan rendered: the XLSX read back (French headers, numbers with two decimals, text
cells never formulas), the standalone HTML document with French figures."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from clauses_service.reports.bilan import build_plie_bilan
from clauses_service.reports.render_annual import bilan_html, bilan_xlsx
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.reports.annual_world import build_annual_world
from tests.support.territory import Territory

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def bilan(make_store):
    store = make_store()
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    world = build_annual_world(store)
    with world.t.store.reading() as conn:
        return build_plie_bilan(conn, 2024)


def rows(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_xlsx_carries_every_table(bilan):
    book = load_workbook(io.BytesIO(bilan_xlsx(bilan)))
    assert book.sheetnames == ["Heures", "Orientations", "Validations", "Participants", "Sorties"]
    hours = rows(book["Heures"])
    assert hours[0][0] == "Bilan PLIE 2024 — clauses d'insertion — heures"
    assert hours[2][0] == "Heures réalisées par les participants PLIE (3 personnes)"
    assert hours[3] == [
        "Type de contrat",
        "Travaux (BTP)",
        "Services",
        "Prestations intellectuelles",
        "Total (h)",
    ]
    assert hours[4] == ["CDDI", 200, 0, 0, 200]
    assert hours[5] == ["CTTI", 160.1, 0, 0, 160.1]
    assert hours[6] == ["CDI", 0, 151.67, 0, 151.67]
    assert hours[10] == ["Total", 360.1, 151.67, 50.34, 562.11]
    assert book["Heures"]["B5"].number_format == "#,##0.00"
    orientations = rows(book["Orientations"])
    assert orientations[4] == ["Référents PLIE", 2, 2, 2, 1, 1, 1]
    assert orientations[5] == ["Autres prescripteurs", 3, 2, 1, 2, 1, 1]
    assert ["Mission locale", 2] in [r[:2] for r in orientations]
    validations = rows(book["Validations"])
    assert ["Services", 2 - 1, 2] in [r[:3] for r in validations]
    assert ["Profil inadapté", 1, 1, 1, 0] in [r[:5] for r in validations]
    people = rows(book["Participants"])
    assert ["Dijon – Grésilles", 1, 1] in [r[:3] for r in people]
    assert [3, 2, 1, 2, 1, 1, 2] in [r[:7] for r in people]
    exits = rows(book["Sorties"])
    assert ["Total", 2, 1, 1, 1] in [r[:5] for r in exits]


def test_a_quarter_named_like_a_formula_stays_text(make_store):
    store = make_store()
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    t = Territory(store)
    person = t.person("Hacker", "Eve", date(1990, 1, 1), qpv='=HYPERLINK("http://x")')
    t.orient(person, oriented_on=date(2024, 2, 1))
    with store.reading() as conn:
        report = build_plie_bilan(conn, 2024)
    sheet = load_workbook(io.BytesIO(bilan_xlsx(report)))["Participants"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)
    assert "=HYPERLINK(&#34;http://x&#34;)" in bilan_html(report)  # escaped, never markup


def test_standalone_html_in_french(bilan):
    html = bilan_html(bilan)
    assert html.startswith("<!doctype html>")
    assert "<h1>Bilan PLIE 2024 — clauses d'insertion</h1>" in html
    assert "Période du 01/01/2024 au 31/12/2024." in html
    assert f'data-testid="bilan-heures-total">562,11{NBSP}h<' in html
    assert f"360,10{NBSP}h" in html
    assert "Absences aux rendez-vous" in html and "Dijon – Grésilles" in html
    fragment = bilan_html(bilan, standalone=False)
    assert "<html" not in fragment and "Orientations de l'année" in fragment
