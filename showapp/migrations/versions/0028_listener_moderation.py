"""listener moderation: the original of a shortened story

Revision ID: 0028
Revises: 0029
Create Date: 2026-12-06 09:40:00

Hosts may shorten a listener's report or mentor story before publishing it; the listener's
own words are kept in original_story (empty while unedited) so the edit can be seen and
undone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("advice_reports", "mentor_stories"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("original_story", sa.Text(), nullable=False, server_default="")
            )


def downgrade() -> None:
    for table in ("mentor_stories", "advice_reports"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("original_story")
