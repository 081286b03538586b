"""What the studio home shows for each show a host works on: how many episodes, the next one
scheduled, the ones waiting for a guest's approval, and the downloads of the last 7 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.models import Episode, EpisodeStatus, ReviewDecision, ReviewLink, Show
from showapp.services.review import links
from showapp.services.stats import rollups

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
    first = today - timedelta(days=SPARK_DAYS - 1)
    return ShowOverview(
        show=show,
        episodes=_episode_count(session, show),
        next_scheduled=_next_scheduled(session, show, now),
        waiting=[
            Waiting(episode, links.missing_approvals(session, episode))
            for episode in _awaiting_approval(session, show)
        ],
        per_day=rollups.downloads_per_day(session, show.id, first, today),
    )


def _episode_count(session: Session, show: Show) -> int:
    query = select(func.count()).select_from(Episode).where(Episode.show_id == show.id)
    return int(session.scalar(query) or 0)


def _next_scheduled(session: Session, show: Show, now: datetime) -> Episode | None:
    query = (
        select(Episode)
        .where(
            Episode.show_id == show.id,
            Episode.status == EpisodeStatus.SCHEDULED,
            Episode.published_at > now,
        )
        .order_by(Episode.published_at)
        .limit(1)
    )
    return session.scalars(query).first()


def _awaiting_approval(session: Session, show: Show) -> list[Episode]:
    """Unpublished episodes with a live review link whose guest has not approved."""
    pending = select(ReviewLink.episode_id).where(
        ReviewLink.revoked_at.is_(None), ReviewLink.decision != ReviewDecision.APPROVED
    )
    # IN, not a join with DISTINCT: PostgreSQL cannot compare the episode's JSON columns.
    query = (
        select(Episode)
        .where(
            Episode.show_id == show.id,
            Episode.status.in_((EpisodeStatus.DRAFT, EpisodeStatus.SCHEDULED)),
            Episode.id.in_(pending),
        )
        .order_by(Episode.id)
    )
    return list(session.scalars(query))
