"""Apple's own episode fields, itunes:block and itunes:title (and the channel's itunes:title):
read by a feed import and a re-import, written in our feeds, set and cleared in the editor,
carried by an export archive, and a change to them reaches the cached feed."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import feedparser
import podcastparser
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp import db
from showapp.columns import utc_now
from showapp.models import Episode, Show
from showapp.services.catalog import writes
from showapp.services.feeds import rendering as feed_rendering
from showapp.services.feeds.rendering import FeedRef, FeedSite
from tests.conftest import BASE_URL, fresh_app
from tests.factories import make_episode, make_show
from tests.studio_helpers import csrf_token, edit_form, login, make_user

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
FEEDS = Path("/work/shared/feeds")

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
  xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>1865 | The Podcast</title><itunes:title>1865</itunes:title>
<atom:link rel="self" href="https://old.example/apple-fields.xml"/>
<link>https://old.example/</link><description>History.</description>
<item><title>Barricade | 12</title><itunes:title>Barricade</itunes:title>
  <itunes:block>{block}</itunes:block><guid>g-12</guid>
  <pubDate>Tue, 01 Feb 2022 08:00:00 GMT</pubDate>
  <enclosure url="https://cdn.example/12.mp3" length="1000" type="audio/mpeg"/></item>
<item><title>Retreat | 13</title>{second}<guid>g-13</guid>
  <pubDate>Tue, 08 Feb 2022 08:00:00 GMT</pubDate>
  <enclosure url="https://cdn.example/13.mp3" length="1000" type="audio/mpeg"/></item>
<item><title>Surrender | 14</title><itunes:block>true</itunes:block><guid>g-14</guid>
  <pubDate>Tue, 15 Feb 2022 08:00:00 GMT</pubDate>
  <enclosure url="https://cdn.example/14.mp3" length="1000" type="audio/mpeg"/></item>
</channel></rss>
"""


def _write_feed(path: Path, block: str = "yes", second: str = "") -> Path:
    path.write_text(FEED.format(block=block, second=second), encoding="utf-8")
    return path


def _import(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=["import", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _items(body: bytes) -> dict[str, Any]:
    """Each item of a feed by guid, as (title, itunes:title or None, itunes:block or None)."""
    channel = etree.fromstring(body).find("channel")
    assert channel is not None
    return {
        item.findtext("guid"): (
            item.findtext("title"),
            item.findtext(f"{ITUNES}title"),
            item.findtext(f"{ITUNES}block"),
        )
        for item in channel.findall("item")
    }


def _channel_title(body: bytes) -> str | None:
    return etree.fromstring(body).findtext(f"channel/{ITUNES}title")


def _feed(client: FlaskClient, slug: str) -> bytes:
    response = client.get(f"/{slug}/feed.xml")
    assert response.status_code == 200
    return bytes(response.data)


def _stored(session: Session) -> dict[str, tuple[str, bool]]:
    session.expire_all()
    return {e.guid: (e.itunes_title, e.itunes_block) for e in session.scalars(select(Episode))}


def test_import_keeps_the_block_and_apple_titles_and_the_feed_writes_them(
    runner: FlaskCliRunner, session: Session, client: FlaskClient, tmp_path: Path
) -> None:
    _import(runner, str(_write_feed(tmp_path / "feed.xml")))
    # "yes" in any case blocks, as Apple reads it; "true" is not a value Apple knows.
    assert _stored(session) == {
        "g-12": ("Barricade", True),
        "g-13": ("", False),
        "g-14": ("", False),
    }
    show = session.scalars(select(Show)).one()
    assert show.itunes_title == "1865"

    body = _feed(client, show.slug)
    assert _items(body) == {
        "g-12": ("Barricade | 12", "Barricade", "Yes"),
        "g-13": ("Retreat | 13", None, None),
        "g-14": ("Surrender | 14", None, None),
    }
    assert _channel_title(body) == "1865"
    parsed = feedparser.parse(body)
    assert not parsed.bozo
    assert parsed.feed.itunes_title == "1865"
    first = next(e for e in parsed.entries if e.id == "g-12")
    assert (first.title, first.itunes_title, first.itunes_block) == (
        "Barricade | 12",
        "Barricade",
        1,
    )
    # Apps that read no itunes:title keep the RSS title, and nothing else changes for them.
    episodes = podcastparser.parse(f"{BASE_URL}/{show.slug}/feed.xml", io.BytesIO(body))
    assert {e["guid"]: e["title"] for e in episodes["episodes"]} == {
        "g-12": "Barricade | 12",
        "g-13": "Retreat | 13",
        "g-14": "Surrender | 14",
    }


def test_reimport_updates_the_block_and_the_apple_title(
    runner: FlaskCliRunner, session: Session, client: FlaskClient, tmp_path: Path
) -> None:
    feed = _write_feed(tmp_path / "feed.xml")
    _import(runner, str(feed))
    _write_feed(
        feed,
        block="No",
        second="<itunes:title>Retreat</itunes:title><itunes:block>Yes</itunes:block>",
    )
    output = _import(runner, str(feed))
    assert "0 episodes added, 2 updated" in output
    assert _stored(session) == {
        "g-12": ("Barricade", False),
        "g-13": ("Retreat", True),
        "g-14": ("", False),
    }
    slug = session.scalars(select(Show.slug)).one()
    assert _items(_feed(client, slug)) == {
        "g-12": ("Barricade | 12", "Barricade", None),
        "g-13": ("Retreat | 13", "Retreat", "Yes"),
        "g-14": ("Surrender | 14", None, None),
    }


@pytest.mark.parametrize(("name", "count"), [("1865.xml", 61), ("sentimental-garbage.xml", 138)])
def test_real_feeds_keep_every_apple_title(
    name: str, count: int, runner: FlaskCliRunner, session: Session, client: FlaskClient
) -> None:
    source = (FEEDS / name).read_bytes().lstrip()  # sentimental-garbage starts with a newline
    # Stored as plain text without the spaces around it (Apple refuses those).
    titles = {
        item.findtext("guid"): " ".join((item.findtext(f"{ITUNES}title") or "").split())
        for item in etree.fromstring(source).iter("item")
    }
    assert len(titles) == count and all(titles.values())
    _import(runner, str(FEEDS / name))
    stored = _stored(session)
    assert {guid: title for guid, (title, _block) in stored.items()} == titles
    slug = session.scalars(select(Show.slug)).one()
    written = _items(_feed(client, slug))
    assert written and {guid: item[1] for guid, item in written.items()} == {
        guid: titles[guid] for guid in written
    }


# The editor


@pytest.fixture
def host(client: FlaskClient, session: Session) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders")
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    login(client, "host@example.com")
    return client


@pytest.fixture
def episode(session: Session, episodes_dir: Path) -> Episode:
    show = session.scalars(select(Show).where(Show.slug == "leaders")).one()
    found = make_episode(session, show, episodes_dir, title="Barricade | 12")
    session.commit()
    return found


def _url(episode: Episode) -> str:
    return f"/studio/shows/leaders/episodes/{episode.id}"


def _save(host: FlaskClient, episode: Episode, **fields: str) -> None:
    form = edit_form(host, _url(episode), title="Barricade | 12", status="published", **fields)
    response = host.post(_url(episode), data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[-600:]


def test_the_editor_offers_both_fields_with_labels_and_hints(
    host: FlaskClient, episode: Episode
) -> None:
    page = host.get(_url(episode)).get_data(as_text=True)
    assert (
        '<label for="itunes_title">Apple title (optional: the title without episode numbers)'
        "</label>" in page
    )
    assert 'id="itunes_title" maxlength="255" name="itunes_title"' in page
    checkbox = page.split('id="itunes_block"')[0].rsplit("<label>", 1)[1]
    assert checkbox.strip() == "<input"  # the checkbox sits inside its label
    assert "Hide this episode from Apple Podcasts (itunes:block)</label>" in page
    assert "Apple Podcasts stops listing this episode" in page


def test_the_editor_sets_and_clears_them(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    _save(host, episode, itunes_title="  Barricade ", itunes_block="y")
    assert _stored(session) == {episode.guid: ("Barricade", True)}
    page = host.get(_url(episode)).get_data(as_text=True)
    assert 'value="Barricade"' in page
    assert 'checked id="itunes_block"' in page
    assert _items(_feed(host, "leaders")) == {episode.guid: ("Barricade | 12", "Barricade", "Yes")}

    _save(host, episode, itunes_title="")  # an unticked box is not posted
    assert _stored(session) == {episode.guid: ("", False)}
    assert _items(_feed(host, "leaders")) == {episode.guid: ("Barricade | 12", None, None)}


def test_a_too_long_apple_title_is_refused_and_kept_on_the_page(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    form = edit_form(host, _url(episode), title="Barricade | 12", itunes_title="x" * 256)
    response = host.post(_url(episode), data=form)
    assert response.status_code == 400
    assert "The Apple title is longer than 255 characters." in response.get_data(as_text=True)
    assert _stored(session) == {episode.guid: ("", False)}


def _from_scratch(session: Session) -> bytes:
    site = FeedSite(BASE_URL, "showapp")
    rendered = feed_rendering.render(session, FeedRef("show", show_slug="leaders"), site, utc_now())
    assert rendered is not None
    session.rollback()
    return rendered.body


def test_the_cached_feed_changes_when_the_editor_changes_them(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    etag = host.get("/leaders/feed.xml").headers["ETag"]
    assert host.get("/leaders/feed.xml", headers={"If-None-Match": etag}).status_code == 304
    _save(host, episode, itunes_title="Barricade", itunes_block="y")
    response = host.get("/leaders/feed.xml", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    assert _items(response.data)[episode.guid] == ("Barricade | 12", "Barricade", "Yes")
    assert response.data == _from_scratch(session)

    etag = response.headers["ETag"]
    _save(host, episode, itunes_title="Barricade")  # unblocked
    response = host.get("/leaders/feed.xml", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert _items(response.data)[episode.guid] == ("Barricade | 12", "Barricade", None)


@pytest.mark.usefixtures("host")
def test_a_change_to_them_alone_splices_the_item_in_as_a_title_change_does(
    client: FlaskClient, session: Session, episodes_dir: Path, renders: list[str]
) -> None:
    show = session.scalars(select(Show).where(Show.slug == "leaders")).one()
    episodes = [make_episode(session, show, episodes_dir, title=f"Talk {n}") for n in range(3)]
    session.commit()
    client.get("/leaders/feed.xml")
    for change in ({"itunes_block": True}, {"itunes_title": "Talk"}, {"itunes_block": False}):
        renders.clear()
        for name, value in change.items():
            setattr(episodes[1], name, value)
        session.commit()
        body = client.get("/leaders/feed.xml").data
        assert renders == ["splice"], change  # only that item is rendered again
        assert body == _from_scratch(session)
    assert _items(body)[episodes[1].guid] == ("Talk 1", "Talk", None)


def test_the_shows_apple_title_is_the_show_feeds_alone(
    session: Session, client: FlaskClient, episodes_dir: Path
) -> None:
    show = make_show(session, slug="pod", title="Pod | Season 2", itunes_title="Pod")
    episode = make_episode(session, show, episodes_dir, title="One")
    writes.tag_topic(session, episode, writes.find_or_create_topic(session, "Money"))
    session.commit()
    assert _channel_title(_feed(client, "pod")) == "Pod"
    for path in ("/pod/topics/money/feed.xml", "/feed.xml"):
        response = client.get(path)
        assert response.status_code == 200 and _channel_title(response.data) is None


def test_show_settings_set_and_clear_the_shows_apple_title(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    url = "/studio/shows/leaders/settings"
    page = host.get(url).get_data(as_text=True)
    assert '<label for="itunes_title">Apple title (optional: ' in page
    form = {
        "csrf_token": csrf_token(host, url), "title": "Leaders | Season 2", "language": "en",
        "show_type": "episodic", "category": "Business", "subcategory": "", "timezone": "UTC",
    }  # fmt: skip
    for typed, stored in ((" Leaders ", "Leaders"), ("", "")):
        response = host.post(url, data={**form, "itunes_title": typed})
        assert response.status_code == 303, response.get_data(as_text=True)[-600:]
        session.expire_all()
        assert session.scalars(select(Show.itunes_title)).one() == stored
        assert _channel_title(_feed(host, "leaders")) == (stored or None)


# The export archive


def _apple_show(session: Session, episodes_dir: Path) -> Show:
    show = make_show(session, slug="apple", title="1865 | The Podcast", itunes_title="1865")
    make_episode(
        session, show, episodes_dir, title="Barricade | 12",
        itunes_title="Barricade", itunes_block=True,
    )  # fmt: skip
    make_episode(session, show, episodes_dir, title="Retreat | 13")
    session.commit()
    return show


def _export(app: Flask, path: Path) -> Path:
    result = app.test_cli_runner().invoke(args=["export", "apple", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _restore(fresh: Flask, archive: Path) -> tuple[dict[str, Any], str, bytes]:
    result = fresh.test_cli_runner().invoke(args=["import", str(archive)])
    assert result.exit_code == 0, result.output
    with fresh.app_context(), db.new_session(fresh) as session:
        episodes = {
            e.title: (e.itunes_title, e.itunes_block) for e in session.scalars(select(Episode))
        }
        show_title = session.scalars(select(Show.itunes_title)).one()
    return episodes, show_title, _feed(fresh.test_client(), "apple")


def test_an_export_round_trip_keeps_them(
    app: Flask,
    session: Session,
    client: FlaskClient,
    episodes_dir: Path,
    tmp_path: Path,
    migrated_database: str,
) -> None:
    _apple_show(session, episodes_dir)
    before = _feed(client, "apple")
    archive = _export(app, tmp_path / "apple.zip")
    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read("manifest.json"))
    assert manifest["show"]["itunes_title"] == "1865"
    assert {e["title"]: (e["itunes_title"], e["itunes_block"]) for e in manifest["episodes"]} == {
        "Barricade | 12": ("Barricade", True),
        "Retreat | 13": ("", False),
    }
    session.close()

    fresh = fresh_app(app, tmp_path, migrated_database)
    try:
        episodes, show_title, after = _restore(fresh, archive)
    finally:
        db.get_engine(fresh).dispose()
    assert episodes == {"Barricade | 12": ("Barricade", True), "Retreat | 13": ("", False)}
    assert show_title == "1865"
    assert _items(after) == _items(before)
    assert _channel_title(after) == "1865"


def test_an_archive_from_before_them_imports_with_the_defaults(
    app: Flask,
    session: Session,
    episodes_dir: Path,
    tmp_path: Path,
    migrated_database: str,
) -> None:
    _apple_show(session, episodes_dir)
    archive = _export(app, tmp_path / "apple.zip")
    session.close()
    older = tmp_path / "older.zip"
    with zipfile.ZipFile(archive) as new, zipfile.ZipFile(older, "w") as old:
        manifest = json.loads(new.read("manifest.json"))
        del manifest["show"]["itunes_title"]
        for record in manifest["episodes"]:
            del record["itunes_title"], record["itunes_block"]
        old.writestr("manifest.json", json.dumps(manifest))
        for info in new.infolist():
            if info.filename != "manifest.json":
                old.writestr(info, new.read(info))

    fresh = fresh_app(app, tmp_path, migrated_database)
    try:
        episodes, show_title, after = _restore(fresh, older)
    finally:
        db.get_engine(fresh).dispose()
    assert episodes == {"Barricade | 12": ("", False), "Retreat | 13": ("", False)}
    assert show_title == ""
    assert {item[1:] for item in _items(after).values()} == {(None, None)}
