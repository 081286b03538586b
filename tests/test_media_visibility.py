"""Audio follows its episode: what a host has not published, or has withdrawn, is not served
from /media (through the view or the proxied X-Accel layer) and is never counted; the guest's
review link still plays a draft, and a scheduled episode's audio opens at its time."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.columns import utc_now
from showapp.media.recorder import get_recorder
from showapp.models import Episode, EpisodeStatus, MediaRequest
from showapp.services.catalog import transcripts
from tests.factories import APPLE, make_committed_episode, make_episode, make_show
from tests.review_helpers import create_link, local_path, make_draft
from tests.studio_helpers import csrf_token, login, make_user


@pytest.fixture(params=["flask", "x-accel"])
def media_app(
    request: pytest.FixtureRequest, app: Flask, app_config: dict[str, Any]
) -> Iterator[Flask]:
    """The app as it serves /media: by itself, or answering beneath Flask for nginx."""
    if request.param == "flask":
        yield app
        return
    proxied = create_app({**app_config, "MEDIA_ACCEL": "x-accel"})
    yield proxied
    recorder = get_recorder(proxied)
    if recorder is not None:
        recorder.flush()
    db.get_engine(proxied).dispose()


def _get(app: Flask, episode: Episode, method: str = "GET", **headers: str) -> Any:
    url = f"/media/{episode.audio_file}"
    with app.test_client().open(url, method=method, headers=headers) as answer:
        return answer


def _stored_requests(app: Flask) -> int:
    recorder = get_recorder(app)
    assert recorder is not None
    recorder.flush()
    with db.new_session(app) as session:
        return session.scalar(select(func.count(MediaRequest.id))) or 0


def _not_served(app: Flask, episode: Episode) -> None:
    for method, headers in (("GET", {}), ("GET", {"Range": "bytes=0-1"}), ("HEAD", {})):
        answer = _get(app, episode, method, **{"User-Agent": APPLE, **headers})
        assert answer.status_code == 404, (method, headers)
        assert answer.mimetype == "text/html"  # the app's error page, never the audio
        assert "X-Accel-Redirect" not in answer.headers
    assert _stored_requests(app) == 0


def test_a_drafts_audio_is_not_served_or_counted(
    media_app: Flask, session: Session, episodes_dir: Path
) -> None:
    draft = make_committed_episode(session, episodes_dir, "drafts", published_at=None)
    assert (episodes_dir / str(draft.audio_file)).is_file()
    _not_served(media_app, draft)


def test_a_scheduled_episodes_audio_opens_at_its_time(
    media_app: Flask, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="soon")
    later = make_episode(session, show, episodes_dir, published_at=utc_now() + timedelta(days=1))
    soon = make_episode(session, show, episodes_dir, published_at=utc_now() + timedelta(seconds=4))
    session.commit()
    assert later.status == soon.status == EpisodeStatus.SCHEDULED
    _not_served(media_app, later)
    assert _get(media_app, soon).status_code == 404
    assert soon.published_at is not None
    # No commit in between: the process knew when the episode goes live.
    time.sleep(max(0.0, (soon.published_at - utc_now()).total_seconds()) + 0.05)
    answer = _get(media_app, soon, **{"User-Agent": APPLE})
    assert answer.status_code == 200
    assert _stored_requests(media_app) == 1
    assert _get(media_app, later).status_code == 404


def test_a_withdrawn_episodes_audio_stops_being_served(
    media_app: Flask, client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    """Published from the studio, heard, then set back to draft: the URL that was in the feed
    answers 404 (at once in the process that saved, within a second in the others), and
    nothing more is counted."""
    show = make_show(session, slug="leaders")
    episode = make_episode(session, show, episodes_dir, published_at=None, title="Oops")
    transcripts.add_transcript(session, episode, "WEBVTT\n\n00:00.000 --> 00:01.000\nOops\n")
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    login(client, "host@example.com")
    editor = f"/studio/shows/leaders/episodes/{episode.id}"
    transcript = f"/media/leaders/{episode.slug}/transcript.txt"
    assert _save_status(client, editor, "published") == 303
    session.refresh(episode)  # published audio is tagged: a new file, at a new URL
    assert _get(media_app, episode, **{"User-Agent": APPLE}).status_code == 200
    assert media_app.test_client().get(transcript).status_code == 200
    assert _stored_requests(media_app) == 1
    assert _save_status(client, editor, "draft") == 303
    if media_app is not client.application:
        time.sleep(1.1)  # another process learns of the change within a second
    _not_served_again(media_app, episode)
    assert media_app.test_client().get(transcript).status_code == 404


def _not_served_again(app: Flask, episode: Episode) -> None:
    for method in ("GET", "HEAD"):
        assert _get(app, episode, method, **{"User-Agent": APPLE}).status_code == 404
    assert _stored_requests(app) == 1


def _save_status(client: FlaskClient, editor: str, status: str) -> int:
    page = client.get(editor).get_data(as_text=True)
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    form = {
        "csrf_token": csrf_token(client, editor),
        "version": version,
        "title": "Oops",
        "status": status,
        "episode_type": "full",
    }
    return client.post(editor, data=form).status_code


def test_the_review_link_still_plays_the_draft(
    app: Flask, client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    draft = make_draft(session, episodes_dir)
    login(client, "host@example.com")
    review_url = local_path(create_link(client, draft))
    guest = app.test_client()
    with guest.get(f"/media/{draft.episode.audio_file}") as public:
        assert public.status_code == 404
    with guest.get(f"{review_url}/audio", headers={"Range": "bytes=0-99"}) as preview:
        assert preview.status_code == 206 and len(preview.data) == 100
    assert _stored_requests(app) == 0


def test_unlisted_audio_is_served_like_its_page(
    media_app: Flask, session: Session, episodes_dir: Path
) -> None:
    episode = make_committed_episode(
        session, episodes_dir, "hidden", published_at=None, status=EpisodeStatus.UNLISTED
    )
    assert _get(media_app, episode).status_code == 200
    with media_app.test_client().get("/hidden/episodes/" + episode.slug) as page:
        assert page.status_code == 200


def test_the_host_still_hears_a_draft_in_the_studio(
    app: Flask, client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    """The replace-audio page links the current file through the studio, not /media."""
    show = make_show(session, slug="leaders")
    draft = make_episode(session, show, episodes_dir, published_at=None)
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    login(client, "host@example.com")
    page = client.get(f"/studio/shows/leaders/episodes/{draft.id}/audio").get_data(as_text=True)
    found = re.search(r'Now: <a href="([^"]+)">', page)
    assert found and not found[1].startswith("/media/")
    with client.get(found[1]) as audio:
        assert audio.status_code == 200 and audio.mimetype == "audio/mpeg"
        assert audio.data == (episodes_dir / str(draft.audio_file)).read_bytes()
    with app.test_client().get(found[1]) as stranger:
        assert stranger.status_code in (302, 303, 401)
    assert _stored_requests(app) == 0


@pytest.mark.parametrize(
    "spelling", ["{show}//{name}", "./{show}/{name}", "{show}/./{name}", "%2e/{show}/{name}"]
)
def test_another_spelling_of_a_withheld_files_name_is_not_served(
    media_app: Flask, session: Session, episodes_dir: Path, spelling: str
) -> None:
    """The disk opens 'show//file' as 'show/file'; the list of withheld files does not."""
    draft = make_committed_episode(session, episodes_dir, "drafts", published_at=None)
    show, name = str(draft.audio_file).split("/")
    url = "/media/" + spelling.format(show=show, name=name)
    for method in ("GET", "HEAD"):
        with media_app.test_client().open(url, method=method) as answer:
            assert answer.status_code == 404, (url, method)
            assert "X-Accel-Redirect" not in answer.headers
    assert _stored_requests(media_app) == 0
