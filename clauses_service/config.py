"""Configuration from environment variables (``CLAUSES_*``), with safe local defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def var_dir() -> Path:
    return Path(os.environ.get("CLAUSES_VAR_DIR", "var")).resolve()


def default_database_url() -> str:
    return f"sqlite:///{var_dir() / 'clauses.db'}"


def _secret_key() -> str:
    key = os.environ.get("CLAUSES_SECRET_KEY")
    if key:
        return key
    # Local default: a random key kept beside the SQLite file, so sessions survive restarts.
    path = var_dir() / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def from_environment() -> dict:
    """The settings of ``create_app`` as read from the environment."""
    return {
        "DATABASE_URL": os.environ.get("CLAUSES_DATABASE_URL") or default_database_url(),
        "SECRET_KEY": _secret_key(),
        "APPEND_LOCK_TIMEOUT_MS": int(os.environ.get("CLAUSES_APPEND_LOCK_TIMEOUT_MS", "30000")),
        "JSON_AS_ASCII": False,
    }
