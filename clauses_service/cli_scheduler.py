"""``clauses scheduler`` (the monthly reports process) and ``clauses report issue``."""

from __future__ import annotations

import contextlib
import logging
import signal
import time
import uuid
from datetime import UTC, date, datetime

import click


def CliError(message: str):
    # Imported late: ``python -m clauses_service.cli`` runs that module as __main__.
    from clauses_service.cli import CliError as error

    return error(message)


def _services():
    from clauses_service.cli import _services as services

    return services()


def _month(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m").date()
    except ValueError:
        raise click.BadParameter(f"mois attendu au format AAAA-MM (reçu « {value} »).") from None


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s : %(message)s"
    )


def _settings():
    from clauses_service import mail, scheduler

    try:
        return scheduler.settings_from_env(), mail.settings_from_env()
    except (scheduler.SchedulerSettingsError, mail.MailError) as exc:
        raise CliError(exc.message) from None


def _acquire(lock, wait: float | None, interval: float, log) -> bool:
    """Take the scheduler lock; wait ``wait`` seconds (None: forever) while it is held."""
    deadline = None if wait is None else time.monotonic() + wait
    warned = False
    while not lock.try_acquire():
        if not warned:
            log.warning(
                "Un autre planificateur tourne déjà (%s) : ce processus %s.",
                lock.description,
                "attend qu'il s'arrête pour prendre le relais"
                if wait is None
                else f"attend au plus {wait:g} s",
            )
            warned = True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(interval if deadline is None else min(interval, 0.2))
    return True


@click.command("scheduler", help="Planificateur des rapports mensuels (un seul processus).")
@click.option("--once", is_flag=True, help="Fait le travail une fois maintenant, puis s'arrête.")
@click.option("--month", "month_text", help="Avec --once : le mois à émettre (AAAA-MM).")
@click.option(
    "--wait",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 3600),
    help="Avec --once : secondes d'attente si un autre planificateur tourne.",
)
@click.option(
    "--standby-interval",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="En attente : secondes entre deux essais de prise du verrou.",
)
def scheduler_command(once: bool, month_text: str | None, wait: float, standby_interval: float):
    from clauses_service import mail, scheduler

    _logging()
    log = logging.getLogger("clauses.scheduler")
    month = _month(month_text)
    if month and not once:
        raise CliError("--month ne s'emploie qu'avec --once.")
    settings, smtp = _settings()
    svc = _services()
    lock = scheduler.lock_for(svc.engine)
    if not _acquire(lock, wait if once else None, standby_interval, log):
        click.echo("Un autre planificateur tourne déjà : rien n'a été fait.", err=True)
        return
    try:
        if once:
            summary = scheduler.run_job(svc.store, settings=settings, smtp=smtp, month=month)
            click.echo(summary.line())
            return
        _run_forever(svc.store, settings, log, scheduler, mail, lock)
    finally:
        lock.release()


def _run_forever(store, settings, log, scheduler, mail, lock) -> None:
    now = datetime.now(UTC)
    if scheduler.due_this_month(now, settings):
        # Started after this month's run time (restart, take-over): catch up at once.
        smtp = mail.settings_from_env()
        scheduler._safely(scheduler.run_job, store, settings=settings, smtp=smtp)
    blocking = scheduler.build_scheduler(store, settings, mail.settings_from_env, lock)
    signal.signal(signal.SIGTERM, lambda *_: blocking.shutdown(wait=False))
    log.info(
        "Planificateur démarré : rapports le %d de chaque mois à %02d:00 (Europe/Paris), "
        "nouvelles tentatives d'envoi toutes les %d min.",
        settings.day,
        settings.hour,
        settings.retry_minutes,
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        blocking.start()
    log.info("Planificateur arrêté.")
    if lock.lost:
        raise CliError("verrou du planificateur perdu : relancez « clauses scheduler ».")


def resolve_buyer(conn, text: str) -> str:
    """A buyer id from its id or its exact name (case-insensitive); CliError otherwise."""
    from sqlalchemy import func, select

    from projections.buyers import buyers

    value = text.strip()
    try:
        by_id = str(uuid.UUID(value))
    except ValueError:
        by_id = None
    if by_id:
        query = select(buyers.c.buyer_id).where(buyers.c.buyer_id == by_id)
    else:
        query = select(buyers.c.buyer_id).where(func.lower(buyers.c.name) == value.lower())
    found = list(conn.execute(query).scalars())
    if len(found) != 1:
        raise CliError(
            f"Donneur d'ordre « {value} » introuvable."
            if not found
            else f"Plusieurs donneurs d'ordre s'appellent « {value} » : donnez son identifiant."
        )
    return found[0]


@click.command("issue", help="Émet le rapport mensuel d'un donneur d'ordre (et l'envoie).")
@click.option("--buyer", "buyer_text", required=True, help="Identifiant ou nom du donneur d'ordre.")
@click.option("--month", "month_text", required=True, help="Mois au format AAAA-MM.")
@click.option("--no-mail", is_flag=True, help="Ne pas envoyer le rapport par courriel.")
def report_issue(buyer_text: str, month_text: str, no_mail: bool) -> None:
    from clauses_service import mail
    from clauses_service.reports.issued import issue_report
    from projections.queries.reports import get_issued_by_id

    _, smtp = _settings()
    store = _services().store
    with store.reading() as conn:
        buyer_id = resolve_buyer(conn, buyer_text)
    result, report = issue_report(store, uuid.UUID(buyer_id), _month(month_text), "cli")
    click.echo(
        f"Rapport de {_month(month_text):%m/%Y} émis (position {result['position']}, "
        f"empreinte {result['content_sha256'][:12]}…)."
    )
    if no_mail or smtp is None:
        if smtp is None and not no_mail:
            click.echo("CLAUSES_SMTP_HOST non renseigné : rapport non envoyé.", err=True)
        return
    with store.reading() as conn:
        row = get_issued_by_id(conn, result["report_id"])
    outcome = mail.deliver(store, row, smtp, report)
    messages = {
        True: "Rapport envoyé aux contacts du donneur d'ordre.",
        False: "Envoi échoué (enregistré ; le planificateur réessaiera).",
        None: "Aucun contact pour ce donneur d'ordre : rapport non envoyé.",
    }
    click.echo(messages[outcome], err=outcome is not True)
