"""Monthly-hours relevés on the web: the company portal ("Déclarer mes heures": templates,
upload, history), the result page of an import with its error workbook, and (in
``imports_review``) the facilitator's list of the month's imports and review queue.

The upload is a plain multipart form (CSRF token, no JavaScript needed); ``upload.js``
adds a progress bar. The file goes through ``clauses_service.uploads.import_upload``,
the path the API takes. A file refused whole comes back on the form with its French
message (422, 413 when too big); the import's page is only shown to the facilitator and
to the company it was made for (404 otherwise).
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from flask import Blueprint, render_template, request, send_file, url_for
from flask import redirect as go
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField
from wtforms.meta import DefaultMeta
from wtforms.validators import StopValidation

from clauses_service.auth.roles import Role
from clauses_service.auth.security import current_scope
from clauses_service.extensions import services
from clauses_service.uploads import (
    ENVELOPE_BYTES,
    import_upload,
    rejection_status,
    size_text,
    too_big,
    too_big_message,
    upload_limits,
)
from clauses_service.web.access import not_found, page_roles
from clauses_service.web.forms import FRENCH
from clauses_service.web.schedule import today
from clauses_service.web.tables import Pager, page_number
from importers.headers import COLUMNS
from importers.template import add_months, blank_template, month_label, prefilled_template
from projections import queries

bp = Blueprint("web_imports", __name__)
FACILITATOR, COMPANY = Role.FACILITATOR, Role.COMPANY
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_FOUND = "Import introuvable : il n'existe pas ou ne vous est pas accessible."
MONTHS_OFFERED = 24
ROWS_SHOWN = 50
LATEST_SHOWN = 5
WHOLE_ROW = "Ligne entière"


# ---- shared helpers ---------------------------------------------------------------------
def month_arg(name: str = "mois", default: date | None = None, args=None) -> date | None:
    """``?mois=AAAA-MM`` as the month's first day; the default when absent or malformed."""
    text = ((request.args if args is None else args).get(name) or "").strip()
    found = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if found and 1900 <= int(found.group(1)) <= 2999 and 1 <= int(found.group(2)) <= 12:
        return date(int(found.group(1)), int(found.group(2)), 1)
    return default


def last_month() -> date:
    return add_months(today().replace(day=1), -1)


def month_options(chosen: date | None) -> list[tuple[str, str]]:
    """(AAAA-MM, "mars 2025") for the last months, newest first (and ``chosen``)."""
    newest = today().replace(day=1)
    months = [add_months(newest, -i) for i in range(MONTHS_OFFERED)]
    if chosen is not None and chosen not in months:
        months.append(chosen)
    return [(f"{m:%Y-%m}", month_label(m)) for m in months]


def column_label(name: str, found: dict | None = None) -> str:
    """The header of a column as the file wrote it, else the template's."""
    written = ((found or {}).get("summary") or {}).get("columns") or {}
    if written.get(name):
        return written[name]
    return COLUMNS[name].label if name in COLUMNS else WHOLE_ROW


def visible_import(conn, import_id) -> dict:
    found = queries.get_import(conn, import_id, current_scope().company_ids)
    if found is None:
        not_found(NOT_FOUND)
    return found


def company_names(conn, company_ids) -> dict[str, dict]:
    return {
        cid: company
        for cid in sorted({str(c) for c in company_ids if c})
        if (company := queries.get_company(conn, cid)) is not None
    }


# ---- the company portal ---------------------------------------------------------------
class UploadForm(FlaskForm):
    class Meta:
        # WTForms' own French messages ("Choix non valide"), as in ``forms.KeyedForm``.
        locales = FRENCH

        def get_translations(self, form):
            return DefaultMeta.get_translations(self, form)

    company_id = SelectField("Établissement", choices=[], validate_choice=False)
    file = FileField("Fichier du relevé (XLSX, ODS ou CSV)")

    def validate_company_id(self, field):
        if field.data not in {value for value, _ in field.choices}:
            raise StopValidation("Choisissez l'un de vos établissements dans la liste.")

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise StopValidation("Choisissez le fichier du relevé à déposer.")


def _my_companies(conn) -> list[dict]:
    ids = current_scope().company_ids or frozenset()
    return list(company_names(conn, ids).values())


def _declare_page(form: UploadForm, status: int = 200):
    month = month_arg(default=last_month())
    limits = upload_limits()
    with services().store.reading() as conn:
        companies = _my_companies(conn)
        latest, _ = queries.list_imports(conn, current_scope().company_ids, limit=LATEST_SHOWN)
    form.company_id.choices = [
        (c["company_id"], f"{c['name']} — SIRET {c['siret']}") for c in companies
    ]
    page = render_template(
        "imports/declare.html",
        form=form,
        companies=companies,
        month=month,
        months=month_options(month),
        latest=latest,
        max_bytes=limits.max_upload_bytes,
        max_text=size_text(limits.max_upload_bytes),
        too_big_text=too_big_message(limits),
    )
    return page, status


@bp.get("/declarer-mes-heures")
@page_roles(COMPANY)
def declare():
    """Templates for a month, the upload form and the latest imports."""
    return _declare_page(UploadForm(formdata=None))


@bp.post("/declarer-mes-heures")
@page_roles(COMPANY)
def upload():
    from importers import FileRejected

    form = UploadForm()
    with services().store.reading() as conn:
        companies = _my_companies(conn)
    form.company_id.choices = [(c["company_id"], c["name"]) for c in companies]
    if not companies:
        form.form_errors.append(
            "Votre compte n'est rattaché à aucune entreprise enregistrée : demandez au "
            "facilitateur d'enregistrer votre établissement."
        )
        return _declare_page(form, 422)
    if len(companies) == 1:
        form.company_id.data = companies[0]["company_id"]
    if not form.validate_on_submit():
        return _declare_page(form, 422 if not form.csrf_token.errors else 400)
    upload_file = form.file.data
    try:
        result = import_upload(
            upload_file.stream,
            upload_file.filename,
            uuid.UUID(form.company_id.data),
            current_scope().company_ids,
            upload_limits(),
        )
    except FileRejected as rejected:
        form.file.errors = [rejected.message]
        return _declare_page(form, rejection_status(rejected))
    finally:
        upload_file.close()
    again = {"deja": "1"} if result["already_imported"] else {}
    return go(url_for("web_imports.result", import_id=result["import_id"], **again), 303)


def refuse_big_uploads():
    """Before the CSRF check reads the body: a declared size over the limit gets the form
    back with the French message at once, and a body without a size is cut at the limit."""
    if request.endpoint != "web_imports.upload" or request.method != "POST":
        return None
    limits = upload_limits()
    request.max_content_length = limits.max_upload_bytes + ENVELOPE_BYTES
    message = too_big(limits)
    if message is None:
        return None
    from flask_login import current_user

    if not current_user.is_authenticated or current_user.role is not COMPANY:
        return None  # the view's own role check answers
    form = UploadForm(formdata=None)
    form.file.errors = [message]
    return _declare_page(form, 413)


@bp.record_once
def _first_hook(state):
    # Inserted first, so that it runs before the CSRF check parses the multipart body.
    state.app.before_request_funcs.setdefault(None, []).insert(0, refuse_big_uploads)


@bp.get("/declarer-mes-heures/modele.xlsx")
@page_roles(COMPANY, FACILITATOR)
def template():
    """The pre-filled template of a company for a month (``?entreprise=&mois=``)."""
    month = month_arg(default=last_month())
    scope = current_scope()
    wanted = request.args.get("entreprise") or ""
    if not wanted and scope.company_ids is not None and len(scope.company_ids) == 1:
        wanted = next(iter(scope.company_ids))
    try:
        company_id = uuid.UUID(wanted)
    except ValueError:
        not_found("Entreprise introuvable.")
    if not scope.sees_company(company_id):
        not_found("Entreprise introuvable.")
    with services().store.reading() as conn:
        company = queries.get_company(conn, company_id)
        if company is None:
            not_found("Entreprise introuvable.")
        data = prefilled_template(conn, company_id, month)
    name = f"releve-heures-{company['siret']}-{month:%Y-%m}.xlsx"
    return _xlsx(data, name)


@bp.get("/declarer-mes-heures/modele-vierge.xlsx")
@page_roles(COMPANY, FACILITATOR)
def blank():
    month = month_arg(default=last_month())
    return _xlsx(blank_template(month), f"releve-heures-vierge-{month:%Y-%m}.xlsx")


def _xlsx(data: bytes, name: str):
    import io

    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get("/mes-imports")
@page_roles(COMPANY)
def history():
    """The company's imports, newest first (its own only)."""
    pager = Pager(page_number(), 0)
    with services().store.reading() as conn:
        items, pager.total = queries.list_imports(
            conn,
            current_scope().company_ids,
            limit=pager.size,
            offset=(pager.page - 1) * pager.size,
        )
        names = company_names(conn, [i["company_id"] for i in items])
    return render_template("imports/history.html", imports=items, pager=pager, names=names)


# ---- one import ---------------------------------------------------------------------------
@bp.get("/imports/<uuid:import_id>")
@page_roles(COMPANY, FACILITATOR)
def result(import_id):
    """Counts, rejected rows with their column and message, warnings."""
    pager = Pager(page_number(), 0, ROWS_SHOWN)
    with services().store.reading() as conn:
        found = visible_import(conn, import_id)
        rejected, pager.total = queries.import_rows_of(
            conn, import_id, "rejected", pager.size, (pager.page - 1) * pager.size
        )
        warned, warned_total = queries.import_rows_of(
            conn, import_id, "accepted_with_warnings", ROWS_SHOWN
        )
        company = queries.get_company(conn, found["company_id"]) if found["company_id"] else None
    return render_template(
        "imports/result.html",
        imp=found,
        company=company,
        again=request.args.get("deja") == "1",
        rejected=rejected,
        pager=pager,
        warned=warned,
        warned_total=warned_total,
        label=lambda name: column_label(name, found),
    )


@bp.get("/imports/<uuid:import_id>/erreurs.xlsx")
@page_roles(COMPANY, FACILITATOR)
def error_workbook(import_id):
    """The rows to fix (rejected, with warnings) with the « Erreur » column."""
    from clauses_service.web.imports_workbook import stored_error_workbook
    from importers.error_workbook import error_file_name

    with services().store.reading() as conn:
        found = visible_import(conn, import_id)
        data = stored_error_workbook(conn, found)
    return _xlsx(data, error_file_name(found["filename"]))


from clauses_service.web import imports_review  # noqa: E402,F401  (the facilitator's routes)
