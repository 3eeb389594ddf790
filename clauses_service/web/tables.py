"""Paginated, sortable tables driven by the query string (``?page=2&tri=nom&ordre=desc``).

Links keep the other query arguments (filters, search), so sorting and paging work
without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import ceil

from flask import request, url_for

PAGE_SIZE = 50
MAX_PAGE = 100_000


def page_number() -> int:
    try:
        value = int(request.args.get("page", "1"))
    except ValueError:
        return 1
    return min(max(value, 1), MAX_PAGE)


def search_text(name: str = "q", maximum: int = 200) -> str:
    return (request.args.get(name) or "").strip()[:maximum]


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (None removes one)."""
    args = {k: v for k, v in request.args.items() if k not in changes}
    args.update({k: v for k, v in changes.items() if v not in (None, "")})
    return url_for(request.endpoint, **(request.view_args or {}), **args)


@dataclass
class Pager:
    page: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (min(self.page, self.pages) - 1) * self.size

    @property
    def first_shown(self) -> int:
        return 0 if not self.total else self.offset + 1

    @property
    def last_shown(self) -> int:
        return min(self.offset + self.size, self.total)

    def url(self, page: int) -> str:
        return url_with(page=page if page > 1 else None)


@dataclass
class Sorting:
    """The column a table is sorted by, from ``?tri=`` and ``?ordre=``."""

    column: str
    descending: bool
    columns: dict[str, Callable]

    @classmethod
    def from_request(cls, columns: dict[str, Callable], default: str, descending=False):
        column = request.args.get("tri", default)
        if column not in columns:
            column = default
        order = request.args.get("ordre")
        desc = descending if order not in ("asc", "desc") else order == "desc"
        return cls(column, desc, columns)

    def apply(self, rows: list) -> list:
        key = self.columns[self.column]
        present = [r for r in rows if key(r) is not None]
        missing = [r for r in rows if key(r) is None]
        return sorted(present, key=key, reverse=self.descending) + missing

    def link(self, column: str) -> str:
        desc = not self.descending if column == self.column else False
        return url_with(tri=column, ordre="desc" if desc else "asc", page=None)

    def aria(self, column: str) -> str:
        if column != self.column:
            return "none"
        return "descending" if self.descending else "ascending"
