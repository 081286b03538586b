"""Small truths in what hosts and visitors read: counts with the right plural, and a 429 that
says what happened and how long to wait rather than the limiter's "5 per 1 minute"."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import UserRole
from showapp.services.wording import counted
from tests.factories import make_episode, make_show
from tests.studio_helpers import csrf_token, login, make_user, sign_in_new_user


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", html.replace("&#39;", "'"))


def test_counted_says_one_thing_and_many_things() -> None:
    assert counted(1, "soundbite") == "1 soundbite"
    assert counted(0, "soundbite") == "0 soundbites"
    assert counted(2, "new request") == "2 new requests"
    assert counted(3, "entry") == "3 entries"


def test_saving_one_soundbite_says_one_soundbite(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    episode = make_episode(session, show, episodes_dir, seconds=6.0, title="A talk")
    session.commit()
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)
    url = f"/studio/shows/leaders/episodes/{episode.id}/soundbites"
    form = {"csrf_token": csrf_token(client, url), "start": "1", "duration": "2", "title": "Key"}
    saved = client.post(url, data=form, follow_redirects=True)
    page = _text(saved.get_data(as_text=True))
    assert "Saved 1 soundbite." in page and "1 soundbites" not in page
    two = {**form, "start": ["1", "3"], "duration": ["1", "1"], "title": ["A", "B"]}
    assert "Saved 2 soundbites." in _text(client.post(url, data=two, follow_redirects=True).text)


def test_too_many_sign_ins_reads_as_a_sentence_in_html_and_json(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "host@example.com")
    session.commit()
    statuses = [login(client, "host@example.com", "wrong").status_code for _ in range(6)]
    assert statuses[-1] == 429
    page = login(client, "host@example.com", "wrong")
    assert page.status_code == 429 and page.mimetype == "text/html"
    text = _text(page.get_data(as_text=True))
    assert "Too many sign-in attempts. Try again in about a minute." in text
    assert "per 1 minute" not in text and "5 per" not in text
    token = csrf_token(client)
    answer = client.post(
        "/studio/login",
        data={"email": "host@example.com", "password": "x", "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 429
    assert json.loads(answer.data) == {
        "error": "Too many sign-in attempts. Try again in about a minute.",
        "status": 429,
    }
