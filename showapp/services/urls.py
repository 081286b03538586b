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


def chapters_url(base_url: str, show_slug: str, episode_slug: str) -> str:
    return f"{base_url}/media/{show_slug}/{episode_slug}/chapters.json"


def transcript_url(base_url: str, show_slug: str, episode_slug: str, extension: str) -> str:
    """extension: the stored format ("vtt" or "srt"), or "txt" for plain text."""
    return f"{base_url}/media/{show_slug}/{episode_slug}/transcript.{extension}"


def enclosure_url(base_url: str, relative_name: str, prefix: str = "") -> str:
    """The feed's enclosure URL, behind a measurement service's prefix when one is set.

    Such services (OP3, Podtrac, Chartable) take the target without its https:// scheme after
    their prefix, and redirect there; an http:// target keeps its scheme.
    """
    url = media_url(base_url, relative_name)
    if not prefix:
        return url
    return prefix + url.removeprefix("https://")


def audio_href(
    base_url: str, audio_file: str | None, audio_url: str | None, prefix: str = ""
) -> str | None:
    """Where an episode's audio is served: our media folder (behind the measurement prefix,
    if any), else the host it was imported from."""
    return enclosure_url(base_url, audio_file, prefix) if audio_file else audio_url


def artwork_href(base_url: str, artwork: str | None, artwork_url: str | None) -> str | None:
    return media_url(base_url, artwork) if artwork else artwork_url


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
