"""One uploaded relevé, as the API and the company portal receive it: the limits of the
app's configuration, the French "too big" message, and ``run_import`` for the current user.

    limits = upload_limits()
    message = too_big(limits)            # None unless the request is plainly too large
    result = import_upload(upload.stream, upload.filename, company_id, allowed, limits)

``import_upload`` raises ``importers.FileRejected`` for a file refused whole;
``rejection_status`` says which HTTP status that is (413 too big, else 422).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from uuid import UUID

from flask import current_app, request

from clauses_service.auth.security import actor
from clauses_service.extensions import services
from importers.limits import DEFAULT_LIMITS, Limits

# Room for the multipart envelope and the other form fields around the file.
ENVELOPE_BYTES = 65536


def upload_limits() -> Limits:
    limit = int(current_app.config.get("IMPORT_MAX_UPLOAD_BYTES", DEFAULT_LIMITS.max_upload_bytes))
    return replace(DEFAULT_LIMITS, max_upload_bytes=limit)


def size_text(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.0f} Mo"
    return f"{max(1, count // 1024)} Ko"


def too_big_message(limits: Limits) -> str:
    return (
        f"Fichier trop volumineux : au plus {size_text(limits.max_upload_bytes)} par dépôt ; "
        "découpez le relevé en plusieurs fichiers."
    )


def too_big(limits: Limits) -> str | None:
    """The French message when the request announces more than the limit, else None."""
    length = request.content_length
    if length is not None and length > limits.max_upload_bytes + ENVELOPE_BYTES:
        return too_big_message(limits)
    return None


def rejection_status(rejected) -> int:
    """413 for a file refused for its size, 422 for any other file refused whole."""
    return 413 if rejected.message.startswith("Le fichier pèse") else 422


def import_upload(
    stream,
    filename: str,
    company_id: UUID | None,
    allowed_company_ids: frozenset[str] | None,
    limits: Limits,
    *,
    dry_run: bool = False,
) -> dict:
    """Run the import of one uploaded file for the current user (``run_import``)."""
    from importers.pipeline import run_import

    return run_import(
        services().store,
        stream,
        filename,
        actor(),
        company_id=company_id,
        allowed_company_ids=allowed_company_ids,
        dry_run=dry_run,
        limits=limits,
        metadata={"request_id": str(uuid.uuid4())},
    )
