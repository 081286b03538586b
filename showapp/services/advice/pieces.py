"""Advice in an episode, as the studio edits it: each piece is a sentence, the credited guest
who gave it and, optionally, the moment it is said."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput, NotFound
from showapp.models import Advice, Episode, Guest
from showapp.services.catalog.text import clock

MAX_TEXT = 280
# m:ss, mm:ss or h:mm:ss: how hosts read a moment off their editor's timeline.
_MOMENT = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


def list_advice(session: Session, episode: Episode) -> Sequence[Advice]:
    query = (
        select(Advice).where(Advice.episode_id == episode.id).order_by(Advice.position, Advice.id)
    )
    return session.scalars(query).all()


def get_advice(session: Session, episode: Episode, advice_id: int) -> Advice | None:
    """The piece of advice with this id, if it belongs to this episode."""
    found = session.get(Advice, advice_id)
    return found if found is not None and found.episode_id == episode.id else None


def credited_guests(episode: Episode) -> list[Guest]:
    """The guests credited on the episode (loaded with it), each once, in credit order."""
    seen: dict[int, Guest] = {}
    for appearance in episode.appearances:
        seen.setdefault(appearance.guest_id, appearance.guest)
    return list(seen.values())


def parse_moment(raw: str, duration: float | None) -> float | None:
    """Seconds from 'm:ss' or 'h:mm:ss' ('' is no moment), inside the audio if its length is
    known."""
    raw = raw.strip()
    if not raw:
        return None
    found = _MOMENT.match(raw)
    if found is None:
        raise InvalidInput(f"The moment '{raw}' is not a time: write it as mm:ss or h:mm:ss.")
    hours, minutes, seconds = (int(part) if part else 0 for part in found.groups())
    if seconds >= 60 or (found.group(1) is not None and minutes >= 60):
        raise InvalidInput(f"The moment '{raw}' is not a time: seconds and minutes go up to 59.")
    moment = float(hours * 3600 + minutes * 60 + seconds)
    if duration is not None and moment >= duration:
        raise InvalidInput(
            f"The moment {raw} is after the audio ends ({clock(duration, exact=True)})."
        )
    return moment


def _checked(
    episode: Episode, text: str, guest_id: str, moment: str
) -> tuple[str, int, float | None]:
    text = " ".join(text.split())
    if not text:
        raise InvalidInput("The advice is required: write it as one short sentence.")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"The advice is {len(text)} characters long; keep it to {MAX_TEXT}.")
    guests = {guest.id: guest for guest in credited_guests(episode)}
    if not guests:
        raise InvalidInput("Credit the guest on the episode's Details tab first.")
    chosen = int(guest_id) if guest_id.strip().isdigit() else None
    if chosen not in guests:
        raise InvalidInput("Choose the guest who gave the advice from the episode's guests.")
    return text, chosen, parse_moment(moment, episode.duration_seconds)


def add_advice(
    session: Session, episode: Episode, *, text: str, guest_id: str, moment: str
) -> Advice:
    clean, chosen, start = _checked(episode, text, guest_id, moment)
    last = session.scalar(select(func.max(Advice.position)).where(Advice.episode_id == episode.id))
    advice = Advice(
        episode_id=episode.id,
        text=clean,
        guest_id=chosen,
        start_seconds=start,
        position=(last + 1) if last is not None else 0,
    )
    session.add(advice)
    session.flush()
    return advice


def update_advice(
    session: Session, advice: Advice, episode: Episode, *, text: str, guest_id: str, moment: str
) -> Advice:
    advice.text, advice.guest_id, advice.start_seconds = _checked(episode, text, guest_id, moment)
    session.flush()
    return advice


def delete_advice(session: Session, advice: Advice) -> None:
    session.delete(advice)
    session.flush()


def move_advice(session: Session, episode: Episode, advice_id: int, step: int) -> None:
    """Move a piece one place up (step -1) or down (+1); the ends stay where they are."""
    pieces = list(list_advice(session, episode))
    index = next((i for i, piece in enumerate(pieces) if piece.id == advice_id), None)
    if index is None:
        raise NotFound("This episode has no such piece of advice.")
    target = index + step
    if 0 <= target < len(pieces):
        pieces[index], pieces[target] = pieces[target], pieces[index]
    for position, piece in enumerate(pieces):
        piece.position = position
    session.flush()
