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
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.services.feeds.websub import Notifier
from tests.conftest import BASE_URL
from tests.factories import make_episode, make_show


class Hub:
    """A local HTTP server recording pings; fails the first `failures` requests with 503."""

    def __init__(self, failures: int = 0) -> None:
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
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
                hub.requests.append((method, self.path, values))
                failing = hub.failures > 0
                hub.failures -= 1
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


def test_publishing_pings_hub_and_pubnotify_with_retries(
    app: Flask, app_config: dict[str, Any], hub: Hub
) -> None:
    # `app` is requested so its teardown empties a shared PostgreSQL database afterwards.
    pinged = _app_with(app_config, WEBSUB_HUB=hub.url + "/hub", PUBNOTIFY_URL=hub.url + "/notify")
    with pinged.app_context(), db.new_session(pinged) as session:
        show = make_show(session, slug="pinged")
        make_episode(session, show, Path(pinged.config["EPISODES_DIR"]))
        session.commit()
    assert pinged.extensions["showapp.websub"].wait_idle()
    posts = [values for method, _path, values in hub.requests if method == "POST"]
    gets = [values for method, path, values in hub.requests if method == "GET"]
    feed = f"{BASE_URL}/pinged/feed.xml"
    assert {"hub.mode": ["publish"], "hub.url": [feed]} in posts
    assert {"url": [feed]} in gets
    assert {"url": [f"{BASE_URL}/feed.xml"]} in gets  # the network feed changed too
    assert len(posts) >= 3  # two 503s were retried
    db.get_engine(pinged).dispose()


def test_the_feed_names_its_hub(app: Flask, app_config: dict[str, Any], hub: Hub) -> None:
    pinged = _app_with(app_config, WEBSUB_HUB=hub.url + "/hub")
    with pinged.app_context(), db.new_session(pinged) as session:
        show = make_show(session, slug="hubbed")
        make_episode(session, show, Path(pinged.config["EPISODES_DIR"]))
        session.commit()
    body = pinged.test_client().get("/hubbed/feed.xml").data
    assert f'<atom:link rel="hub" href="{hub.url}/hub"/>'.encode() in body
    pinged.extensions["showapp.websub"].wait_idle()
    db.get_engine(pinged).dispose()


def test_a_dead_hub_never_slows_or_breaks_a_save(app: Flask, app_config: dict[str, Any]) -> None:
    with Hub() as gone:
        dead = gone.url
    pinged = _app_with(app_config, WEBSUB_HUB=dead + "/hub", PUBNOTIFY_URL=dead + "/notify")
    with pinged.app_context(), db.new_session(pinged) as session:
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
    db.get_engine(pinged).dispose()


def test_a_full_queue_drops_pings_instead_of_blocking() -> None:
    notifier = Notifier(hub_url="http://127.0.0.1:9/hub", queue_size=2, attempts=1,
                        timeout_seconds=0.2)  # fmt: skip
    started = time.perf_counter()
    notifier.notify([f"https://x.test/{n}.xml" for n in range(50)])
    assert time.perf_counter() - started < 0.2
    assert notifier.wait_idle(timeout=10)


def test_no_hub_configured_means_no_thread(session: Session, app: Flask) -> None:
    notifier = app.extensions["showapp.websub"]
    assert not notifier.enabled
    make_show(session, slug="silent")
    session.commit()
    assert notifier._thread is None
