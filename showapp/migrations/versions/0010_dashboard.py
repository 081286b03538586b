"""dashboard: when the download figures were last rolled up

Revision ID: 0010
Revises: 0004
Create Date: 2026-11-26 06:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stats_cursors") as batch_op:
        batch_op.add_column(sa.Column("rolled_up_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stats_cursors") as batch_op:
        batch_op.drop_column("rolled_up_at")
