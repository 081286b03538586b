"""Sessions, CSRF and rate limits for the studio, set up once per app."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect

from showapp.db import get_session
from showapp.errors import json_error, wants_json
from showapp.models import User
from showapp.services import accounts
from showapp.studio.session_vary import init_login
from showapp.studio.uploads import StudioRequest

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
SESSION_LIFETIME = timedelta(hours=12)
JSON = "application/json"


def init_app(app: Flask) -> None:
    _cookie_settings(app)
    # The studio checks the token itself, after its login gate, so that a form posted from an
    # expired session is kept (see showapp/studio/__init__.py); everything else is checked here.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.request_class = StudioRequest
    csrf.init_app(app)
    limiter.init_app(app)
    # Flask-Login's remember-cookie read, after every response, must not mark feed and media
    # responses "Vary: Cookie" (CDNs would stop caching them); see session_vary.
    init_login(app, login_manager)
    login_manager.login_view = "studio.login"
    login_manager.user_loader(_load_user)
    # Feeds and media carry no rate limits, yet resolving that per request cost a sixth of
    # a feed revalidation's time and of each range a podcast app asks for.
    limiter.request_filter(lambda: request.blueprint in {"feed", "media"})
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
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )


def _load_user(user_id: str) -> User | None:
    user = accounts.get_user(get_session(), int(user_id))
    return user if user is not None and user.active else None


def _protect_outside_studio() -> None:
    if request.blueprint != "studio":
        csrf.protect()


def _csrf_error(error: CSRFError) -> ResponseReturnValue:
    message = (
        f"This form could not be accepted: {error.description} Reload the page and submit it "
        "again; nothing was saved."
    )
    if wants_json():
        return json_error(400, message)
    return render_template("errors/error.html", code=400, name="Bad request", message=message), 400
