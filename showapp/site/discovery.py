"""sitemap.xml and robots.txt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, render_template, url_for

from showapp.db import get_session
from showapp.services.catalog import site_pages
from showapp.services.catalog.site_pages import SitemapEntry
from showapp.services.listeners import stories
from showapp.site import bp
from showapp.site.helpers import absolute

ENDPOINTS = {
    "show": ("site.show", ("show_slug",)),
    "episode": ("site.episode", ("show_slug", "episode_slug")),
    "guest": ("site.guest", ("guest_slug",)),
    "topic": ("site.topic", ("topic_slug",)),
}


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    entries = site_pages.sitemap_entries(get_session())
    lists = ("site.index", "site.shows_directory")
    urls: list[tuple[str, datetime | None]] = [
        (absolute(url_for(endpoint)), None) for endpoint in lists
    ]
    urls += [(_loc(e), e.last_modified) for e in entries]
    # A show's "Did you have a great mentor?" page, where the show page links it.
    calls = stories.shows_with_public_call(get_session())
    urls += [(absolute(url_for("site.mentor_call", show_slug=slug)), None) for slug in calls]
    return Response(render_template("site/sitemap.xml", urls=urls), mimetype="application/xml")


def _loc(entry: SitemapEntry) -> str:
    endpoint, names = ENDPOINTS[entry.path[0]]
    values: dict[str, Any] = dict(zip(names, entry.path[1:], strict=True))
    return absolute(url_for(endpoint, **values))


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
