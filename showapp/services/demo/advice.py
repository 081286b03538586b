"""The demo's advice loop, host side: advice marked in several episodes (guest and moment),
follow-up episodes linked to the ones they follow up, a follow-up that is due and one that is
not, and mentor/sponsor links between demo guests.

Idempotent: each part is added only when it is missing (advice per episode that has none,
follow-ups by note, links by their ends and kind). Listener reports and mentor stories are
seeded by the listeners' demo module.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Advice, Episode, FollowUp, Guest, GuestLink, GuestLinkKind, Show
from showapp.services.advice.follow_ups import months_later, show_today

# Episode slug -> (guest name, advice, second into the audio). The demo audio is 12-30 s long,
# so every moment sits in its first 11 seconds.
ADVICE: dict[str, list[tuple[str, str, float]]] = {
    "the-person-who-says-your-name": [
        ("Mei-Lin Chen", "Ask your mentor who they would put your name forward to, and why.", 3),
        ("Mei-Lin Chen", "Keep a one-page record of your wins for the day someone asks.", 9),
    ],
    "advice-you-can-act-on": [
        ("Amara Okafor", "Give advice as one next step the person can take this week.", 4),
        ("Amara Okafor", "Ask what they tried before you suggest anything.", 8),
    ],
    "tell-them-how-it-turned-out": [
        ("Rajesh Iyer", "Write to your mentor three months later and say what happened.", 5),
    ],
    "feedback-at-four-in-the-morning": [
        ("Fatima Al-Sayed", "Give feedback at the end of the shift, never in the middle of it.", 6),
    ],
    "finding-a-sponsor-without-asking": [
        ("Ingrid Solberg", "Do visible work for the person whose name you want in the room.", 2),
        ("Ingrid Solberg", "Tell one senior person each quarter what you want next.", 7),
    ],
    "back-again-one-new-job-later": [
        ("Amara Okafor", "Before a new job, ask your old team what you should keep doing.", 5),
    ],
}
# (follow-up episode, the episode it follows up)
FOLLOW_UP_EPISODES = [
    ("back-again-one-new-job-later", "advice-you-can-act-on"),
    ("reverse-mentoring-one-year-on", "the-apprentice-who-taught-the-plant-manager"),
]
# (from, kind, to, note)
LINKS = [
    ("Kenji Watanabe", GuestLinkKind.MENTOR, "Mateo Ruiz",
     "The apprentice who taught the chief executive the shop floor."),
    ("Mei-Lin Chen", GuestLinkKind.SPONSOR, "Amara Okafor",
     "Put Amara's name forward for her first director role."),
    ("Ingrid Solberg", GuestLinkKind.MENTOR, "Darnell Brooks", ""),
    ("Fatima Al-Sayed", GuestLinkKind.SPONSOR, "Zoë Marchetti", ""),
]  # fmt: skip
DUE_NOTE = "Ask Rajesh whether his mentees wrote back after the episode."
LATER_NOTE = "Ask Amara in six months how the next-step advice worked for her new team."


def add_advice_loop(session: Session, show: Show) -> int:
    """Add what is missing of the demo's advice, follow-ups and links; returns how many
    things were added."""
    episodes = {
        e.slug: e for e in session.scalars(select(Episode).where(Episode.show_id == show.id))
    }
    guests = {g.name: g for g in session.scalars(select(Guest).where(Guest.deleted_at.is_(None)))}
    added = _advice(session, episodes, guests)
    for later, earlier in FOLLOW_UP_EPISODES:
        if later in episodes and earlier in episodes and episodes[later].follows_up_id is None:
            episodes[later].follows_up_id = episodes[earlier].id
            added += 1
    added += _links(session, guests)
    added += _follow_ups(session, show, guests)
    session.flush()
    return added


def _advice(session: Session, episodes: dict[str, Episode], guests: dict[str, Guest]) -> int:
    added = 0
    for slug, pieces in ADVICE.items():
        episode = episodes.get(slug)
        has_any = episode is not None and session.scalar(
            select(Advice.id).where(Advice.episode_id == episode.id).limit(1)
        )
        if episode is None or has_any:
            continue
        for position, (name, text, second) in enumerate(pieces):
            guest = guests.get(name)
            piece = Advice(episode_id=episode.id, guest_id=guest.id if guest else None,
                           text=text, start_seconds=float(second), position=position)  # fmt: skip
            session.add(piece)
            added += 1
    return added


def _links(session: Session, guests: dict[str, Guest]) -> int:
    added = 0
    for giver, kind, receiver, note in LINKS:
        if giver not in guests or receiver not in guests:
            continue
        ends = (guests[giver].id, guests[receiver].id)
        exists = session.scalar(
            select(GuestLink.id).where(GuestLink.from_guest_id == ends[0],
                                       GuestLink.to_guest_id == ends[1], GuestLink.kind == kind)
        )  # fmt: skip
        if exists is None:
            session.add(GuestLink(from_guest_id=ends[0], to_guest_id=ends[1], kind=kind, note=note))
            added += 1
    return added


def _follow_ups(session: Session, show: Show, guests: dict[str, Guest]) -> int:
    today = show_today(show)
    wanted = [
        (DUE_NOTE, today - timedelta(days=2), guests.get("Rajesh Iyer")),
        (LATER_NOTE, months_later(today, 6), guests.get("Amara Okafor")),
    ]
    added = 0
    for note, due, guest in wanted:
        query = select(FollowUp.id).where(FollowUp.show_id == show.id, FollowUp.note == note)
        if session.scalar(query) is None:
            session.add(FollowUp(show_id=show.id, note=note, due_on=due,
                                 guest_id=guest.id if guest else None))  # fmt: skip
            added += 1
    return added
