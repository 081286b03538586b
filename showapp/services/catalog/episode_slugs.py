"""An episode's address while it is a draft: it follows the title until listeners first reach
the episode (an upload's first title is the file's name, so its first slug is `ep3`); from then
on it never changes, because podcast apps and shared links use it."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Episode, Show
from showapp.services.catalog.text import slugify


def ever_public(episode: Episode) -> bool:
    """Listeners could reach it at some instant that has passed (see writes.note_release)."""
    first = episode.first_published_at
    return first is not None and first <= utc_now()


def follows_title(episode: Episode, chosen_slug: str) -> bool:
    """True while nobody chose the episode's address: the host left the field as it was, the
    slug is the one made from the current title (or the file name it started as), and the
    episode was never public."""
    if ever_public(episode) or (chosen_slug and chosen_slug != episode.slug):
        return False
    base = _base(episode.title)
    return re.fullmatch(rf"{re.escape(base)}(-\d+)?", episode.slug) is not None


def slug_for_title(session: Session, show: Show, episode: Episode, title: str) -> str:
    """The address `title` gives this episode: the same one if the title's slug is unchanged,
    otherwise the first one free among the show's other episodes."""
    base = _base(title)
    if re.fullmatch(rf"{re.escape(base)}(-\d+)?", episode.slug):
        return episode.slug
    taken = set(
        session.scalars(
            select(Episode.slug).where(
                Episode.show_id == show.id,
                Episode.id != episode.id,
                Episode.slug.like(f"{base}%"),
            )
        )
    )
    candidate, suffix = base, 2
    while candidate in taken:
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    return candidate


def _base(title: str) -> str:
    return slugify(title) or "episode"
