"""``clauses report monthly --buyer REF --month 2023-03 [--as-of TIMESTAMP] -o FILE``: a
buyer's monthly report written to a file (.xlsx, .pdf, .json or .html, by extension).

``--buyer`` is the buyer's id or its exact name (case ignored). ``--as-of`` computes
the report as the log stood at that moment (``clauses_service.reports.asof``): ISO
date or date-time; without a time zone it is Paris time. Errors are one French line.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import click

FORMATS = ("xlsx", "pdf", "json", "html")
PARIS = ZoneInfo("Europe/Paris")


def _error(message: str) -> click.ClickException:
    from clauses_service.cli import CliError

    return CliError(message)


def _format_of(output: Path) -> str:
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        shown = ", ".join(f".{name}" for name in FORMATS)
        raise _error(f"Format de fichier inconnu « {output.name} » : extensions possibles {shown}.")
    return suffix


def _month(text: str):
    from clauses_service.api.hours import MONTH_HINT, parse_month

    month = parse_month(text)
    if month is None:
        raise _error(f"Mois invalide « {text[:20]} » : {MONTH_HINT}.")
    return month


def parse_as_of(text: str) -> datetime:
    """An ISO date or date-time; naive values are Paris time (a date: its end of day)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _error(
            f"Horodatage invalide « {text[:40]} » : format ISO attendu "
            "(ex. 2024-05-10 ou 2024-05-10T14:30)."
        ) from None
    if len(text.strip()) == 10:  # a date alone: as the log stood at the end of that day
        moment = datetime.combine(moment.date(), time(23, 59, 59, 999999))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment.astimezone(UTC)


def find_buyer(conn, reference: str) -> dict:
    """The buyer named by its id or by its exact name (case ignored)."""
    from projections import queries

    try:
        found = queries.get_buyer(conn, str(uuid.UUID(reference)))
    except ValueError:
        found = None
    if found is not None:
        return found
    wanted = " ".join(reference.split()).casefold()
    matches = [
        b
        for b in queries.list_buyers(conn, limit=100_000)
        if " ".join(b["name"].split()).casefold() == wanted
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        ids = ", ".join(b["buyer_id"] for b in matches[:5])
        raise _error(f"Plusieurs donneurs d'ordre s'appellent « {reference} » : {ids}.")
    raise _error(f"Donneur d'ordre introuvable : « {reference[:80]} » (id ou nom exact).")


def _report(store, reference: str, month, as_of: datetime | None) -> dict:
    from clauses_service.reports.monthly import build_monthly_report

    if as_of is None:
        with store.reading() as conn:
            return build_monthly_report(conn, find_buyer(conn, reference)["buyer_id"], month)
    # Imported here: the as-recorded-at replay is only needed with --as-of.
    from clauses_service.reports.asof import position_at, projected_at

    position = position_at(store, as_of)
    with projected_at(store, position) as conn:
        report = build_monthly_report(conn, find_buyer(conn, reference)["buyer_id"], month)
    report["as_of"] = {"at": as_of, "position": position}
    return report


@click.command("monthly", help="Rapport mensuel d'un donneur d'ordre (XLSX, PDF, JSON, HTML).")
@click.option("--buyer", "reference", required=True, help="Id ou nom exact du donneur d'ordre.")
@click.option("--month", "month_text", required=True, help="Mois du rapport, AAAA-MM.")
@click.option(
    "--as-of",
    "as_of_text",
    default=None,
    help="Calcule le rapport tel que le journal était à ce moment (ISO ; heure de Paris).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Fichier à écrire : .xlsx, .pdf, .json ou .html.",
)
def monthly(reference: str, month_text: str, as_of_text: str | None, output: Path) -> None:
    from clauses_service import create_app
    from clauses_service.reports.render_monthly import render
    from clauses_service.web.formatting import hours_fr

    kind = _format_of(output)
    month = _month(month_text)
    as_of = parse_as_of(as_of_text) if as_of_text else None
    store = create_app().extensions["clauses"].store
    report = _report(store, reference, month, as_of)
    content = render(report, kind)
    try:
        output.write_bytes(content)
    except OSError as exc:
        raise _error(f"Impossible d'écrire « {output} » : {exc.strerror or exc}.") from None
    totals = report["totals"]
    done = hours_fr(totals["cumulative_hours"]).replace("\u202f", " ").replace("\u00a0", " ")
    when = f", journal au {as_of.astimezone(PARIS):%d/%m/%Y %H:%M}" if as_of else ""
    click.echo(
        f"Écrit : {output} — {report['buyer']['name']}, {totals['markets']} marché(s), "
        f"{done} cumulées{when}"
    )
