"""Apps and platforms week by week, and every daily figure of a show as one CSV."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.models import DailyDownloads, Episode
from showapp.services.stats import rollups
from showapp.services.stats.rollups import to_csv

WEEKS = 12
TOP = 4  # named columns; the rest are summed as "Other"
OTHER = "Other"


@dataclass(frozen=True)
class Trend:
    """Downloads per week (rows, oldest first) and per app or platform (columns)."""

    column: str
    labels: list[str]
    weeks: list[tuple[date, list[int]]]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())  # Mondays


def over_time(session: Session, show_id: int, column: str, today: date) -> Trend:
    """The last WEEKS weeks (the current one so far included) by `column` (app or platform):
    the TOP largest over the whole span get a column each, the rest one "Other"."""
    first = week_start(today) - timedelta(weeks=WEEKS - 1)
    field = getattr(DailyDownloads, column)
    query = (
        select(DailyDownloads.day, field, func.sum(DailyDownloads.downloads))
        .where(rollups.of_show(show_id), DailyDownloads.day.between(first, today))
        .group_by(DailyDownloads.day, field)
    )
    per_week: dict[date, Counter[str]] = defaultdict(Counter)
    overall: Counter[str] = Counter()
    for day, label, n in session.execute(query):
        name = label or "Unknown"
        per_week[week_start(day)][name] += int(n)
        overall[name] += int(n)
    ranked = [name for name, _ in sorted(overall.items(), key=lambda item: (-item[1], item[0]))]
    named, rest = ranked[:TOP], set(ranked[TOP:])
    labels = named + ([OTHER] if rest else [])
    weeks = []
    for n in range(WEEKS):
        start = first + timedelta(weeks=n)
        counts = per_week.get(start, Counter())
        row = [counts[name] for name in named]
        if rest:
            row.append(sum(counts[name] for name in rest))
        weeks.append((start, row))
    return Trend(column, labels, weeks)


def trend_csv(trend: Trend) -> str:
    return to_csv(
        ["week_starting", *trend.labels], [(start.isoformat(), *row) for start, row in trend.weeks]
    )


def everything_csv(session: Session, show_id: int) -> str:
    """Every daily row of the show, all time: day, episode, app, platform, source, country."""
    query = (
        select(
            DailyDownloads.day,
            Episode.slug,
            Episode.title,
            DailyDownloads.app,
            DailyDownloads.platform,
            DailyDownloads.source,
            DailyDownloads.country,
            DailyDownloads.downloads,
        )
        .join(Episode, Episode.id == DailyDownloads.episode_id)
        .where(Episode.show_id == show_id)
        .order_by(DailyDownloads.day, Episode.slug, DailyDownloads.id)
    )
    header = ["day", "episode_slug", "episode", "app", "platform", "source", "country"]
    return to_csv(
        [*header, "downloads"],
        [(day.isoformat(), *rest) for day, *rest in session.execute(query)],
    )
