"""The national consolidation export on real databases, every figure computed by hand from
``tests/reports/annual_world.py``; then the CSV and XLSX read back.

2024 counted hours per contract: C1 200,00 (sous-traitance) · C2 370,10 (mise à
disposition) · C3 171,67 (151,67 + 20; October withdrawn) · C4 60 · C5 50,34 · C6 35
(embauche directe) = 887,11 h. C1's 2023 hours and C5's 2025 hours stay out.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from clauses_service.reports.national import band_of, build_national_export, fte
from clauses_service.reports.render_annual import NATIONAL_HEADER, national_csv, national_xlsx
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.conftest import SQL_BACKENDS
from tests.reports.annual_world import build_annual_world

D = Decimal


@pytest.fixture
def export(make_store):
    store = make_store()
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    world = build_annual_world(store)
    with world.t.store.reading() as conn:
        return {year: build_national_export(conn, year) for year in (2023, 2024)}


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_national_figures_of_2024(export):
    report = export[2024]
    assert report["kind"] == "national" and report["year"] == 2024
    assert report["totals"] == {
        "hours": D("887.11"),
        "fte": D("0.55"),  # 887,11 ÷ 1 600 = 0,5544…
        "contracts_signed": 5,  # C2..C6 (C1 started in 2023)
        "participants": 5,  # P1, P2, P3, P4, P9
        "buyers": 2,
        "markets": 3,  # M1, M2, M3 (M4 ended in 2023)
    }
    by_modality = {
        m["key"]: (m["hours"], m["fte"], m["contracts_signed"], m["participants"])
        for m in report["by_modality"]
    }
    assert by_modality == {
        # C3 + C4 + C5 + C6: 171,67 + 60 + 50,34 + 35; P2, P3, P4, P9
        "EMBAUCHE_DIRECTE": (D("317.01"), D("0.20"), 4, 4),
        "MISE_A_DISPOSITION": (D("370.10"), D("0.23"), 1, 1),  # C2, P2
        "SOUS_TRAITANCE": (D("200.00"), D("0.13"), 0, 1),  # 200 ÷ 1 600 = 0,125: half up
    }
    assert [(b["key"], b["markets"], b["amount"]) for b in report["markets_by_band"]] == [
        ("LT_90K", 1, D("80000.00")),  # M2
        ("90K_500K", 0, D("0.00")),
        ("500K_1M", 1, D("500000.00")),  # M1: 500 000 € exactly, the lower bound is included
        ("1M_5M", 1, D("1500000.00")),  # M3
        ("GE_5M", 0, D("0.00")),
    ]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_national_figures_of_2023_keep_their_own_hours(export):
    report = export[2023]
    # C1's November: 100 h; C1 signed in 2023; M1, M2, M4 running (M3 starts in 2024).
    assert report["totals"] == {
        "hours": D("100.00"),
        "fte": D("0.06"),  # 0,0625 half up
        "contracts_signed": 1,
        "participants": 1,
        "buyers": 2,
        "markets": 3,
    }
    bands = {b["key"]: b["markets"] for b in report["markets_by_band"]}
    assert bands == {"LT_90K": 1, "90K_500K": 1, "500K_1M": 1, "1M_5M": 0, "GE_5M": 0}


def test_fte_and_bands_at_their_bounds():
    assert fte(D("1600")) == D("1.00")
    assert fte(D("0.00")) == D("0.00")
    assert fte(D("42437.89")) == D("26.52")  # 26,5236…
    assert band_of(8_999_999) == "LT_90K"
    assert band_of(9_000_000) == "90K_500K"
    assert band_of(99_999_999) == "500K_1M"
    assert band_of(500_000_000) == "GE_5M"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_csv_opens_in_a_french_excel(export):
    content = national_csv(export[2024])
    assert content.startswith("\ufeff".encode())  # UTF-8 byte order mark
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == NATIONAL_HEADER
    assert rows[1] == ["2024", "Total", "Ensemble", "887,11", "0,55", "5", "5", "2", "3", ""]
    assert rows[2] == [
        "2024",
        "Modalité",
        "Embauche directe",
        "317,01",
        "0,20",
        "4",
        "4",
        "",
        "",
        "",
    ]
    assert rows[4][2:5] == ["Sous-traitance ou co-traitance", "200,00", "0,13"]
    assert rows[7] == [
        "2024", "Tranche de montant", "De 500 000 € à moins de 1 000 000 €",
        "", "", "", "", "", "1", "500000,00",
    ]  # fmt: skip
    assert len(rows) == 1 + 1 + 3 + 5


@pytest.mark.parametrize("backend", ["sqlite"])
def test_xlsx_reads_back_with_numbers_and_french_headers(export):
    book = load_workbook(io.BytesIO(national_xlsx(export[2024])))
    sheet = book["Consolidation"]
    assert sheet["A1"].value == "Consolidation nationale 2024 — clauses d'insertion"
    assert [c.value for c in sheet[3]] == NATIONAL_HEADER
    total = [c.value for c in sheet[4]]
    assert total[:9] == [2024, "Total", "Ensemble", 887.11, 0.55, 5, 5, 2, 3]
    assert sheet["D4"].number_format == "#,##0.00"
    assert sheet["F4"].number_format == "0"
    assert [c.value for c in sheet[8]][2:] == [
        "Moins de 90 000 €", None, None, None, None, None, 1, 80000,
    ]  # fmt: skip
