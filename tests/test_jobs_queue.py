"""The job queue on its real stores, SQLite file and Redis (a queue name of each test's own):
jobs run in a consumer, media hits go through the durable spool, rollups run on schedule."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp import db
from showapp.jobs import get_jobs
from showapp.jobs.spool import make_spool
from showapp.models import Download, JobRun, JobState, MediaRequest
from tests.factories import make_episode, make_show
from tests.jobs_helpers import queue_settings, queued_app
from tests.test_websub import Hub

KINDS = ["sqlite", "redis"]


def _runs(app: Flask, task: str) -> list[JobRun]:
    with db.new_session(app) as session:
        return list(session.scalars(select(JobRun).where(JobRun.task == task)))


@pytest.mark.parametrize("kind", KINDS)
def test_a_consumer_runs_queued_jobs_and_retries_failures(
    app: Flask, app_config: dict[str, Any], kind: str
) -> None:
    with Hub(failures=1) as hub, queued_app(app_config, kind, consumer=False) as queued:
        jobs = get_jobs(queued)
        run_id = jobs.enqueue("feeds.ping", retries=2, retry_delay=0.1,
                              url=hub.url + "/ping", method="GET")  # fmt: skip
        assert [run.state for run in _runs(queued, "feeds.ping")] == [JobState.QUEUED]
        jobs.start_consumer(workers=1)
        assert jobs.wait_idle(timeout=30)
        run = _runs(queued, "feeds.ping")[0]
    assert run.id == run_id and run.state == JobState.DONE and run.attempts == 2
    assert len(hub.requests) == 2  # a 503, then the retry went through


@pytest.mark.parametrize("kind", KINDS)
def test_the_spool_leases_batches_and_gives_back_what_a_dead_drainer_held(
    app_config: dict[str, Any], kind: str, tmp_path: Path
) -> None:
    config = {**app_config, **queue_settings(kind), "JOBS_DIR": str(tmp_path)}
    config.setdefault("JOBS_QUEUE", f"spool-{tmp_path.name}")
    spool = make_spool(config, "hits")
    try:
        for n in range(5):
            spool.append(f"hit {n}".encode())
        first = spool.take(3, lease_seconds=60)
        assert first.items == [b"hit 0", b"hit 1", b"hit 2"]
        second = spool.take(10, lease_seconds=2.0)  # leased apart from the first batch
        assert second.items == [b"hit 3", b"hit 4"]
        spool.done(first)
        assert spool.take(10, lease_seconds=60).items == []
        time.sleep(2.2)  # the second batch's drainer "died": its lease ran out
        again = spool.take(10, lease_seconds=60)
        assert sorted(again.items) == [b"hit 3", b"hit 4"]
        spool.done(again)
        assert spool.take(10, lease_seconds=60).items == [] and spool.size() == 0
    finally:
        if kind == "redis":
            from tests.conftest import redis_store

            store = redis_store()
            for key in store.scan_iter(f"*{config['JOBS_QUEUE']}*"):
                store.delete(key)


@pytest.mark.parametrize("kind", KINDS)
def test_media_hits_reach_the_database_through_the_spool(
    app: Flask, session: Session, app_config: dict[str, Any], kind: str
) -> None:
    episode = make_episode(session, make_show(session, slug="heard"),
                           Path(app.config["EPISODES_DIR"]))  # fmt: skip
    session.commit()
    settings = {"STATS_ENABLED": True, "STATS_FLUSH_SECONDS": 0.2}
    with queued_app(app_config, kind, **settings) as served:
        client = served.test_client()
        for n in range(7):
            response = client.get(f"/media/{episode.audio_file}", headers={"User-Agent": f"L{n}"})
            assert response.status_code == 200
        count = select(func.count()).select_from(MediaRequest)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (session.scalar(count) or 0) < 7:
            session.rollback()
            time.sleep(0.1)
        assert session.scalar(count) == 7


def test_rollups_run_on_their_schedule(
    app: Flask, session: Session, app_config: dict[str, Any]
) -> None:
    with queued_app(app_config, consumer=False, STATS_ROLLUP_MINUTES=5) as scheduled:
        huey = get_jobs(scheduled).huey
        due = {task.name for task in huey.read_periodic(datetime(2026, 12, 6, 10, 5, tzinfo=UTC))}
        idle = {task.name for task in huey.read_periodic(datetime(2026, 12, 6, 10, 3, tzinfo=UTC))}
    assert "stats.schedule_rollup" in due and "stats.schedule_rollup" not in idle
    episode = make_episode(session, make_show(session, slug="rolled"),
                           Path(app.config["EPISODES_DIR"]))  # fmt: skip
    session.commit()
    # Every minute: the consumer's scheduler enqueues it as it starts, with no cron line.
    settings = {"STATS_ENABLED": True, "STATS_FLUSH_SECONDS": 60, "STATS_ROLLUP_MINUTES": 1}
    with queued_app(app_config, consumer=False, **settings) as served:
        response = served.test_client().get(f"/media/{episode.audio_file}")
        assert response.status_code == 200
        get_jobs(served).start_consumer(workers=1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _done(served, "stats.rollup"):
            time.sleep(0.1)
        assert _done(served, "stats.rollup")
    assert session.scalar(select(func.count()).select_from(Download)) == 1


def _done(app: Flask, task: str) -> bool:
    return any(run.state == JobState.DONE for run in _runs(app, task))


def test_every_minute_lost_jobs_run_again_and_old_ones_are_forgotten(
    app: Flask, session: Session
) -> None:
    from datetime import timedelta

    from showapp.columns import utc_now
    from showapp.services.jobs import runs
    from tests.test_websub import Hub

    with Hub() as hub:
        # A ping whose worker died an hour ago, mid-run; a ping done 31 days ago.
        lost = runs.create_run(session, "feeds.ping", {"url": hub.url + "/p", "method": "GET"},
                               label="Lost", show_id=None)  # fmt: skip
        runs.mark_running(session, lost)
        lost.heartbeat_at = utc_now() - timedelta(hours=1)
        old = runs.create_run(session, "stats.rollup", {}, label="Old", show_id=None)
        runs.mark_done(session, old)
        old.finished_at = utc_now() - timedelta(days=31)
        session.commit()
        lost_id, old_id = lost.id, old.id
        get_jobs(app).enqueue("jobs.reclaim")  # what the scheduler queues every minute
        session.expire_all()
        assert session.get(JobRun, old_id) is None
        again = session.get(JobRun, lost_id)
        assert again is not None and again.state == JobState.DONE and again.attempts == 2
        assert len(hub.requests) == 1


def test_audio_the_old_host_failed_to_give_is_fetched_again_with_backoff(
    app: Flask, session: Session, app_config: dict[str, Any]
) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from showapp.models import Episode, UserRole
    from tests.conftest import serving
    from tests.factories import make_mp3
    from tests.studio_helpers import csrf_token, login, make_user
    from tests.test_studio_import import _feed

    audio, asked = make_mp3(1.0), []

    class OldHost(BaseHTTPRequestHandler):
        """The feed, and audio files that answer 503 twice each before they are given."""

        def do_GET(self) -> None:
            asked.append(self.path)
            if self.path != "/feed.xml" and asked.count(self.path) <= 2:
                self.send_response(503)
                self.end_headers()
                return
            body = _feed(base, 3) if self.path == "/feed.xml" else audio
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()
    settings = {"IMPORT_ALLOW_PRIVATE": True, "JOBS_RETRY_SECONDS": 0.5}
    with (
        serving(ThreadingHTTPServer(("127.0.0.1", 0), OldHost)) as base,
        queued_app(app_config, **settings) as served,
    ):
        client = served.test_client()
        login(client, "admin@example.com")
        form = {"csrf_token": csrf_token(client, "/studio/import"), "show": "",
                "url": f"{base}/feed.xml", "download_media": "y"}  # fmt: skip
        assert client.post("/studio/import", data=form).status_code == 303
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _done(served, "media.download"):
            time.sleep(0.2)
        fetched = _runs(served, "media.download")
    assert len(fetched) == 1 and fetched[0].state == JobState.DONE
    # The import's try got a 503, the job's first a 503 too, its retry the file.
    assert fetched[0].attempts == 2 and "503" in fetched[0].last_error
    session.expire_all()
    assert all(episode.audio_file for episode in session.scalars(select(Episode)))
    assert len(session.scalars(select(Episode)).all()) == 3
