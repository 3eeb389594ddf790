"""``clauses report …``: reports written to files (monthly buyer report, PLIE bilan,
national consolidation). Each subcommand lives in its own module and is added here."""

from __future__ import annotations

import click

from clauses_service.cli_report_annual import bilan, national
from clauses_service.cli_report_monthly import monthly
from clauses_service.cli_scheduler import report_issue


@click.group("report", help="Rapports : mensuel par donneur d'ordre, bilan PLIE, export national.")
def report() -> None:
    pass


report.add_command(monthly)
report.add_command(bilan)
report.add_command(national)
report.add_command(report_issue)
