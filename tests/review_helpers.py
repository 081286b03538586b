"""Helpers for guest review tests: a draft episode with a guest, and the review link the
studio shows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import Episode, Show
from showapp.services.catalog import writes
from tests.factories import make_episode, make_show
from tests.studio_helpers import csrf_token, make_user

LINK = re.compile(r'value="(https?://[^"]+/review/[^"]+)" aria-label="Review link for ([^"]+)"')
NOTES = "We talk about **mentoring** and my time as Head of Ops at Acme."


@dataclass
class Draft:
    show: Show
    episode: Episode
    guest_id: int
    review_path: str


def make_draft(session: Session, episodes_dir: Path, **show_fields: object) -> Draft:
    show = make_show(session, slug="leaders", title="Leaders", **show_fields)
    episode = make_episode(
        session,
        show,
        episodes_dir,
        seconds=6.0,
        published_at=None,
        title="Mentoring with Grace",
        notes_md=NOTES,
        slug="mentoring-with-grace",
    )
    guest = writes.find_or_create_guest(
        session, "Grace Lee", organisation="Acme", job_title="Head of Ops", bio="Grace runs ops."
    )
    writes.credit_guest(session, episode, guest, organisation="Acme", job_title="Head of Ops")
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    path = f"/studio/shows/{show.slug}/episodes/{episode.id}/review"
    return Draft(show, episode, guest.id, path)


def create_link(host: FlaskClient, draft: Draft, days: int = 14, message: str = "") -> str:
    """Create the guest's link in the studio and return the URL the studio shows."""
    token = csrf_token(host, draft.review_path)
    response = host.post(
        f"{draft.review_path}/links",
        data={
            "csrf_token": token,
            "guest_id": draft.guest_id,
            "days": days,
            "message": message,
            "action": "create",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-500:]
    page = host.get(draft.review_path).get_data(as_text=True)
    found = LINK.search(page)
    assert found, "the studio shows no review link"
    return found.group(1)


def local_path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def form_key(page: str) -> str:
    found = re.search(r'name="key" value="([^"]+)"', page)
    assert found
    return found.group(1)
