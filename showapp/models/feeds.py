"""Rendered feeds shared by every worker process, the stamp that says when they are stale, and
the log of which episodes each stamp changed (so a rebuild can re-render just those)."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import Executable, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from showapp.columns import UTCDateTime
from showapp.models.base import Base


class CatalogStamp(Base):
    """One row whose version goes up in every transaction that changes what a feed shows.

    The UPDATE takes a row lock, so concurrent writers get distinct, ordered versions.
    """

    __tablename__ = "catalog_stamps"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class FeedCache(Base):
    """A feed as served: its validators and what makes it stale. The bytes live in files named
    by `digest` (plain, gzip and item index; see services/feeds/files.py), which every worker
    on the host shares and sends with sendfile()."""

    __tablename__ = "feed_cache"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    catalog_version: Mapped[int] = mapped_column(Integer)
    etag: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(80))
    # A moved feed: the old URL answers 301 to this address (served from the cache, too).
    redirect_to: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime())
    # The earliest scheduled episode still to go live: the feed is stale from that instant on.
    next_go_live: Mapped[datetime | None] = mapped_column(UTCDateTime())
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())


E = TypeVar("E", bound=Executable)
# The execution option that says which one episode a bulk statement changes (of_episode).
EPISODE_OPTION = "feed_episode"


def of_episode(statement: E, episode_id: int) -> E:
    """A bulk statement (DELETE, INSERT) that changes one episode's credits, topics, chapters
    or soundbites only: logged as that episode's change, so feeds splice its item in. The
    stamp events cannot read the episode off a statement, and log others as changing
    anything (every feed rebuilt whole: a host's every save, on a 1,000-episode show)."""
    return statement.execution_options(**{EPISODE_OPTION: episode_id})


class FeedChange(Base):
    """What one catalog stamp changed: an episode (its row, guests credited, chapters,
    transcripts, soundbites), or anything else (episode_id None: rebuild every feed whole)."""

    __tablename__ = "feed_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, index=True)
    episode_id: Mapped[int | None] = mapped_column(Integer)
