"""review: guest review links, their comments, and the show's approval setting

Revision ID: 0009
Revises: 0002
Create Date: 2026-11-26 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("guest_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "decision",
            sa.Enum(
                "none", "changes", "approved", name="reviewdecision", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("decision_message", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(["episode_id"], ["episodes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["guest_id"], ["guests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("episode_id", "guest_id", name="uq_review_links_guest"),
    )
    op.create_index("ix_review_links_episode_id", "review_links", ["episode_id"], unique=False)
    op.create_table(
        "review_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("from_host", sa.Boolean(), nullable=False),
        sa.Column(
            "anchor",
            sa.Enum(
                "time",
                "notes",
                "profile",
                "general",
                name="commentanchor",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("start_seconds", sa.Float(), nullable=True),
        sa.Column("end_seconds", sa.Float(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(["link_id"], ["review_links.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reply_to_id"], ["review_comments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_review_comments_link_id", "review_comments", ["link_id"], unique=False)
    with op.batch_alter_table("shows") as batch:
        batch.add_column(
            sa.Column(
                "require_guest_approval", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("shows") as batch:
        batch.drop_column("require_guest_approval")
    op.drop_index("ix_review_comments_link_id", table_name="review_comments")
    op.drop_table("review_comments")
    op.drop_index("ix_review_links_episode_id", table_name="review_links")
    op.drop_table("review_links")
