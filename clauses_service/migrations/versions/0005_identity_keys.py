"""Keys of the identities that rejected rows gave without matching anybody.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_keys",
        sa.Column("key_id", sa.String(36), primary_key=True),
        sa.Column("import_id", sa.String(36), nullable=False),
        sa.Column("identity_sha256", sa.String(64), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("import_id", "identity_sha256", name="uq_identity_keys_import"),
    )
    op.create_index("ix_identity_keys_identity", "identity_keys", ["identity_sha256"])


def downgrade() -> None:
    op.drop_index("ix_identity_keys_identity", table_name="identity_keys")
    op.drop_table("identity_keys")
