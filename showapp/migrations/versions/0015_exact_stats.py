"""media requests are marked counted instead of passed by an id cursor; former audio names

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 04:20:00

On PostgreSQL a request id is assigned at insert but the row is seen at commit, so a batch
that committed late with lower ids than rows already read was never counted. Each request
now carries `counted`; rows up to the old cursor start as counted. `episode_audio_names`
keeps the names an episode's file had before a retag or new audio renamed it, so hits on the
old URL still count for the episode.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("counted", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        "UPDATE media_requests SET counted = true WHERE id <= COALESCE("
        "(SELECT last_id FROM stats_cursors WHERE name = 'requests'), 0)"
    )
    op.create_index(
        "ix_media_requests_uncounted",
        "media_requests",
        ["id"],
        unique=False,
        postgresql_where=sa.text("NOT counted"),
        sqlite_where=sa.text("counted = 0"),
    )
    op.create_table(
        "episode_audio_names",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["episode_id"], ["episodes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index(
        "ix_episode_audio_names_episode_id", "episode_audio_names", ["episode_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_episode_audio_names_episode_id", table_name="episode_audio_names")
    op.drop_table("episode_audio_names")
    op.drop_index("ix_media_requests_uncounted", table_name="media_requests")
    with op.batch_alter_table("media_requests", schema=None) as batch_op:
        batch_op.drop_column("counted")
