"""import and export: remote enclosures and artwork, imported HTML notes, source extras

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-26 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("shows", sa.Column("artwork_url", sa.String(length=2048), nullable=True))
    op.add_column("shows", sa.Column("source_feed_url", sa.String(length=2048), nullable=True))
    # Existing rows need a value for the NOT NULL columns; new rows get theirs from the models.
    op.add_column("episodes", sa.Column("notes_html", sa.Text(), nullable=False, server_default=""))
    op.add_column("episodes", sa.Column("artwork_url", sa.String(length=2048), nullable=True))
    op.add_column("episodes", sa.Column("audio_url", sa.String(length=2048), nullable=True))
    op.add_column(
        "episodes", sa.Column("source_extras", sa.JSON(), nullable=False, server_default="{}")
    )


def downgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        batch.drop_column("source_extras")
        batch.drop_column("audio_url")
        batch.drop_column("artwork_url")
        batch.drop_column("notes_html")
    with op.batch_alter_table("shows") as batch:
        batch.drop_column("source_feed_url")
        batch.drop_column("artwork_url")
