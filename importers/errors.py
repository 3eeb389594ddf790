"""Errors of the reading layer; every message is French and tells the fix."""

from __future__ import annotations


class FileRejected(Exception):
    """The whole file cannot be read; ``message`` is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CellError(ValueError):
    """One cell cannot be cleaned; ``message`` names the column and the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
