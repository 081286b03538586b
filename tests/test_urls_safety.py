"""Links anyone can set are http(s) only: a `javascript:` link on a public page would run script
on the site's origin, which is also the studio's. The studio refuses them with a 400 that says
which field is wrong and stores nothing; an import drops them and says so; pages never render
one that is already stored; and the show description reaches the feed sanitised."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput
from showapp.models import Chapter, Episode, Guest, Show, UserRole
from showapp.services import urls
from showapp.services.catalog import chapters, writes
from showapp.services.catalog.chapters import ChapterEntry
from tests.factories import add_guest, make_episode, make_show
from tests.studio_helpers import csrf_token, sign_in_new_user

BAD_URLS = [
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    " javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "//evil.example/page",
    "evil.example/page",
    "https:evil.example",
]
# Old hosts do serve files with spaces in their names; a space after the scheme is harmless.
GOOD_URLS = ["https://example.com/a?b=1#c", "HTTP://Example.com", "http://[::1]:8080/x",
             "https://cdn.example/Copy - Episode 52.mp3"]  # fmt: skip


@pytest.mark.parametrize("value", [*BAD_URLS, "\x01javascript:alert(1)", "https://a b.example/"])
def test_only_full_http_urls_are_public(value: str) -> None:
    assert not urls.is_public_url(value)
    with pytest.raises(InvalidInput, match="The website must be an http\\(s\\) URL"):
        urls.public_url(value, "website")


@pytest.mark.parametrize("value", GOOD_URLS)
def test_http_and_https_urls_are_kept(value: str) -> None:
    assert urls.public_url(f" {value} ", "website") == value


@pytest.fixture
def admin(client: FlaskClient, session: Session) -> FlaskClient:
    make_show(session, slug="leaders", title="Leaders", website="https://leaders.example/")
    return sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)


def _refused(client: FlaskClient, url: str, data: dict[str, Any]) -> str:
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **data})
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[-500:]
    return page


@pytest.mark.parametrize("bad", BAD_URLS)
def test_guest_links_refuse_script_urls(admin: FlaskClient, session: Session, bad: str) -> None:
    guest = writes.find_or_create_guest(session, "Grace Hopper")
    guest.links = ["https://example.com/grace"]
    session.commit()
    page = _refused(
        admin,
        "/studio/guests/grace-hopper",
        {"name": "Grace Hopper", "slug": "grace-hopper", "bio": "New bio",
         "links": f"https://example.com/new\n{bad}"},
    )  # fmt: skip
    assert "Nothing was changed: The guest link must be an http(s) URL" in page
    session.expire_all()
    stored = session.scalars(select(Guest)).one()
    assert (stored.bio, stored.links) == ("", ["https://example.com/grace"])


@pytest.mark.parametrize("field", ["website", "funding_url"])
@pytest.mark.parametrize("bad", BAD_URLS)
def test_show_settings_refuse_script_urls(
    admin: FlaskClient, session: Session, field: str, bad: str
) -> None:
    form = {"title": "Renamed", "language": "en", "category": "Business",
            "subcategory": "", "show_type": "episodic", "timezone": "UTC", field: bad}  # fmt: skip
    page = _refused(admin, "/studio/shows/leaders/settings", form)
    label = {"website": "website", "funding_url": "funding link"}[field]
    assert f"The {label} must be an http(s) URL" in page
    session.expire_all()
    show = session.scalars(select(Show)).one()
    assert (show.title, show.website, show.funding_url) == (
        "Leaders", "https://leaders.example/", ""
    )  # fmt: skip


@pytest.mark.parametrize("bad", BAD_URLS)
def test_a_new_show_with_a_script_website_is_not_created(
    admin: FlaskClient, session: Session, bad: str
) -> None:
    form = {"title": "Career Talks", "slug": "career-talks", "language": "en",
            "category": "Business", "subcategory": "", "show_type": "episodic",
            "timezone": "UTC", "website": bad}  # fmt: skip
    page = _refused(admin, "/studio/shows/new", form)
    assert "The website must be an http(s) URL" in page
    session.expire_all()
    assert session.scalars(select(Show.slug)).all() == ["leaders"]


@pytest.mark.parametrize("column", ["url", "image"])
@pytest.mark.parametrize("bad", BAD_URLS)
def test_chapter_links_and_images_refuse_script_urls(
    admin: FlaskClient, session: Session, episodes_dir: Path, column: str, bad: str
) -> None:
    show = session.scalars(select(Show)).one()
    episode = make_episode(session, show, episodes_dir, seconds=6.0)
    chapters.replace_chapters(session, episode, [ChapterEntry(1.0, "Kept")])
    session.commit()
    url = f"/studio/shows/leaders/episodes/{episode.id}/chapters"
    token = csrf_token(admin, url)
    response = admin.post(
        url,
        data={"csrf_token": token, "start": ["0"], "title": ["Intro"], column: [bad]},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    label = {"url": "link", "image": "image"}[column]
    assert f"Chapter 1: the {label} must be an http(s) URL" in page
    session.expire_all()
    stored = session.scalars(select(Chapter)).all()
    assert [(c.title, c.url, c.image) for c in stored] == [("Kept", "", "")]


def test_a_json_chapters_file_with_a_script_link_is_refused(
    admin: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = session.scalars(select(Show)).one()
    episode = make_episode(session, show, episodes_dir, seconds=6.0)
    session.commit()
    page_url = f"/studio/shows/leaders/episodes/{episode.id}/chapters"
    bad = {"startTime": 0, "title": "Intro", "img": "javascript:alert(document.cookie)"}
    body = json.dumps({"version": "1.2.0", "chapters": [bad]}).encode()
    response = admin.post(
        f"{page_url}/upload",
        data={"csrf_token": csrf_token(admin, page_url),
              "chapters_file": (io.BytesIO(body), "chapters.json")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 400
    assert "/chapters/0: the image must be an http(s) URL" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Chapter)).all() == []


PERSON_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"
  xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>Hostile Show</title><link>javascript:alert('site')</link>
<description>d</description><podcast:funding url="data:text/html,x">Fund</podcast:funding>
<itunes:image href="JaVaScRiPt:alert('art')"/>
<item><title>One</title><guid>h1</guid><pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate>
  <link>vbscript:msgbox(1)</link>
  <itunes:image href="data:image/svg+xml,&lt;svg onload=alert(1)&gt;"/>
  <enclosure url="https://cdn.example/one.mp3" length="5" type="audio/mpeg"/>
  <podcast:person href="javascript:alert(1)" role="guest">Mallory Evil</podcast:person>
  <podcast:person href="https://example.com/grace" role="guest">Grace Good</podcast:person>
  <podcast:transcript url=" javascript:alert(2)" type="text/vtt"/>
  <podcast:chapters url="java&#9;script:alert(3)" type="application/json+chapters"/>
</item></channel></rss>
"""


def test_an_imported_feed_stores_no_script_url_and_the_report_says_so(
    runner: FlaskCliRunner, session: Session, client: FlaskClient, tmp_path: Path
) -> None:
    feed = tmp_path / "hostile.xml"
    feed.write_text(PERSON_FEED)
    result = runner.invoke(args=["import", str(feed)])
    assert result.exit_code == 0, result.output
    output = result.output
    for expected in (
        "podcast:person href of 'Mallory Evil' 'javascript:alert(1)' is not an http(s) URL; "
        "not stored",
        "channel link \"javascript:alert('site')\" is not an http(s) URL",
        "channel podcast:funding 'data:text/html,x' is not an http(s) URL",
        "channel itunes:image \"JaVaScRiPt:alert('art')\" is not an http(s) URL",
        "link 'vbscript:msgbox(1)' is not an http(s) URL",
        "podcast:transcript url 'javascript:alert(2)' is not an http(s) URL",
        "podcast:chapters url 'java\\tscript:alert(3)' is not an http(s) URL",
    ):
        assert expected in output, output
    links = dict(session.execute(select(Guest.name, Guest.links)).tuples().all())
    assert links == {"Mallory Evil": [], "Grace Good": ["https://example.com/grace"]}
    show = session.scalars(select(Show)).one()
    assert (show.website, show.funding_url, show.artwork_url) == ("", "", None)
    episode = session.scalars(select(Episode)).one()
    assert episode.artwork_url is None and episode.source_extras == {}

    page = client.get("/guests/mallory-evil").get_data(as_text=True)
    assert "javascript:" not in page


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "data:text/html,x", " javascript:x"])
def test_a_stored_bad_link_is_never_rendered_as_a_link(
    client: FlaskClient, session: Session, episodes_dir: Path, bad: str
) -> None:
    """Rows written before links were checked, or by other means, stay harmless."""
    show = make_show(session, slug="pod", title="Pod")
    episode = make_episode(session, show, episodes_dir, title="First")
    guest = add_guest(session, episode, "Eve Old")
    guest.links = [bad, "https://example.com/eve"]
    show.spotify_url = bad
    session.commit()
    page = client.get("/guests/eve-old").get_data(as_text=True)
    assert 'href="https://example.com/eve"' in page
    assert bad.strip() not in page  # not as a link, nor in the JSON-LD
    show_page = client.get("/pod/").get_data(as_text=True)
    assert "Spotify" not in show_page
    feed = client.get("/pod/feed.xml").get_data(as_text=True)
    assert 'href="https://example.com/eve"' in feed and bad.strip() not in feed


@pytest.mark.parametrize(
    "description",
    [
        "About us<script>alert(document.cookie)</script>",
        '<p>About us <img src=x onerror="alert(1)"></p>',
        '<a href="javascript:alert(1)">About us</a>',
    ],
)
def test_the_show_description_reaches_the_feed_sanitised(
    client: FlaskClient, session: Session, episodes_dir: Path, description: str
) -> None:
    show = make_show(session, slug="pod", title="Pod", description=description)
    make_episode(session, show, episodes_dir, title="First")
    session.commit()
    body = client.get("/pod/feed.xml").get_data(as_text=True)
    channel_description = ElementTree.fromstring(body).findtext("channel/description") or ""
    assert "About us" in channel_description
    for bad in ("<script", "alert(", "onerror", "javascript:"):
        assert bad not in body


def test_an_archive_with_script_links_keeps_none_of_them(
    runner: FlaskCliRunner, session: Session, episodes_dir: Path, tmp_path: Path
) -> None:
    show = make_show(session, slug="pod", title="Pod", website="https://pod.example/")
    episode = make_episode(session, show, episodes_dir, title="First")
    add_guest(session, episode, "Eve Old").links = ["https://example.com/eve"]
    session.commit()
    archive = tmp_path / "pod.zip"
    assert runner.invoke(args=["export", "pod", str(archive)]).exit_code == 0
    hostile = tmp_path / "hostile.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["show"]["website"] = "javascript:alert(1)"
                manifest["show"]["spotify_url"] = "data:text/html,x"
                manifest["guests"][0]["links"] = ["JaVaScRiPt:alert(2)", "https://example.com/e"]
                manifest["episodes"][0]["artwork_url"] = "vbscript:msgbox(1)"
                data = json.dumps(manifest).encode()
            target.writestr(item, data)
    result = runner.invoke(args=["import", str(hostile)])
    assert result.exit_code == 0, result.output
    for expected in (
        "show website 'javascript:alert(1)' is not an http(s) URL",
        "show spotify_url 'data:text/html,x' is not an http(s) URL",
        "guest 'eve-old' link 'JaVaScRiPt:alert(2)' is not an http(s) URL",
        "artwork_url 'vbscript:msgbox(1)' is not an http(s) URL",
    ):
        assert expected in result.output, result.output
    session.expire_all()
    show = session.scalars(select(Show)).one()
    assert (show.website, show.spotify_url) == ("", "")
    assert session.scalars(select(Guest.links)).one() == ["https://example.com/e"]
    assert session.scalars(select(Episode.artwork_url)).one() is None
