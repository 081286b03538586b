"""sitemap.xml and robots.txt."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, url_for

from showapp.db import get_session
from showapp.services.catalog.sitemap import (
    Addresses,
    SitemapEntry,
    catalog_addresses,
    read_addresses,
)
from showapp.services.listeners import stories
from showapp.site import bp
from showapp.site.helpers import absolute
from showapp.templating import page_url_for

ENDPOINTS = {
    "index": ("site.index", ()),
    "shows": ("site.shows_directory", ()),
    "show": ("site.show", ("show_slug",)),
    "episode": ("site.episode", ("show_slug", "episode_slug")),
    "guest": ("site.guest", ("guest_slug",)),
    "topic": ("site.topic", ("topic_slug",)),
    "mentor_call": ("site.mentor_call", ("show_slug",)),
}
# The sitemap protocol's limit per file (sitemaps.org): a larger network's /sitemap.xml is an
# index of parts, each at most this many addresses. Search engines reject a longer file.
SITEMAP_URLS = 50_000


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    kinds = _public_pages()
    total = sum(kind.count for kind in kinds)
    if total <= SITEMAP_URLS:
        return _urlset(read_addresses(kinds, 0, total))
    parts = range(1, -(-total // SITEMAP_URLS) + 1)
    locations = [absolute(url_for("site.sitemap_part", part=part)) for part in parts]
    return _xml(render_template("site/sitemap_index.xml", locations=locations))


@bp.get("/sitemap-<int:part>.xml")
def sitemap_part(part: int) -> Response:
    """One part of the index /sitemap.xml gives when the network outgrows one file."""
    kinds = _public_pages()
    total = sum(kind.count for kind in kinds)
    start = (part - 1) * SITEMAP_URLS
    if total <= SITEMAP_URLS or part < 1 or start >= total:
        abort(404, "The sitemap has no such part.")
    return _urlset(read_addresses(kinds, start, start + SITEMAP_URLS))


def _public_pages() -> list[Addresses]:
    """Each kind of public page, counted: the index reads no address, a part only its own,
    and URLs are made only for the file asked for (at 100,000 episodes, reading every
    address for any file took 0.8-1.2 s)."""
    session = get_session()
    # A show's "Did you have a great mentor?" page, where the show page links it.
    calls = stories.shows_with_public_call(session)
    return [
        Addresses.listed([SitemapEntry(("index",), None), SitemapEntry(("shows",), None)]),
        *catalog_addresses(session),
        Addresses.listed([SitemapEntry(("mentor_call", slug), None) for slug in calls]),
    ]


def _urlset(pages: list[SitemapEntry]) -> Response:
    urls = [(_loc(page), page.last_modified) for page in pages]
    return _xml(render_template("site/sitemap.xml", urls=urls))


def _xml(body: str) -> Response:
    return Response(body, mimetype="application/xml")


def _loc(entry: SitemapEntry) -> str:
    endpoint, names = ENDPOINTS[entry.path[0]]
    values: dict[str, Any] = dict(zip(names, entry.path[1:], strict=True))
    # The templates' builder: a page's path straight from its route (url_for took most of a
    # 50,000-address part's time).
    return absolute(page_url_for(endpoint, **values))


@bp.get("/robots.txt")
def robots() -> Response:
    lines = [
        "User-agent: *",
        "Disallow: /studio/",
        "Disallow: /embed/",
        "Disallow: /search",
        f"Sitemap: {absolute(url_for('site.sitemap'))}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
