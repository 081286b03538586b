"""Feed settings hosts change: moving a feed, podcast:medium."""

from __future__ import annotations

from showapp.errors import InvalidInput
from showapp.models import Show

MEDIUMS = frozenset(
    ["podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher",
     "course", "mixed"] + [m + "L" for m in ("podcast", "music", "video", "film", "audiobook",
                                              "newsletter", "blog", "publisher", "course")]
)  # fmt: skip


def move_feed(show: Show, new_feed_url: str) -> None:
    """Point the show's feed elsewhere: its old URL then answers 301 and the feed carries
    itunes:new-feed-url. An empty URL moves it back."""
    new_feed_url = new_feed_url.strip()
    if new_feed_url and not new_feed_url.startswith(("https://", "http://")):
        raise InvalidInput("The new feed address must be a full http(s) URL.")
    show.new_feed_url = new_feed_url


def set_medium(show: Show, medium: str) -> None:
    if medium not in MEDIUMS:
        raise InvalidInput(f"'{medium}' is not a podcast:medium; use one of {sorted(MEDIUMS)}.")
    show.medium = medium
