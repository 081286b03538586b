"""Flask-Login's remember-cookie read after each response must not make feed, media and public
page answers "Vary: Cookie" (CDNs would stop caching them), while pages that read the session
(who is signed in, a form's CSRF token) still vary."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_episode, make_show


def test_feed_and_media_do_not_vary_by_cookie_but_pages_do(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="pod", title="Pod")
    episode = make_episode(session, show, episodes_dir, title="First")
    session.commit()
    public = ["/pod/feed.xml", f"/media/{episode.audio_file}", "/pod/", "/search?q=first"]
    for path in public:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "cookie" not in response.vary, (path, response.headers.get("Vary"))
    # The sign-in form reads the session (its CSRF token) and must vary by it.
    page = client.get("/studio/login")
    assert page.status_code == 200
    assert "cookie" in page.vary
