"""What the studio home shows for each show a host works on: how many episodes, the next one
scheduled, the ones waiting for a guest's approval, and the downloads of the last 7 days."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.models import Episode, EpisodeStatus, ReviewDecision, ReviewLink, Show
from showapp.services.review import links
from showapp.services.stats import network

SPARK_DAYS = 7


@dataclass(frozen=True)
class Waiting:
    episode: Episode
    guests: list[str]  # invited guests who have not approved yet


@dataclass(frozen=True)
class ShowOverview:
    show: Show
    episodes: int
    next_scheduled: Episode | None
    waiting: list[Waiting]
    per_day: list[tuple[date, int]]

    @property
    def downloads(self) -> int:
        return sum(count for _, count in self.per_day)


def overview(session: Session, show: Show, today: date, now: datetime) -> ShowOverview:
    return overviews(session, [show], today, now)[0]


def overviews(
    session: Session,
    shows: Sequence[Show],
    today: date,
    now: datetime,
    daily: dict[int, dict[date, int]] | None = None,
) -> list[ShowOverview]:
    """Each show's overview, in the order given, from five queries whatever the number of
    shows (the studio home of a 100-show network ran five a show). `daily`: downloads per day
    by show already read (network.NetworkSummary.daily) covering the last SPARK_DAYS."""
    ids = [show.id for show in shows]
    first = today - timedelta(days=SPARK_DAYS - 1)
    counts = _episode_counts(session, ids)
    scheduled = _next_scheduled(session, ids, now)
    waiting: dict[int, list[Waiting]] = defaultdict(list)
    for episode in _awaiting_approval(session, ids):
        waiting[episode.show_id].append(Waiting(episode, links.missing_approvals(session, episode)))
    if daily is None:
        daily = network.daily_by_show(session, dict.fromkeys(ids, today), SPARK_DAYS)
    days = [first + timedelta(days=n) for n in range(SPARK_DAYS)]
    return [
        ShowOverview(
            show=show,
            episodes=counts.get(show.id, 0),
            next_scheduled=scheduled.get(show.id),
            waiting=waiting.get(show.id, []),
            per_day=[(day, daily.get(show.id, {}).get(day, 0)) for day in days],
        )
        for show in shows
    ]


def _episode_counts(session: Session, show_ids: list[int]) -> dict[int, int]:
    query = (
        select(Episode.show_id, func.count())
        .where(Episode.show_id.in_(show_ids))
        .group_by(Episode.show_id)
    )
    return {show_id: int(n) for show_id, n in session.execute(query)}


def _next_scheduled(session: Session, show_ids: list[int], now: datetime) -> dict[int, Episode]:
    query = (
        select(Episode)
        .where(
            Episode.show_id.in_(show_ids),
            Episode.status == EpisodeStatus.SCHEDULED,
            Episode.published_at > now,
        )
        .order_by(Episode.published_at.desc(), Episode.id.desc())
    )
    # Latest first, so each show keeps its earliest.
    return {episode.show_id: episode for episode in session.scalars(query)}


def _awaiting_approval(session: Session, show_ids: list[int]) -> list[Episode]:
    """Unpublished episodes with a live review link whose guest has not approved."""
    pending = select(ReviewLink.episode_id).where(
        ReviewLink.revoked_at.is_(None), ReviewLink.decision != ReviewDecision.APPROVED
    )
    # IN, not a join with DISTINCT: PostgreSQL cannot compare the episode's JSON columns.
    query = (
        select(Episode)
        .where(
            Episode.show_id.in_(show_ids),
            Episode.status.in_((EpisodeStatus.DRAFT, EpisodeStatus.SCHEDULED)),
            Episode.id.in_(pending),
        )
        .order_by(Episode.id)
    )
    return list(session.scalars(query))
