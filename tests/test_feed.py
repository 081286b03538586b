"""The show feed, parsed the way podcast apps parse it."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import podcastparser
import pytest
from flask.testing import FlaskClient
from mutagen.mp3 import MP3
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode, EpisodeStatus, Show
from tests.conftest import BASE_URL

DEMO_FEED = "/mentors-and-sponsors/feed.xml"


@pytest.fixture
def feed_bytes(client: FlaskClient, demo: None) -> bytes:
    response = client.get(DEMO_FEED)
    assert response.status_code == 200
    assert response.mimetype == "application/rss+xml"
    return response.data


def _live_episodes(session: Session) -> dict[str, Episode]:
    now = datetime.now(UTC)
    rows = session.scalars(select(Episode)).all()
    return {
        e.guid: e
        for e in rows
        if e.status in (EpisodeStatus.PUBLISHED, EpisodeStatus.SCHEDULED)
        and e.published_at is not None
        and e.published_at <= now
    }


def test_podcastparser_reads_every_published_episode(
    feed_bytes: bytes, session: Session, episodes_dir: Path
) -> None:
    parsed = podcastparser.parse(BASE_URL + DEMO_FEED, io.BytesIO(feed_bytes))
    live = _live_episodes(session)
    assert len(live) >= 12
    assert {item["guid"] for item in parsed["episodes"]} == set(live)
    for item in parsed["episodes"]:
        episode = live[item["guid"]]
        assert episode.audio_file is not None
        audio_path = episodes_dir / episode.audio_file
        assert item["title"] == episode.title
        [enclosure] = item["enclosures"]
        assert enclosure["url"] == f"{BASE_URL}/media/{episode.audio_file}"
        assert enclosure["file_size"] == audio_path.stat().st_size
        assert enclosure["mime_type"] == "audio/mpeg"
        assert abs(item["total_time"] - MP3(audio_path).info.length) <= 1
        assert episode.published_at is not None
        assert item["published"] == int(episode.published_at.timestamp())


def test_feedparser_reads_every_published_episode(
    feed_bytes: bytes, session: Session, episodes_dir: Path
) -> None:
    parsed = feedparser.parse(feed_bytes)
    assert not parsed.bozo, parsed.get("bozo_exception")
    [show] = session.scalars(select(Show)).all()
    assert parsed.feed.title == show.title
    live = _live_episodes(session)
    assert {entry.id for entry in parsed.entries} == set(live)
    for entry in parsed.entries:
        episode = live[entry.id]
        assert episode.audio_file is not None and episode.published_at is not None
        audio_path = episodes_dir / episode.audio_file
        assert entry.title == episode.title
        [enclosure] = entry.enclosures
        assert enclosure.href == f"{BASE_URL}/media/{episode.audio_file}"
        assert int(enclosure.length) == audio_path.stat().st_size
        assert enclosure.type == "audio/mpeg"
        h, m, s = (int(part) for part in _hms(entry.itunes_duration))
        assert abs(h * 3600 + m * 60 + s - MP3(audio_path).info.length) <= 1
        published = datetime(*entry.published_parsed[:6], tzinfo=UTC)
        assert published == episode.published_at.replace(microsecond=0)


def _hms(duration: str) -> list[str]:
    parts = duration.split(":")
    return ["0"] * (3 - len(parts)) + parts


def test_drafts_and_future_episodes_stay_out(feed_bytes: bytes, session: Session) -> None:
    hidden = session.scalars(
        select(Episode).where(Episode.status.in_([EpisodeStatus.DRAFT, EpisodeStatus.SCHEDULED]))
    ).all()
    now = datetime.now(UTC)
    hidden_guids = {e.guid for e in hidden if e.published_at is None or e.published_at > now}
    assert len(hidden_guids) >= 2  # the demo has a draft and a future-scheduled episode
    guids = {e.id for e in feedparser.parse(feed_bytes).entries}
    assert not guids & hidden_guids


def test_every_enclosure_url_serves_the_file(
    feed_bytes: bytes, client: FlaskClient, episodes_dir: Path
) -> None:
    for entry in feedparser.parse(feed_bytes).entries:
        url = entry.enclosures[0].href
        with client.get(url.removeprefix(BASE_URL)) as response:
            assert response.status_code == 200
            path = episodes_dir / url.split("/media/", 1)[1]
            assert response.data == path.read_bytes()
            assert response.headers["Content-Type"] == "audio/mpeg"


def test_unknown_show_feed_is_404(client: FlaskClient) -> None:
    assert client.get("/no-such-show/feed.xml").status_code == 404


def test_channel_carries_itunes_metadata(feed_bytes: bytes) -> None:
    parsed = feedparser.parse(feed_bytes)
    assert parsed.feed.language == "en"
    # Apple documents true/false; feedparser only understands the legacy values, so read XML.
    root = ElementTree.fromstring(feed_bytes)
    explicit = [e.text for e in root.iter("{http://www.itunes.com/dtds/podcast-1.0.dtd}explicit")]
    assert explicit and set(explicit) == {"false"}
    assert len(explicit) == len(parsed.entries) + 1
    assert parsed.feed.tags[0].term == "Business"
    assert parsed.feed.image.href.startswith(f"{BASE_URL}/media/mentors-and-sponsors/cover-")
