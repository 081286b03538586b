"""The studio home's answer to "how are my shows doing": every show's last 7, 30 and 90 days,
the week's top episodes, and the top topics and guests across the shows.

Each show's days are its own local days (Show.timezone): "the last 7 days" of a Sydney show
and of a London show end on their own todays, so the figures match each show's dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, literal, null, select, union_all
from sqlalchemy.orm import Session

from showapp.models import Episode, Show, ShowDay, Topic, episode_topics
from showapp.services.stats import heard
from showapp.services.stats.counting import show_zone
from showapp.services.stats.rollups import guests_heard

TOP = 5


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
    zones = [(show.id, show.timezone) for show in shows]
    todays = heard.local_todays(zones, now)
    as_of = heard.worked_out_at(session)
    kept = heard.local_todays(zones, as_of) if as_of is not None else {}
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
        **_top_lists(session, heard.per_episode(todays, kept)),
        daily=daily,
    )


def daily_by_show(
    session: Session, todays: dict[int, date], days: int
) -> dict[int, dict[date, int]]:
    """Downloads per day of each show's last `days` local days (days without any left out),
    by show id, in one query."""
    if not todays:
        return {}
    query = select(ShowDay.show_id, ShowDay.day, ShowDay.downloads).where(
        heard.last_days(ShowDay.show_id, ShowDay.day, todays, days)
    )
    found: dict[int, dict[date, int]] = {}
    for show_id, day, total in session.execute(query):
        found.setdefault(show_id, {})[day] = int(total)
    return found


def _totals(daily: dict[date, int], today: date) -> dict[int, int]:
    """Downloads in the last 7, 30 and 90 days, today included (as rollups.totals)."""
    totals = dict.fromkeys((7, 30, 90), 0)
    for day, downloads in daily.items():
        age = (today - day).days
        for span in totals:
            if 0 <= age < span:
                totals[span] += downloads
    return totals


def _top_lists(session: Session, episodes: Any) -> dict[str, Any]:
    """The week's top episodes and the month's top topics and guests, in one statement over
    one read of the days: each list read the 30 days' rows again (60,000 at 100,000
    episodes, most of the studio home's time), where one materialised read serves all three
    (the three lists took 65 ms there, one statement 37). `episodes` come from
    heard.per_episode."""
    week = (
        select(Show.title, Show.slug, Episode.title.label("name"), episodes.c.week.label("total"))
        .select_from(episodes)
        .join(Episode, Episode.id == episodes.c.episode_id)
        .join(Show, Show.id == Episode.show_id)
        .where(episodes.c.week > 0)
        .order_by(episodes.c.week.desc(), Episode.title)
        .limit(TOP)
        .subquery()
    )
    links = episode_topics.c
    month = func.sum(episodes.c.downloads)
    topics = (
        select(Topic.name, month.label("total"))
        .select_from(episodes)
        .join(episode_topics, links.episode_id == episodes.c.episode_id)
        .join(Topic, Topic.id == links.topic_id)
        .group_by(Topic.name)
        .order_by(month.desc(), Topic.name)
        .limit(TOP)
        .subquery()
    )
    guests = guests_heard(episodes).limit(TOP).subquery()
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
