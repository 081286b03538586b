"""Public URLs, built from the configured base URL, for feeds and anything outside a request.

The site, feed and media blueprints register these same paths; tests follow each URL a feed
carries through the app.
"""

from __future__ import annotations

from urllib.parse import quote

# Show slugs live at the top level of the site, so these first path segments are taken.
RESERVED_SLUGS = frozenset(
    {"studio", "media", "static", "feeds", "feed", "embed", "search", "topics", "guests",
     "oembed", "review", "api", "login", "logout", "sitemap-xml", "robots-txt"}
)  # fmt: skip


def show_url(base_url: str, show_slug: str) -> str:
    return f"{base_url}/{show_slug}/"


def feed_url(base_url: str, show_slug: str) -> str:
    return f"{base_url}/{show_slug}/feed.xml"


def episode_url(base_url: str, show_slug: str, episode_slug: str) -> str:
    return f"{base_url}/{show_slug}/episodes/{episode_slug}"


def media_url(base_url: str, relative_name: str) -> str:
    return f"{base_url}/media/{quote(relative_name)}"


def guest_url(base_url: str, guest_slug: str) -> str:
    return f"{base_url}/guests/{guest_slug}"


def topic_url(base_url: str, show_slug: str, topic_slug: str) -> str:
    return f"{base_url}/{show_slug}/topics/{topic_slug}"


def topic_feed_url(base_url: str, show_slug: str, topic_slug: str) -> str:
    return f"{base_url}/{show_slug}/topics/{topic_slug}/feed.xml"


def guest_feed_url(base_url: str, guest_slug: str) -> str:
    return f"{base_url}/guests/{guest_slug}/feed.xml"


def network_feed_url(base_url: str) -> str:
    return f"{base_url}/feed.xml"


def opml_url(base_url: str) -> str:
    return f"{base_url}/feeds.opml"
