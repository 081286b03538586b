"""Guest and topic feeds whose guest or topic was merged away or deleted: subscribers are sent
on with a 301 (apps then poll the new URL), and a feed that is gone leaves no files behind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import FeedCache, Guest, Topic
from showapp.services.catalog import guests_topics
from tests.conftest import BASE_URL
from tests.factories import add_guest, add_topic, make_show_with_episodes


@dataclass
class Catalog:
    guest: Guest
    duplicate_guest: Guest
    topic: Topic
    duplicate_topic: Topic


@pytest.fixture
def catalog(session: Session, episodes_dir: Path) -> Catalog:
    _, (first, second) = make_show_with_episodes(
        session, episodes_dir, ["First talk", "Second talk"], slug="pod", title="Pod"
    )
    guest = add_guest(session, first, "Ana Lima")
    duplicate_guest = add_guest(session, second, "Ana L.")
    topic = add_topic(session, first, "Sponsorship")
    duplicate_topic = add_topic(session, second, "Sponsors")
    session.commit()
    return Catalog(guest, duplicate_guest, topic, duplicate_topic)


def _titles(client: FlaskClient, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    return sorted(entry.title for entry in feedparser.parse(response.data).entries)


@pytest.mark.parametrize(
    ("kind", "old_feed", "new_feed"),
    [
        ("guest", "/guests/ana-l/feed.xml", "/guests/ana-lima/feed.xml"),
        ("topic", "/pod/topics/sponsors/feed.xml", "/pod/topics/sponsorship/feed.xml"),
    ],
)
def test_a_merged_guests_or_topics_feed_moves_to_the_kept_ones(
    client: FlaskClient, session: Session, catalog: Catalog, kind: str, old_feed: str,
    new_feed: str,
) -> None:  # fmt: skip
    assert _titles(client, old_feed) == ["Second talk"]
    if kind == "guest":
        guests_topics.merge_guests(session, catalog.guest, catalog.duplicate_guest)
    else:
        guests_topics.merge_topics(session, catalog.topic, catalog.duplicate_topic)
    session.commit()
    moved = client.get(old_feed)
    assert moved.status_code == 301
    assert moved.headers["Location"] == BASE_URL + new_feed
    assert _titles(client, new_feed) == ["First talk", "Second talk"]
    # The move is cached like any feed, and answered again without a render.
    assert client.get(old_feed).headers["Location"] == moved.headers["Location"]


def test_a_deleted_topics_feed_is_gone_with_its_row_and_files(
    app: Flask, client: FlaskClient, session: Session, catalog: Catalog
) -> None:
    path = "/pod/topics/sponsors/feed.xml"
    digest = client.get(path).headers["ETag"].strip('"')
    files = app.extensions["showapp.feedfiles"]
    assert files.has(digest)
    guests_topics.delete_topic(session, catalog.duplicate_topic)
    session.commit()
    assert client.get(path).status_code == 404
    session.expire_all()
    assert session.get(FeedCache, "topic:pod:sponsors") is None
    assert not any(files.path(digest, suffix).exists() for suffix in (".xml", ".xml.gz", ".idx"))
    assert client.get("/pod/feed.xml").status_code == 200  # the show's own feed is untouched
