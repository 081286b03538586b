"""sessions that can be ended, and kept forms bound to their host

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 04:30:00

users.session_version is stored in the signed session at sign-in; signing out, a new password
or deactivation bumps it, so older sessions (and copied cookies) stop working. form_stashes
gains the host a kept form belongs to. Stashes made before this revision belong to nobody
and live two days at most, so the table is made anew rather than altered.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="1", nullable=False)
        )
    op.drop_table("form_stashes")
    _create_form_stashes(with_user=True)


def downgrade() -> None:
    op.drop_index("ix_form_stashes_user_id", table_name="form_stashes")
    op.drop_table("form_stashes")
    _create_form_stashes(with_user=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")


def _create_form_stashes(*, with_user: bool) -> None:
    user = [sa.Column("user_id", sa.Integer(), nullable=False)] if with_user else []
    foreign_key = (
        [sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE")]
        if with_user
        else []
    )
    op.create_table(
        "form_stashes",
        sa.Column("id", sa.Integer(), nullable=False),
        *user,
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        *foreign_key,
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    if with_user:
        op.create_index("ix_form_stashes_user_id", "form_stashes", ["user_id"], unique=False)
