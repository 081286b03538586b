"""WebSub and Podcast Index pings: off the request path, retried, never in the host's way."""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.jobs import get_jobs
from showapp.models import JobRun, JobState, Show
from tests.conftest import BASE_URL
from tests.factories import make_episode, make_show
from tests.jobs_helpers import queued_app


class Hub:
    """A local HTTP server recording pings; fails the first `failures` requests to each URL
    with 503."""

    def __init__(self, failures: int = 0) -> None:
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self.times: list[tuple[float, str]] = []  # when each request came, and for what
        self.failures = failures
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                self._answer("POST", form)

            def do_GET(self) -> None:
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                self._answer("GET", query)

            def _answer(self, method: str, values: dict[str, list[str]]) -> None:
                # A hub's POSTs share its URL: the feed they announce tells them apart.
                key = hub.url + self.path + "#" + values.get("hub.url", [""])[0]
                failing = sum(1 for _at, seen in hub.times if seen == key) < hub.failures
                hub.requests.append((method, self.path, values))
                hub.times.append((time.monotonic(), key))
                self.send_response(503 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Hub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub() -> Iterator[Hub]:
    with Hub(failures=2) as running:
        yield running


def _app_with(app_config: dict[str, Any], **settings: Any) -> Flask:
    return create_app({**app_config, "WEBSUB_BACKOFF": 0.05, **settings})


def _runs(app: Flask) -> list[JobRun]:
    with db.new_session(app) as session:
        # Only pings: a periodic rollup may fall due while a test runs.
        pings = select(JobRun).where(JobRun.task == "feeds.ping").order_by(JobRun.id)
        return list(session.scalars(pings))


def test_publishing_pings_hub_and_pubnotify_with_retries_and_backoff(
    app: Flask, session: Session, app_config: dict[str, Any], hub: Hub
) -> None:
    show = make_show(session, slug="pinged")
    make_episode(session, show, Path(app.config["EPISODES_DIR"]))
    session.commit()
    settings = {"WEBSUB_HUB": hub.url + "/hub", "PUBNOTIFY_URL": hub.url + "/notify",
                "WEBSUB_BACKOFF": 1.0}  # fmt: skip
    with queued_app(app_config, **settings) as pinged:
        with db.new_session(pinged) as pinged_session:
            changed = pinged_session.get(Show, show.id)
            assert changed is not None
            changed.title = "Pinged again"
            pinged_session.commit()
        assert get_jobs(pinged).wait_idle(timeout=30)
        runs = _runs(pinged)
    posts = [values for method, _path, values in hub.requests if method == "POST"]
    gets = [values for method, path, values in hub.requests if method == "GET"]
    feed = f"{BASE_URL}/pinged/feed.xml"
    assert {"hub.mode": ["publish"], "hub.url": [feed]} in posts
    assert {"url": [feed]} in gets
    assert {"url": [f"{BASE_URL}/feed.xml"]} in gets  # the network feed changed too
    # Each URL answered 503 twice: each job was tried three times, waiting 1 s, then 2 s.
    assert len(runs) == 4 and all(run.state == JobState.DONE for run in runs)
    for run in runs:
        assert run.attempts == 3 and "503" in run.last_error
        key = (
            run.arguments["url"]
            + "#"
            + (run.arguments["feed_url"] if run.arguments["method"] == "POST" else "")
        )
        first, second, third = (at for at, seen in hub.times if seen == key)
        assert second - first >= 0.9 and third - second >= 1.9


def test_the_feed_names_its_hub(app: Flask, app_config: dict[str, Any], hub: Hub) -> None:
    pinged = _app_with(app_config, WEBSUB_HUB=hub.url + "/hub")
    with pinged.app_context(), db.new_session(pinged) as session:
        show = make_show(session, slug="hubbed")
        make_episode(session, show, Path(pinged.config["EPISODES_DIR"]))
        session.commit()
    body = pinged.test_client().get("/hubbed/feed.xml").data
    assert f'<atom:link rel="hub" href="{hub.url}/hub"/>'.encode() in body
    db.get_engine(pinged).dispose()


def test_a_dead_hub_never_slows_or_breaks_a_save(app: Flask, app_config: dict[str, Any]) -> None:
    with Hub() as gone:
        dead = gone.url
    settings = {"WEBSUB_HUB": dead + "/hub", "PUBNOTIFY_URL": dead + "/notify"}
    with queued_app(app_config, consumer=False, **settings) as pinged:
        with db.new_session(pinged) as session:
            show = make_show(session, slug="quiet")
            session.commit()
            started = time.perf_counter()
            show.title = "Still saved"
            session.commit()
            assert time.perf_counter() - started < 0.5
        with db.new_session(pinged) as session:
            from showapp.services.catalog import lookups

            saved = lookups.get_show(session, "quiet")
            assert saved is not None and saved.title == "Still saved"
        # The pings wait in the queue for a worker.
        assert {run.state for run in _runs(pinged)} == {JobState.QUEUED}


def test_a_ping_that_never_goes_through_shows_as_failed(
    app: Flask, app_config: dict[str, Any]
) -> None:
    with Hub() as gone:
        dead = gone.url
    settings = {"WEBSUB_HUB": dead + "/hub", "WEBSUB_ATTEMPTS": 2, "WEBSUB_BACKOFF": 0.1}
    with queued_app(app_config, **settings) as pinged:
        with db.new_session(pinged) as session:
            make_show(session, slug="unheard")
            session.commit()
        assert get_jobs(pinged).wait_idle(timeout=30)
        runs = _runs(pinged)
    assert runs and all(run.state == JobState.FAILED for run in runs)
    assert all(run.attempts == 2 and dead in run.last_error for run in runs)


def test_no_hub_configured_means_no_job(session: Session, app: Flask) -> None:
    make_show(session, slug="silent")
    session.commit()
    assert _runs(app) == []
