"""Template filters: formatting only, no decisions and no queries."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Flask, request, url_for
from markupsafe import Markup

from showapp.models import Episode
from showapp.services import urls
from showapp.services.catalog.text import clock, render_episode_notes, render_notes


def init_app(app: Flask) -> None:
    from showapp.site.helpers import feed_url, media_url

    app.add_template_filter(clock, "clock")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(notes_html, "notes")
    app.add_template_filter(episode_notes_html, "episode_notes")
    # Stored links as hrefs: only http(s) ones, whatever a row holds (a javascript: link
    # would run script on the site's origin, which is also the studio's).
    app.add_template_filter(urls.public_links, "public_links")
    app.jinja_env.globals["site_title"] = app.config["SITE_TITLE"]
    app.jinja_env.globals["feed_url"] = feed_url
    app.jinja_env.globals["media_url"] = media_url
    app.jinja_env.globals["url_for"] = page_url_for
    app.jinja_env.globals["page_url"] = page_url


# Endpoints a list page links to once per row: their URLs come from urls.ROUTES' format
# strings, a microsecond each, where Flask's url_for (the routing map's builder) took 15.
_PAGE_ROUTES = {"site.episode": "episode", "site.show": "show", "site.guest": "guest",
                "site.topic": "topic"}  # fmt: skip
_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")
_ROUTE_ARGS = {
    name: frozenset(re.findall(r"<(?:\w+:)?(\w+)>", urls.ROUTES[name]))
    for name in _PAGE_ROUTES.values()
}


def page_url_for(endpoint: str, **values: Any) -> str:
    """url_for for templates: a public page's path straight from its route when the values are
    exactly the route's slugs and URL-safe (as slugify makes them), Flask's url_for otherwise
    (query arguments, _external, an odd imported slug)."""
    name = _PAGE_ROUTES.get(endpoint)
    if (
        name is not None
        and values.keys() == _ROUTE_ARGS[name]
        and all(isinstance(v, str) and _URL_SAFE.fullmatch(v) for v in values.values())
    ):
        return request.script_root + urls.path(name, **values)
    return url_for(endpoint, **values)


def format_date(value: datetime | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def notes_html(markdown_source: str) -> Markup:
    # render_notes sanitises with nh3, so marking the result safe is sound.
    return Markup(render_notes(markdown_source))  # noqa: S704


def episode_notes_html(episode: Episode) -> Markup:
    # Both branches of render_episode_notes sanitise with nh3.
    return Markup(render_episode_notes(episode))  # noqa: S704


def page_url(page: int) -> str:
    """This URL at another page of its list, its other arguments (search, filters) kept."""
    args: dict[str, Any] = {**request.args.to_dict(), "page": str(page)}
    if page == 1:
        del args["page"]
    return url_for(str(request.endpoint), **{**(request.view_args or {}), **args})
