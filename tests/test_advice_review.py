"""The guest's review link after publication: "what came of your advice", through real HTTP
(a served app, not the test client): working after its review expiry, not once revoked or
with the guest in the trash."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Guest, Moderation, ReviewLink
from showapp.services.catalog import guest_trash, writes
from tests.advice_helpers import add_advice, add_report
from tests.conftest import http_get
from tests.review_helpers import Draft, create_link, local_path, make_draft
from tests.studio_helpers import csrf_token, login


@pytest.fixture
def draft(session: Session, episodes_dir: Path) -> Draft:
    return make_draft(session, episodes_dir)


@pytest.fixture
def review_path(app: Flask, draft: Draft) -> str:
    host = app.test_client()
    assert login(host, "host@example.com").status_code == 303
    return local_path(create_link(host, draft))


def _grace(session: Session, draft: Draft) -> Guest:
    found = session.get(Guest, draft.guest_id)
    assert found is not None
    return found


def _seed(session: Session, draft: Draft) -> None:
    grace = _grace(session, draft)
    other = writes.find_or_create_guest(session, "Other Guest")
    writes.credit_guest(session, draft.episode, other)
    mine = add_advice(session, draft.episode, grace, "Ask for the night shift.", 2.0)
    add_advice(session, draft.episode, grace, "Say no once a day.", None)
    theirs = add_advice(session, draft.episode, other, "Not Grace's advice.")
    add_report(session, mine, "Ana", "I asked and got it.", reply="Brilliant!")
    add_report(session, mine, "Private Person", "Kept private.", consent=False)
    add_report(session, mine, "Pending", "Not moderated.", status=Moderation.PENDING)
    add_report(session, theirs, "Bo", "Someone else's story.")
    session.commit()


def _publish(session: Session, draft: Draft) -> None:
    session.expire_all()
    episode = session.get(type(draft.episode), draft.episode.id)
    assert episode is not None
    writes.publish_episode(episode, utc_now() - timedelta(hours=1))
    session.commit()


def test_before_publication_the_link_is_the_review(
    session: Session, draft: Draft, review_path: str, live_server: str
) -> None:
    _seed(session, draft)
    status, _, body = http_get(live_server + review_path)
    assert status == 200
    assert "What came of your advice" not in body.decode()


def test_after_publication_the_link_shows_what_came_of_the_advice(
    session: Session, draft: Draft, review_path: str, live_server: str
) -> None:
    _seed(session, draft)
    _publish(session, draft)
    # Past the review expiry: the link still works for this.
    link = session.scalars(select(ReviewLink)).one()
    link.expires_at = utc_now() - timedelta(days=30)
    session.commit()
    status, headers, body = http_get(live_server + review_path)
    page = body.decode()
    assert status == 200, page[-500:]
    assert headers["X-Robots-Tag"].startswith("noindex")
    assert "What came of your advice" in page
    assert "Ask for the night shift." in page and "Say no once a day." in page
    assert "Not Grace" not in page and "Someone else" not in page
    # Two approved (one private: counted, not shown); the pending one is neither.
    assert "2 listeners tried this" in page
    assert "I asked and got it." in page and "Brilliant!" in page
    assert "Kept private." not in page and "Not moderated." not in page
    assert "1 more told the host privately." in page
    assert 'href="/leaders/episodes/mentoring-with-grace?t=0:02"' in page
    # The review's writes stay closed.
    assert http_get(live_server + review_path + "/comments", method="GET")[0] == 405


def test_a_revoked_link_or_a_trashed_guest_ends_it(
    app: Flask, session: Session, draft: Draft, review_path: str, live_server: str
) -> None:
    _seed(session, draft)
    _publish(session, draft)
    guest_trash.trash_guest(session, _grace(session, draft))
    session.commit()
    assert http_get(live_server + review_path)[0] == 410
    guest_trash.restore_guest(session, _grace(session, draft))
    session.commit()
    assert http_get(live_server + review_path)[0] == 200

    host = app.test_client()
    login(host, "host@example.com")
    token = csrf_token(host, draft.review_path)
    revoke = {"csrf_token": token, "guest_id": draft.guest_id, "action": "revoke"}
    host.post(f"{draft.review_path}/links", data=revoke)
    status, _, body = http_get(live_server + review_path)
    assert status == 410 and "withdrawn" in body.decode()
