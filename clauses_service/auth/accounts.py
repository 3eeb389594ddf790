"""User accounts and API tokens (a durable table, not derived from the log).

Passwords are hashed with Argon2; API tokens are shown once and stored as SHA-256.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as siret_check

from clauses_service.auth.roles import Role
from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from events.schema import api_tokens, users

# Production: argon2-cffi's defaults (argon2id, 64 MiB, 3 passes). The tests set
# CLAUSES_TEST_FAST_HASHING=1 (tests/conftest.py) so that the hundreds of test accounts
# don't each cost a quarter of a second; hashes stay argon2id and verify either way.
if os.environ.get("CLAUSES_TEST_FAST_HASHING") == "1":
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
else:
    _hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "cls_"


@dataclass(frozen=True)
class User(UserMixin):
    user_id: str
    email: str
    display_name: str
    role: Role
    sirets: tuple[str, ...]
    buyer_ids: tuple[str, ...]
    active: bool
    session_nonce: str

    def get_id(self) -> str:
        # The nonce changes with the password: old sessions stop working.
        return f"{self.user_id}:{self.session_nonce}"

    @property
    def is_active(self) -> bool:
        return self.active


def _row_to_user(row) -> User:
    return User(
        row.user_id,
        row.email,
        row.display_name,
        Role(row.role),
        tuple(row.sirets),
        tuple(row.buyer_ids),
        bool(row.active),
        row.session_nonce,
    )


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise RuleViolation(f"Adresse e-mail invalide : « {email} ».", field="email")
    return email


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise RuleViolation(
            f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.",
            field="password",
        )


def _check_sirets(sirets) -> list[str]:
    cleaned = []
    for value in sirets:
        compact = "".join(ch for ch in str(value) if ch.isdigit())
        try:
            siret_check.validate(compact)
        except StdnumError:
            raise RuleViolation(f"SIRET invalide : « {value} ».", field="sirets") from None
        cleaned.append(compact)
    return cleaned


def create_user(
    conn: Connection,
    email: str,
    password: str,
    role: Role | str,
    display_name: str = "",
    sirets=(),
    buyer_ids=(),
) -> User:
    """Create an account; company users need SIRETs, buyer users need buyer ids."""
    email = normalise_email(email)
    _check_password(password)
    try:
        role = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise RuleViolation(f"Rôle inconnu « {role} » ; rôles : {choices}.", field="role") from None
    sirets = _check_sirets(sirets)
    buyer_ids = [str(uuid.UUID(str(b))) for b in buyer_ids]
    if role is Role.COMPANY and not sirets:
        raise RuleViolation("Un compte entreprise doit avoir au moins un SIRET.", field="sirets")
    if role is Role.BUYER and not buyer_ids:
        raise RuleViolation(
            "Un compte donneur d'ordre doit être rattaché à un donneur d'ordre.", field="buyer_ids"
        )
    if conn.execute(select(users.c.user_id).where(users.c.email == email)).first():
        raise AlreadyExists(f"Un compte existe déjà pour {email}.")
    now = datetime.now(UTC)
    row = {
        "user_id": str(uuid.uuid4()),
        "email": email,
        "display_name": (display_name or email).strip(),
        "password_hash": _hasher.hash(password),
        "role": role.value,
        "sirets": sirets,
        "buyer_ids": buyer_ids,
        "active": True,
        "session_nonce": str(uuid.uuid4()),
        "created_at": now,
        "updated_at": now,
    }
    conn.execute(insert(users).values(**row))
    return get_user(conn, row["user_id"])


def get_user(conn: Connection, user_id: str) -> User | None:
    row = conn.execute(select(users).where(users.c.user_id == str(user_id))).first()
    return _row_to_user(row) if row else None


def list_users(conn: Connection) -> list[User]:
    return [_row_to_user(r) for r in conn.execute(select(users).order_by(users.c.email))]


def authenticate(conn: Connection, email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work whether or not it exists)."""
    row = conn.execute(select(users).where(users.c.email == (email or "").strip().lower())).first()
    stored = row.password_hash if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    return _row_to_user(row)


def set_password(conn: Connection, user_id: str, password: str) -> None:
    _check_password(password)
    changed = conn.execute(
        update(users)
        .where(users.c.user_id == str(user_id))
        .values(
            password_hash=_hasher.hash(password),
            session_nonce=str(uuid.uuid4()),
            updated_at=datetime.now(UTC),
        )
    ).rowcount
    if not changed:
        raise NotFound("Compte introuvable.")


def issue_token(conn: Connection, user_id: str, name: str = "api") -> str:
    """Create an API token; the plain value is returned once and never stored."""
    if get_user(conn, user_id) is None:
        raise NotFound("Compte introuvable.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        insert(api_tokens).values(
            token_id=str(uuid.uuid4()),
            user_id=str(user_id),
            token_hash=_token_hash(token),
            name=(name or "api")[:100],
            created_at=datetime.now(UTC),
            revoked=False,
        )
    )
    return token


def user_for_token(conn: Connection, token: str) -> User | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = conn.execute(
        select(users)
        .join(api_tokens, api_tokens.c.user_id == users.c.user_id)
        .where(api_tokens.c.token_hash == _token_hash(token), api_tokens.c.revoked.is_(False))
    ).first()
    if row is None or not row.active:
        return None
    return _row_to_user(row)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
