"""Studio accounts: sign-in, roles, invitations, CSRF, rate limits and session cookies."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.models import Episode, User, UserRole
from tests.conftest import REDIS_URL, redis_store
from tests.factories import make_episode, make_show
from tests.studio_helpers import PASSWORD, csrf_token, login, make_user


def test_sign_in_and_out(client: FlaskClient, session: Session) -> None:
    make_user(session, "host@example.com")
    session.commit()
    assert client.get("/studio/").status_code == 303
    response = login(client, "Host@Example.com")
    assert response.status_code == 303 and response.location.endswith("/studio/")
    assert "Your shows" in client.get("/studio/").get_data(as_text=True)
    token = csrf_token(client, "/studio/")
    assert client.post("/studio/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/studio/").status_code == 303


def test_wrong_password_and_deactivated_user_are_refused(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "host@example.com")
    make_user(session, "gone@example.com", active=False)
    session.commit()
    wrong = login(client, "host@example.com", "not the password")
    assert wrong.status_code == 401
    assert "do not match an active account" in wrong.get_data(as_text=True)
    assert login(client, "gone@example.com").status_code == 401
    assert client.get("/studio/").status_code == 303


def test_deactivating_a_signed_in_host_ends_their_access(app: Flask, session: Session) -> None:
    host = make_user(session, "host@example.com")
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()
    host_client, admin_client = app.test_client(), app.test_client()
    login(host_client, "host@example.com")
    login(admin_client, "admin@example.com")
    assert host_client.get("/studio/").status_code == 200
    token = csrf_token(admin_client, "/studio/users")
    response = admin_client.post(
        f"/studio/users/{host.id}/active", data={"csrf_token": token, "active": "0"}
    )
    assert response.status_code == 303
    assert host_client.get("/studio/").status_code == 303


def test_session_cookie_is_httponly_lax_and_secure_over_https(
    app_config: dict[str, object], session: Session
) -> None:
    make_user(session, "host@example.com")
    session.commit()
    for base_url, secure in (("http://podcast.test", False), ("https://podcast.test", True)):
        app = create_app({**app_config, "BASE_URL": base_url})
        client = app.test_client()
        response = login(client, "host@example.com")
        cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie")
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure
        db.get_engine(app).dispose()


def test_missing_or_wrong_csrf_token_is_refused_and_nothing_is_stored(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders")
    episode = make_episode(session, show, episodes_dir, title="Original")
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    login(client, "host@example.com")
    url = f"/studio/shows/leaders/episodes/{episode.id}"
    form = {"version": "1", "title": "Changed", "status": "published", "episode_type": "full"}
    missing = client.post(url, data=form)
    wrong = client.post(url, data={**form, "csrf_token": "forged"})
    for response in (missing, wrong):
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "could not be accepted" in text and "nothing was saved" in text
    assert "token is missing" in missing.get_data(as_text=True)
    session.expire_all()
    assert session.get(Episode, episode.id).title == "Original"  # type: ignore[union-attr]
    login_without_token = client.post(
        "/studio/login", data={"email": "host@example.com", "password": PASSWORD}
    )
    assert login_without_token.status_code == 400


def test_admin_invites_a_host_who_sets_a_password_once(app: Flask, session: Session) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()
    admin = app.test_client()
    login(admin, "admin@example.com")
    token = csrf_token(admin, "/studio/users")
    response = admin.post(
        "/studio/users",
        data={"csrf_token": token, "email": "new@example.com", "name": "New", "shows": [show.id]},
    )
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    link = page.split('id="invite-link">')[1].split("<")[0]
    path = link.removeprefix("http://podcast.test")
    guest = app.test_client()
    form_token = csrf_token(guest, path)
    accepted = guest.post(path, data={"csrf_token": form_token, "password": "a new password!"})
    assert accepted.status_code == 303
    assert guest.get("/studio/shows/leaders/episodes").status_code == 200
    again = app.test_client()
    assert again.get(path).status_code == 404  # one time only
    assert login(again, "new@example.com", "a new password!").status_code == 303
    assert session.scalar(select(func.count(User.id))) == 2


def test_repeated_failed_logins_for_one_account_are_refused_for_a_while(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "host@example.com")
    session.commit()
    statuses = [login(client, "host@example.com", "wrong password").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    # Even the right password waits now: guessing cannot continue at full speed.
    refused = login(client, "host@example.com")
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    # Another account from the same address is not locked out.
    make_user(session, "other@example.com")
    session.commit()
    assert login(client, "other@example.com").status_code == 303


def test_rate_limits_can_live_in_redis(app_config: dict[str, object], session: Session) -> None:
    store = redis_store()
    make_user(session, "redis@example.com")
    session.commit()
    store.flushdb()
    app = create_app({**app_config, "RATELIMIT_STORAGE_URI": REDIS_URL})
    statuses = [
        login(app.test_client(), "redis@example.com", "wrong password").status_code
        for _ in range(6)
    ]
    # Separate clients (separate processes in production) share the count through Redis.
    assert statuses == [401] * 5 + [429]
    assert store.keys("*login:redis@example.com*")
    store.flushdb()
    db.get_engine(app).dispose()
