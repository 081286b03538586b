"""Replacing an episode's audio with a file that is already another episode's is refused, with
a way to go on anyway, as a new upload of it is; the file the episode already has changes
nothing. Through the studio's own forms (no JavaScript), with real MP3s, on both storage
backends: a refusal leaves every stored file and row as it was and no upload behind."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode, UserRole
from showapp.services.catalog import lookups
from showapp.storage import Storage, storage_of
from tests.factories import make_episode, make_mp3, make_show
from tests.studio_helpers import csrf_token, login, make_user

EPISODES = "/studio/shows/leaders/episodes"
ALPHA = make_mp3(4.0, seed=71)
BETA = make_mp3(5.0, seed=72)
GAMMA = make_mp3(6.0, seed=73)


@pytest.fixture
def app_config(app_config: dict[str, Any], backend_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, **backend_config}


@pytest.fixture
def storage(app: Flask) -> Storage:
    return storage_of(app)


@pytest.fixture
def host(client: FlaskClient, session: Session) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders")
    make_user(session, "host@example.com", role=UserRole.HOST, shows=[show])
    session.commit()
    login(client, "host@example.com")
    return client


@pytest.fixture
def alpha_and_beta(host: FlaskClient, session: Session) -> tuple[Episode, Episode]:
    """Two drafts uploaded through the studio: 'alpha' and 'beta', each of its own file."""
    return _uploaded(host, session, ALPHA, "alpha.mp3"), _uploaded(host, session, BETA, "beta.mp3")


def _uploaded(client: FlaskClient, session: Session, body: bytes, name: str) -> Episode:
    data = {"csrf_token": csrf_token(client, EPISODES), "audio": (io.BytesIO(body), name)}
    response = client.post(f"{EPISODES}/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, _text(response)[-500:]
    session.rollback()
    episode = session.scalars(select(Episode).order_by(Episode.id.desc())).first()
    assert episode is not None and episode.audio_sha256 == _sha256(body)
    return episode


def _audio_page(episode_id: int) -> str:
    return f"{EPISODES}/{episode_id}/audio"


def _form(page: str, marker: str) -> tuple[str | None, dict[str, str]]:
    """The action and hidden fields of the first form after `marker` on a page."""
    form = page.split(marker, 1)[1].split("</form>", 1)[0]
    action = re.search(r'action="([^"]+)"', form)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    return (action.group(1) if action else None), hidden


def _replace_form(client: FlaskClient, episode_id: int) -> dict[str, str]:
    """The hidden fields of the replace form as the host's browser has them (CSRF, version)."""
    response = client.get(_audio_page(episode_id))
    assert response.status_code == 200
    return _form(response.get_data(as_text=True), 'id="replace-audio-form"')[1]


def _post_audio(
    client: FlaskClient, url: str, fields: dict[str, str], body: bytes, name: str = "take.mp3"
) -> Any:
    data: dict[str, Any] = {**fields, "audio": (io.BytesIO(body), name)}
    return client.post(url, data=data, content_type="multipart/form-data")


def _replace(client: FlaskClient, episode_id: int, body: bytes, **extra: str) -> Any:
    fields = {**_replace_form(client, episode_id), **extra}
    return _post_audio(client, _audio_page(episode_id), fields, body)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True).replace("&#39;", "'"))


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _stored(session: Session, storage: Storage, episode_id: int) -> dict[str, Any]:
    """An episode's audio as stored: its row's audio columns and version, and its file's bytes."""
    session.rollback()
    episode = session.get(Episode, episode_id, populate_existing=True)
    assert episode is not None and episode.audio_file is not None
    return {
        "audio_file": episode.audio_file,
        "audio_sha256": episode.audio_sha256,
        "audio_bytes": episode.audio_bytes,
        "duration_seconds": episode.duration_seconds,
        "version": episode.version,
        "file_sha256": _sha256(storage.read_bytes(episode.audio_file)),
    }


def _media(storage: Storage, episodes_dir: Path) -> dict[str, Any]:
    """Every stored name, work files included, and every file in the local media folder
    (where S3 uploads are written before they are sent)."""
    local = {
        str(path.relative_to(episodes_dir)): _sha256(path.read_bytes())
        for path in episodes_dir.rglob("*")
        if path.is_file()
    }
    return {"stored": sorted(storage.names("", hidden=True)), "local": local}


def _no_pending_uploads(app: Flask, storage_backend: str, request: pytest.FixtureRequest) -> None:
    if storage_backend == "s3":
        bucket = request.getfixturevalue("s3_server").client()
        pending = bucket.list_multipart_uploads(Bucket=app.config["S3_BUCKET"])
        assert pending.get("Uploads", []) == []  # the refused upload's parts were dropped


def test_replacing_with_another_episodes_file_is_refused_and_changes_nothing(
    app: Flask,
    host: FlaskClient,
    session: Session,
    storage: Storage,
    episodes_dir: Path,
    alpha_and_beta: tuple[Episode, Episode],
    storage_backend: str,
    request: pytest.FixtureRequest,
) -> None:
    alpha, beta = alpha_and_beta
    before = {e.id: _stored(session, storage, e.id) for e in (alpha, beta)}
    media = _media(storage, episodes_dir)

    response = _replace(host, beta.id, ALPHA)

    assert response.status_code == 409
    page = _text(response)
    assert "This audio file was already uploaded as 'alpha' (leaders/alpha)." in page
    assert "The audio was not replaced." in page
    assert f"<a href=\"{EPISODES}/{alpha.id}\">Open 'alpha'</a>" in page
    action, fields = _form(response.get_data(as_text=True), 'id="duplicate-warning"')
    assert action == _audio_page(beta.id)
    assert fields["allow_duplicate"] == "1"
    assert fields["version"] == str(before[beta.id]["version"])
    assert "Replace anyway" in page
    # Nothing stored moved: both rows and files as they were, the upload gone.
    assert {e.id: _stored(session, storage, e.id) for e in (alpha, beta)} == before
    assert _media(storage, episodes_dir) == media
    _no_pending_uploads(app, storage_backend, request)


def test_replacing_anyway_from_the_warning_gives_the_episode_that_audio(
    host: FlaskClient,
    session: Session,
    storage: Storage,
    episodes_dir: Path,
    alpha_and_beta: tuple[Episode, Episode],
) -> None:
    alpha, beta = alpha_and_beta
    alpha_before = _stored(session, storage, alpha.id)
    old_beta_file = _stored(session, storage, beta.id)["audio_file"]
    warning = _replace(host, beta.id, ALPHA)
    assert warning.status_code == 409
    action, fields = _form(warning.get_data(as_text=True), 'id="duplicate-warning"')
    assert action is not None

    # The warning's own form, the file chosen again, as a browser without JavaScript posts it.
    response = _post_audio(host, action, fields, ALPHA)

    assert response.status_code == 303
    assert response.location == _audio_page(beta.id)
    assert "New audio for 'beta'" in _text(host.get(response.location))
    after = _stored(session, storage, beta.id)
    assert after["audio_sha256"] == _sha256(ALPHA) and after["audio_file"] != old_beta_file
    assert _stored(session, storage, alpha.id) == alpha_before
    assert _media(storage, episodes_dir)["stored"] == sorted(
        [alpha_before["audio_file"], after["audio_file"]]
    )


@pytest.mark.parametrize("allow_duplicate", [{}, {"allow_duplicate": "1"}])
def test_uploading_the_episodes_own_file_again_changes_nothing(
    host: FlaskClient,
    session: Session,
    storage: Storage,
    episodes_dir: Path,
    alpha_and_beta: tuple[Episode, Episode],
    allow_duplicate: dict[str, str],
) -> None:
    _, beta = alpha_and_beta
    before = _stored(session, storage, beta.id)
    media = _media(storage, episodes_dir)

    response = _replace(host, beta.id, BETA, **allow_duplicate)

    assert response.status_code == 303
    assert response.location == _audio_page(beta.id)
    page = _text(host.get(response.location))
    assert "This file is already the audio of 'beta'. Nothing was changed." in page
    assert "already uploaded as" not in page and "New audio for" not in page
    assert _stored(session, storage, beta.id) == before  # the version too: nothing was saved
    assert _media(storage, episodes_dir) == media


def test_a_published_episodes_own_file_is_known_after_it_was_tagged(
    host: FlaskClient, session: Session, storage: Storage, episodes_dir: Path
) -> None:
    show = lookups.get_show(session, "leaders")
    assert show is not None
    episode = make_episode(session, show, storage, seconds=5.0, title="Mentors")
    session.commit()
    assert _replace(host, episode.id, GAMMA).status_code == 303
    before = _stored(session, storage, episode.id)
    # Public audio is stored tagged: the file differs from the upload, its row keeps the upload's.
    assert before["audio_sha256"] == _sha256(GAMMA) != before["file_sha256"]
    media = _media(storage, episodes_dir)

    response = _replace(host, episode.id, GAMMA)

    assert response.status_code == 303
    assert "This file is already the audio of 'Mentors'." in _text(host.get(response.location))
    assert _stored(session, storage, episode.id) == before
    assert _media(storage, episodes_dir) == media


def test_a_page_opened_before_another_replacement_is_told_that_first(
    host: FlaskClient,
    session: Session,
    storage: Storage,
    episodes_dir: Path,
    alpha_and_beta: tuple[Episode, Episode],
) -> None:
    _, beta = alpha_and_beta
    first_tab = _replace_form(host, beta.id)
    assert _replace(host, beta.id, GAMMA).status_code == 303  # from a second tab
    before = _stored(session, storage, beta.id)
    media = _media(storage, episodes_dir)

    response = _post_audio(host, _audio_page(beta.id), first_tab, ALPHA)

    assert response.status_code == 409
    page = _text(response)
    assert "Someone else changed this episode after you opened this page." in page
    assert "already uploaded as" not in page
    assert _stored(session, storage, beta.id) == before
    assert _media(storage, episodes_dir) == media
