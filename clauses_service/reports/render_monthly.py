"""The monthly report rendered: XLSX (a summary sheet and one per market), HTML
(standalone or a fragment for the web page, with one SVG progress chart per market)
and PDF (WeasyPrint from that same HTML).

Every text cell goes through ``importers.safe_cells`` (a market title starting with
``=`` stays text); hours are numbers with 2 decimals shown with thousands separators
("1 234,56" in a French spreadsheet program: the separators follow its locale).
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from clauses_service.reports.pdf import html_to_pdf
from clauses_service.web.charts import progress_svg
from clauses_service.web.formatting import FILTERS, LABELS, labeller, month_fr
from importers.safe_cells import text_cell

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
HOURS_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00"
DATE_FORMAT = "DD/MM/YYYY"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEAD_FILL = PatternFill("solid", fgColor="E3E3FD")
SPLIT_TITLES = (
    ("contract_type", "Type de contrat"),
    ("modality", "Modalité"),
    ("employer_kind", "Type d'employeur"),
    ("sector", "Secteur"),
)
_environment: Environment | None = None
# The ids progress_svg gives its title and description (one chart per market here).
CHARTS_UP_TO = 12  # markets drawn one by one; beyond, the overall chart only
NO_TODAY = date.min  # outside every chart's axis: progress_svg draws no "today" line
_CHART_IDS = re.compile(r'(id="|aria-labelledby="|\s)(chart-(?:title|desc))')


# ---- HTML and PDF -----------------------------------------------------------------------
def _env() -> Environment:
    """A Jinja environment of its own: rendering needs no Flask app (CLI, scheduler)."""
    global _environment
    if _environment is None:
        env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
        env.filters.update(FILTERS)
        env.filters.update({name: labeller(cls) for name, cls in LABELS.items()})
        _environment = env
    return _environment


def _chart(months, required, start, end, title: str, index: int) -> Markup:
    """A progress chart up to the report month (its months stop there), ids unique
    within a page; no "today" marker: a report shows its month, not the day."""
    svg = progress_svg(months, required, start, end, NO_TODAY, title=title)
    return Markup(_CHART_IDS.sub(rf"\1\2-{index}", str(svg)))


def market_chart(market: dict, index: int) -> Markup:
    return _chart(
        market["months"],
        market["required_hours"],
        market["start_date"],
        market["end_date"],
        f"Progression du marché {market['reference']}",
        index,
    )


def buyer_chart(report: dict) -> Markup | None:
    """Every market of the report together: cumulated hours against the required sum,
    from the earliest start to the latest end (None without markets)."""
    found = report["markets"]
    if not found:
        return None
    per_month: dict = {}
    for market in found:
        for month in market["months"]:
            per_month[month["month"]] = per_month.get(month["month"], 0) + month["month_hours"]
    cumulative, months = Decimal("0.00"), []
    for month in sorted(per_month):
        cumulative += per_month[month]
        months.append({"month": month, "cumulative_hours": cumulative})
    return _chart(
        months,
        report["totals"]["required_hours"],
        min(m["start_date"] for m in found),
        max(m["end_date"] for m in found),
        f"Progression de l'ensemble des marchés — {report['buyer']['name']}",
        0,
    )


def monthly_html(report: dict, standalone: bool = True) -> str:
    """The report as HTML: a whole document (``standalone``) or an ``<article>``.

    One chart for all the markets; one per market too up to ``CHARTS_UP_TO`` markets
    (beyond, each market's page of the service has its chart: a PDF of a hundred
    charts takes minutes to lay out and is not read).
    """
    markets = report["markets"]
    charts = []
    if len(markets) <= CHARTS_UP_TO:
        charts = [market_chart(m, i) for i, m in enumerate(markets, 1)]
    template = _env().get_template("reports/monthly_report.html")
    return template.render(
        report=report,
        t=report["totals"],
        overall=buyer_chart(report),
        charts=charts,
        charts_up_to=CHARTS_UP_TO,
        split_titles=SPLIT_TITLES,
        standalone=standalone,
    )


# A chart's month markers carry hover tooltips: nothing to hover on paper, and drawing
# them is a good part of WeasyPrint's time on a report of a hundred markets.
_MARKERS = re.compile(r"<circle[^>]*>(?:<title>[^<]*</title>)?</circle>")


def monthly_pdf(report: dict) -> bytes:
    """The PDF of the standalone HTML (month markers of the charts left out)."""
    return html_to_pdf(_MARKERS.sub("", monthly_html(report, standalone=True)))


# ---- XLSX -------------------------------------------------------------------------------
MARKET_COLUMNS = (
    ("Référence", "reference", None),
    ("Intitulé", "title", None),
    ("Type", "kind_label", None),
    ("Début", "start_date", DATE_FORMAT),
    ("Fin", "end_date", DATE_FORMAT),
    ("Heures prévues", "required_hours", HOURS_FORMAT),
    ("Heures du mois", "month_hours", HOURS_FORMAT),
    ("Heures cumulées", "cumulative_hours", HOURS_FORMAT),
    ("Taux de réalisation (%)", "rate", RATE_FORMAT),
    ("Reste à réaliser", "remaining_hours", HOURS_FORMAT),
    ("Rythme attendu", "expected_hours", HOURS_FORMAT),
    ("Projection à l'échéance", "projected_hours", HOURS_FORMAT),
    ("Personnes", "people", "0"),
    ("Contrats", "contracts", "0"),
    ("En retard", "behind_schedule", None),
)
LOT_COLUMNS = (("Lot", "number", None), ("Intitulé", "title", None), *MARKET_COLUMNS[5:])
SPLIT_COLUMNS = (
    ("Heures cumulées", "hours", HOURS_FORMAT),
    ("Heures du mois", "month_hours", HOURS_FORMAT),
    ("Personnes", "people", "0"),
    ("Contrats", "contracts", "0"),
)
PUBLIC_COLUMNS = (
    ("Personnes", "people", "0"),
    ("Heures cumulées", "hours", HOURS_FORMAT),
    ("Personnes du mois", "month_people", "0"),
    ("Heures du mois", "month_hours", HOURS_FORMAT),
)


class _Writer:
    """Appends rows to a write-only sheet (streamed: fast on a hundred sheets), every
    value through ``safe_cells``; booleans as "oui" / "non"."""

    def __init__(self, sheet, widths):
        self.sheet = sheet
        # Write-only sheets take their column widths before the first row.
        for index, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width

    def _cell(self, value, number_format: str | None = None, font=None, **style):
        if isinstance(value, bool):
            value = "oui" if value else "non"
        if number_format and isinstance(value, Decimal | int | date):
            style["number_format"] = number_format
        if font is not None:
            style["font"] = font
        return text_cell(self.sheet, value, **style)

    def line(self, *values, font=None, formats=()) -> None:
        formats = tuple(formats) + (None,) * (len(values) - len(formats))
        self.sheet.append([self._cell(v, f, font) for v, f in zip(values, formats, strict=True)])

    def header(self, labels) -> None:
        wrap = Alignment(wrap_text=True, vertical="top")
        self.sheet.append(
            [self._cell(label, font=BOLD, fill=HEAD_FILL, alignment=wrap) for label in labels]
        )

    def record(self, first, row: dict, columns, font=None) -> None:
        values = ([first] if first is not None else []) + [row.get(k) for _, k, _ in columns]
        formats = ([None] if first is not None else []) + [f for _, _, f in columns]
        self.line(*values, font=font, formats=formats)

    def skip(self) -> None:
        self.sheet.append([])


SUMMARY_WIDTHS = (24, 40, 18, 12, 12, 14, 14, 14, 12, 14, 14, 16, 11, 10, 10)
MARKET_WIDTHS = (18, 40, 18, 12, 12, 14, 14, 14, 12, 14, 14, 16, 11, 10, 10)


def _summary(sheet, report: dict) -> None:
    sheet.freeze_panes = "A6"
    out = _Writer(sheet, SUMMARY_WIDTHS)
    out.line(f"Rapport mensuel — {report['buyer']['name']}", font=TITLE)
    out.line(f"Mois de {month_fr(report['month'])}")
    out.line("Heures déclarées jusqu'au", report["month_end"], formats=(None, DATE_FORMAT))
    out.skip()
    out.header([label for label, _, _ in MARKET_COLUMNS])
    for market in report["markets"]:
        out.record(None, market, MARKET_COLUMNS)
    totals = {**report["totals"], "reference": "Total", "behind_schedule": None}
    totals["title"] = f"{report['totals']['behind_schedule']} marché(s) en retard"
    out.record(None, totals, MARKET_COLUMNS, font=BOLD)
    out.skip()
    for key, title in SPLIT_TITLES:
        out.header([title, *[label for label, _, _ in SPLIT_COLUMNS]])
        for row in report["splits"][key]:
            out.record(row["label"], row, SPLIT_COLUMNS)
        out.skip()
    out.header(["Public", *[label for label, _, _ in PUBLIC_COLUMNS]])
    for group in report["public"].values():
        out.record(group["label"], group, PUBLIC_COLUMNS)
    out.skip()
    out.line(
        "En retard : un lot dont les heures cumulées sont sous le prorata de ses heures "
        "prévues pour les mois écoulés du marché ; un marché est en retard si l'un de ses "
        "lots l'est."
    )


MONTH_COLUMNS = (("", "month_hours", HOURS_FORMAT), ("", "cumulative_hours", HOURS_FORMAT))


def _market_sheet(sheet, market: dict) -> None:
    out = _Writer(sheet, MARKET_WIDTHS)
    out.line(f"{market['reference']} — {market['title']}", font=TITLE)
    out.line(
        f"{market['kind_label']} ; {market['elapsed_months']} mois écoulé(s) sur "
        f"{market['total_months']}"
    )
    out.skip()
    out.header([label for label, _, _ in MARKET_COLUMNS])
    out.record(None, market, MARKET_COLUMNS, font=BOLD)
    out.skip()
    out.header([label for label, _, _ in LOT_COLUMNS])
    for lot in market["lots"]:
        out.record(None, lot, LOT_COLUMNS)
    out.skip()
    out.header(["Mois", "Heures du mois", "Heures cumulées"])
    for month in market["months"]:
        out.record(month_fr(month["month"]), month, MONTH_COLUMNS)


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(reference: str, taken: set[str]) -> str:
    """A valid, unique sheet name from a market reference (31 characters at most)."""
    base = _SHEET_FORBIDDEN.sub("-", reference).strip("'") or "Marché"
    title, number = base[:31], 2
    while title.casefold() in taken or title.casefold() == "synthèse":
        suffix = f" ({number})"
        title, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(title.casefold())
    return title


def monthly_xlsx(report: dict) -> bytes:
    """The report as an XLSX workbook: "Synthèse", then one sheet per market."""
    book = Workbook(write_only=True)
    _summary(book.create_sheet("Synthèse"), report)
    taken: set[str] = set()
    for market in report["markets"]:
        _market_sheet(book.create_sheet(sheet_title(market["reference"], taken)), market)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- downloads --------------------------------------------------------------------------
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}


def report_filename(report: dict, extension: str) -> str:
    """``rapport-mensuel-dijon-metropole-2024-04.xlsx``: ASCII only, safe in a header."""
    name = unicodedata.normalize("NFKD", report["buyer"]["name"])
    slug = re.sub(r"[^a-z0-9]+", "-", name.encode("ascii", "ignore").decode().lower())
    slug = slug.strip("-")[:40] or "donneur-d-ordre"
    month = report["month"]
    return f"rapport-mensuel-{slug}-{month.year:04d}-{month.month:02d}.{extension}"


RENDERERS = {"xlsx": monthly_xlsx, "pdf": monthly_pdf}


def render(report: dict, extension: str) -> bytes:
    """The report's bytes in ``extension`` (xlsx, pdf, html or json)."""
    if extension == "html":
        return monthly_html(report).encode("utf-8")
    if extension == "json":
        from clauses_service.reports.jsonable import to_jsonable

        return json.dumps(to_jsonable(report), ensure_ascii=False, indent=2).encode("utf-8")
    return RENDERERS[extension](report)
