"""Template filters and globals: formatting only, no decisions; the one read is the
network's settings, for every page's header and title, kept per process until the site
revision moves."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from flask import Flask, current_app, g, request, url_for
from markupsafe import Markup

from showapp import db
from showapp.models import Episode
from showapp.services import images, network, urls
from showapp.services.catalog.artwork import copy_name
from showapp.services.catalog.text import clock, render_episode_notes, render_notes
from showapp.services.network import Network
from showapp.services.per_revision import PerRevision
from showapp.storage import Storage, current_storage


def init_app(app: Flask) -> None:
    from showapp.site.helpers import feed_url, media_url
    from showapp.site.theme import theme_url

    app.add_template_filter(clock, "clock")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_moment, "moment")
    app.add_template_filter(notes_html, "notes")
    app.add_template_filter(episode_notes_html, "episode_notes")
    # Stored links as hrefs: only http(s) ones, whatever a row holds (a javascript: link
    # would run script on the site's origin, which is also the studio's).
    app.add_template_filter(urls.public_links, "public_links")
    # The network's name (site_title), logo and colour, as admins set them in the studio.
    # Every page names it, and reading it was a tenth of an empty page's time and the only
    # reason such a page opened a database connection.
    app.extensions["showapp.network"] = PerRevision(
        lambda: db.new_session(app), lambda session: network.read(session, app.config["SITE_TITLE"])
    )
    app.context_processor(_network_globals)
    app.jinja_env.globals["feed_url"] = feed_url
    app.jinja_env.globals["media_url"] = media_url
    app.jinja_env.globals["photo_copy"] = images.photo_copy
    app.add_template_filter(artwork_src, "artwork_src")
    app.jinja_env.globals["theme_url"] = theme_url
    app.add_template_filter(initials, "initials")
    app.jinja_env.globals["url_for"] = page_url_for
    # A list's links as filters (`episode|episode_path`): Jinja calls a filter directly, where
    # a global goes through Context.call, which cost 2 µs a link (a fifth of an episode card).
    app.add_template_filter(episode_path, "episode_path")
    app.add_template_filter(guest_path, "guest_path")
    app.add_template_filter(topic_path, "topic_path")
    app.jinja_env.globals["page_url"] = page_url


def current_network() -> Network:
    """The network as this request sees it. An error page rendered because the database
    failed still gets the configured name."""
    if "network" not in g:
        kept: PerRevision[Network] = current_app.extensions["showapp.network"]
        g.network = network.kept(kept, current_app.config["SITE_TITLE"])
    found: Network = g.network
    return found


def _network_globals() -> dict[str, Any]:
    found = current_network()
    return {"site_title": found.name, "network": found}


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
    exactly the route's slugs and URL-safe (as slugify makes them); else Flask's url_for,
    remembered for a path (every page links the same stylesheets, menu and media), computed
    each time for an absolute URL or an anchor."""
    name = _PAGE_ROUTES.get(endpoint)
    if (
        name is not None
        and values.keys() == _ROUTE_ARGS[name]
        and all(isinstance(v, str) and _URL_SAFE.fullmatch(v) for v in values.values())
    ):
        return request.script_root + urls.path(name, **values)
    if _PER_REQUEST.isdisjoint(values) and all(type(v) in _PLAIN for v in values.values()):
        return _remembered_path(request.script_root, endpoint, tuple(sorted(values.items())))
    return url_for(endpoint, **values)


def episode_path(episode: Any) -> str:
    """The page of an episode, a card or an ORM row alike (anything with .slug and .show)."""
    return page_url_for("site.episode", show_slug=episode.show.slug, episode_slug=episode.slug)


def guest_path(guest: Any) -> str:
    return page_url_for("site.guest", guest_slug=guest.slug)


def topic_path(topic: Any) -> str:
    return page_url_for("site.topic", topic_slug=topic.slug)


# A path depends only on the route map, which is fixed once the app is built (it has no
# url_defaults), the values and the mount point; an absolute URL also on the request's host.
_PER_REQUEST = frozenset({"_external", "_scheme", "_anchor", "_method"})
_PLAIN = frozenset({str, int})


@lru_cache(maxsize=4096)
def _remembered_path(script_root: str, endpoint: str, values: tuple[tuple[str, Any], ...]) -> str:
    return url_for(endpoint, **dict(values))


def format_date(value: datetime | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def format_moment(value: datetime | None) -> str:
    """A time to the second, in UTC (the server's times: jobs, imports)."""
    return value.astimezone(UTC).strftime("%-d %b %Y, %H:%M:%S UTC") if value else ""


def notes_html(markdown_source: str) -> Markup:
    # render_notes sanitises with nh3, so marking the result safe is sound.
    return Markup(render_notes(markdown_source))  # noqa: S704


def episode_notes_html(episode: Episode) -> Markup:
    # Both branches of render_episode_notes sanitise with nh3.
    return Markup(render_episode_notes(episode))  # noqa: S704


def artwork_src(relative: str | None, size: int = 300) -> str | None:
    """The address of the smaller copy of some stored artwork (a list shows thumbnails, not
    3000 px originals); the original when no copy was made; None without artwork."""
    if not relative:
        return None
    small = copy_name(relative, size)
    name = small if _has_copy(current_storage(), small) else relative
    return url_for("media.media_file", filename=name)


def _has_copy(storage: Storage, name: str) -> bool:
    if storage.local_path(name) is not None:
        return storage.exists(name)
    return _bucket_has(storage, name)


@lru_cache(maxsize=4096)
def _bucket_has(storage: Storage, name: str) -> bool:
    """Asked of a bucket once per process and name: a stored name never changes its bytes,
    and a page lists dozens of pictures."""
    return storage.exists(name)


def initials(title: str) -> str:
    """Up to two initials for the placeholder picture of a show without artwork."""
    words = [w for w in title.replace("&", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def page_url(page: int, endpoint: str | None = None) -> str:
    """This URL at another page of its list, its other arguments (search, filters) kept.
    `endpoint` is the list's own, for a list drawn in answer to a form posted elsewhere."""
    args: dict[str, Any] = {**request.args.to_dict(), "page": str(page)}
    if page == 1:
        del args["page"]
    return url_for(endpoint or str(request.endpoint), **{**(request.view_args or {}), **args})
