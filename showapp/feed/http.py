"""HTTP for cached feeds: strong validators, 304s, gzip chosen per request but compressed once."""

from __future__ import annotations

from datetime import datetime

from flask import Request, Response
from werkzeug.http import http_date, parse_date

from showapp.services.feedcache import CachedFeed

GZIP_SUFFIX = '-gz"'


def wants_gzip(request: Request) -> bool:
    header = request.headers.get("Accept-Encoding", "")
    return "gzip" in header and request.accept_encodings["gzip"] > 0


def variant_etag(etag: str, gzipped: bool) -> str:
    # Strong validators must differ between content codings of the same feed.
    return etag[:-1] + GZIP_SUFFIX if gzipped else etag


def is_conditional(request: Request) -> bool:
    return "If-None-Match" in request.headers or "If-Modified-Since" in request.headers


def not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since; weak comparison."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        tags = {tag.strip().removeprefix("W/").replace(GZIP_SUFFIX, '"') for tag in
                if_none_match.split(",")}  # fmt: skip
        return etag in tags
    since = parse_date(request.headers.get("If-Modified-Since"))
    return since is not None and last_modified <= since


def feed_response(feed: CachedFeed, gzipped: bool, max_age: int, status: int = 200) -> Response:
    response = Response(feed.body if status == 200 else None, status=status)
    headers = response.headers
    if status == 200:
        headers["Content-Type"] = feed.content_type
        if gzipped:
            headers["Content-Encoding"] = "gzip"
    else:
        del headers["Content-Type"]
    headers["ETag"] = variant_etag(feed.etag, gzipped)
    headers["Last-Modified"] = http_date(feed.last_modified)
    headers["Cache-Control"] = (
        f"public, max-age={max_age}, stale-while-revalidate={max_age}, stale-if-error=86400"
    )
    headers["Vary"] = "Accept-Encoding"
    return response
