"""Rich episode metadata: chapters, transcripts, soundbites, imported linked files, and redirects
for old slugs."""

from __future__ import annotations

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from showapp.columns import created_at
from showapp.models.base import Base


class Chapter(Base):
    __tablename__ = "chapters"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    start_seconds: Mapped[float] = mapped_column(Float)
    title: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(1024), default="")
    image: Mapped[str] = mapped_column(String(1024), default="")


class Transcript(Base):
    """One transcript per episode and language, kept in the format it was uploaded in."""

    __tablename__ = "transcripts"
    __table_args__ = (
        UniqueConstraint("episode_id", "language", name="uq_transcripts_episode_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    format: Mapped[str] = mapped_column(String(8))  # "vtt" or "srt"
    language: Mapped[str] = mapped_column(String(16), default="en")
    body: Mapped[str] = mapped_column(Text)
    # "Speaker: words" per cue, for the site and for search.
    plain_text: Mapped[str] = mapped_column(Text)
    speakers: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[created_at]


class Soundbite(Base):
    __tablename__ = "soundbites"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    start_seconds: Mapped[float] = mapped_column(Float)
    duration_seconds: Mapped[float] = mapped_column(Float)
    title: Mapped[str] = mapped_column(String(128), default="")


class SlugRedirect(Base):
    """An old guest or topic slug (renamed or merged away) and the entity it now points to."""

    __tablename__ = "slug_redirects"
    __table_args__ = (UniqueConstraint("kind", "old_slug", name="uq_slug_redirects_kind_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "guest" or "topic"
    old_slug: Mapped[str] = mapped_column(String(120))
    # Deleting the kept guest or topic drops its redirects with it.
    guest_id: Mapped[int | None] = mapped_column(
        ForeignKey("guests.id", ondelete="CASCADE"), index=True
    )
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[created_at]


class LinkedFile(Base):
    """A transcript or chapters file an imported feed names (podcast:transcript,
    podcast:chapters): republished from where it lives, or from our copy once the import's
    "download the media" fetched it (local_file, relative to the media folder)."""

    __tablename__ = "linked_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # "transcript" or "chapters"
    position: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str] = mapped_column(String(2048))
    mime: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(16), default="")
    rel: Mapped[str] = mapped_column(String(32), default="")
    local_file: Mapped[str | None] = mapped_column(String(255))
