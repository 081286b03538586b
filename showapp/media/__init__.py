"""Media files for podcast apps and the web player: audio and artwork, with Range support."""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Blueprint, Response, abort, current_app, send_from_directory

from showapp.services.media import AUDIO_TYPES

bp = Blueprint("media", __name__, url_prefix="/media")

IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
SERVED_TYPES = AUDIO_TYPES | IMAGE_TYPES


@bp.get("/<path:filename>")
def media_file(filename: str) -> Response:
    path = PurePosixPath(filename)
    # Uploads in progress are hidden (.upload-*.part), and only published kinds of file go out.
    if any(part.startswith(".") for part in path.parts) or path.suffix not in SERVED_TYPES:
        abort(404)
    # send_from_directory refuses paths outside EPISODES_DIR and answers Range, HEAD,
    # If-Range and conditional requests (206, 416, 304) with ETag and Last-Modified.
    response = send_from_directory(
        current_app.config["EPISODES_DIR"],
        filename,
        mimetype=SERVED_TYPES[path.suffix],
        conditional=True,
        max_age=86400,
    )
    response.headers["Accept-Ranges"] = "bytes"
    return response


# Imported last because documents.py registers its routes on `bp` defined above.
from showapp.media import documents  # noqa: E402, F401
