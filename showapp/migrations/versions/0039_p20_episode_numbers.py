"""Podcasting 2.0 season names, decimal episode numbers and episode display names

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-09 10:00:00

An imported feed's <podcast:season name="..."> lost its name, <podcast:episode> lost its
display attribute, and a decimal podcast:episode (12.5, which the namespace allows, unlike
itunes:episode) was dropped whole. Existing rows take the defaults (no name, no display, the
episode number as podcast:episode), which is what their feeds said so far.

The columns are added and dropped in place, never in batch mode: rebuilding episodes on
SQLite would drop the listing triggers of migrations 0034 and 0035 that fire on it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

_COLUMNS = (("season_name", 128), ("podcast_episode", 32), ("episode_display", 32))


def upgrade() -> None:
    for name, length in _COLUMNS:
        op.add_column(
            "episodes",
            sa.Column(name, sa.String(length=length), nullable=False, server_default=""),
        )


def downgrade() -> None:
    # SQLite drops a column in place since 3.35; none of these is in an index or a trigger.
    for name, _length in reversed(_COLUMNS):
        op.drop_column("episodes", name)
