"""The documented nginx snippet (docs/media-and-stats.md), run as written: the app answers
X-Accel-Redirect and nginx sends the bytes, ranges and CORS headers included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from showapp.media.recorder import get_recorder
from showapp.models import Episode
from tests.conftest import http_get, require
from tests.factories import APPLE, make_committed_episode
from tests.nginx import NGINX, free_port, readme_block, running_nginx


@pytest.fixture
def nginx(app: Flask, live_server: str, tmp_path: Path) -> Iterator[str]:
    require(NGINX.exists(), "nginx")
    app.config["MEDIA_ACCEL"] = "x-accel"
    port = free_port()
    snippet = readme_block(
        "location /_media/",
        {
            "127.0.0.1:8000": live_server.removeprefix("http://"),
            "# ... listen, server_name, TLS as in deployment.md ...": f"listen 127.0.0.1:{port};",
            "/srv/showapp/episodes/": app.config["EPISODES_DIR"] + "/",
        },
    )
    with running_nginx(tmp_path / "nginx", port, f"types {{ audio/mpeg mp3; }}\n{snippet}") as url:
        yield url


@pytest.fixture
def episode(session: Session, episodes_dir: Path) -> Episode:
    return make_committed_episode(session, episodes_dir, "proxied", seconds=4)


def test_readme_nginx_snippet_serves_through_x_accel(
    app: Flask, nginx: str, episode: Episode, episodes_dir: Path
) -> None:
    assert episode.audio_file
    body = (episodes_dir / episode.audio_file).read_bytes()
    url = f"{nginx}/media/{episode.audio_file}"
    status, headers, data = http_get(url, **{"Range": "bytes=0-1", "User-Agent": APPLE})
    assert (status, data) == (206, body[:2])
    assert headers["Server"].startswith("nginx")
    assert headers["Content-Range"] == f"bytes 0-1/{len(body)}"
    assert headers["Content-Type"] == "audio/mpeg"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, data = http_get(url, **{"Range": "bytes=100-", "User-Agent": APPLE})
    assert (status, data) == (206, body[100:])
    status, headers, data = http_get(url, method="HEAD")
    assert (status, data) == (200, b"")
    assert headers["Content-Length"] == str(len(body))
    # The internal location cannot be reached from outside.
    assert http_get(f"{nginx}/_media/{episode.audio_file}")[0] == 404
    recorder = get_recorder(app)
    assert recorder is not None and recorder.flush() == 3
