"""Mail: the outbox every message goes through, and the addresses that asked for no more."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from showapp.columns import UTCDateTime, created_at
from showapp.models.base import Base, str_enum


class MailStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its next attempt
    SENT = "sent"
    FAILED = "failed"  # a permanent refusal, or out of attempts
    HELD = "held"  # no SMTP server is set: kept for the studio's outbox


class MailKind(enum.StrEnum):
    INVITE = "invite"
    REVIEW_LINK = "review_link"
    REVIEW_ACTIVITY = "review_activity"  # a guest's comments or decision, to the hosts
    DIGEST = "digest"  # the weekly advice digest, to a guest
    FOLLOW_UPS = "follow_ups"  # follow-ups due, to the hosts
    REPLY = "reply"  # a host's reply to a listener
    GUEST_INVITE = "guest_invite"  # a listener whose mentor story the host wants on the show


class OutboxMessage(Base):
    """One e-mail, queued in the transaction of the change it tells about."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    # Every message has a plain-text part; the HTML part is the same text, laid out.
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[MailKind] = mapped_column(str_enum(MailKind))
    # Hosts see their shows' mail in the outbox; mail of no one show is for admins.
    show_id: Mapped[int | None] = mapped_column(
        ForeignKey("shows.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Kept across retries, so a receiver can tell a retried message from a new one.
    message_id: Mapped[str] = mapped_column(String(255), default="")
    # The same digest or reminder is queued once, however often the runner looks.
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[created_at]
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MailOptOut(Base):
    """An address that asked for no more mail of one kind, or of any optional kind ("all")."""

    __tablename__ = "mail_opt_outs"
    __table_args__ = (UniqueConstraint("email", "kind", name="uq_mail_opt_outs_email_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255))  # lower-cased
    kind: Mapped[str] = mapped_column(String(32))  # a MailKind value, or "all"
    created_at: Mapped[created_at]
