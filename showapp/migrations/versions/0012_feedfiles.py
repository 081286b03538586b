"""feed bodies move to files; a log of what each catalog stamp changed

Revision ID: 0012
Revises: 0003
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The cache is rebuilt on demand, so dropping what it held loses nothing.
    op.execute("DELETE FROM feed_cache")
    with op.batch_alter_table("feed_cache", schema=None) as batch_op:
        batch_op.drop_column("body_gzip")
        batch_op.drop_column("body")
    op.create_table(
        "feed_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feed_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_changes_version"), ["version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feed_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_changes_version"))
    op.drop_table("feed_changes")
    op.execute("DELETE FROM feed_cache")
    with op.batch_alter_table("feed_cache", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.LargeBinary(), nullable=False))
        batch_op.add_column(sa.Column("body_gzip", sa.LargeBinary(), nullable=False))
