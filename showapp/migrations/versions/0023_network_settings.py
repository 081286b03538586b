"""network settings, more directory links and a show accent colour

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-06 06:30:00

The network's name, logo and colour become editable in the studio (one row, id 1; an empty
name still means SHOWAPP_SITE_TITLE). Shows gain subscribe links for YouTube Music, Castbox,
Podcast Addict, Podcast Index, Fountain and Amazon Music, and an accent colour.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0020"
branch_labels = None
depends_on = None

NEW_LINKS = (
    "youtube_music_url",
    "castbox_url",
    "podcast_addict_url",
    "podcast_index_url",
    "fountain_url",
    "amazon_music_url",
)


def upgrade() -> None:
    op.create_table(
        "network_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("logo", sa.String(length=255), nullable=True),
        sa.Column("color", sa.String(length=7), server_default="", nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("shows", schema=None) as batch_op:
        for name in NEW_LINKS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=255), server_default="", nullable=False)
            )
        batch_op.add_column(
            sa.Column("accent_color", sa.String(length=7), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_column("accent_color")
        for name in reversed(NEW_LINKS):
            batch_op.drop_column(name)
    op.drop_table("network_settings")
