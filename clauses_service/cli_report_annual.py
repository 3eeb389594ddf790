"""``clauses report bilan --year 2023 -o FILE.xlsx|.json|.html`` and ``clauses report national
--year 2023 -o FILE.csv|.xlsx|.json``: the annual reports written to a file.

The output format is the file's extension. Errors are one French line (exit code 1).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

MIN_YEAR, MAX_YEAR = 2000, 2100
BILAN_FORMATS = ("xlsx", "json", "html")
NATIONAL_FORMATS = ("csv", "xlsx", "json")


def _error(message: str) -> click.ClickException:
    from clauses_service.cli import CliError

    return CliError(message)


def _format_of(output: Path, allowed: tuple[str, ...]) -> str:
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in allowed:
        shown = ", ".join(f".{name}" for name in allowed)
        raise _error(f"Format de fichier inconnu « {output.name} » : extensions possibles {shown}.")
    return suffix


def _build(builder, year: int) -> dict:
    from clauses_service import create_app

    store = create_app().extensions["clauses"].store
    with store.reading() as conn:
        return builder(conn, year)


def _json(report: dict) -> bytes:
    from clauses_service.reports.jsonable import to_jsonable

    text = json.dumps(to_jsonable(report), ensure_ascii=False, indent=2)
    return text.encode("utf-8")


def _write(output: Path, content: bytes) -> None:
    try:
        output.write_bytes(content)
    except OSError as exc:
        raise _error(f"Impossible d'écrire « {output} » : {exc.strerror or exc}.") from None
    click.echo(f"Écrit : {output} ({len(content):,} octets)".replace(",", " "))


year_option = click.option(
    "--year",
    type=click.IntRange(MIN_YEAR, MAX_YEAR),
    required=True,
    help="Année civile du rapport (ex. 2023).",
)
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Fichier à écrire ; son extension donne le format.",
)


@click.command("bilan", help="Bilan annuel PLIE des clauses d'insertion (.xlsx, .json, .html).")
@year_option
@output_option
def bilan(year: int, output: Path) -> None:
    from clauses_service.reports import render_annual
    from clauses_service.reports.bilan import build_plie_bilan

    kind = _format_of(output, BILAN_FORMATS)
    report = _build(build_plie_bilan, year)
    if kind == "xlsx":
        content = render_annual.bilan_xlsx(report)
    elif kind == "html":
        content = render_annual.bilan_html(report).encode("utf-8")
    else:
        content = _json(report)
    _write(output, content)


@click.command("national", help="Consolidation nationale annuelle (.csv, .xlsx, .json).")
@year_option
@output_option
def national(year: int, output: Path) -> None:
    from clauses_service.reports import render_annual
    from clauses_service.reports.national import build_national_export

    kind = _format_of(output, NATIONAL_FORMATS)
    report = _build(build_national_export, year)
    if kind == "csv":
        content = render_annual.national_csv(report)
    elif kind == "xlsx":
        content = render_annual.national_xlsx(report)
    else:
        content = _json(report)
    _write(output, content)
