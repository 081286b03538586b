"""Two hosts saving one episode at the same moment, through a real multi-process server: the
second save gets the 409 conflict page with both versions, never a 500. The same holds for
the episode's chapters, soundbites and audio: every save of them takes the episode's next
version first, so the second one waits, then is refused with both versions side by side."""

from __future__ import annotations

import http.client
import io
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Chapter, Episode, Soundbite
from showapp.services.catalog import chapters
from showapp.services.catalog.chapters import ChapterEntry
from tests.factories import make_episode, make_mp3, make_show
from tests.live import gunicorn_server
from tests.studio_helpers import csrf_token, live_login, login, make_user

ROUNDS = 10


@pytest.fixture
def two_worker_server(app_config: dict[str, Any]) -> Iterator[str]:
    """The app under gunicorn with two sync worker processes on the test's database file."""
    with gunicorn_server(app_config, workers=2) as url:
        yield url


def _post(
    base_url: str,
    path: str,
    cookie: str,
    form: dict[str, str] | list[tuple[str, str]],
    files: dict[str, tuple[str, bytes]] | None = None,
) -> tuple[int, str]:
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=60)
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    body: bytes | str = urlencode(form)
    if files is not None:
        body, headers["Content-Type"] = _multipart(form, files)
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, body


def _save_at_once(
    base_url: str, path: str, hosts: list[tuple[str, str]], version: int, round_: int
) -> list[tuple[int, str, str]]:
    """Ann and Bob post the same version at the same moment; (status, who, page) for each."""
    start = threading.Barrier(len(hosts))
    results: list[tuple[int, str, str]] = []

    def save(cookie: str, token: str, who: str) -> None:
        form = {
            "csrf_token": token,
            "version": str(version),
            "title": f"{who} {round_}",
            "notes_md": f"notes by {who}",
            "topics": f"{who}-topic",
            "status": "draft",
            "episode_type": "full",
        }
        start.wait()
        status, body = _post(base_url, path, cookie, form)
        results.append((status, who, body))

    threads = [
        threading.Thread(target=save, args=(cookie, token, who))
        for (cookie, token), who in zip(hosts, ("Ann", "Bob"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return results


def _stored(session: Session, episode_id: int) -> Episode:
    query = select(Episode).where(Episode.id == episode_id)
    found = session.scalars(query.execution_options(populate_existing=True)).one()
    session.rollback()  # a fresh snapshot for the next read
    return found


def test_simultaneous_saves_give_one_save_and_one_conflict_page(
    session: Session, episodes_dir: Path, two_worker_server: str
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    make_user(session, "ann@example.com", shows=[show])
    make_user(session, "bob@example.com", shows=[show])
    episode = make_episode(session, show, episodes_dir, title="First cut", published_at=None)
    session.commit()
    path = f"/studio/shows/leaders/episodes/{episode.id}"
    hosts = [live_login(two_worker_server, e) for e in ("ann@example.com", "bob@example.com")]
    for round_ in range(ROUNDS):
        version = _stored(session, episode.id).version
        results = _save_at_once(two_worker_server, path, hosts, version, round_)
        statuses = sorted(status for status, _, _ in results)
        assert statuses == [303, 409], (round_, [(s, w, b[-300:]) for s, w, b in results])
        winner = next(who for status, who, _ in results if status == 303)
        loser, page = next((who, body) for status, who, body in results if status == 409)
        # The conflict page shows what is stored (the winner's) beside what the loser typed.
        assert f"{winner} {round_}" in page and f"{loser} {round_}" in page
        stored = _stored(session, episode.id)
        assert stored.title == f"{winner} {round_}" and stored.version > version


def _multipart(
    form: dict[str, str] | list[tuple[str, str]], files: dict[str, tuple[str, bytes]]
) -> tuple[bytes, str]:
    boundary = "----showapp-test-boundary"
    parts: list[bytes] = []
    fields = form.items() if isinstance(form, dict) else form
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: audio/mpeg\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _at_once(
    base_url: str,
    path: str,
    hosts: list[tuple[str, str]],
    form_for: Callable[[str, str], list[tuple[str, str]]],
    files_for: Callable[[str], dict[str, tuple[str, bytes]]] | None = None,
) -> list[tuple[int, str, str]]:
    """Ann and Bob post at the same moment; (status, who, page) for each."""
    start = threading.Barrier(len(hosts))
    results: list[tuple[int, str, str]] = []

    def save(cookie: str, token: str, who: str) -> None:
        form = form_for(token, who)
        files = files_for(who) if files_for is not None else None
        start.wait()
        status, body = _post(base_url, path, cookie, form, files)
        results.append((status, who, body))

    threads = [
        threading.Thread(target=save, args=(cookie, token, who))
        for (cookie, token), who in zip(hosts, ("Ann", "Bob"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return results


def _one_save_one_conflict(results: list[tuple[int, str, str]]) -> tuple[str, str, str]:
    """(winner, loser, the loser's page), once the statuses are checked."""
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [303, 409], [(s, w, b[-400:]) for s, w, b in results]
    winner = next(who for status, who, _ in results if status == 303)
    loser, page = next((who, body) for status, who, body in results if status == 409)
    return winner, loser, page


@pytest.fixture
def two_hosts(
    session: Session, episodes_dir: Path, two_worker_server: str
) -> tuple[Episode, list[tuple[str, str]]]:
    show = make_show(session, slug="leaders", title="Leaders")
    make_user(session, "ann@example.com", shows=[show])
    make_user(session, "bob@example.com", shows=[show])
    episode = make_episode(
        session, show, episodes_dir, title="First cut", published_at=None, seconds=30.0
    )
    session.commit()
    hosts = [live_login(two_worker_server, e) for e in ("ann@example.com", "bob@example.com")]
    return episode, hosts


def test_simultaneous_chapter_saves_give_one_save_and_one_conflict_page(
    session: Session, two_hosts: tuple[Episode, list[tuple[str, str]]], two_worker_server: str
) -> None:
    episode, hosts = two_hosts
    path = f"/studio/shows/leaders/episodes/{episode.id}/chapters"
    for round_ in range(ROUNDS // 2):
        version = _stored(session, episode.id).version

        def form(
            token: str, who: str, version: int = version, round_: int = round_
        ) -> list[tuple[str, str]]:
            rows = [("0", f"{who} intro {round_}"), ("5", f"{who} middle {round_}")]
            fields = [("csrf_token", token), ("version", str(version))]
            for start, title in rows:
                fields += [("start", start), ("title", title), ("url", ""), ("image", "")]
            return fields

        results = _at_once(two_worker_server, path, hosts, form)
        winner, loser, page = _one_save_one_conflict(results)
        assert "Not saved: Someone else" in page
        assert f"{winner} intro {round_}" in page and f"{loser} middle {round_}" in page
        titles = session.scalars(
            select(Chapter.title).where(Chapter.episode_id == episode.id).order_by(Chapter.position)
        ).all()
        session.rollback()
        assert titles == [f"{winner} intro {round_}", f"{winner} middle {round_}"]
        assert _stored(session, episode.id).version > version


def test_simultaneous_soundbite_saves_give_one_save_and_one_conflict_page(
    session: Session, two_hosts: tuple[Episode, list[tuple[str, str]]], two_worker_server: str
) -> None:
    episode, hosts = two_hosts
    path = f"/studio/shows/leaders/episodes/{episode.id}/soundbites"
    for round_ in range(ROUNDS // 2):
        version = _stored(session, episode.id).version

        def form(
            token: str, who: str, version: int = version, round_: int = round_
        ) -> list[tuple[str, str]]:
            return [("csrf_token", token), ("version", str(version)), ("start", "1"),
                    ("duration", "15"), ("title", f"{who} bite {round_}")]  # fmt: skip

        winner, loser, page = _one_save_one_conflict(_at_once(two_worker_server, path, hosts, form))
        assert f"{winner} bite {round_}" in page and f"{loser} bite {round_}" in page
        titles = session.scalars(
            select(Soundbite.title).where(Soundbite.episode_id == episode.id)
        ).all()
        session.rollback()
        assert titles == [f"{winner} bite {round_}"]


def test_simultaneous_audio_replacements_keep_one_file_and_refuse_the_other(
    session: Session,
    two_hosts: tuple[Episode, list[tuple[str, str]]],
    two_worker_server: str,
    episodes_dir: Path,
) -> None:
    episode, hosts = two_hosts
    path = f"/studio/shows/leaders/episodes/{episode.id}/audio"
    sizes = {"Ann": 20.0, "Bob": 25.0}
    for round_ in range(3):
        version = _stored(session, episode.id).version
        # New bytes every round: a file that is already the episode's audio changes nothing.
        uploads = {who: make_mp3(seconds, seed=10 * round_ + n)
                   for n, (who, seconds) in enumerate(sizes.items())}  # fmt: skip

        def form(token: str, _who: str, version: int = version) -> list[tuple[str, str]]:
            return [("csrf_token", token), ("version", str(version))]

        def files(
            who: str, round_: int = round_, uploads: dict[str, bytes] = uploads
        ) -> dict[str, tuple[str, bytes]]:
            return {"audio": (f"{who}-{round_}.mp3", uploads[who])}

        results = _at_once(two_worker_server, path, hosts, form, files)
        winner, _loser, page = _one_save_one_conflict(results)
        assert "The audio was not replaced: Someone else" in page
        stored = _stored(session, episode.id)
        assert stored.duration_seconds == pytest.approx(sizes[winner], abs=0.5)
        assert stored.version > version
        audio = sorted(p.name for p in (episodes_dir / "leaders").iterdir())
        # The winner's file only: no second new file, no .part left behind.
        assert audio == [Path(str(stored.audio_file)).name], audio


def test_a_stale_chapters_page_gets_the_conflict_with_both_versions(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    """Two interleaved sessions: Bob saves after Ann opened the page; Ann's save is refused."""
    show = make_show(session, slug="leaders", title="Leaders")
    make_user(session, "ann@example.com", shows=[show])
    episode = make_episode(session, show, episodes_dir, title="First cut", seconds=30.0)
    session.commit()
    login(client, "ann@example.com")
    path = f"/studio/shows/leaders/episodes/{episode.id}/chapters"
    page = client.get(path).get_data(as_text=True)
    opened = re.search(r'name="version" value="(\d+)"', page)
    assert opened is not None
    chapters.replace_chapters(session, episode, [ChapterEntry(0.0, "Bob's intro")])
    session.get(Episode, episode.id).title = "Bob's cut"  # type: ignore[union-attr]
    session.commit()
    token = csrf_token(client, path)
    form = {"csrf_token": token, "version": opened.group(1), "start": "0", "title": "Ann's intro"}
    refused = client.post(path, data=form)
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "Bob&#39;s intro" in text and "Ann&#39;s intro" in text
    assert session.scalars(select(Chapter.title)).all() == ["Bob's intro"]
    fresh = re.search(r'name="version" value="(\d+)"', text)
    assert fresh is not None and fresh.group(1) != opened.group(1)
    # Saving again from the conflict page (it carries the new version) replaces Bob's.
    assert client.post(path, data={**form, "version": fresh.group(1)}).status_code == 303
    session.expire_all()
    assert session.scalars(select(Chapter.title)).all() == ["Ann's intro"]


PAYLOAD = '<script>alert("x")</script>'


def test_a_bad_version_is_refused_with_a_message_and_changes_nothing(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    make_user(session, "ann@example.com", shows=[show])
    episode = make_episode(session, show, episodes_dir, title="First cut", seconds=30.0)
    chapters.replace_chapters(session, episode, [ChapterEntry(0.0, "Intro")])
    session.commit()
    before = (episode.version, episode.audio_file, sorted(p.name for p in episodes_dir.rglob("*")))
    login(client, "ann@example.com")
    base = f"/studio/shows/leaders/episodes/{episode.id}"
    token = csrf_token(client, f"{base}/chapters")
    row = {"start": "0", "title": PAYLOAD}
    posts = [
        ("chapters", {**row}, None),
        ("soundbites", {"start": "1", "duration": "15", "title": PAYLOAD}, None),
        ("audio", {}, {"audio": (io.BytesIO(make_mp3(20.0, seed=9)), "new.mp3")}),
    ]
    for version in (PAYLOAD, "1.5"):
        for page, form, files in posts:
            data: dict[str, Any] = {"csrf_token": token, "version": version, **form}
            if files:
                data |= {name: (io.BytesIO(f.getvalue()), n) for name, (f, n) in files.items()}
            response = client.post(f"{base}/{page}", data=data)
            assert response.status_code == 400, (page, version)
            text = response.get_data(as_text=True)
            assert "version is not a number" in text, page
            assert PAYLOAD not in text, page
    session.expire_all()
    stored = session.get(Episode, episode.id)
    assert stored is not None
    after = (stored.version, stored.audio_file, sorted(p.name for p in episodes_dir.rglob("*")))
    assert after == before  # no new version, no new file, no .part left behind
    assert session.scalars(select(Chapter.title)).all() == ["Intro"]


def test_the_conflict_page_shows_typed_markup_as_text(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    make_user(session, "ann@example.com", shows=[show])
    episode = make_episode(session, show, episodes_dir, title="First cut", seconds=30.0)
    session.commit()
    stale = episode.version
    chapters.replace_chapters(session, episode, [ChapterEntry(0.0, PAYLOAD)])
    session.get(Episode, episode.id).title = "Bob's cut"  # type: ignore[union-attr]
    session.commit()
    login(client, "ann@example.com")
    for page, form in (
        ("chapters", {"start": "0", "title": PAYLOAD + " 2"}),
        ("soundbites", {"start": "1", "duration": "15", "title": PAYLOAD + " 3"}),
    ):
        path = f"/studio/shows/leaders/episodes/{episode.id}/{page}"
        data = {"csrf_token": csrf_token(client, path), "version": str(stale), **form}
        response = client.post(path, data=data)
        assert response.status_code == 409, page
        text = response.get_data(as_text=True)
        assert "<script>alert" not in text and "&lt;script&gt;alert" in text, page
