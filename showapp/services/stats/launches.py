"""Each episode's first 24 hours, 7, 30 and 90 days, next to the show's median at that age.

Days are the show's local days (Show.timezone) from the episode's local publication day; the
first 24 hours are counted from the downloads themselves, from the moment of publication.
A median only takes episodes old enough to have finished that window, so a week-old episode
is compared with what other episodes did in their whole first week.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from showapp.columns import UTCDateTime
from showapp.models import DailyDownloads, Download, Episode, Show
from showapp.services.stats.counting import WINDOW, show_zone
from showapp.services.stats.rollups import of_show, to_csv

# The windows compared, by the name of their column, in days (the first is 24 hours).
AGES = {"first_day": 1, "first_7_days": 7, "first_30_days": 30, "first_90_days": 90}
LABELS = {
    "first_day": "First 24 hours",
    "first_7_days": "First 7 days",
    "first_30_days": "First 30 days",
    "first_90_days": "First 90 days",
}
CHUNK = 200  # episodes per query for the first 24 hours


@dataclass(frozen=True)
class EpisodeLaunch:
    title: str
    published: date  # the show's local day
    published_at: datetime
    first_day: int  # the first 24 hours
    first_7_days: int
    first_30_days: int
    first_90_days: int
    all_time: int

    def figure(self, age: str) -> int:
        value: int = getattr(self, age)
        return value

    def complete(self, age: str, now: datetime, today: date) -> bool:
        """Whether the episode is past that window (else its figure is "so far")."""
        if age == "first_day":
            return now >= self.published_at + WINDOW
        return (today - self.published).days >= AGES[age]


def episode_launches(session: Session, show_id: int) -> list[EpisodeLaunch]:
    """Each published episode's first days side by side, newest first."""
    zone = show_zone(session.scalar(select(Show.timezone).where(Show.id == show_id)))
    episodes = session.execute(
        select(Episode.id, Episode.title, Episode.published_at, Episode.deleted_at)
        .where(Episode.show_id == show_id, Episode.published_at.is_not(None))
        .order_by(Episode.published_at.desc())
    ).all()
    daily: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for episode_id, day, n in session.execute(
        select(DailyDownloads.episode_id, DailyDownloads.day, func.sum(DailyDownloads.downloads))
        .where(of_show(show_id))
        .group_by(DailyDownloads.episode_id, DailyDownloads.day)
    ):
        daily[episode_id].append((day, int(n)))
    first_day = _first_24_hours(session, [(e.id, e.published_at) for e in episodes])
    launches = []
    for episode_id, title, published_at, deleted_at in episodes:
        start = published_at.astimezone(zone).date()
        days = daily[episode_id]

        def within(span: int, days: list[tuple[date, int]] = days, start: date = start) -> int:
            return sum(n for day, n in days if (day - start).days < span)

        launches.append(
            EpisodeLaunch(
                # Deleted episodes keep their row and figures (trash.py), so totals still add up.
                title=f"(deleted) {title}" if deleted_at else title,
                published=start,
                published_at=published_at,
                first_day=first_day.get(episode_id, 0),
                first_7_days=within(7),
                first_30_days=within(30),
                first_90_days=within(90),
                all_time=sum(n for _, n in days),
            )
        )
    return launches


def _first_24_hours(session: Session, episodes: Sequence[tuple[int, datetime]]) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(episodes), CHUNK):
        chunk = list(episodes[start : start + CHUNK])
        chunk += [(0, _EPOCH)] * (CHUNK - len(chunk))  # no episode 0: one statement shape
        params: dict[str, Any] = {}
        for n, (id_, published_at) in enumerate(chunk):
            params[f"id_{n}"], params[f"until_{n}"] = id_, published_at + WINDOW
        found.update({id_: int(n) for id_, n in session.execute(_first_day_counts(), params)})
    return found


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@cache
def _first_day_counts() -> Select[tuple[int, int]]:
    """Downloads in each of CHUNK episodes' first 24 hours, built once per process: building
    and compiling the 200-window condition anew took 160 ms a page for a 1,000-episode show."""
    windows = [
        and_(
            Download.episode_id == bindparam(f"id_{n}"),
            Download.counted_at < bindparam(f"until_{n}", type_=UTCDateTime()),
        )
        for n in range(CHUNK)
    ]
    return (
        select(Download.episode_id, func.count()).where(or_(*windows)).group_by(Download.episode_id)
    )


def medians(
    launches: Sequence[EpisodeLaunch], now: datetime, today: date
) -> dict[str, float | None]:
    """The show's median for each window, over the episodes that have finished it."""
    result: dict[str, float | None] = {}
    for age in AGES:
        done = [launch.figure(age) for launch in launches if launch.complete(age, now, today)]
        result[age] = statistics.median(done) if done else None
    return result


def launches_csv(launches: Sequence[EpisodeLaunch]) -> str:
    return to_csv(
        ["episode", "published", *AGES, "all_time"],
        [
            (e.title, e.published.isoformat(), *(e.figure(age) for age in AGES), e.all_time)
            for e in launches
        ],
    )


def median_for(value: float | None) -> str:
    """A median as the page shows it: whole when it is, else with one decimal; – for none."""
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
