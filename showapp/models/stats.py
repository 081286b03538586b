"""Download statistics: raw media requests, counted downloads and their daily rollups.

No table here holds an IP address: requests carry a listener key, a hash of address and user
agent under a salt that lives one day (two, so that a listener can be followed across midnight).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from showapp.columns import UTCDateTime
from showapp.models.base import Base

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT for a long history.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class ListenerSalt(Base):
    __tablename__ = "listener_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


class MediaRequest(Base):
    """One GET or HEAD of an episode's audio, as recorded after the response."""

    __tablename__ = "media_requests"
    # The rollup reads only rows it has not counted, in id order.
    __table_args__ = (
        Index(
            "ix_media_requests_uncounted",
            "id",
            postgresql_where=text("NOT counted"),
            sqlite_where=text("counted = 0"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    method: Mapped[str] = mapped_column(String(8))
    listener_key: Mapped[str] = mapped_column(String(32))
    # The same listener under yesterday's salt: links a request after midnight to one before.
    previous_key: Mapped[str] = mapped_column(String(32))
    range_start: Mapped[int] = mapped_column(BigInteger)
    # The bytes delivered, as (first, last) inclusive; (0, -1) when none went out. Through the
    # app that is what the server actually sent; behind X-Accel (bytes_sent None) what was asked.
    range_end: Mapped[int] = mapped_column(BigInteger)
    # Body bytes the app saw go out; None when nginx or Apache sent the file (X-Accel/X-Sendfile).
    bytes_sent: Mapped[int | None] = mapped_column(BigInteger)
    # ISO 3166 country of the address, looked up when the hit was stored; "" when unknown.
    country: Mapped[str] = mapped_column(String(2), default="", server_default="")
    user_agent: Mapped[str] = mapped_column(String(512), default="")
    source: Mapped[str] = mapped_column(String(16))
    app: Mapped[str] = mapped_column(String(128), default="")
    platform: Mapped[str] = mapped_column(String(128), default="")
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set by the rollup that read the row. Not an id cursor: PostgreSQL assigns ids at insert
    # but shows rows at commit, so a batch committing late with lower ids would be skipped.
    counted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class EpisodeAudioName(Base):
    """A name an episode's audio file had before retagging or new audio renamed it: players
    still fetch the old URL for a while, and their hits belong to the episode."""

    __tablename__ = "episode_audio_names"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )


class ListenerWindow(Base):
    """Progress of one listener on one episode within the current 24-hour window."""

    __tablename__ = "listener_windows"

    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True
    )
    listener_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    counted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Byte ranges seen in the window, merged: [[start, end], ...], so retried ranges add nothing.
    ranges: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Download(Base):
    """A counted download (IAB style): once per listener, episode and 24 hours."""

    __tablename__ = "downloads"
    __table_args__ = (Index("ix_downloads_day_episode", "day", "episode_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The day in the show's time zone (Show.timezone), as the host reads their figures.
    day: Mapped[date] = mapped_column(Date)
    app: Mapped[str] = mapped_column(String(128), default="")
    platform: Mapped[str] = mapped_column(String(128), default="")
    source: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2), default="", server_default="")


class DailyDownloads(Base):
    """Downloads per local day, episode, app, platform, source and country; shows, topics and
    guests sum these."""

    __tablename__ = "daily_downloads"
    __table_args__ = (
        UniqueConstraint(
            "day",
            "episode_id",
            "app",
            "platform",
            "source",
            "country",
            name="uq_daily_downloads_key",
        ),
        # A show's figures read its episodes' days: without this the whole network's rows
        # of the period were read and filtered by show (migration 0025).
        Index("ix_daily_downloads_episode_day", "episode_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    app: Mapped[str] = mapped_column(String(128))
    platform: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2), default="", server_default="")
    downloads: Mapped[int] = mapped_column(Integer)


class EpisodeDay(Base):
    """An episode's downloads on a local day, whatever the app, platform, source or country,
    with its show: daily_downloads summed when a day is rolled up, so the studio home reads a
    row per episode-day instead of joining every daily row to its episode (250 ms at
    100,000 episodes). Derived: rollups.rebuild_day and refresh_show_episode_days write it."""

    __tablename__ = "episode_days"
    # Every network figure reads a period of days for some shows, and sums downloads by show
    # or by episode: all from this index.
    __table_args__ = (Index("ix_episode_days_period", "day", "show_id", "episode_id", "downloads"),)

    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    downloads: Mapped[int] = mapped_column(Integer)


class ShowDay(Base):
    """A show's downloads on a local day: episode_days summed per show, written with them, so
    the studio home's 90 days of every show read a row per show-day instead of each
    episode-day (14 ms at 100,000 episodes, for 60,000 rows)."""

    __tablename__ = "show_days"

    show_id: Mapped[int] = mapped_column(
        ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    downloads: Mapped[int] = mapped_column(Integer)


class HeardEpisode(Base):
    """An episode's downloads in its show's last 7 and last 30 local days, as they were when
    the rollup last ran (the stats cursor `heard` says when): the studio home's top lists
    start from these few rows instead of summing 30 days of episode_days per view (34 ms
    at 100,000 episodes). A show whose local today has moved on since is read live."""

    __tablename__ = "heard_episodes"

    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True
    )
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    week: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)


class StatsCursor(Base):
    """When the rollup last ran; last_id is the highest request id it has read (for
    information: which rows are counted is media_requests.counted)."""

    __tablename__ = "stats_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    # When a rollup last ran to the end, shown on the dashboard; None before the first one.
    rolled_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
