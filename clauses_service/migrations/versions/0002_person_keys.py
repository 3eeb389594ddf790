"""Per-person encryption keys: deleting a person's key erases their personal data.

This table is deliberately outside the append-only log: ``ErasePersonalData``
deletes the row, and every sealed identity of that person becomes unreadable.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_keys",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("person_keys")
