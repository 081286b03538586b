"""Record media hits off the request path: a request appends its hit to a durable spool
(jobs/spool.py) and a job writes the spool into media_requests in batches.

The append is the only cost on the request path, and once it returns the hit survives the
worker being killed. A file the app sends itself is recorded once its body has gone out (the
bytes sent decide whether it counts), so a worker killed in that instant loses that one hit;
a hand-off to nginx and a redirect to a bucket are recorded before the answer. Each process
schedules the writing job at most once per SHOWAPP_STATS_FLUSH_SECONDS, that long after the
first hit it saw; the periodic rollup writes whatever is left too. A batch that cannot be
stored for a reason other than the database being unreachable is logged and dropped:
statistics never take a request down with them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask

from showapp import db
from showapp.columns import utc_now
from showapp.jobs.spool import Spool
from showapp.services.stats import recording

log = logging.getLogger(__name__)
# A batch taken by a drainer that died goes back to the spool after this long.
LEASE_SECONDS = 60.0
STORE_TASK = "stats.store_hits"


class Recorder:
    def __init__(
        self, app: Flask, spool: Spool, flush_seconds: float, batch_size: int = 1000
    ) -> None:
        self._app = app
        self._spool = spool
        self._flush_seconds = flush_seconds
        self._batch_size = batch_size
        self._next_kick = 0.0
        self._kick_lock = threading.Lock()
        self._flush_lock = threading.Lock()

    def record(self, hit: recording.Hit) -> None:
        """Append a hit to the spool; durable when this returns."""
        self._spool.append(encode_hit(hit))
        now = time.monotonic()
        if now >= self._next_kick:
            self._kick(now)

    def _kick(self, now: float) -> None:
        with self._kick_lock:
            if now < self._next_kick:
                return
            self._next_kick = now + self._flush_seconds
        from showapp.jobs import get_jobs

        try:
            get_jobs(self._app).enqueue(STORE_TASK, delay=self._flush_seconds)
        except Exception:  # the hit is spooled; the next kick or the rollup writes it
            log.exception("could not schedule the writing of media hits")

    def flush(self) -> int:
        """Write everything spooled so far; returns the number of rows written."""
        written = 0
        with self._flush_lock:
            while True:
                batch = self._spool.take(self._batch_size, LEASE_SECONDS)
                if not batch.items:
                    return written
                written += self._store(batch.items)
                self._spool.done(batch)

    def _store(self, items: list[bytes]) -> int:
        hits = [decode_hit(item) for item in items]
        try:
            with db.new_session(self._app) as session:
                written = recording.store_hits(session, hits)
                session.commit()
            return written
        except Exception as error:
            if recording.is_unreachable(error):
                raise  # the database is away: the lease runs out and the batch goes again
            log.exception("dropped %d media hits that could not be stored", len(hits))
            return 0


def encode_hit(hit: recording.Hit) -> bytes:
    fields: list[Any] = list(hit)
    fields[1] = hit.at.isoformat()
    return json.dumps(fields, separators=(",", ":")).encode()


def decode_hit(item: bytes) -> recording.Hit:
    fields = json.loads(item)
    fields[1] = datetime.fromisoformat(fields[1])
    return recording.Hit(*fields)


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
