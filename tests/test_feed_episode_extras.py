"""Chapters, transcripts and soundbites reach the feed as Podcasting 2.0 tags that resolve."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy.orm import Session

from showapp.services.catalog import chapters, soundbites, transcripts
from showapp.services.feeds.podcast_namespace import PODCAST_NS
from tests.conftest import BASE_URL
from tests.factories import make_episode, make_show

VTT = """WEBVTT

00:00:00.000 --> 00:00:04.000
<v Ada>Welcome to the show about mentors.

00:00:04.000 --> 00:00:09.000
<v Grace>Thanks for having me.
"""


def _items(client: FlaskClient, path: str) -> list[etree._Element]:
    with client.get(path) as response:
        assert response.status_code == 200
        root = etree.fromstring(response.data)
    return list(root.iter("item"))


def test_rich_episode_tags_point_at_documents_the_app_serves(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="rich")
    episode = make_episode(session, show, episodes_dir, seconds=10, title="Rich")
    plain = make_episode(session, show, episodes_dir, seconds=3, title="Plain")
    chapters.replace_chapters(
        session, episode, [{"start": "0", "title": "Hello"}, {"start": "0:05", "title": "Advice"}]
    )
    transcripts.add_transcript(session, episode, VTT, filename="t.vtt", language="en")
    soundbites.add_soundbite(session, episode, start=2.0, duration=5.0, title="The best bit")
    session.commit()

    items = {item.findtext("guid"): item for item in _items(client, "/rich/feed.xml")}
    rich, bare = items[episode.guid], items[plain.guid]
    assert bare.find(f"{{{PODCAST_NS}}}chapters") is None

    chapter_tag = rich.find(f"{{{PODCAST_NS}}}chapters")
    assert chapter_tag is not None and chapter_tag.get("type") == "application/json+chapters"
    with client.get(chapter_tag.get("url", "").removeprefix(BASE_URL)) as response:
        document = json.loads(response.data)
    assert [c["title"] for c in document["chapters"]] == ["Hello", "Advice"]

    transcript_tags = rich.findall(f"{{{PODCAST_NS}}}transcript")
    assert {(t.get("type"), t.get("language")) for t in transcript_tags} == {
        ("text/vtt", "en"),
        ("text/plain", "en"),
    }
    for tag in transcript_tags:
        with client.get(tag.get("url", "").removeprefix(BASE_URL)) as response:
            assert response.status_code == 200
            assert response.mimetype == tag.get("type")
            assert "Thanks for having me." in response.get_data(as_text=True)

    [bite] = rich.findall(f"{{{PODCAST_NS}}}soundbite")
    assert (float(bite.get("startTime", "")), float(bite.get("duration", ""))) == (2.0, 5.0)
    assert bite.text == "The best bit"


def test_adding_chapters_rebuilds_the_cached_feed(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="rebuilt")
    episode = make_episode(session, show, episodes_dir, seconds=10)
    session.commit()
    with client.get("/rebuilt/feed.xml") as first:
        etag = first.headers["ETag"]
    chapters.replace_chapters(session, episode, [{"start": "0", "title": "Only chapter"}])
    session.commit()
    with client.get("/rebuilt/feed.xml", headers={"If-None-Match": etag}) as second:
        assert second.status_code == 200
        [item] = etree.fromstring(second.data).iter("item")
    assert item.find(f"{{{PODCAST_NS}}}chapters") is not None


def test_topic_page_offers_each_shows_topic_feed(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    from showapp.services.catalog import writes

    topic = writes.find_or_create_topic(session, "Finding a sponsor")
    for slug in ("alpha", "beta"):
        episode = make_episode(session, make_show(session, slug=slug), episodes_dir)
        writes.tag_topic(session, episode, topic)
    session.commit()
    page = client.get("/topics/finding-a-sponsor").get_data(as_text=True)
    for slug in ("alpha", "beta"):
        href = f"/{slug}/topics/finding-a-sponsor/feed.xml"
        assert 'type="application/rss+xml"' in page and href in page
        assert len(_items(client, href)) == 1


def test_a_topic_many_shows_cover_offers_the_feeds_of_the_latest_twelve(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    from datetime import timedelta

    from showapp.columns import utc_now
    from showapp.services.catalog import writes

    topic = writes.find_or_create_topic(session, "Sponsorship")
    for n in range(14):  # show-00 has the oldest episode on the topic, show-13 the newest
        show = make_show(session, slug=f"show-{n:02d}")
        episode = make_episode(session, show, episodes_dir, seconds=0.5,
                               published_at=utc_now() - timedelta(days=30 - n))  # fmt: skip
        writes.tag_topic(session, episode, topic)
    session.commit()

    page = client.get("/topics/sponsorship").get_data(as_text=True)

    offered = [n for n in range(14) if f"/show-{n:02d}/topics/sponsorship/feed.xml" in page]
    assert offered == list(range(2, 14))
