"""the show listing index covers the trash filter too

Revision ID: 0024
Revises: 0019
Create Date: 2026-12-06 06:40:00

Every public list, its count and its deep pages filter on deleted_at (is_live): without it in
ix_episodes_show_listing each of a show's episodes was read from the table to be counted.
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0019"
branch_labels = None
depends_on = None

OLD = ["show_id", "published_at", "id", "status"]


def upgrade() -> None:
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_index("ix_episodes_show_listing")
        batch_op.create_index("ix_episodes_show_listing", [*OLD, "deleted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_index("ix_episodes_show_listing")
        batch_op.create_index("ix_episodes_show_listing", OLD, unique=False)
