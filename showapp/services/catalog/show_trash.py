"""The show trash, for admins: deleting a show moves it here, restoring takes it back, and after
TRASH_DAYS a purge removes its content and files for good.

A show in the trash (deleted_at set) is public nowhere: lookups.get_show() and list_shows()
leave it out, so its page and every episode page answer 410 (site/helpers.show_or_404), its
feeds 404 (feeds/queries.SHOW_BY_SLUG), and lookups.in_live_show() takes its episodes out of
every listing, the network feed, search and the sitemap; /media withholds its files (404, not
counted). Writing deleted_at bumps the feed stamp and the site revision (the session hooks
watch Show rows), so feeds rebuild and page caches empty as for any other edit. Episodes keep
their own state, so a restore brings the show back exactly as it was.

A purged show keeps a tombstone row (id, title, dates) with its episodes reduced
to theirs (trash.purge_episode): their GUIDs stay retired and the downloads already counted stay
in the daily rollups, and so in the network's totals. Its slug is freed (the tombstone takes
one no form accepts); until then the slug cannot be reused. Files go only after the purge has
committed (trash.remove_files).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import (
    DailyDownloads,
    Episode,
    ImportJob,
    ReviewLink,
    Show,
    episode_topics,
    show_hosts,
)
from showapp.services.catalog import trash
from showapp.services.catalog.artwork import COPY_SIZES, copy_name
from showapp.services.catalog.lookups import is_live
from showapp.storage import Storage

TRASH_DAYS = trash.TRASH_DAYS
# Not a slug any form or import accepts ("~" is never in one), so a freed slug never clashes.
TOMBSTONE_SLUG = "~purged-{id}"
# Show fields a tombstone keeps: who it was, and what its episodes' tombstones hang on.
_KEPT = {"id", "slug", "title", "podcast_guid", "created_at", "updated_at", "deleted_at",
         "purged_at"}  # fmt: skip


@dataclass(frozen=True)
class ShowLosses:
    """What deleting a show takes away, for the confirmation page."""

    episodes: int  # every episode not yet purged, trashed ones included
    live_episodes: int  # of which public now
    topic_feeds: int  # the show's topic feeds (one per topic it has live episodes on)
    files: int  # audio, artwork and copied transcripts/chapters of its episodes, its artwork
    review_links: int
    hosts: int
    downloads: int  # counted so far; they stay in the network's totals


def show_losses(session: Session, show: Show) -> ShowLosses:
    def count(query: object) -> int:
        return int(session.scalar(query) or 0)  # type: ignore[call-overload]

    own = Episode.show_id == show.id
    live = select(Episode.id).where(own, is_live(utc_now()))
    return ShowLosses(
        episodes=count(select(func.count()).where(own, Episode.purged_at.is_(None))),
        live_episodes=count(select(func.count()).select_from(live.subquery())),
        topic_feeds=count(
            select(func.count(func.distinct(episode_topics.c.topic_id))).where(
                episode_topics.c.episode_id.in_(live)
            )
        ),
        files=len(show_files(session, show)),
        review_links=count(
            select(func.count()).where(ReviewLink.episode_id.in_(select(Episode.id).where(own)))
        ),
        hosts=count(select(func.count()).where(show_hosts.c.show_id == show.id)),
        downloads=count(
            select(func.coalesce(func.sum(DailyDownloads.downloads), 0))
            .join(Episode, Episode.id == DailyDownloads.episode_id)
            .where(own)
        ),
    )


def show_files(session: Session, show: Show) -> list[str]:
    """The files under EPISODES_DIR that rows of this show name: its artwork and its episodes'."""
    names = _artwork_files(show.artwork)
    kept = (Episode.show_id == show.id, Episode.purged_at.is_(None))
    for episode in session.scalars(select(Episode).where(*kept)):
        names += trash.own_files(episode)
    return names + trash.copied_files(session, *kept)


def _artwork_files(artwork: str | None) -> list[str]:
    return [artwork] + [copy_name(artwork, size) for size in COPY_SIZES] if artwork else []


def trashed_show_files(session: Session) -> frozenset[str]:
    """Every file of every show in the trash: /media withholds them (404, not counted)."""
    shows = select(Show).where(Show.deleted_at.is_not(None), Show.purged_at.is_(None))
    return frozenset(name for show in session.scalars(shows) for name in show_files(session, show))


def any_show(session: Session) -> bool:
    """Any show at all, in the trash or purged included."""
    return session.scalars(select(Show.id).limit(1)).first() is not None


def trash_show(session: Session, show: Show, now: datetime | None = None) -> None:
    show.deleted_at = now or utc_now()
    session.flush()


def restore_show(session: Session, show: Show) -> None:
    """Back as it was: pages, feeds, media, and every episode in the state it had."""
    show.deleted_at = None
    session.flush()


def get_trashed_show(session: Session, show_id: int) -> Show | None:
    query = select(Show).where(
        Show.id == show_id, Show.deleted_at.is_not(None), Show.purged_at.is_(None)
    )
    return session.scalars(query).one_or_none()


def list_trashed_shows(session: Session) -> Sequence[Show]:
    """The show trash, most recently deleted first."""
    query = (
        select(Show)
        .where(Show.deleted_at.is_not(None), Show.purged_at.is_(None))
        .order_by(Show.deleted_at.desc(), Show.id.desc())
    )
    return session.scalars(query).all()


def purge_date(show: Show) -> datetime | None:
    if show.deleted_at is None:
        return None
    return show.deleted_at + timedelta(days=TRASH_DAYS)


def purge_show(
    session: Session, show: Show, storage: Storage, now: datetime | None = None
) -> list[str]:
    """Reduce a trashed show and its episodes to tombstones and return the files to remove
    once the transaction has committed (trash.remove_files): every file its rows name, and
    whatever else is left in its folder (old uploads, leftovers)."""
    if show.deleted_at is None or show.purged_at is not None:
        raise ValueError("Only a show in the trash can be purged.")
    now = now or utc_now()
    files = list(storage.names(f"{show.slug}/", hidden=True))
    episodes = select(Episode).where(Episode.show_id == show.id, Episode.purged_at.is_(None))
    for episode in session.scalars(episodes).all():
        episode.deleted_at = episode.deleted_at or now
        files += trash.purge_episode(session, episode, now)
    files += _artwork_files(show.artwork)
    session.execute(delete(show_hosts).where(show_hosts.c.show_id == show.id))
    session.execute(delete(ImportJob).where(ImportJob.show_id == show.id))
    _empty(show)
    show.slug = TOMBSTONE_SLUG.format(id=show.id)
    # podcast:guid derives from the feed URL, which a new show at this address takes over.
    show.podcast_guid = str(uuid.uuid4())
    show.purged_at = now
    session.flush()
    return sorted(set(files))


def _empty(show: Show) -> None:
    """Blank every field a tombstone does not keep (back to the column's default)."""
    for column in Show.__table__.columns:
        if column.key in _KEPT:
            continue
        default = column.default.arg if column.default is not None else None
        setattr(show, column.key, None if callable(default) else default)


def due_for_purge(session: Session, now: datetime | None = None) -> Sequence[Show]:
    cutoff = (now or utc_now()) - timedelta(days=TRASH_DAYS)
    query = (
        select(Show)
        .where(Show.deleted_at <= cutoff, Show.purged_at.is_(None))
        .order_by(Show.deleted_at, Show.id)
    )
    return session.scalars(query).all()


def purge_due(
    session: Session, storage: Storage, now: datetime | None = None
) -> tuple[int, list[str]]:
    """Purge every show whose TRASH_DAYS are over; returns how many, and the files to remove
    after the commit. Run again, it finds nothing left to do."""
    due = due_for_purge(session, now)
    files: list[str] = []
    for show in due:
        files += purge_show(session, show, storage, now)
    return len(due), files
