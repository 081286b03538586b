"""Soundbites: short clips marked for podcast:soundbite and for sharing."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput
from showapp.models import Episode, Soundbite
from showapp.models.feeds import of_episode
from showapp.services.catalog.text import CONTROL_CHARACTER

MAX_TITLE = 128
RECOMMENDED_SECONDS = (15.0, 120.0)  # Podcasting 2.0 recommends clips of 15 to 120 seconds


def list_soundbites(session: Session, episode: Episode) -> Sequence[Soundbite]:
    query = select(Soundbite).where(Soundbite.episode_id == episode.id)
    return session.scalars(query.order_by(Soundbite.start_seconds, Soundbite.id)).all()


def add_soundbite(
    session: Session, episode: Episode, *, start: float, duration: float, title: str = ""
) -> tuple[Soundbite, list[str]]:
    """Mark a clip; refuses one outside the audio, warns when its length is unusual."""
    title = title.strip()
    _validate(episode, start, duration, title)
    soundbite = Soundbite(
        episode_id=episode.id, start_seconds=start, duration_seconds=duration, title=title
    )
    session.add(soundbite)
    session.flush()
    return soundbite, _warnings(duration)


def replace_soundbites(
    session: Session, episode: Episode, entries: Sequence[tuple[float, float, str]]
) -> tuple[list[Soundbite], list[str]]:
    """Replace all soundbites from a list of (start, duration, title); errors name the row."""
    warnings: list[str] = []
    for line, (start, duration, title) in enumerate(entries, 1):
        try:
            _validate(episode, start, duration, title.strip())
        except InvalidInput as error:
            raise InvalidInput(f"Soundbite {line}: {error}") from None
        warnings += [f"Soundbite {line}: {warning}" for warning in _warnings(duration)]
    session.execute(
        of_episode(delete(Soundbite).where(Soundbite.episode_id == episode.id), episode.id)
    )
    rows = [
        Soundbite(episode_id=episode.id, start_seconds=s, duration_seconds=d, title=t.strip())
        for s, d, t in entries
    ]
    session.add_all(rows)
    session.flush()
    return rows, warnings


def _validate(episode: Episode, start: float, duration: float, title: str) -> None:
    if not math.isfinite(start):
        raise InvalidInput("The soundbite's start must be a number of seconds.")
    if not math.isfinite(duration):
        raise InvalidInput("The soundbite's duration must be a number of seconds.")
    if start < 0:
        raise InvalidInput("The soundbite's start cannot be negative.")
    if duration <= 0:
        raise InvalidInput("The soundbite needs a duration above zero seconds.")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"The soundbite's title is longer than {MAX_TITLE} characters.")
    if CONTROL_CHARACTER.search(title):
        raise InvalidInput("The soundbite's title holds a control character; remove it.")
    length = episode.duration_seconds
    if length is not None and start + duration > length:
        raise InvalidInput(
            f"The soundbite ends at {start + duration:.1f} s, past the end of the audio "
            f"({length:.1f} s)."
        )


def _warnings(duration: float) -> list[str]:
    low, high = RECOMMENDED_SECONDS
    if low <= duration <= high:
        return []
    return [
        f"Soundbites of {low:.0f} to {high:.0f} s are recommended; this one is {duration:.0f} s."
    ]


def delete_soundbite(session: Session, soundbite: Soundbite) -> None:
    session.delete(soundbite)
    session.flush()
