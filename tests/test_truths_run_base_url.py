"""`showapp run --port N` without SHOWAPP_BASE_URL writes links to the address it listens on
(it used to write port 5000 whatever the port), says so when it starts, and a set
SHOWAPP_BASE_URL still wins."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import feedparser
import pytest

from showapp.cli.serve import base_url_for
from showapp.config import REPO_ROOT

CLI = [sys.executable, "-c", "from showapp.cli import cli; cli()"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOWAPP_", "FLASK_"))}
    env.update(
        SHOWAPP_DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        SHOWAPP_EPISODES_DIR=str(tmp_path / "episodes"),
        SHOWAPP_FEED_CACHE_DIR=str(tmp_path / "feeds"),
        SHOWAPP_JOBS_DIR=str(tmp_path / "jobs"),
        SHOWAPP_SECRET_KEY="run-test-secret",
        SHOWAPP_STATS_ENABLED="false",
        **extra,
    )
    return env


@contextmanager
def _server(tmp_path: Path, port: int, **extra: str) -> Iterator[tuple[str, Path]]:
    env = _env(tmp_path, **extra)
    subprocess.run([*CLI, "init"], env=env, cwd=REPO_ROOT, check=True, capture_output=True)
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*CLI, "run", "--port", str(port)],
            env=env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/robots.txt", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(log.read_text())
                time.sleep(0.2)
        yield base, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def _feed_link(base: str) -> str:
    body = urllib.request.urlopen(base + "/feed.xml", timeout=10).read()
    return str(feedparser.parse(body).feed.link)


def test_links_follow_the_port_the_server_runs_on(tmp_path: Path) -> None:
    port = _free_port()
    with _server(tmp_path, port) as (base, log):
        assert _feed_link(base) == f"http://127.0.0.1:{port}/"
        home = urllib.request.urlopen(base + "/", timeout=10).read().decode()
        assert f'href="http://127.0.0.1:{port}/' in home
        assert f"links in pages and feeds point to http://127.0.0.1:{port}" in log.read_text()


def test_a_set_base_url_wins(tmp_path: Path) -> None:
    port = _free_port()
    public = "https://pod.example.org"
    with _server(tmp_path, port, SHOWAPP_BASE_URL=public) as (base, log):
        assert _feed_link(base) == public + "/"
        assert "SHOWAPP_BASE_URL is not set" not in log.read_text()


def test_base_url_for_addresses() -> None:
    assert base_url_for("127.0.0.1", 5101) == "http://127.0.0.1:5101"
    assert base_url_for("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert base_url_for("::1", 8000) == "http://[::1]:8000"
    assert base_url_for("podcast.local", 80) == "http://podcast.local:80"
