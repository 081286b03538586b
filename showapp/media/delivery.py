"""Serving media files: Range, HEAD and conditional requests, CORS, and proxy hand-off."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from flask import Response, abort, current_app, request, send_from_directory
from flask_login import current_user
from werkzeug.security import safe_join

from showapp.db import get_session
from showapp.media import bp
from showapp.media.recorder import get_recorder, hit_from_environ, query_value
from showapp.media.sent import CountedBody, Done, SentFile
from showapp.media.visibility import get_visibility
from showapp.services import accounts, urls
from showapp.services.audio.files import AUDIO_TYPES
from showapp.services.catalog import lookups
from showapp.services.urls import MEDIA_PREFIX
from showapp.storage import current_storage

IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
SERVED_TYPES = AUDIO_TYPES | IMAGE_TYPES
# Transcripts and chapters files an import copied (services/importing/media_extras.py), served
# only from the `linked` folders it writes them to: other text in the media folder stays private.
TEXT_TYPES = {".vtt": "text/vtt", ".srt": "application/x-subrip", ".json": "application/json",
              ".txt": "text/plain"}  # fmt: skip
LINKED_FOLDER = "linked"
ONE_DAY = 86400
# Files never change under a URL (a new file gets a new token), so caches may keep them.
CACHE_CONTROL = f"public, max-age={ONE_DAY}"
CORS_HEADERS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges, ETag"),
]
Header = tuple[str, str]
WITHHELD = "No published episode has this audio."
# What a web player gets per request (see _cap_player_range): about 16 s of 128 kbit/s audio.
PLAYER_CHUNK = 256 * 1024
PLAYERS = {"web", "embed"}
OPEN_RANGE = re.compile(r"bytes=([0-9]+)-")


@bp.get(urls.blueprint_rule("media", MEDIA_PREFIX))
def media_file(filename: str) -> Response:
    path = PurePosixPath(filename)
    # Only a file's own name: 'show//file' or 'show/./file' open the same file on disk but are
    # not the name the withheld files are listed under.
    if str(path) != filename:
        abort(404)
    # Uploads in progress are hidden (.upload-*.part), and only published kinds of file go out.
    served = SERVED_TYPES
    if path.parent.name == LINKED_FOLDER and len(path.parts) == 3:
        served = TEXT_TYPES
    if any(part.startswith(".") for part in path.parts) or path.suffix not in served:
        abort(404)
    # Files follow their episode: a draft's audio, a scheduled episode's before its time and
    # any file of an episode in the trash (kept on disk only so that it can be restored).
    if get_visibility(current_app).withheld(filename):
        if path.suffix in IMAGE_TYPES and _hosts_the_show(path):
            return _for_the_host(filename, IMAGE_TYPES[path.suffix])
        abort(404, WITHHELD)
    if current_storage().local_path(filename) is None:
        return _redirected(filename, path.suffix in AUDIO_TYPES)
    accel = current_app.config["MEDIA_ACCEL"]
    mimetype = served[path.suffix]
    if not accel and path.suffix in AUDIO_TYPES:
        _cap_player_range(request.environ)
    response = _handed_to_proxy(filename, mimetype, accel) if accel else _sent(filename, mimetype)
    if path.suffix in AUDIO_TYPES and response.status_code in {200, 206, 416}:
        if accel:
            record_request(filename)  # what nginx sends is never seen here
        elif request.method == "GET" and response.status_code != 416:
            _record_when_sent(response, filename)
            return response
        else:
            record_request(filename, sent=0)  # HEAD and 416 carry no audio
    if not accel and request.method == "GET" and response.status_code == 206:
        _sendfile(response, filename, None)  # artwork ranges: sendfile, nothing to record
    return response


def _hosts_the_show(path: PurePosixPath) -> bool:
    """Whether the signed-in user may work on the show whose folder holds this file: the
    studio's lists and editor show a draft's artwork from here. Asked only of withheld files,
    so public media never loads a session."""
    if not current_user.is_authenticated or not current_user.active:
        return False
    session = get_session()
    show = lookups.get_show(session, path.parts[0])  # None for a show in the trash
    return show is not None and accounts.may_work_on(session, current_user, show)


def _redirected(filename: str, is_audio: bool) -> Response:
    """With a bucket: count the request as when a proxy sends the file, then send the client
    to the object (public/CDN base or a presigned URL), which answers Range and HEAD itself.

    The bytes the client then fetches are never seen here, so an audio GET counts as a
    proxied one does (stats/recording.py: whole files and bounded ranges at their word,
    a browser's open `bytes=N-` as nothing) and a HEAD as nothing sent. The bucket, not the
    app, answers 404 for a name it does not hold: checking first would cost a round trip.
    """
    if is_audio:
        record_request(filename, sent=0 if request.method == "HEAD" else None)
    target = current_storage().redirect_url(filename, method=request.method)
    if target is None:
        abort(404)
    response = Response(status=302, headers={"Location": target})
    # Every request must reach the app to be counted, and a presigned URL expires.
    response.headers["Cache-Control"] = "no-store"
    return response


def _for_the_host(filename: str, mimetype: str) -> Response:
    """A withheld picture for its host: sent by the app, never kept by a shared cache.
    From a bucket it is proxied (pictures are small): a redirect would make it public."""
    storage = current_storage()
    if storage.local_path(filename) is None:
        try:
            response = Response(storage.read_bytes(filename), mimetype=mimetype)
        except FileNotFoundError:
            abort(404)
    else:
        response = _sent(filename, mimetype)
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.no_store = True
    response.cache_control.max_age = None
    response.vary.add("Cookie")
    return response


def _cap_player_range(environ: dict[str, Any]) -> None:
    """Answer the site's and embeds' players a chunk at a time.

    Their <audio> opens every page view with `bytes=0-`, and on a socket a whole episode's
    first minute fits in the kernel's buffers before the browser decides it only wanted the
    metadata. Given at most PLAYER_CHUNK bytes (a 206 that ends early, which browsers follow
    with the next range when they need it), the bytes sent follow what the player actually
    fetches: a page view costs a chunk or two, and a play goes on chunk after chunk.
    """
    if query_value(str(environ.get("QUERY_STRING", "")), "_from") not in PLAYERS:
        return
    match = OPEN_RANGE.fullmatch(str(environ.get("HTTP_RANGE", "")))
    if match is not None:
        start = int(match[1])
        environ["HTTP_RANGE"] = f"bytes={start}-{start + PLAYER_CHUNK - 1}"


def _record_when_sent(response: Response, filename: str) -> None:
    """Record the hit once the server has sent the body, with the bytes that went out."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    recorder = get_recorder(app)
    if recorder is None:
        _sendfile(response, filename, None)  # statistics off: still let gunicorn sendfile()
        return
    hit = hit_from_environ(request.environ, filename)

    def done(sent: int) -> None:
        recorder.record(hit._replace(sent=sent))

    if not _sendfile(response, filename, done):
        response.response = CountedBody(response.response, response.content_length, done)  # type: ignore[arg-type]


def _sent(filename: str, mimetype: str) -> Response:
    # send_from_directory refuses paths outside EPISODES_DIR and answers Range, HEAD,
    # If-Range and conditional requests (206, 416, 304) with ETag and Last-Modified.
    response = send_from_directory(
        current_app.config["EPISODES_DIR"],
        filename,
        mimetype=mimetype,
        conditional=True,
        max_age=ONE_DAY,
    )
    response.headers["Accept-Ranges"] = "bytes"
    return response


def _sendfile(response: Response, filename: str, done: Done | None) -> bool:
    """Give gunicorn a file it can sendfile() that reports the bytes sent; False where the
    body stays werkzeug's iterator.

    A whole file goes out this way under any gunicorn worker, as werkzeug's own file would.
    For a single range it also spares werkzeug's range reader: it reads in 8 KB blocks and,
    as werkzeug can only seek its own file wrapper, with gunicorn's it reads and drops every
    byte before the range, so a 1 MB range near the end of a 50 MB file read 50 MB. gunicorn
    sends exactly Content-Length bytes from the file's current offset, so a file positioned
    at the range start is enough. Only its sync workers: with gthread keep-alive connections
    stalled after such a response (gunicorn 27). Other servers keep werkzeug's iterator:
    PEP 3333 asks every wsgi.file_wrapper to start at the current offset and stop at
    Content-Length, but not all do (uWSGI's starts at the beginning of the file), so the
    server is recognised by the CGI variable SERVER_SOFTWARE, which gunicorn sets to
    "gunicorn/<version>".
    """
    environ = request.environ
    wrapper = environ.get("wsgi.file_wrapper")
    if wrapper is None or not str(environ.get("SERVER_SOFTWARE", "")).startswith("gunicorn/"):
        return False
    if response.status_code == 206:
        start = response.content_range.start
        if start is None or environ.get("wsgi.multithread"):
            return False
    else:
        start = 0
    full_path = safe_join(current_app.config["EPISODES_DIR"], filename)
    if full_path is None:
        return False
    handle = SentFile(full_path, start, done)  # closed by the server with the response
    response.close()  # the file werkzeug opened for its own iterator
    response.response = wrapper(handle, 1 << 16)
    return True


def _handed_to_proxy(filename: str, mimetype: str, accel: str) -> Response:
    """An empty answer telling nginx (X-Accel-Redirect) or Apache/lighttpd (X-Sendfile) which
    file to send; the proxy then does Range, HEAD and validators itself."""
    full_path = safe_join(current_app.config["EPISODES_DIR"], filename)
    if full_path is None or not os.path.isfile(full_path):
        abort(404)
    headers = handoff_headers(filename, full_path, current_app.config)
    return Response(headers=headers, mimetype=mimetype)


def handoff_headers(filename: str, full_path: str, config: Mapping[str, Any]) -> list[Header]:
    if config["MEDIA_ACCEL"] == "x-accel":
        prefix = config["MEDIA_ACCEL_PREFIX"].rstrip("/")
        handoff = ("X-Accel-Redirect", f"{prefix}/{quote(filename)}")
    else:
        handoff = ("X-Sendfile", full_path)
    # ProxiedAudio answers without Flask, so without security/headers.py: nosniff is set here.
    return [handoff, ("Cache-Control", CACHE_CONTROL), ("X-Content-Type-Options", "nosniff")]


def record_request(filename: str, sent: int | None = None) -> None:
    """Queue this request of an audio file for the download figures; `sent` is None when a
    proxy sends the bytes."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    recorder = get_recorder(app)
    if recorder is not None:
        recorder.record(hit_from_environ(request.environ, filename)._replace(sent=sent))


@bp.after_request
def allow_web_players(response: Response) -> Response:
    """Web players on other sites fetch audio, artwork, chapters and transcripts with fetch()
    or Web Audio, which needs CORS; everything under /media is public."""
    response.headers.update(CORS_HEADERS)
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Range, If-Range"
        response.headers["Access-Control-Max-Age"] = str(ONE_DAY)
    return response
