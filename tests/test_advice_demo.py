"""`showapp demo` seeds the host's side of the advice loop, and a second run adds nothing."""

from __future__ import annotations

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.models import Advice, Episode, FollowUp, GuestLink, UserRole
from showapp.services.advice import follow_ups
from showapp.services.catalog import lookups
from showapp.services.demo import advice as demo_advice
from tests.studio_helpers import sign_in_new_user


def _counts(session: Session) -> tuple[int, int, int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count(Advice.id))) or 0,
        session.scalar(select(func.count(FollowUp.id))) or 0,
        session.scalar(select(func.count(GuestLink.id))) or 0,
        session.scalar(select(func.count(Episode.id)).where(Episode.follows_up_id.is_not(None)))
        or 0,
    )


def test_demo_seeds_advice_follow_ups_and_links_once(
    demo: None, runner: FlaskCliRunner, session: Session, client: FlaskClient
) -> None:
    seeded = sum(len(pieces) for pieces in demo_advice.ADVICE.values())
    assert _counts(session) == (seeded, 2, len(demo_advice.LINKS), 2)
    # Every moment is inside its episode's audio.
    for advice, duration in session.execute(
        select(Advice, Episode.duration_seconds).join(Episode, Episode.id == Advice.episode_id)
    ):
        assert advice.guest_id is not None and advice.start_seconds < duration

    again = runner.invoke(args=["demo"])
    assert "0 advice-loop items" in again.output
    assert _counts(session) == (seeded, 2, len(demo_advice.LINKS), 2)

    page = client.get("/mentors-and-sponsors/episodes/advice-you-can-act-on").get_data(as_text=True)
    assert "Advice in this episode" in page and "Amara Okafor" in page
    assert "Followed up in:" in page and "Back again" in page
    guest = client.get("/guests/kenji-watanabe").get_data(as_text=True)
    assert "Mentored" in guest and "Mateo Ruiz" in guest

    show = lookups.get_show(session, "mentors-and-sponsors")
    assert show is not None
    due = follow_ups.due_follow_ups(session, [show])[show.id]
    assert [row.note for row in due] == [demo_advice.DUE_NOTE]
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)
    assert demo_advice.DUE_NOTE in client.get("/studio/").get_data(as_text=True)
