"""The guest's "what came of your advice" link in a digest: their review link of the episode,
kept alive for a year. The review page is where a guest sees what listeners did with it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import ReviewLink

OUTCOME_DAYS = 365


def outcome_link(
    session: Session, episode_id: int, guest_id: int, now: datetime
) -> ReviewLink | None:
    """The guest's link of this episode, made or renewed to last a year; None when the host
    withdrew it (a withdrawn link is the host's decision, and the digest respects it)."""
    link = session.scalars(
        select(ReviewLink).where(
            ReviewLink.episode_id == episode_id, ReviewLink.guest_id == guest_id
        )
    ).one_or_none()
    until = now + timedelta(days=OUTCOME_DAYS)
    if link is None:
        link = ReviewLink(
            episode_id=episode_id, guest_id=guest_id, nonce=secrets.token_urlsafe(24),
            message="", expires_at=until,
        )  # fmt: skip
        session.add(link)
    elif link.revoked_at is not None:
        return None
    elif link.expires_at <= now:
        link.nonce, link.expires_at = secrets.token_urlsafe(24), until
    else:
        link.expires_at = max(link.expires_at, until)
    session.flush()
    return link
