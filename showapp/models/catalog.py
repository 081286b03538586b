"""The catalog: shows, episodes, guests, appearances and topics."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    case,
    false,
    func,
    literal,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from showapp.columns import UTCDateTime, created_at, updated_at, utc_now
from showapp.models.base import Base, EpisodeStatus, EpisodeType, ShowType, str_enum

if TYPE_CHECKING:
    from showapp.models.accounts import User

episode_topics = Table(
    "episode_topics",
    Base.metadata,
    Column("episode_id", ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    # Copied from the episode by triggers (migration 0034) when a tag is added and when the
    # episode's status, time, trash or show change: its show, and its publication time while
    # it is published or scheduled and not in the trash (NULL otherwise). A topic page then
    # counts and lists the topic's live episodes inside ix_episode_topics_listed, newest first,
    # stopping at its page; through the episode rows it read every one of them (600 at
    # 100,000 episodes). The rule is lookups.is_live's; a migration that rebuilds this table or
    # episodes (batch mode on SQLite) must create the triggers again.
    Column("show_id", Integer),
    Column("listed_at", UTCDateTime()),
    # Related-episode and related-topic lookups start from the topic.
    Index("ix_episode_topics_topic", "topic_id", "episode_id"),
    Index("ix_episode_topics_listed", "topic_id", "listed_at", "episode_id", "show_id"),
)


class Show(Base):
    __tablename__ = "shows"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    subtitle: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(255), default="")
    owner_name: Mapped[str] = mapped_column(String(255), default="")
    owner_email: Mapped[str] = mapped_column(String(255), default="")
    language: Mapped[str] = mapped_column(String(16), default="en")
    category: Mapped[str] = mapped_column(String(64), default="")
    subcategory: Mapped[str] = mapped_column(String(64), default="")
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    show_type: Mapped[ShowType] = mapped_column(str_enum(ShowType), default=ShowType.EPISODIC)
    artwork: Mapped[str | None] = mapped_column(String(255))
    # Imported shows keep their artwork where the old host serves it until someone uploads one.
    artwork_url: Mapped[str | None] = mapped_column(String(2048))
    # The feed this show was imported from, so a second import updates it instead of forking.
    source_feed_url: Mapped[str | None] = mapped_column(String(2048))
    copyright: Mapped[str] = mapped_column(String(255), default="")
    website: Mapped[str] = mapped_column(String(255), default="")
    funding_url: Mapped[str] = mapped_column(String(255), default="")
    funding_text: Mapped[str] = mapped_column(String(128), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    podcast_guid: Mapped[str] = mapped_column(String(36), unique=True)
    # Subscribe buttons on the show page; the RSS button always links our own feed.
    apple_podcasts_url: Mapped[str] = mapped_column(String(255), default="", server_default="")
    spotify_url: Mapped[str] = mapped_column(String(255), default="", server_default="")
    overcast_url: Mapped[str] = mapped_column(String(255), default="", server_default="")
    pocket_casts_url: Mapped[str] = mapped_column(String(255), default="", server_default="")
    antennapod_url: Mapped[str] = mapped_column(String(255), default="", server_default="")
    youtube_music_url: Mapped[str] = mapped_column(String(255), default="", server_default="")
    castbox_url: Mapped[str] = mapped_column(String(255), default="", server_default="")
    podcast_addict_url: Mapped[str] = mapped_column(String(255), default="", server_default="")
    podcast_index_url: Mapped[str] = mapped_column(String(255), default="", server_default="")
    fountain_url: Mapped[str] = mapped_column(String(255), default="", server_default="")
    amazon_music_url: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # The show's brand colour (#rrggbb) for its pages; "" takes the network's.
    accent_color: Mapped[str] = mapped_column(String(7), default="", server_default="")
    # Feed settings: where the feed moved to (old URL answers 301), podcast:locked,
    # itunes:block, itunes:complete, podcast:medium and podcast:updateFrequency.
    new_feed_url: Mapped[str] = mapped_column(String(255), default="", server_default="")
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # podcast:locked's owner when it is not the owner e-mail (an imported lock keeps its owner).
    locked_owner: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # Podcasting 2.0 channel elements showapp does not model (value, location, license,
    # podroll...), kept from an import as sanitised element trees and republished as they came
    # (services/importing/p20.py; written back by feeds/podcast_namespace.write_kept).
    podcast_extras: Mapped[list[Any]] = mapped_column(JSON, default=list)
    itunes_block: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The channel's itunes:title, Apple's own name for the show when it differs from <title>
    # ("" writes none).
    itunes_title: Mapped[str] = mapped_column(String(255), default="", server_default="")
    complete: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    medium: Mapped[str] = mapped_column(String(16), default="podcast", server_default="podcast")
    update_frequency: Mapped[str] = mapped_column(String(128), default="", server_default="")
    update_rrule: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # Guest review: no scheduling or publishing until every invited guest approved.
    require_guest_approval: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # "Did you have a great mentor?": listeners may send stories while the call is open.
    mentor_call_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    mentor_call_prompt: Mapped[str] = mapped_column(Text, default="", server_default="")
    # In the trash since then (services/catalog/show_trash.py): public nowhere, restorable by
    # an admin for 30 days. Purged shows keep it, with purged_at: the row stays as the tombstone
    # its episodes' tombstones (retired GUIDs, counted downloads) hang on.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    episodes: Mapped[list[Episode]] = relationship(
        back_populates="show", lazy="raise_on_sql", cascade="all, delete-orphan"
    )
    hosts: Mapped[list[User]] = relationship(
        secondary="show_hosts", back_populates="shows", lazy="raise_on_sql"
    )


class Episode(Base):
    __tablename__ = "episodes"
    __table_args__ = (
        UniqueConstraint("show_id", "slug", name="uq_episodes_show_slug"),
        # Covers the show's public listing and its count (is_live reads all four), so deep
        # pages and the page count scan the index, not the table.
        Index("ix_episodes_show_listing", "show_id", "published_at", "id", "status", "deleted_at"),
        # Finds a feed's few trailers (its channel lists them) without reading every episode.
        Index("ix_episodes_type_show", "episode_type", "show_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text, default="")
    notes_md: Mapped[str] = mapped_column(Text, default="")
    # Sanitised HTML of the notes, which pages and feeds serve: rendered from notes_md whenever
    # that changes (so feeds never run Markdown); imported episodes arrive with HTML only.
    notes_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[EpisodeStatus] = mapped_column(
        str_enum(EpisodeStatus), default=EpisodeStatus.DRAFT, index=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    season: Mapped[int | None] = mapped_column(Integer)
    # podcast:season's name ("Breakfasts with Dr. Tim"), written with the season ("": none).
    season_name: Mapped[str] = mapped_column(String(128), default="", server_default="")
    number: Mapped[int | None] = mapped_column(Integer)
    # podcast:episode when it is not `number`: the namespace allows a decimal ("12.5"), where
    # itunes:episode (`number`) is a whole number. "" writes `number` there too.
    podcast_episode: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # podcast:episode's display ("Social Media"), what apps show instead of the number.
    episode_display: Mapped[str] = mapped_column(String(32), default="", server_default="")
    episode_type: Mapped[EpisodeType] = mapped_column(
        str_enum(EpisodeType), default=EpisodeType.FULL
    )
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    # Apple Podcasts only: itunes:block Yes hides the episode there (other apps still list
    # it), and itunes:title is the title Apple shows, without the episode and season numbers
    # its rules keep out of titles ("" writes none).
    itunes_block: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    itunes_title: Mapped[str] = mapped_column(String(255), default="", server_default="")
    artwork: Mapped[str | None] = mapped_column(String(255))
    artwork_url: Mapped[str | None] = mapped_column(String(2048))
    audio_file: Mapped[str | None] = mapped_column(String(255))
    # An imported enclosure that still lives on the old host (used when audio_file is unset).
    audio_url: Mapped[str | None] = mapped_column(String(2048))
    audio_bytes: Mapped[int | None] = mapped_column(Integer)
    audio_mime: Mapped[str | None] = mapped_column(String(64))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    bitrate: Mapped[int | None] = mapped_column(Integer)
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    channels: Mapped[int | None] = mapped_column(Integer)
    audio_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    # What an import found but has no home yet (podcast:transcript, podcast:chapters, the
    # original link), kept as {"transcripts": [{url, type, language, rel}], "chapters": {...}}.
    source_extras: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Item-level Podcasting 2.0 elements showapp does not model (value, alternateEnclosure,
    # location, license...), as Show.podcast_extras.
    podcast_extras: Mapped[list[Any]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # When listeners could first reach it: a page that was public answers 410 once withdrawn.
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A follow-up episode names the episode it follows up; both pages link the other.
    follows_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("episodes.id", ondelete="SET NULL"), index=True
    )
    # In the trash since then (services/catalog/trash.py): public nowhere, restorable for
    # 30 days, then purged.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Purged: files and content are gone; the row stays as a tombstone that keeps the GUID
    # retired and the downloads already counted attached to the show.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    show: Mapped[Show] = relationship(back_populates="episodes", lazy="raise_on_sql")
    appearances: Mapped[list[Appearance]] = relationship(
        back_populates="episode",
        lazy="raise_on_sql",
        cascade="all, delete-orphan",
        order_by="Appearance.position",
    )
    topics: Mapped[list[Topic]] = relationship(
        secondary=episode_topics,
        back_populates="episodes",
        lazy="raise_on_sql",
        order_by="Topic.name",
    )

    # Two hosts saving the same episode: the second UPDATE matches no row and fails loudly.
    __mapper_args__ = {"version_id_col": version}

    @property
    def has_audio(self) -> bool:
        """Audio a listener can play: our file, or an imported episode's still on its old host
        (audio_url, until its download; the feed's enclosure and the player use it)."""
        return self.audio_file is not None or bool(self.audio_url)

    @hybrid_property
    def effective_status(self) -> EpisodeStatus:
        """The status as it stands now: a scheduled episode whose time has come is published
        (it goes live by itself, with no worker to rewrite the row). What hosts see and what
        the studio's rules go by; in a query it is a SQL expression, for filters."""
        if self.status == EpisodeStatus.SCHEDULED and _has_come(self.published_at):
            return EpisodeStatus.PUBLISHED
        return self.status

    @effective_status.inplace.expression
    @classmethod
    def _effective_status_expression(cls) -> ColumnElement[EpisodeStatus]:
        come = and_(
            cls.status == EpisodeStatus.SCHEDULED,
            cls.published_at.is_not(None),
            cls.published_at <= utc_now(),
        )
        published = literal(EpisodeStatus.PUBLISHED, cls.status.type)
        return case((come, published), else_=cls.status)


def _has_come(moment: datetime | None) -> bool:
    return moment is not None and moment <= utc_now()


class Guest(Base):
    __tablename__ = "guests"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    bio: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(String(255))
    # An imported podcast:person img, used until someone uploads a photo.
    photo_url: Mapped[str | None] = mapped_column(String(2048))
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    organisation: Mapped[str] = mapped_column(String(255), default="")
    job_title: Mapped[str] = mapped_column(String(255), default="")
    # Private: for invitations, review links and advice digests; never shown publicly.
    email: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # Set by triggers (migration 0035), never by the app: the time of the guest's first live
    # episode, the earliest listed_at of their credits outside the shows in the trash (NULL:
    # none yet). The public directory lists a guest once it has come, inside an index, where
    # it grouped every live credit of the network (106 ms at 100,000 episodes).
    listed_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # In the trash since then (services/catalog/guest_trash.py): their page, feed and credits
    # are public nowhere; restorable for 30 days, then purged with their appearances.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[created_at]

    appearances: Mapped[list[Appearance]] = relationship(
        back_populates="guest", lazy="raise_on_sql", cascade="all, delete-orphan"
    )


# The directory walks the names in order and counts by listed_since, both without the trash.
Index(
    "ix_guests_directory",
    func.lower(Guest.name),
    Guest.id,
    Guest.listed_since,
    sqlite_where=Guest.deleted_at.is_(None),
    postgresql_where=Guest.deleted_at.is_(None),
)
Index(
    "ix_guests_listed_since",
    Guest.listed_since,
    sqlite_where=Guest.deleted_at.is_(None),
    postgresql_where=Guest.deleted_at.is_(None),
)


class Appearance(Base):
    """A guest on one episode, with their role and affiliation as of that interview."""

    __tablename__ = "appearances"
    __table_args__ = (
        UniqueConstraint("episode_id", "guest_id", "role", name="uq_appearances_role"),
        Index("ix_appearances_listed", "guest_id", "listed_at", "show_id", "episode_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    guest_id: Mapped[int] = mapped_column(ForeignKey("guests.id", ondelete="CASCADE"), index=True)
    # Podcasting 2.0 person taxonomy: role within group, e.g. "guest" in "cast".
    role: Mapped[str] = mapped_column(String(64), default="guest")
    group: Mapped[str] = mapped_column(String(64), default="cast")
    organisation: Mapped[str] = mapped_column(String(255), default="")
    job_title: Mapped[str] = mapped_column(String(255), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Copied from the episode by triggers (migration 0035), as episode_topics' are: its show,
    # and its publication time while published or scheduled and not in the trash.
    show_id: Mapped[int | None] = mapped_column(Integer)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    episode: Mapped[Episode] = relationship(back_populates="appearances", lazy="raise_on_sql")
    guest: Mapped[Guest] = relationship(back_populates="appearances", lazy="raise_on_sql")


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]

    episodes: Mapped[list[Episode]] = relationship(
        secondary=episode_topics, back_populates="topics", lazy="raise_on_sql"
    )
