"""Our one feedgen extension: the Podcasting 2.0 namespace, plus feedgen's defects fixed here once.

feedgen 1.0 writes itunes:explicit as yes/no (Apple documents true/false), entity-escapes HTML
instead of using CDATA, and silently drops artwork URLs not ending in .jpg/.png. This extension
writes those tags itself, so no call site has to remember.

The item writers (`write_transcripts`, `write_chapters`, `write_soundbites`, `write_persons`)
take plain values and are tested on their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

from showapp.services.feed_items import (
    Channel,
    Item,
    Person,
    Soundbite,
    Trailer,
    Transcript,
    xml_text,
)

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# The spec's canonical URI is https://podcastindex.org/namespace/1.0, and clients must accept
# this older GitHub one as the same namespace. Most feeds in the wild use the GitHub URI, and
# gPodder's podcastparser 0.6.11 recognises only it, so it reaches more apps.
PODCAST_NS = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
ATOM_NS = "http://www.w3.org/2005/Atom"
NAMESPACES = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "content": CONTENT_NS, "atom": ATOM_NS}

_ITUNES = "{" + ITUNES_NS + "}"
_PODCAST = "{" + PODCAST_NS + "}"
_SubElement = etree.SubElement


def cdata(text: str) -> Any:
    """HTML as CDATA (Apple's rule). A CDATA section cannot contain "]]>", so such text stays
    entity-escaped, which is equally valid XML."""
    return text if "]]>" in text else etree.CDATA(text)


def _element(parent: Any, tag: str, text: str | None = None, **attributes: str) -> Any:
    # Values arrive cleaned by xml_text where they are built (feed_items, rss, feeds).
    node = _SubElement(parent, tag, attributes)
    if text is not None:
        node.text = text
    return node


def write_explicit(parent: Any, explicit: bool) -> None:
    _element(parent, _ITUNES + "explicit", "true" if explicit else "false")


def write_image(parent: Any, url: str | None) -> None:
    # feedgen drops URLs like cover.jpeg or cover.jpg?v=2 without a word; we keep them.
    if url:
        _element(parent, _ITUNES + "image", href=url)


def write_persons(parent: Any, persons: Iterable[Person]) -> None:
    for person in persons:
        name = xml_text(person.name)[:128]
        if not name:
            continue
        attributes = {"role": person.role, "group": person.group}
        if person.img:
            attributes["img"] = person.img
        if person.href:
            attributes["href"] = person.href
        _element(parent, _PODCAST + "person", name, **attributes)


def write_transcripts(parent: Any, transcripts: Iterable[Transcript]) -> None:
    """One podcast:transcript per file, e.g. Transcript(url, "text/vtt", "en")."""
    for transcript in transcripts:
        attributes = {"url": xml_text(transcript.url), "type": xml_text(transcript.mime)}
        if transcript.language:
            attributes["language"] = xml_text(transcript.language)
        if transcript.captions:
            attributes["rel"] = "captions"
        _element(parent, _PODCAST + "transcript", **attributes)


def write_chapters(parent: Any, url: str | None) -> None:
    """podcast:chapters pointing at a JSON chapters document the app serves."""
    if url:
        _element(parent, _PODCAST + "chapters", url=xml_text(url), type="application/json+chapters")


def write_soundbites(parent: Any, soundbites: Iterable[Soundbite]) -> None:
    for bite in soundbites:
        title = xml_text(bite.title)[:128] or None
        _element(
            parent,
            _PODCAST + "soundbite",
            title,
            startTime=_seconds(bite.start_seconds),
            duration=_seconds(bite.duration_seconds),
        )


def write_trailers(parent: Any, trailers: Iterable[Trailer]) -> None:
    for trailer in trailers:
        attributes = {"url": trailer.url, "pubdate": format_datetime(trailer.published)}
        if trailer.length is not None:
            attributes["length"] = str(trailer.length)
        if trailer.mime:
            attributes["type"] = trailer.mime
        if trailer.season is not None:
            attributes["season"] = str(trailer.season)
        _element(parent, _PODCAST + "trailer", trailer.title[:128], **attributes)


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


class ShowappChannelExtension(BaseExtension):  # type: ignore[misc]
    def __init__(self) -> None:
        self.channel: Channel | None = None

    def extend_ns(self) -> dict[str, str]:
        return dict(NAMESPACES)

    def extend_rss(self, rss_feed: Any) -> Any:
        if self.channel is not None:
            _write_channel(rss_feed[0], self.channel)
        return rss_feed


def _write_channel(node: Any, channel: Channel) -> None:
    description = node.find("description")
    if description is not None:
        description.text = cdata(description.text or "")
    write_explicit(node, channel.explicit)
    write_image(node, channel.image)
    if channel.hub_url:
        _element(node, "{" + ATOM_NS + "}link", rel="hub", href=channel.hub_url)
    if channel.new_feed_url:
        _element(node, _ITUNES + "new-feed-url", channel.new_feed_url)
    if channel.block:
        _element(node, _ITUNES + "block", "Yes")
    if channel.complete:
        _element(node, _ITUNES + "complete", "Yes")
    _write_podcast_channel(node, channel)


def _write_podcast_channel(node: Any, channel: Channel) -> None:
    _element(node, _PODCAST + "guid", channel.podcast_guid)
    locked = {"owner": channel.owner_email} if channel.owner_email else {}
    _element(node, _PODCAST + "locked", "yes" if channel.locked else "no", **locked)
    if channel.funding_url:
        text = channel.funding_text or "Support the show"
        _element(node, _PODCAST + "funding", text[:128], url=channel.funding_url)
    write_persons(node, channel.persons)
    write_trailers(node, channel.trailers)
    _element(node, _PODCAST + "medium", channel.medium or "podcast")
    if channel.update_frequency:
        rrule = {"rrule": channel.update_rrule} if channel.update_rrule else {}
        _element(node, _PODCAST + "updateFrequency", channel.update_frequency[:128], **rrule)


class ShowappEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    def __init__(self) -> None:
        self.item: Item | None = None

    def extend_rss(self, entry: Any) -> Any:
        if self.item is not None:
            _write_item(entry, self.item)
        return entry


def write_pub_date(node: Any, published: datetime) -> None:
    """<pubDate> where feedgen puts it (after the enclosure, else the guid), formatted as
    feedgen does (RFC 2822, English names, numeric zone) without touching the locale."""
    anchor = node.find("enclosure")
    if anchor is None:
        anchor = node.find("guid")
    pub_date = etree.Element("pubDate")
    pub_date.text = format_datetime(published)
    if anchor is None:
        node.append(pub_date)
    else:
        anchor.addnext(pub_date)


def _write_item(node: Any, item: Item) -> None:
    write_pub_date(node, item.published)
    html = xml_text(item.html)
    _SubElement(node, "description").text = cdata(html)
    _SubElement(node, "{" + CONTENT_NS + "}encoded").text = cdata(html)
    write_explicit(node, item.explicit)
    write_image(node, item.image)
    if item.season is not None:
        _element(node, _PODCAST + "season", str(item.season))
    if item.episode is not None:
        _element(node, _PODCAST + "episode", str(item.episode))
    write_persons(node, item.persons)
    # Issue 4 (rich episodes) fills these three fields; the writers are ready and tested.
    write_transcripts(node, item.transcripts)
    write_chapters(node, item.chapters_url)
    write_soundbites(node, item.soundbites)
