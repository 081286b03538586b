"""mail: the outbox, opt-outs, and what has been mailed already

Revision ID: 0029
Revises: 0026
Create Date: 2026-12-06 09:30:00

Every message goes through outbox_messages (queued in the transaction of the change it tells
about, sent by the mail runner with retries, or held when no SMTP server is set).
mail_opt_outs keeps the addresses that unsubscribed. review_comments.hosts_notified_at and
review_links.decision_notified_at say which guest comments and decisions the hosts were
mailed about (what existed before this migration counts as mailed, so an upgrade does not
mail old news); mentor_stories.replied_at marks a host's reply as sent to the listener.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0026"
branch_labels = None
depends_on = None

KINDS = ("invite", "review_link", "review_activity", "digest", "follow_ups", "reply")


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("to_address", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text()),
        sa.Column(
            "kind", sa.Enum(*KINDS, name="mailkind", native_enum=False, length=16), nullable=False
        ),
        sa.Column("show_id", sa.Integer()),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "sent", "failed", "held", name="mailstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("dedupe_key", sa.String(128)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("ix_outbox_messages_show_id", "outbox_messages", ["show_id"])
    op.create_index("ix_outbox_messages_due", "outbox_messages", ["status", "next_attempt_at"])
    op.create_table(
        "mail_opt_outs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("email", "kind", name="uq_mail_opt_outs_email_kind"),
    )
    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hosts_notified_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("review_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_notified_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("mentor_stories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replied_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE review_comments SET hosts_notified_at = created_at WHERE NOT from_host")
    op.execute("UPDATE review_links SET decision_notified_at = decided_at")


def downgrade() -> None:
    with op.batch_alter_table("mentor_stories", schema=None) as batch_op:
        batch_op.drop_column("replied_at")
    with op.batch_alter_table("review_links", schema=None) as batch_op:
        batch_op.drop_column("decision_notified_at")
    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.drop_column("hosts_notified_at")
    op.drop_table("mail_opt_outs")
    op.drop_index("ix_outbox_messages_due", table_name="outbox_messages")
    op.drop_index("ix_outbox_messages_show_id", table_name="outbox_messages")
    op.drop_table("outbox_messages")
