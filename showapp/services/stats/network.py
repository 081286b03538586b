"""The studio home's answer to "how are my shows doing": every show's last 7, 30 and 90 days,
the week's top episodes, and the top topics and guests across the shows.

Each show's days are its own local days (Show.timezone): "the last 7 days" of a Sydney show
and of a London show end on their own todays, so the figures match each show's dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from showapp.models import Appearance, DailyDownloads, Episode, Guest, Show, Topic, episode_topics
from showapp.services.stats import rollups
from showapp.services.stats.counting import show_zone

TOP = 5
WEEK = 7
TOPICS_DAYS = 30


@dataclass(frozen=True)
class ShowFigures:
    slug: str
    title: str
    timezone: str
    totals: dict[int, int]  # 7, 30 and 90 days


@dataclass(frozen=True)
class TopEpisode:
    show_title: str
    show_slug: str
    title: str
    downloads: int


@dataclass(frozen=True)
class NetworkSummary:
    shows: list[ShowFigures]
    top_episodes: list[TopEpisode]  # the last 7 days
    top_topics: list[tuple[str, int]]  # the last 30 days
    top_guests: list[tuple[str, int]]

    @property
    def zones(self) -> list[str]:
        return sorted({show.timezone for show in self.shows})

    @property
    def has_downloads(self) -> bool:
        return any(show.totals[90] for show in self.shows)


def network_summary(session: Session, shows: Sequence[Show], now: datetime) -> NetworkSummary:
    """The figures of `shows` (those the signed-in user may see) at `now` (UTC)."""
    todays = {show.id: now.astimezone(show_zone(show.timezone)).date() for show in shows}
    return NetworkSummary(
        shows=[
            ShowFigures(
                show.slug,
                show.title,
                show_zone(show.timezone).key,
                rollups.totals(session, show.id, todays[show.id]),
            )
            for show in shows
        ],
        top_episodes=_top_episodes(session, todays),
        top_topics=_top_owners(session, Topic, _topic_links(), todays),
        top_guests=_top_owners(session, Guest, _guest_links(), todays),
    )


def _last_days(todays: dict[int, date], days: int) -> ColumnElement[bool]:
    """Each show's own last `days` local days."""
    if not todays:
        return false()
    return or_(
        *(
            and_(
                Episode.show_id == show_id,
                DailyDownloads.day.between(today - timedelta(days=days - 1), today),
            )
            for show_id, today in todays.items()
        )
    )


def _top_episodes(session: Session, todays: dict[int, date]) -> list[TopEpisode]:
    total = func.sum(DailyDownloads.downloads)
    query = (
        select(Show.title, Show.slug, Episode.title, total)
        .join(Episode, Episode.id == DailyDownloads.episode_id)
        .join(Show, Show.id == Episode.show_id)
        .where(_last_days(todays, WEEK))
        .group_by(Show.title, Show.slug, Episode.id, Episode.title)
        .order_by(total.desc(), Episode.title)
        .limit(TOP)
    )
    rows = session.execute(query)
    return [TopEpisode(show, slug, title, int(n)) for show, slug, title, n in rows]


def _topic_links() -> tuple[Any, Any]:
    links = episode_topics.c
    return links.topic_id, links.episode_id


def _guest_links() -> tuple[Any, Any]:
    appeared = select(Appearance.guest_id, Appearance.episode_id).distinct().subquery("appeared")
    return appeared.c.guest_id, appeared.c.episode_id


def _top_owners(
    session: Session,
    owner: type[Topic] | type[Guest],
    links: tuple[Any, Any],
    todays: dict[int, date],
) -> list[tuple[str, int]]:
    """Downloads of each topic's or guest's episodes across the shows, largest first."""
    owner_id, episode_id = links
    total = func.sum(DailyDownloads.downloads)
    query = (
        select(owner.name, total)
        .join_from(owner, episode_id.table, owner_id == owner.id)
        .join(DailyDownloads, DailyDownloads.episode_id == episode_id)
        .join(Episode, Episode.id == DailyDownloads.episode_id)
        .where(_last_days(todays, TOPICS_DAYS))
        .group_by(owner.name)
        .order_by(total.desc(), owner.name)
        .limit(TOP)
    )
    return [(name, int(n)) for name, n in session.execute(query)]
