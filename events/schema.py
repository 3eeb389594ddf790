"""SQLAlchemy Core tables of the durable schema (created by the Alembic migrations).

Keep in step with ``clauses_service/migrations/versions``: migrations are frozen
snapshots, this module is what the running code reads and writes.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT sequence.
Position = BigInteger().with_variant(Integer(), "sqlite")

events = Table(
    "events",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("stream_type", String(64), nullable=False),
    Column("stream_id", String(128), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("effective_date", Date, nullable=True),
    UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    Index("ix_events_type_position", "event_type", "position"),
    Index("ix_events_recorded_at", "recorded_at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("result", JSON, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

projection_checkpoints = Table(
    "projection_checkpoints",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

person_keys = Table(
    "person_keys",
    metadata,
    Column("person_id", String(36), primary_key=True),
    Column("key", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Keys of the identities that rejected import rows gave without matching anybody
# (importers.sealing): one per identity and import, found again by the SHA-256 of the
# identity's match key when a person registered under it is erased.
identity_keys = Table(
    "identity_keys",
    metadata,
    Column("key_id", String(36), primary_key=True),
    Column("import_id", String(36), nullable=False),
    Column("identity_sha256", String(64), nullable=False),
    Column("key", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("import_id", "identity_sha256", name="uq_identity_keys_import"),
    Index("ix_identity_keys_identity", "identity_sha256"),
)

# The content of each issued monthly report, kept as issued (see
# clauses_service.reports.snapshots); the log holds its position and hash.
issued_report_contents = Table(
    "issued_report_contents",
    metadata,
    Column("report_id", String(100), primary_key=True),
    Column("content_sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("kept_at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("user_id", String(36), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("sirets", JSON, nullable=False),
    Column("buyer_ids", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("session_nonce", String(36), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.user_id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("revoked", Boolean, nullable=False),
)
