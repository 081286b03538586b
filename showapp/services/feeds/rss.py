"""Build RSS feeds. Pure: plain values in, bytes out; feedgen's untyped surface stays here.

A feed comes out in parts (head, one fragment per item, tail), so that a rebuild after one
episode changes renders that one item and splices it into the previous files (splice.py).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import pairwise
from typing import Any, NamedTuple

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from showapp.models import Episode, Show
from showapp.services.feeds.items import Channel, Item, Person, xml_text
from showapp.services.feeds.podcast_namespace import (
    ItemTemplates,
    ShowappChannelExtension,
    ShowappEntryExtension,
)
from showapp.services.feeds.values import channel_from_show, guest_persons, item_from_episode

_ITEM_START = re.compile(rb"^<item[^>]*>")
_ITEM_TAG = re.compile(rb"<item>")
# Reads the channel back as feedgen wrote it: CDATA sections stay CDATA.
_CHANNEL_PARSER = etree.XMLParser(strip_cdata=False, resolve_entities=False, no_network=True)


def build_feed(
    show: Show,
    episodes: Sequence[Episode],
    base_url: str,
    *,
    hosts: Sequence[str] = (),
    hub_url: str = "",
) -> bytes:
    """A show's feed from ORM rows (episodes live, newest first, appearances and guests loaded)."""
    host_people = tuple(Person(name=xml_text(name)) for name in hosts)
    items = [
        item_from_episode(e, show.slug, base_url, host_people + guest_persons(e, base_url))
        for e in episodes
    ]
    last_build = max([show.updated_at, *(i.published for i in items)])
    channel = channel_from_show(
        show, base_url, persons=host_people, last_build=last_build, hub_url=hub_url
    )
    return render_feed(channel, items)


class FeedParts(NamedTuple):
    """A rendered feed in pieces: everything before the first item, one fragment per item (in
    the order given), and everything after the last, so a rebuild can splice single items."""

    head: bytes
    fragments: list[bytes]
    tail: bytes

    def joined(self) -> bytes:
        return b"".join([self.head, *self.fragments, self.tail])


def render_feed(channel: Channel, items: Iterable[Item]) -> bytes:
    """The feed as bytes: the channel from feedgen, then each item's fragment, in order."""
    return render_parts(channel, items).joined()


def render_parts(channel: Channel, items: Iterable[Item]) -> FeedParts:
    with gc_paused():
        return FeedParts(*_render_document(channel, list(items)))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Building thousands of short-lived lxml and tuple objects triggers full collections
    over and over (quadratic in the feed's size); nothing here makes reference cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _render_document(channel: Channel, items: list[Item]) -> tuple[bytes, list[bytes], bytes]:
    """feedgen builds the channel and each item (our extension adding to both); the document is
    serialised once and cut at the item boundaries, far cheaper than serialising each item.
    feedgen's public output is bytes, so the item-less channel is read back into a tree (a few
    kilobytes, whatever the number of items) and the items are appended to that."""
    root = etree.fromstring(_generator(channel).rss_str(), _CHANNEL_PARSER)
    channel_node = root[0]
    templates = ItemTemplates()
    entry = _new_entry(templates)
    for item in items:
        if not item.enclosure_url:
            entry = _new_entry(templates)  # feedgen cannot unset an enclosure once given
        _fill_entry(entry, item)
        channel_node.append(entry.rss_entry())
    document: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    parts = _cut(document, len(items))
    if parts is None:
        return _render_one_by_one(root)
    return parts


def _cut(document: bytes, count: int) -> tuple[bytes, list[bytes], bytes] | None:
    """Head, item fragments and tail, or None when the cut is ambiguous. Outside CDATA, markup
    characters in text and attributes are escaped, so "<item>" occurs once per item plus once
    per literal "<item>" in some CDATA section (then the count is off and we cut no further)."""
    end = document.rindex(b"</channel>")
    starts = [found.start() for found in _ITEM_TAG.finditer(document, 0, end)]
    if len(starts) != count:
        return None
    bounds = [*starts, end]
    fragments = [document[start:stop] for start, stop in pairwise(bounds)]
    return document[: bounds[0]], fragments, document[end:]


def _render_one_by_one(root: Any) -> tuple[bytes, list[bytes], bytes]:
    channel_node = root[0]
    nodes = channel_node.findall("item")
    # Inside the channel the item uses the prefixes declared once on <rss>.
    fragments = [
        _ITEM_START.sub(b"<item>", etree.tostring(node, encoding="UTF-8"), count=1)
        for node in nodes
    ]
    for node in nodes:
        channel_node.remove(node)
    document = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    head, end = document.rsplit(b"</channel>", 1)
    return head, fragments, b"</channel>" + end


def _generator(channel: Channel) -> FeedGenerator:
    generator = FeedGenerator()
    generator.load_extension("podcast")
    generator.register_extension("showapp", ShowappChannelExtension, ShowappEntryExtension)
    generator.title(channel.title or "Untitled")
    # feedgen writes the last link it was given as <link>, so the page link goes last.
    generator.link(href=channel.self_url, rel="self")
    generator.link(href=channel.link, rel="alternate")
    generator.description(channel.description or channel.title or "Untitled")
    generator.language(channel.language)
    generator.lastBuildDate(channel.last_build)
    generator.generator("showapp")
    if channel.copyright:
        generator.copyright(channel.copyright)
    podcast = generator.podcast
    if channel.author:
        podcast.itunes_author(channel.author)
    if channel.owner_email:
        podcast.itunes_owner(name=channel.owner_name or channel.author, email=channel.owner_email)
    if channel.category:
        podcast.itunes_category(channel.category, channel.subcategory or None)
    podcast.itunes_type(channel.show_type)
    if channel.subtitle:
        podcast.itunes_subtitle(channel.subtitle)
    generator.showapp.channel = channel
    return generator


def _new_entry(templates: ItemTemplates) -> Any:
    """A feedgen entry with only our extension (feedgen's add_entry would set up every extension
    of the feed), which writes the rest of each item. One entry is refilled for every item:
    rss_entry() reads only what the fill below sets, and a new entry per item cost a tenth
    of the render (its constructor reads the clock and a time zone, among thirty fields)."""
    entry = FeedEntry()
    entry.register_extension("showapp", ShowappEntryExtension)
    entry.showapp.templates = templates
    return entry


def _fill_entry(entry: Any, item: Item) -> None:
    entry.guid(item.guid, permalink=False)
    entry.title(item.title)
    # One link() call for the page and the enclosure: feedgen validates each call's links.
    links: list[dict[str, str | None]] = [{"href": item.link}]
    if item.enclosure_url:
        length = str(item.enclosure_length or 0)
        links.append({"href": item.enclosure_url, "rel": "enclosure",
                      "type": item.enclosure_type, "length": length})  # fmt: skip
    entry.link(links, replace=True)
    # pubDate is written by our extension: feedgen formats it by switching the process locale
    # twice per item (setlocale), which cost a tenth of a cold render.
    entry.showapp.item = item
