"""One click from a listener's mentor story to the show: a draft episode about it, or a guest
(the storyteller, or the mentor they wrote about) to invite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode, Guest, MentorStory, Show
from showapp.services.catalog import writes
from showapp.services.catalog.text import slugify

Who = Literal["storyteller", "mentor"]
TITLE_LENGTH = 120


def draft_episode(session: Session, show: Show, story: MentorStory) -> tuple[Episode, bool]:
    """The draft made from this story, made now if there is none (or it went to the trash);
    True when it was made by this call."""
    if story.draft_episode_id is not None:
        existing = session.get(Episode, story.draft_episode_id)
        if existing is not None and existing.show_id == show.id and existing.deleted_at is None:
            return existing, False
    episode = writes.create_episode(
        session, show, title=_title(story), notes_md=_notes(story), summary=_summary(story)
    )
    session.flush()
    story.draft_episode_id = episode.id
    return episode, True


def _title(story: MentorStory) -> str:
    mentor = story.mentor_name or "a mentor"
    title = f"A listener's great mentor: {mentor}"
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1] + "…"


def _summary(story: MentorStory) -> str:
    return f"{story.name} tells us about {story.mentor_name or 'their mentor'}."


def _notes(story: MentorStory) -> str:
    """The story quoted as the listener wrote it, and who wrote it (attribution only with
    their consent; the host edits the draft before anything is public)."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in story.story.split("\n"))
    who = story.name if story.consent_to_publish else "a listener (who asked not to be named)"
    sent = story.created_at.strftime("%-d %B %Y") if story.created_at else ""
    return (
        f"A story sent to our call “Did you have a great mentor?”\n\n{quoted}\n\n"
        f"— {who}, about {story.mentor_name or 'their mentor'}{', ' + sent if sent else ''}."
    )


@dataclass(frozen=True)
class Invited:
    guest: Guest
    created: bool  # False: a guest of that name existed, and was linked as they are


def invite_guest(session: Session, story: MentorStory, who: Who) -> Invited:
    """The guest this story names (the storyteller with their e-mail, or the mentor), linked
    to the story. An existing guest of the same name is linked but never changed: a listener
    must not be able to put their address on somebody else's guest record."""
    if story.guest_id is not None:
        linked = session.get(Guest, story.guest_id)
        if linked is not None:
            return Invited(linked, False)
    name = story.name if who == "storyteller" else story.mentor_name
    slug = slugify(name)
    existing = session.scalars(select(Guest).where(Guest.slug == slug)).one_or_none()
    guest = existing or writes.find_or_create_guest(session, name)
    if existing is None and who == "storyteller":
        guest.email = story.email
    story.guest_id = guest.id
    session.flush()
    return Invited(guest, existing is None)
