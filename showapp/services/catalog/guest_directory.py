"""The public guest directory (/guests/): everyone heard in a live episode, A to Z."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Appearance, Episode, Guest
from showapp.services.catalog.lookups import is_live
from showapp.services.catalog.site_pages import Page
from showapp.services.paging import offset

GUESTS_PER_PAGE = 48


@dataclass(frozen=True)
class GuestEntry:
    guest: Guest
    episodes: int  # live episodes they are on


def public_guests(session: Session, page: int = 1, per_page: int | None = None) -> Page[GuestEntry]:
    """Guests with a live episode, not in the trash, by name (case ignored), with how many
    live episodes each is on. Guests only drafts credit are not public yet.

    The count rides along with the page (a window over the same rows): counting in a
    statement of its own aggregated every live credit a second time, half of the page's 235
    ms at 100,000 episodes. A page past the end finds no rows, and so a total of 0."""
    per_page = per_page or GUESTS_PER_PAGE
    live_episodes = (
        select(Appearance.guest_id, func.count(func.distinct(Episode.id)).label("episodes"))
        .join(Episode, Episode.id == Appearance.episode_id)
        .where(is_live(utc_now()))
        .group_by(Appearance.guest_id)
        .subquery()
    )
    listed = (
        select(Guest, live_episodes.c.episodes, func.count().over().label("total"))
        .join(live_episodes, live_episodes.c.guest_id == Guest.id)
        .where(Guest.deleted_at.is_(None))
        .order_by(func.lower(Guest.name), Guest.id)
        .limit(per_page)
        .offset(offset(page, per_page))
    )
    rows = session.execute(listed).all()
    total = rows[0].total if rows else 0
    return Page([GuestEntry(guest, count) for guest, count, _ in rows], page, total, per_page)
