"""the guest trash: deleted_at on guests

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 05:00:00

A guest in the trash is public nowhere (page, feed, credits); restored within 30 days they come
back as they were, after that `showapp trash purge` deletes them and their appearances.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True)))
        batch_op.create_index("ix_guests_deleted_at", ["deleted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("guests", schema=None) as batch_op:
        batch_op.drop_index("ix_guests_deleted_at")
        batch_op.drop_column("deleted_at")
