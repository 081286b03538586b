"""Lookups shared by the chapters, transcripts and soundbites commands and documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, exists, select
from sqlalchemy.orm import Session

from showapp.db import prepared, rows
from showapp.models import Chapter, Episode, Show, Transcript
from showapp.services.catalog import lookups


@dataclass(frozen=True)
class EpisodeDocuments:
    """Which documents an episode has, for the player: chapters, and its transcript's format."""

    has_chapters: bool
    transcript_format: str | None


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
    show = lookups.get_show(session, show_slug)
    if show is None:
        return None
    episode = lookups.get_public_episode(session, show, episode_slug)
    return None if episode is None else (show, episode)


def episode_documents(session: Session, episode: Episode) -> EpisodeDocuments:
    """One query: does the episode have chapters, and in which format is its transcript?"""
    row = rows(session, _documents(), {"episode_id": episode.id}).one()
    return EpisodeDocuments(bool(row[0]), row[1])


@prepared
def _documents() -> Select[Any]:
    episode_id: BindParameter[int] = bindparam("episode_id")
    first_transcript = (
        select(Transcript.format)
        .where(Transcript.episode_id == episode_id)
        .order_by(Transcript.id)
        .limit(1)
        .scalar_subquery()
    )
    return select(exists().where(Chapter.episode_id == episode_id), first_transcript)
