"""Each app's job queue: a huey instance on the configured store, its tasks, its consumer.

SHOWAPP_JOBS picks the store: `sqlite` (default: a file in the instance folder, no server),
`redis` (SHOWAPP_JOBS_REDIS_URL, for several app hosts) or `immediate` (each job runs inside
the call that enqueues it: tests and debugging). huey keeps the queue, delays and retries;
job_runs keeps what the studio shows, and a heartbeat that tells a running job from one whose
worker was killed, which `reclaim_orphans` enqueues again.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey, Task, TaskWrapper
from huey.consumer import Consumer
from huey.utils import normalize_time

from showapp import db
from showapp.columns import utc_now
from showapp.jobs.registry import TASKS, TaskSpec
from showapp.models import JobState
from showapp.services.jobs import runs

log = logging.getLogger(__name__)
STORE_HITS = "stats.store_hits"
# An idle SQLite consumer polls its file at most this far apart (huey's default is 10 s).
SQLITE_MAX_POLL_SECONDS = 1.0


class Jobs:
    """The app's queue. `enqueue` is all most code needs; the CLI and `showapp run` start a
    consumer with `start_consumer` (threads in this process) or `run_consumer` (blocking)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.kind = str(app.config["JOBS"])
        self._huey: Huey | None = None
        self._wrappers: dict[str, TaskWrapper] = {}
        self._consumer: Consumer | None = None
        self._consumer_lock = threading.Lock()
        self._huey_lock = threading.Lock()

    @property
    def huey(self) -> Huey:
        """The store is opened on first use: a command that enqueues nothing (showapp init)
        creates no queue file."""
        with self._huey_lock:
            if self._huey is None:
                self._huey = make_huey(self.app.config, self.kind)
                self._wrappers = {spec.name: self._register(spec) for spec in TASKS.values()}
            return self._huey

    def enqueue(
        self, name: str, *, label: str = "", show_id: int | None = None,
        delay: float | None = None, retries: int | None = None,
        retry_delay: float | None = None, **kwargs: Any,
    ) -> int | None:  # fmt: skip
        """Queue task `name` with JSON keyword arguments; returns its job_runs id (None for an
        untracked task). The row is committed before the task is queued, so a worker never
        looks for a row that is not there yet."""
        spec = TASKS[name]
        run_id = self._create_run(spec, kwargs, label, show_id) if spec.tracked else None
        self._send(name, run_id, kwargs, delay=delay, retries=retries, retry_delay=retry_delay)
        return run_id

    def enqueue_each(
        self, name: str, labelled: Sequence[tuple[str, dict[str, Any]]], *,
        retries: int | None = None, retry_delay: float | None = None,
    ) -> None:  # fmt: skip
        """Queue task `name` once per (label, keyword arguments), their rows written in one
        transaction: a save that announces several feeds pays for one commit, not one each."""
        spec = TASKS[name]
        with db.new_session(self.app) as session:
            created = [runs.create_run(session, name, kwargs, label=label, show_id=None)
                       for label, kwargs in labelled] if spec.tracked else []  # fmt: skip
            session.commit()
            run_ids: list[int | None] = [run.id for run in created] or [None] * len(labelled)
        for run_id, (_label, kwargs) in zip(run_ids, labelled, strict=True):
            self._send(name, run_id, kwargs, retries=retries, retry_delay=retry_delay)

    def _send(
        self, name: str, run_id: int | None, kwargs: dict[str, Any], *,
        delay: float | None = None, retries: int | None = None, retry_delay: float | None = None,
    ) -> None:  # fmt: skip
        huey = self.huey
        eta = normalize_time(None, delay, huey.utc) if delay else None
        task_class = self._wrappers[name].task_class
        task = task_class((run_id, kwargs), {}, eta=eta, retries=retries, retry_delay=retry_delay)
        huey.enqueue(task)

    def retry(self, run_id: int) -> bool:
        """Queue a failed job again with its arguments; False when it is not failed."""
        with db.new_session(self.app) as session:
            run = runs.get_run(session, run_id)
            if run is None or run.state != JobState.FAILED:
                return False
            runs.mark_queued(session, run)
            name, arguments = run.task, dict(run.arguments)
            session.commit()
        self._send(name, run_id, arguments)
        return True

    def reclaim_orphans(self) -> int:
        """Queue again the jobs whose worker died mid-run (no heartbeat for a lease)."""
        lease = float(self.app.config["JOBS_LEASE_SECONDS"])
        with db.new_session(self.app) as session:
            claimed = runs.claim_orphans(session, utc_now(), lease)
            orphans = [(run.id, run.task, dict(run.arguments)) for run in claimed]
            session.commit()
        for run_id, name, arguments in orphans:
            if name in TASKS:
                log.warning("job %s (%s) lost its worker; queued again", run_id, name)
                self._send(name, run_id, arguments)
        return len(orphans)

    def start_consumer(self, workers: int | None = None, periodic: bool = True) -> None:
        """Run a consumer on threads of this process (once per process): `showapp run`, or
        web workers when SHOWAPP_JOBS_IN_PROCESS is set."""
        if self._consumer is not None:
            return  # the common case, on every request of an in-process setup
        with self._consumer_lock:
            if self._consumer is not None or self.kind == "immediate":
                return
            self._consumer = self._make_consumer(InProcessConsumer, workers, periodic)
            self._on_start()
            self._consumer.start()

    def stop_consumer(self, timeout: float = 10.0) -> None:
        with self._consumer_lock:
            if self._consumer is not None:
                self._consumer.shutdown_timeout = timeout
                self._consumer.stop(graceful=True)
                self._consumer = None

    def run_consumer(self, workers: int | None = None, periodic: bool = True) -> None:
        """`showapp worker`: a consumer in the foreground that stops on SIGINT/SIGTERM."""
        consumer = self._make_consumer(Consumer, workers, periodic)
        self._on_start()
        consumer.run()

    def _on_start(self) -> None:
        """A consumer starting after a crash first takes up what the crash left: jobs that
        lost their worker, and media hits still in the spool."""
        self.reclaim_orphans()
        if STORE_HITS in TASKS:
            self._send(STORE_HITS, None, {})

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """For tests: True once no tracked job is queued, running or waiting to retry."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with db.new_session(self.app) as session:
                if not runs.count_unfinished(session):
                    return True
            time.sleep(0.05)
        return False

    def _make_consumer(self, kind: type[Consumer], workers: int | None, periodic: bool) -> Consumer:
        count = workers or int(self.app.config["JOBS_WORKERS"])
        max_delay = SQLITE_MAX_POLL_SECONDS if self.kind == "sqlite" else 10.0
        return kind(
            self.huey, workers=count, worker_type="thread", periodic=periodic,
            max_delay=max_delay, check_worker_health=True,
        )  # fmt: skip

    def _create_run(
        self, spec: TaskSpec, kwargs: dict[str, Any], label: str, show_id: int | None
    ) -> int:
        with db.new_session(self.app) as session:
            run = runs.create_run(session, spec.name, kwargs, label=label or spec.name,
                                  show_id=show_id)  # fmt: skip
            session.commit()
            return run.id

    def _register(self, spec: TaskSpec) -> TaskWrapper:
        app, huey = self.app, self._huey
        assert huey is not None

        def run(run_id: int | None = None, kwargs: dict[str, Any] | None = None,
                task: Task | None = None) -> None:  # fmt: skip
            execute(app, spec, run_id, kwargs or {}, task)

        # The name the queue stores: "showapp.<task>", whichever module declared it.
        run.__name__ = run.__qualname__ = spec.name
        run.__module__ = "showapp"
        if spec.schedule is not None:
            schedule = spec.schedule(dict(app.config))
            return huey.periodic_task(schedule, name=spec.name, context=True)(run)
        return huey.task(
            name=spec.name, retries=spec.retries, retry_delay=spec.retry_delay,
            retry_backoff=spec.retry_backoff, context=True,
        )(run)  # fmt: skip


def get_jobs(app: Flask) -> Jobs:
    jobs: Jobs = app.extensions["showapp.jobs"]
    return jobs


class InProcessConsumer(Consumer):  # type: ignore[misc]
    """A consumer sharing its process with a web server, which owns the process's signals."""

    def _set_signal_handlers(self) -> None:
        return None


def make_huey(config: Any, kind: str) -> Huey:
    name = str(config["JOBS_QUEUE"])
    if kind == "immediate":
        return MemoryHuey(name, immediate=True, results=False)
    if kind == "redis":
        return RedisHuey(name, url=str(config["JOBS_REDIS_URL"]), results=False)
    path = Path(config["JOBS_DIR"]) / "jobs.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False)


def execute(
    app: Flask, spec: TaskSpec, run_id: int | None, kwargs: dict[str, Any], task: Task | None
) -> None:
    """Run one attempt of a job, keeping its row up to date; errors go back to huey, which
    schedules the retry."""
    if spec.tracked and run_id is None:
        run_id = _create_scheduled_run(app, spec)
    if run_id is None:
        spec.func(app, **kwargs)
        return
    if not _mark_running(app, run_id):
        return
    heartbeat = _Heartbeat(app, run_id, float(app.config["JOBS_LEASE_SECONDS"]) / 4)
    try:
        spec.func(app, **kwargs)
    except Exception as error:
        will_retry = task is not None and task.retries > 0
        _record(app, run_id, _describe(error), will_retry)
        raise
    else:
        _record(app, run_id, None, False)
    finally:
        heartbeat.stop()


def _create_scheduled_run(app: Flask, spec: TaskSpec) -> int:
    with db.new_session(app) as session:
        run = runs.create_run(session, spec.name, {}, label=spec.name, show_id=None)
        session.commit()
        return run.id


def _mark_running(app: Flask, run_id: int) -> bool:
    with db.new_session(app) as session:
        run = runs.get_run(session, run_id)
        if run is None or run.state == JobState.DONE:
            return False  # deleted, or already done by an earlier delivery
        runs.mark_running(session, run)
        session.commit()
        return True


def _record(app: Flask, run_id: int, error: str | None, will_retry: bool) -> None:
    with db.new_session(app) as session:
        run = runs.get_run(session, run_id)
        if run is None:
            return
        if error is None:
            runs.mark_done(session, run)
        else:
            runs.mark_error(session, run, error, will_retry=will_retry)
        session.commit()


def _describe(error: Exception) -> str:
    lines = traceback.format_exception_only(type(error), error)
    return "".join(lines).strip()


class _Heartbeat:
    """Stamps the running job's row every `interval` seconds until stopped."""

    def __init__(self, app: Flask, run_id: int, interval: float) -> None:
        self._app = app
        self._run_id = run_id
        self._interval = max(interval, 0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{run_id}", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                with db.new_session(self._app) as session:
                    runs.beat(session, self._run_id)
                    session.commit()
            except Exception:  # a missed beat is harmless; the next one may go through
                log.exception("job %s: heartbeat not written", self._run_id)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
