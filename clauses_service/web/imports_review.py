"""The facilitator's side of the imports: the month's imports across companies, and the
review queue where each rejected row is fixed in place (link the right person, correct
a value: ``FixImportRow``) or dismissed with a reason (``DismissImportRow``).

A refused fix comes back on the queue page (422) with the message next to the field it
names; a fix that passes re-decides the row and records its hours.
"""

from __future__ import annotations

import uuid

from flask import flash, render_template, request, url_for
from flask import redirect as go

from clauses_service.commands.imports import DismissImportRow, FixImportRow
from clauses_service.domain.errors import DomainError
from clauses_service.extensions import services
from clauses_service.web.access import not_found, page_roles, run
from clauses_service.web.imports import (
    FACILITATOR,
    bp,
    column_label,
    company_names,
    last_month,
    month_arg,
    month_options,
    visible_import,
)
from clauses_service.web.tables import Pager, page_number
from events.errors import EventStoreError
from importers.headers import COLUMNS, IDENTITY_COLUMNS
from projections import queries

QUEUE_PAGE = 20
CANDIDATES = 8
PERSON_COLUMNS = (*IDENTITY_COLUMNS, "person_id")
ALL_MONTHS = "tous"


def _chosen_month(args):
    """The month of the filter (last month by default; ``mois=tous``: every month)."""
    if args.get("mois") == ALL_MONTHS:
        return None
    return month_arg(default=last_month(), args=args)


@bp.get("/imports")
@page_roles(FACILITATOR)
def index():
    """The month's imports across companies with their status and counts."""
    month = _chosen_month(request.args)
    status = request.args.get("etat") if request.args.get("etat") in ("needs_fixes",) else None
    pager = Pager(page_number(), 0)
    with services().store.reading() as conn:
        items, pager.total = queries.list_imports(
            conn,
            None,
            month=month,
            status=status,
            limit=pager.size,
            offset=(pager.page - 1) * pager.size,
        )
        _, waiting = queries.rejected_queue(conn, None, month=month, limit=1)
        names = company_names(conn, [i["company_id"] for i in items])
    return render_template(
        "imports/index.html",
        imports=items,
        pager=pager,
        names=names,
        month=month,
        months=month_options(month),
        status=status,
        waiting=waiting,
    )


# ---- the queue ----------------------------------------------------------------------------
def row_key(row: dict) -> str:
    return f"ligne-{row['import_id']}-{row['row_number']}"


def _candidates(conn, row: dict, searched: str | None) -> list[dict]:
    cells = row.get("cells") or {}
    text = searched or cells.get("last_name") or cells.get("first_name") or ""
    if not text.strip():
        return []
    found, _ = queries.search_people(conn, text, CANDIDATES)
    return found


def _editable(row: dict) -> list[str]:
    """Columns offered for correction: those in error (the whole-row errors excepted)."""
    return [name for name in COLUMNS if name in (row.get("errors") or {}) and name != "person_id"]


def queue_filters(args) -> dict:
    """The queue's filters (``mois``, ``fichier``, ``page``) from the query or a form."""
    month = _chosen_month(args)
    import_id = _uuid(args.get("fichier"))
    filters = {"mois": f"{month:%Y-%m}" if month else ALL_MONTHS}
    if import_id:
        filters["fichier"] = str(import_id)
    page = (args.get("page") or "").strip()
    if page.isdigit() and 1 < int(page) <= 100_000:
        filters["page"] = page
    return filters


def _queue_page(filters: dict, refused: dict | None = None, status: int = 200):
    """The queue; ``refused``: {key, errors (field -> message), typed (field -> text)}."""
    month = _chosen_month(filters)
    import_id = _uuid(filters.get("fichier"))
    pager = Pager(int(filters.get("page", 1)), 0, QUEUE_PAGE)
    searched_key, searched = request.args.get("ligne"), (request.args.get("q") or "").strip()[:100]
    with services().store.reading() as conn:
        rows, pager.total = queries.rejected_queue(
            conn,
            None,
            import_id=import_id,
            month=month,
            limit=pager.size,
            offset=(pager.page - 1) * pager.size,
        )
        imports = {r["import_id"]: queries.get_import(conn, r["import_id"]) for r in rows}
        names = company_names(conn, [r["import_company_id"] for r in rows])
        for row in rows:
            key = row_key(row)
            row["key"] = key
            row["editable"] = _editable(row)
            row["about_person"] = any(c in row["errors"] for c in PERSON_COLUMNS)
            row["searched"] = searched if key == searched_key else ""
            row["candidates"] = (
                _candidates(conn, row, row["searched"] or None) if row["about_person"] else []
            )
    shown = {row["key"] for row in rows}
    # A refusal about a row this page does not show is said at the top of the page.
    elsewhere = (
        list((refused or {}).get("errors", {}).values())
        if refused and refused["key"] not in shown
        else []
    )
    page = render_template(
        "imports/queue.html",
        elsewhere=elsewhere,
        rows=rows,
        pager=pager,
        imports=imports,
        names=names,
        month=month,
        months=month_options(month),
        import_id=import_id,
        filters=filters,
        refused=refused or {},
        label=column_label,
    )
    return page, status


def _uuid(text):
    try:
        return uuid.UUID(text or "")
    except ValueError:
        return None


@bp.get("/imports/a-corriger")
@page_roles(FACILITATOR)
def queue():
    """Rejected rows waiting, oldest import first, each with its fix and dismiss forms."""
    return _queue_page(queue_filters(request.args))


def _pending_row(import_id, row_number: int) -> dict:
    with services().store.reading() as conn:
        visible_import(conn, import_id)
        row = queries.get_import_row(conn, import_id, row_number)
    if row is None or row["status"] != "rejected":
        not_found("Ligne introuvable : ce n'est pas une ligne rejetée de cet import.")
    return row


def _filters_posted() -> dict:
    """The filters of the queue page the form was sent from (hidden fields)."""
    return queue_filters({k[2:]: v for k, v in request.form.items() if k.startswith("f_")})


def _refused(row: dict, errors: dict, typed: dict):
    """The queue page again (422), the refusal next to the field it names."""
    refused = {"key": row_key(row), "errors": errors, "typed": typed}
    return _queue_page(_filters_posted(), refused, 422)


def _field_of(column: str | None, row: dict) -> str:
    """Where the message of a refused fix goes: its value input, the person, or the top."""
    if column in row["errors"] and column in _editable(row):
        return f"value_{column}"
    if column in PERSON_COLUMNS and any(c in row["errors"] for c in PERSON_COLUMNS):
        return "person_id"
    return "form"


@bp.post("/imports/<uuid:import_id>/lignes/<int:row_number>/corriger")
@page_roles(FACILITATOR)
def fix(import_id, row_number):
    row = _pending_row(import_id, row_number)
    typed = {name: request.form.get(name, "") for name in request.form if name != "csrf_token"}
    cells = row.get("cells") or {}
    values = {}
    for name in _editable(row):
        text = (request.form.get(f"value_{name}") or "").strip()[:300]
        if text and text != (cells.get(name) or ""):
            values[name] = text
    person_text = (request.form.get("person_id") or "").strip()
    person_id = None
    if person_text:
        try:
            person_id = uuid.UUID(person_text)
        except ValueError:
            return _refused(row, {"person_id": "Choisissez une personne de la liste."}, typed)
    if person_id is None and not values:
        message = "Choisissez la personne à rattacher ou corrigez au moins une valeur."
        return _refused(row, {"form": message}, typed)
    try:
        result = run(
            FixImportRow(
                import_id=import_id, row_number=row_number, person_id=person_id, values=values
            )
        )
    except DomainError as exc:
        return _refused(row, {_field_of(exc.field, row): exc.message}, typed)
    except EventStoreError as exc:
        return _refused(
            row,
            {"form": f"La ligne a changé entre-temps : rechargez la page. ({exc.message})"},
            typed,
        )
    extra = " avec un avertissement" if result.get("warnings") else ""
    flash(
        f"Ligne {row_number} corrigée : acceptée{extra}, ses heures sont enregistrées.", "success"
    )
    return go(url_for("web_imports.queue", **_filters_posted()), 303)


@bp.post("/imports/<uuid:import_id>/lignes/<int:row_number>/ecarter")
@page_roles(FACILITATOR)
def dismiss(import_id, row_number):
    row = _pending_row(import_id, row_number)
    reason = (request.form.get("motif") or "").strip()
    typed = {"motif": reason}
    try:
        run(DismissImportRow(import_id=import_id, row_number=row_number, reason=reason))
    except DomainError as exc:
        return _refused(row, {"motif": exc.message}, typed)
    except EventStoreError as exc:
        return _refused(row, {"form": exc.message}, typed)
    flash(f"Ligne {row_number} écartée : elle ne compte pas.", "success")
    return go(url_for("web_imports.queue", **_filters_posted()), 303)
