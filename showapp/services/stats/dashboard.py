"""What the studio's downloads page shows for one show, and each of its tables as CSV.

The figures come from the daily rollups (stats/rollups.py); this module picks the period,
gathers them into one value for the page and names the tables that can be exported.
Days are UTC days, as the rollup counts them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from showapp.errors import InvalidInput
from showapp.services.stats import rollups

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
TABLES = ("per-day", "totals", "episodes", *RANKED_TABLES)


@dataclass(frozen=True)
class Share:
    """One row of a ranked table, with its size against the largest row (0-100) for a bar."""

    label: str
    downloads: int
    percent: float


@dataclass(frozen=True)
class Launch:
    """An episode's first days; a window still open (a recent episode) is marked as such."""

    title: str
    published: date
    first_7_days: int
    first_30_days: int
    all_time: int
    week_complete: bool
    month_complete: bool


@dataclass(frozen=True)
class Dashboard:
    today: date
    period: int
    per_day: list[tuple[date, int]]
    totals: dict[int, int]
    launches: list[Launch]
    ranked: dict[str, list[Share]]
    rolled_up_at: datetime | None
    waiting: int

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=self.period - 1)

    @property
    def has_downloads(self) -> bool:
        return any(launch.all_time for launch in self.launches) or self.totals[90] > 0


def period_from(raw: str | None) -> int:
    """The period in days from the page's ?days= (30 when absent)."""
    if raw is None or raw == "":
        return DEFAULT_PERIOD
    if not raw.isdigit() or int(raw) not in PERIODS:
        raise InvalidInput("The period must be 7, 30 or 90 days.")
    return int(raw)


def build_dashboard(session: Session, show_id: int, today: date, period: int) -> Dashboard:
    first = today - timedelta(days=period - 1)
    return Dashboard(
        today=today,
        period=period,
        per_day=rollups.downloads_per_day(session, show_id, first, today),
        totals=rollups.totals(session, show_id, today),
        launches=[_launch(item, today) for item in rollups.episode_launches(session, show_id)],
        ranked={
            name: shares(query(session, show_id, first, today))
            for name, (_, query) in RANKED_TABLES.items()
        },
        rolled_up_at=rollups.last_rollup(session),
        waiting=rollups.waiting_requests(session, show_id),
    )


def shares(rows: Sequence[tuple[str, int]]) -> list[Share]:
    largest = max((downloads for _, downloads in rows), default=0)
    return [
        Share(label, downloads, round(100 * downloads / largest, 1) if largest else 0.0)
        for label, downloads in rows
    ]


def _launch(launch: rollups.EpisodeLaunch, today: date) -> Launch:
    age = (today - launch.published).days
    return Launch(
        title=launch.title,
        published=launch.published,
        first_7_days=launch.first_7_days,
        first_30_days=launch.first_30_days,
        all_time=launch.all_time,
        week_complete=age >= 7,
        month_complete=age >= 30,
    )


def export_csv(session: Session, show_id: int, table: str, today: date, period: int) -> str:
    """One table of the page as CSV, for the same period the page shows."""
    first = today - timedelta(days=period - 1)
    exports: dict[str, Callable[[], str]] = {
        "per-day": lambda: rollups.per_day_csv(
            rollups.downloads_per_day(session, show_id, first, today)
        ),
        "totals": lambda: rollups.totals_csv(rollups.totals(session, show_id, today)),
        "episodes": lambda: rollups.launches_csv(rollups.episode_launches(session, show_id)),
    }
    if table in RANKED_TABLES:
        label, query = RANKED_TABLES[table]
        return rollups.ranked_csv(label, query(session, show_id, first, today))
    return exports[table]()


def csv_filename(show_slug: str, table: str, today: date, period: int) -> str:
    spans_period = table in RANKED_TABLES or table == "per-day"
    suffix = f"-{period}d" if spans_period else ""
    return f"{show_slug}-downloads-{table}{suffix}-{today.isoformat()}.csv"
