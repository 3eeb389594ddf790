"""``clauses import FILE [--company SIRET] [--dry-run]``: a monthly-hours file imported from
the command line, with the rows read shown on stderr and a French summary on stdout.

Exit code 0 when the file was read (even with rejected rows: they wait in the queue),
1 with one French line when the whole file is refused.
"""

from __future__ import annotations

import getpass
import sys
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

PARIS = ZoneInfo("Europe/Paris")
PROGRESS_EVERY = 500
SHOWN = 20


def _error(message: str) -> click.ClickException:
    from clauses_service.cli import CliError

    return CliError(message)


class _Progress:
    """« Lignes lues : N » on stderr, rewritten in place on a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.count = 0

    def __call__(self, rows: int) -> None:
        self.count = rows
        if rows % PROGRESS_EVERY == 0:
            self._show()

    def _show(self) -> None:
        end = "\r" if self.tty else "\n"
        click.echo(f"Lignes lues : {self.count:,}".replace(",", " ") + end, err=True, nl=False)

    def done(self) -> None:
        if self.count % PROGRESS_EVERY or self.count == 0:
            self._show()
        if self.tty:
            click.echo("", err=True)


def _when(iso: str) -> str:
    moment = datetime.fromisoformat(iso).astimezone(PARIS)
    return moment.strftime("%d/%m/%Y à %H:%M")


def summary_lines(result: dict) -> list[str]:
    """The French summary of an import result."""
    counts = result["counts"]
    if result.get("already_imported"):
        return [
            f"Ce fichier a déjà été importé le {_when(result['first_imported_at'])} "
            f"(fichier « {result['filename']} », import {result['import_id']}) : rien n'a "
            "changé.",
            f"Lignes : {counts['rows']} ; acceptées : {counts['accepted']} ; avec "
            f"avertissements : {counts['accepted_with_warnings']} ; rejetées : "
            f"{counts['rejected']}.",
        ]
    summary = result.get("summary") or {}
    lines = [
        f"Fichier : {result['filename']} ({summary.get('file_format', '?')}, feuille "
        f"« {summary.get('sheet_name') or '-'} », en-tête ligne {summary.get('header_row')})",
        f"Lignes : {counts['rows']}",
        f"  acceptées : {counts['accepted']}",
        f"  acceptées avec avertissements : {counts['accepted_with_warnings']}",
        f"  rejetées : {counts['rejected']}",
        f"Heures enregistrées : {counts['recorded']} ligne(s), corrigées : "
        f"{counts['corrected']}, inchangées : {counts['unchanged']} ; contrats créés : "
        f"{counts['contracts_started']}",
    ]
    rejected = result.get("rejected_rows") or []
    if rejected:
        lines.append("Premières lignes rejetées :")
        for row in rejected[:SHOWN]:
            for message in row["errors"].values():
                lines.append(f"  ligne {row['row_number']} : {message}")
    if result.get("dry_run"):
        lines.append("Simulation (--dry-run) : rien n'a été enregistré.")
    else:
        lines.append(f"Import {result['import_id']} enregistré.")
        if counts["rejected"]:
            lines.append(
                "Les lignes rejetées attendent dans la file des lignes à corriger : corrigez-les "
                "sans nouveau dépôt, ou déposez un fichier corrigé."
            )
    return lines


@click.command("import", help="Importe un relevé mensuel d'heures (XLSX, ODS ou CSV).")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--company",
    "siret",
    default=None,
    help="SIRET de l'entreprise qui dépose le relevé (ses lignes seulement).",
)
@click.option("--dry-run", is_flag=True, help="Décide chaque ligne sans rien enregistrer.")
def import_file(file: Path, siret: str | None, dry_run: bool) -> None:
    from clauses_service import create_app
    from importers import FileRejected
    from importers.pipeline import run_import
    from projections import queries

    if not file.is_file():
        raise _error(f"Fichier introuvable : {file}")
    store = create_app().extensions["clauses"].store
    company_id, allowed = None, None
    if siret is not None:
        with store.reading() as conn:
            company = queries.company_by_siret(conn, siret)
        if company is None:
            raise _error(f"Aucune entreprise enregistrée avec le SIRET « {siret} ».")
        company_id = company["company_id"]
        allowed = frozenset({str(company_id)})
    progress = _Progress()
    try:
        result = run_import(
            store,
            file,
            file.name,
            f"cli:{getpass.getuser()}",
            company_id=None if company_id is None else uuid.UUID(str(company_id)),
            allowed_company_ids=allowed,
            dry_run=dry_run,
            progress=progress,
        )
    except FileRejected as rejected:
        raise _error(f"Fichier refusé : {rejected.message}") from None
    finally:
        progress.done()
    for line in summary_lines(result):
        click.echo(line)
