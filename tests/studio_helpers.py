"""Helpers for studio tests: people, signing in, and the CSRF token a real form carries."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from showapp.models import Show, User, UserRole
from showapp.services import accounts

PASSWORD = "correct horse battery"
_TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def make_user(
    session: Session,
    email: str,
    *,
    role: UserRole = UserRole.HOST,
    shows: Sequence[Show] = (),
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    user = User(
        email=email, role=role, active=active, password_hash=accounts.hash_password(password)
    )
    session.add(user)
    session.flush()
    accounts.set_host_shows(session, user, [show.id for show in shows])
    return user


def sign_in_new_user(client: FlaskClient, session: Session, email: str, **user: Any) -> FlaskClient:
    """Make the user `email` (see make_user), commit, and sign `client` in as them."""
    make_user(session, email, **user)
    session.commit()
    login(client, email)
    return client


def csrf_token(client: FlaskClient, url: str = "/studio/login") -> str:
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, (url, response.status_code, page[-400:])
    found = _TOKEN.search(page)
    assert found, f"no CSRF token on {url}"
    return found.group(1) or found.group(2)


def login(
    client: FlaskClient, email: str, password: str = PASSWORD, page: str = "/studio/login"
) -> TestResponse:
    """Sign in through the form on `page` (a login URL, perhaps with ?next=)."""
    html = client.get(page).get_data(as_text=True)
    token = _TOKEN.search(html)
    assert token, f"no CSRF token on {page}"
    form = {"email": email, "password": password, "csrf_token": token.group(1) or token.group(2)}
    if 'name="next"' in html:
        form["next"] = html.split('name="next" type="hidden" value="')[1].split('"')[0]
    return client.post("/studio/login", data=form)


def lapse_sign_in(client: FlaskClient) -> None:
    """Age the client's sign-in past its lifetime, as a night away from the editor does: the
    session cookie (with its CSRF secret) is still there, the sign-in is not."""
    from showapp.security.sessions import SESSION_LIFETIME

    with client.session_transaction() as session:
        session["seen_at"] = int(time.time() - SESSION_LIFETIME.total_seconds()) - 60


def live_login(base_url: str, email: str, password: str = PASSWORD) -> tuple[str, str]:
    """Sign in over real HTTP; return the Cookie header and a CSRF token for later posts."""
    import http.client
    from http.cookies import SimpleCookie
    from urllib.parse import urlencode, urlsplit

    netloc = urlsplit(base_url).netloc

    def request(method: str, path: str, body: str | None, cookie: str) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection(netloc, timeout=30)
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        jar: SimpleCookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        new_cookie = "; ".join(f"{k}={v.value}" for k, v in jar.items()) or cookie
        connection.close()
        return response.status, text, new_cookie

    _, page, cookie = request("GET", "/studio/login", None, "")
    token = _TOKEN.search(page)
    assert token
    form = {"email": email, "password": password, "csrf_token": token.group(1) or token.group(2)}
    status, _, cookie = request("POST", "/studio/login", urlencode(form), cookie)
    assert status == 303
    _, page, _ = request("GET", "/studio/", None, cookie)
    found = _TOKEN.search(page)
    assert found
    return cookie, found.group(1) or found.group(2)


def edit_form(client: FlaskClient, url: str, **fields: Any) -> dict[str, Any]:
    """The editor's form as the page gives it (its version and CSRF token), with `fields`."""
    page = client.get(url).get_data(as_text=True)
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    form: dict[str, Any] = {
        "csrf_token": csrf_token(client, url),
        "version": version,
        "title": "An episode",
        "status": "draft",
        "episode_type": "full",
    }
    form.update(fields)
    return form
