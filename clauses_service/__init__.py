"""The clauses service: follow-up of insertion clauses in public procurement."""

from clauses_service.app import create_app

__all__ = ["create_app"]
