"""The network feed carries the newest SHOWAPP_NETWORK_FEED_LIMIT live episodes across shows,
whether it is rendered whole or spliced after an edit; the OPML list stays a list of feeds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp import create_app
from showapp.columns import utc_now
from showapp.config import DEFAULTS, ConfigError
from showapp.models import Episode, EpisodeStatus, Show
from showapp.services.catalog import trash
from showapp.services.feeds import rendering as feed_rendering
from tests.factories import make_episode, make_show

LIMIT = 5


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "NETWORK_FEED_LIMIT": LIMIT}


@pytest.fixture
def titles_newest_first(session: Session, episodes_dir: Path) -> list[str]:
    """Twelve live episodes alternating between two shows, plus a scheduled one and a draft
    newer than all of them (which the feed must not carry)."""
    shows = [make_show(session, slug="alpha"), make_show(session, slug="beta")]
    start = utc_now() - timedelta(days=30)
    titles = []
    for n in range(12):
        title = f"Talk {n}"
        make_episode(session, shows[n % 2], episodes_dir, seconds=0.5, title=title,
                     published_at=start + timedelta(days=n))  # fmt: skip
        titles.append(title)
    make_episode(session, shows[0], episodes_dir, seconds=0.5, title="Scheduled",
                 published_at=utc_now() + timedelta(days=2))  # fmt: skip
    make_episode(session, shows[1], episodes_dir, seconds=0.5, title="Draft", published_at=None)
    session.commit()
    return titles[::-1]


def _network_titles(client: FlaskClient) -> list[str]:
    response = client.get("/feed.xml")
    assert response.status_code == 200
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [entry.title for entry in parsed.entries]


def _episode(session: Session, title: str) -> Episode:
    return session.scalars(select(Episode).where(Episode.title == title)).one()


def test_network_feed_carries_exactly_the_newest_live_episodes(
    client: FlaskClient, titles_newest_first: list[str]
) -> None:
    assert _network_titles(client) == titles_newest_first[:LIMIT]
    # A show's own feed is not bounded.
    alpha = feedparser.parse(client.get("/alpha/feed.xml").data)
    assert len(alpha.entries) == 6


def test_new_deleted_and_unpublished_episodes_keep_the_window_exact(
    client: FlaskClient,
    session: Session,
    episodes_dir: Path,
    titles_newest_first: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ways: list[str] = []
    whole, changes = feed_rendering.render, feed_rendering.render_changes
    monkeypatch.setattr(feed_rendering, "render", lambda *a: ways.append("whole") or whole(*a))
    monkeypatch.setattr(
        feed_rendering, "render_changes", lambda *a: ways.append("splice") or changes(*a)
    )
    expected = list(titles_newest_first)
    assert _network_titles(client) == expected[:LIMIT]

    # A new episode pushes the oldest one out (spliced, then cut to the limit).
    show = session.scalars(select(Show).where(Show.slug == "alpha")).one()
    make_episode(session, show, episodes_dir, seconds=0.5, title="Newest")
    session.commit()
    ways.clear()
    expected.insert(0, "Newest")
    assert _network_titles(client) == expected[:LIMIT]
    assert ways == ["splice"]

    # An edit to an episode beyond the window leaves the feed as it was.
    _episode(session, "Talk 1").title = "Talk 1, renamed"
    session.commit()
    assert _network_titles(client) == expected[:LIMIT]

    # Trashing one in the window brings the next older one in.
    trash.trash_episode(session, _episode(session, "Talk 10"))
    session.commit()
    expected.remove("Talk 10")
    assert _network_titles(client) == expected[:LIMIT]

    # Unpublishing one and moving an old one to the top.
    _episode(session, "Talk 9").status = EpisodeStatus.DRAFT
    _episode(session, "Talk 2").published_at = utc_now() - timedelta(minutes=5)
    session.commit()
    expected.remove("Talk 9")
    expected.remove("Talk 2")
    expected.insert(0, "Talk 2")
    assert _network_titles(client) == expected[:LIMIT]

    # The scheduled episode going live joins at the top.
    _episode(session, "Scheduled").published_at = utc_now() - timedelta(minutes=1)
    session.commit()
    expected.insert(0, "Scheduled")
    assert _network_titles(client) == expected[:LIMIT]


def test_opml_lists_each_show_once_and_the_network_feed(
    client: FlaskClient, titles_newest_first: list[str]
) -> None:
    response = client.get("/feeds.opml")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.count('xmlUrl="http://') >= 3
    assert body.count("/alpha/feed.xml") == 1 and body.count("/beta/feed.xml") == 1
    assert "Talk" not in body  # feeds, not episodes


@pytest.mark.parametrize("bad", [0, -3, 10_001, "300", True])
def test_a_bad_limit_stops_the_app_with_a_clear_message(
    app_config: dict[str, Any], bad: Any
) -> None:
    with pytest.raises(ConfigError, match="SHOWAPP_NETWORK_FEED_LIMIT"):
        create_app({**app_config, "NETWORK_FEED_LIMIT": bad})


def test_the_default_limit_is_300(app: Flask) -> None:
    assert DEFAULTS["NETWORK_FEED_LIMIT"] == 300
    assert app.config["NETWORK_FEED_LIMIT"] == LIMIT


def test_opml_lists_the_most_covered_topics_and_guests_heard_most(
    client: FlaskClient, session: Session, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from showapp.services.catalog import writes
    from showapp.services.feeds import opml

    monkeypatch.setattr(opml, "TOPICS_PER_SHOW", 2)
    monkeypatch.setattr(opml, "GUESTS", 2)
    show = make_show(session, slug="bounded")
    # Topic "a" on three episodes, "b" on two, "c" on one; guests likewise.
    for n, tags in enumerate((["A", "B", "C"], ["A", "B"], ["A"])):
        episode = make_episode(session, show, episodes_dir, seconds=0.5, title=f"Talk {n}")
        for tag in tags:
            writes.tag_topic(session, episode, writes.find_or_create_topic(session, f"Topic {tag}"))
            writes.credit_guest(
                session, episode, writes.find_or_create_guest(session, f"Guest {tag}")
            )
    # "c" on three episodes more that are not live yet (a draft, two scheduled): only live
    # episodes count, so "c" stays behind.
    for published_at in (None, utc_now() + timedelta(days=1), utc_now() + timedelta(days=7)):
        later = make_episode(session, show, episodes_dir, seconds=0.5, published_at=published_at)
        writes.tag_topic(session, later, writes.find_or_create_topic(session, "Topic C"))
        writes.credit_guest(session, later, writes.find_or_create_guest(session, "Guest C"))
    session.commit()

    body = client.get("/feeds.opml").get_data(as_text=True)

    assert "/bounded/topics/topic-a/feed.xml" in body and "/bounded/topics/topic-b/" in body
    assert "/bounded/topics/topic-c/" not in body
    assert "/guests/guest-a/feed.xml" in body and "/guests/guest-b/" in body
    assert "/guests/guest-c/" not in body
    assert client.get("/bounded/topics/topic-c/feed.xml").status_code == 200  # still served
