"""Renderings of the annual reports: PLIE bilan (XLSX, HTML) and national export (XLSX, CSV,
HTML).

XLSX: French headers, hours in '#,##0.00' (Excel shows "1 234,56" in a French locale),
every text cell through ``importers.safe_cells`` (no formula can be injected by a QPV or
prescriber name). CSV: what a French Excel opens by double click: ``;`` separator, UTF-8
with a byte order mark, decimal comma, no thousands separator, text fields through
``csv_safe``. HTML: Jinja templates ``reports/bilan_*.html`` and ``reports/national_*.html``
rendered with the French filters of ``clauses_service.web.formatting``, standalone
(a whole document, inline style) or as the tables a page includes.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from clauses_service.web.formatting import FILTERS, LABELS, labeller
from importers.safe_cells import csv_safe, write_value

HOURS_FORMAT = "#,##0.00"
COUNT_FORMAT = "0"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE_FONT = Font(bold=True, size=14)
STAGE_LABELS = {"AT_END": "À la fin du contrat", "SIX_MONTHS": "À six mois"}
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


# ---- XLSX helpers -------------------------------------------------------------------------
class _Sheet:
    """Writes rows top-down on a worksheet: a title, then tables (header row + lines)."""

    def __init__(self, sheet, title: str):
        self.sheet = sheet
        self.row = 1
        write_value(sheet.cell(self.row, 1), title).font = TITLE_FONT
        self.row += 2
        self.widths: dict[int, int] = {}

    def table(self, caption: str | None, header: list[str], lines: list[list]) -> None:
        if caption:
            write_value(self.sheet.cell(self.row, 1), caption).font = Font(bold=True)
            self.row += 1
        for col, text in enumerate(header, start=1):
            cell = write_value(self.sheet.cell(self.row, col), text)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            self._width(col, 14)
        self.row += 1
        for line in lines:
            for col, value in enumerate(line, start=1):
                cell = write_value(self.sheet.cell(self.row, col), value)
                if isinstance(value, Decimal):
                    cell.number_format = HOURS_FORMAT
                elif isinstance(value, int) and not isinstance(value, bool):
                    cell.number_format = COUNT_FORMAT
                elif isinstance(value, str):
                    self._width(col, min(60, len(value) + 2))
            self.row += 1
        self.row += 1

    def _width(self, col: int, width: int) -> None:
        if width > self.widths.get(col, 0):
            self.widths[col] = width
            letter = self.sheet.cell(1, col).column_letter
            self.sheet.column_dimensions[letter].width = width


def _xlsx_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sector_labels(report: dict) -> list[str]:
    return [s["label"] for s in report["sectors"]]


def _sector_keys(report: dict) -> list[str]:
    return [s["key"] for s in report["sectors"]]


# ---- bilan --------------------------------------------------------------------------------
def _bilan_hours(sheet: _Sheet, report: dict) -> None:
    keys, hours = _sector_keys(report), report["hours"]
    lines = [[r["label"], *[r["by_sector"][k] for k in keys], r["total"]] for r in hours["rows"]]
    lines.append(["Total", *[hours["by_sector"][k] for k in keys], hours["total"]])
    sheet.table(
        f"Heures réalisées par les participants PLIE ({hours['people']} personnes)",
        ["Type de contrat", *_sector_labels(report), "Total (h)"],
        lines,
    )


def _orientation_line(label: str, counts: dict, keys: list[str]) -> list:
    return [
        label,
        counts["orientations"],
        counts["people"],
        counts["qpv"],
        *[counts[k] for k in keys],
    ]


def _bilan_orientations(sheet: _Sheet, report: dict) -> None:
    keys, o = _sector_keys(report), report["orientations"]
    sheet.table(
        "Orientations de l'année",
        ["Prescripteur", "Orientations", "Personnes", "dont QPV", *_sector_labels(report)],
        [
            _orientation_line("Référents PLIE", o["plie"], keys),
            _orientation_line("Autres prescripteurs", o["others"], keys),
            _orientation_line("Total", o["total"], keys),
        ],
    )
    sheet.table(
        "Candidats orientés par les autres prescripteurs",
        ["Prescripteur", "Candidats"],
        [[p["label"], p["candidates"]] for p in o["prescribers"]],
    )


def _bilan_validations(sheet: _Sheet, report: dict) -> None:
    keys, v = _sector_keys(report), report["validations"]
    sheet.table(
        "Validations d'éligibilité par secteur",
        ["Secteur", "Validées", "Refusées"],
        [[s["label"], s["validated"], s["refused"]] for s in v["sectors"]],
    )
    lines = [[r["label"], r["count"], *[r["by_sector"][k] for k in keys]] for r in v["reasons"]]
    lines.append(
        ["Total", v["refused"], *[sum(r["by_sector"][k] for r in v["reasons"]) for k in keys]]
    )
    sheet.table("Motifs de non-intégration", ["Motif", "Refus", *_sector_labels(report)], lines)


def _bilan_people(sheet: _Sheet, report: dict) -> None:
    sheet.table(
        "Candidats orientés et validés par quartier prioritaire (QPV)",
        ["Quartier (QPV)", "Orientés", "Validés"],
        [[q["qpv"], q["oriented"], q["validated"]] for q in report["qpv"]],
    )
    p, keys = report["participants"], _sector_keys(report)
    sheet.table(
        "Participants PLIE ayant eu un contrat dans l'année",
        ["Total", "Femmes", "Hommes", *_sector_labels(report), "dont QPV"],
        [[p["total"], p["women"], p["men"], *[p["by_sector"][k] for k in keys], p["qpv"]]],
    )
    sheet.table(
        "Participants PLIE ayant eu un contrat, par quartier prioritaire",
        ["Quartier (QPV)", "Participants"],
        [[q["qpv"], q["people"]] for q in p["by_qpv"]],
    )


def _bilan_exits(sheet: _Sheet, report: dict) -> None:
    e = report["exits"]
    header = ["Sortie positive"]
    for label in STAGE_LABELS.values():
        header += [label, f"{label} — dont QPV"]
    lines = [
        [r["label"], *[r[key] for s in STAGE_LABELS for key in (s, f"{s}_qpv")]]
        for r in e["by_outcome"]
    ]
    lines.append(["Total", *[e["total"][key] for s in STAGE_LABELS for key in (s, f"{s}_qpv")]])
    sheet.table("Sorties positives des participants PLIE", header, lines)


def bilan_xlsx(report: dict) -> bytes:
    """The bilan as a workbook: hours, orientations, validations, people, exits sheets."""
    book = Workbook()
    year = report["year"]
    pages = (
        ("Heures", _bilan_hours),
        ("Orientations", _bilan_orientations),
        ("Validations", _bilan_validations),
        ("Participants", _bilan_people),
        ("Sorties", _bilan_exits),
    )
    for index, (name, write) in enumerate(pages):
        ws = book.active if index == 0 else book.create_sheet()
        ws.title = name
        write(_Sheet(ws, f"Bilan PLIE {year} — clauses d'insertion — {name.lower()}"), report)
    return _xlsx_bytes(book)


# ---- national -----------------------------------------------------------------------------
NATIONAL_HEADER = [
    "Année",
    "Rubrique",
    "Libellé",
    "Heures",
    "ETP",
    "Contrats signés",
    "Participants",
    "Donneurs d'ordre",
    "Marchés avec clause",
    "Montant (€ HT)",
]


def national_rows(report: dict) -> list[list]:
    """The export as one table (the CSV and the XLSX carry the same rows)."""
    year, t = report["year"], report["totals"]
    rows = [
        [year, "Total", "Ensemble", t["hours"], t["fte"], t["contracts_signed"],
         t["participants"], t["buyers"], t["markets"], None],
    ]  # fmt: skip
    for m in report["by_modality"]:
        rows.append(
            [year, "Modalité", m["label"], m["hours"], m["fte"], m["contracts_signed"],
             m["participants"], None, None, None]
        )  # fmt: skip
    for b in report["markets_by_band"]:
        rows.append([year, "Tranche de montant", b["label"], None, None, None, None, None,
                     b["markets"], b["amount"]])  # fmt: skip
    return rows


def national_xlsx(report: dict) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "Consolidation"
    sheet = _Sheet(ws, f"Consolidation nationale {report['year']} — clauses d'insertion")
    sheet.table(None, NATIONAL_HEADER, national_rows(report))
    return _xlsx_bytes(book)


def _csv_field(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    return csv_safe(value if isinstance(value, str) else str(value))


def national_csv(report: dict) -> bytes:
    """``;``-separated, UTF-8 with BOM, decimal comma: opens as columns in a French Excel."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(NATIONAL_HEADER)
    for row in national_rows(report):
        writer.writerow([_csv_field(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---- HTML ---------------------------------------------------------------------------------
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"])
    )
    env.filters.update(FILTERS)
    env.filters.update({name: labeller(cls) for name, cls in LABELS.items()})
    return env


_ENV = _environment()


def bilan_html(report: dict, standalone: bool = True) -> str:
    """The bilan's tables; a whole document with inline style when ``standalone``."""
    name = "reports/bilan_document.html" if standalone else "reports/bilan_tables.html"
    return _ENV.get_template(name).render(report=report, stages=STAGE_LABELS)


def national_html(report: dict, standalone: bool = True) -> str:
    name = "reports/national_document.html" if standalone else "reports/national_tables.html"
    return _ENV.get_template(name).render(report=report)
