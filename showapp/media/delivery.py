"""Serving media files: Range, HEAD and conditional requests, CORS, and proxy hand-off."""

from __future__ import annotations

import os
from pathlib import PurePosixPath
from urllib.parse import quote

from flask import Response, abort, current_app, request, send_from_directory
from werkzeug.security import safe_join

from showapp.columns import utc_now
from showapp.media import bp
from showapp.media.recorder import get_recorder
from showapp.services.downloads import Hit
from showapp.services.media import AUDIO_TYPES

IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
SERVED_TYPES = AUDIO_TYPES | IMAGE_TYPES
ONE_DAY = 86400
# Files never change under a URL (a new file gets a new token), so caches may keep them.
CACHE_CONTROL = f"public, max-age={ONE_DAY}"


@bp.get("/<path:filename>")
def media_file(filename: str) -> Response:
    path = PurePosixPath(filename)
    # Uploads in progress are hidden (.upload-*.part), and only published kinds of file go out.
    if any(part.startswith(".") for part in path.parts) or path.suffix not in SERVED_TYPES:
        abort(404)
    accel = current_app.config["MEDIA_ACCEL"]
    response = _handed_to_proxy(filename, accel) if accel else _sent(filename)
    if path.suffix in AUDIO_TYPES and response.status_code in {200, 206, 416}:
        _record(filename)
    return response


def _sent(filename: str) -> Response:
    # send_from_directory refuses paths outside EPISODES_DIR and answers Range, HEAD,
    # If-Range and conditional requests (206, 416, 304) with ETag and Last-Modified.
    response = send_from_directory(
        current_app.config["EPISODES_DIR"],
        filename,
        mimetype=SERVED_TYPES[PurePosixPath(filename).suffix],
        conditional=True,
        max_age=ONE_DAY,
    )
    response.headers["Accept-Ranges"] = "bytes"
    return response


def _handed_to_proxy(filename: str, accel: str) -> Response:
    """An empty answer telling nginx (X-Accel-Redirect) or Apache/lighttpd (X-Sendfile) which
    file to send; the proxy then does Range, HEAD and validators itself."""
    full_path = safe_join(current_app.config["EPISODES_DIR"], filename)
    if full_path is None or not os.path.isfile(full_path):
        abort(404)
    response = Response(mimetype=SERVED_TYPES[PurePosixPath(filename).suffix])
    if accel == "x-accel":
        prefix = current_app.config["MEDIA_ACCEL_PREFIX"].rstrip("/")
        response.headers["X-Accel-Redirect"] = f"{prefix}/{quote(filename)}"
    else:
        response.headers["X-Sendfile"] = full_path
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _record(filename: str) -> None:
    recorder = get_recorder(current_app._get_current_object())  # type: ignore[attr-defined]
    if recorder is None:
        return
    recorder.record(
        Hit(
            relative_name=filename,
            at=utc_now(),
            method=request.method,
            address=request.remote_addr or "",
            user_agent=request.user_agent.string,
            range_header=request.headers.get("Range"),
            from_param=request.args.get("_from"),
            referer=request.referrer,
        )
    )


@bp.after_request
def allow_web_players(response: Response) -> Response:
    """Web players on other sites fetch audio, artwork, chapters and transcripts with fetch()
    or Web Audio, which needs CORS; everything under /media is public."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = (
        "Content-Length, Content-Range, Accept-Ranges, ETag"
    )
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Range, If-Range"
        response.headers["Access-Control-Max-Age"] = str(ONE_DAY)
    return response
