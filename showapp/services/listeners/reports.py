"""Listeners' "I tried this" reports on a piece of advice: where they may be sent, and storing
one as pending for the host to moderate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Advice, AdviceReport, Episode, Guest, Moderation, Show
from showapp.services.catalog.lookups import is_live
from showapp.services.listeners.spam import ListenerPost, refuse_floods_and_repeats

# More than this many reports waiting on one piece of advice is a flood, not listeners.
PENDING_CAP_PER_ADVICE = 50


@dataclass(frozen=True)
class AdviceContext:
    """A piece of advice with what its page names: the episode, the show, the guest."""

    advice: Advice
    episode: Episode
    show: Show
    guest: Guest | None


def public_advice(session: Session, advice_id: int) -> AdviceContext | None:
    """The advice, if listeners can hear it: in a live episode of a live show."""
    query = (
        select(Advice, Episode, Show, Guest)
        .join(Episode, Episode.id == Advice.episode_id)
        .join(Show, Show.id == Episode.show_id)
        .outerjoin(Guest, (Guest.id == Advice.guest_id) & Guest.deleted_at.is_(None))
        .where(Advice.id == advice_id, is_live(utc_now()))
    )
    row = session.execute(query).tuples().one_or_none()
    return AdviceContext(*row) if row is not None else None


def add_report(session: Session, advice: Advice, post: ListenerPost) -> AdviceReport:
    """Store the report as pending; refuse the same story twice and floods of waiting ones."""
    refuse_floods_and_repeats(
        session, AdviceReport, AdviceReport.advice_id, advice.id, post.story,
        PENDING_CAP_PER_ADVICE,
        "Many reports on this advice are waiting for the host to read them, so no more are "
        "taken for now. Please try again in a day or two.",
    )  # fmt: skip
    report = AdviceReport(
        advice_id=advice.id,
        story=post.story,
        name=post.name,
        email=post.email,
        consent_to_publish=post.consent,
        status=Moderation.PENDING,
    )
    session.add(report)
    session.flush()
    return report
