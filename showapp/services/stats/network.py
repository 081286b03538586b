"""The studio home's answer to "how are my shows doing": every show's last 7, 30 and 90 days,
the week's top episodes, and the top topics and guests across the shows.

Each show's days are its own local days (Show.timezone): "the last 7 days" of a Sydney show
and of a London show end on their own todays, so the figures match each show's dashboard.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from showapp.models import Episode, EpisodeDay, Show, Topic, episode_topics
from showapp.services.stats.counting import show_zone
from showapp.services.stats.rollups import guests_heard

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
    # Downloads per local day of each show's last 90 days, by show id (the cards reuse them).
    daily: dict[int, dict[date, int]] = field(default_factory=dict, repr=False)

    @property
    def zones(self) -> list[str]:
        return sorted({show.timezone for show in self.shows})

    @property
    def has_downloads(self) -> bool:
        return any(show.totals[90] for show in self.shows)


def network_summary(session: Session, shows: Sequence[Show], now: datetime) -> NetworkSummary:
    """The figures of `shows` (those the signed-in user may see) at `now` (UTC). A fixed
    number of queries, however many shows: the studio home of a 100-show network ran 500."""
    todays = {show.id: now.astimezone(show_zone(show.timezone)).date() for show in shows}
    daily = daily_by_show(session, todays, 90)
    return NetworkSummary(
        shows=[
            ShowFigures(
                show.slug,
                show.title,
                show_zone(show.timezone).key,
                _totals(daily.get(show.id, {}), todays[show.id]),
            )
            for show in shows
        ],
        **_top_lists(session, todays),
        daily=daily,
    )


def daily_by_show(
    session: Session, todays: dict[int, date], days: int
) -> dict[int, dict[date, int]]:
    """Downloads per day of each show's last `days` local days (days without any left out),
    by show id, in one query."""
    if not todays:
        return {}
    query = (
        select(EpisodeDay.show_id, EpisodeDay.day, func.sum(EpisodeDay.downloads))
        .where(_last_days(todays, days))
        .group_by(EpisodeDay.show_id, EpisodeDay.day)
    )
    found: dict[int, dict[date, int]] = {}
    for show_id, day, total in session.execute(query):
        found.setdefault(show_id, {})[day] = int(total)
    return found


def _totals(daily: dict[date, int], today: date) -> dict[int, int]:
    """Downloads in the last 7, 30 and 90 days, today included (as rollups.totals)."""
    return {
        span: sum(n for day, n in daily.items() if today - timedelta(days=span - 1) <= day <= today)
        for span in (7, 30, 90)
    }


def _last_days(todays: dict[int, date], days: int) -> ColumnElement[bool]:
    """Each show's own last `days` local days: one condition per distinct local today (a
    network's shows share a few), not one per show."""
    if not todays:
        return false()
    by_today: dict[date, list[int]] = defaultdict(list)
    for show_id, today in todays.items():
        by_today[today].append(show_id)
    return or_(
        *(
            and_(
                EpisodeDay.show_id.in_(show_ids),
                EpisodeDay.day.between(today - timedelta(days=days - 1), today),
            )
            for today, show_ids in sorted(by_today.items())
        )
    )


def _top_lists(session: Session, todays: dict[int, date]) -> dict[str, Any]:
    """The week's top episodes and the month's top topics and guests, in one statement over
    one read of the days: each list read the 30 days' rows again (60,000 at 100,000
    episodes, most of the studio home's time), where one materialised read serves all three
    (the three lists took 65 ms there, one statement 37)."""
    heard = _heard(todays)
    week = (
        select(Show.title, Show.slug, Episode.title.label("name"), heard.c.week.label("total"))
        .select_from(heard)
        .join(Episode, Episode.id == heard.c.episode_id)
        .join(Show, Show.id == Episode.show_id)
        .where(heard.c.week > 0)
        .order_by(heard.c.week.desc(), Episode.title)
        .limit(TOP)
        .subquery()
    )
    links = episode_topics.c
    month = func.sum(heard.c.downloads)
    topics = (
        select(Topic.name, month.label("total"))
        .select_from(heard)
        .join(episode_topics, links.episode_id == heard.c.episode_id)
        .join(Topic, Topic.id == links.topic_id)
        .group_by(Topic.name)
        .order_by(month.desc(), Topic.name)
        .limit(TOP)
        .subquery()
    )
    guests = guests_heard(heard).limit(TOP).subquery()
    # A union's parts share their columns: (list, show title, show slug, name, downloads).
    no_show = (null(), null())
    query = union_all(
        select(literal("episodes"), *week.c),
        select(literal("topics"), *no_show, *topics.c),
        select(literal("guests"), *no_show, *guests.c),
    )
    found: dict[str, Any] = {"top_episodes": [], "top_topics": [], "top_guests": []}
    for kind, show_title, show_slug, name, downloads in session.execute(query):
        if kind == "episodes":
            found["top_episodes"].append(TopEpisode(show_title, show_slug, name, int(downloads)))
        else:
            found[f"top_{kind}"].append((name, int(downloads)))
    return found


def _heard(todays: dict[int, date]) -> Any:
    """Downloads per episode in each show's last 30 days, and in its last 7: the few episodes
    heard drive the sums, where starting from the links read every tag of every episode.
    Materialised, so that the three lists read the days once."""
    week = case((_last_days(todays, WEEK), EpisodeDay.downloads), else_=0)
    return (
        select(
            EpisodeDay.episode_id,
            func.sum(EpisodeDay.downloads).label("downloads"),
            func.sum(week).label("week"),
        )
        .where(_last_days(todays, TOPICS_DAYS))
        .group_by(EpisodeDay.episode_id)
        .cte("heard")
        .prefix_with("MATERIALIZED")
    )
