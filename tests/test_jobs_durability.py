"""What survives a SIGKILL: download hits a worker acknowledged, and a studio import whose
worker died midway. Real processes: gunicorn serving the app, `showapp worker` consumers, a
local HTTP server playing the old podcast host; the queue is the default SQLite one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp import db
from showapp.config import REPO_ROOT
from showapp.jobs.spool import make_spool
from showapp.models import Episode, ImportJob, ImportState, JobRun, JobState, MediaRequest, UserRole
from tests.conftest import http_get, redis_store, serving
from tests.factories import make_episode, make_mp3, make_show
from tests.jobs_helpers import queue_settings, queued_app
from tests.live import SHARED_SETTINGS, _wait_for_a_worker
from tests.nginx import free_port
from tests.studio_helpers import csrf_token, login, make_user

HITS = 50


def _environment(app_config: dict[str, Any], **settings: Any) -> dict[str, str]:
    shared = {key: app_config[key] for key in SHARED_SETTINGS}
    env = {**os.environ, "SHOWAPP_SECRET_KEY": "test-secret"}
    env.update({f"SHOWAPP_{key}": str(value) for key, value in {**shared, **settings}.items()})
    return env


@contextmanager
def _process(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A process group of its own, so SIGKILL reaches gunicorn's master and its worker."""
    process = subprocess.Popen(
        command, env=env, cwd=REPO_ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _kill(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _gunicorn(port: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
            "showapp:create_app()"]  # fmt: skip


WORKER = [sys.executable, "-c", "from showapp.cli import cli; cli()", "worker"]


def _wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def _count(app: Flask, query: Any) -> int:
    with db.new_session(app) as session:
        return int(session.scalar(query) or 0)


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_killed_worker_loses_no_hit_it_acknowledged(
    app: Flask, session: Session, app_config: dict[str, Any], episodes_dir: Path, kind: str
) -> None:
    episode = make_episode(session, make_show(session, slug="counted"), episodes_dir)
    session.commit()
    url_path = f"/media/{episode.audio_file}"
    # Web workers only enqueue (no consumer in them): every hit waits in the spool.
    queue = queue_settings(kind)
    env = _environment(app_config, STATS_ENABLED="true", JOBS_IN_PROCESS="false", **queue)
    spool = make_spool({**app_config, **queue}, "hits")
    port = free_port()
    with _process(_gunicorn(port), env) as server:
        _wait_for_a_worker(server, port)
        for n in range(HITS):
            agent = f"Counted/{n}"  # a listener each: every request is its own row
            status, _, _ = http_get(f"http://127.0.0.1:{port}{url_path}", **{"User-Agent": agent})
            assert status == 200
        # A hit is spooled once its body has gone out (the bytes sent decide whether it
        # counts), a moment after the client has read it: the kill comes as soon as the last
        # is there, before anything is written to the database.
        _wait_for(lambda: spool.size() >= HITS, 10, "the hits in the spool")
        _kill(server)
    requests = select(func.count()).select_from(MediaRequest)
    assert _count(app, requests) == 0  # nothing was written before the kill
    with _process(_gunicorn(port), env) as server, _process(WORKER, env):
        _wait_for_a_worker(server, port)
        # A batch whose store failed (SQLite busy on a loaded machine) goes back after its
        # 60 s lease: wait past it.
        _wait_for(lambda: _count(app, requests) >= HITS, 150, "the spooled hits")
        time.sleep(1)  # and no more than that arrive
        assert _count(app, requests) == HITS
    if kind == "redis":
        _forget_queue(env["SHOWAPP_JOBS_QUEUE"])


def _forget_queue(name: str) -> None:
    store = redis_store()
    for key in store.scan_iter(f"*{name}*"):
        store.delete(key)


class SlowHost:
    """The old podcast host: a feed of `count` episodes whose audio files take `delay` s each."""

    def __init__(self, count: int, delay: float) -> None:
        self.audio = make_mp3(1.0)
        self.count, self.delay = count, delay
        self.downloads: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/feed.xml":
                    body, kind = host.feed(), "application/rss+xml"
                else:
                    time.sleep(host.delay)
                    host.downloads.append(self.path)
                    body, kind = host.audio, "audio/mpeg"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def feed(self) -> bytes:
        items = "".join(
            f"<item><title>Episode {n}</title><guid>slow-{n}</guid>"
            f"<pubDate>Mon, 0{1 + n % 9} Jan 2024 10:00:00 +0000</pubDate>"
            f'<enclosure url="{self.base}/audio/{n}.mp3" length="{len(self.audio)}" '
            'type="audio/mpeg"/></item>'
            for n in range(1, self.count + 1)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Slow Host Show</title><link>{self.base}/</link>"
            f"<description>Moving</description>{items}</channel></rss>"
        ).encode()


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_an_import_survives_its_worker_being_killed(
    app: Flask, session: Session, app_config: dict[str, Any], kind: str
) -> None:
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()
    host = SlowHost(count=12, delay=0.4)
    # The web app and both workers share one queue (a Redis queue name of this test's own).
    settings = {"IMPORT_ALLOW_PRIVATE": True, "JOBS_LEASE_SECONDS": 2, **queue_settings(kind)}
    with serving(host.server), queued_app(app_config, kind, consumer=False, **settings) as web:
        client = web.test_client()
        login(client, "admin@example.com")
        form = {"csrf_token": csrf_token(client, "/studio/import"), "show": "",
                "url": f"{host.base}/feed.xml", "download_media": "y"}  # fmt: skip
        assert client.post("/studio/import", data=form).status_code == 303
        env = _environment(app_config, **settings)
        downloaded = (
            select(func.count()).select_from(Episode).where(Episode.audio_file.is_not(None))
        )
        the_import = select(JobRun).where(JobRun.task == "import.run")  # not a periodic rollup
        with _process(WORKER, env) as first:
            _wait_for(lambda: _count(app, downloaded) >= 3, 60, "a few downloads")
            _kill(first)  # mid-import: several files are still to come
        stopped_at = _count(app, downloaded)
        assert stopped_at < host.count
        with db.new_session(app) as check:
            assert check.scalars(the_import).one().state == JobState.RUNNING
        time.sleep(2.5)  # the lease runs out: the job's heartbeat has stopped
        with _process(WORKER, env):
            job = select(ImportJob.state).where(ImportJob.state == ImportState.DONE)
            _wait_for(lambda: _count(app, select(func.count()).select_from(job.subquery())) == 1,
                      90, "the import to finish")  # fmt: skip
            # The worker records its run as done just after the import's own row: on a busy
            # machine, stopping it at once could catch it in between.
            run_done = select(func.count()).select_from(
                the_import.where(JobRun.state == JobState.DONE).subquery()
            )
            _wait_for(lambda: _count(app, run_done) == 1, 30, "the worker to record its run")
    with db.new_session(app) as check:
        episodes = check.scalars(select(Episode)).all()
        run = check.scalars(the_import).one()
    assert len(episodes) == host.count  # none twice
    assert len({episode.guid for episode in episodes}) == host.count
    assert all(episode.audio_file for episode in episodes)
    assert run.state == JobState.DONE and run.attempts == 2
    # Files already downloaded before the kill were not fetched again (one may have been
    # in flight when the worker died).
    assert len(host.downloads) <= host.count + 1


def test_showapp_run_runs_the_jobs_itself(
    app: Flask, session: Session, app_config: dict[str, Any], episodes_dir: Path
) -> None:
    """`make run` needs nothing else: the development server's own consumer writes the hits."""
    episode = make_episode(session, make_show(session, slug="by-itself"), episodes_dir)
    session.commit()
    env = _environment(app_config, STATS_ENABLED="true", STATS_FLUSH_SECONDS="0.2")
    env.pop("SHOWAPP_JOBS_IN_PROCESS", None)  # `showapp run` turns it on
    port = free_port()
    run = [*WORKER[:-1], "run", "--port", str(port)]
    with _process(run, env) as server:
        _wait_for_a_worker(server, port)
        status, _, _ = http_get(f"http://127.0.0.1:{port}/media/{episode.audio_file}")
        assert status == 200
        requests = select(func.count()).select_from(MediaRequest)
        _wait_for(lambda: _count(app, requests) == 1, 30, "the hit to be written")
