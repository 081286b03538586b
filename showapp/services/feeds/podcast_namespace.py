"""Our one feedgen extension: the Podcasting 2.0 namespace, plus feedgen's defects fixed here once.

feedgen 1.0 writes itunes:explicit as yes/no (Apple documents true/false), entity-escapes HTML
instead of using CDATA, and silently drops artwork URLs not ending in .jpg/.png. This extension
writes those tags itself, so no call site has to remember.

The item writers (`write_numbers`, `write_transcripts`, `write_chapters`, `write_soundbites`,
`write_persons`) take plain values and are tested on their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

from showapp.services.feeds.items import (
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
# Tags in Clark notation, built once rather than per item.
_CONTENT_ENCODED = "{" + CONTENT_NS + "}encoded"
_ITUNES_EXPLICIT = _ITUNES + "explicit"
_ITUNES_IMAGE = _ITUNES + "image"
_ITUNES_DURATION = _ITUNES + "duration"
_ITUNES_SUMMARY = _ITUNES + "summary"
_ITUNES_SEASON = _ITUNES + "season"
_ITUNES_EPISODE = _ITUNES + "episode"
_ITUNES_EPISODE_TYPE = _ITUNES + "episodeType"
_ITUNES_BLOCK = _ITUNES + "block"
_ITUNES_TITLE = _ITUNES + "title"
_PODCAST_PERSON = _PODCAST + "person"
_PODCAST_SEASON = _PODCAST + "season"
_PODCAST_EPISODE = _PODCAST + "episode"
_UNSEEN = object()


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
    _SubElement(parent, _ITUNES_EXPLICIT).text = "true" if explicit else "false"


def write_image(parent: Any, url: str | None) -> None:
    # feedgen drops URLs like cover.jpeg or cover.jpg?v=2 without a word; we keep them.
    if url:
        _SubElement(parent, _ITUNES_IMAGE, href=url)


def write_persons(
    parent: Any, persons: Iterable[Person], made: dict[Person, Any] | None = None
) -> None:
    """A podcast:person per person with a name. `made` keeps each person's element for the
    other items of the same feed: copying one costs a quarter of building it attribute by
    attribute, and a feed credits the same hosts and guests again and again. A person's first
    element goes in itself; later ones are copies of it."""
    made = {} if made is None else made
    for person in persons:
        element = made.get(person, _UNSEEN)
        if element is _UNSEEN:
            element = made[person] = _person_element(person)
            if element is not None:
                parent.append(element)
        elif element is not None:
            parent.append(element.__copy__())


def _person_element(person: Person) -> Any:
    name = xml_text(person.name)[:128]
    if not name:
        return None
    attributes = {"role": person.role, "group": person.group}
    if person.img:
        attributes["img"] = person.img
    if person.href:
        attributes["href"] = person.href
    # Declaring the prefix on the element itself makes copies cheaper (nothing to reconcile);
    # inside the feed the declaration is dropped for the one on <rss>.
    element = etree.Element(_PODCAST_PERSON, attributes, nsmap={"podcast": PODCAST_NS})
    element.text = name
    return element


def write_numbers(
    parent: Any, season: int | None, season_name: str, episode: str, display: str
) -> None:
    """podcast:season (its name, at most 128 characters, if any) and podcast:episode, a
    decimal number ("12.5"; its display, at most 32 characters, if any)."""
    if season is not None:
        named = {"name": season_name[:128]} if season_name else {}
        _element(parent, _PODCAST_SEASON, str(season), **named)
    if episode:
        shown = {"display": display[:32]} if display else {}
        _element(parent, _PODCAST_EPISODE, episode, **shown)


def write_transcripts(parent: Any, transcripts: Iterable[Transcript]) -> None:
    """One podcast:transcript per file, e.g. Transcript(url, "text/vtt", "en")."""
    for transcript in transcripts:
        attributes = {"url": xml_text(transcript.url), "type": xml_text(transcript.mime)}
        if transcript.language:
            attributes["language"] = xml_text(transcript.language)
        if transcript.captions:
            attributes["rel"] = "captions"
        _element(parent, _PODCAST + "transcript", **attributes)


def write_chapters(parent: Any, url: str | None, mime: str = "application/json+chapters") -> None:
    """podcast:chapters pointing at a JSON chapters document (ours, or an imported one)."""
    if url:
        _element(parent, _PODCAST + "chapters", url=xml_text(url), type=xml_text(mime))


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
        attributes = {"url": trailer.url, "pubdate": rfc2822(trailer.published)}
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
    if channel.itunes_title:
        _element(node, _ITUNES_TITLE, channel.itunes_title)
    if channel.hub_url:
        _element(node, "{" + ATOM_NS + "}link", rel="hub", href=channel.hub_url)
    if channel.new_feed_url:
        _element(node, _ITUNES + "new-feed-url", channel.new_feed_url)
    if channel.block:
        _element(node, _ITUNES_BLOCK, "Yes")
    if channel.complete:
        _element(node, _ITUNES + "complete", "Yes")
    _write_podcast_channel(node, channel)


def _write_podcast_channel(node: Any, channel: Channel) -> None:
    _element(node, _PODCAST + "guid", channel.podcast_guid)
    owner = channel.locked_owner or channel.owner_email
    locked = {"owner": owner} if owner else {}
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
    write_kept(node, channel.podcast_extras)


def write_kept(parent: Any, trees: Iterable[Any]) -> None:
    """Podcasting 2.0 elements an import kept as plain trees (importing/p20.py), written back
    as they came: value blocks, alternate enclosures, location, license and the like."""
    for tree in trees:
        _write_tree(parent, tree)


def _write_tree(parent: Any, tree: Any) -> None:
    if not isinstance(tree, dict) or not isinstance(tree.get("tag"), str):
        return
    attributes = {str(k): xml_text(str(v)) for k, v in (tree.get("attrs") or {}).items()}
    try:
        node = _SubElement(parent, _PODCAST + tree["tag"], attributes)
    except ValueError:  # a name lxml refuses: the element is dropped, never the feed
        return
    if tree.get("text"):
        node.text = xml_text(str(tree["text"]))
    for child in tree.get("children") or ():
        _write_tree(node, child)


class ShowappEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Writes everything of an item beyond feedgen's title, link, guid and enclosure: feedgen's
    own podcast extension would cost a second extension per entry for four itunes tags."""

    def __init__(self) -> None:
        self.item: Item | None = None
        # The feed's, set with the item (see ItemTemplates).
        self.templates: ItemTemplates | None = None

    def extend_rss(self, entry: Any) -> Any:
        if self.item is not None:
            _write_item(entry, self.item, self.templates or ItemTemplates())
        return entry


class ItemTemplates:
    """Elements one feed builds once and copies into each of its items: copying a subtree is a
    single C call, where building an element costs a Python call, a namespace lookup and a
    proxy object each. One per feed: lxml elements are not to be shared between threads."""

    def __init__(self) -> None:
        self.persons: dict[Person, Any] = {}
        self._runs: dict[tuple[str, ...], Any] = {}

    def append_run(self, parent: Any, texts: list[tuple[str, Any]]) -> None:
        """One element per (tag, text), in order."""
        if not texts:
            return
        tags = tuple([tag for tag, _text in texts])
        template = self._runs.get(tags)
        if template is None:
            template = self._runs[tags] = etree.Element("run", nsmap=NAMESPACES)
            for tag in tags:
                _SubElement(template, tag)
        children = list(template.__copy__())
        for child, (_tag, text) in zip(children, texts, strict=True):
            child.text = text
        parent.extend(children)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPISODE_TYPES = frozenset({"full", "trailer", "bonus"})


def rfc2822(moment: datetime) -> str:
    """An aware datetime as feedgen writes <pubDate>: English names and a numeric zone, without
    feedgen's two setlocale calls per item (a tenth of a render) or email.utils' time tuples."""
    # One %-format is half the cost of an f-string with eight format specs.
    return "%s, %02d %s %04d %02d:%02d:%02d %s" % (  # noqa: UP031
        _DAYS[moment.weekday()], moment.day, _MONTHS[moment.month - 1], moment.year,
        moment.hour, moment.minute, moment.second, _zone(moment.utcoffset()),
    )  # fmt: skip


def _zone(offset: timedelta | None) -> str:
    if not offset:
        return "+0000"
    hours, minutes = divmod(abs(round(offset.total_seconds())) // 60, 60)
    return f"{'-' if offset < timedelta(0) else '+'}{hours:02d}{minutes:02d}"


def _write_item(node: Any, item: Item, templates: ItemTemplates) -> None:
    # feedgen's item ends with its guid or enclosure, right where feedgen itself puts pubDate.
    html = notes_cdata(item.html)
    run = [
        ("pubDate", rfc2822(item.published)),
        *_itunes_texts(item),
        ("description", html),
        (_CONTENT_ENCODED, html),
        (_ITUNES_EXPLICIT, "true" if item.explicit else "false"),
    ]
    if item.image:
        templates.append_run(node, run)
        write_image(node, item.image)
        run = []
    episode = item.podcast_episode or ("" if item.episode is None else str(item.episode))
    if (item.season_name and item.season is not None) or (item.episode_display and episode):
        templates.append_run(node, run)  # elements with attributes go in one by one
        run = []
        write_numbers(node, item.season, item.season_name, episode, item.episode_display)
    else:
        if item.season is not None:
            run.append((_PODCAST_SEASON, str(item.season)))
        if episode:
            run.append((_PODCAST_EPISODE, episode))
    templates.append_run(node, run)
    write_persons(node, item.persons, templates.persons)
    if item.transcripts:
        write_transcripts(node, item.transcripts)
    if item.chapters_url:
        write_chapters(node, item.chapters_url, item.chapters_type)
    if item.soundbites:
        write_soundbites(node, item.soundbites)
    if item.podcast_extras:
        write_kept(node, item.podcast_extras)


def notes_cdata(html: str) -> Any:
    """The notes as cdata() of xml_text(html), running the regex only when lxml refuses the
    text: lxml rejects exactly the characters xml_text removes (tests/test_feed_render.py
    checks every code point), so clean notes skip a scan of their whole length."""
    text = html.strip()
    if "]]>" not in text:
        try:
            return etree.CDATA(text)
        except ValueError:
            pass
    return cdata(xml_text(html))


def _itunes_texts(item: Item) -> list[tuple[str, str]]:
    """The tags, order and rules of feedgen's podcast entry extension (zero season and episode
    numbers are left out, as Apple wants non-zero ones). Apple reads only "Yes" in itunes:block,
    so a visible episode writes none."""
    texts = []
    if item.block:
        texts.append((_ITUNES_BLOCK, "Yes"))
    if item.duration is not None and item.duration >= 0:
        texts.append((_ITUNES_DURATION, str(item.duration)))
    if item.summary:
        texts.append((_ITUNES_SUMMARY, item.summary))
    if item.season:
        texts.append((_ITUNES_SEASON, str(item.season)))
    if item.episode:
        texts.append((_ITUNES_EPISODE, str(item.episode)))
    if item.itunes_title:
        texts.append((_ITUNES_TITLE, item.itunes_title))
    if item.episode_type in _EPISODE_TYPES:
        texts.append((_ITUNES_EPISODE_TYPE, item.episode_type))
    return texts
