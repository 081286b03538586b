"""`showapp demo` seeds the listeners' side of the loop: reports on advice (approved and
waiting) and an open mentor call with published stories, once."""

from __future__ import annotations

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import AdviceReport, MentorStory, Moderation
from tests.listener_helpers import count


def test_the_demo_seeds_reports_and_stories_once(
    demo: None, client: FlaskClient, runner: FlaskCliRunner, session: Session
) -> None:
    reports = session.scalars(select(AdviceReport)).all()
    assert {r.status for r in reports} == {Moderation.APPROVED, Moderation.PENDING}
    stories = session.scalars(select(MentorStory)).all()
    assert sum(s.published_at is not None for s in stories) == 3
    assert any(s.status == Moderation.PENDING for s in stories)
    show_page = client.get("/mentors-and-sponsors/").get_data(as_text=True)
    assert "Tell us your story" in show_page
    page = client.get("/mentors-and-sponsors/mentors").get_data(as_text=True)
    assert "Mrs Okafor" in page and "Coach Alvarez" not in page  # the pending one waits
    tried = client.get(f"/advice/{reports[0].advice_id}/tried")
    assert tried.status_code == 200
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "0 listener reports and stories added" in again.output
    assert count(session, AdviceReport) == len(reports)
    assert count(session, MentorStory) == len(stories)
