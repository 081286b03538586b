"""The listeners' side of the demo: "I tried this" reports on the show's advice (approved and
waiting) and an open "Did you have a great mentor?" call with published stories and one
waiting. Idempotent: reports are seeded only while the show has none, stories likewise.

Advice itself is the advice demo's (services/demo/advice.py); run after it, this module
reports on that advice. Alone, it marks two pieces of advice itself so the loop shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import (
    Advice,
    AdviceReport,
    Appearance,
    Episode,
    MentorStory,
    Moderation,
    Show,
)
from showapp.services.catalog.lookups import is_live

# (story, name, approved) per report, for the first and second piece of advice.
REPORTS = [
    [
        ("I asked my lead for one concrete thing to change each Friday. Six weeks on, my "
         "reviews read completely differently.", "Maya R.", True),
        ("Tried it with my apprentice instead of my boss: it works both ways.", "T. O.", True),
        ("Starting this week, will report back!", "Sam", False),
    ],
    [
        ("I wrote to the teacher who got me into engineering. She wrote back two pages.",
         "Jonas", True),
        ("Sent a note to my old manager about the promotion she pushed for.", "A. K.", False),
    ],
]  # fmt: skip
FALLBACK_ADVICE = [
    "Ask for one specific piece of feedback every week, not 'any feedback'.",
    "Tell the person who advised you how it turned out.",
]
STORIES = [
    ("Mrs Okafor", "She read every report I wrote in my first year and never once wrote "
     "'wrong'; she wrote questions. I still ask myself her questions.", "Lena", True),
    ("Dev Patel", "He put my name forward for a project I thought was out of my league, then "
     "made sure I had the time to do it well.", "R. S.", True),
    ("My grandfather", "A machinist for forty years. He taught me to measure twice and to "
     "say 'I don't know yet'.", "Chris", True),
    ("Coach Alvarez", "She noticed I was quiet in meetings and gave me the first five "
     "minutes of every one for a month.", "P. M.", False),
]  # fmt: skip
PROMPT = (
    "Did you have a great mentor in your career? Tell us who they were and what they did "
    "for you: we read every story, and some become episodes."
)


def seed_listeners(session: Session, show: Show) -> int:
    """Add the demo's reports and mentor stories that are missing; returns how many."""
    return _seed_reports(session, show) + _seed_stories(session, show)


def _seed_reports(session: Session, show: Show) -> int:
    advice = _show_advice(session, show) or _mark_advice(session, show)
    if not advice or session.scalar(
        select(exists().where(AdviceReport.advice_id.in_([a.id for a in advice])))
    ):
        return 0
    now = utc_now()
    added = 0
    for piece, reports in zip(advice, REPORTS, strict=False):
        for age, (story, name, approved) in enumerate(reports):
            status = Moderation.APPROVED if approved else Moderation.PENDING
            session.add(AdviceReport(
                advice_id=piece.id, story=story, name=name, consent_to_publish=True,
                status=status, moderated_at=now if approved else None,
                created_at=now - timedelta(days=3 * (len(reports) - age)),
            ))  # fmt: skip
            added += 1
    session.flush()
    return added


def _show_advice(session: Session, show: Show) -> Sequence[Advice]:
    """The advice of the show's public episodes, as listeners meet it."""
    query = (
        select(Advice)
        .join(Episode, Episode.id == Advice.episode_id)
        .where(Episode.show_id == show.id, is_live(utc_now()))
        .order_by(Episode.published_at, Advice.position, Advice.id)
        .limit(len(REPORTS))
    )
    return session.scalars(query).all()


def _mark_advice(session: Session, show: Show) -> Sequence[Advice]:
    """Two pieces of advice, said by the guests of the show's two oldest public episodes."""
    credits = session.execute(
        select(Episode.id, Appearance.guest_id)
        .join(Appearance, Appearance.episode_id == Episode.id)
        .where(Episode.show_id == show.id, is_live(utc_now()), Appearance.role == "guest")
        .order_by(Episode.published_at, Appearance.position)
    ).all()
    chosen: dict[int, int] = {}
    for episode_id, guest_id in credits:
        chosen.setdefault(episode_id, guest_id)
    advice = [
        Advice(episode_id=episode_id, guest_id=guest_id, text=text, start_seconds=5.0)
        for (episode_id, guest_id), text in zip(chosen.items(), FALLBACK_ADVICE, strict=False)
    ]
    session.add_all(advice)
    session.flush()
    return advice


def _seed_stories(session: Session, show: Show) -> int:
    if session.scalar(select(exists().where(MentorStory.show_id == show.id))):
        return 0
    show.mentor_call_open = True
    show.mentor_call_prompt = show.mentor_call_prompt or PROMPT
    now = utc_now()
    for age, (mentor, story, name, published) in enumerate(STORIES):
        session.add(MentorStory(
            show_id=show.id, mentor_name=mentor, story=story, name=name, consent_to_publish=True,
            status=Moderation.APPROVED if published else Moderation.PENDING,
            moderated_at=now if published else None, published_at=now if published else None,
            created_at=now - timedelta(days=2 * (len(STORIES) - age)),
        ))  # fmt: skip
    session.flush()
    return len(STORIES)
