"""Commands: imperative frozen dataclasses, one module per area.

Entry points (API, web forms, importers, CLI, scheduler) only build commands and
hand them to ``clauses_service.messagebus.execute``. Ids of new things are minted by
the entry point (uuid4) and carried by the command, so a retried command is the same.
"""

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Command:
    """Base of every command. ``expected_version``: refuse if the stream moved (HTTP 409)."""

    expected_version: int | None = None
