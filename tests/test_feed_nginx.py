"""The documented production feed proxy (docs/feeds.md), run as written: nginx caches each
coding of a feed as the app allows, answers revalidations itself, and picks up a changed feed
once max-age is out."""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from showapp.models import Episode
from tests.conftest import http_get, require
from tests.factories import make_show_with_episodes
from tests.nginx import NGINX, free_port, readme_block, running_nginx

FEED = "/pod/feed.xml"
GZIP = {"Accept-Encoding": "gzip"}
REFRESH_SECONDS = 10


@pytest.fixture
def feed_max_age() -> int:
    return 300  # long enough that nothing in a test goes stale unless it asks to


@pytest.fixture
def app_config(app_config: dict[str, Any], feed_max_age: int) -> dict[str, Any]:
    # The fast lane reads FEED_MAX_AGE when the app is made, so it is set before.
    return {**app_config, "FEED_MAX_AGE": feed_max_age}


@pytest.fixture
def app_requests(app: Flask) -> list[str]:
    """Paths of the requests that reached the app (fast lane included), in order."""
    seen: list[str] = []
    inner = app.wsgi_app

    def counting(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = counting  # type: ignore[method-assign]
    return seen


@pytest.fixture
def nginx(app_requests: list[str], live_server: str, tmp_path: Path) -> Iterator[str]:
    require(NGINX.exists(), "nginx")
    port = free_port()
    block = readme_block(
        "proxy_cache_path",
        {
            "/var/cache/nginx/showapp ": f"{tmp_path / 'nginx-cache'} ",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{port};",
            "http://127.0.0.1:8000;": f"{live_server};",
        },
    )
    # The refresh test is about cached files kept open between requests, so it needs this.
    assert "open_file_cache " in block
    with running_nginx(tmp_path / "nginx", port, block) as url:
        yield url


@pytest.fixture
def episode(session: Session, episodes_dir: Path) -> Episode:
    _, (_, episode) = make_show_with_episodes(
        session, episodes_dir, ["An older talk", "Before the edit"], slug="pod", title="Pod"
    )
    session.commit()
    return episode


def _cache_status(headers: dict[str, str]) -> str:
    return headers.get("X-Cache-Status", "")


def test_the_feed_through_nginx_is_the_apps_and_is_cached(
    nginx: str, live_server: str, episode: Episode, app_requests: list[str]
) -> None:
    first = http_get(nginx + FEED)
    second = http_get(nginx + FEED)
    assert app_requests == [FEED]  # the second one never reached the app
    direct = http_get(live_server + FEED)
    assert first[0] == second[0] == direct[0] == 200
    assert first[2] == second[2] == direct[2]
    assert b"<title>Before the edit</title>" in direct[2]
    assert (_cache_status(first[1]), _cache_status(second[1])) == ("MISS", "HIT")
    assert first[1]["ETag"] == second[1]["ETag"] == direct[1]["ETag"]


def test_plain_and_gzip_are_cached_apart(
    nginx: str, live_server: str, episode: Episode, app_requests: list[str]
) -> None:
    plain = http_get(live_server + FEED)[2]
    status, headers, zipped = http_get(nginx + FEED, **GZIP)
    assert (status, headers["Content-Encoding"], _cache_status(headers)) == (200, "gzip", "MISS")
    assert gzip.decompress(zipped) == plain
    # The gzip copy is not what a client without gzip gets: it has its own entry.
    status, headers, body = http_get(nginx + FEED)
    assert (status, body, _cache_status(headers)) == (200, plain, "MISS")
    assert "Content-Encoding" not in headers
    for coding, expected in (({}, plain), (GZIP, zipped)):
        status, headers, body = http_get(nginx + FEED, **coding)
        assert (status, body, _cache_status(headers)) == (200, expected, "HIT")
    assert app_requests == [FEED] * 3


def test_nginx_answers_if_none_match_itself(
    nginx: str, episode: Episode, app_requests: list[str]
) -> None:
    etag = http_get(nginx + FEED)[1]["ETag"]
    status, headers, body = http_get(nginx + FEED, **{"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert headers["ETag"] == etag
    assert app_requests == [FEED]


@pytest.mark.parametrize("feed_max_age", [1])
def test_a_changed_feed_is_served_once_max_age_is_out(
    nginx: str, episode: Episode, session: Session
) -> None:
    assert [_cache_status(http_get(nginx + FEED)[1]) for _ in range(2)] == ["MISS", "HIT"]
    episode.title = "After the edit"
    session.commit()
    body = _poll_until(nginx + FEED, b"<title>After the edit</title>")
    assert b"Before the edit" not in body
    status, headers, again = http_get(nginx + FEED)
    assert (status, again, _cache_status(headers)) == (200, body, "HIT")


def _poll_until(url: str, wanted: bytes) -> bytes:
    """The first body from `url` holding `wanted`; nginx serves the stale one meanwhile."""
    deadline = time.monotonic() + REFRESH_SECONDS
    while time.monotonic() < deadline:
        status, _, body = http_get(url)
        assert status == 200
        if wanted in body:
            return body
        time.sleep(0.1)
    raise AssertionError(f"{wanted!r} not served through nginx in {REFRESH_SECONDS} s")
