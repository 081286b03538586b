"""The guest trash: deleting a guest moves them here, restoring takes them back, and after
TRASH_DAYS a purge removes the guest, their credits and their photo for good.

A guest in the trash (deleted_at set) is public nowhere: their page answers 410, their feed
404 (feeds/rendering.py renders no feed for them), and their credits drop out of episode
pages, feeds (podcast:person), JSON-LD, search, the sitemap and OPML, because every public
read of credits goes through `lookups.live_credit()`. The episodes themselves stay, unchanged. The
Appearance rows stay too until the purge, so a restore brings every credit back as it was.
Writing deleted_at bumps the feed stamp and the site revision (the session hooks watch Guest
rows), so feeds rebuild and page caches empty as for any other edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Appearance, Episode, Guest, ReviewComment, ReviewLink, SlugRedirect
from showapp.services.catalog.lookups import is_live
from showapp.services.catalog.trash import TRASH_DAYS
from showapp.services.images import photo_names


@dataclass(frozen=True)
class GuestLosses:
    """What deleting a guest takes away, for the confirmation page."""

    credits: int  # appearances, on any episode
    episodes: int  # distinct episodes those credits are on; they stay
    live_episodes: int  # of which public now
    review_links: int
    photo: str | None


def guest_losses(session: Session, guest: Guest) -> GuestLosses:
    def count(*where: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count()).where(*where)) or 0

    credited = select(Appearance.episode_id).where(Appearance.guest_id == guest.id)
    return GuestLosses(
        credits=count(Appearance.guest_id == guest.id),
        episodes=count(Episode.id.in_(credited)),
        live_episodes=count(Episode.id.in_(credited), is_live(utc_now())),
        review_links=count(ReviewLink.guest_id == guest.id),
        photo=guest.photo,
    )


def trash_guest(session: Session, guest: Guest, now: datetime | None = None) -> None:
    guest.deleted_at = now or utc_now()
    session.flush()


def restore_guest(session: Session, guest: Guest) -> None:
    """Back as they were: page, feed and every credit."""
    guest.deleted_at = None
    session.flush()


def get_trashed_guest(session: Session, guest_id: int) -> Guest | None:
    query = select(Guest).where(Guest.id == guest_id, Guest.deleted_at.is_not(None))
    return session.scalars(query).one_or_none()


def list_trashed_guests(session: Session) -> Sequence[Guest]:
    """The guest trash, most recently deleted first."""
    query = (
        select(Guest)
        .where(Guest.deleted_at.is_not(None))
        .order_by(Guest.deleted_at.desc(), Guest.id.desc())
    )
    return session.scalars(query).all()


def purge_date(guest: Guest) -> datetime | None:
    if guest.deleted_at is None:
        return None
    return guest.deleted_at + timedelta(days=TRASH_DAYS)


def trashed_photos(session: Session) -> frozenset[str]:
    """Photos of guests in the trash: /media withholds them."""
    query = select(Guest.photo).where(Guest.deleted_at.is_not(None), Guest.photo.is_not(None))
    return frozenset(name for photo in session.scalars(query) for name in photo_names(photo))


def purge_guest(session: Session, guest: Guest) -> list[str]:
    """Delete a trashed guest with their credits, review links and old slugs; return the files
    to remove once the transaction has committed (trash.remove_files). The episodes stay."""
    if guest.deleted_at is None:
        raise ValueError("Only a guest in the trash can be purged.")
    files = photo_names(guest.photo)  # the photo and its smaller copies
    links = select(ReviewLink.id).where(ReviewLink.guest_id == guest.id)
    session.execute(delete(ReviewComment).where(ReviewComment.link_id.in_(links)))
    session.execute(delete(ReviewLink).where(ReviewLink.guest_id == guest.id))
    session.execute(delete(Appearance).where(Appearance.guest_id == guest.id))
    session.execute(delete(SlugRedirect).where(SlugRedirect.guest_id == guest.id))
    # A Core delete: the ORM cascade would load the (already deleted) appearances first.
    session.execute(delete(Guest).where(Guest.id == guest.id))
    session.flush()
    return files


def purge_due(session: Session, now: datetime | None = None) -> tuple[int, list[str]]:
    """Purge every guest whose TRASH_DAYS are over; returns how many, and the files to remove
    after the commit. Run again, it finds nothing left to do."""
    cutoff = (now or utc_now()) - timedelta(days=TRASH_DAYS)
    due = session.scalars(
        select(Guest).where(Guest.deleted_at <= cutoff).order_by(Guest.deleted_at, Guest.id)
    ).all()
    files: list[str] = []
    for guest in due:
        files += purge_guest(session, guest)
    return len(due), files
