"""Follow-up episodes: an episode names the earlier episode of the same show it follows up
("we asked Priya how the night-shift scheme went"), and both pages link the other."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput
from showapp.models import Episode, Show


def follow_up_choices(session: Session, show: Show, episode: Episode) -> list[tuple[int, str]]:
    """(id, title) of the show's other episodes outside the trash, newest first."""
    query = (
        select(Episode.id, Episode.title)
        .where(
            Episode.show_id == show.id,
            Episode.id != episode.id,
            Episode.deleted_at.is_(None),
            Episode.purged_at.is_(None),
        )
        .order_by(Episode.published_at.desc().nulls_first(), Episode.id.desc())
    )
    return [(episode_id, title) for episode_id, title in session.execute(query)]


def set_follows_up(session: Session, show: Show, episode: Episode, raw: str) -> None:
    """Set (or, with "", clear) the episode this one follows up: one of the show's others."""
    raw = raw.strip()
    if not raw:
        episode.follows_up_id = None
        return
    choices = dict(follow_up_choices(session, show, episode))
    if not raw.isdigit() or int(raw) not in choices:
        raise InvalidInput("An episode follows up another episode of the same show: choose one.")
    episode.follows_up_id = int(raw)
