"""The baselines bench/feed.py measures renders against: "feedgen alone building the same items".

feedgen has no Podcasting 2.0 support, so a feedgen user who wants the same items as showapp's
(podcast:season, podcast:episode, podcast:person and the rest) writes an entry extension, as
feedgen's documentation shows: plain SubElement calls, one per tag. `same_items` is that
feedgen user; `fewer_tags` is feedgen with its own podcast extension only, which writes no
Podcasting 2.0 tag at all and so builds smaller items than showapp's.
"""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from showapp.services.feeds.items import Item
from showapp.services.feeds.podcast_namespace import PODCAST_NS

P = "{" + PODCAST_NS + "}"
BASE_URL = "https://podcast.example.org"


def fewer_tags(items: list[Item]) -> bytes:
    """Plain feedgen (podcast extension, no Podcasting 2.0, no fixes) writing the items."""
    return _render(items, podcast_index=False)


def same_items(items: list[Item]) -> bytes:
    """feedgen with its podcast extension and a minimal Podcasting 2.0 extension, writing every
    tag showapp writes for these items and this channel."""
    return _render(items, podcast_index=True)


def _render(items: list[Item], *, podcast_index: bool) -> bytes:
    generator = FeedGenerator()
    generator.load_extension("podcast")
    if podcast_index:
        generator.register_extension("podcastindex", _ChannelTags, _ItemTags)
    generator.title("Bench & Mentors")
    generator.link(href=f"{BASE_URL}/bench/feed.xml", rel="self")
    generator.link(href=f"{BASE_URL}/bench/", rel="alternate")
    generator.description("A benchmark show.")
    generator.language("en")
    generator.podcast.itunes_author("Ada Host")
    generator.podcast.itunes_category("Business", "Management")
    generator.podcast.itunes_explicit("no")
    if podcast_index:
        generator.podcast.itunes_owner(name="Ada Host", email="ada@example.com")
        generator.podcast.itunes_image(f"{BASE_URL}/media/bench/cover.png")
        generator.podcast.itunes_type("episodic")
        generator.lastBuildDate(items[0].published if items else None)
    for item in items:
        entry = generator.add_entry(order="append")
        entry.guid(item.guid, permalink=False)
        entry.title(item.title)
        entry.link(href=item.link)
        entry.description(item.html)
        entry.content(item.html, type="CDATA")
        entry.published(item.published)
        entry.enclosure(item.enclosure_url, str(item.enclosure_length), item.enclosure_type)
        entry.podcast.itunes_duration(item.duration)
        entry.podcast.itunes_episode(item.episode)
        entry.podcast.itunes_season(item.season)
        entry.podcast.itunes_episode_type(item.episode_type)
        entry.podcast.itunes_explicit("no")
        if podcast_index:
            entry.podcastindex.item = item
    body: bytes = generator.rss_str(pretty=False)
    return body


class _ChannelTags(BaseExtension):  # type: ignore[misc]
    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, feed: Any) -> Any:
        channel = feed[0]
        etree.SubElement(channel, P + "guid").text = "bench-guid"
        etree.SubElement(channel, P + "locked", owner="ada@example.com").text = "no"
        etree.SubElement(channel, P + "person", role="host", group="cast").text = "Ada Host"
        etree.SubElement(channel, P + "medium").text = "podcast"
        return feed


class _ItemTags(BaseEntryExtension):  # type: ignore[misc]
    def __init__(self) -> None:
        self.item: Item | None = None

    def extend_rss(self, entry: Any) -> Any:
        item = self.item
        assert item is not None
        if item.season is not None:
            etree.SubElement(entry, P + "season").text = str(item.season)
        if item.episode is not None:
            etree.SubElement(entry, P + "episode").text = str(item.episode)
        for person in item.persons:
            attributes = {"role": person.role, "group": person.group}
            if person.img:
                attributes["img"] = person.img
            if person.href:
                attributes["href"] = person.href
            etree.SubElement(entry, P + "person", attributes).text = person.name
        for transcript in item.transcripts:
            attributes = {"url": transcript.url, "type": transcript.mime}
            if transcript.language:
                attributes["language"] = transcript.language
            if transcript.captions:
                attributes["rel"] = "captions"
            etree.SubElement(entry, P + "transcript", attributes)
        if item.chapters_url:
            etree.SubElement(
                entry, P + "chapters", url=item.chapters_url, type="application/json+chapters"
            )
        for bite in item.soundbites:
            etree.SubElement(
                entry, P + "soundbite", startTime=str(bite.start_seconds),
                duration=str(bite.duration_seconds),
            ).text = bite.title  # fmt: skip
        return entry


def item_tags(body: bytes) -> list[list[str]]:
    """Each item's tags, sorted: what "the same items" is checked by."""
    root = etree.fromstring(body)
    return [sorted(child.tag for child in item) for item in root.iter("item")]
