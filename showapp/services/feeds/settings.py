"""Feed settings hosts change: moving a feed, podcast:medium."""

from __future__ import annotations

from showapp.errors import InvalidInput
from showapp.models import Show
from showapp.services import urls

MEDIUMS = frozenset(
    ["podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher",
     "course", "mixed"] + [m + "L" for m in ("podcast", "music", "video", "film", "audiobook",
                                              "newsletter", "blog", "publisher", "course")]
)  # fmt: skip


def move_feed(show: Show, new_feed_url: str) -> None:
    """Point the show's feed elsewhere: its old URL then answers 301 and the feed carries
    itunes:new-feed-url. An empty URL moves it back."""
    show.new_feed_url = urls.public_url(new_feed_url, "new feed address")


def set_medium(show: Show, medium: str) -> None:
    if medium not in MEDIUMS:
        raise InvalidInput(f"'{medium}' is not a podcast:medium; use one of {sorted(MEDIUMS)}.")
    show.medium = medium
