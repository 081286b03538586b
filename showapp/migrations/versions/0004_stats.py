"""download statistics: requests, listener windows, downloads, daily rollups

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-26 05:27:47.929236
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "listener_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "stats_cursors",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "daily_downloads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("app", sa.String(length=128), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["episode_id"], ["episodes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "day", "episode_id", "app", "platform", "source", name="uq_daily_downloads_key"
        ),
    )
    with op.batch_alter_table("daily_downloads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_daily_downloads_day"), ["day"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_daily_downloads_episode_id"), ["episode_id"], unique=False
        )

    op.create_table(
        "downloads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("app", sa.String(length=128), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["episode_id"], ["episodes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.create_index("ix_downloads_day_episode", ["day", "episode_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_downloads_episode_id"), ["episode_id"], unique=False)

    op.create_table(
        "listener_windows",
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("listener_key", sa.String(length=32), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("ranges", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["episode_id"], ["episodes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("episode_id", "listener_key"),
    )
    op.create_table(
        "media_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("listener_key", sa.String(length=32), nullable=False),
        sa.Column("previous_key", sa.String(length=32), nullable=False),
        sa.Column("range_start", sa.BigInteger(), nullable=False),
        sa.Column("range_end", sa.BigInteger(), nullable=False),
        sa.Column("user_agent", sa.String(length=512), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("app", sa.String(length=128), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["episode_id"], ["episodes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("media_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_requests_episode_id"), ["episode_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("media_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_requests_episode_id"))

    op.drop_table("media_requests")
    op.drop_table("listener_windows")
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_downloads_episode_id"))
        batch_op.drop_index("ix_downloads_day_episode")

    op.drop_table("downloads")
    with op.batch_alter_table("daily_downloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_daily_downloads_episode_id"))
        batch_op.drop_index(batch_op.f("ix_daily_downloads_day"))

    op.drop_table("daily_downloads")
    op.drop_table("stats_cursors")
    op.drop_table("listener_salts")
