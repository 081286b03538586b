"""Rendered feeds shared by every worker process, and the stamp that says when they are stale."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
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
    """A feed as served: body, its gzip, validators, and what makes it stale."""

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
    # Bodies last: SQLite walks a record's columns in order, overflow pages included, so a
    # revalidation reading only the validators never touches these megabytes.
    body_gzip: Mapped[bytes] = mapped_column(LargeBinary)
    body: Mapped[bytes] = mapped_column(LargeBinary)
