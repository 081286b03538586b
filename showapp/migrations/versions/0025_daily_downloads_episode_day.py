"""a show's daily downloads are found through its episodes

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 08:00:00

The dashboard and the studio home sum a show's daily_downloads over a period. With only the
day index, SQLite and PostgreSQL read every show's rows of the period and kept one show's
(2 s for a dashboard at 100,000 episodes); (episode_id, day) reads only the show's.
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_daily_downloads_episode_day", "daily_downloads", ["episode_id", "day"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_daily_downloads_episode_day", table_name="daily_downloads")
