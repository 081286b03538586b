"""Domain exceptions raised by services, and the app's HTTP error pages."""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ShowappError(Exception):
    """Base for errors a user can act on; the message is shown to them."""


class BadAudio(ShowappError):
    """The file is not audio we can publish, or it is damaged."""


class SlugTaken(ShowappError):
    """Another row already uses this slug."""


class InvalidInput(ShowappError):
    """A field is missing or malformed."""


class MediaWriteFailed(ShowappError):
    """A media file could not be written; the previous file is still the one served."""


class NotFound(ShowappError):
    """A referenced object does not exist."""


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)


def wants_json() -> bool:
    """The client prefers JSON to HTML (the studio's upload script, API clients)."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _http_error(error: HTTPException) -> Response | HTTPException:
    code = error.code or 500
    if code < 400:
        return error
    message = error.description or error.name
    if code == 413:
        limit_mb = (request.max_content_length or 0) / (1024 * 1024)
        message = f"The upload is larger than this server accepts ({limit_mb:.0f} MB)."
    if code == 429:
        message = _too_many_message(error)
    if wants_json():
        response = json_error(code, message)
    else:
        body = render_template("errors/error.html", code=code, name=error.name, message=message)
        response = Response(body, status=code, mimetype="text/html")
    # Keep what the exception itself says to clients (Content-Range on 416, Allow on 405, ...).
    for name, value in error.get_response().headers.items():
        if name not in ("Content-Type", "Content-Length"):
            response.headers[name] = value
    return response


def _too_many_message(error: HTTPException) -> str:
    """What a person who hit a rate limit reads: what they did too often and how long to wait,
    not the limiter's own "5 per 1 minute". Limits name the action with error_message."""
    from flask_limiter.errors import RateLimitExceeded

    from showapp.security.sessions import limiter

    named = isinstance(error, RateLimitExceeded) and error.limit.error_message
    what = error.description if named else "Too many requests from your address"
    current = limiter.current_limit
    wait = current.reset_at - time.time() if current is not None else 60
    return f"{what}. Try again in {about(wait)}."


def about(seconds: float) -> str:
    """A wait in words a person reads at a glance: 'about a minute', 'about 5 minutes'."""
    minutes = round(seconds / 60)
    if minutes <= 1:
        return "about a minute"
    if minutes < 55:
        return f"about {minutes} minutes"
    hours = round(minutes / 60)
    return "about an hour" if hours <= 1 else f"about {hours} hours"


def json_error(code: int, message: str) -> Response:
    """Every JSON error the app sends has this one shape: {"error": message, "status": code}."""
    body = json.dumps({"error": message, "status": code})
    return Response(body, status=code, mimetype="application/json")


def _server_error(error: Exception) -> Response:
    from showapp.db import get_session

    log.exception("unhandled error", exc_info=error)
    get_session().rollback()
    body = render_template(
        "errors/error.html",
        code=500,
        name="Server error",
        message="Something went wrong on our side; nothing you sent was half-saved.",
    )
    return Response(body, status=500, mimetype="text/html")
