"""Guest review: a link per guest of an unpublished episode, their comments and decision."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from showapp.columns import UTCDateTime, created_at
from showapp.models.base import Base, str_enum
from showapp.models.catalog import Episode, Guest


class ReviewDecision(enum.StrEnum):
    NONE = "none"
    CHANGES = "changes"
    APPROVED = "approved"


class CommentAnchor(enum.StrEnum):
    """What a comment is pinned to: a stretch of the audio, or a passage of text."""

    TIME = "time"
    NOTES = "notes"
    PROFILE = "profile"
    GENERAL = "general"


class ReviewLink(Base):
    """One guest's review of one episode. The URL carries a signed id and nonce; a new nonce
    invalidates every earlier URL for this guest."""

    __tablename__ = "review_links"
    __table_args__ = (UniqueConstraint("episode_id", "guest_id", name="uq_review_links_guest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    guest_id: Mapped[int] = mapped_column(ForeignKey("guests.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision: Mapped[ReviewDecision] = mapped_column(
        str_enum(ReviewDecision), default=ReviewDecision.NONE
    )
    decision_message: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The decision the hosts were last mailed about (a newer decided_at is mailed again).
    decision_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[created_at]

    episode: Mapped[Episode] = relationship(lazy="raise_on_sql")
    guest: Mapped[Guest] = relationship(lazy="raise_on_sql")
    comments: Mapped[list[ReviewComment]] = relationship(
        back_populates="link",
        lazy="raise_on_sql",
        cascade="all, delete-orphan",
        order_by="ReviewComment.id",
    )


class ReviewComment(Base):
    """A guest's comment, or a host's reply to one (reply_to set)."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("review_links.id", ondelete="CASCADE"), index=True
    )
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_comments.id", ondelete="CASCADE")
    )
    from_host: Mapped[bool] = mapped_column(default=False)
    anchor: Mapped[CommentAnchor] = mapped_column(
        str_enum(CommentAnchor), default=CommentAnchor.GENERAL
    )
    start_seconds: Mapped[float | None] = mapped_column(Float)
    end_seconds: Mapped[float | None] = mapped_column(Float)
    quote: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    # The form's one-time key: a double click or a resubmitted form stores the comment once.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    author_id: Mapped[int | None] = mapped_column(Integer)
    # Set when a guest's comment went out to the hosts in a "review activity" mail.
    hosts_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[created_at]

    link: Mapped[ReviewLink] = relationship(back_populates="comments", lazy="raise_on_sql")
