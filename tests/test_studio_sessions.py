"""Sessions end on the server: signing out, a new password and deactivation end every copy of
a session cookie; and a failed sign-in costs the same whether or not the account exists."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from showapp.models import UserRole
from showapp.security.sessions import SESSION_LIFETIME
from showapp.services import accounts
from tests.studio_helpers import csrf_token, login, make_user

HOST = "host@example.com"
ADMIN = "admin@example.com"


def _signed_in(app: Flask, email: str) -> FlaskClient:
    """Another browser, signed in as `email`."""
    browser = app.test_client()
    login(browser, email)
    return browser


def _opens_the_studio(client: FlaskClient) -> bool:
    response = client.get("/studio/")
    if response.status_code == 200:
        return True
    assert response.status_code == 303 and response.location.startswith("/studio/login")
    return False


@pytest.fixture
def people(session: Session) -> dict[str, int]:
    host = make_user(session, HOST)
    admin = make_user(session, ADMIN, role=UserRole.ADMIN)
    session.commit()
    return {"host": host.id, "admin": admin.id}


@pytest.fixture
def thief(app: Flask, client: FlaskClient, people: dict[str, int]) -> FlaskClient:
    """`client` signed in as the host, and another browser holding a copy of its session
    cookie (as a thief would)."""
    login(client, HOST)
    cookie = client.get_cookie("session")
    assert cookie is not None
    stolen = app.test_client()
    stolen.set_cookie("session", cookie.value)
    return stolen


@pytest.fixture
def admin(app: Flask, people: dict[str, int]) -> FlaskClient:
    """An admin, signed in in a browser of their own."""
    return _signed_in(app, ADMIN)


def test_a_cookie_copied_before_sign_out_opens_nothing_after(
    app: Flask, client: FlaskClient, thief: FlaskClient
) -> None:
    assert _opens_the_studio(thief)
    elsewhere = _signed_in(app, HOST)  # the same host signed in on another device
    token = csrf_token(client, "/studio/")
    assert client.post("/studio/logout", data={"csrf_token": token}).status_code == 303
    assert not _opens_the_studio(client)
    assert not _opens_the_studio(thief)
    # Signing out ends every session of the account, on every device.
    assert not _opens_the_studio(elsewhere)
    # Signing in again works, and the stolen copy stays dead.
    assert login(client, HOST).status_code == 303 and _opens_the_studio(client)
    assert not _opens_the_studio(thief)


def test_a_new_password_ends_the_other_sessions_and_keeps_the_one_that_set_it(
    app: Flask, client: FlaskClient, people: dict[str, int], thief: FlaskClient, admin: FlaskClient
) -> None:
    # An admin's new one-time link is how a host resets a forgotten (or leaked) password.
    token = csrf_token(admin, f"/studio/users/{people['host']}")
    made = admin.post(f"/studio/users/{people['host']}/invite", data={"csrf_token": token})
    assert made.status_code == 201
    page = made.get_data(as_text=True)
    path = "/studio/invite/" + page.split("/studio/invite/")[1].split("<")[0].split('"')[0]
    setter = app.test_client()
    form_token = csrf_token(setter, path)
    answer = setter.post(path, data={"csrf_token": form_token, "password": "a brand new secret"})
    assert answer.status_code == 303
    assert _opens_the_studio(setter)  # the browser that set the password stays signed in
    assert not _opens_the_studio(client)
    assert not _opens_the_studio(thief)
    assert _opens_the_studio(admin)  # other accounts are untouched
    assert login(client, HOST, "a brand new secret").status_code == 303


def test_resetting_an_admin_password_from_the_command_line_signs_them_out(
    runner: FlaskCliRunner, admin: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOWAPP_ADMIN_PASSWORD", "another long password")
    result = runner.invoke(args=["init", "--admin-email", ADMIN])
    assert result.exit_code == 0, result.output
    assert not _opens_the_studio(admin)


def test_deactivation_ends_copied_sessions_even_after_reactivation(
    client: FlaskClient, people: dict[str, int], thief: FlaskClient, admin: FlaskClient
) -> None:
    url = f"/studio/users/{people['host']}/active"
    for active in ("0", "1"):
        token = csrf_token(admin, "/studio/users")
        assert admin.post(url, data={"csrf_token": token, "active": active}).status_code == 303
    assert not _opens_the_studio(client)
    assert not _opens_the_studio(thief)
    assert login(client, HOST).status_code == 303 and _opens_the_studio(client)


def test_a_sign_in_lapses_after_its_lifetime_without_a_request(
    client: FlaskClient, people: dict[str, int]
) -> None:
    login(client, HOST)
    with client.session_transaction() as cookie_session:
        cookie_session["seen_at"] = int(time.time() - SESSION_LIFETIME.total_seconds()) + 60
    assert _opens_the_studio(client)  # a minute short of the lifetime: still signed in, renewed
    with client.session_transaction() as cookie_session:
        assert cookie_session["seen_at"] >= int(time.time()) - 5
        cookie_session["seen_at"] = int(time.time() - SESSION_LIFETIME.total_seconds()) - 60
    assert not _opens_the_studio(client)


@pytest.fixture
def hash_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stored hashes every password check is made against, in order."""
    checked: list[str] = []

    def spy(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", spy)
    return checked


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("nobody@example.com", "whatever password"),  # no such account
        ("not an address", "whatever password"),  # not even an e-mail address
        ("gone@example.com", "correct horse battery"),  # deactivated, right password
        ("unset@example.com", "whatever password"),  # invited, no password set yet
        (HOST, "wrong password"),  # a real account, wrong password
    ],
)
def test_every_failed_sign_in_does_the_same_hash_work(
    client: FlaskClient,
    session: Session,
    people: dict[str, int],
    hash_checks: list[str],
    email: str,
    password: str,
) -> None:
    make_user(session, "gone@example.com", active=False)
    unset = make_user(session, "unset@example.com")
    unset.password_hash = None
    session.commit()
    response = login(client, email, password)
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    # One scrypt check with the same parameters as a real one, whichever path was taken.
    assert len(hash_checks) == 1
    assert _method(hash_checks[0]) == _method(accounts.hash_password("x" * 12))


def test_the_right_password_is_checked_once(
    client: FlaskClient, people: dict[str, int], hash_checks: list[str]
) -> None:
    assert login(client, HOST).status_code == 303
    assert len(hash_checks) == 1 and hash_checks[0] != accounts.DUMMY_HASH


def _method(pwhash: Any) -> str:
    return str(pwhash).split("$")[0]  # e.g. "scrypt:32768:8:1"
