"""Feed settings hosts change: moving a feed, podcast:medium."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from showapp.errors import InvalidInput
from showapp.models import Show
from showapp.services import urls

MEDIUMS = frozenset(
    ["podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher",
     "course", "mixed"] + [m + "L" for m in ("podcast", "music", "video", "film", "audiobook",
                                              "newsletter", "blog", "publisher", "course")]
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}


def move_feed(show: Show, new_feed_url: str, served_at: Iterable[str] = ()) -> None:
    """Point the show's feed elsewhere: its old URL then answers 301 and the feed carries
    itunes:new-feed-url. An empty URL moves it back.

    `served_at` are the base URLs this app answers on (the configured BASE_URL and the
    request's own root): a new address that is the show's feed at any of them is refused, as
    the feed would answer 301 to itself for ever.
    """
    new_url = urls.public_url(new_feed_url, "new feed address")
    own = {
        _address(urls.feed_url(base.rstrip("/"), "show", show_slug=show.slug)) for base in served_at
    }
    if new_url and (address := _address(new_url)) is not None and address in own:
        raise InvalidInput(
            f"The new feed address {new_url} is this show's own feed: podcast apps would be "
            "sent back to it for ever. Give the address the feed moves to, or leave the "
            "field empty to keep the feed here."
        )
    show.new_feed_url = new_url


def _address(url: str) -> tuple[str, int | None, str] | None:
    """What a request to `url` reaches: host and port (http and https alike, as both reach
    the same app behind a proxy) and the path as routing reads it (decoded, dot segments
    and repeated or trailing slashes dropped); the query and fragment do not change the feed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a malformed port or [IPv6] host: not an address of ours
        return None
    scheme = parts.scheme.lower()
    if port == _DEFAULT_PORTS.get(scheme):
        port = None
    path = posixpath.normpath(re.sub("/+", "/", "/" + unquote(parts.path)))
    return (parts.hostname or "").rstrip("."), port, path


def set_medium(show: Show, medium: str) -> None:
    if medium not in MEDIUMS:
        raise InvalidInput(f"'{medium}' is not a podcast:medium; use one of {sorted(MEDIUMS)}.")
    show.medium = medium
