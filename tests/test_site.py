"""Public pages: show home and episode page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import EpisodeStatus
from showapp.services.catalog import writes
from tests.factories import add_topic, make_episode, make_show


def test_show_page_lists_only_live_episodes(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders", title="Leaders & Mentors")
    make_episode(session, show, episodes_dir, title="Live one")
    make_episode(session, show, episodes_dir, title="Draft one", published_at=None)
    make_episode(
        session, show, episodes_dir, title="Future one", published_at=utc_now() + timedelta(days=2)
    )
    session.commit()
    page = client.get("/leaders/").get_data(as_text=True)
    assert "Leaders &amp; Mentors" in page
    assert "Live one" in page
    assert "Draft one" not in page and "Future one" not in page
    assert 'type="application/rss+xml"' in page


def test_episode_page_shows_notes_guests_topics_and_player(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders")
    episode = make_episode(
        session,
        show,
        episodes_dir,
        title="Sponsors open doors",
        notes_md="We talk **sponsorship**.\n\n<script>alert(1)</script>\n\n[Book](https://example.com/b)",
    )
    guest = writes.find_or_create_guest(session, "Rosa Diaz", organisation="Acme", job_title="CTO")
    writes.credit_guest(session, episode, guest, organisation="Initech", job_title="VP Engineering")
    add_topic(session, episode, "Finding a sponsor")
    session.commit()
    response = client.get("/leaders/episodes/sponsors-open-doors")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<strong>sponsorship</strong>" in page
    assert "<script>" not in page and "alert(1)" not in page
    assert 'href="https://example.com/b"' in page
    assert "Rosa Diaz" in page and "VP Engineering at Initech" in page  # as of the interview
    assert "Finding a sponsor" in page
    assert f'<audio controls preload="metadata" src="/media/{episode.audio_file}?_from=web"' in page


def test_drafts_unknown_shows_and_unknown_episodes_are_404(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders")
    make_episode(session, show, episodes_dir, title="Secret draft", published_at=None)
    session.commit()
    assert client.get("/leaders/episodes/secret-draft").status_code == 404
    assert client.get("/leaders/episodes/nope").status_code == 404
    assert client.get("/nope/").status_code == 404


def test_unlisted_episode_is_reachable_but_not_listed(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders")
    episode = make_episode(session, show, episodes_dir, title="Hidden gem", published_at=None)
    episode.status = EpisodeStatus.UNLISTED
    session.commit()
    assert client.get("/leaders/episodes/hidden-gem").status_code == 200
    assert "Hidden gem" not in client.get("/leaders/").get_data(as_text=True)
    assert "Hidden gem" not in client.get("/leaders/feed.xml").get_data(as_text=True)


def test_network_home_lists_shows(client: FlaskClient, session: Session) -> None:
    make_show(session, slug="one", title="First Show")
    make_show(session, slug="two", title="Second Show")
    session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "First Show" in page and "Second Show" in page
