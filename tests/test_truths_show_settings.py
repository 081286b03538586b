"""Show settings a host sets in the studio: subscribe links for every directory, an accent
colour, and the feed's move, block and complete (services/feeds/settings.py)."""

from __future__ import annotations

import gzip
import re
from typing import Any

import feedparser
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import Show
from showapp.services.catalog import lookups
from tests.factories import make_show
from tests.studio_helpers import csrf_token, sign_in_new_user

SETTINGS = "/studio/shows/leaders/settings"
LINKS = {
    "apple_podcasts_url": "https://podcasts.apple.com/podcast/id1",
    "spotify_url": "https://open.spotify.com/show/abc",
    "youtube_music_url": "https://music.youtube.com/playlist?list=PL1",
    "amazon_music_url": "https://music.amazon.com/podcasts/abc",
    "overcast_url": "https://overcast.fm/itunes1",
    "pocket_casts_url": "https://pca.st/abc",
    "antennapod_url": "https://antennapod.org/deeplink/subscribe?url=x",
    "castbox_url": "https://castbox.fm/channel/id1",
    "podcast_addict_url": "https://podcastaddict.com/podcast/1",
    "fountain_url": "https://fountain.fm/show/abc",
    "podcast_index_url": "https://podcastindex.org/podcast/1",
}


@pytest.fixture
def host(client: FlaskClient, session: Session) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders")
    return sign_in_new_user(client, session, "host@example.com", shows=[show])


def _form(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    base = {
        "csrf_token": csrf_token(client, SETTINGS),
        "title": "Leaders",
        "language": "en",
        "category": "Business",
        "subcategory": "Management",
        "show_type": "episodic",
        "timezone": "UTC",
    }
    return {**base, **fields}


def _show(session: Session) -> Show:
    session.rollback()
    session.expire_all()
    found = lookups.get_show(session, "leaders")
    assert found is not None
    return found


def test_every_directory_link_becomes_a_subscribe_button(
    host: FlaskClient, session: Session
) -> None:
    page = host.get(SETTINGS).get_data(as_text=True)
    for name in LINKS:
        assert f'name="{name}"' in page
    assert host.post(SETTINGS, data=_form(host, **LINKS, accent_color="#1A6B5C")).status_code == 303
    assert _show(session).accent_color == "#1a6b5c"
    public = host.get("/leaders/").get_data(as_text=True)
    buttons = re.findall(r'<a class="sub sub-(\w+)" href="([^"]+)"', public)
    hrefs = {href.replace("&amp;", "&") for _, href in buttons}
    assert set(LINKS.values()) <= hrefs
    labels = re.findall(r'<a class="sub[^>]*>([^<]+)</a>', public)
    assert labels[:4] == ["RSS", "Apple Podcasts", "Spotify", "YouTube Music"]
    assert {"Castbox", "Podcast Addict", "Podcast Index", "Fountain", "Amazon Music"} <= set(labels)
    # Emptied again: the button goes.
    host.post(SETTINGS, data=_form(host, **{**LINKS, "castbox_url": ""}))
    assert "Castbox" not in host.get("/leaders/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"castbox_url": "javascript:alert(1)"}, "The Castbox link must be an http(s) URL"),
        ({"fountain_url": "ftp://fountain.fm/x"}, "The Fountain link must be an http(s) URL"),
        ({"accent_color": "red"}, "The accent colour must be a colour written #rrggbb"),
        ({"accent_color": "#12345"}, "The accent colour must be a colour written #rrggbb"),
        ({"new_feed_url": "feeds.example.com/x.xml"}, "must be an http(s) URL"),
    ],
)
def test_bad_links_and_colours_are_refused_and_change_nothing(
    host: FlaskClient, session: Session, fields: dict[str, str], message: str
) -> None:
    response = host.post(SETTINGS, data=_form(host, subtitle="Changed", **{**LINKS, **fields}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    show = _show(session)
    assert (show.subtitle, show.castbox_url, show.accent_color) == ("", "", "")
    assert show.new_feed_url == ""


def test_block_complete_and_moving_the_feed_from_the_settings_form(
    host: FlaskClient, session: Session
) -> None:
    form = _form(host, itunes_block="y", complete="y")
    assert host.post(SETTINGS, data=form).status_code == 303
    feed = host.get("/leaders/feed.xml")
    assert feed.status_code == 200
    assert b"<itunes:block>Yes</itunes:block>" in feed.data
    assert b"<itunes:complete>Yes</itunes:complete>" in feed.data
    new = "https://feeds.example.com/leaders.xml"
    assert host.post(SETTINGS, data=_form(host, new_feed_url=new)).status_code == 303
    assert _show(session).new_feed_url == new
    assert f'value="{new}"' in host.get(SETTINGS).get_data(as_text=True)
    # An app that reads the redirect's body before following it finds the whole feed,
    # naming its new address (Apple asks for both the 301 and the tag).
    moved = host.get("/leaders/feed.xml")
    assert moved.status_code == 301 and moved.headers["Location"] == new
    assert moved.mimetype == "application/rss+xml"
    assert f"<itunes:new-feed-url>{new}</itunes:new-feed-url>".encode() in moved.data
    parsed = feedparser.parse(moved.data)
    assert parsed.bozo == 0 and parsed.feed.title == "Leaders"
    assert b"<itunes:block>" not in moved.data  # unticked in the last save
    gzipped = host.get("/leaders/feed.xml", headers={"Accept-Encoding": "gzip"})
    assert gzipped.status_code == 301 and gzipped.headers["Content-Encoding"] == "gzip"
    assert new.encode() in gzip.decompress(gzipped.data)
    # Moved back: the feed is served here again.
    assert host.post(SETTINGS, data=_form(host, new_feed_url="")).status_code == 303
    assert host.get("/leaders/feed.xml").status_code == 200


def test_the_feed_lock_is_set_and_lifted_from_the_settings_form(
    host: FlaskClient, session: Session
) -> None:
    form = _form(host, locked="y", owner_email="owner@example.com")
    assert host.post(SETTINGS, data=form).status_code == 303
    assert _show(session).locked is True
    feed = host.get("/leaders/feed.xml").get_data(as_text=True)
    assert '<podcast:locked owner="owner@example.com">yes</podcast:locked>' in feed
    page = host.get(SETTINGS).get_data(as_text=True)
    assert re.search(
        r'<input[^>]*checked[^>]*name="locked"|<input[^>]*name="locked"[^>]*checked', page
    )
    assert host.post(SETTINGS, data=_form(host, owner_email="owner@example.com")).status_code == 303
    assert _show(session).locked is False
    assert "<podcast:locked" in host.get("/leaders/feed.xml").get_data(as_text=True)
    assert ">no</podcast:locked>" in host.get("/leaders/feed.xml").get_data(as_text=True)
