"""Serving audio files: the headers and ranges podcast apps rely on, over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import Episode
from tests.conftest import http_get
from tests.factories import make_committed_episode


@pytest.fixture
def episode(session: Session, episodes_dir: Path) -> Episode:
    return make_committed_episode(session, episodes_dir, "media-show", seconds=4)


def _url(episode: Episode) -> str:
    return f"/media/{episode.audio_file}"


def test_full_get_over_http(live_server: str, episode: Episode, episodes_dir: Path) -> None:
    assert episode.audio_file
    body = (episodes_dir / episode.audio_file).read_bytes()
    status, headers, data = http_get(live_server + _url(episode))
    assert status == 200
    assert data == body
    assert headers["Content-Type"] == "audio/mpeg"
    assert int(headers["Content-Length"]) == len(body)
    assert headers["Accept-Ranges"] == "bytes"
    assert headers.get("ETag") and headers.get("Last-Modified")


def test_range_requests_over_http(live_server: str, episode: Episode, episodes_dir: Path) -> None:
    assert episode.audio_file
    body = (episodes_dir / episode.audio_file).read_bytes()
    # Apple's and Overcast's first probe is bytes=0-1.
    status, headers, data = http_get(live_server + _url(episode), Range="bytes=0-1")
    assert status == 206
    assert data == body[:2]
    assert headers["Content-Range"] == f"bytes 0-1/{len(body)}"
    status, _, data = http_get(live_server + _url(episode), Range="bytes=1000-")
    assert status == 206 and data == body[1000:]
    status, headers, _ = http_get(live_server + _url(episode), Range=f"bytes={len(body) + 10}-")
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{len(body)}"


def test_head_has_length_and_no_body(live_server: str, episode: Episode) -> None:
    assert episode.audio_bytes
    status, headers, data = http_get(live_server + _url(episode), method="HEAD")
    assert status == 200
    assert int(headers["Content-Length"]) == episode.audio_bytes
    assert data == b""


def test_unfinished_uploads_and_other_files_are_not_served(
    client: FlaskClient, episode: Episode, episodes_dir: Path
) -> None:
    (episodes_dir / "media-show" / ".upload-abc.mp3.part").write_bytes(b"partial")
    (episodes_dir / "media-show" / "secrets.txt").write_text("no")
    assert client.get("/media/media-show/.upload-abc.mp3.part").status_code == 404
    assert client.get("/media/media-show/secrets.txt").status_code == 404
    assert client.get("/media/../pyproject.toml").status_code == 404
    assert client.get("/media/media-show/missing.mp3").status_code == 404
