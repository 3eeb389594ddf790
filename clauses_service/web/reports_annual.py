"""Pages of the annual reports: the PLIE bilan and the national consolidation, with their
downloads (XLSX; CSV for the national export).

Aggregates only: the PLIE team, facilitators and administrators open them; buyers and
companies get the French 403 page. The year is chosen in a GET form (``?annee=2024``);
without it (or out of range) the page shows the last full year.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from clauses_service.auth.roles import Role
from clauses_service.downloads import attachment
from clauses_service.extensions import services
from clauses_service.reports import render_annual
from clauses_service.reports.bilan import build_plie_bilan
from clauses_service.reports.national import build_national_export
from clauses_service.web.access import not_found, page_roles
from clauses_service.web.schedule import today

bp = Blueprint("web_reports_annual", __name__)
READERS = (Role.PLIE, Role.FACILITATOR, Role.ADMIN)
MIN_YEAR, MAX_YEAR = 2000, 2100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _chosen_year() -> int:
    year = request.args.get("annee", type=int)
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        return today().year - 1
    return year


def _checked(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        not_found(f"Année hors des limites ({MIN_YEAR}–{MAX_YEAR}).")
    return year


def _build(builder, year: int) -> dict:
    with services().store.reading() as conn:
        return builder(conn, year)


def _years(selected: int) -> list[int]:
    last = max(today().year, selected)
    return list(range(last, max(MIN_YEAR, last - 9) - 1, -1))


@bp.get("/rapports/bilan")
@page_roles(*READERS)
def bilan():
    year = _chosen_year()
    report = _build(build_plie_bilan, year)
    return render_template(
        "reports/bilan_page.html",
        report=report,
        stages=render_annual.STAGE_LABELS,
        years=_years(year),
    )


@bp.get("/rapports/bilan/<int:year>.xlsx")
@page_roles(*READERS)
def bilan_xlsx(year: int):
    report = _build(build_plie_bilan, _checked(year))
    return attachment(render_annual.bilan_xlsx(report), XLSX, f"bilan-plie-{year}.xlsx")


@bp.get("/rapports/national")
@page_roles(*READERS)
def national():
    year = _chosen_year()
    report = _build(build_national_export, year)
    return render_template("reports/national_page.html", report=report, years=_years(year))


@bp.get("/rapports/national/<int:year>.<kind>")
@page_roles(*READERS)
def national_file(year: int, kind: str):
    if kind not in ("csv", "xlsx"):
        not_found("Format inconnu : .csv ou .xlsx.")
    report = _build(build_national_export, _checked(year))
    name = f"consolidation-nationale-{year}.{kind}"
    if kind == "csv":
        return attachment(render_annual.national_csv(report), "text/csv; charset=utf-8", name)
    return attachment(render_annual.national_xlsx(report), XLSX, name)
