"""the episode trash: deleted_at, purged_at and first_published_at on episodes

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 04:30:00

Episodes that are released now count as first published at their published_at, so that
taking one back to draft answers 410 on its old page; earlier withdrawals cannot be known.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_published_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True)))
        batch_op.create_index("ix_episodes_deleted_at", ["deleted_at"], unique=False)
    op.execute(
        "UPDATE episodes SET first_published_at = published_at "
        "WHERE status IN ('published', 'scheduled') AND published_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_index("ix_episodes_deleted_at")
        batch_op.drop_column("purged_at")
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("first_published_at")
