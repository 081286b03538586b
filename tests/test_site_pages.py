"""The public pages over HTTP: what listeners, guests and search engines get."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from showapp import db
from showapp.columns import utc_now
from showapp.models import Episode, Show
from showapp.services.catalog import writes
from tests.conftest import recorded_statements
from tests.factories import add_guest, add_topic, make_episode, make_show, make_show_with_episodes


def _page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def _jsonld(page: str) -> dict[str, object]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match
    data: dict[str, object] = json.loads(match.group(1))
    return data


def _interview(session: Session, episodes_dir: Path) -> tuple[Show, list[Episode]]:
    show = make_show(session, slug="leaders", title="Leaders")
    old = make_episode(session, show, episodes_dir, title="First talk",
                       published_at=utc_now() - timedelta(days=3))  # fmt: skip
    mid = make_episode(session, show, episodes_dir, title="Second talk",
                       published_at=utc_now() - timedelta(days=2))  # fmt: skip
    new = make_episode(session, show, episodes_dir, title="Third talk",
                       published_at=utc_now() - timedelta(days=1))  # fmt: skip
    rosa = writes.find_or_create_guest(session, "Rosa Diaz", organisation="Acme", job_title="CEO")
    writes.credit_guest(session, old, rosa, organisation="Initech", job_title="Engineer")
    writes.credit_guest(session, new, rosa, role="host")
    sponsor = writes.find_or_create_topic(session, "Sponsorship")
    careers = writes.find_or_create_topic(session, "Careers")
    for episode in (old, new):
        writes.tag_topic(session, episode, sponsor)
    writes.tag_topic(session, old, careers)
    session.commit()
    return show, [old, mid, new]


def test_episode_page_has_player_credits_neighbours_and_related(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show, (old, mid, new) = _interview(session, episodes_dir)
    page = _page(client, f"/leaders/episodes/{mid.slug}?t=1:05")
    assert 'data-start="65"' in page
    assert f'href="/media/{mid.audio_file}?_from=web" download' in page
    assert 'value="http://podcast.test/leaders/episodes/second-talk?t=1:05"' in page
    assert f'rel="prev" href="/leaders/episodes/{old.slug}"' in page
    assert f'rel="next" href="/leaders/episodes/{new.slug}"' in page
    assert "data-chapters-url" not in page  # nothing to load until chapters exist

    first = _page(client, f"/leaders/episodes/{old.slug}")
    assert "Engineer at Initech" in first and "CEO" not in first  # as of the interview
    assert 'href="/guests/rosa-diaz"' in first and 'href="/topics/sponsorship"' in first
    related = first.split("Related episodes")[1]
    assert "Third talk" in related and "Second talk" not in related


def test_pages_carry_metadata_for_search_engines_and_previews(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show, (old, _mid, _new) = _interview(session, episodes_dir)
    page = _page(client, f"/leaders/episodes/{old.slug}")
    canonical = f"http://podcast.test/leaders/episodes/{old.slug}"
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert f'<meta property="og:url" content="{canonical}">' in page
    assert '<meta name="twitter:card"' in page and '<meta name="description"' in page
    assert '<link rel="alternate" type="application/rss+xml" title="Leaders"' in page
    assert 'type="application/json+oembed"' in page
    episode_ld = _jsonld(page)
    assert episode_ld["@type"] == "PodcastEpisode" and episode_ld["name"] == "First talk"
    assert [a["name"] for a in episode_ld["actor"]] == ["Rosa Diaz"]  # type: ignore[attr-defined]
    assert _jsonld(_page(client, "/leaders/"))["@type"] == "PodcastSeries"
    person = _jsonld(_page(client, "/guests/rosa-diaz"))
    assert person["@type"] == "Person" and person["jobTitle"] == "CEO"


def test_show_page_subscribe_buttons_are_configurable(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders")
    show.spotify_url = "https://open.spotify.com/show/abc"
    show.overcast_url = "https://overcast.fm/itunes1"
    session.commit()
    page = _page(client, "/leaders/")
    assert 'href="http://podcast.test/leaders/feed.xml">RSS</a>' in page
    assert 'href="https://open.spotify.com/show/abc"' in page and ">Overcast<" in page
    assert "Apple Podcasts" not in page and "Pocket Casts" not in page  # not configured


def test_lists_are_paged_newest_first(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders")
    topic = writes.find_or_create_topic(session, "Mentoring")
    for n in range(23):
        episode = make_episode(session, show, episodes_dir, title=f"Talk {n:02d}",
                               published_at=utc_now() - timedelta(hours=100 - n))  # fmt: skip
        writes.tag_topic(session, episode, topic)
    session.commit()
    for base in ("/leaders/", "/topics/mentoring"):
        first, second = _page(client, base), _page(client, base + "?page=2")
        assert first.index("Talk 22") < first.index("Talk 03") and "Talk 02" not in first
        assert "Talk 02" in second and "Talk 00" in second and "Talk 03" not in second
        assert 'rel="next"' in first and 'rel="prev"' in second
        _page(client, base + "?page=3", 404)
        _page(client, base + "?page=x", 404)


def test_guest_and_topic_pages(client: FlaskClient, session: Session, episodes_dir: Path) -> None:
    _interview(session, episodes_dir)
    guest = _page(client, "/guests/rosa-diaz")
    assert "First talk" in guest and "Third talk" in guest and "Second talk" not in guest
    assert "As guest, then Engineer at Initech" in guest and "As host" in guest
    topic = _page(client, "/topics/sponsorship")
    assert topic.index("Third talk") < topic.index("First talk")
    assert 'href="/topics/careers"' in topic.split("Related topics")[1]
    assert "Sponsorship" in _page(client, "/topics/")


@pytest.mark.parametrize(
    "path", ["/leaders/episodes/draft", "/guests/ghost", "/topics/hidden", "/guests/nobody",
             "/topics/none", "/nope/", "/embed/leaders/draft"],
)  # fmt: skip
def test_drafts_and_unknown_things_are_friendly_404s(
    client: FlaskClient, session: Session, episodes_dir: Path, path: str
) -> None:
    show = make_show(session, slug="leaders")
    draft = make_episode(session, show, episodes_dir, title="Draft", published_at=None)
    add_guest(session, draft, "Ghost")
    add_topic(session, draft, "Hidden")
    session.commit()
    page = _page(client, path, 404)
    assert "Search the episodes instead" in page
    assert "Hidden" not in _page(client, "/topics/")
    assert "/leaders/episodes/draft" not in _page(client, "/sitemap.xml")


def test_pages_answer_conditional_requests(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    _show, (old, _mid, _new) = _interview(session, episodes_dir)
    for path in ("/", "/leaders/", f"/leaders/episodes/{old.slug}", "/topics/sponsorship",
                 "/guests/rosa-diaz", "/search?q=talk"):  # fmt: skip
        response = client.get(path)
        assert response.headers["ETag"], path
        again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, path
    episode = client.get(f"/leaders/episodes/{old.slug}")
    assert episode.last_modified is not None
    since = client.get(
        f"/leaders/episodes/{old.slug}",
        headers={"If-Modified-Since": episode.headers["Last-Modified"]},
    )
    assert since.status_code == 304


def test_embed_and_oembed(client: FlaskClient, session: Session, episodes_dir: Path) -> None:
    _show, (old, _mid, _new) = _interview(session, episodes_dir)
    embed = _page(client, f"/embed/leaders/{old.slug}?t=30")
    assert "<audio" in embed and 'data-start="30"' in embed and 'target="_blank"' in embed
    url = f"http://podcast.test/leaders/episodes/{old.slug}"
    data = client.get("/oembed", query_string={"url": url, "maxwidth": 400}).get_json()
    assert data["type"] == "rich" and data["version"] == "1.0" and data["width"] == 400
    assert f'src="http://podcast.test/embed/leaders/{old.slug}"' in data["html"]
    assert client.get("/oembed", query_string={"url": "https://evil.test/x"}).status_code == 404
    assert client.get("/oembed", query_string={"url": url, "format": "xml"}).status_code == 501


def test_sitemap_and_robots(client: FlaskClient, session: Session, episodes_dir: Path) -> None:
    _show, (old, _mid, _new) = _interview(session, episodes_dir)
    xml = client.get("/sitemap.xml")
    assert xml.mimetype == "application/xml"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {e.text for e in ElementTree.fromstring(xml.data).findall("s:url/s:loc", ns)}
    assert {
        "http://podcast.test/",
        "http://podcast.test/leaders/",
        f"http://podcast.test/leaders/episodes/{old.slug}",
        "http://podcast.test/guests/rosa-diaz",
        "http://podcast.test/topics/sponsorship",
    } <= locs
    robots = _page(client, "/robots.txt")
    assert "Sitemap: http://podcast.test/sitemap.xml" in robots and "Disallow: /studio/" in robots


def test_queries_per_page_do_not_grow_with_the_data(
    app: Flask, client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    app.config["SITE_CACHE_SIZE"] = 0  # count what rendering a page costs
    show = make_show(session, slug="leaders")
    topic = writes.find_or_create_topic(session, "Mentoring")
    guest = writes.find_or_create_guest(session, "Rosa Diaz")

    def add(count: int) -> Episode:
        for _ in range(count):
            episode = make_episode(session, show, episodes_dir, seconds=1)
            writes.tag_topic(session, episode, topic)
            writes.credit_guest(session, episode, guest)
        session.commit()
        return episode

    paths = lambda e: ["/", "/leaders/", f"/leaders/episodes/{e.slug}", "/topics/mentoring",  # noqa: E731
                       "/guests/rosa-diaz", "/search?q=episode", "/leaders/?page=2"]  # fmt: skip
    small_episode = add(22)
    small = {}
    for path in paths(small_episode):
        with recorded_statements(app) as statements:
            _page(client, path)
        small[path] = len(statements)
    large_episode = add(25)
    for path, before in zip(paths(large_episode), small.values(), strict=True):
        with recorded_statements(app) as statements:
            _page(client, path)
        assert len(statements) == before, path
    # 13: the episode page also asks (in one query) whether it has chapters and a transcript.
    assert max(small.values()) <= 13


def _cached_before(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> tuple[Show, Episode, str]:
    """An episode titled "Before" whose page has been rendered: its show, it, and its path."""
    show, (episode,) = make_show_with_episodes(session, episodes_dir, ["Before"], slug="leaders")
    session.commit()
    path = f"/leaders/episodes/{episode.slug}"
    assert "Before" in _page(client, path)
    return show, episode, path


def test_page_cache_serves_repeats_without_queries_and_drops_stale_pages(
    app: Flask, client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show, episode, path = _cached_before(client, session, episodes_dir)
    # A second warm-up: under load the first render can outlast the one-second revision TTL.
    assert "Before" in _page(client, path)
    size, app.config["SITE_CACHE_SIZE"] = app.config["SITE_CACHE_SIZE"], 0
    first = client.get(path)  # rendered
    app.config["SITE_CACHE_SIZE"] = size
    with recorded_statements(app) as statements:
        again = client.get(path)
    assert len(statements) == 0 and "Before" in again.get_data(as_text=True)
    # A hit answers as the render did: the same validators, caching and security headers.
    for name in ("ETag", "Last-Modified", "Cache-Control", "Content-Security-Policy"):
        assert again.headers[name] == first.headers[name], name
    assert again.headers["Cache-Control"] == "public, max-age=60"
    assert client.get(path, headers={"If-None-Match": again.headers["ETag"]}).status_code == 304
    episode.title = "After"
    show.spotify_url = "https://open.spotify.com/show/x"
    session.commit()
    assert "After" in _page(client, path)
    assert "open.spotify.com/show/x" in _page(client, "/leaders/")


def test_another_process_commit_reaches_the_cache_within_a_second(
    app: Flask, client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    _, episode, path = _cached_before(client, session, episodes_dir)
    # Another process's commit: the revision moves but this process's cache hears nothing.
    engine = db.get_engine(app)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE episodes SET title = 'After' WHERE id = :id"), {"id": episode.id}
        )
        connection.execute(text("UPDATE site_revision SET revision = revision + 1"))
    time.sleep(1.1)
    assert "After" in _page(client, path)
