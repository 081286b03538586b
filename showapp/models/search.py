"""The search index: one plain row per public episode, the text that search matches.

The database's own full-text machinery sits on top of this table and is created by the
migrations, not the models: on SQLite two FTS5 virtual tables kept in step by triggers (every
column, and the titles alone, which search lists first), an expression GIN index on
PostgreSQL. Autogenerate and the schema test skip those objects.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from showapp.columns import UTCDateTime
from showapp.models.base import Base

FULLTEXT_PREFIX = "search_fts"


class SearchDocument(Base):
    __tablename__ = "search_documents"

    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    show_id: Mapped[int] = mapped_column(Integer, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    guests: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[str] = mapped_column(Text, default="")
    transcript: Mapped[str] = mapped_column(Text, default="")


class SiteRevision(Base):
    """One row whose number goes up with every commit that changes a public page.

    Page caches key on it, so every process drops stale pages on the next request."""

    __tablename__ = "site_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


def is_fulltext_object(name: str | None, type_: str, parent_names: object) -> bool:
    """True for the database-specific full-text tables and indexes the migration creates."""
    return bool(name) and str(name).startswith(FULLTEXT_PREFIX)
