"""Helpers for the listener tests: advice to report on, and posting the public forms as a
browser does (the page's CSRF and form tokens), from an address of the test's choosing."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from showapp.models import Advice, AdviceReport, Episode, MentorStory, Show
from showapp.services.listeners import spam
from tests.factories import add_guest, make_episode, make_show

SECRET = "test-secret"  # conftest's SECRET_KEY
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FORM = re.compile(r'name="form_token" value="([^"]+)"')


def make_advice(
    session: Session, episodes_dir: Path, *, published: bool = True, slug: str = "mentoring"
) -> tuple[Show, Episode, Advice]:
    """A show with an episode (published, or a draft) in which Priya Raman gives advice."""
    show = make_show(session, slug=slug, title="Mentoring Matters")
    episode = make_episode(
        session, show, episodes_dir, title="Night shifts", published_at=True if published else None
    )
    guest = add_guest(session, episode, "Priya Raman")
    advice = Advice(
        episode_id=episode.id, guest_id=guest.id, text="Ask for the night shift once.",
        start_seconds=1.0,
    )  # fmt: skip
    session.add(advice)
    session.commit()
    return show, episode, advice


def aged_token(purpose: str, seconds_ago: float = 10) -> str:
    """The token the form page would have carried when served `seconds_ago`: what a listener
    who spent that long writing sends (the tests do not wait the minimum fill time)."""
    return spam.issue_token(SECRET, purpose, now=time.time() - seconds_ago)


def post_form(
    client: FlaskClient, url: str, purpose: str, fields: dict[str, str], *,
    ip: str = "10.0.0.1", seconds_ago: float | None = 10,
) -> TestResponse:  # fmt: skip
    """Open the form page at `url`, then post `fields` with its tokens from address `ip`.
    The form token is the page's own, aged by `seconds_ago` (None: exactly as served)."""
    page = client.get(url, environ_base={"REMOTE_ADDR": ip}).get_data(as_text=True)
    csrf = _CSRF.search(page)
    served = _FORM.search(page)
    assert csrf and served, page[-500:]
    token = served.group(1)
    if seconds_ago is not None:
        token = aged_token(purpose, seconds_ago)
    data: dict[str, Any] = {"csrf_token": csrf.group(1), "form_token": token, "website": ""}
    data.update(fields)
    return client.post(url, data=data, environ_base={"REMOTE_ADDR": ip})


def count(session: Session, model: type[AdviceReport] | type[MentorStory]) -> int:
    session.expire_all()
    return session.scalar(select(func.count(model.id))) or 0
