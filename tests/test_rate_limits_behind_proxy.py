"""Sign-in limits behind the documented production setup: nginx in front (one trusted proxy
adding X-Forwarded-For), several gunicorn workers, and the counts in Redis."""

from __future__ import annotations

import http.client
import re
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp import create_app, db
from tests.conftest import REDIS_URL, redis_store
from tests.live import gunicorn_server
from tests.studio_helpers import login, make_user

PER_ADDRESS = 30  # failed sign-ins a minute from one address (showapp/studio/auth.py)
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def behind_proxy(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app({**app_config, "TRUSTED_PROXIES": 1})
    yield app
    db.get_engine(app).dispose()


def _from(app: Flask, forwarded_for: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client


def test_clients_behind_a_trusted_proxy_are_limited_separately(behind_proxy: Flask) -> None:
    first = _from(behind_proxy, "198.51.100.1")
    statuses = [login(first, f"n{n}@example.com", "wrong").status_code for n in range(31)]
    assert statuses == [401] * PER_ADDRESS + [429]
    # Another client through the same proxy is not locked out...
    assert login(_from(behind_proxy, "198.51.100.2"), "x@example.com", "wrong").status_code == 401
    # ...and a client cannot pose as another by adding entries before the proxy's own.
    forged = _from(behind_proxy, "198.51.100.3, 198.51.100.1")
    assert login(forged, "y@example.com", "wrong").status_code == 429


@dataclass
class Server:
    url: str
    port: int
    access_log: Path


@pytest.fixture
def gunicorn_behind_proxy(app_config: dict[str, Any], tmp_path: Path) -> Iterator[Server]:
    """Two gunicorn workers configured as docs/deployment.md says, counting in Redis under a
    key prefix of their own (the Redis may be shared: only those keys are removed)."""
    store = redis_store()
    prefix = f"showapp-test-{secrets.token_hex(4)}"
    settings = {
        "TRUSTED_PROXIES": 1,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    access_log = tmp_path / "access.log"
    options = ["--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s %(U)s"]
    try:
        with gunicorn_server(app_config, workers=2, settings=settings, options=options) as url:
            port = urlsplit(url).port
            assert port is not None
            yield Server(url, port, access_log)
    finally:
        for key in store.scan_iter(f"{prefix}*"):
            store.delete(key)


class Browser:
    """One client behind the proxy: its address, its session cookie and CSRF token."""

    def __init__(self, server: Server, address: str) -> None:
        self.server, self.address = server, address
        status, page, self.cookie = self._send("GET", None)
        assert status == 200
        found = TOKEN.search(page)
        assert found
        self.token = found.group(1)

    def sign_in(self, email: str, password: str) -> int:
        form = urlencode({"email": email, "password": password, "csrf_token": self.token})
        return self._send("POST", form)[0]

    def _send(self, method: str, body: str | None) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        headers = {"X-Forwarded-For": self.address, "X-Forwarded-Proto": "http"}
        if body is not None:
            headers["Cookie"] = self.cookie
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, "/studio/login", body=body, headers=headers)
        response = connection.getresponse()
        page = response.read().decode()
        jar: SimpleCookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        connection.close()
        return response.status, page, "; ".join(f"{k}={v.value}" for k, v in jar.items())


def _hold_a_worker(port: int) -> socket.socket:
    """A connection that sends half a request: the sync worker that accepts it waits on it,
    so the next requests go to the other worker."""
    hold = socket.create_connection(("127.0.0.1", port))
    hold.sendall(b"GET /studio/login HTTP/1.1\r\n")
    time.sleep(0.5)  # until a worker has accepted it
    return hold


def test_the_account_limit_holds_across_gunicorn_workers(
    gunicorn_behind_proxy: Server, session: Session
) -> None:
    server = gunicorn_behind_proxy
    make_user(session, "target@example.com")
    session.commit()
    browser = Browser(server, "198.51.100.1")
    first_hold = _hold_a_worker(server.port)
    statuses = [browser.sign_in("target@example.com", "wrong") for _ in range(3)]
    second_hold = _hold_a_worker(server.port)  # the worker that answered those three
    first_hold.close()  # frees the other one, which answers the next three
    statuses += [browser.sign_in("target@example.com", "wrong") for _ in range(3)]
    second_hold.close()
    assert statuses == [401] * 5 + [429]
    served_by = [line.split()[0] for line in _refusals(server.access_log, 6)]
    # Two processes answered, three each: the count lives in Redis, not in a worker.
    assert served_by[0] == served_by[2] != served_by[3] == served_by[5]


def test_addresses_behind_the_proxy_are_counted_apart_across_workers(
    gunicorn_behind_proxy: Server,
) -> None:
    first = Browser(gunicorn_behind_proxy, "198.51.100.1")
    statuses = [first.sign_in(f"n{n}@example.com", "wrong") for n in range(PER_ADDRESS + 1)]
    assert statuses == [401] * PER_ADDRESS + [429]
    assert Browser(gunicorn_behind_proxy, "198.51.100.2").sign_in("x@example.com", "no") == 401
    forged = Browser(gunicorn_behind_proxy, "198.51.100.3, 198.51.100.1")
    assert forged.sign_in("y@example.com", "no") == 429


def _refusals(access_log: Path, expected: int) -> list[str]:
    """The access log's lines for refused sign-ins ("<pid> <status> <path>"), once all
    `expected` are written (gunicorn logs a request after sending its answer)."""
    deadline = time.monotonic() + 10
    while True:
        logged = access_log.read_text().splitlines()
        lines = [line for line in logged if line.split()[1] in {"401", "429"}]
        if len(lines) >= expected or time.monotonic() > deadline:
            assert len(lines) == expected
            return lines
        time.sleep(0.1)
