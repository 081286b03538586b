"""What guests write on a review link and what hosts answer: validated, stored once.

Everything here is untrusted text: it is length-limited here and escaped by the templates
(never marked safe). A form's idempotency key makes a double click or a resubmitted form a
no-op instead of a second row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.errors import InvalidInput, NotFound
from showapp.models import CommentAnchor, ReviewComment, ReviewDecision, ReviewLink
from showapp.services.catalog.text import clock

MAX_BODY = 2000
MAX_QUOTE = 1000
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class CommentInput:
    body: str
    anchor: CommentAnchor = CommentAnchor.GENERAL
    start_seconds: float | None = None
    end_seconds: float | None = None
    quote: str = ""
    key: str | None = None


def add_guest_comment(
    session: Session, link: ReviewLink, given: CommentInput, duration: float | None
) -> ReviewComment:
    """Store a guest's comment, or return the one already stored under the same form key."""
    existing = _by_key(session, given.key)
    if existing is not None:
        return existing
    body = _text(given.body, MAX_BODY, "comment")
    quote = given.quote.strip()
    if len(quote) > MAX_QUOTE:
        raise InvalidInput(f"The quoted passage is longer than {MAX_QUOTE} characters.")
    if given.anchor == CommentAnchor.TIME:
        _check_times(given.start_seconds, given.end_seconds, duration)
    elif given.anchor in (CommentAnchor.NOTES, CommentAnchor.PROFILE) and not quote:
        raise InvalidInput("Quote the passage this comment is about (select it, or paste it).")
    comment = ReviewComment(
        link_id=link.id,
        from_host=False,
        anchor=given.anchor,
        start_seconds=given.start_seconds if given.anchor == CommentAnchor.TIME else None,
        end_seconds=given.end_seconds if given.anchor == CommentAnchor.TIME else None,
        quote=quote if given.anchor != CommentAnchor.TIME else "",
        body=body,
        idempotency_key=given.key,
    )
    session.add(comment)
    session.flush()
    return comment


def _by_key(session: Session, key: str | None) -> ReviewComment | None:
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidInput("The form is damaged (its key is not valid): reload the page.")
    return session.scalars(
        select(ReviewComment).where(ReviewComment.idempotency_key == key)
    ).one_or_none()


def _text(value: str, limit: int, what: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"The {what} is empty: write something first.")
    if len(text) > limit:
        raise InvalidInput(
            f"The {what} is {len(text)} characters long; at most {limit} fit. Shorten it."
        )
    return text


def _check_times(start: float | None, end: float | None, duration: float | None) -> None:
    if start is None:
        raise InvalidInput("Give the time in the audio this comment is about (e.g. 12:40).")
    if start < 0 or (end is not None and end < start):
        raise InvalidInput("The end of the stretch must come after its start.")
    last = end if end is not None else start
    if duration is not None and last > duration:
        raise InvalidInput(f"{clock(last)} is past the end of the audio ({clock(duration)}).")


def decide(
    session: Session, link: ReviewLink, decision: ReviewDecision, message: str
) -> ReviewLink:
    """The guest approves, or asks for changes (which needs a message)."""
    if decision == ReviewDecision.NONE:
        raise InvalidInput("Choose to approve or to ask for changes.")
    text = message.strip()
    if len(text) > MAX_BODY:
        raise InvalidInput(f"The message is longer than {MAX_BODY} characters. Shorten it.")
    if decision == ReviewDecision.CHANGES and not text:
        raise InvalidInput("Say which changes you would like: the message is empty.")
    link.decision, link.decision_message, link.decided_at = decision, text, utc_now()
    session.flush()
    return link


def host_reply(
    session: Session, comment: ReviewComment, body: str, author_id: int, key: str | None = None
) -> ReviewComment:
    """Store a host's reply, or return the one already stored under the same form key."""
    existing = _by_key(session, key)
    if existing is not None:
        return existing
    reply = ReviewComment(
        link_id=comment.link_id,
        reply_to_id=comment.id,
        from_host=True,
        anchor=comment.anchor,
        body=_text(body, MAX_BODY, "reply"),
        author_id=author_id,
        idempotency_key=key,
    )
    session.add(reply)
    session.flush()
    return reply


def set_resolved(comment: ReviewComment, resolved: bool) -> None:
    comment.resolved_at = utc_now() if resolved else None


def episode_comment(session: Session, episode_id: int, comment_id: int) -> ReviewComment:
    comment = session.scalars(
        select(ReviewComment)
        .join(ReviewLink)
        .where(ReviewComment.id == comment_id, ReviewLink.episode_id == episode_id)
    ).one_or_none()
    if comment is None:
        raise NotFound("This episode has no such comment.")
    return comment


def replies_by_comment(comments: Sequence[ReviewComment]) -> dict[int, list[ReviewComment]]:
    replies: dict[int, list[ReviewComment]] = {}
    for comment in comments:
        if comment.reply_to_id is not None:
            replies.setdefault(comment.reply_to_id, []).append(comment)
    return replies


def in_time_order(comments: Sequence[ReviewComment]) -> list[ReviewComment]:
    """Guests' comments: pinned times first by time, then text comments as they came."""
    own = [c for c in comments if c.reply_to_id is None]
    return sorted(
        own,
        key=lambda c: (c.start_seconds is None, c.start_seconds or 0, c.id),
    )
