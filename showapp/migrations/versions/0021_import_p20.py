"""imports keep Podcasting 2.0 data: linked transcripts and chapters, raw P2.0 elements

Revision ID: 0021
Revises: 0023
Create Date: 2026-12-06 06:30:00

linked_files holds the podcast:transcript and podcast:chapters files an imported feed names;
podcast_extras (shows, episodes) the elements showapp republishes without modelling them
(value blocks, alternate enclosures, location, license...); shows.locked_owner the owner of an
imported podcast:locked; guests.photo_url an imported podcast:person img.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "linked_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("mime", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("rel", sa.String(32), nullable=False),
        sa.Column("local_file", sa.String(255)),
        sa.ForeignKeyConstraint(["episode_id"], ["episodes.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_linked_files_episode_id", "linked_files", ["episode_id"])
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locked_owner", sa.String(255), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("podcast_extras", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("podcast_extras", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("guests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_url", sa.String(2048)))
    _move_source_extras()


def _move_source_extras() -> None:
    """Shows imported before kept their transcripts and chapters URLs in
    episodes.source_extras; they become linked files, so the feed republishes them."""
    episodes = sa.table(
        "episodes", sa.column("id", sa.Integer), sa.column("source_extras", sa.JSON)
    )
    linked = sa.table(
        "linked_files", sa.column("episode_id", sa.Integer), sa.column("kind", sa.String),
        sa.column("position", sa.Integer), sa.column("url", sa.String),
        sa.column("mime", sa.String), sa.column("language", sa.String),
        sa.column("rel", sa.String),
    )  # fmt: skip
    connection = op.get_bind()
    rows: list[dict[str, object]] = []
    for episode_id, extras in connection.execute(
        sa.select(episodes.c.id, episodes.c.source_extras)
    ):
        if not isinstance(extras, dict):
            continue
        found = [("transcript", t) for t in extras.get("transcripts") or [] if isinstance(t, dict)]
        if isinstance(extras.get("chapters"), dict):
            found.append(("chapters", extras["chapters"]))
        for position, (kind, values) in enumerate(found):
            url = str(values.get("url") or "")
            if url.startswith(("http://", "https://")) and len(url) <= 2048:
                rows.append(
                    {"episode_id": episode_id, "kind": kind, "position": position, "url": url,
                     "mime": str(values.get("type") or "")[:64],
                     "language": str(values.get("language") or "")[:16],
                     "rel": str(values.get("rel") or "")[:32]}
                )  # fmt: skip
    if rows:
        op.bulk_insert(linked, rows)


def downgrade() -> None:
    with op.batch_alter_table("guests", schema=None) as batch_op:
        batch_op.drop_column("photo_url")
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_column("podcast_extras")
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_column("podcast_extras")
        batch_op.drop_column("locked_owner")
    op.drop_index("ix_linked_files_episode_id", "linked_files")
    op.drop_table("linked_files")
