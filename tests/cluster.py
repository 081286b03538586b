"""Two app hosts behind one address, as docs/scaling.md runs them: each with its own working
folder and its own gunicorn master, sharing PostgreSQL, Redis and (given its settings) a
bucket, behind nginx as the load balancer (the docs' block, run as written)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import redis_database, require
from tests.live import _wait_for_a_worker
from tests.nginx import NGINX, free_port, readme_block, running_nginx

CLUSTER_DATABASE = f"showapp_two_hosts_{os.getpid()}"
SERVER_URL = os.environ.get(
    "SHOWAPP_TEST_CLUSTER_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "one secret for every host"


@dataclass
class Host:
    name: str
    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None  # gunicorn's master
    worker: subprocess.Popen[bytes] | None = None  # `showapp worker`: this host's jobs

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    url: str  # the balancer's address: what listeners and hosts use
    hosts: list[Host]
    settings: dict[str, str]
    database_url: str
    log: list[Path] = field(default_factory=list)

    def stop(self, host: Host, sig: int = signal.SIGTERM) -> None:
        """Stop a host: gunicorn and its job worker (SIGKILL: as a machine dying would)."""
        for process in (host.process, host.worker):
            if process is None:
                continue
            if sig == signal.SIGKILL:
                # Each process group whole (gunicorn's master and its workers), as when the
                # machine goes away.
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.send_signal(sig)
            process.wait(timeout=30)
        host.process = host.worker = None

    def start(self, host: Host) -> None:
        host.process = _gunicorn(host, self.settings)
        self.start_worker(host)
        _wait_for_a_worker(host.process, host.port)

    def start_worker(self, host: Host) -> None:
        host.worker = _worker(host, self.settings)

    def stop_worker(self, host: Host) -> None:
        assert host.worker is not None
        host.worker.terminate()
        host.worker.wait(timeout=30)
        host.worker = None


def cluster_database_url() -> str:
    """A fresh database of its own on the test PostgreSQL server, migrated."""
    server = make_url(SERVER_URL)
    try:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {CLUSTER_DATABASE} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {CLUSTER_DATABASE}"))
        admin.dispose()
    except Exception as error:  # no server on a laptop: skip, or fail in CI
        require(False, f"PostgreSQL at {server.render_as_string()} is needed: {error}")
    return server.set(database=CLUSTER_DATABASE).render_as_string(hide_password=False)


@contextmanager
def two_hosts(tmp_path: Path, extra: Mapping[str, str] | None = None) -> Iterator[Cluster]:
    """Two hosts (separate folders, separate gunicorn masters) behind the docs' nginx block."""
    require(NGINX.exists(), "nginx is needed for the two-host tests")
    database_url = cluster_database_url()
    balancer_port = free_port()
    hosts = [Host(name, tmp_path / name, free_port()) for name in ("host-a", "host-b")]
    settings = {
        "SHOWAPP_DATABASE_URL": database_url,
        "SHOWAPP_SECRET_KEY": SECRET,
        "SHOWAPP_BASE_URL": f"http://127.0.0.1:{balancer_port}",
        "SHOWAPP_RATELIMIT_STORAGE_URI": redis_database(3),
        "SHOWAPP_TRUSTED_PROXIES": "1",
        "SHOWAPP_STATS_FLUSH_SECONDS": "0.2",
        # One queue for both hosts (and the hits spool): a job any host enqueued runs on
        # whichever host's worker takes it, and runs again elsewhere if that host dies.
        "SHOWAPP_JOBS": "redis",
        "SHOWAPP_JOBS_REDIS_URL": redis_database(4),
        "SHOWAPP_JOBS_QUEUE": f"two-hosts-{uuid.uuid4().hex[:8]}",
        "SHOWAPP_JOBS_LEASE_SECONDS": "5",
        **(extra or {}),
    }
    _flush_limits()
    for host in hosts:
        (host.folder / "episodes").mkdir(parents=True)
    _run_cli(hosts[0], settings, "init")
    block = readme_block(
        "upstream showapp_hosts",
        {
            "server 10.0.0.11:8000": f"server 127.0.0.1:{hosts[0].port}",
            "server 10.0.0.12:8000": f"server 127.0.0.1:{hosts[1].port}",
            "listen 80": f"listen 127.0.0.1:{balancer_port}",
            "server_name podcast.example.com": "server_name 127.0.0.1",
        },
    )
    cluster = Cluster("", hosts, settings, database_url)
    with ExitStack() as stack:
        for host in hosts:
            cluster.start(host)
            stack.callback(_stop_quietly, host)
        cluster.url = stack.enter_context(running_nginx(tmp_path / "nginx", balancer_port, block))
        yield cluster
    engine = create_engine(make_url(SERVER_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {CLUSTER_DATABASE} WITH (FORCE)"))
    engine.dispose()


def host_settings(host: Host, settings: Mapping[str, str]) -> dict[str, str]:
    """The environment of one host: the shared settings, and its own folders."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHOWAPP_")},
        **settings,
        "SHOWAPP_EPISODES_DIR": str(host.folder / "episodes"),
        "SHOWAPP_FEED_CACHE_DIR": str(host.folder / "feeds"),
        "SHOWAPP_JOBS_DIR": str(host.folder / "jobs"),
    }


def run_cli(cluster: Cluster, host: Host, *args: str) -> str:
    return _run_cli(host, cluster.settings, *args)


def _run_cli(host: Host, settings: Mapping[str, str], *args: str) -> str:
    command = [sys.executable, "-c", "from showapp.cli import cli; cli()", *args]
    done = subprocess.run(
        command, env=host_settings(host, settings), cwd=host.folder, capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(f"showapp {' '.join(args)} failed on {host.name}: {done.stderr}")
    return done.stdout


def _gunicorn(host: Host, settings: Mapping[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{host.port}"]
    with (host.folder / "gunicorn.log").open("ab") as log:
        return subprocess.Popen(
            [*command, "showapp:create_app()"],
            env=host_settings(host, settings),
            cwd=host.folder,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group: a "dead machine" takes its workers
        )


def _worker(host: Host, settings: Mapping[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from showapp.cli import cli; cli()", "worker"]
    with (host.folder / "worker.log").open("ab") as log:
        return subprocess.Popen(
            command, env=host_settings(host, settings), cwd=host.folder, stdout=log, stderr=log,
            start_new_session=True,
        )  # fmt: skip


def _stop_quietly(host: Host) -> None:
    for process in (host.process, host.worker):
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def _flush_limits() -> None:
    """The sign-in limits live in Redis database 3 for these tests: start from none."""
    from tests.conftest import redis_store

    redis_store()  # skips (or fails in CI) without Redis
    import redis

    store = redis.Redis.from_url(redis_database(3), socket_connect_timeout=1)
    store.flushdb()
    store.close()
