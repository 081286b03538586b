"""Apps whose jobs run on a real queue (SQLite file or Redis) with a consumer in the test's
process, for the tests where when and how often a job runs is the point."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from showapp import create_app, db
from showapp.jobs import get_jobs
from tests.conftest import REDIS_URL, redis_store


def queue_settings(kind: str) -> dict[str, Any]:
    """SQLite: a file in the test's JOBS_DIR. Redis: a queue name of the test's own, so its
    keys (and its spool's) are apart from every other test's; they are deleted afterwards."""
    if kind == "redis":
        redis_store()
        return {"JOBS": "redis", "JOBS_REDIS_URL": REDIS_URL,
                "JOBS_QUEUE": f"test-{uuid.uuid4().hex[:12]}"}  # fmt: skip
    return {"JOBS": "sqlite"}


@contextmanager
def queued_app(
    app_config: dict[str, Any], kind: str = "sqlite", *, consumer: bool = True, **settings: Any
) -> Iterator[Flask]:
    app = create_app({**app_config, **queue_settings(kind), **settings})
    jobs = get_jobs(app)
    if consumer:
        jobs.start_consumer(workers=2, periodic=False)  # a minute turning must not add runs
    try:
        yield app
    finally:
        jobs.stop_consumer()
        if kind == "redis":
            store = redis_store()
            for key in store.scan_iter(f"*{app.config['JOBS_QUEUE']}*"):
                store.delete(key)
        db.get_engine(app).dispose()
