"""HTTP for cached feeds: strong validators, 304s, gzip chosen per request but compressed once.

Written against the WSGI environ, so the Flask view and the fast lane (fastlane.py) answer
with the same headers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, BinaryIO

from flask import Response
from werkzeug.http import http_date, parse_accept_header, parse_date
from werkzeug.wsgi import wrap_file

from showapp.services.feeds.lookup import CachedFeed

GZIP_SUFFIX = '-gz"'
Environ = dict[str, Any]


def wants_gzip(environ: Environ) -> bool:
    header = environ.get("HTTP_ACCEPT_ENCODING", "")
    return "gzip" in header and parse_accept_header(header)["gzip"] > 0


def variant_etag(etag: str, gzipped: bool) -> str:
    # Strong validators must differ between content codings of the same feed.
    return etag[:-1] + GZIP_SUFFIX if gzipped else etag


def not_modified(environ: Environ, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since; weak comparison."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        tags = {tag.strip().removeprefix("W/").replace(GZIP_SUFFIX, '"') for tag in
                if_none_match.split(",")}  # fmt: skip
        return etag in tags
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return since is not None and last_modified <= since


def feed_headers(
    feed: CachedFeed, gzipped: bool, max_age: int, size: int | None
) -> list[tuple[str, str]]:
    """Headers for a 200 carrying `size` bytes, or for a 304 when `size` is None."""
    headers = []
    if size is not None:
        headers += [("Content-Type", feed.content_type), ("Content-Length", str(size))]
        if gzipped:
            headers.append(("Content-Encoding", "gzip"))
    return headers + [
        ("ETag", variant_etag(feed.etag, gzipped)),
        ("Last-Modified", http_date(feed.last_modified)),
        ("Cache-Control",
         f"public, max-age={max_age}, stale-while-revalidate={max_age}, stale-if-error=86400"),
        ("Vary", "Accept-Encoding"),
        # The fast lane answers without Flask, so without security/headers.py: set it here.
        ("X-Content-Type-Options", "nosniff"),
    ]  # fmt: skip


def feed_response(
    environ: Environ,
    feed: CachedFeed,
    gzipped: bool,
    max_age: int,
    body: tuple[int, BinaryIO] | None,
) -> Response:
    """200 with the stored body (size, open file), or 304 when `body` is None."""
    if body is None:
        response = Response(status=304, headers=feed_headers(feed, gzipped, max_age, None))
        del response.headers["Content-Type"]
        return response
    size, handle = body
    # A file wrapper lets gunicorn's sync workers hand the file to sendfile().
    return Response(
        wrap_file(environ, handle),
        headers=feed_headers(feed, gzipped, max_age, size),
        direct_passthrough=True,
    )
