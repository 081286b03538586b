"""sitemap.xml and robots.txt."""

from __future__ import annotations

from html import escape
from typing import Any

from flask import Response, abort, render_template, request, url_for

from showapp.db import get_session
from showapp.services import urls
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

# The catalog's pages by their route in urls.ROUTES (slugs are URL-safe by construction), the
# few others by url_for.
CATALOG_ROUTES = {
    "show": ("show_slug",),
    "episode": ("show_slug", "episode_slug"),
    "guest": ("guest_slug",),
    "topic": ("topic_slug",),
}
ENDPOINTS = {
    "index": ("site.index", ()),
    "shows": ("site.shows_directory", ()),
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
    """Written line by line rather than by a template: a part holds up to 50,000 addresses,
    and Jinja's loop with a url_for per address was two thirds of its second."""
    root = absolute(request.script_root)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']  # fmt: skip
    for page in pages:
        modified = page.last_modified
        lastmod = f"<lastmod>{modified.date().isoformat()}</lastmod>" if modified else ""
        lines.append(f"  <url><loc>{escape(_loc(root, page.path))}</loc>{lastmod}</url>")
    lines.append("</urlset>\n")
    return _xml("\n".join(lines))


def _xml(body: str) -> Response:
    return Response(body, mimetype="application/xml")


def _loc(root: str, path: tuple[str, ...]) -> str:
    kind, *slugs = path
    names = CATALOG_ROUTES.get(kind)
    if names is not None:
        return urls.url(root, kind, **dict(zip(names, slugs, strict=True)))
    endpoint, names = ENDPOINTS[kind]
    values: dict[str, Any] = dict(zip(names, slugs, strict=True))
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
