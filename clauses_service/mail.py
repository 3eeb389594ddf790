"""E-mailing issued monthly reports (XLSX and PDF attached) to the buyer's contacts.

SMTP settings come from the environment: ``CLAUSES_SMTP_HOST`` (no host: no e-mail is
sent and nothing is recorded; reports wait as "à envoyer"), ``CLAUSES_SMTP_PORT``
(25), ``CLAUSES_SMTP_USER`` / ``CLAUSES_SMTP_PASSWORD`` (login when a user is given),
``CLAUSES_SMTP_STARTTLS`` (1/true/oui), ``CLAUSES_MAIL_FROM``, ``CLAUSES_SMTP_TIMEOUT``
(seconds, 30). Every attempt is recorded on the report's stream
(``ReportDeliverySucceeded`` / ``ReportDeliveryFailed`` with the error).
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import unicodedata
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from clauses_service.web.formatting import hours_fr, month_fr

log = logging.getLogger(__name__)

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PDF_TYPE = ("application", "pdf")
TRUE = {"1", "true", "oui", "yes", "on"}


class MailError(Exception):
    """A delivery that failed, with a French message recorded for the facilitator."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = "rapports@clauses.invalid"
    timeout: float = 30.0


def settings_from_env(env=None) -> SmtpSettings | None:
    """The SMTP settings of the environment, or None when no host is configured."""
    env = os.environ if env is None else env
    host = (env.get("CLAUSES_SMTP_HOST") or "").strip()
    if not host:
        return None
    try:
        port = int(env.get("CLAUSES_SMTP_PORT") or 25)
        timeout = float(env.get("CLAUSES_SMTP_TIMEOUT") or 30)
    except ValueError as exc:
        raise MailError(f"Réglage SMTP invalide : {exc}.") from None
    return SmtpSettings(
        host=host,
        port=port,
        user=env.get("CLAUSES_SMTP_USER") or None,
        password=env.get("CLAUSES_SMTP_PASSWORD") or None,
        starttls=(env.get("CLAUSES_SMTP_STARTTLS") or "").strip().lower() in TRUE,
        sender=env.get("CLAUSES_MAIL_FROM") or SmtpSettings.sender,
        timeout=timeout,
    )


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "donneur-ordre"


def attachment_name(report: dict, extension: str) -> str:
    month = report["month"]
    return f"rapport-mensuel-{slug(report['buyer']['name'])}-{month:%Y-%m}.{extension}"


def build_message(
    settings: SmtpSettings, recipients: list[str], report: dict, xlsx: bytes, pdf: bytes
) -> EmailMessage:
    """The French e-mail with the report's XLSX and PDF attached."""
    month = month_fr(report["month"])
    buyer = report["buyer"]["name"]
    totals = report.get("totals", {})
    message = EmailMessage()
    message["Subject"] = f"Rapport mensuel des clauses d'insertion — {buyer} — {month}"
    message["From"] = settings.sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.partition("@")[2] or None)
    behind = totals.get("behind_schedule", 0)
    message.set_content(
        "Bonjour,\n\n"
        f"Veuillez trouver ci-joint le rapport mensuel des clauses sociales d'insertion "
        f"de {buyer} pour {month} (classeur XLSX et version PDF).\n\n"
        f"Heures réalisées dans le mois : {hours_fr(totals.get('month_hours'))}\n"
        f"Heures cumulées : {hours_fr(totals.get('cumulative_hours'))} sur "
        f"{hours_fr(totals.get('required_hours'))} requises\n"
        f"Marchés en retard : {behind}\n\n"
        "Ce rapport est émis une fois pour toutes : s'il est corrigé plus tard, un "
        "rectificatif vous sera présenté.\n\n"
        "Cordialement,\nLe service de suivi des clauses d'insertion\n"
    )
    message.add_attachment(
        xlsx, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=attachment_name(report, "xlsx")
    )
    message.add_attachment(
        pdf, maintype=PDF_TYPE[0], subtype=PDF_TYPE[1], filename=attachment_name(report, "pdf")
    )
    return message


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Send ``message``; raise ``MailError`` (French) on any SMTP or network failure."""
    where = f"{settings.host}:{settings.port}"
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            refused = smtp.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise MailError(f"Identifiants SMTP refusés par {where}.") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(exc.recipients)
        raise MailError(f"Destinataires refusés par {where} : {refused}.") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"Envoi impossible par {where} : {exc or type(exc).__name__}.") from None
    if refused:
        raise MailError(f"Destinataires refusés par {where} : {', '.join(refused)}.")


def render_attachments(report: dict) -> tuple[bytes, bytes]:
    from clauses_service.reports.render_monthly import monthly_pdf, monthly_xlsx

    return monthly_xlsx(report), monthly_pdf(report)


def deliver(store, issued: dict, settings: SmtpSettings, report: dict | None = None, now=None):
    """Send one issued report to its buyer's contacts and record the attempt.

    ``report``: the figures just issued (else recomputed as issued, hash checked).
    Returns True when sent, False when it failed (recorded), None when the buyer has no
    contact (nothing recorded: it is sent once contacts are given).
    """
    from clauses_service.commands.reports import RecordReportDelivery
    from clauses_service.messagebus import execute
    from clauses_service.reports.issued import recompute_issued
    from projections.queries.buyers import get_buyer

    with store.reading() as conn:
        buyer = get_buyer(conn, issued["buyer_id"])
    recipients = list((buyer or {}).get("contacts") or [])
    if not recipients:
        log.info("rapport %s : aucun contact pour le donneur d'ordre", issued["report_id"])
        return None
    error = None
    try:
        if report is None:
            report = recompute_issued(store, issued)
        xlsx, pdf = render_attachments(report)
        send(settings, build_message(settings, recipients, report, xlsx, pdf))
    except MailError as exc:
        error = exc.message
    except Exception as exc:  # a figure mismatch or a rendering failure: recorded
        error = getattr(exc, "message", None) or f"Échec de préparation du rapport : {exc}"
        log.exception("rapport %s : préparation impossible", issued["report_id"])
    command = RecordReportDelivery(
        report_id=uuid.UUID(str(issued["report_id"])), recipients=tuple(recipients), error=error
    )
    execute(store, command, "mail", now=now)
    if error:
        log.warning("rapport %s : envoi échoué : %s", issued["report_id"], error)
    return error is None
