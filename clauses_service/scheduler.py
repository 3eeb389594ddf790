"""The monthly run: issue last month's report for every buyer with a running market,
e-mail it, and retry failed deliveries.

Exactly one scheduler runs: ``clauses scheduler`` is a process of its own (never inside
gunicorn workers) and holds, for its whole life, a PostgreSQL session advisory lock on
a dedicated connection, or on SQLite an ``fcntl`` lock on a file next to the database.
A second ``clauses scheduler`` waits on standby (and takes over when the first stops);
``clauses scheduler --once`` waits at most ``--wait`` seconds, then gives up without
doing anything. The job itself is idempotent too: a report issued already is skipped
(``ReportAlreadyIssued`` is checked inside the serialised append transaction).

Settings (environment): ``CLAUSES_REPORT_DAY`` (1-28, default 5), ``CLAUSES_REPORT_HOUR``
(0-23, default 6), Europe/Paris time; ``CLAUSES_MAIL_RETRY_MINUTES`` (15) and
``CLAUSES_MAIL_MAX_ATTEMPTS`` (5) for deliveries; SMTP settings: see ``mail``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from clauses_service import mail
from clauses_service.domain.errors import DomainError
from clauses_service.domain.reports import ReportAlreadyIssued
from clauses_service.reports.issued import issue_report
from events.catalog.reports import IssueTrigger
from events.store import EventStore
from projections.queries import reports as queries

log = logging.getLogger("clauses.scheduler")
PARIS = ZoneInfo("Europe/Paris")
ACTOR = "planificateur"


class SchedulerSettingsError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ScheduleSettings:
    day: int = 5
    hour: int = 6
    retry_minutes: int = 15
    max_attempts: int = 5


def _int_env(env, name: str, default: int, low: int, high: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise SchedulerSettingsError(
            f"{name} doit être un entier de {low} à {high} (reçu « {raw} »)."
        )
    return value


def settings_from_env(env=None) -> ScheduleSettings:
    env = os.environ if env is None else env
    return ScheduleSettings(
        day=_int_env(env, "CLAUSES_REPORT_DAY", 5, 1, 28),
        hour=_int_env(env, "CLAUSES_REPORT_HOUR", 6, 0, 23),
        retry_minutes=_int_env(env, "CLAUSES_MAIL_RETRY_MINUTES", 15, 1, 24 * 60),
        max_attempts=_int_env(env, "CLAUSES_MAIL_MAX_ATTEMPTS", 5, 1, 100),
    )


def previous_month(now: datetime) -> date:
    """The first day of the month before ``now`` (in Paris time)."""
    today = now.astimezone(PARIS).date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return date(year, month, 1)


@dataclass
class RunSummary:
    month: date
    issued: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    sent: int = 0
    failed: int = 0

    def line(self) -> str:
        return (
            f"Rapports de {self.month:%m/%Y} : {len(self.issued)} émis, "
            f"{len(self.skipped)} déjà émis, {len(self.errors)} en erreur ; "
            f"envois : {self.sent} réussi(s), {self.failed} échoué(s)."
        )


def issue_last_month(
    store: EventStore, summary: RunSummary, smtp: mail.SmtpSettings | None, now: datetime
) -> None:
    """Issue (and mail) the reports of ``summary.month`` not issued yet."""
    with store.reading() as conn:
        buyers = queries.buyers_with_running_market(conn, summary.month)
        done = queries.issued_months(conn, summary.month)
    for buyer_id in buyers:
        if buyer_id in done:
            summary.skipped.append(buyer_id)
            continue
        try:
            result, report = issue_report(
                store, buyer_id, summary.month, ACTOR, IssueTrigger.SCHEDULER, now=now
            )
        except ReportAlreadyIssued:  # another process issued it meanwhile
            summary.skipped.append(buyer_id)
            continue
        except DomainError as exc:
            summary.errors[buyer_id] = exc.message
            log.error("donneur d'ordre %s : émission impossible : %s", buyer_id, exc.message)
            continue
        except Exception as exc:  # one buyer's failure must not stop the others' reports
            summary.errors[buyer_id] = str(exc)
            log.exception("donneur d'ordre %s : émission impossible", buyer_id)
            continue
        summary.issued.append(buyer_id)
        log.info("rapport émis : donneur d'ordre %s, %s", buyer_id, f"{summary.month:%m/%Y}")
        if smtp is not None:
            with store.reading() as conn:
                row = queries.get_issued_by_id(conn, result["report_id"])
            _count(summary, mail.deliver(store, row, smtp, report, now=now))


def retry_deliveries(
    store: EventStore, summary: RunSummary, smtp: mail.SmtpSettings | None, max_attempts: int
) -> None:
    """Try again every issued report not sent yet, while attempts are left."""
    if smtp is None:
        log.info("CLAUSES_SMTP_HOST non renseigné : aucun rapport n'est envoyé par courriel.")
        return
    with store.reading() as conn:
        rows = queries.deliveries_to_retry(conn, max_attempts)
    for row in rows:
        _count(summary, mail.deliver(store, row, smtp))


def _count(summary: RunSummary, outcome: bool | None) -> None:
    if outcome is True:
        summary.sent += 1
    elif outcome is False:
        summary.failed += 1


def run_job(
    store: EventStore,
    now: datetime | None = None,
    settings: ScheduleSettings | None = None,
    smtp: mail.SmtpSettings | None = None,
    issue: bool = True,
    month: date | None = None,
) -> RunSummary:
    """One pass: retry pending deliveries, then issue last month's (or ``month``'s)
    missing reports."""
    now = now or datetime.now(UTC)
    settings = settings or settings_from_env()
    summary = RunSummary(month.replace(day=1) if month else previous_month(now))
    retry_deliveries(store, summary, smtp, settings.max_attempts)
    if issue:
        issue_last_month(store, summary, smtp, now)
    log.info(summary.line())
    return summary


def due_this_month(now: datetime, settings: ScheduleSettings) -> bool:
    """Has this month's run time passed (a scheduler started late catches up)?"""
    local = now.astimezone(PARIS)
    return (local.day, local.hour) >= (settings.day, settings.hour)


def build_scheduler(store: EventStore, settings: ScheduleSettings, smtp_settings, lock=None):
    """An APScheduler 3 ``BlockingScheduler`` with the monthly and the retry jobs.

    With ``lock``: a job checks every minute that it is still held (a PostgreSQL restart
    ends the session that held it); if not, the scheduler stops and ``lock.lost`` is set,
    so that the process exits and a standby one takes over.
    """
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = BlockingScheduler(timezone=PARIS)
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600}
    scheduler.add_job(
        lambda: _safely(run_job, store, settings=settings, smtp=smtp_settings()),
        CronTrigger(day=settings.day, hour=settings.hour, minute=0, timezone=PARIS),
        id="monthly-reports",
        name="Rapports mensuels",
        **common,
    )
    scheduler.add_job(
        lambda: _safely(run_job, store, settings=settings, smtp=smtp_settings(), issue=False),
        IntervalTrigger(minutes=settings.retry_minutes, timezone=PARIS),
        id="report-deliveries",
        name="Nouvelles tentatives d'envoi",
        **common,
    )
    if lock is not None:

        def guard():
            if not lock.still_held():
                log.error("Verrou du planificateur perdu (%s) : arrêt.", lock.description)
                lock.lost = True
                scheduler.shutdown(wait=False)

        scheduler.add_job(guard, IntervalTrigger(minutes=1), id="lock-guard", **common)
    return scheduler


def _safely(job, *args, **kwargs):
    # A failing run must not stop the scheduler: it is logged, and the next run retries.
    try:
        return job(*args, **kwargs)
    except Exception:
        log.exception("le passage du planificateur a échoué")
        return None


# ---- one scheduler only -----------------------------------------------------------------
SCHEDULER_LOCK_KEY = 0x636C7363  # "clsc"; not the append lock's key


class SchedulerLock:
    """Held for the life of the scheduler process; ``try_acquire`` never blocks."""

    description = ""
    lost = False

    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool:
        return True

    def release(self) -> None: ...


class PostgresLock(SchedulerLock):
    """A session advisory lock on a connection of its own (released if the process dies)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.connection = None
        self.description = f"verrou consultatif PostgreSQL {SCHEDULER_LOCK_KEY}"

    def try_acquire(self) -> bool:
        from sqlalchemy import text

        if self.connection is None:
            self.connection = self.engine.connect()
        got = self.connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": SCHEDULER_LOCK_KEY}
        ).scalar()
        self.connection.commit()  # session-level: survives the end of the transaction
        return bool(got)

    def still_held(self) -> bool:
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        # A bigint key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits).
        query = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() AND classid = 0 AND objid = :key"
        )
        try:
            held = self.connection.execute(query, {"key": SCHEDULER_LOCK_KEY}).scalar()
            self.connection.commit()
        except SQLAlchemyError:
            return False
        return bool(held)

    def release(self) -> None:
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        if self.connection is not None and not self.lost:
            # The pool would keep the session (and the lock) alive: unlock, then drop it.
            try:
                self.connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEDULER_LOCK_KEY}
                )
                self.connection.commit()
            except SQLAlchemyError:
                pass  # the session is gone, and the lock with it
        if self.connection is not None:
            self.connection.invalidate()
            self.connection.close()
            self.connection = None


class FileLock(SchedulerLock):
    """An exclusive ``fcntl`` lock on a file next to the SQLite database."""

    def __init__(self, path: str):
        self.path = path
        self.handle = None
        self.description = f"fichier verrou {path}"

    def try_acquire(self) -> bool:
        import fcntl

        if self.handle is None:
            self.handle = open(self.path, "a+")  # noqa: SIM115 — kept open while locked
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"{os.getpid()}\n")
        self.handle.flush()
        return True

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()  # closing the file drops the lock
            self.handle = None


def lock_for(engine: Engine) -> SchedulerLock:
    if engine.dialect.name == "postgresql":
        return PostgresLock(engine)
    database = engine.url.database or ""
    if database in ("", ":memory:"):
        import tempfile

        return FileLock(os.path.join(tempfile.gettempdir(), "clauses-memory.scheduler-lock"))
    return FileLock(os.path.abspath(database) + ".scheduler-lock")
