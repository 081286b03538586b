"""Proxied audio answered beneath Flask.

With SHOWAPP_MEDIA_ACCEL the app's whole answer to a podcast app's GET or HEAD of an episode
file is a few headers naming the file, and nginx (or Apache) sends the bytes. Flask's request
machinery (request context, routing, hooks, response object) then cost several times the
answer itself, on the requests that make up most of a podcast host's traffic. So this WSGI
middleware answers exactly those requests (and, with SHOWAPP_STORAGE=s3, redirects them to
the bucket) with the view's own checks, headers and recording,
and passes everything else, including every request it has any doubt about, on to Flask: other
methods and paths, hidden or non-audio files, non-ASCII paths, files that do not exist and
files of episodes that are not public (Flask renders the 404).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.security import safe_join

from showapp.media.delivery import CORS_HEADERS, handoff_headers
from showapp.media.recorder import get_recorder, hit_from_environ
from showapp.media.visibility import get_visibility
from showapp.services.audio.files import AUDIO_TYPES
from showapp.storage import Storage, storage_of

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Where uploads store audio: /media/<show>/<file>, with no part hidden (uploads in progress
# are .upload-*.part). Only the media blueprint's catch-all route matches such a path.
AUDIO_PATH = re.compile(r"/media/([^/.][^/]*/[^/.][^/]*)")


class ProxiedAudio:
    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self._app = app
        self._wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        config = self._app.config
        storage = storage_of(self._app)
        if storage.kind != "local":
            return self._redirected(storage, environ, start_response)
        filename = _audio_file(environ) if config["MEDIA_ACCEL"] else None
        full_path = safe_join(config["EPISODES_DIR"], filename) if filename else None
        if filename is None or full_path is None or not os.path.isfile(full_path):
            return self._wsgi_app(environ, start_response)
        if get_visibility(self._app).withheld(filename):
            return self._wsgi_app(environ, start_response)  # the view answers its 404
        mimetype = AUDIO_TYPES[os.path.splitext(filename)[1]]
        headers = [("Content-Type", mimetype), *handoff_headers(filename, full_path, config)]
        start_response("200 OK", [*headers, *CORS_HEADERS, ("Content-Length", "0")])
        recorder = get_recorder(self._app)
        if recorder is not None:
            recorder.record(hit_from_environ(environ, filename))
        return []

    def _redirected(
        self, storage: Storage, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """With a bucket: the media view's counted 302 to the object (see delivery.py's
        _redirected), answered here for the same reason as a hand-off to nginx."""
        filename = _audio_file(environ)
        if filename is None or get_visibility(self._app).withheld(filename):
            return self._wsgi_app(environ, start_response)
        method = str(environ["REQUEST_METHOD"])
        target = storage.redirect_url(filename, method=method)
        if target is None:
            return self._wsgi_app(environ, start_response)
        headers = [("Location", target), ("Cache-Control", "no-store"), *CORS_HEADERS,
                   ("Content-Length", "0")]  # fmt: skip
        start_response("302 Found", headers)
        recorder = get_recorder(self._app)
        if recorder is not None:
            sent = 0 if method == "HEAD" else None
            recorder.record(hit_from_environ(environ, filename)._replace(sent=sent))
        return []


def _audio_file(environ: dict[str, Any]) -> str | None:
    """The episode file a GET or HEAD asks for, or None for anything Flask should see."""
    if environ.get("REQUEST_METHOD") not in {"GET", "HEAD"}:
        return None
    path = environ.get("PATH_INFO", "")
    match = AUDIO_PATH.fullmatch(path) if path.isascii() else None
    if match is None or os.path.splitext(match[1])[1] not in AUDIO_TYPES:
        return None
    return match[1]
