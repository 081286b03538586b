"""Two hosts saving one episode at the same moment, through a real multi-process server: the
second save gets the 409 conflict page with both versions, never a 500."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode
from tests.factories import make_episode, make_show
from tests.live import gunicorn_server
from tests.studio_helpers import live_login, make_user

ROUNDS = 10


@pytest.fixture
def two_worker_server(app_config: dict[str, Any]) -> Iterator[str]:
    """The app under gunicorn with two sync worker processes on the test's database file."""
    with gunicorn_server(app_config, workers=2) as url:
        yield url


def _post(base_url: str, path: str, cookie: str, form: dict[str, str]) -> tuple[int, str]:
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=60)
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", path, body=urlencode(form), headers=headers)
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
