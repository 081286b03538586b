"""feeds: feed cache, catalog stamp, feed settings on shows, rendered notes on episodes

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-26 05:29:18.156256
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_stamps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "feed_cache",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("catalog_version", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=80), nullable=False),
        sa.Column("redirect_to", sa.String(length=255), nullable=True),
        sa.Column("last_modified", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_go_live", sa.DateTime(timezone=True), nullable=True),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body_gzip", sa.LargeBinary(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    false = sa.false()
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("new_feed_url", sa.String(length=255), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("locked", sa.Boolean(), server_default=false, nullable=False))
        batch_op.add_column(
            sa.Column("itunes_block", sa.Boolean(), server_default=false, nullable=False)
        )
        batch_op.add_column(
            sa.Column("complete", sa.Boolean(), server_default=false, nullable=False)
        )
        batch_op.add_column(
            sa.Column("medium", sa.String(length=16), server_default="podcast", nullable=False)
        )
        batch_op.add_column(
            sa.Column("update_frequency", sa.String(length=128), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("update_rrule", sa.String(length=255), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("shows", schema=None) as batch_op:
        for column in (
            "update_rrule",
            "update_frequency",
            "medium",
            "complete",
            "itunes_block",
            "locked",
            "new_feed_url",
        ):
            batch_op.drop_column(column)
    op.drop_table("feed_cache")
    op.drop_table("catalog_stamps")
