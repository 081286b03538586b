"""The feed cache over HTTP: validators, 304s, gzip, and staleness on edits and go-live."""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from werkzeug.http import http_date

from showapp import db
from showapp.models import Episode, FeedCache, Show, episode_topics
from showapp.services.catalog import writes
from showapp.services.feeds import lookup as feed_lookup
from showapp.services.feeds import rebuild as feed_rebuild
from showapp.services.feeds import settings as feed_settings
from showapp.services.feeds.rendering import FeedRef, FeedSite
from tests.conftest import BASE_URL
from tests.factories import make_episode

FEED = "/pod/feed.xml"


def _titles(client: FlaskClient, path: str = FEED) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    return [e.title for e in feedparser.parse(response.data).entries]


def test_validators_and_cache_headers(client: FlaskClient, pod: Show) -> None:
    response = client.get(FEED)
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert response.headers["Last-Modified"]
    assert "public" in response.headers["Cache-Control"]
    assert "max-age=300" in response.headers["Cache-Control"]
    assert response.headers["Vary"] == "Accept-Encoding"
    assert client.get(FEED).headers["ETag"] == etag  # served from the cache, unchanged


def test_if_none_match_gets_an_empty_304(client: FlaskClient, pod: Show) -> None:
    etag = client.get(FEED).headers["ETag"]
    response = client.get(FEED, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert client.get(FEED, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(FEED, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304


def test_if_modified_since(client: FlaskClient, pod: Show) -> None:
    last_modified = client.get(FEED).headers["Last-Modified"]
    assert client.get(FEED, headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = http_date(datetime.now(UTC) - timedelta(days=2))
    assert client.get(FEED, headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since
    both = {"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
    assert client.get(FEED, headers=both).status_code == 200


def test_gzip_when_accepted_compressed_once(client: FlaskClient, pod: Show, app: Flask) -> None:
    plain = client.get(FEED)
    zipped = client.get(FEED, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # strong: one per coding
    assert client.get(FEED, headers={"Accept-Encoding": "gzip;q=0"}).data == plain.data
    revalidate = {"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    assert client.get(FEED, headers=revalidate).status_code == 304
    with app.app_context(), db.new_session(app) as session:
        row = session.get(FeedCache, "show:pod")
        assert row is not None
    files = app.extensions["showapp.feedfiles"]
    digest = row.etag.strip('"')
    assert (
        files.path(digest, ".xml.gz").read_bytes() == zipped.data
    )  # stored once, not compressed per request
    assert files.path(digest, ".xml").read_bytes() == plain.data


def test_edit_rebuilds_the_feed(client: FlaskClient, pod: Show, session: Session) -> None:
    etag = client.get(FEED).headers["ETag"]
    pod.title = "Pod Renamed"
    session.commit()
    response = client.get(FEED, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert feedparser.parse(response.data).feed.title == "Pod Renamed"


def test_guest_rename_reaches_every_feed_that_shows_them(
    client: FlaskClient, pod: Show, session: Session, episodes_dir: Path
) -> None:
    episode = make_episode(session, pod, episodes_dir, title="With guest")
    guest = writes.find_or_create_guest(session, "Ana Lima")
    writes.credit_guest(session, episode, guest)
    session.commit()
    assert b">Ana Lima</podcast:person>" in client.get(FEED).data
    guest.name = "Ana Lima Souza"
    session.commit()
    assert b">Ana Lima Souza</podcast:person>" in client.get(FEED).data
    assert b">Ana Lima Souza</podcast:person>" in client.get("/guests/ana-lima/feed.xml").data


def test_core_insert_through_the_session_invalidates_too(
    client: FlaskClient, pod: Show, session: Session, episodes_dir: Path
) -> None:
    [first] = session.scalars(select(Episode)).all()
    second = make_episode(session, pod, episodes_dir, title="Second")
    topic = writes.find_or_create_topic(session, "Money")
    writes.tag_topic(session, second, topic)
    session.commit()
    assert _titles(client, "/pod/topics/money/feed.xml") == ["Second"]
    session.execute(insert(episode_topics).values(episode_id=first.id, topic_id=topic.id))
    session.commit()
    assert sorted(_titles(client, "/pod/topics/money/feed.xml")) == ["First", "Second"]


def test_scheduled_episode_appears_when_its_time_comes_without_a_worker(
    client: FlaskClient, pod: Show, session: Session, episodes_dir: Path
) -> None:
    go_live = datetime.now(UTC) + timedelta(seconds=1.5)
    make_episode(session, pod, episodes_dir, title="Later", published_at=go_live)
    session.commit()
    assert _titles(client) == ["First"]
    etag = client.get(FEED).headers["ETag"]
    assert client.get(FEED, headers={"If-None-Match": etag}).status_code == 304
    time.sleep(max(0.0, (go_live - datetime.now(UTC)).total_seconds()) + 0.1)
    assert _titles(client) == ["Later", "First"]


def test_cache_row_knows_the_next_go_live(
    app: Flask, pod: Show, session: Session, episodes_dir: Path
) -> None:
    now = datetime.now(UTC)
    later = now + timedelta(hours=3)
    make_episode(session, pod, episodes_dir, title="Later", published_at=later)
    session.commit()
    site = FeedSite(BASE_URL, "Net")
    ref = FeedRef("show", show_slug="pod")
    files = app.extensions["showapp.feedfiles"]
    built = feed_rebuild.rebuild(session, ref, site, now, files)
    session.commit()
    assert built is not None and built[0].next_go_live == later
    with db.get_engine(app).connect() as connection:
        dbapi, dialect = connection.connection, connection.dialect
        assert feed_lookup.lookup_raw(dbapi, dialect, ref.key, now) is not None
        assert feed_lookup.lookup_raw(dbapi, dialect, ref.key, later) is None
    rebuilt = feed_rebuild.rebuild(session, ref, site, later, files)
    assert rebuilt is not None
    assert b"<title>Later</title>" in files.path(rebuilt[0].etag.strip('"'), ".xml").read_bytes()


def test_moved_feed_answers_301_and_carries_new_feed_url(
    client: FlaskClient, pod: Show, session: Session
) -> None:
    client.get(FEED)
    feed_settings.move_feed(pod, "https://feeds.example.com/pod.xml")
    session.commit()
    response = client.get(FEED)
    assert response.status_code == 301
    assert response.headers["Location"] == "https://feeds.example.com/pod.xml"
    from showapp.services.feeds import rss

    body = rss.build_feed(pod, [], BASE_URL)
    assert b"<itunes:new-feed-url>https://feeds.example.com/pod.xml</itunes:new-feed-url>" in body
    feed_settings.move_feed(pod, "")
    session.commit()
    assert client.get(FEED).status_code == 200


def test_bad_new_feed_url_is_refused(pod: Show) -> None:
    from showapp.errors import InvalidInput

    with pytest.raises(InvalidInput):
        feed_settings.move_feed(pod, "feeds.example.com/pod.xml")
    assert pod.new_feed_url == ""


def test_locked_and_blocked_show(client: FlaskClient, pod: Show, session: Session) -> None:
    pod.locked, pod.itunes_block = True, True
    session.commit()
    body = client.get(FEED).data
    assert b'<podcast:locked owner="ada@example.com">yes</podcast:locked>' in body
    assert b"<itunes:block>Yes</itunes:block>" in body


def test_feed_is_served_over_real_http(live_server: str, pod: Show) -> None:
    import urllib.request

    with urllib.request.urlopen(live_server + FEED) as response:
        etag = response.headers["ETag"]
        assert b"<title>First</title>" in response.read()
    request = urllib.request.Request(live_server + FEED, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    assert caught.value.code == 304
    caught.value.close()
