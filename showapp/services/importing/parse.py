"""Read an RSS podcast feed as hostile input, in bounded memory.

lxml's iterparse with entity expansion, DTD loading and network access all off, so a feed can
neither read a local file (XXE) nor make a connection nor blow up memory (billion laughs), and
huge_tree stays off so libxml2 keeps its depth and text-size limits. Every item element is
cleared as soon as it is read, so memory does not grow with the number of episodes.

Parsing keeps raw strings; showapp.services.importing.mapping decides what they mean.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin

from lxml import etree

from showapp.errors import InvalidInput
from showapp.services.importing import p20

log = logging.getLogger(__name__)

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
ATOM_NS = "http://www.w3.org/2005/Atom"
# Feeds in the wild use the spec's home and the GitHub address of its 1.0 document.
PODCAST_NAMESPACES = frozenset(
    {
        "https://podcastindex.org/namespace/1.0",
        "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
        "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md/",
    }
)
PREFIXES = {ITUNES_NS: "itunes", CONTENT_NS: "content", ATOM_NS: "atom"}
PREFIXES.update({namespace: "podcast" for namespace in PODCAST_NAMESPACES})
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
# A show credits a few people at channel level; hundreds would be a payload, not credits.
MAX_CHANNEL_PERSONS = 50


class FeedError(InvalidInput):
    """The source is not an RSS feed showapp can read."""


@dataclass
class Person:
    name: str
    role: str
    group: str
    href: str
    img: str = ""


@dataclass
class FeedItem:
    line: int
    title: str = ""
    guid: str = ""
    link: str = ""
    description: str = ""
    content_encoded: str = ""
    summary: str = ""
    subtitle: str = ""
    pub_date: str = ""
    duration: str = ""
    season: str = ""
    season_name: str = ""  # podcast:season's name attribute
    number: str = ""  # itunes:episode, a whole number
    podcast_episode: str = ""  # podcast:episode, a decimal number
    episode_display: str = ""  # podcast:episode's display attribute
    episode_type: str = ""
    explicit: str = ""
    itunes_title: str = ""
    itunes_block: str = ""
    image: str = ""
    enclosure: dict[str, str] = field(default_factory=dict)
    keywords: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    transcripts: list[dict[str, str]] = field(default_factory=list)
    chapters: dict[str, str] = field(default_factory=dict)
    soundbites: list[dict[str, str]] = field(default_factory=list)
    # xml:base in force for the item (from <rss>, <channel> and the item itself), if any.
    base: str = ""
    enclosure_count: int = 0
    podcast_extras: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FeedChannel:
    title: str = ""
    link: str = ""
    self_link: str = ""
    description: str = ""
    summary: str = ""
    subtitle: str = ""
    author: str = ""
    owner_name: str = ""
    owner_email: str = ""
    language: str = ""
    copyright: str = ""
    explicit: str = ""
    show_type: str = ""
    itunes_image: str = ""
    rss_image: str = ""
    categories: list[tuple[str, str]] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    podcast_guid: str = ""
    funding_url: str = ""
    funding_text: str = ""
    new_feed_url: str = ""
    locked: str = ""
    locked_owner: str = ""
    medium: str = ""
    update_frequency: str = ""
    update_rrule: str = ""
    itunes_block: str = ""
    itunes_complete: str = ""
    itunes_title: str = ""
    xml_base: str = ""
    podcast_extras: list[dict[str, Any]] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)  # the first MAX_CHANNEL_PERSONS
    person_count: int = 0
    item_count: int = 0
    recovered: bool = False
    warnings: list[str] = field(default_factory=list)


_STRAY_AMPERSAND = re.compile(rb"&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
_CARRY = 16  # longer than any predefined or numeric entity reference
# Byte-order marks (UTF-8, UTF-16 LE, UTF-16 BE), and whitespace as UTF-16 writes it.
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_SPACES_LE = (b" \x00", b"\t\x00", b"\r\x00", b"\n\x00")
_SPACES_BE = (b"\x00 ", b"\x00\t", b"\x00\r", b"\x00\n")


def _without_leading_space(data: bytes) -> bytes:
    """`data` without the whitespace between its byte-order mark (kept) and its first markup,
    in UTF-8 or UTF-16 (either order, with or without a mark)."""
    bom = next((mark for mark in _BOMS if data.startswith(mark)), b"")
    body = data[len(bom) :]
    if bom == _BOMS[1] or (not bom and body[:2] in _SPACES_LE):
        spaces = _SPACES_LE
    elif bom == _BOMS[2] or (not bom and body[:2] in _SPACES_BE):
        spaces = _SPACES_BE
    else:
        return bom + body.lstrip(b" \t\r\n")
    while body[:2] in spaces:
        body = body[2:]
    return bom + body


class _Repairing:
    """A file wrapper for the two defects we repair, each a known publishing bug.

    Always: whitespace before the XML declaration (XML forbids it; the rest is fine), after
    a byte-order mark too.
    In lenient mode only: a '&' that starts no predefined or numeric entity (such as
    `&gtgt;`) is read as a literal '&amp;'. That cannot expand anything, and it is the only
    change made; any other error still fails the import.
    """

    def __init__(self, stream: BinaryIO, lenient: bool) -> None:
        self._stream = stream
        self._lenient = lenient
        self._started = False
        self._carry = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size if size > 0 else 65536)
        if not self._started:
            chunk = _without_leading_space(chunk)
            # Read on until markup shows: four bytes hold a mark and a whole UTF-16 unit.
            while len(chunk) < 4:
                more = self._stream.read(size if size > 0 else 65536)
                if not more:
                    break
                chunk = _without_leading_space(chunk + more)
            self._started = True
        if not self._lenient:
            return chunk
        data = self._carry + chunk
        if chunk:
            # Hold back a possible reference cut in two by the chunk boundary.
            cut = data.rfind(b"&", max(0, len(data) - _CARRY))
            data, self._carry = (data[:cut], data[cut:]) if cut >= 0 else (data, b"")
        else:
            self._carry = b""
        repaired = _STRAY_AMPERSAND.sub(b"&amp;", data)
        return repaired if repaired or not chunk else self.read(size)


def _events(path: Path, lenient: bool, tag: str | None = None) -> Iterator[tuple[str, Any]]:
    with path.open("rb") as raw:
        stream = _Repairing(raw, lenient)
        parser = etree.iterparse(
            stream,
            events=("end",),
            tag=tag,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        yield from parser


def key(element: Any) -> str:
    """'itunes:image', 'podcast:person', 'title'... for the namespaces we read; '' otherwise."""
    if not isinstance(element.tag, str):
        return ""
    qname = etree.QName(element)
    if qname.namespace is None:
        return str(qname.localname)
    prefix = PREFIXES.get(qname.namespace)
    return f"{prefix}:{qname.localname}" if prefix else ""


def is_podcast(element: Any) -> bool:
    return isinstance(element.tag, str) and etree.QName(element).namespace in PODCAST_NAMESPACES


def xml_base(element: Any) -> str:
    """The xml:base in force at `element`: each ancestor's, resolved against the one above."""
    chain = [element, *element.iterancestors()]
    base = ""
    for node in reversed(chain):
        value = (node.get(XML_BASE) or "").strip()
        if value:
            base = urljoin(base, value) if base else value
    return base


def text_of(element: Any) -> str:
    """The element's text; markup left unescaped inside it is kept as markup (sanitised later)."""
    parts: list[str] = [str(element.text or "")]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(str(etree.tostring(child, encoding="unicode", with_tail=False)))
        parts.append(str(child.tail or ""))
    return "".join(parts).strip()


def _release(element: Any) -> None:
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def read_channel(path: Path) -> FeedChannel:
    """First pass: check the feed parses, read channel metadata, count items.

    If the strict parse fails only on an undefined entity reference, retry once in lenient
    mode (stray '&' read as text, see _Repairing): the import goes on and the report says
    the feed is damaged. Any other defect, including entities that expand too much, fails
    with the parser's message.
    """
    try:
        return _read_channel(path, lenient=False)
    except etree.XMLSyntaxError as error:
        cause = _cause(error)
        if cause is None or cause.type_name != "ERR_UNDECLARED_ENTITY":
            raise FeedError(f"The feed is not well-formed XML: {_describe(error)}") from error
        reason = _describe(error)
        log.warning("feed is not well-formed, reading it leniently: %s", reason)
        try:
            channel = _read_channel(path, lenient=True)
        except etree.XMLSyntaxError as second:
            raise FeedError(f"The feed is not well-formed XML: {_describe(second)}") from second
        channel.recovered = True
        channel.warnings.append(
            f"The feed is not well-formed XML ({reason}); it was read leniently, with each "
            "stray '&' taken as text."
        )
        return channel


def _cause(error: etree.XMLSyntaxError) -> Any:
    # iterparse raises with its last complaint ("Start tag expected" once the input is
    # abandoned); the fatal error before that is the real cause.
    fatal = [
        entry
        for entry in error.error_log
        if entry.level_name == "FATAL" and entry.type_name != "ERR_DOCUMENT_EMPTY"
    ]
    return fatal[-1] if fatal else None


def _describe(error: etree.XMLSyntaxError) -> str:
    cause = _cause(error)
    return f"line {cause.line}: {cause.message}" if cause is not None else str(error)


def _read_channel(path: Path, lenient: bool) -> FeedChannel:
    channel = FeedChannel()
    root_seen = ""
    for _event, element in _events(path, lenient):
        name = key(element)
        parent = element.getparent()
        if name == "item":
            channel.item_count += 1
            _release(element)
            continue
        if parent is not None and key(parent) == "channel":
            _channel_field(channel, name, element)
        elif parent is None:
            root_seen = name
        if name == "channel":
            channel.xml_base = xml_base(element)
    if root_seen != "rss":
        raise FeedError(
            f"This is not an RSS feed (the document is <{root_seen or 'unknown'}>); "
            "showapp imports RSS 2.0 podcast feeds."
        )
    return channel


def _channel_field(channel: FeedChannel, name: str, element: Any) -> None:
    simple = {
        "title": "title", "link": "link", "description": "description",
        "itunes:summary": "summary", "itunes:subtitle": "subtitle", "itunes:author": "author",
        "language": "language", "copyright": "copyright", "itunes:explicit": "explicit",
        "itunes:type": "show_type", "podcast:guid": "podcast_guid",
        "itunes:new-feed-url": "new_feed_url", "itunes:title": "itunes_title",
    }  # fmt: skip
    if name in simple and not getattr(channel, simple[name]):
        setattr(channel, simple[name], text_of(element))
    elif name == "itunes:image" and not channel.itunes_image:
        channel.itunes_image = (element.get("href") or element.text or "").strip()
    elif name == "image":
        channel.rss_image = next((text_of(c) for c in element if key(c) == "url"), "")
    elif name == "atom:link" and element.get("rel") == "self":
        channel.self_link = (element.get("href") or "").strip()
    elif name == "itunes:owner":
        for child in element:
            if key(child) == "itunes:name":
                channel.owner_name = text_of(child)
            elif key(child) == "itunes:email":
                channel.owner_email = text_of(child)
    elif name == "itunes:category":
        sub = next((c.get("text", "") for c in element if key(c) == "itunes:category"), "")
        channel.categories.append((element.get("text", "").strip(), sub.strip()))
    elif name == "itunes:keywords":
        channel.keywords = split_keywords(text_of(element))
    elif name == "podcast:funding" and not channel.funding_url:
        channel.funding_url = (element.get("url") or "").strip()
        channel.funding_text = text_of(element)
    elif name == "podcast:funding":
        _keep(channel.podcast_extras, element)  # a second funding link goes out as it came
    elif name == "podcast:locked":
        channel.locked = text_of(element)
        channel.locked_owner = (element.get("owner") or "").strip()
    elif name in ("podcast:medium", "itunes:block", "itunes:complete"):
        attribute = {"podcast:medium": "medium", "itunes:block": "itunes_block",
                     "itunes:complete": "itunes_complete"}[name]  # fmt: skip
        setattr(channel, attribute, text_of(element))
    elif name == "podcast:updateFrequency":
        channel.update_frequency = text_of(element)
        channel.update_rrule = (element.get("rrule") or "").strip()
    elif name == "podcast:person" and text_of(element):
        channel.person_count += 1
        if len(channel.persons) < MAX_CHANNEL_PERSONS:
            channel.persons.append(_person(element))
    elif name.startswith("podcast:") and name[8:] in p20.CHANNEL_TAGS:
        _keep(channel.podcast_extras, element)


def _keep(trees: list[dict[str, Any]], element: Any) -> None:
    tree = p20.element_tree(element, is_podcast)
    if tree is not None:
        trees.append(tree)


def split_keywords(value: str) -> list[str]:
    return [word.strip() for word in value.split(",") if word.strip()]


def read_items(path: Path, lenient: bool) -> Iterator[FeedItem]:
    """Second pass: every <item>, in document order, each released once read."""
    for _event, element in _events(path, lenient, tag="item"):
        parent = element.getparent()
        if parent is None or key(parent) != "channel":
            continue
        item = FeedItem(line=element.sourceline or 0, base=xml_base(element))
        for child in element:
            _item_field(item, key(child), child)
        _release(element)
        yield item


_ITEM_TEXT = {
    "title": "title", "guid": "guid", "link": "link", "description": "description",
    "content:encoded": "content_encoded", "itunes:summary": "summary",
    "itunes:subtitle": "subtitle", "pubDate": "pub_date", "itunes:duration": "duration",
    "itunes:season": "season", "podcast:season": "season", "itunes:episode": "number",
    "itunes:episodeType": "episode_type",
    "itunes:explicit": "explicit", "itunes:title": "itunes_title", "itunes:block": "itunes_block",
}  # fmt: skip


def _item_field(item: FeedItem, name: str, element: Any) -> None:
    if name in _ITEM_TEXT:
        if not getattr(item, _ITEM_TEXT[name]):
            setattr(item, _ITEM_TEXT[name], text_of(element))
        if name == "podcast:season" and not item.season_name:
            item.season_name = (element.get("name") or "").strip()
    elif name == "podcast:episode" and not item.podcast_episode:
        item.podcast_episode = text_of(element)
        item.episode_display = (element.get("display") or "").strip()
    elif name == "enclosure":
        item.enclosure_count += 1
        if not item.enclosure:
            item.enclosure = {k: (element.get(k) or "").strip() for k in ("url", "length", "type")}
    elif name == "itunes:image" and not item.image:
        item.image = (element.get("href") or "").strip()
    elif name == "itunes:keywords":
        item.keywords.extend(split_keywords(text_of(element)))
    elif name == "category":
        item.categories.append(text_of(element))
    elif name == "podcast:person" and text_of(element):
        item.persons.append(_person(element))
    elif name == "podcast:transcript":
        item.transcripts.append(_attributes(element, ("url", "type", "language", "rel")))
    elif name == "podcast:chapters":
        item.chapters = _attributes(element, ("url", "type"))
    elif name == "podcast:soundbite":
        bite = _attributes(element, ("startTime", "duration"))
        item.soundbites.append({**bite, "title": text_of(element)})
    elif name.startswith("podcast:") and name[8:] in p20.ITEM_TAGS:
        _keep(item.podcast_extras, element)


def _person(element: Any) -> Person:
    return Person(
        name=text_of(element),
        role=(element.get("role") or "host").strip(),
        group=(element.get("group") or "cast").strip(),
        href=(element.get("href") or "").strip(),
        img=(element.get("img") or "").strip(),
    )


def _attributes(element: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {name: element.get(name).strip() for name in names if element.get(name)}
