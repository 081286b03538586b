"""What the site's pages share: conditional responses, metadata, feed links and paging."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import Response, abort, current_app, request, url_for

from showapp.db import get_session
from showapp.models import Episode, Show
from showapp.services import urls
from showapp.services.catalog import lookups
from showapp.services.search.index import plain_text
from showapp.services.wording import counted
from showapp.templating import page_url_for

MAX_PAGE = 100_000


def feed_url(kind: str, slug: str | None = None) -> str:
    """The path of a show's, a guest's or the network's feed, for links in pages."""
    return urls.path(f"{kind}_feed", **({f"{kind}_slug": slug} if slug else {}))


def media_url(name: str | None, external: bool = False) -> str | None:
    if not name:
        return None
    path = page_url_for("media.media_file", filename=name)
    return absolute(path) if external else path


def absolute(path: str) -> str:
    return str(current_app.config["BASE_URL"]) + path


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


def page_arg(page: int) -> dict[str, int]:
    """?page=N for a link to page N; the first page has no argument (one canonical URL)."""
    return {"page": page} if page > 1 else {}


def require_page_exists(page: int, pages: int) -> None:
    if page > pages:
        abort(404, f"There {'is' if pages == 1 else 'are'} only {counted(pages, 'page')} here.")


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


@lru_cache(maxsize=4096)
def excerpt(markdown_text: str, length: int = 200) -> str:
    """Plain text for meta descriptions: rendered and sanitised first, so no markup leaks.
    Kept per text: a show's description or a guest's bio rendered by Markdown on every
    request was a twentieth of a page's time."""
    flat = " ".join(plain_text(markdown_text).split())
    return flat if len(flat) <= length else flat[: length - 1].rsplit(" ", 1)[0] + "…"


def alternates(*feeds: tuple[str, str | None]) -> list[tuple[str, str]]:
    return [(title, href) for title, href in feeds if href]


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
    """The public show at this address; 410 for it and its pages while it is in the trash."""
    found = lookups.get_show(get_session(), slug)
    if found is None and lookups.show_in_trash(get_session(), slug):
        abort(410, "This show has been taken down, so it is no longer available.")
    if found is None:
        abort(404, "No show has this address.")
    return found


def show_and_episode_or_404(show_slug: str, slug: str) -> tuple[Show, Episode]:
    """The public show and episode at these addresses; 410 if the episode was public once
    (withdrawn or deleted) or its show is in the trash, 404 if it never was."""
    session = get_session()
    found = lookups.get_show_and_public_episode(session, show_slug, slug)
    if found is not None:
        return found
    show = show_or_404(show_slug)  # says which is missing, and why
    if lookups.was_withdrawn(session, show, slug):
        abort(410, f"{show.title} has taken this episode down, so it is no longer available.")
    abort(404, "No published episode has this address.")


def newest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None
