"""Behind a proxy (SHOWAPP_MEDIA_ACCEL), GET and HEAD of an episode file are answered beneath
Flask: the answer, the recording and what is left to Flask must be those of the media view."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.media.recorder import get_recorder
from showapp.models import Episode, MediaRequest
from tests.factories import APPLE, OVERCAST, make_committed_episode


@pytest.fixture
def episode(session: Session, episodes_dir: Path) -> Episode:
    return make_committed_episode(session, episodes_dir, "proxied", seconds=2)


@pytest.fixture(params=["x-accel", "x-sendfile"])
def proxied_app(request: pytest.FixtureRequest, app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app({**app_config, "MEDIA_ACCEL": request.param, "TRUSTED_PROXIES": 1})
    yield app
    db.get_engine(app).dispose()


def _answer(app: Flask, path: str, method: str = "GET", **headers: str) -> dict[str, Any]:
    with app.test_client().open(path, method=method, headers=headers) as response:
        return {"status": response.status_code, "body": response.data, **response.headers}


def test_the_answer_is_the_views(proxied_app: Flask, episode: Episode, episodes_dir: Path) -> None:
    """A file one folder deeper than uploads go is still served by the view itself, so the two
    answers can be laid side by side."""
    name = str(episode.audio_file)
    deeper = name.replace("/", "/deeper/", 1)
    (episodes_dir / deeper).parent.mkdir()
    shutil.copyfile(episodes_dir / name, episodes_dir / deeper)
    for method in ("GET", "HEAD"):
        fast = _answer(proxied_app, f"/media/{name}", method, Range="bytes=0-1")
        view = _answer(proxied_app, f"/media/{deeper}", method, Range="bytes=0-1")
        handoff = "X-Accel-Redirect" if "X-Accel-Redirect" in fast else "X-Sendfile"
        assert fast[handoff].endswith(name) and view[handoff].endswith(deeper)
        assert fast[handoff].removesuffix(name) == view[handoff].removesuffix(deeper)
        assert {**fast, handoff: ""} == {**view, handoff: ""}
        assert fast["status"] == 200 and fast["body"] == b""
        assert fast["Access-Control-Allow-Origin"] == "*"


def test_requests_are_recorded_as_through_the_view(proxied_app: Flask, episode: Episode) -> None:
    url = f"/media/{episode.audio_file}"
    forged = "203.0.113.9, 198.51.100.7"  # only the last entry comes from the trusted proxy
    _answer(proxied_app, url, **{"User-Agent": APPLE, "Range": "bytes=0-1"})
    _answer(proxied_app, url, **{"User-Agent": APPLE, "X-Forwarded-For": forged})
    _answer(proxied_app, url + "?x=1&_from=embed&_from=web", **{"User-Agent": APPLE})
    _answer(proxied_app, url, "HEAD", **{"User-Agent": OVERCAST, "Referer": "https://a.test/"})
    recorder = get_recorder(proxied_app)
    assert recorder is not None and recorder.flush() == 4
    with db.new_session(proxied_app) as session:
        rows = session.scalars(select(MediaRequest).order_by(MediaRequest.id)).all()
        size = int(episode.audio_bytes or 0)
        assert [(r.method, r.range_start, r.range_end, r.source, r.app) for r in rows] == [
            ("GET", 0, 1, "feed", "Apple Podcasts"),
            ("GET", 0, size - 1, "feed", "Apple Podcasts"),
            ("GET", 0, size - 1, "embed", "Apple Podcasts"),
            ("HEAD", 0, -1, "web", "Overcast"),
        ]
        # Without X-Forwarded-For the test client's own address is the listener.
        assert rows[0].listener_key == rows[2].listener_key != rows[1].listener_key


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/media/proxied/missing.mp3", 404),
        ("GET", "/media/proxied/.upload-abc.mp3.part", 404),
        ("GET", "/media/proxied/notes.txt", 404),
        ("POST", "/media/{audio}", 400),  # the app-wide CSRF check comes before the 405
        ("OPTIONS", "/media/{audio}", 200),
    ],
)
def test_everything_else_is_left_to_flask(
    proxied_app: Flask, episode: Episode, episodes_dir: Path, method: str, path: str, status: int
) -> None:
    (episodes_dir / "proxied" / ".upload-abc.mp3.part").write_bytes(b"partial")
    (episodes_dir / "proxied" / "notes.txt").write_text("not media")
    answer = _answer(proxied_app, path.format(audio=episode.audio_file), method)
    assert answer["status"] == status
    assert "X-Accel-Redirect" not in answer and "X-Sendfile" not in answer
    if status == 404:
        assert answer["Content-Type"].startswith("text/html")  # the app's own error page
    if method == "OPTIONS":
        assert "Range" in answer["Access-Control-Allow-Headers"]
    recorder = get_recorder(proxied_app)
    assert recorder is not None and recorder.flush() == 0
