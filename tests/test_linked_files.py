"""Every file an episode has follows it: the transcripts and chapters files an import copied
(media/<show>/linked/), and its artwork in every size, are withheld from /media like its audio
while the episode is a draft, scheduled, withdrawn, in the trash or of a show in the trash
(404, never counted, in the Flask view and beneath it for nginx), come back when it is public
again, are removed from disk when it is purged, and travel in the show's archive."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.columns import utc_now
from showapp.media.recorder import get_recorder
from showapp.models import Episode, EpisodeStatus, LinkedFile, MediaRequest, Show
from showapp.services import per_revision
from showapp.services.catalog import show_trash, trash
from showapp.services.catalog.artwork import COPY_SIZES, copy_name
from showapp.services.importing import archive
from showapp.storage import LocalStorage, storage_of
from tests.conftest import fresh_app, serving
from tests.factories import APPLE, make_mp3
from tests.studio_helpers import csrf_token, login, make_user

TRANSCRIPT = b"WEBVTT\n\n00:00.000 --> 00:01.500\nHost: Welcome back.\n"
CHAPTERS = b'{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"}]}'


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1400, 1400), (20, 90, 160)).save(out, "PNG")
    return out.getvalue()


def _feed(base: str, titles: list[str]) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><guid>{t}-guid</guid>"
        "<pubDate>Mon, 02 Jan 2023 10:00:00 +0000</pubDate>"
        f'<enclosure url="{base}/a/{t}.mp3" length="0" type="audio/mpeg"/>'
        f'<itunes:image href="{base}/art/{t}.png"/>'
        f'<podcast:transcript url="{base}/t/{t}.vtt" type="text/vtt"/>'
        f'<podcast:chapters url="{base}/c/{t}.json" type="application/json+chapters"/></item>'
        for t in titles
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>Leaders</title>'
        f"<link>{base}/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def _old_host(titles: list[str]) -> dict[str, tuple[bytes, str]]:
    art = _png()
    files = {}
    for n, title in enumerate(titles):
        files[f"/a/{title}.mp3"] = (make_mp3(1.0, seed=n + 7), "audio/mpeg")
        files[f"/art/{title}.png"] = (art, "image/png")
        files[f"/t/{title}.vtt"] = (TRANSCRIPT, "text/vtt")
        files[f"/c/{title}.json"] = (CHAPTERS, "application/json+chapters")
    return files


def _handler(files: dict[str, tuple[bytes, str]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def do_GET(self) -> None:  # noqa: N802
            if self.path not in files:
                self.send_error(404)
                return
            body, content_type = files[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def imported(runner: FlaskCliRunner, session: Session) -> Show:
    """Show 'leaders', imported from an old host with "download the media": two published
    episodes, each with its audio, artwork, transcript and chapters copied here."""
    titles = ["one", "two"]
    files = _old_host(titles)
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _handler(files))) as base:
        files["/feed.xml"] = (_feed(base, titles), "application/rss+xml")
        result = runner.invoke(args=["import", f"{base}/feed.xml", "--download-media"])
    assert result.exit_code == 0, result.output
    assert "not copied" not in result.output, result.output
    return session.scalars(select(Show).where(Show.slug == "leaders")).one()


def _episode(session: Session, title: str) -> Episode:
    session.expire_all()
    return session.scalars(select(Episode).where(Episode.title == title)).one()


def _files(session: Session, episode: Episode) -> dict[str, str]:
    """Every file of the episode by what it is, each checked to be on disk under our name."""
    copies = dict(
        session.execute(
            select(LinkedFile.kind, LinkedFile.local_file).where(
                LinkedFile.episode_id == episode.id
            )
        ).all()
    )
    assert episode.audio_file and episode.artwork
    found = {"audio": episode.audio_file, "artwork": episode.artwork, **copies}
    found |= {f"artwork {size}": copy_name(episode.artwork, size) for size in COPY_SIZES}
    assert set(found) == {"audio", "artwork", "artwork 600", "artwork 300", "transcript",
                          "chapters"}  # fmt: skip
    assert copies["transcript"].startswith("leaders/linked/")
    return {what: str(name) for what, name in found.items()}


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


def _statuses(app: Flask, files: dict[str, str]) -> dict[str, int]:
    client = app.test_client()
    answers = {}
    for what, name in files.items():
        with client.get(f"/media/{name}", headers={"User-Agent": APPLE}) as answer:
            answers[what] = answer.status_code
            if answer.status_code == 404:
                assert answer.mimetype == "text/html"  # the app's error page, not the file
                assert "X-Accel-Redirect" not in answer.headers
    return answers


def _counted(app: Flask) -> int:
    recorder = get_recorder(app)
    assert recorder is not None
    recorder.flush()
    with db.new_session(app) as session:
        return session.scalar(select(func.count(MediaRequest.id))) or 0


def _to_draft(session: Session, episode: Episode, show: Show) -> None:
    episode.status, episode.published_at = EpisodeStatus.DRAFT, None


def _to_scheduled(session: Session, episode: Episode, show: Show) -> None:
    episode.status, episode.published_at = EpisodeStatus.SCHEDULED, utc_now() + timedelta(days=2)


def _withdrawn(session: Session, episode: Episode, show: Show) -> None:
    episode.status = EpisodeStatus.DRAFT  # set back to draft: it keeps its old date


def _published(session: Session, episode: Episode, show: Show) -> None:
    episode.status = EpisodeStatus.PUBLISHED
    episode.published_at = episode.published_at or utc_now() - timedelta(minutes=1)
    if episode.published_at > utc_now():
        episode.published_at = utc_now() - timedelta(minutes=1)  # the scheduled time came


def _trashed(session: Session, episode: Episode, show: Show) -> None:
    trash.trash_episode(session, episode)


def _restored(session: Session, episode: Episode, show: Show) -> None:
    trash.restore_episode(session, episode)


def _show_trashed(session: Session, episode: Episode, show: Show) -> None:
    show_trash.trash_show(session, show)


def _show_restored(session: Session, episode: Episode, show: Show) -> None:
    show_trash.restore_show(session, show)


Change = Callable[[Session, Episode, Show], None]
STATES: dict[str, tuple[Change, Change]] = {
    "draft": (_to_draft, _published),
    "scheduled": (_to_scheduled, _published),
    "withdrawn": (_withdrawn, _published),
    "trashed": (_trashed, _restored),
    "show trashed": (_show_trashed, _show_restored),
}


@pytest.mark.parametrize("state", sorted(STATES))
def test_every_file_of_an_episode_not_public_answers_404_and_comes_back(
    media_app: Flask, session: Session, imported: Show, state: str
) -> None:
    hide, show_again = STATES[state]
    episode, other = _episode(session, "one"), _episode(session, "two")
    files, others = _files(session, episode), _files(session, other)
    served = dict.fromkeys(files, 200)
    assert _statuses(media_app, files) == served
    assert _counted(media_app) == 1  # the audio; nothing else is a download

    hide(session, episode, imported)
    session.commit()
    time.sleep(per_revision.REVISION_TTL + 0.1)  # another process's commit: seen within a second
    assert _statuses(media_app, files) == dict.fromkeys(files, 404)
    assert _counted(media_app) == 1  # withheld requests are never counted
    expected_others = 404 if state == "show trashed" else 200
    assert _statuses(media_app, others) == dict.fromkeys(others, expected_others)

    show_again(session, _episode(session, "one"), imported)
    session.commit()
    time.sleep(per_revision.REVISION_TTL + 0.1)
    assert _statuses(media_app, files) == served
    for what in ("transcript", "chapters"):
        with media_app.test_client().get(f"/media/{files[what]}") as answer:
            if media_app.config["MEDIA_ACCEL"]:  # nginx sends the bytes
                assert answer.headers["X-Accel-Redirect"].endswith(files[what])
            else:
                assert answer.data == (TRANSCRIPT if what == "transcript" else CHAPTERS)


def _on_disk(episodes_dir: Path, files: dict[str, str]) -> dict[str, bool]:
    return {what: (episodes_dir / name).is_file() for what, name in files.items()}


def test_purging_an_episode_removes_every_file_it_had(
    client: FlaskClient, session: Session, imported: Show, episodes_dir: Path
) -> None:
    make_user(session, "host@example.com", shows=[imported])
    session.commit()
    login(client, "host@example.com")
    doomed, kept = _episode(session, "one"), _episode(session, "two")
    files, others = _files(session, doomed), _files(session, kept)
    base = "/studio/shows/leaders"
    token = csrf_token(client, f"{base}/episodes")
    form = {"csrf_token": token, "confirm": "1"}
    assert client.post(f"{base}/episodes/{doomed.id}/delete", data=form).status_code == 303
    assert _on_disk(episodes_dir, files) == dict.fromkeys(files, True)  # kept to be restored
    purged = client.post(f"{base}/trash/{doomed.id}/purge", data=form)
    assert purged.status_code == 303
    assert _on_disk(episodes_dir, files) == dict.fromkeys(files, False)
    assert _on_disk(episodes_dir, others) == dict.fromkeys(others, True)
    left = select(func.count(LinkedFile.id)).where(LinkedFile.episode_id == doomed.id)
    assert session.scalar(left) == 0  # the tombstone keeps no file name


def test_purging_a_show_removes_every_file_of_its_episodes(
    session: Session, imported: Show, episodes_dir: Path
) -> None:
    files = [
        name
        for title in ("one", "two")
        for name in _files(session, _episode(session, title)).values()
    ]
    losses = show_trash.show_losses(session, imported)
    assert losses.files == len(files)  # the confirmation counts the copies too
    show_trash.trash_show(session, imported)
    session.commit()
    removed = show_trash.purge_show(session, imported, LocalStorage(episodes_dir))
    session.commit()
    assert set(files) <= set(removed)
    trash.remove_files(LocalStorage(episodes_dir), removed)
    assert [name for name in files if (episodes_dir / name).exists()] == []
    assert not list((episodes_dir / "leaders").rglob("*.*"))


def test_an_archive_carries_the_copied_files_and_a_restore_serves_them(
    app: Flask,
    session: Session,
    imported: Show,
    episodes_dir: Path,
    tmp_path: Path,
    migrated_database: str,
) -> None:
    files = _files(session, _episode(session, "one"))
    target = tmp_path / "leaders.zip"
    archive.export_show(session, "leaders", LocalStorage(episodes_dir), target)
    session.close()
    other = fresh_app(app, tmp_path, migrated_database)
    try:
        with db.new_session(other) as restoring:
            archive.import_archive(restoring, target, storage_of(other))
            restoring.commit()
        client = other.test_client()
        for what, name in files.items():
            with client.get(f"/media/{name}") as answer:
                assert answer.status_code == 200, what
                assert answer.data == (episodes_dir / name).read_bytes(), what
        with client.get("/leaders/feed.xml") as feed:
            assert f"/media/{files['transcript']}" in feed.get_data(as_text=True)
    finally:
        db.get_engine(other).dispose()


def test_its_hosts_still_see_a_drafts_artwork_in_the_studio(
    app: Flask, client: FlaskClient, session: Session, imported: Show
) -> None:
    """The studio's episode list shows the artwork from /media: its hosts get it (never kept
    by a shared cache), anyone else the 404, and the transcript stays withheld for all."""
    make_user(session, "host@example.com", shows=[imported])
    make_user(session, "other@example.com")
    episode = _episode(session, "one")
    files = _files(session, episode)
    _to_draft(session, episode, imported)
    session.commit()
    login(client, "host@example.com")
    page = client.get("/studio/shows/leaders/episodes").get_data(as_text=True)
    thumbnail = f"/media/{files['artwork 300']}"
    assert thumbnail in page
    with client.get(thumbnail) as answer:
        assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
        assert "private" in answer.headers["Cache-Control"]
        assert "no-store" in answer.headers["Cache-Control"]
    assert client.get(f"/media/{files['transcript']}").status_code == 404
    assert client.get(f"/media/{files['audio']}").status_code == 404
    assert app.test_client().get(thumbnail).status_code == 404  # anonymous
    stranger = app.test_client()
    login(stranger, "other@example.com")
    assert stranger.get(thumbnail).status_code == 404  # signed in, but not a host
