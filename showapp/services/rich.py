"""Lookups shared by the chapters, transcripts and soundbites commands and documents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode, Show
from showapp.services import catalog


def get_episode(session: Session, show_slug: str, episode_slug: str) -> Episode | None:
    """Any episode, drafts included, for hosts' tools; never use it for public pages."""
    query = (
        select(Episode)
        .join(Show, Show.id == Episode.show_id)
        .where(Show.slug == show_slug, Episode.slug == episode_slug)
    )
    return session.scalars(query).one_or_none()


def get_public_episode(
    session: Session, show_slug: str, episode_slug: str
) -> tuple[Show, Episode] | None:
    """A live or unlisted episode with its show: what listeners may fetch documents for."""
    show = catalog.get_show(session, show_slug)
    if show is None:
        return None
    episode = catalog.get_public_episode(session, show, episode_slug)
    return None if episode is None else (show, episode)
