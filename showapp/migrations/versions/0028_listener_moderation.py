"""listener moderation: the original of a shortened story, and replies to mentor stories

Revision ID: 0028
Revises: 0026
Create Date: 2026-12-06 09:40:00

Hosts may shorten a listener's report or mentor story before publishing it; the listener's
own words are kept in original_story (empty while unedited) so the edit can be seen and
undone. mentor_stories.replied_at lets the mail sender find host replies not yet mailed, as
advice_reports.replied_at already does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("advice_reports", "mentor_stories"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("original_story", sa.Text(), nullable=False, server_default="")
            )
    with op.batch_alter_table("mentor_stories") as batch:
        batch.add_column(sa.Column("replied_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("mentor_stories") as batch:
        batch.drop_column("replied_at")
    for table in ("mentor_stories", "advice_reports"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("original_story")
