"""What the studio's downloads page shows for one show, and each of its tables as CSV.

The figures come from the daily rollups (stats/rollups.py); this module picks the period,
gathers them into one value for the page and names the tables that can be exported.
Days are the show's local days (Show.timezone), as the rollup counts them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from showapp.errors import InvalidInput
from showapp.services.stats import counting, launches, rollups, trends

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
# The tables a host can download, by the name their CSV URL uses.
RANKED_TABLES = {
    "topics": ("topic", rollups.by_topic),
    "guests": ("guest", rollups.by_guest),
    "apps": ("app", rollups.by_app),
    "platforms": ("platform", rollups.by_platform),
    "sources": ("source", rollups.by_source),
    "countries": ("country", rollups.by_country),
}
TREND_TABLES = {"apps-over-time": "app", "platforms-over-time": "platform"}
TABLES = ("per-day", "totals", "episodes", *RANKED_TABLES, *TREND_TABLES, "everything")
# The episodes table shows the newest ones; its CSV holds them all. A 1,000-episode show's
# table was half the page's time and a long scroll past the figures a host came for.
LAUNCH_ROWS = 50


@dataclass(frozen=True)
class Share:
    """One row of a ranked table, with its size against the largest row (0-100) for a bar."""

    label: str
    downloads: int
    percent: float


@dataclass(frozen=True)
class Figure:
    """An episode's downloads in one window; `complete` is False while it is still open."""

    downloads: int
    complete: bool


@dataclass(frozen=True)
class Launch:
    """An episode's first 24 hours, 7, 30 and 90 days (by launches.AGES) and all time."""

    title: str
    published: date
    ages: dict[str, Figure]
    all_time: int


@dataclass(frozen=True)
class Dashboard:
    today: date
    period: int
    per_day: list[tuple[date, int]]
    totals: dict[int, int]
    launches: list[Launch]  # the newest LAUNCH_ROWS
    episode_count: int  # published episodes, all in the medians and the CSV
    ever_downloaded: bool  # any episode, shown or not
    medians: dict[str, str]  # per window of launches.AGES, as the page shows it
    ranked: dict[str, list[Share]]
    trends: dict[str, trends.Trend]
    rolled_up_at: datetime | None
    waiting: int
    timezone: str

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=self.period - 1)

    @property
    def has_downloads(self) -> bool:
        return self.ever_downloaded or self.totals[90] > 0


def period_from(raw: str | None) -> int:
    """The period in days from the page's ?days= (30 when absent)."""
    if raw is None or raw == "":
        return DEFAULT_PERIOD
    if not raw.isdigit() or int(raw) not in PERIODS:
        raise InvalidInput("The period must be 7, 30 or 90 days.")
    return int(raw)


def build_dashboard(
    session: Session, show_id: int, now: datetime, period: int, timezone: str = "UTC"
) -> Dashboard:
    """The page's figures; `now` is UTC, and today is the show's local day then."""
    today = counting.local_today(now, timezone)
    first = today - timedelta(days=period - 1)
    episodes = launches.episode_launches(session, show_id)
    return Dashboard(
        today=today,
        period=period,
        per_day=rollups.downloads_per_day(session, show_id, first, today),
        totals=rollups.totals(session, show_id, today),
        launches=[_launch(item, now, today) for item in episodes[:LAUNCH_ROWS]],
        episode_count=len(episodes),
        ever_downloaded=any(item.all_time for item in episodes),
        medians={
            age: launches.median_for(value)
            for age, value in launches.medians(episodes, now, today).items()
        },
        ranked={
            name: shares(query(session, show_id, first, today))
            for name, (_, query) in RANKED_TABLES.items()
        },
        trends={
            name: trends.over_time(session, show_id, column, today)
            for name, column in TREND_TABLES.items()
        },
        rolled_up_at=rollups.last_rollup(session),
        waiting=rollups.waiting_requests(session, show_id),
        timezone=counting.show_zone(timezone).key,
    )


def shares(rows: Sequence[tuple[str, int]]) -> list[Share]:
    largest = max((downloads for _, downloads in rows), default=0)
    return [
        Share(label, downloads, round(100 * downloads / largest, 1) if largest else 0.0)
        for label, downloads in rows
    ]


def _launch(launch: launches.EpisodeLaunch, now: datetime, today: date) -> Launch:
    return Launch(
        title=launch.title,
        published=launch.published,
        ages={
            age: Figure(launch.figure(age), launch.complete(age, now, today))
            for age in launches.AGES
        },
        all_time=launch.all_time,
    )


def export_csv(session: Session, show_id: int, table: str, today: date, period: int) -> str:
    """One table of the page as CSV, for the same period the page shows."""
    first = today - timedelta(days=period - 1)
    exports: dict[str, Callable[[], str]] = {
        "per-day": lambda: rollups.per_day_csv(
            rollups.downloads_per_day(session, show_id, first, today)
        ),
        "totals": lambda: rollups.totals_csv(rollups.totals(session, show_id, today)),
        "episodes": lambda: launches.launches_csv(launches.episode_launches(session, show_id)),
        "everything": lambda: trends.everything_csv(session, show_id),
    }
    if table in TREND_TABLES:
        return trends.trend_csv(trends.over_time(session, show_id, TREND_TABLES[table], today))
    if table in RANKED_TABLES:
        label, query = RANKED_TABLES[table]
        return rollups.ranked_csv(label, query(session, show_id, first, today))
    return exports[table]()


def csv_filename(show_slug: str, table: str, today: date, period: int) -> str:
    spans_period = table in RANKED_TABLES or table == "per-day"
    suffix = f"-{period}d" if spans_period else ""
    return f"{show_slug}-downloads-{table}{suffix}-{today.isoformat()}.csv"
