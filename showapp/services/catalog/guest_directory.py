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
    live episodes each is on. Guests only drafts credit are not public yet."""
    per_page = per_page or GUESTS_PER_PAGE
    live_episodes = (
        select(Appearance.guest_id, func.count(func.distinct(Episode.id)).label("episodes"))
        .join(Episode, Episode.id == Appearance.episode_id)
        .where(is_live(utc_now()))
        .group_by(Appearance.guest_id)
        .subquery()
    )
    listed = (
        select(Guest, live_episodes.c.episodes)
        .join(live_episodes, live_episodes.c.guest_id == Guest.id)
        .where(Guest.deleted_at.is_(None))
    )
    total = session.scalar(select(func.count()).select_from(listed.subquery())) or 0
    rows = session.execute(
        listed.order_by(func.lower(Guest.name), Guest.id)
        .limit(per_page)
        .offset(offset(page, per_page))
    ).all()
    return Page([GuestEntry(guest, count) for guest, count in rows], page, total, per_page)
