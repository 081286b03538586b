"""Sign-in sessions (revocable on the server), CSRF and rate limits, set up once per app."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from showapp.db import get_session
from showapp.errors import json_error, wants_json
from showapp.models import User
from showapp.security.session_vary import init_login
from showapp.services import accounts

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
# A sign-in lapses after this long without a studio request. The session cookie outlives it
# by a day: it still names the host and holds the CSRF secret, so a form posted after the
# sign-in lapsed can be kept for that host (see showapp/studio/__init__.py).
SESSION_LIFETIME = timedelta(hours=12)
COOKIE_LIFETIME = SESSION_LIFETIME + timedelta(days=1)
# seen_at is rewritten at most this often, not on every request.
SEEN_GRANULARITY = 60
JSON = "application/json"
READS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    _cookie_settings(app)
    # The studio checks the token itself, after its login gate, so that a form posted from an
    # expired session is kept (see showapp/studio/__init__.py); everything else is checked here.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    csrf.init_app(app)
    limiter.init_app(app)
    # Flask-Login's remember-cookie read, after every response, must not mark feed and media
    # responses "Vary: Cookie" (CDNs would stop caching them); see session_vary.py.
    init_login(app, login_manager)
    login_manager.login_view = "studio.login"
    login_manager.user_loader(_load_user)
    # Every limit is on a POST (sign-in, review and listener forms), yet resolving that per
    # request cost a sixth of a feed revalidation's time, of each range a podcast app asks
    # for, and a fifth of a page served from the page cache.
    limiter.request_filter(lambda: request.method in READS)
    app.before_request(_protect_outside_studio)
    app.register_error_handler(CSRFError, _csrf_error)


def _cookie_settings(app: Flask) -> None:
    secure = str(app.config["BASE_URL"]).startswith("https://")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=COOKIE_LIFETIME,
        # A token is good for as long as its session: the editor may stay open for hours, and
        # the session itself now expires and can be ended.
        WTF_CSRF_TIME_LIMIT=int(COOKIE_LIFETIME.total_seconds()),
    )


def sign_in(user: User) -> None:
    """Start a session for `user` that ends when they sign out, their password changes, they
    are deactivated, or after SESSION_LIFETIME without a studio request."""
    session.permanent = True
    login_user(user)
    session["login_version"] = user.session_version
    session["seen_at"] = int(time.time())


def sign_out(user: User) -> None:
    """End this session and every other one of this user (a copied cookie included)."""
    accounts.end_sessions(user)
    logout_user()
    session.pop("login_version", None)
    session.pop("seen_at", None)


def lapsed_login() -> int | None:
    """The id of the user this session was signed in as, when that sign-in only lapsed with
    time (it was not ended), else None. Such a session may keep a form for its user."""
    user_id = session.get("_user_id")
    user = _unended(str(user_id)) if user_id is not None else None
    return user.id if user is not None else None


def _load_user(user_id: str) -> User | None:
    user = _unended(user_id)
    seen_at = session.get("seen_at")
    now = int(time.time())
    if user is None or not isinstance(seen_at, int):
        return None
    if now - seen_at > SESSION_LIFETIME.total_seconds():
        return None
    if now - seen_at >= SEEN_GRANULARITY:
        session["seen_at"] = now
    return user


def _unended(user_id: str) -> User | None:
    """The active user of this session's sign-in, unless it was ended since (sign-out, new
    password, deactivation: each bumps the user's session_version)."""
    user = accounts.get_user(get_session(), int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or session.get("login_version") != user.session_version:
        return None
    return user


# Their URL's signed token is the key (and mail servers post RFC 8058 one-click unsubscribes
# with no form): showapp/site/unsubscribe.py.
TOKEN_KEYED_ENDPOINTS = {"site.unsubscribe"}


def _protect_outside_studio() -> None:
    if request.blueprint != "studio" and request.endpoint not in TOKEN_KEYED_ENDPOINTS:
        csrf.protect()


def _csrf_error(error: CSRFError) -> ResponseReturnValue:
    message = (
        f"This form could not be accepted: {error.description} Reload the page and submit it "
        "again; nothing was saved."
    )
    if wants_json():
        return json_error(400, message)
    return render_template("errors/error.html", code=400, name="Bad request", message=message), 400
