"""Named domain errors, each with a French message for the person who acts.

``field`` names the input at fault (a form field, an API property, a spreadsheet
column) so that the message can be shown next to it.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The command names something that does not exist (or the user may not see)."""

    status = 404


class AlreadyExists(DomainError):
    """Registering something twice (same reference, same SIRET...)."""

    status = 409


class RuleViolation(DomainError):
    """A business rule refuses the command (dates, eligibility, thresholds...)."""

    status = 422
