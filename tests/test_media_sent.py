"""The bytes recorded for a media request are the bytes that went out, over real HTTP: under
gunicorn (sendfile) and werkzeug's server (an iterated body); the site's player gets chunks."""

from __future__ import annotations

import io
import socket
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.media.delivery import PLAYER_CHUNK
from showapp.media.recorder import get_recorder
from showapp.models import Episode, MediaRequest
from showapp.services.audio import files as audio_files
from showapp.services.catalog import writes
from showapp.services.demo import tones
from showapp.storage import LocalStorage
from tests.conftest import http_get
from tests.factories import OVERCAST, make_show
from tests.live import gunicorn_server

MINUTES = 20  # about 9.6 MB: more than the kernel's socket buffers hold
STATS_ON = {"STATS_ENABLED": "true", "STATS_FLUSH_SECONDS": "0.2"}


@pytest.fixture
def long_episode(session: Session, episodes_dir: Path) -> Episode:
    audio = tones.melody_mp3(3, 60) * MINUTES  # whole MP3s end to end
    show = make_show(session, slug="long")
    with audio_files.staged_audio(
        io.BytesIO(audio), LocalStorage(episodes_dir), show.slug, "x.mp3"
    ) as staged:
        episode = writes.create_episode(session, show, audio=staged, title="Long")
        writes.publish_episode(episode, utc_now() - timedelta(days=1))
        session.flush()
        staged.keep()
    session.commit()
    return episode


def _recorded(session: Session, count: int) -> list[tuple[int, int, int | None, str]]:
    """The recorded requests (first byte, last byte, bytes sent, method), once `count` are in."""
    query = select(
        MediaRequest.range_start,
        MediaRequest.range_end,
        MediaRequest.bytes_sent,
        MediaRequest.method,
    ).order_by(MediaRequest.id)
    deadline = time.monotonic() + 20
    while True:
        session.expire_all()
        rows = [tuple(row) for row in session.execute(query)]
        if len(rows) >= count or time.monotonic() > deadline:
            return rows  # type: ignore[return-value]
        time.sleep(0.2)


def _read_a_little_and_hang_up(url: str, headers: str, keep: int) -> bytes:
    """A client with a tiny receive window that reads `keep` bytes and closes."""
    parts = urlsplit(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parts.hostname or "", parts.port or 80))
    sock.sendall(f"GET {parts.path} HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
    got = b""
    while len(got) < keep:
        got += sock.recv(4096)
    sock.close()
    return got


def test_gunicorn_records_what_it_sent(app: Flask, session: Session, long_episode: Episode) -> None:
    size = long_episode.audio_bytes or 0
    with gunicorn_server(app.config, settings=STATS_ON) as base:
        url = f"{base}/media/{long_episode.audio_file}"
        status, _, body = http_get(url, **{"User-Agent": OVERCAST})
        assert status == 200 and len(body) == size
        status, _, body = http_get(url, **{"User-Agent": OVERCAST, "Range": "bytes=1000-"})
        assert status == 206 and len(body) == size - 1000
        assert http_get(url, "HEAD", **{"User-Agent": OVERCAST})[0] == 200
        agent = f"User-Agent: {OVERCAST}\r\nRange: bytes=0-\r\n"
        _read_a_little_and_hang_up(url, agent, 8192)
        rows = _recorded(session, 4)
    whole, ranged, head, aborted = rows
    assert whole == (0, size - 1, size, "GET")
    assert ranged == (1000, size - 1, size - 1000, "GET")
    assert head == (0, -1, 0, "HEAD")
    # Asked for everything, hung up after a few KB: only what left before that is recorded.
    first, last, sent, _ = aborted
    assert sent is not None and 8192 <= sent < size // 2 and (first, last) == (0, sent - 1)


def test_the_site_player_gets_the_audio_a_chunk_at_a_time(
    app: Flask, session: Session, long_episode: Episode
) -> None:
    size = long_episode.audio_bytes or 0
    with gunicorn_server(app.config, settings=STATS_ON) as base:
        url = f"{base}/media/{long_episode.audio_file}"
        status, headers, body = http_get(url + "?_from=web", Range="bytes=0-")
        assert status == 206 and len(body) == PLAYER_CHUNK
        assert headers["Content-Range"] == f"bytes 0-{PLAYER_CHUNK - 1}/{size}"
        status, headers, body = http_get(url + "?_from=embed", Range=f"bytes={size - 10}-")
        assert status == 206 and headers["Content-Range"] == f"bytes {size - 10}-{size - 1}/{size}"
        # A bounded range, and podcast apps, get what they ask for.
        assert len(http_get(url + "?_from=web", Range="bytes=0-999999")[2]) == 1_000_000
        assert len(http_get(url, Range="bytes=0-")[2]) == size
        rows = _recorded(session, 4)
    assert [sent for _, _, sent, _ in rows] == [PLAYER_CHUNK, 10, 1_000_000, size]


def test_werkzeug_server_records_the_iterated_body(
    app: Flask, session: Session, live_server: str, long_episode: Episode
) -> None:
    size = long_episode.audio_bytes or 0
    url = f"{live_server}/media/{long_episode.audio_file}"
    assert len(http_get(url, Range="bytes=100-199")[2]) == 100
    assert len(http_get(url)[2]) == size
    recorder = get_recorder(app)
    assert recorder is not None
    time.sleep(0.5)  # the server closes the body just after the client has it all
    recorder.flush()
    assert _recorded(session, 2) == [(100, 199, 100, "GET"), (0, size - 1, size, "GET")]
