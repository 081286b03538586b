"""What podcast apps and web players get from /media, over real HTTP: probes, ranges, HEAD,
If-Range, CORS, proxy hand-off and the measurement prefix in the feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.config import ConfigError
from showapp.media.recorder import get_recorder
from showapp.models import Episode, MediaRequest
from tests.conftest import http_get
from tests.factories import OVERCAST, make_committed_episode
from tests.live import gunicorn_server

# Real user agents from the OPAWG examples (apps.json).
APPLE_PODCASTS = "Podcasts/1410.53 CFNetwork/1111 Darwin/19.0.0 (x86_64)"


@pytest.fixture
def episode(session: Session, episodes_dir: Path) -> Episode:
    return make_committed_episode(session, episodes_dir, "delivery", seconds=6)


def _audio(episode: Episode, episodes_dir: Path) -> bytes:
    assert episode.audio_file
    return (episodes_dir / episode.audio_file).read_bytes()


def test_url_ends_in_the_real_extension(episode: Episode) -> None:
    assert episode.audio_file and episode.audio_file.startswith("delivery/")
    assert episode.audio_file.endswith(".mp3")


@pytest.mark.parametrize("agent", [APPLE_PODCASTS, OVERCAST])
def test_app_fetch_sequence(
    live_server: str, episode: Episode, episodes_dir: Path, agent: str
) -> None:
    """Apple and Overcast probe with bytes=0-1, then fetch ranges with If-Range."""
    body = _audio(episode, episodes_dir)
    url = f"{live_server}/media/{episode.audio_file}"
    status, headers, data = http_get(url, **{"User-Agent": agent, "Range": "bytes=0-1"})
    assert (status, data) == (206, body[:2])
    assert headers["Content-Range"] == f"bytes 0-1/{len(body)}"
    assert headers["Content-Type"] == "audio/mpeg"
    etag = headers["ETag"]
    half = len(body) // 2
    status, headers, data = http_get(
        url, **{"User-Agent": agent, "Range": f"bytes=0-{half - 1}", "If-Range": etag}
    )
    assert (status, data) == (206, body[:half])
    assert headers["Content-Length"] == str(half)
    status, headers, data = http_get(
        url, **{"User-Agent": agent, "Range": f"bytes={half}-", "If-Range": etag}
    )
    assert (status, data) == (206, body[half:])
    assert headers["Content-Range"] == f"bytes {half}-{len(body) - 1}/{len(body)}"


def test_stale_if_range_gets_the_whole_file(
    live_server: str, episode: Episode, episodes_dir: Path
) -> None:
    body = _audio(episode, episodes_dir)
    url = f"{live_server}/media/{episode.audio_file}"
    status, _, data = http_get(url, Range="bytes=100-199", **{"If-Range": '"not-the-etag"'})
    assert (status, data) == (200, body)


def test_suffix_range_head_and_unsatisfiable(
    live_server: str, episode: Episode, episodes_dir: Path
) -> None:
    body = _audio(episode, episodes_dir)
    url = f"{live_server}/media/{episode.audio_file}"
    status, _, data = http_get(url, Range="bytes=-500")
    assert (status, data) == (206, body[-500:])
    status, headers, data = http_get(url, method="HEAD", **{"User-Agent": APPLE_PODCASTS})
    assert (status, data) == (200, b"")
    assert headers["Content-Length"] == str(len(body))
    assert headers["Accept-Ranges"] == "bytes" and headers["Last-Modified"]
    status, headers, _ = http_get(url, Range=f"bytes={len(body)}-")
    assert status == 416 and headers["Content-Range"] == f"bytes */{len(body)}"
    status, _, _ = http_get(url, **{"If-None-Match": headers.get("ETag") or "x"})
    assert status in {200, 304}


def test_cors_for_web_players(live_server: str, episode: Episode) -> None:
    url = f"{live_server}/media/{episode.audio_file}"
    _, headers, _ = http_get(url, Range="bytes=0-1", Origin="https://player.example")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Range" in headers["Access-Control-Expose-Headers"]
    status, headers, _ = http_get(
        url,
        method="OPTIONS",
        Origin="https://player.example",
        **{"Access-Control-Request-Headers": "range"},
    )
    assert status == 200
    assert "Range" in headers["Access-Control-Allow-Headers"]


def test_requests_are_recorded_without_the_address(
    live_server: str, app: Flask, episode: Episode, session: Session
) -> None:
    url = f"{live_server}/media/{episode.audio_file}"
    http_get(url, **{"User-Agent": APPLE_PODCASTS, "Range": "bytes=0-1"})
    http_get(url + "?_from=embed", **{"User-Agent": APPLE_PODCASTS})
    http_get(url, method="HEAD", **{"User-Agent": OVERCAST})
    recorder = get_recorder(app)
    assert recorder is not None
    assert recorder.flush() == 3
    # A GET is recorded when its body has gone out, so the HEAD may be stored before it.
    rows = sorted(
        session.scalars(select(MediaRequest)).all(), key=lambda r: (r.method, r.range_end)
    )
    assert [(r.method, r.range_start, r.range_end, r.source) for r in rows] == [
        ("GET", 0, 1, "feed"),
        ("GET", 0, episode.audio_bytes - 1 if episode.audio_bytes else 0, "embed"),
        ("HEAD", 0, -1, "feed"),
    ]
    assert rows[0].app == "Apple Podcasts" and rows[2].app == "Overcast"
    assert rows[0].listener_key == rows[1].listener_key != rows[2].listener_key
    for row in rows:
        assert "127.0.0.1" not in (row.listener_key + row.previous_key + row.user_agent)


def _app_with(app_config: dict[str, Any], **extra: Any) -> Flask:
    return create_app({**app_config, **extra})


def test_x_accel_redirect_hands_the_file_to_nginx(
    app_config: dict[str, Any], episode: Episode
) -> None:
    app = _app_with(app_config, MEDIA_ACCEL="x-accel", MEDIA_ACCEL_PREFIX="/_protected/")
    with app.test_client().get(f"/media/{episode.audio_file}") as response:
        assert response.status_code == 200
        assert response.headers["X-Accel-Redirect"] == f"/_protected/{episode.audio_file}"
        assert response.headers["Content-Type"] == "audio/mpeg"
        assert response.data == b""
    with app.test_client().get("/media/delivery/missing.mp3") as response:
        assert response.status_code == 404
    db.get_engine(app).dispose()


def test_x_sendfile_names_the_absolute_path(
    app_config: dict[str, Any], episode: Episode, episodes_dir: Path
) -> None:
    app = _app_with(app_config, MEDIA_ACCEL="x-sendfile")
    with app.test_client().get(f"/media/{episode.audio_file}") as response:
        assert episode.audio_file
        assert response.headers["X-Sendfile"] == str(episodes_dir / episode.audio_file)
    db.get_engine(app).dispose()


def test_unknown_accel_mode_is_refused(app_config: dict[str, Any]) -> None:
    # Without the migration check no connection is opened, so none is left behind.
    with pytest.raises(ConfigError, match="MEDIA_ACCEL"):
        create_app({**app_config, "MEDIA_ACCEL": "nginx"}, check_migrations=False)


def test_measurement_prefix_goes_on_feed_enclosures_only(
    app_config: dict[str, Any], episode: Episode
) -> None:
    app = _app_with(app_config, MEDIA_PREFIX_URL="https://op3.dev/e/", BASE_URL="https://pod.test")
    with app.test_client().get("/delivery/feed.xml") as response:
        root = ET.fromstring(response.data)
    enclosure = root.find("channel/item/enclosure")
    assert enclosure is not None
    assert enclosure.get("url") == f"https://op3.dev/e/pod.test/media/{episode.audio_file}"
    link = root.findtext("channel/item/link")
    assert link and link.startswith("https://pod.test/")
    db.get_engine(app).dispose()


def test_listener_address_behind_a_trusted_proxy(
    app_config: dict[str, Any], episode: Episode
) -> None:
    app = _app_with(app_config, TRUSTED_PROXIES=1)
    client = app.test_client()
    forged = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7", "User-Agent": OVERCAST}
    with client.get(f"/media/{episode.audio_file}", headers=forged):
        pass
    with client.get(
        f"/media/{episode.audio_file}",
        headers={"X-Forwarded-For": "198.51.100.7", "User-Agent": OVERCAST},
    ):
        pass
    recorder = get_recorder(app)
    assert recorder is not None and recorder.flush() == 2
    with db.new_session(app) as session:
        keys = session.scalars(select(MediaRequest.listener_key)).all()
    # The forged first entry is ignored: both requests are the same listener.
    assert len(keys) == 2 and keys[0] == keys[1]
    db.get_engine(app).dispose()


@pytest.fixture
def one_worker_server(app_config: dict[str, Any]) -> Iterator[str]:
    """The app under gunicorn's sync workers, where ranges go out through sendfile()."""
    with gunicorn_server(app_config, workers=1) as url:
        yield url


def test_ranges_under_gunicorn_sendfile(
    episode: Episode, episodes_dir: Path, one_worker_server: str
) -> None:
    body = _audio(episode, episodes_dir)
    url = f"{one_worker_server}/media/{episode.audio_file}"
    size = len(body)
    for first, last in [(0, 1), (0, 999), (size // 3, size // 2), (size - 100, size - 1)]:
        status, headers, data = http_get(url, Range=f"bytes={first}-{last}")
        assert (status, data) == (206, body[first : last + 1])
        assert headers["Content-Range"] == f"bytes {first}-{last}/{size}"
    status, _, data = http_get(url, Range="bytes=-700")
    assert (status, data) == (206, body[-700:])
    status, _, data = http_get(url)
    assert (status, data) == (200, body)


@pytest.mark.parametrize(("multithread", "positioned"), [(False, True), (True, False)])
def test_gunicorn_workers_are_recognised_by_the_environ_they_build(
    app: Flask, episode: Episode, multithread: bool, positioned: bool
) -> None:
    """A range goes to sendfile() when the environ is gunicorn's own (sync workers), and not
    with gthread's wsgi.multithread. If gunicorn stops naming itself "gunicorn/..." in
    SERVER_SOFTWARE, ranges quietly fall back to werkzeug's read-and-drop iterator, which the
    live test above would not notice. gunicorn's internals are used here only to build the
    environ its workers build."""
    from importlib.metadata import version

    from gunicorn.config import Config
    from gunicorn.http.wsgi import FileWrapper, base_environ

    environ = {**base_environ(Config()), "wsgi.multithread": multithread}
    why = (
        f"written for gunicorn 27.0.1, installed: {version('gunicorn')}, "
        f"whose environ has SERVER_SOFTWARE={environ['SERVER_SOFTWARE']!r}"
    )
    url = f"/media/{episode.audio_file}"
    with app.test_request_context(
        url, headers={"Range": "bytes=100-199"}, environ_overrides=environ
    ):
        response = app.full_dispatch_request()
    try:
        assert response.status_code == 206 and response.content_length == 100
        body = response.response
        assert isinstance(body, FileWrapper) == positioned, why
        if isinstance(body, FileWrapper):
            assert body.filelike.tell() == 100, why
    finally:
        response.close()
