"""The app under a real gunicorn, as in production: for tests that need several worker
processes, or gunicorn's own way of sending files."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from tests.nginx import free_port

START_SECONDS = 30
# The test's own database, media folder and feed cache: the server works on the test's data.
SHARED_SETTINGS = ("DATABASE_URL", "EPISODES_DIR", "FEED_CACHE_DIR", "JOBS_DIR")


@contextmanager
def gunicorn_server(
    app_config: dict[str, Any],
    workers: int = 1,
    *,
    settings: Mapping[str, object] | None = None,
    options: Sequence[str] = (),
) -> Iterator[str]:
    """gunicorn with `workers` sync worker processes serving the app on the test's data, with
    `settings` on top (as SHOWAPP_* variables) and gunicorn's `options`; yields its base URL
    once a worker answers, and stops it afterwards."""
    port = free_port()
    environment = {**{key: app_config[key] for key in SHARED_SETTINGS}, **(settings or {})}
    env = {**os.environ, "SHOWAPP_STATS_ENABLED": "false", "SHOWAPP_SECRET_KEY": "test-secret",
           # Each worker runs its own consumer, so spooled hits reach the database.
           "SHOWAPP_JOBS_IN_PROCESS": "true"}  # fmt: skip
    env.update({f"SHOWAPP_{key}": str(value) for key, value in environment.items()})
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*command, *options, "showapp:create_app()"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_a_worker(process, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_for_a_worker(process: subprocess.Popen[bytes], port: int) -> None:
    """Until a worker answers the sign-in page (the port opens before any worker has booted)."""
    deadline = time.monotonic() + START_SECONDS
    while process.poll() is None and time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", "/studio/login")
            if connection.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            # A half-open connection would hold a sync worker busy for the test that follows.
            connection.close()
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not start on port {port}")
