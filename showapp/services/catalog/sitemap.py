"""The sitemap's addresses: each kind of public page counted, and read a slice at a time in
a stable order, so the index of a large network counts and each part reads only its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, null, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.db import rows
from showapp.models import Episode, Guest, Show, Topic
from showapp.services.catalog.lookups import is_live, listed_guest, listed_topic


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    path: tuple[str, ...]  # ("show", slug), ("episode", show, slug), ...
    last_modified: datetime | None


@dataclass(frozen=True)
class Addresses:
    """One kind of public page: how many, and those from start to stop (a slice)."""

    count: int
    read: Callable[[int, int], list[SitemapEntry]]

    @classmethod
    def listed(cls, entries: list[SitemapEntry]) -> Addresses:
        return cls(len(entries), lambda start, stop: entries[start:stop])


def catalog_addresses(session: Session) -> list[Addresses]:
    """Shows, live episodes, heard guests and topics with a live episode, each by id."""
    now = utc_now()
    show, episode = select(Show.slug, Show.updated_at), select(Show.slug, Episode.slug)
    kinds: list[tuple[str, Select[Any]]] = [
        ("show", show.where(Show.deleted_at.is_(None)).order_by(Show.id)),
        (
            "episode",
            episode.add_columns(Episode.updated_at)
            .join(Show, Show.id == Episode.show_id)
            .where(is_live(now))
            # The show listing index's order: a part's offset is skipped in the index, where
            # by id SQLite read and sorted every live episode's row (185 ms at 100,000).
            .order_by(Episode.show_id, Episode.published_at, Episode.id),
        ),
        ("guest", select(Guest.slug, null()).where(listed_guest(now)).order_by(Guest.id)),
        (
            "topic",
            select(Topic.slug, null()).where(listed_topic(now)).order_by(Topic.id),
        ),
    ]
    return [_counted(session, kind, query) for kind, query in kinds]


def read_addresses(kinds: Sequence[Addresses], start: int, stop: int) -> list[SitemapEntry]:
    """The addresses from start to stop of all kinds one after the other, reading only the
    kinds that slice reaches."""
    entries: list[SitemapEntry] = []
    before = 0
    for kind in kinds:
        first, last = max(start - before, 0), min(stop - before, kind.count)
        if first < last:
            entries += kind.read(first, last)
        before += kind.count
    return entries


def _counted(session: Session, kind: str, ordered: Select[Any]) -> Addresses:
    counting = select(func.count()).select_from(ordered.order_by(None).subquery())
    count = session.scalar(counting) or 0

    def read(start: int, stop: int) -> list[SitemapEntry]:
        found = rows(session, ordered.offset(start).limit(stop - start)).all()
        return [SitemapEntry((kind, *row[:-1]), row[-1]) for row in found]

    return Addresses(count, read)
