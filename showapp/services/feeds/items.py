"""Plain values for feeds, no ORM or Flask; hashable, so a feed makes each person once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

# Characters XML 1.0 cannot carry at all (C0 controls except tab/newline/CR, surrogates,
# U+FFFE/U+FFFF); hosts paste them in from word processors and terminals.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """Text that any XML parser accepts, without the leading/trailing spaces Apple rejects."""
    # Every character XML refuses is unprintable, and isprintable() costs a tenth of the scan.
    if not value.isprintable() and _NOT_XML.search(value):
        value = _NOT_XML.sub("", value)
    return value.strip()


class Person(NamedTuple):
    name: str
    role: str = "host"
    group: str = "cast"
    img: str | None = None
    href: str | None = None


class Transcript(NamedTuple):
    url: str
    mime: str
    language: str | None = None
    captions: bool = False


class Soundbite(NamedTuple):
    start_seconds: float
    duration_seconds: float
    title: str = ""


class Trailer(NamedTuple):
    title: str
    url: str
    published: datetime
    length: int | None = None
    mime: str | None = None
    season: int | None = None


class Item(NamedTuple):
    """One <item>. Named tuples: a feed builds thousands of these, and their fields read in C."""

    guid: str
    title: str
    link: str
    html: str
    published: datetime
    enclosure_url: str | None
    enclosure_length: int | None
    enclosure_type: str | None
    duration: int | None = None
    episode: int | None = None
    season: int | None = None
    season_name: str = ""  # podcast:season's name ("": none written)
    # podcast:episode when it is not `episode` ("12.5"; "": `episode`), and its display name.
    podcast_episode: str = ""
    episode_display: str = ""
    episode_type: str = "full"
    explicit: bool = False
    block: bool = False  # itunes:block Yes: Apple Podcasts does not list the episode
    itunes_title: str = ""  # Apple's title, without episode numbers ("": none written)
    image: str | None = None
    summary: str = ""
    persons: tuple[Person, ...] = ()
    transcripts: tuple[Transcript, ...] = ()
    chapters_url: str | None = None
    chapters_type: str = "application/json+chapters"  # an imported file keeps its own
    soundbites: tuple[Soundbite, ...] = ()
    # Podcasting 2.0 elements kept from an import as plain trees (importing/p20.py).
    podcast_extras: tuple[dict[str, Any], ...] = ()
    episode_id: int = 0  # where the item came from, for splicing (not written to the feed)


@dataclass(frozen=True, slots=True)
class Channel:
    title: str
    link: str
    self_url: str
    description: str
    language: str
    author: str
    podcast_guid: str
    last_build: datetime
    owner_name: str = ""
    owner_email: str = ""
    category: str = ""
    subcategory: str = ""
    explicit: bool = False
    show_type: str = "episodic"
    image: str | None = None
    subtitle: str = ""
    copyright: str = ""
    locked: bool = False
    funding_url: str = ""
    funding_text: str = ""
    medium: str = "podcast"
    update_frequency: str = ""
    update_rrule: str = ""
    new_feed_url: str = ""
    block: bool = False
    itunes_title: str = ""
    complete: bool = False
    hub_url: str = ""
    locked_owner: str = ""
    podcast_extras: tuple[dict[str, Any], ...] = ()
    persons: tuple[Person, ...] = ()
    trailers: tuple[Trailer, ...] = field(default=())


@dataclass(frozen=True)
class FeedSite:
    base_url: str
    site_title: str
    hub_url: str = ""
    media_prefix: str = ""  # SHOWAPP_MEDIA_PREFIX_URL, for our own enclosures
    network_limit: int = 300  # SHOWAPP_NETWORK_FEED_LIMIT: the network feed's newest episodes
