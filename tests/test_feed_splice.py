"""Rebuilding a feed after an edit re-renders only the changed episodes and splices them into the
previous files. Whatever was edited, the spliced feed must equal a feed rendered from scratch,
plain and gzipped, byte for byte."""

from __future__ import annotations

import errno
import gzip
import os
import zlib
from datetime import timedelta
from pathlib import Path

import feedparser
import podcastparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Episode, EpisodeStatus, FeedChange, Show
from showapp.services.catalog import chapters, editing, soundbites, trash, writes
from showapp.services.feeds import rendering as feed_rendering
from showapp.services.feeds import splice as feed_splice
from showapp.services.feeds import stamps as feed_stamps
from showapp.services.feeds.files import FeedFiles
from showapp.services.feeds.rendering import FeedRef, FeedSite
from tests.conftest import BASE_URL
from tests.factories import make_episode, make_show

FEED = "/pod/feed.xml"
SITE = FeedSite(BASE_URL, "showapp")
RENDER_WHOLE = feed_rendering.render  # kept before the spy below replaces it


@pytest.fixture
def show(session: Session, episodes_dir: Path) -> Show:
    show = make_show(session, slug="pod", title="Pod")
    start = utc_now() - timedelta(days=60)
    for n in range(40):  # enough for several compressed runs
        make_episode(session, show, episodes_dir, seconds=0.5, title=f"Talk {n}",
                     published_at=start + timedelta(days=n))  # fmt: skip
    session.commit()
    return show


def _from_scratch(app: Flask, session: Session) -> bytes:
    rendered = RENDER_WHOLE(session, FeedRef("show", show_slug="pod"), SITE, utc_now())
    assert rendered is not None
    session.rollback()
    return rendered.body


def _served(client: FlaskClient) -> bytes:
    plain = client.get(FEED)
    zipped = client.get(FEED, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert int(plain.headers["Content-Length"]) == len(plain.data)
    return plain.data


def _assert_spliced_equals_scratch(
    client: FlaskClient, app: Flask, session: Session, renders: list[str]
) -> bytes:
    renders.clear()
    body = _served(client)
    assert renders == ["splice"]
    renders.clear()
    assert body == _from_scratch(app, session)
    return body


def _episode(session: Session, title: str) -> Episode:
    return session.scalars(select(Episode).where(Episode.title == title)).one()


def test_editing_one_episode_splices_it(
    client: FlaskClient, app: Flask, session: Session, show: Show, renders: list[str]
) -> None:
    _served(client)
    assert renders == ["whole"]
    _episode(session, "Talk 17").title = "Talk 17, retitled & <escaped>"
    session.commit()
    body = _assert_spliced_equals_scratch(client, app, session, renders)
    titles = [e.title for e in feedparser.parse(body).entries]
    assert titles[22] == "Talk 17, retitled & <escaped>"
    assert len(titles) == 40


def test_new_moved_unpublished_and_deleted_episodes(
    client: FlaskClient,
    app: Flask,
    session: Session,
    show: Show,
    episodes_dir: Path,
    renders: list[str],
) -> None:
    _served(client)
    make_episode(session, show, episodes_dir, seconds=0.5, title="Newest")
    session.commit()
    body = _assert_spliced_equals_scratch(client, app, session, renders)
    assert feedparser.parse(body).entries[0].title == "Newest"

    moved = _episode(session, "Talk 3")
    moved.published_at = utc_now() - timedelta(hours=1)  # now the newest
    session.commit()
    body = _assert_spliced_equals_scratch(client, app, session, renders)
    assert [e.title for e in feedparser.parse(body).entries[:2]] == ["Talk 3", "Newest"]

    _episode(session, "Talk 30").status = EpisodeStatus.DRAFT
    session.delete(_episode(session, "Talk 31"))
    session.commit()
    body = _assert_spliced_equals_scratch(client, app, session, renders)
    titles = {e["title"] for e in podcastparser.parse(FEED, _stream(body))["episodes"]}
    assert "Talk 30" not in titles and "Talk 31" not in titles and len(titles) == 39


def test_trashing_and_restoring_an_episode_splices_it_out_and_back(
    client: FlaskClient, app: Flask, session: Session, show: Show, renders: list[str]
) -> None:
    _served(client)
    trash.trash_episode(session, _episode(session, "Talk 12"))
    session.commit()
    body = _assert_spliced_equals_scratch(client, app, session, renders)
    titles = [e.title for e in feedparser.parse(body).entries]
    assert "Talk 12" not in titles and len(titles) == 39
    trash.restore_episode(session, _episode(session, "Talk 12"))
    session.commit()
    body = _assert_spliced_equals_scratch(client, app, session, renders)
    assert len(feedparser.parse(body).entries) == 40


def test_crediting_a_guest_splices_but_renaming_one_renders_whole(
    client: FlaskClient, app: Flask, session: Session, show: Show, renders: list[str]
) -> None:
    _served(client)
    guest = writes.find_or_create_guest(session, "Ana Lima")
    writes.credit_guest(session, _episode(session, "Talk 5"), guest)
    writes.credit_guest(session, _episode(session, "Talk 25"), guest)
    session.commit()
    body = _assert_spliced_equals_scratch(client, app, session, renders)
    assert body.count(b">Ana Lima</podcast:person>") == 2
    guest.name = "Ana Lima Souza"  # shows in two items: any item may change
    session.commit()
    body = _served(client)
    assert renders == ["whole"]
    assert body.count(b">Ana Lima Souza</podcast:person>") == 2
    assert body == _from_scratch(app, session)


def test_a_channel_edit_keeps_every_item_and_an_author_change_reads_as_from_scratch(
    client: FlaskClient, app: Flask, session: Session, show: Show, renders: list[str]
) -> None:
    _served(client)
    show.title = "Pod & Friends"
    show.artwork = "pod/new-cover.png"
    show.category, show.subcategory = "Education", "Courses"
    session.commit()
    body = _assert_spliced_equals_scratch(client, app, session, renders)
    parsed = feedparser.parse(body)
    assert parsed.feed.title == "Pod & Friends" and len(parsed.entries) == 40
    assert parsed.feed.image.href == f"{BASE_URL}/media/pod/new-cover.png"
    # The author is itunes:author only, never a podcast:person.
    show.author = "Ada Newname"
    session.commit()
    body = _served(client)
    assert b">Ada Newname</itunes:author>" in body
    assert b">Ada Newname</podcast:person>" not in body
    assert body == _from_scratch(app, session)


def test_scheduled_episode_going_live_is_spliced_in(
    client: FlaskClient, app: Flask, session: Session, show: Show, episodes_dir: Path,
    renders: list[str],
) -> None:  # fmt: skip
    soon = utc_now() + timedelta(seconds=1)
    make_episode(session, show, episodes_dir, seconds=0.5, title="Soon", published_at=soon)
    session.commit()
    assert b"<title>Soon</title>" not in _served(client)
    import time

    time.sleep(max(0.0, (soon - utc_now()).total_seconds()) + 0.1)
    body = _assert_spliced_equals_scratch(client, app, session, renders)
    assert feedparser.parse(body).entries[0].title == "Soon"


def test_replaced_files_are_removed_and_a_lost_file_is_rebuilt(
    client: FlaskClient, app: Flask, session: Session, show: Show
) -> None:
    files: FeedFiles = app.extensions["showapp.feedfiles"]
    first = client.get(FEED).headers["ETag"].strip('"')
    assert files.has(first)
    _episode(session, "Talk 1").title = "Talk one"
    session.commit()
    second = client.get(FEED).headers["ETag"].strip('"')
    assert second != first and files.has(second) and not files.has(first)
    files.discard(second)  # e.g. a host that shares the database but not the folder
    response = client.get(FEED)
    assert response.status_code == 200 and b"<title>Talk one</title>" in response.data
    assert response.headers["ETag"].strip('"') == second


def test_change_log_is_pruned_and_a_feed_older_than_it_renders_whole(
    client: FlaskClient, session: Session, show: Show, renders: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(feed_stamps, "CHANGES_KEPT", 3)
    _served(client)
    built_at = feed_stamps.current_stamp(session)
    for n in range(4):
        _episode(session, f"Talk {n}").title = f"Edited {n}"
        session.commit()
    stamp = feed_stamps.current_stamp(session)
    assert feed_stamps.changed_episodes(session, stamp - 1, stamp) == {
        _episode(session, "Edited 3").id
    }
    assert feed_stamps.changed_episodes(session, built_at, stamp) is None  # reaches back too far
    renders.clear()
    assert b"<title>Edited 3</title>" in _served(client)
    assert renders == ["whole"]
    logged = session.scalars(select(FeedChange.version)).all()
    assert logged and min(logged) > stamp - 3  # pruned when the feed was stored


def _stream(body: bytes) -> object:
    import io

    return io.BytesIO(body)


@given(st.binary(max_size=3000), st.binary(max_size=3000))
def test_crc_of_two_parts_combines_to_the_crc_of_the_whole(first: bytes, second: bytes) -> None:
    whole = zlib.crc32(first + second)
    assert feed_splice.crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == whole
    # The fallback for systems without a shared libz gives the same answer.
    assert feed_splice._gf2_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == whole


def test_splice_without_kernel_copies_gives_the_same_feed(
    client: FlaskClient, app: Flask, session: Session, show: Show, renders: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Where copy_file_range is missing (or the folder spans file systems), bytes are read
    and written instead."""

    def unsupported(*_args: object) -> int:
        raise OSError(errno.ENOSYS, "copy_file_range is not implemented")

    monkeypatch.setattr(os, "copy_file_range", unsupported)
    _served(client)
    _episode(session, "Talk 9").title = "Talk nine"
    session.commit()
    body = _assert_spliced_equals_scratch(client, app, session, renders)
    assert b"<title>Talk nine</title>" in body


def test_an_editor_save_of_credits_topics_chapters_and_soundbites_splices_that_episode(
    client: FlaskClient, app: Flask, session: Session, show: Show, renders: list[str]
) -> None:
    """Credits, topics, chapters and soundbites are replaced by bulk statements, which the
    stamp events cannot read an episode off: they say which one (models.feeds.of_episode)."""
    writes.find_or_create_guest(session, "Ana Lima")
    writes.find_or_create_topic(session, "Mentoring")
    session.commit()
    _served(client)
    renders.clear()
    talk = _episode(session, "Talk 9")
    changes = editing.EpisodeChanges(
        version=talk.version, title=talk.title, slug=talk.slug, status=EpisodeStatus.PUBLISHED,
        publish_at=talk.published_at, guests=[editing.GuestCredit("Ana Lima")],
        topics=["Mentoring"],
    )  # fmt: skip
    editing.save_episode(session, show, talk, changes)
    session.commit()
    body = _assert_spliced_equals_scratch(client, app, session, renders)
    assert body.count(b">Ana Lima</podcast:person>") == 1
    logged = session.scalars(select(FeedChange.episode_id).order_by(FeedChange.id)).all()
    assert set(logged[-3:]) == {talk.id}  # the item, its credits, its tags: no "anything"

    chapters.replace_chapters(session, talk, [chapters.ChapterEntry(0.0, "Hello")])
    soundbites.replace_soundbites(session, talk, [(0.0, 0.4, "A bite")])
    session.commit()
    body = _assert_spliced_equals_scratch(client, app, session, renders)
    assert b">A bite</podcast:soundbite>" in body and b"podcast:chapters" in body
