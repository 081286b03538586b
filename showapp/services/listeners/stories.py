"""Listeners' stories of their own mentors, sent to a show's "Did you have a great mentor?"
call: storing one as pending, and the published ones the show's site lists."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, bindparam, exists, select
from sqlalchemy.orm import Session

from showapp.db import prepared, rows
from showapp.errors import InvalidInput
from showapp.models import MentorStory, Moderation, Show
from showapp.services.listeners.spam import ListenerPost, refuse_floods_and_repeats

PENDING_CAP_PER_SHOW = 200
MAX_PROMPT = 1000
DEFAULT_PROMPT = (
    "Did you have a great mentor in your career? Tell us who they were and what they did "
    "for you: we read every story, and may ask to tell yours on the show."
)
PUBLISHED_SHOWN = 50


def prompt_of(show: Show) -> str:
    return show.mentor_call_prompt.strip() or DEFAULT_PROMPT


def checked_prompt(value: str) -> str:
    prompt = value.strip()
    if len(prompt) > MAX_PROMPT:
        raise InvalidInput(f"The call's prompt is longer than {MAX_PROMPT:,} characters.")
    return prompt


def published(session: Session, show: Show) -> Sequence[MentorStory]:
    """What the show's stories page lists: approved, with the listener's consent, published."""
    return session.scalars(
        _published(show).order_by(MentorStory.published_at.desc(), MentorStory.id.desc())
        .limit(PUBLISHED_SHOWN)
    ).all()  # fmt: skip


def has_published(session: Session, show: Show) -> bool:
    """Asked by every show page: one statement built once per process."""
    return bool(rows(session, _any_published(), {"show_id": show.id}).scalar())


@prepared
def _any_published() -> Select[tuple[bool]]:
    public = exists().where(MentorStory.show_id == bindparam("show_id"), *_is_public())
    return select(public)


def _published(show: Show) -> Select[tuple[MentorStory]]:
    return select(MentorStory).where(MentorStory.show_id == show.id, *_is_public())


def _is_public() -> tuple[ColumnElement[bool], ...]:
    return (
        MentorStory.status == Moderation.APPROVED,
        MentorStory.consent_to_publish.is_(True),
        MentorStory.published_at.is_not(None),
    )


def shows_with_public_call(session: Session) -> list[str]:
    """Slugs of the shows outside the trash whose mentor-stories page the show page links:
    the call is open, or it has published stories (for the sitemap)."""
    stories = exists().where(MentorStory.show_id == Show.id, *_is_public())
    calls = select(Show.slug).where(Show.deleted_at.is_(None), Show.mentor_call_open | stories)
    return list(session.scalars(calls))


def add_story(session: Session, show: Show, post: ListenerPost) -> MentorStory:
    """Store the story as pending; refuse the same story twice and floods of waiting ones."""
    refuse_floods_and_repeats(
        session, MentorStory, MentorStory.show_id, show.id, post.story, PENDING_CAP_PER_SHOW,
        "Many stories are waiting for the host to read them, so no more are taken for now. "
        "Please try again in a few days.",
    )  # fmt: skip
    story = MentorStory(
        show_id=show.id,
        mentor_name=post.mentor_name,
        story=post.story,
        name=post.name,
        email=post.email,
        consent_to_publish=post.consent,
        status=Moderation.PENDING,
    )
    session.add(story)
    session.flush()
    return story
