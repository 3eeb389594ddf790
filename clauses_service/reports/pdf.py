"""HTML to PDF with WeasyPrint, fetching nothing: no file, no network.

A report's HTML is self-contained (inline CSS, inline SVG charts); a reference to any
other resource (``file://``, ``http(s)://``: an injected ``<img>``, a stylesheet...) is
refused, so rendering can neither read the server's files nor call out. Only
``data:`` URLs are read.
"""

from __future__ import annotations

from weasyprint import HTML
from weasyprint.urls import URLFetcher

ALLOWED_PROTOCOLS = ("data",)


class OfflineFetcher(URLFetcher):
    """A WeasyPrint fetcher that reads ``data:`` URLs only."""

    def __init__(self):
        super().__init__(allowed_protocols=ALLOWED_PROTOCOLS, allow_redirects=False)

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme not in ALLOWED_PROTOCOLS:
            raise ValueError(f"Ressource refusée dans le PDF : {url[:80]}")
        return super().fetch(url, headers)


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document (A4, see its ``@page`` rules)."""
    return HTML(string=html, url_fetcher=OfflineFetcher(), base_url=None).write_pdf()
