"""Record media hits off the request path: views queue them, a thread writes them in batches.

Each process (gunicorn worker) gets its own queue and thread, started on first use so that it
exists after the fork. A failed batch is logged and dropped: statistics never take a request
down with them.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask

from showapp import db
from showapp.columns import utc_now
from showapp.services.stats import recording

log = logging.getLogger(__name__)


class Recorder:
    def __init__(self, app: Flask, flush_seconds: float, batch_size: int = 1000) -> None:
        self._app = app
        self._flush_seconds = flush_seconds
        self._batch_size = batch_size
        self._queue: queue.SimpleQueue[recording.Hit] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._wake = threading.Event()

    def record(self, hit: recording.Hit) -> None:
        """Queue a hit; costs a queue put on the request path."""
        self._queue.put(hit)
        if self._pid != os.getpid():
            self._start()
        if self._queue.qsize() >= self._batch_size:
            self._wake.set()

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="showapp-stats", daemon=True)
            self._thread.start()
            atexit.register(self.flush)

    def _run(self) -> None:
        while True:
            self._wake.wait(self._flush_seconds)
            self._wake.clear()
            self.flush()

    def flush(self) -> int:
        """Write everything queued so far; returns the number of rows written."""
        with self._flush_lock:
            hits = self._drain()
            if not hits:
                return 0
            try:
                with db.new_session(self._app) as session:
                    written = recording.store_hits(session, hits)
                    session.commit()
                return written
            except Exception:
                log.exception("dropped %d media hits that could not be stored", len(hits))
                return 0

    def _drain(self) -> list[recording.Hit]:
        hits: list[recording.Hit] = []
        while True:
            try:
                hits.append(self._queue.get_nowait())
            except queue.Empty:
                return hits


def get_recorder(app: Flask) -> Recorder | None:
    recorder: Recorder | None = app.extensions.get("showapp.recorder")
    return recorder


def hit_from_environ(environ: dict[str, Any], filename: str) -> recording.Hit:
    """What a request of an audio file leaves for the figures, read straight from the WSGI
    environ: this runs on every audio request, and werkzeug's request wrappers cost as much as
    the rest of the recording. Behind SHOWAPP_TRUSTED_PROXIES the app's ProxyFix layer has
    already put the listener's address (from X-Forwarded-For) in REMOTE_ADDR."""
    return recording.Hit(
        relative_name=filename,
        at=utc_now(),
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        address=str(environ.get("REMOTE_ADDR") or ""),
        user_agent=environ.get("HTTP_USER_AGENT", ""),
        range_header=environ.get("HTTP_RANGE"),
        from_param=query_value(str(environ.get("QUERY_STRING", "")), "_from"),
        referer=environ.get("HTTP_REFERER"),
    )


def query_value(query: str, name: str) -> str | None:
    """The first value of `name` in a query string, as Flask's request.args.get reads it."""
    if not query:
        return None
    pairs = parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote")
    return next((value for key, value in pairs if key == name), None)
