"""What stores or serves files, on both storage backends: local files and an S3 bucket
(SeaweedFS, tests/s3server.py). Media goes through real HTTP, and with S3 `requests` follows
the app's 302 to the bucket with Range and HEAD, as podcast apps do."""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from showapp import create_app, db
from showapp.media.recorder import get_recorder
from showapp.models import Episode, Guest, MediaRequest, Show, UserRole
from showapp.services import urls
from showapp.services.audio import retagging
from showapp.services.catalog import trash
from showapp.services.demo import tones
from showapp.storage import Storage, storage_of
from tests.conftest import BASE_URL
from tests.factories import add_guest, make_episode, make_mp3, make_show
from tests.studio_helpers import csrf_token, edit_form, login, make_user
from tests.test_import import Served, _small_feed, http_server  # noqa: F401 - a fixture

ENCLOSURE = "channel/item/enclosure"


@pytest.fixture
def app_config(app_config: dict[str, Any], backend_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, **backend_config, "IMPORT_ALLOW_PRIVATE": True}


@pytest.fixture
def storage(app: Flask) -> Storage:
    return storage_of(app)


@pytest.fixture
def host(client: FlaskClient, session: Session) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders")
    make_user(session, "host@example.com", role=UserRole.ADMIN, shows=[show])
    session.commit()
    login(client, "host@example.com")
    return client


def _post_file(client: FlaskClient, url: str, form_page: str, field: str, body: bytes,
               name: str) -> Any:  # fmt: skip
    stream, length, boundary = stream_encode_multipart(
        {"csrf_token": csrf_token(client, form_page), field: FileStorage(io.BytesIO(body), name)},
        use_tempfile=False,
    )
    return client.post(
        url, input_stream=stream, content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )  # fmt: skip


def _upload(client: FlaskClient, session: Session, body: bytes) -> Episode:
    response = _post_file(
        client, "/studio/shows/leaders/episodes/upload", "/studio/shows/leaders/episodes",
        "audio", body, "talk.mp3",
    )  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)[-500:]
    session.expire_all()
    return session.scalars(select(Episode).order_by(Episode.id.desc())).first()  # type: ignore[return-value]


def _publish(client: FlaskClient, session: Session, episode: Episode, title: str) -> str:
    url = f"/studio/shows/leaders/episodes/{episode.id}"
    response = client.post(url, data=edit_form(client, url, title=title, status="published"))
    assert response.status_code == 303, response.get_data(as_text=True)[-500:]
    session.expire_all()
    fresh = session.get(Episode, episode.id)
    assert fresh is not None and fresh.audio_file
    return fresh.audio_file


def _enclosure_path(client: FlaskClient) -> str:
    feed = client.get(urlsplit(urls.feed_url(BASE_URL, "show", show_slug="leaders")).path)
    assert feed.status_code == 200
    enclosure = ET.fromstring(feed.data).find(ENCLOSURE)
    assert enclosure is not None
    return urlsplit(enclosure.get("url", "")).path


def _media_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and p.suffix != ".part")


def _counted(app: Flask) -> list[tuple[str, int | None]]:
    recorder = get_recorder(app)
    assert recorder is not None
    recorder.flush()
    with db.new_session(app) as session:
        rows = session.scalars(select(MediaRequest).order_by(MediaRequest.id)).all()
        return [(row.method, row.bytes_sent) for row in rows]


def test_upload_then_feed_then_media_with_range_and_head(
    app: Flask, host: FlaskClient, session: Session, storage: Storage, live_server: str,
    episodes_dir: Path, storage_backend: str,
) -> None:  # fmt: skip
    audio = make_mp3(3.0, seed=11)
    episode = _upload(host, session, audio)
    name = _publish(host, session, episode, "Tagged on publish")
    path = _enclosure_path(host)
    assert path == f"/media/{name}"  # feeds point at the app, whatever the backend
    stored = storage.read_bytes(name)
    assert (
        storage.size(name) == len(stored)
        and stored[-len(audio) // 2 :] == audio[-len(audio) // 2 :]
    )

    whole = requests.get(live_server + path, timeout=10)
    assert whole.status_code == 200 and whole.content == stored
    ranged = requests.get(live_server + path, headers={"Range": "bytes=100-1099"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == stored[100:1100]
    assert ranged.headers["Content-Range"] == f"bytes 100-1099/{len(stored)}"
    head = requests.head(live_server + path, allow_redirects=True, timeout=10)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(stored)

    if storage_backend == "s3":
        first = requests.get(live_server + path, allow_redirects=False, timeout=10)
        assert first.status_code == 302 and first.headers["Cache-Control"] == "no-store"
        assert first.headers["Location"].startswith(app.config["S3_ENDPOINT_URL"])
        assert [r.status_code for r in whole.history] == [302]
        assert _media_files(episodes_dir) == []  # nothing stays on the app host
    else:
        assert whole.history == [] and (episodes_dir / name).read_bytes() == stored
    # Each request counted once: through a redirect the bytes sent are unknown (None) for
    # GETs, nothing for HEAD; sent through the app they are the bytes that went out.
    counted = _counted(app)
    assert [method for method, _ in counted] == ["GET", "GET", "HEAD"] + (
        ["GET"] if storage_backend == "s3" else []
    )
    if storage_backend == "s3":
        assert [sent for _, sent in counted] == [None, None, 0, None]
    else:
        assert [sent for _, sent in counted] == [len(stored), 1000, 0]


def test_a_drafts_audio_is_withheld_and_never_redirected(
    host: FlaskClient, session: Session, storage: Storage, live_server: str
) -> None:
    episode = _upload(host, session, make_mp3(2.0, seed=12))
    assert episode.audio_file is not None and storage.exists(episode.audio_file)
    answer = requests.get(f"{live_server}/media/{episode.audio_file}", allow_redirects=False,
                          timeout=10)  # fmt: skip
    assert answer.status_code == 404 and "Location" not in answer.headers


def test_replacing_audio_serves_the_new_file_and_removes_the_old(
    host: FlaskClient, session: Session, storage: Storage, live_server: str
) -> None:
    episode = _upload(host, session, make_mp3(2.0, seed=13))
    old = _publish(host, session, episode, "Before")
    new_audio = make_mp3(3.0, seed=14)
    url = f"/studio/shows/leaders/episodes/{episode.id}/audio"
    response = _post_file(host, url, f"/studio/shows/leaders/episodes/{episode.id}", "audio",
                          new_audio, "new.mp3")  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)[-400:]
    session.expire_all()
    new = session.get(Episode, episode.id).audio_file  # type: ignore[union-attr]
    assert new and new != old and not storage.exists(old) and storage.exists(new)
    served = requests.get(f"{live_server}/media/{new}", timeout=10)
    assert served.status_code == 200 and served.content == storage.read_bytes(new)
    assert hashlib.sha256(new_audio).hexdigest() == session.get(Episode, episode.id).audio_sha256  # type: ignore[union-attr]


def test_retagging_keeps_the_old_object_until_the_commit(
    app: Flask, session: Session, storage: Storage
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    episode = make_episode(session, show, storage)
    session.commit()
    with retagging.tag_episode_audio(session, episode, storage, BASE_URL):
        session.commit()
    old = str(episode.audio_file)
    episode.title = "A new title"
    with (
        pytest.raises(RuntimeError),
        retagging.tag_episode_audio(session, episode, storage, BASE_URL) as swap,
    ):
        assert storage.exists(old) and storage.exists(swap.new_name)  # both, until the commit
        raise RuntimeError("the commit failed")
    session.rollback()
    assert storage.exists(old) and not storage.exists(swap.new_name)
    episode.title = "A new title"  # the rollback undid it
    with retagging.tag_episode_audio(session, episode, storage, BASE_URL) as swap:
        session.commit()
    assert not storage.exists(old) and storage.exists(swap.new_name)
    assert b"A new title" in storage.read_bytes(swap.new_name)


def _png(side: int, colour: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(out, "PNG")
    return out.getvalue()


def test_artwork_and_guest_photos_are_stored_and_served(
    host: FlaskClient, session: Session, storage: Storage, live_server: str
) -> None:
    response = _post_file(host, "/studio/shows/leaders/artwork", "/studio/shows/leaders/settings",
                          "artwork", _png(1400), "cover.png")  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)[-400:]
    show = session.scalars(select(Show)).one()
    guest = add_guest(session, make_episode(session, show, storage), "Rosa Diaz")
    session.commit()
    page = f"/studio/guests/{guest.slug}"
    response = _post_file(host, f"{page}/photo", page, "photo", _png(800), "rosa.png")
    assert response.status_code in {302, 303}, response.get_data(as_text=True)[-400:]
    session.expire_all()
    photo = session.get(Guest, guest.id).photo  # type: ignore[union-attr]
    assert photo
    pictures = [n for n in storage.names("leaders/") if not n.endswith(".mp3")]
    stored = sorted(pictures) + sorted(storage.names("guests/"))
    assert len([n for n in stored if n.startswith("leaders/cover-")]) == 3  # 1400, 600, 300
    assert len([n for n in stored if n.startswith("guests/")]) == 3  # 600, 300, 96
    page = requests.get(f"{live_server}/leaders/", timeout=10)
    assert page.status_code == 200
    for name in stored:
        answer = requests.get(f"{live_server}/media/{name}", timeout=10)
        assert answer.status_code == 200 and answer.content == storage.read_bytes(name)
        assert Image.open(io.BytesIO(answer.content)).size[0] in {1400, 600, 300, 96}


def test_purging_an_episode_removes_its_objects(
    session: Session, storage: Storage, live_server: str
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    episode = make_episode(session, show, storage)
    session.commit()
    name = str(episode.audio_file)
    assert requests.get(f"{live_server}/media/{name}", timeout=10).status_code == 200
    trash.trash_episode(session, episode)
    session.commit()
    # In the trash the file stays (it can be restored) but is not served.
    assert storage.exists(name)
    assert requests.get(f"{live_server}/media/{name}", timeout=10).status_code == 404
    files = trash.purge_episode(session, episode)
    session.commit()
    assert trash.remove_files(storage, files) == 1
    assert not storage.exists(name) and list(storage.names("leaders/")) == []


def _second_app(app: Flask, tmp_path: Path, migrated_database: str, backend: dict[str, Any],
                s3: Any) -> Flask:  # fmt: skip
    """An empty install on the same kind of backend (its own folder or bucket)."""
    from tests.conftest import POSTGRES_URL, _database, _test_config, _truncate_all

    if POSTGRES_URL:
        _truncate_all(app)
    url = _database(migrated_database, tmp_path / "second.sqlite3")
    extra = s3.app_config(s3.new_bucket()) if backend else {}
    return create_app(_test_config(url, tmp_path / "second-media", **extra))


def test_export_and_restore_carry_every_file(
    app: Flask, session: Session, storage: Storage, tmp_path: Path, migrated_database: str,
    backend_config: dict[str, Any], request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    show = make_show(session, slug="leaders", title="Leaders")
    for _ in range(2):
        make_episode(session, show, storage)
    session.commit()
    names = sorted(storage.names("leaders/"))
    archive = tmp_path / "leaders.zip"
    result = app.test_cli_runner().invoke(args=["export", "leaders", str(archive)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as opened:
        assert sorted(n for n in opened.namelist() if n.startswith("media/")) == [
            f"media/{n}" for n in names
        ]
    session.close()
    s3 = request.getfixturevalue("s3_server") if backend_config else None
    other = _second_app(app, tmp_path, migrated_database, backend_config, s3)
    try:
        result = other.test_cli_runner().invoke(args=["import", str(archive)])
        assert result.exit_code == 0, result.output
        restored = storage_of(other)
        assert sorted(restored.names("leaders/")) == names
        for name in names:
            assert restored.read_bytes(name) == storage.read_bytes(name)
    finally:
        db.get_engine(other).dispose()


def test_import_with_download_media_stores_the_audio(
    app: Flask, session: Session, storage: Storage, http_server: tuple[str, Served],  # noqa: F811
    episodes_dir: Path, storage_backend: str,
) -> None:  # fmt: skip
    base, served = http_server
    body = make_mp3(2.0, seed=21)
    served.files["/a/one.mp3"] = (body, "audio/mpeg")
    served.files["/feed.xml"] = (_small_feed(base, [("one", "/a/one.mp3")]), "application/rss+xml")
    result = app.test_cli_runner().invoke(args=["import", f"{base}/feed.xml", "--download-media"])
    assert result.exit_code == 0, result.output
    episode = session.scalars(select(Episode)).one()
    assert episode.audio_file and storage.read_bytes(episode.audio_file) == body
    if storage_backend == "s3":
        assert _media_files(episodes_dir) == []  # downloaded, probed, uploaded once, gone


def _long_mp3(megabytes: int) -> bytes:
    piece = tones.melody_mp3(5, 30)  # whole MP3s end to end, as players accept them
    return piece * -(-megabytes * 1024 * 1024 // len(piece))


def test_a_large_upload_streams_to_the_bucket_in_parts_and_a_refused_one_leaves_nothing(
    app: Flask, host: FlaskClient, session: Session, storage: Storage, storage_backend: str,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    audio = _long_mp3(18)  # three parts of 8 MB: two sent while it arrives, then the rest
    episode = _upload(host, session, audio)
    assert episode.audio_file and storage.read_bytes(episode.audio_file) == audio
    assert episode.audio_sha256 == hashlib.sha256(audio).hexdigest()
    before = sorted(storage.names(""))
    damaged = audio[: 9 * 1024 * 1024] + b"\xff\xfb" + b"\x00" * 4096  # a part, then junk
    page = "/studio/shows/leaders/episodes"
    response = _post_file(host, f"{page}/upload", page, "audio", damaged, "cut.mp3")
    assert response.status_code == 400
    assert sorted(storage.names("")) == before
    if storage_backend == "s3":
        bucket = request.getfixturevalue("s3_server").client()
        pending = bucket.list_multipart_uploads(Bucket=app.config["S3_BUCKET"])
        assert pending.get("Uploads", []) == []  # the refused upload's parts were dropped
