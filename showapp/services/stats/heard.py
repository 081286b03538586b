"""Each heard episode's downloads in its show's last 7 and 30 local days, for the studio home's
top lists: worked out when the rollup runs (the only time the daily figures change) and kept
in heard_episodes, rather than summed from 30 days of episode_days on every view.

A show's rows hold for the local day they were worked out on. Past its midnight, until the
next rollup, that show is summed live again, so the lists never show a window that has moved
on: the figures are the same either way, only their cost differs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, false, func, insert, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from showapp.models import EpisodeDay, HeardEpisode, Show, StatsCursor
from showapp.services.stats.counting import local_today

CURSOR = "heard"
WEEK = 7
MONTH = 30


def local_todays(shows: list[tuple[int, str]], at: datetime) -> dict[int, date]:
    """Each show's local date at `at`, by id, from (id, time zone) pairs."""
    return {show_id: local_today(at, zone) for show_id, zone in shows}


def last_days(
    show_id: InstrumentedAttribute[int],
    day: InstrumentedAttribute[date],
    todays: dict[int, date],
    days: int,
) -> ColumnElement[bool]:
    """Each show's own last `days` local days: one condition per distinct local today (a
    network's shows share a few), not one per show."""
    if not todays:
        return false()
    by_today: dict[date, list[int]] = defaultdict(list)
    for one_show, today in todays.items():
        by_today[today].append(one_show)
    return or_(
        *(
            and_(show_id.in_(show_ids), day.between(today - timedelta(days=days - 1), today))
            for today, show_ids in sorted(by_today.items())
        )
    )


def refresh(session: Session, at: datetime) -> None:
    """Work the rows out again for every show's local today at `at` (the rollup's time)."""
    todays = local_todays(_every_show(session), at)
    session.execute(delete(HeardEpisode))
    columns = ["episode_id", "show_id", "month", "week"]
    session.execute(insert(HeardEpisode).from_select(columns, _summed(todays)))
    cursor = session.get(StatsCursor, CURSOR)
    if cursor is None:
        session.add(StatsCursor(name=CURSOR, last_id=0, rolled_up_at=at))
    else:
        cursor.rolled_up_at = at
    session.flush()


def is_current(session: Session, at: datetime) -> bool:
    """Whether the rows hold for every show's local today at `at`."""
    as_of = worked_out_at(session)
    if as_of is None:
        return False
    shows = _every_show(session)
    return local_todays(shows, as_of) == local_todays(shows, at)


def forget(session: Session) -> None:
    """Read every show live until the next refresh: after a writer of episode_days other
    than the rollup (an archive restore), or a show moved to another time zone."""
    session.execute(delete(StatsCursor).where(StatsCursor.name == CURSOR))


def worked_out_at(session: Session) -> datetime | None:
    cursor = session.get(StatsCursor, CURSOR)
    return cursor.rolled_up_at if cursor is not None else None


def per_episode(todays: dict[int, date], kept: dict[int, date]) -> Any:
    """(episode_id, show_id, downloads, week) of the shows in `todays`: from heard_episodes for
    those whose local today is the one the rows were worked out on (`kept`), summed live for
    the rest. Materialised, so that the three top lists read it once."""
    current = [show_id for show_id, today in todays.items() if kept.get(show_id) == today]
    stale = {show_id: today for show_id, today in todays.items() if show_id not in current}
    kept_rows = select(
        HeardEpisode.episode_id,
        HeardEpisode.show_id,
        HeardEpisode.month.label("downloads"),
        HeardEpisode.week,
    ).where(HeardEpisode.show_id.in_(current))
    if not stale:
        rows: Any = kept_rows
    elif not current:
        rows = _summed(stale)
    else:
        rows = kept_rows.union_all(_summed(stale))
    return rows.cte("heard").prefix_with("MATERIALIZED")


def _summed(todays: dict[int, date]) -> Any:
    return (
        select(
            EpisodeDay.episode_id,
            EpisodeDay.show_id,
            func.sum(EpisodeDay.downloads).label("downloads"),
            func.sum(_in_week(todays)).label("week"),
        )
        .where(last_days(EpisodeDay.show_id, EpisodeDay.day, todays, MONTH))
        .group_by(EpisodeDay.episode_id, EpisodeDay.show_id)
    )


def _in_week(todays: dict[int, date]) -> Any:
    return case(
        (last_days(EpisodeDay.show_id, EpisodeDay.day, todays, WEEK), EpisodeDay.downloads),
        else_=0,
    )


def _every_show(session: Session) -> list[tuple[int, str]]:
    return [(show_id, zone) for show_id, zone in session.execute(select(Show.id, Show.timezone))]
