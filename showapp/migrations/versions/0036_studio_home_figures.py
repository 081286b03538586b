"""studio home figures: downloads per show and day, and each heard episode's last 7 and 30 days

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 06:00:00

At 100,000 episodes the studio home summed 60,000 episode-days twice a view: per show and
day for its 90-day figures (14 ms), and per episode for its top lists (34 ms). The rollup now
writes show_days with episode_days, and works the heard episodes out when it runs. This
fills show_days from the episode days already there; heard_episodes fills at the next rollup
(until then the home sums them live, as before).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "show_days",
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("show_id", "day"),
    )
    op.create_table(
        "heard_episodes",
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["episode_id"], ["episodes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("episode_id"),
    )
    op.create_index("ix_heard_episodes_show_id", "heard_episodes", ["show_id"])
    op.execute(
        "INSERT INTO show_days (show_id, day, downloads) "
        "SELECT show_id, day, sum(downloads) FROM episode_days GROUP BY show_id, day"
    )


def downgrade() -> None:
    op.drop_index("ix_heard_episodes_show_id", table_name="heard_episodes")
    op.drop_table("heard_episodes")
    op.drop_table("show_days")
    op.execute("DELETE FROM stats_cursors WHERE name = 'heard'")
