"""The studio's feed-health panel lists what directories would reject, with what to do."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import UserRole
from tests.factories import make_episode, make_show
from tests.studio_helpers import login, make_user, sign_in_new_user


def test_panel_lists_errors_and_warnings_with_fixes(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="healthy", owner_email="")
    make_episode(session, show, episodes_dir, title="Fine")
    session.commit()
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)
    response = client.get("/studio/shows/healthy/feed-health")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "feed health" in page and "error" in page
    assert "artwork" in page.lower()  # the show has no cover art: Apple refuses the feed
    assert "e-mail" in page.lower() or "email" in page.lower()  # Spotify verifies by e-mail


def test_panel_is_for_the_show_hosts_only(client: FlaskClient, session: Session) -> None:
    mine = make_show(session, slug="mine")
    make_show(session, slug="theirs")
    session.commit()
    make_user(session, "host@example.com", shows=[mine])
    session.commit()
    login(client, "host@example.com")
    assert client.get("/studio/shows/theirs/feed-health").status_code == 403
    assert client.get("/studio/shows/mine/feed-health").status_code == 200
