"""Apple's own episode and show fields: itunes:block and itunes:title per episode, itunes:title
per show

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-08 09:00:00

An imported feed's item-level <itunes:block>Yes</itunes:block> and <itunes:title> were dropped,
so an episode its old host hid from Apple became visible again, and Apple's clean title
("Barricade" for "Barricade | 12") was lost; so was the channel's itunes:title. Existing rows
take the defaults (not blocked, no Apple title), which is what their feeds said so far.

The columns are added and dropped in place, never in batch mode: rebuilding episodes on
SQLite would drop the listing triggers of migrations 0034 and 0035 that fire on it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "episodes",
        sa.Column("itunes_block", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "episodes",
        sa.Column("itunes_title", sa.String(length=255), nullable=False, server_default=""),
    )
    op.add_column(
        "shows",
        sa.Column("itunes_title", sa.String(length=255), nullable=False, server_default=""),
    )


def downgrade() -> None:
    # SQLite drops a column in place since 3.35; none of these is in an index or a trigger.
    op.drop_column("shows", "itunes_title")
    op.drop_column("episodes", "itunes_title")
    op.drop_column("episodes", "itunes_block")
