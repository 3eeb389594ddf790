"""A file to download, answered the same way by every surface (API, pages, exports)."""

from __future__ import annotations

from flask import Response


def attachment(content: bytes, mimetype: str, filename: str) -> Response:
    """``content`` served as ``filename``: the browser saves it rather than shows it."""
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
