"""the show trash: deleted_at and purged_at on shows

Revision ID: 0019
Revises: 0021
Create Date: 2026-12-06 06:30:00

A show in the trash is public nowhere (pages, feeds, media, search, sitemap, OPML); an admin
restores it within 30 days, after that `showapp trash purge` reduces it and its episodes to
tombstones that keep their GUIDs retired and their counted downloads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True)))
        batch_op.create_index("ix_shows_deleted_at", ["deleted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_index("ix_shows_deleted_at")
        batch_op.drop_column("purged_at")
        batch_op.drop_column("deleted_at")
