"""The advice loop: advice given in episodes, what listeners report back, follow-ups hosts
set, mentor and sponsor links between guests, and listeners' own mentor stories."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from showapp.columns import UTCDateTime, created_at
from showapp.models.base import Base, str_enum


class Moderation(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class GuestLinkKind(enum.StrEnum):
    # The article's distinction: a mentor advises; a sponsor puts their reputation on the
    # line for the other person.
    MENTOR = "mentor"
    SPONSOR = "sponsor"


class Advice(Base):
    """One piece of advice said in an episode, by the guest who gave it."""

    __tablename__ = "advice"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    # Kept when the guest is purged: the advice was still said in the episode.
    guest_id: Mapped[int | None] = mapped_column(
        ForeignKey("guests.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(String(280))
    start_seconds: Mapped[float | None] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[created_at]


class AdviceReport(Base):
    """A listener's "I tried this": what happened when they took the advice."""

    __tablename__ = "advice_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_id: Mapped[int] = mapped_column(ForeignKey("advice.id", ondelete="CASCADE"), index=True)
    story: Mapped[str] = mapped_column(Text)
    # The listener's own words when the host shortened the story; "" while unedited.
    original_story: Mapped[str] = mapped_column(Text, default="", server_default="")
    name: Mapped[str] = mapped_column(String(80))  # a name or initials, shown if published
    # Only for a reply from the host; never shown.
    email: Mapped[str] = mapped_column(String(255), default="")
    consent_to_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[Moderation] = mapped_column(
        str_enum(Moderation), default=Moderation.PENDING, index=True
    )
    host_reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the guest's digest carried this report, so each report is mailed once.
    guest_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[created_at]


class FollowUp(Base):
    """A host's reminder to go back to a guest, or to a piece of advice, on a date."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guests.id", ondelete="CASCADE"))
    advice_id: Mapped[int | None] = mapped_column(ForeignKey("advice.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the "follow-ups due" mail carried it, so it is mailed once.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]


class GuestLink(Base):
    """One guest mentored or sponsored another."""

    __tablename__ = "guest_links"
    __table_args__ = (UniqueConstraint("from_guest_id", "to_guest_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The mentor or sponsor.
    from_guest_id: Mapped[int] = mapped_column(
        ForeignKey("guests.id", ondelete="CASCADE"), index=True
    )
    # The mentee or the person sponsored.
    to_guest_id: Mapped[int] = mapped_column(
        ForeignKey("guests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[GuestLinkKind] = mapped_column(str_enum(GuestLinkKind))
    note: Mapped[str] = mapped_column(String(280), default="")
    created_at: Mapped[created_at]


class MentorStory(Base):
    """A listener's story about their own mentor, sent to a show's open call."""

    __tablename__ = "mentor_stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    mentor_name: Mapped[str] = mapped_column(String(120), default="")
    story: Mapped[str] = mapped_column(Text)
    # The listener's own words when the host shortened the story; "" while unedited.
    original_story: Mapped[str] = mapped_column(Text, default="", server_default="")
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(255), default="")  # never shown
    consent_to_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[Moderation] = mapped_column(
        str_enum(Moderation), default=Moderation.PENDING, index=True
    )
    host_reply: Mapped[str] = mapped_column(Text, default="")
    # Set when the host's reply was mailed to the listener (migration 0029).
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Shown on the show's stories page once approved and published.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the host turned it into with one click, if anything.
    draft_episode_id: Mapped[int | None] = mapped_column(
        ForeignKey("episodes.id", ondelete="SET NULL")
    )
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guests.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
