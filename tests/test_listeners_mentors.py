"""The "Did you have a great mentor?" call: the show setting, the public page and its form
(the same spam rules as "I tried this"), and the published stories."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import MentorStory, Moderation, Show
from showapp.services.listeners import moderation
from tests.conftest import BASE_URL
from tests.factories import make_show_with_episodes
from tests.listener_helpers import aged_token, count, post_form
from tests.studio_helpers import csrf_token, login, make_user

STORY = "Mrs Okafor read every draft I wrote for two years and never once wrote 'wrong'."


@pytest.fixture
def show(session: Session, episodes_dir: Path) -> Show:
    found, _ = make_show_with_episodes(
        session, episodes_dir, ["First"], slug="mentoring", title="Mentoring Matters"
    )
    found.mentor_call_open = True
    found.mentor_call_prompt = "Who taught you the job?"
    session.commit()
    return found


def _send(client: FlaskClient, show: Show, ip: str = "10.1.0.1", **fields: str) -> tuple[int, str]:
    given = {"mentor_name": "Mrs Okafor", "story": STORY, "name": "Ana", "consent": "yes"}
    given.update(fields)
    response = post_form(client, "/mentoring/mentors", f"mentors:{show.id}", given, ip=ip)
    return response.status_code, html.unescape(response.get_data(as_text=True))


def _published(session: Session, show: Show, mentor: str, story: str, **extra: object) -> None:
    fields: dict[str, object] = {
        "status": Moderation.APPROVED, "consent_to_publish": True, "published_at": utc_now(),
    }  # fmt: skip
    fields.update(extra)
    session.add(MentorStory(show_id=show.id, mentor_name=mentor, story=story, name="L", **fields))


def test_an_open_call_takes_a_story_as_pending(
    client: FlaskClient, session: Session, show: Show
) -> None:
    page = client.get("/mentoring/mentors").get_data(as_text=True)
    assert "Who taught you the job?" in page and "Your mentor's name" in page
    status, _ = _send(client, show)
    assert status == 303
    thanks = client.get("/mentoring/mentors/thanks").get_data(as_text=True)
    assert "after the host has read it" in thanks
    story = session.query(MentorStory).one()
    assert (story.mentor_name, story.name, story.status) == (
        "Mrs Okafor",
        "Ana",
        Moderation.PENDING,
    )
    assert story.published_at is None
    # Pending: not on the page yet.
    assert STORY not in client.get("/mentoring/mentors").get_data(as_text=True)


def test_the_page_lists_only_approved_consented_published_stories(
    client: FlaskClient, session: Session, show: Show
) -> None:
    _published(session, show, "Shown Mentor", "Shown story")
    _published(session, show, "No Consent", "Private story", consent_to_publish=False)
    _published(session, show, "Unpublished", "Approved only", published_at=None)
    _published(session, show, "Rejected", "Rejected story", status=Moderation.REJECTED)
    session.commit()
    page = client.get("/mentoring/mentors").get_data(as_text=True)
    assert "Shown Mentor" in page and "Shown story" in page
    for hidden in ("Private story", "Approved only", "Rejected story"):
        assert hidden not in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mentor_name": ""}, "Your mentor's name is missing"),
        ({"mentor_name": "M" * 121}, "longer than 120 characters"),
        ({"mentor_name": "see www.spam.example"}, "may not hold a link"),
        ({"story": "z" * 2001}, "at most 2,000 fit"),
        ({"story": "a https://x.example b https://y.example"}, "one link at most"),
    ],
)
def test_bad_stories_are_refused_with_a_message(
    client: FlaskClient, session: Session, show: Show, fields: dict[str, str], message: str
) -> None:
    status, page = _send(client, show, **fields)
    assert status == 400 and message in page
    assert count(session, MentorStory) == 0


def test_honeypot_and_one_link_rules_hold_here_too(
    client: FlaskClient, session: Session, show: Show
) -> None:
    assert _send(client, show, website="x")[0] == 303
    assert count(session, MentorStory) == 0
    assert _send(client, show, story="She sent me to https://example.org/course")[0] == 303
    assert count(session, MentorStory) == 1


def test_a_closed_call_lists_stories_and_refuses_posts(
    client: FlaskClient, session: Session, show: Show
) -> None:
    _published(session, show, "Kept Mentor", "Still here")
    session.commit()
    # A listener opened the form; the host closed the call before they sent it.
    opened = client.get("/mentoring/mentors").get_data(as_text=True)
    show.mentor_call_open = False
    session.commit()
    page = client.get("/mentoring/mentors").get_data(as_text=True)
    assert "The call for stories is closed" in page and "Still here" in page
    assert 'name="story"' not in page
    data = {
        "csrf_token": opened.split('name="csrf_token" value="')[1].split('"')[0],
        "form_token": aged_token(f"mentors:{show.id}"),
        "mentor_name": "Mrs Okafor", "story": STORY, "name": "Ana",
    }  # fmt: skip
    response = client.post("/mentoring/mentors", data=data)
    assert response.status_code == 403
    assert "nothing was stored" in response.get_data(as_text=True)
    assert count(session, MentorStory) == 1


def test_the_show_page_links_the_call_when_open_or_when_stories_exist(
    client: FlaskClient, session: Session, show: Show
) -> None:
    assert "Tell us your story" in client.get("/mentoring/").get_data(as_text=True)
    show.mentor_call_open = False
    session.commit()
    assert "/mentoring/mentors" not in client.get("/mentoring/").get_data(as_text=True)
    # Publishing through the service tells the page cache that the show page changed.
    _published(session, show, "A Mentor", "A story", published_at=None)
    session.commit()
    story = session.query(MentorStory).one()
    moderation.publish(session, story, on=True)
    session.commit()
    assert "Read listeners&#39; stories" in client.get("/mentoring/").get_data(as_text=True)


def test_unknown_show_is_404(client: FlaskClient, show: Show) -> None:
    assert client.get("/nope/mentors").status_code == 404


def test_hosts_open_the_call_and_set_its_prompt_in_the_show_settings(
    app: Flask, session: Session, show: Show
) -> None:
    make_user(session, "host@example.com", shows=[show])
    show.mentor_call_open = False
    session.commit()
    host = app.test_client()
    login(host, "host@example.com")
    page = host.get("/studio/shows/mentoring/settings").get_data(as_text=True)
    assert 'id="mentor-call"' in page
    form = _settings_form(page)
    form.update(csrf_token=csrf_token(host, "/studio/shows/mentoring/settings"),
                mentor_call_open="y", mentor_call_prompt="  Who sponsored you?  ")  # fmt: skip
    response = host.post("/studio/shows/mentoring/settings", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    session.expire_all()
    saved = session.get(Show, show.id)
    assert saved is not None
    assert saved.mentor_call_open and saved.mentor_call_prompt == "Who sponsored you?"
    assert "Who sponsored you?" in host.get("/mentoring/mentors").get_data(as_text=True)
    form["mentor_call_prompt"] = "x" * 1001
    assert host.post("/studio/shows/mentoring/settings", data=form).status_code == 400


def _settings_form(page: str) -> dict[str, str]:
    """The settings form's text inputs and selects as the page fills them."""
    form: dict[str, str] = {}
    for name, value in re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*type="text"[^>]*value="([^"]*)"', page
    ):
        form[name] = value
    for name, value in re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"[^>]*type="text"', page
    ):
        form[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body
        )
        if chosen:
            form[name] = chosen.group(1) or chosen.group(2)
    return form


def test_the_sitemap_lists_the_page_while_the_call_is_open_or_has_published_stories(
    client: FlaskClient, session: Session, show: Show
) -> None:
    page = f"{BASE_URL}/mentoring/mentors"

    def listed() -> bool:
        return f"<loc>{page}</loc>" in client.get("/sitemap.xml").get_data(as_text=True)

    assert listed()  # open
    show.mentor_call_open = False
    _published(session, show, "Not yet", "Waiting story", status=Moderation.PENDING)
    session.commit()
    assert not listed()  # closed, and nothing published: the show page does not link it
    _published(session, show, "Shown Mentor", "Shown story")
    session.commit()
    assert listed()
