"""Public addresses: the one table of the paths the site, feed and media blueprints serve, and
absolute URLs built from it with the configured base URL (for feeds and anything outside a
request). The blueprints register their routes from `ROUTES`, so a path is written once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlsplit

from werkzeug.routing import IntegerConverter, Map

from showapp.errors import InvalidInput

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

# The largest id a row can have: ids are PostgreSQL `integer` columns.
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """<int:...> within what an id column holds: a larger one made the lookup itself fail
    (SQLite cannot bind past 64 bits, PostgreSQL past 32), a 500 where 404 is the answer."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


# Show slugs live at the top level of the site, so these first path segments are taken.
RESERVED_SLUGS = frozenset(
    {"studio", "media", "static", "feeds", "feed", "embed", "search", "topics", "guests", "shows",
     "oembed", "review", "unsubscribe", "api", "login", "logout", "sitemap-xml", "robots-txt"}
)  # fmt: skip


PUBLIC_SCHEMES = frozenset({"http", "https"})


def is_public_url(value: str) -> bool:
    """Whether `value` is an absolute http(s) URL with a host, safe as a link on our pages.

    Browsers drop leading spaces and control characters, and every tab or newline inside a
    URL, before they read its scheme: " javascript:" and "java\tscript:" both run script on
    our origin. So the value must start with the scheme itself, written out in full, and a
    control character anywhere refuses it. (A space after the scheme is harmless: old hosts
    serve files named so, and browsers encode it.)
    """
    if not value or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # a malformed [IPv6] host or port
        return False
    scheme = parts.scheme.lower()
    return (
        scheme in PUBLIC_SCHEMES
        and value[: len(scheme) + 3].lower() == f"{scheme}://"
        and bool(host)
        and " " not in parts.netloc
    )


def public_url(value: str | None, label: str) -> str:
    """`value` trimmed, if it is an http(s) URL anyone may see as a link; "" when it is empty.

    Every URL a host, a guest or an imported feed can set goes through here (guest links,
    show website and funding, feed moves, chapter links and images); anything else raises
    InvalidInput naming the field.
    """
    value = (value or "").strip()
    problem = url_problem(value, label)
    if problem:
        raise InvalidInput(problem[0].upper() + problem[1:])
    return value


def url_problem(value: str, label: str) -> str | None:
    """What is wrong with `value` as the field `label`, in words for the host; None if fine."""
    if not value or is_public_url(value):
        return None
    return (
        f"the {label} must be an http(s) URL, a full address starting with http:// or "
        f"https:// (not {value[:80]!r})."
    )


def public_links(values: Iterable[str] | None) -> list[str]:
    """Only the safe links among stored ones: for pages and feeds, whatever a row holds."""
    return [value for value in values or () if is_public_url(value)]


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
    if audio_file:
        return enclosure_url(base_url, audio_file, prefix)
    return audio_url if audio_url and is_public_url(audio_url) else None


def artwork_href(base_url: str, artwork: str | None, artwork_url: str | None) -> str | None:
    if artwork:
        return media_url(base_url, artwork)
    # Imported artwork stays where the old host serves it; only an http(s) one is a link.
    return artwork_url if artwork_url and is_public_url(artwork_url) else None
