"""Rollups of counted downloads into daily figures, and the figures the studio dashboard shows.

`rollup` is incremental and idempotent: it reads only media requests not marked counted (and
marks them), and rebuilds the daily rows of the days that changed from the downloads table,
so a second run changes nothing. Shows, topics and guests are sums of the per-episode daily rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import (
    Appearance,
    DailyDownloads,
    Download,
    Episode,
    EpisodeDay,
    Guest,
    MediaRequest,
    ShowDay,
    StatsCursor,
    Topic,
    episode_topics,
)
from showapp.services.stats import counting, heard

CURSOR = "requests"
# Apps that re-host audio (Spotify, YouTube) play it from their own servers: not seen here.
REHOSTED_NOTE = (
    "Plays inside apps that copy the audio to their own servers (such as Spotify) never reach "
    "this server, so they are not counted here."
)


@dataclass(frozen=True)
class RollupReport:
    requests_read: int
    days_rebuilt: int


def rollup(session: Session, keep_requests_days: int = 0) -> RollupReport:
    """Count new requests as downloads and rebuild the daily figures of the days they touch.

    With keep_requests_days, raw requests older than that which were already counted are
    deleted; the downloads and daily figures made from them stay.
    """
    # The row lock makes concurrent rollups take turns.
    cursor = session.get(StatsCursor, CURSOR, with_for_update=True)
    if cursor is None:
        cursor = StatsCursor(name=CURSOR, last_id=0)
        session.add(cursor)
    counted = counting.count_downloads(session)
    cursor.last_id = max(cursor.last_id, counted.last_id)
    now = cursor.rolled_up_at = utc_now()
    for day in sorted(counted.touched):
        rebuild_day(session, day)
    if counted.touched or not heard.is_current(session, now):
        heard.refresh(session, now)
    newest = session.scalar(select(func.max(MediaRequest.requested_at)))
    if newest is not None:
        counting.prune_windows(session, newest)
        if keep_requests_days > 0:
            _delete_old_requests(session, newest - timedelta(days=keep_requests_days))
    session.flush()
    return RollupReport(requests_read=counted.read, days_rebuilt=len(counted.touched))


def last_rollup(session: Session) -> datetime | None:
    """When the figures were last rolled up; None if they never were."""
    cursor = session.get(StatsCursor, CURSOR)
    return cursor.rolled_up_at if cursor is not None else None


def waiting_requests(session: Session, show_id: int) -> int:
    """Requests for this show's audio recorded since the last rollup, not yet in the figures."""
    query = (
        select(func.count())
        .select_from(MediaRequest)
        .join(Episode, Episode.id == MediaRequest.episode_id)
        .where(Episode.show_id == show_id, ~MediaRequest.counted)
    )
    return int(session.scalar(query) or 0)


def _delete_old_requests(session: Session, before: datetime) -> None:
    session.execute(
        delete(MediaRequest).where(MediaRequest.requested_at < before, MediaRequest.counted)
    )


def rebuild_day(session: Session, day: date) -> None:
    session.execute(delete(DailyDownloads).where(DailyDownloads.day == day))
    grouped = (
        select(
            Download.day,
            Download.episode_id,
            Download.app,
            Download.platform,
            Download.source,
            Download.country,
            func.count().label("downloads"),
        )
        .where(Download.day == day)
        .group_by(
            Download.day,
            Download.episode_id,
            Download.app,
            Download.platform,
            Download.source,
            Download.country,
        )
    )
    rows = [dict(row._mapping) for row in session.execute(grouped)]
    if rows:
        session.execute(insert(DailyDownloads), rows)
    session.execute(delete(EpisodeDay).where(EpisodeDay.day == day))
    _add_episode_days(session, DailyDownloads.day == day)
    session.execute(delete(ShowDay).where(ShowDay.day == day))
    _add_show_days(session, EpisodeDay.day == day)


def refresh_show_episode_days(session: Session, show_id: int) -> None:
    """Write a show's episode_days and show_days again from its daily rows: after an archive
    import brought them (the rollup writes them itself). The heard episodes are read live
    until the next rollup works them out again."""
    session.execute(delete(EpisodeDay).where(EpisodeDay.show_id == show_id))
    _add_episode_days(session, Episode.show_id == show_id)
    session.execute(delete(ShowDay).where(ShowDay.show_id == show_id))
    _add_show_days(session, EpisodeDay.show_id == show_id)
    heard.forget(session)


def _add_episode_days(session: Session, where: ColumnElement[bool]) -> None:
    summed = (
        select(
            DailyDownloads.episode_id,
            DailyDownloads.day,
            Episode.show_id,
            func.sum(DailyDownloads.downloads),
        )
        .join(Episode, Episode.id == DailyDownloads.episode_id)
        .where(where)
        .group_by(DailyDownloads.episode_id, DailyDownloads.day, Episode.show_id)
    )
    columns = ["episode_id", "day", "show_id", "downloads"]
    session.execute(insert(EpisodeDay).from_select(columns, summed))


def _add_show_days(session: Session, where: ColumnElement[bool]) -> None:
    summed = (
        select(EpisodeDay.show_id, EpisodeDay.day, func.sum(EpisodeDay.downloads))
        .where(where)
        .group_by(EpisodeDay.show_id, EpisodeDay.day)
    )
    session.execute(insert(ShowDay).from_select(["show_id", "day", "downloads"], summed))


# --- dashboard figures ------------------------------------------------------------------


def of_show(show_id: int) -> ColumnElement[bool]:
    """Daily rows of the show's episodes, as an IN over them: SQLite then reads each episode's
    days through ix_daily_downloads_episode_day, where a join read every show's rows of the
    period (2 s for a dashboard at 100,000 episodes)."""
    return DailyDownloads.episode_id.in_(select(Episode.id).where(Episode.show_id == show_id))


def _show_daily(show_id: int) -> Select[tuple[date, int]]:
    return (
        select(DailyDownloads.day, func.sum(DailyDownloads.downloads))
        .where(of_show(show_id))
        .group_by(DailyDownloads.day)
    )


def downloads_per_day(
    session: Session, show_id: int, first: date, last: date
) -> list[tuple[date, int]]:
    """Every day from first to last with its downloads, zeros included, for the chart."""
    query = _show_daily(show_id).where(DailyDownloads.day.between(first, last))
    counts = {day: int(total) for day, total in session.execute(query)}
    days = (last - first).days + 1
    return [(d, counts.get(d, 0)) for d in (first + timedelta(n) for n in range(max(days, 0)))]


def totals(session: Session, show_id: int, today: date) -> dict[int, int]:
    """Downloads in the last 7, 30 and 90 days, today included."""
    series = downloads_per_day(session, show_id, today - timedelta(days=89), today)
    return {span: sum(count for _, count in series[-span:]) for span in (7, 30, 90)}


def _ranked(session: Session, query: Select[tuple[str, int]]) -> list[tuple[str, int]]:
    return [(name or "Unknown", int(total)) for name, total in session.execute(query)]


def _in_period(query: Select[tuple[str, int]], first: date, last: date) -> Select[tuple[str, int]]:
    return query.where(DailyDownloads.day.between(first, last))


def by_topic(session: Session, show_id: int, first: date, last: date) -> list[tuple[str, int]]:
    """Downloads of episodes on each topic; an episode on two topics counts for both."""
    heard = _heard(show_id, first, last)
    links = episode_topics.c
    total = func.sum(heard.c.downloads)
    query = (
        select(Topic.name, total.label("total"))
        .select_from(heard)
        .join(episode_topics, links.episode_id == heard.c.episode_id)
        .join(Topic, Topic.id == links.topic_id)
        .group_by(Topic.name)
        .order_by(total.desc(), Topic.name)
    )
    return _ranked(session, query)


def by_guest(session: Session, show_id: int, first: date, last: date) -> list[tuple[str, int]]:
    """Downloads of the episodes each guest appeared on (once per episode, however often
    credited); a guest in the trash is listed nowhere (restored, they are back with every
    figure)."""
    return _ranked(session, guests_heard(_heard(show_id, first, last)))


def guests_heard(heard: Any) -> Select[tuple[str, int]]:
    """Each guest's share of `heard` (episode_id, downloads rows): an episode counts once
    however often the guest is credited on it; a guest in the trash is left out."""
    appeared = (
        select(Appearance.guest_id, Appearance.episode_id)
        .distinct()
        .where(Appearance.episode_id.in_(select(heard.c.episode_id)))
        .subquery("appeared")
    )
    total = func.sum(heard.c.downloads)
    return (
        select(Guest.name, total.label("total"))
        .select_from(heard)
        .join(appeared, appeared.c.episode_id == heard.c.episode_id)
        .join(Guest, Guest.id == appeared.c.guest_id)
        .where(Guest.deleted_at.is_(None))
        .group_by(Guest.name)
        .order_by(total.desc(), Guest.name)
    )


def _heard(show_id: int, first: date, last: date) -> Any:
    """Downloads per episode of the show in the period. Topic and guest sums start from these
    few rows: starting from the links read every credit of the network (260 ms at 100,000
    episodes)."""
    return (
        select(DailyDownloads.episode_id, func.sum(DailyDownloads.downloads).label("downloads"))
        .where(of_show(show_id), DailyDownloads.day.between(first, last))
        .group_by(DailyDownloads.episode_id)
        .cte("heard")
    )


def _by_column(
    session: Session, column: str, show_id: int, first: date, last: date
) -> list[tuple[str, int]]:
    field = getattr(DailyDownloads, column)
    query = (
        select(field, func.sum(DailyDownloads.downloads).label("total"))
        .where(of_show(show_id))
        .group_by(field)
        .order_by(func.sum(DailyDownloads.downloads).desc(), field)
    )
    return _ranked(session, _in_period(query, first, last))


def by_app(session: Session, show_id: int, first: date, last: date) -> list[tuple[str, int]]:
    return _by_column(session, "app", show_id, first, last)


def by_platform(session: Session, show_id: int, first: date, last: date) -> list[tuple[str, int]]:
    return _by_column(session, "platform", show_id, first, last)


def by_source(session: Session, show_id: int, first: date, last: date) -> list[tuple[str, int]]:
    return _by_column(session, "source", show_id, first, last)


def by_country(session: Session, show_id: int, first: date, last: date) -> list[tuple[str, int]]:
    """Downloads per ISO country code ("Unknown" for addresses no registry assigns)."""
    return _by_column(session, "country", show_id, first, last)


# --- CSV --------------------------------------------------------------------------------


def to_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A CSV table; cells that a spreadsheet would run as a formula are quoted with a '."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_cell(cell) for cell in row])
    return out.getvalue()


def _safe_cell(cell: object) -> object:
    if isinstance(cell, str) and cell[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + cell
    return cell


def per_day_csv(series: Sequence[tuple[date, int]]) -> str:
    return to_csv(["day", "downloads"], [(day.isoformat(), n) for day, n in series])


def ranked_csv(label: str, rows: Sequence[tuple[str, int]]) -> str:
    """CSV for any by_* table: label is the first column's name (topic, guest, app...)."""
    return to_csv([label, "downloads"], rows)


def totals_csv(figures: dict[int, int]) -> str:
    return to_csv(["days", "downloads"], sorted(figures.items()))
