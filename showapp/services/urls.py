"""Public addresses: the one table of the paths the site, feed and media blueprints serve, and
absolute URLs built from it with the configured base URL (for feeds and anything outside a
request). The blueprints register their routes from `ROUTES`, so a path is written once.
"""

from __future__ import annotations

import re
from urllib.parse import quote

ROUTES = {
    "show": "/<show_slug>/",
    "episode": "/<show_slug>/episodes/<episode_slug>",
    "guest": "/guests/<guest_slug>",
    "topic": "/topics/<topic_slug>",
    "media": "/media/<path:filename>",
    "chapters": "/media/<show_slug>/<episode_slug>/chapters.json",
    "transcript": "/media/<show_slug>/<episode_slug>/transcript.<extension>",
    "show_feed": "/<show_slug>/feed.xml",
    "topic_feed": "/<show_slug>/topics/<topic_slug>/feed.xml",
    "guest_feed": "/guests/<guest_slug>/feed.xml",
    "network_feed": "/feed.xml",
    "opml": "/feeds.opml",
}
MEDIA_PREFIX = "/media"
_VARIABLE = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
# Feeds build a URL or three per item, so each route becomes a format string once.
_TEMPLATES = {name: _VARIABLE.sub(r"{\g<name>}", rule) for name, rule in ROUTES.items()}
_QUOTED = {
    name: {m["name"] for m in _VARIABLE.finditer(rule) if m["converter"] == "path"}
    for name, rule in ROUTES.items()
}

# Show slugs live at the top level of the site, so these first path segments are taken.
RESERVED_SLUGS = frozenset(
    {"studio", "media", "static", "feeds", "feed", "embed", "search", "topics", "guests",
     "oembed", "review", "api", "login", "logout", "sitemap-xml", "robots-txt"}
)  # fmt: skip


def path(name: str, **values: str) -> str:
    """The path of route `name` with its variables filled in. Slugs go in as they are (they
    are URL-safe by construction); a `path:` variable, a media file name, is quoted."""
    quoted = _QUOTED[name]
    if quoted:
        values = {key: quote(value) if key in quoted else value for key, value in values.items()}
    return _TEMPLATES[name].format_map(values)


def url(base_url: str, name: str, **values: str) -> str:
    if _QUOTED[name]:
        return base_url + path(name, **values)
    return base_url + _TEMPLATES[name].format_map(values)


def blueprint_rule(name: str, prefix: str = "") -> str:
    """A route as a blueprint registers it, without the blueprint's url_prefix."""
    return ROUTES[name].removeprefix(prefix)


def feed_url(base_url: str, kind: str, **slugs: str) -> str:
    """A feed's address: kind is show, topic, guest, network or opml."""
    return url(base_url, "opml" if kind == "opml" else f"{kind}_feed", **slugs)


def media_url(base_url: str, relative_name: str) -> str:
    return base_url + _TEMPLATES["media"].format(filename=quote(relative_name))


def enclosure_url(base_url: str, relative_name: str, prefix: str = "") -> str:
    """The feed's enclosure URL, behind a measurement service's prefix when one is set.

    Such services (OP3, Podtrac, Chartable) take the target without its https:// scheme after
    their prefix, and redirect there; an http:// target keeps its scheme.
    """
    found = media_url(base_url, relative_name)
    if not prefix:
        return found
    return prefix + found.removeprefix("https://")


def audio_href(
    base_url: str, audio_file: str | None, audio_url: str | None, prefix: str = ""
) -> str | None:
    """Where an episode's audio is served: our media folder (behind the measurement prefix,
    if any), else the host it was imported from."""
    return enclosure_url(base_url, audio_file, prefix) if audio_file else audio_url


def artwork_href(base_url: str, artwork: str | None, artwork_url: str | None) -> str | None:
    return media_url(base_url, artwork) if artwork else artwork_url
