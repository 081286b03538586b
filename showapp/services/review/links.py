"""Guest review links: creating, finding by token, revoking, and who still has to approve.

A link's URL token is the link id and a random nonce, signed with the app's secret
(itsdangerous): it cannot be guessed or altered, the studio can show it again at any time, and
giving the link a new nonce (or revoking it) makes every earlier URL useless.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from showapp.columns import utc_now
from showapp.errors import InvalidInput, NotFound
from showapp.models import (
    Appearance,
    Episode,
    EpisodeStatus,
    Guest,
    ReviewComment,
    ReviewDecision,
    ReviewLink,
)

DEFAULT_DAYS = 14
MAX_DAYS = 90
MAX_MESSAGE = 2000
TOKEN_SALT = "showapp.review-link"


class LinkUnusable(NotFound):
    """A review link that exists but was revoked or has expired (the page says which)."""


@dataclass(frozen=True)
class GuestReview:
    """One credited guest of an episode and where their review stands."""

    guest: Guest
    link: ReviewLink | None
    state: str


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=TOKEN_SALT)


def token_for(link: ReviewLink, secret: str) -> str:
    return str(_serializer(secret).dumps([link.id, link.nonce]))


def link_for_token(
    session: Session, token: str, secret: str, *, expired_ok: bool = False
) -> ReviewLink:
    """The link a token names, with its episode, guest and comments loaded.

    NotFound for a tampered or unknown token, LinkUnusable for a revoked or expired one (an
    expired one is returned with `expired_ok`: once the episode is out, the link stays the
    guest's way back to what came of their advice)."""
    try:
        link_id, nonce = _serializer(secret).loads(token)
    except (BadSignature, TypeError, ValueError) as error:
        raise NotFound("This review link is not valid: check that it was copied whole.") from error
    link = _load_link(session, int(link_id))
    if link is None or not secrets.compare_digest(str(nonce), link.nonce):
        raise NotFound("This review link is no longer valid: the host has made a newer one.")
    if link.revoked_at is not None:
        raise LinkUnusable("The host has withdrawn this review link.")
    if link.episode.deleted_at is not None or link.episode.show.deleted_at is not None:
        raise LinkUnusable("The host has deleted this episode, so there is nothing to review.")
    if link.guest.deleted_at is not None:
        # Restoring the guest brings the link back, as it was.
        raise LinkUnusable("This review link is no longer available.")
    if link.expires_at <= utc_now() and not expired_ok:
        raise LinkUnusable(expiry_message(link))
    return link


def expiry_message(link: ReviewLink) -> str:
    return f"This review link expired on {link.expires_at:%d %B %Y}. Ask the host for a new one."


def _load_link(session: Session, link_id: int) -> ReviewLink | None:
    query = (
        select(ReviewLink)
        .where(ReviewLink.id == link_id)
        .options(
            selectinload(ReviewLink.guest),
            selectinload(ReviewLink.comments),
            selectinload(ReviewLink.episode).selectinload(Episode.show),
            selectinload(ReviewLink.episode)
            .selectinload(Episode.appearances)
            .selectinload(Appearance.guest),
            selectinload(ReviewLink.episode).selectinload(Episode.topics),
        )
        # The episode may sit in the session already without what the page shows.
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).one_or_none()


def guest_reviews(session: Session, episode: Episode) -> list[GuestReview]:
    """Every guest credited on the episode (once each), with their link if one was made."""
    links = {
        link.guest_id: link
        for link in session.scalars(
            select(ReviewLink)
            .where(ReviewLink.episode_id == episode.id)
            .options(selectinload(ReviewLink.comments))
        )
    }
    guests: dict[int, Guest] = {}
    for appearance in episode.appearances:
        if appearance.role == "guest":
            guests.setdefault(appearance.guest_id, appearance.guest)
    return [
        GuestReview(guest, links.get(guest.id), state_of(links.get(guest.id)))
        for guest in guests.values()
    ]


def state_of(link: ReviewLink | None) -> str:
    if link is None:
        return "no link"
    if link.decision == ReviewDecision.APPROVED:
        return "approved"
    if link.decision == ReviewDecision.CHANGES:
        return "changes requested"
    if any(not comment.from_host for comment in link.comments):
        return "commented"
    return "viewed" if link.opened_at else "not opened"


def create_link(
    session: Session, episode: Episode, guest_id: int, *, days: int, message: str
) -> ReviewLink:
    """Make (or renew) the guest's link. A live link keeps its URL and gets the new expiry;
    a revoked or expired one gets a new URL."""
    if episode.effective_status not in (EpisodeStatus.DRAFT, EpisodeStatus.SCHEDULED):
        raise InvalidInput("Review links are for episodes that are not public yet.")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"A review link lasts between 1 and {MAX_DAYS} days.")
    if len(message) > MAX_MESSAGE:
        raise InvalidInput(f"The message is longer than {MAX_MESSAGE} characters.")
    credited = select(Appearance.id).where(
        Appearance.episode_id == episode.id, Appearance.guest_id == guest_id
    )
    if session.scalars(credited).first() is None:
        raise InvalidInput("Review links are for guests credited on this episode.")
    link = session.scalars(
        select(ReviewLink).where(
            ReviewLink.episode_id == episode.id, ReviewLink.guest_id == guest_id
        )
    ).one_or_none()
    now = utc_now()
    if link is None:
        link = ReviewLink(episode_id=episode.id, guest_id=guest_id, nonce=_nonce())
        session.add(link)
    elif link.revoked_at is not None or link.expires_at <= now:
        link.nonce, link.revoked_at = _nonce(), None
    link.expires_at = now + timedelta(days=days)
    link.message = message.strip()
    session.flush()
    return link


def _nonce() -> str:
    return secrets.token_urlsafe(24)


def revoke_link(session: Session, episode: Episode, guest_id: int) -> ReviewLink:
    link = session.scalars(
        select(ReviewLink).where(
            ReviewLink.episode_id == episode.id, ReviewLink.guest_id == guest_id
        )
    ).one_or_none()
    if link is None:
        raise NotFound("This guest has no review link.")
    link.revoked_at = utc_now()
    session.flush()
    return link


def mark_opened(link: ReviewLink, now: datetime | None = None) -> bool:
    """Note the first visit; True when this was it."""
    if link.opened_at is not None:
        return False
    link.opened_at = now or utc_now()
    return True


def missing_approvals(session: Session, episode: Episode) -> list[str]:
    """Names of invited guests (those with a link) who have not approved this episode."""
    query = (
        select(Guest.name)
        .join(ReviewLink, ReviewLink.guest_id == Guest.id)
        .where(
            ReviewLink.episode_id == episode.id,
            ReviewLink.revoked_at.is_(None),
            ReviewLink.decision != ReviewDecision.APPROVED,
        )
        .order_by(Guest.name)
    )
    return list(session.scalars(query))


def check_may_release(session: Session, episode: Episode, require_approval: bool) -> None:
    if not require_approval:
        return
    missing = missing_approvals(session, episode)
    if missing:
        raise InvalidInput(
            "This show requires every invited guest's approval before an episode is scheduled "
            f"or published. Still missing: {', '.join(missing)}."
        )


def episode_comments(session: Session, episode: Episode) -> Sequence[ReviewComment]:
    """The guests' comments on an episode for the studio: pinned times first, in time order,
    then text comments in the order they came; each with its link (and guest) loaded."""
    query = (
        select(ReviewComment)
        .join(ReviewLink)
        .where(ReviewLink.episode_id == episode.id)
        .options(selectinload(ReviewComment.link).selectinload(ReviewLink.guest))
        .order_by(ReviewComment.id)
    )
    return session.scalars(query).all()
