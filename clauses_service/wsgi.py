"""WSGI entry point for gunicorn: ``gunicorn clauses_service.wsgi:app``."""

from clauses_service import create_app

app = create_app()
