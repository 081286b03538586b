"""What the site's pages share: conditional responses, metadata, feed links and paging."""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Flask, Response, abort, current_app, request, url_for
from werkzeug.routing import BuildError

from showapp.db import get_session
from showapp.models import Episode, Show
from showapp.services.catalog import lookups
from showapp.services.search import index as search_index
from showapp.services.search.index import plain_text

DEFAULT_CACHE_SIZE = 1024
REVISION_TTL = 1.0  # seconds a process trusts the site revision it last read

MAX_PAGE = 100_000

# Feeds belong to the feed blueprint (issue 5 adds topic, guest and network feeds). This is
# the one place that maps a kind of page to its feed endpoint: LEAD adjust names here.
FEED_ENDPOINTS: dict[str, tuple[str, str | None]] = {
    "show": ("feed.show_feed", "show_slug"),
    "guest": ("feed.guest_feed", "guest_slug"),
    "network": ("feed.network_feed", None),
}


def init_templates(app: Flask) -> None:
    app.jinja_env.globals["feed_url"] = feed_url
    app.jinja_env.globals["media_url"] = media_url
    app.add_template_filter(clock, "clock")


def feed_url(kind: str, slug: str | None = None) -> str | None:
    """The feed for a show, topic, guest or the network, or None while it does not exist."""
    endpoint, argument = FEED_ENDPOINTS[kind]
    try:
        values: dict[str, Any] = {argument: slug} if argument else {}
        return url_for(endpoint, **values)
    except BuildError:
        return None


def media_url(name: str | None, external: bool = False) -> str | None:
    if not name:
        return None
    path = url_for("media.media_file", filename=name)
    return absolute(path) if external else path


def absolute(path: str) -> str:
    return str(current_app.config["BASE_URL"]) + path


def clock(seconds: float | None) -> str:
    """12:30 or 1:02:03, the form `?t=` accepts back."""
    total = round(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def parse_start(value: str | None) -> int | None:
    """`?t=` as 750, 12:30, 1:02:03 or 1h2m3s; anything else is ignored, never an error."""
    if not value:
        return None
    value = value.strip().lower()
    if re.fullmatch(r"\d{1,6}", value):
        return int(value)
    if re.fullmatch(r"\d{1,3}(:\d{1,2}){1,2}", value):
        seconds = 0
        for part in value.split(":"):
            seconds = seconds * 60 + int(part)
        return seconds
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", value)
    if match and any(match.groups()):
        hours, minutes, secs = (int(g or 0) for g in match.groups())
        return hours * 3600 + minutes * 60 + secs
    return None


def page_number() -> int:
    """?page=N; nonsense is a 404 like any page that does not exist."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        abort(404, "There is no such page.")
    return int(raw)


def require_page_exists(page: int, pages: int) -> None:
    if page > pages:
        abort(404, f"There are only {pages} pages here.")


@dataclass
class Meta:
    """What a page tells search engines and link previews."""

    title: str
    description: str
    canonical: str
    image: str | None = None
    og_type: str = "website"
    jsonld: dict[str, Any] = field(default_factory=dict)
    alternates: list[tuple[str, str]] = field(default_factory=list)
    noindex: bool = False


def canonical(endpoint: str, **values: Any) -> str:
    return absolute(url_for(endpoint, **values))


def excerpt(markdown_text: str, length: int = 200) -> str:
    """Plain text for meta descriptions: rendered and sanitised first, so no markup leaks."""
    flat = " ".join(plain_text(markdown_text).split())
    return flat if len(flat) <= length else flat[: length - 1].rsplit(" ", 1)[0] + "…"


def alternates(*feeds: tuple[str, str | None]) -> list[tuple[str, str]]:
    return [(title, href) for title, href in feeds if href]


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
    etag: str
    last_modified: datetime | None


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
            etag, _weak = response.get_etag()
            hit = CachedPage(response.get_data(), response.mimetype or "text/html", etag or "",
                             response.last_modified)  # fmt: skip
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
    response = Response(hit.body, mimetype=hit.mimetype)
    response.set_etag(hit.etag)
    response.last_modified = hit.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = 60
    response.make_conditional(request)
    return response


def page_response(html: str, last_modified: datetime | None = None) -> Response:
    """An HTML page with a body-hash ETag and Last-Modified, answering 304 when unchanged."""
    response = Response(html, mimetype="text/html")
    response.set_etag(hashlib.blake2b(html.encode(), digest_size=16).hexdigest())
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = 60
    response.make_conditional(request)
    return response


def show_or_404(slug: str) -> Show:
    found = lookups.get_show(get_session(), slug)
    if found is None:
        abort(404, "No show has this address.")
    return found


def episode_or_404(show: Show, slug: str) -> Episode:
    found = lookups.get_public_episode(get_session(), show, slug)
    if found is None:
        abort(404, "No published episode has this address.")
    return found


def newest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None
