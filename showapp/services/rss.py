"""Build a show's RSS feed. Pure: data in, bytes out; feedgen's untyped surface stays here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from showapp.models import Episode, Show
from showapp.services import urls
from showapp.services.text import render_episode_notes

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


class _ShowappChannel(BaseExtension):  # type: ignore[misc]
    """Tags feedgen writes wrongly or not at all, for the channel."""

    def __init__(self) -> None:
        self.explicit: bool | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def extend_rss(self, rss_feed: Any) -> Any:
        _write_explicit(rss_feed[0], self.explicit)
        return rss_feed


class _ShowappEntry(BaseEntryExtension):  # type: ignore[misc]
    def __init__(self) -> None:
        self.explicit: bool | None = None

    def extend_rss(self, item: Any) -> Any:
        _write_explicit(item, self.explicit)
        return item


def _write_explicit(parent: Any, explicit: bool | None) -> None:
    # Apple documents true/false; feedgen only writes the legacy yes/no/clean.
    if explicit is not None:
        xml_elem(f"{{{ITUNES_NS}}}explicit", parent).text = "true" if explicit else "false"


def build_feed(show: Show, episodes: Sequence[Episode], base_url: str) -> bytes:
    """RSS 2.0 with the iTunes namespace; `episodes` are the live ones, newest first."""
    generator = FeedGenerator()
    generator.load_extension("podcast")
    generator.register_extension("showapp", _ShowappChannel, _ShowappEntry)
    _channel(generator, show, base_url)
    for episode in episodes:
        _item(generator, show, episode, base_url)
    xml: bytes = generator.rss_str(pretty=False)
    return xml


def _channel(generator: FeedGenerator, show: Show, base_url: str) -> None:
    generator.title(show.title)
    generator.link(href=urls.show_url(base_url, show.slug), rel="alternate")
    generator.link(href=urls.feed_url(base_url, show.slug), rel="self")
    generator.description(show.description or show.title)
    generator.language(show.language)
    if show.copyright:
        generator.copyright(show.copyright)
    podcast = generator.podcast
    podcast.itunes_author(show.author or show.owner_name or show.title)
    if show.owner_email:
        podcast.itunes_owner(name=show.owner_name or show.author, email=show.owner_email)
    if show.category:
        podcast.itunes_category(show.category, show.subcategory or None)
    generator.showapp.explicit = show.explicit
    podcast.itunes_type(show.show_type.value)
    if show.subtitle:
        podcast.itunes_subtitle(show.subtitle)
    if artwork := urls.artwork_href(base_url, show.artwork, show.artwork_url):
        podcast.itunes_image(artwork)


def _item(generator: FeedGenerator, show: Show, episode: Episode, base_url: str) -> None:
    entry = generator.add_entry(order="append")
    entry.guid(episode.guid, permalink=False)
    entry.title(episode.title)
    entry.link(href=urls.episode_url(base_url, show.slug, episode.slug))
    entry.description(render_episode_notes(episode) or episode.summary or episode.title)
    entry.published(episode.published_at)
    if audio := urls.audio_href(
        base_url, episode.audio_file, episode.audio_url, urls.configured_media_prefix()
    ):
        entry.enclosure(
            audio,
            str(episode.audio_bytes),
            episode.audio_mime,
        )
    podcast = entry.podcast
    if episode.duration_seconds is not None:
        podcast.itunes_duration(round(episode.duration_seconds))
    if episode.number is not None:
        podcast.itunes_episode(episode.number)
    if episode.season is not None:
        podcast.itunes_season(episode.season)
    podcast.itunes_episode_type(episode.episode_type.value)
    entry.showapp.explicit = episode.explicit
    if episode.summary:
        podcast.itunes_summary(episode.summary)
