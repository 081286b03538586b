"""What every bench script needs to run servers side by side on 127.0.0.1, and the install
they serve."""

from __future__ import annotations

import socket
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.models import Show
from showapp.services import urls
from showapp.services.catalog import writes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(port: int, timeout: float = 30) -> None:
    """Return once something accepts connections on `port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@contextmanager
def bench_install(config: dict[str, Any]) -> Iterator[tuple[Session, Show]]:
    """Migrate a new install from `config` and give a session holding its one show, "bench";
    what the caller adds is committed, and the engine let go, at the end."""
    app = create_app(config, check_migrations=False)
    db.upgrade(app)
    with app.app_context(), db.new_session(app) as session:
        show = writes.create_show(
            session,
            slug="bench",
            title="Bench",
            feed_url=urls.feed_url("http://x", "show", show_slug="bench"),
        )
        yield session, show
        session.commit()
    db.get_engine(app).dispose()


def median_get(client: FlaskClient, path: str, repeats: int) -> tuple[float, bytes]:
    """The median milliseconds of `repeats` GETs through the test client after one that warms
    the templates, and the body; each must answer 200."""
    samples = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(samples[1:]), response.data
