"""the advice loop: advice, listener reports, follow-ups, guest links, mentor stories

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 09:45:00

Hosts mark advice in episodes; listeners report back on it and send stories of their own
mentors to a show's call; hosts set follow-ups and record who mentored or sponsored whom.
guests.email is private (mail to the guest); episodes.follows_up_id links a follow-up episode
to the episode it follows up.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

MODERATION = sa.Enum(
    "pending", "approved", "rejected", name="moderation", native_enum=False, length=16
)


def upgrade() -> None:
    op.create_table(
        "advice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("guest_id", sa.Integer()),
        sa.Column("text", sa.String(280), nullable=False),
        sa.Column("start_seconds", sa.Float()),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["episode_id"], ["episodes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["guest_id"], ["guests.id"], ondelete="SET NULL"),
    )
    op.create_index("ix_advice_episode_id", "advice", ["episode_id"])
    op.create_index("ix_advice_guest_id", "advice", ["guest_id"])
    op.create_table(
        "advice_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("advice_id", sa.Integer(), nullable=False),
        sa.Column("story", sa.Text(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("consent_to_publish", sa.Boolean(), nullable=False),
        sa.Column("status", MODERATION, nullable=False),
        sa.Column("host_reply", sa.Text(), nullable=False),
        sa.Column("replied_at", sa.DateTime(timezone=True)),
        sa.Column("moderated_at", sa.DateTime(timezone=True)),
        sa.Column("guest_notified_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["advice_id"], ["advice.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_advice_reports_advice_id", "advice_reports", ["advice_id"])
    op.create_index("ix_advice_reports_status", "advice_reports", ["status"])
    op.create_index("ix_advice_reports_guest_notified_at", "advice_reports", ["guest_notified_at"])
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("guest_id", sa.Integer()),
        sa.Column("advice_id", sa.Integer()),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
        sa.Column("created_by_id", sa.Integer()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["guest_id"], ["guests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["advice_id"], ["advice.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
    )
    op.create_index("ix_follow_ups_show_id", "follow_ups", ["show_id"])
    op.create_index("ix_follow_ups_due_on", "follow_ups", ["due_on"])
    op.create_table(
        "guest_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("from_guest_id", sa.Integer(), nullable=False),
        sa.Column("to_guest_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("mentor", "sponsor", name="guestlinkkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("note", sa.String(280), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["from_guest_id"], ["guests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["to_guest_id"], ["guests.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("from_guest_id", "to_guest_id", "kind"),
    )
    op.create_index("ix_guest_links_from_guest_id", "guest_links", ["from_guest_id"])
    op.create_index("ix_guest_links_to_guest_id", "guest_links", ["to_guest_id"])
    op.create_table(
        "mentor_stories",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("mentor_name", sa.String(120), nullable=False),
        sa.Column("story", sa.Text(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("consent_to_publish", sa.Boolean(), nullable=False),
        sa.Column("status", MODERATION, nullable=False),
        sa.Column("host_reply", sa.Text(), nullable=False),
        sa.Column("moderated_at", sa.DateTime(timezone=True)),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("draft_episode_id", sa.Integer()),
        sa.Column("guest_id", sa.Integer()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["draft_episode_id"], ["episodes.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["guest_id"], ["guests.id"], ondelete="SET NULL"),
    )
    op.create_index("ix_mentor_stories_show_id", "mentor_stories", ["show_id"])
    op.create_index("ix_mentor_stories_status", "mentor_stories", ["status"])
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mentor_call_open", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("mentor_call_prompt", sa.Text(), nullable=False, server_default="")
        )
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("follows_up_id", sa.Integer()))
        batch_op.create_foreign_key(
            "fk_episodes_follows_up_id", "episodes", ["follows_up_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_episodes_follows_up_id", ["follows_up_id"], unique=False)
    with op.batch_alter_table("guests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(255), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("guests", schema=None) as batch_op:
        batch_op.drop_column("email")
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_index("ix_episodes_follows_up_id")
        batch_op.drop_constraint("fk_episodes_follows_up_id", type_="foreignkey")
        batch_op.drop_column("follows_up_id")
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_column("mentor_call_prompt")
        batch_op.drop_column("mentor_call_open")
    for table in ("mentor_stories", "guest_links", "follow_ups", "advice_reports", "advice"):
        op.drop_table(table)
