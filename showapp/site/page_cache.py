"""The site's page cache: rendered public pages kept per process, dropped on any change."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.http import http_date, quote_etag

from showapp.db import get_session
from showapp.services.search import index as search_index

DEFAULT_CACHE_SIZE = 1024
REVISION_TTL = 1.0  # seconds a process trusts the site revision it last read


class PageCache:
    """Rendered pages of this process, keyed by URL, site revision and minute.

    Any commit that changes a public page bumps the site revision, so a cached page is never
    staler than the database; the minute in the key lets scheduled episodes appear on time."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pages: OrderedDict[tuple[str, int, int], CachedPage] = OrderedDict()
        self.known_revision: tuple[int, float] | None = None

    def revision(self) -> int:
        """The site revision, read at most once a second: other processes' commits show
        within a second, this process's at once (forget_pages)."""
        now = time.monotonic()
        if self.known_revision is None or now - self.known_revision[1] > REVISION_TTL:
            self.known_revision = (search_index.site_revision(get_session()), now)
        return self.known_revision[0]

    def get(self, key: tuple[str, int, int]) -> CachedPage | None:
        found = self.pages.get(key)
        if found is not None:
            self.pages.move_to_end(key)
        return found

    def put(self, key: tuple[str, int, int], page: CachedPage) -> None:
        self.pages[key] = page
        while len(self.pages) > self.size:
            self.pages.popitem(last=False)


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    mimetype: str
    # The validators and Cache-Control as header lines, built once when the page is kept:
    # setting them through Werkzeug's header objects on every hit cost a fifth of the hit.
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, response: Response) -> CachedPage:
        etag, _weak = response.get_etag()
        headers = [("Cache-Control", "public, max-age=60")]
        if etag:
            headers.append(("ETag", quote_etag(etag)))
        if response.last_modified is not None:
            headers.append(("Last-Modified", http_date(response.last_modified)))
        return cls(response.get_data(), response.mimetype or "text/html", tuple(headers))


def cached_page(view: Callable[..., Response]) -> Callable[..., Response]:
    """Serve a view's 200 responses from the process's page cache (SITE_CACHE_SIZE, 0 = off)."""

    @wraps(view)
    def wrapper(**values: Any) -> Response:
        cache = _page_cache()
        if cache is None:
            return view(**values)
        key = (request.full_path, cache.revision(), int(time.time() // 60))
        hit = cache.get(key)
        if hit is None:
            response = view(**values)
            if response.status_code != 200:
                return response
            hit = CachedPage.of(response)
            cache.put(key, hit)
        return _from_cache(hit)

    return wrapper


def forget_pages(app: Flask) -> None:
    cache: PageCache | None = app.extensions.get("showapp.page_cache")
    if cache is not None:
        cache.pages.clear()
        cache.known_revision = None


def _page_cache() -> PageCache | None:
    size = int(current_app.config.get("SITE_CACHE_SIZE", DEFAULT_CACHE_SIZE))
    if size <= 0:
        return None
    cache: PageCache | None = current_app.extensions.get("showapp.page_cache")
    if cache is None:
        cache = current_app.extensions["showapp.page_cache"] = PageCache(size)
    return cache


def _from_cache(hit: CachedPage) -> Response:
    response = Response(hit.body, mimetype=hit.mimetype, headers=hit.headers)
    if CONDITIONAL.intersection(request.headers.keys()):
        response.make_conditional(request)  # a 304 for a browser that has this page
    return response


CONDITIONAL = frozenset({"If-None-Match", "If-Modified-Since"})
