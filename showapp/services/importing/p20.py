"""Podcasting 2.0 elements showapp republishes without modelling them (value blocks,
alternate enclosures, location, license, podroll...).

An element is kept as a small tree of plain values: {"tag", "attrs", "text", "children"}, podcast
namespace only. Nothing in it is markup: text and attribute values are plain strings that lxml
escapes when the feed is written, and a tree is bounded in nodes and characters, so a hostile
feed cannot store script or bloat a row. Links are screened before a tree is stored
(drop_unsafe, by the importer for feeds and archives alike), so that each one dropped is named
in the report.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

# Tags, by where they stand, that are kept as trees (their local names in the podcast
# namespace). What showapp models (guid, locked, funding, person, transcript, chapters,
# soundbite, season, episode, medium, updateFrequency, trailer) is read into columns instead,
# but for the channel's podcast:person: the importer makes each a tree of its name, role,
# group, img and href (PERSON), which the feed writes with the show's hosts.
CHANNEL_TAGS = frozenset(
    {"value", "location", "license", "podroll", "txt", "images", "block", "remoteItem",
     "publisher", "chat", "socialInteract", "complete"}
)  # fmt: skip
ITEM_TAGS = frozenset(
    {"value", "alternateEnclosure", "location", "license", "socialInteract", "txt", "images",
     "chat", "contentLink", "funding"}
)  # fmt: skip
MAX_NODES = 500
MAX_CHARS = 64 * 1024
PERSON = "person"
# Links in these schemes reach nothing but data: no javascript:, data: or vbscript:.
SAFE_SCHEMES = frozenset({"http", "https", "magnet", "ipfs", "ipns", "lightning", "nostr"})
# A person's photo and page are shown and linked as a guest's are: web addresses only.
_WEB_SCHEMES = frozenset({"http", "https"})
_PERSON_LINKS = frozenset({"img", "href"})
# Attributes that hold a link, by name or by a name ending so (feedUrl, accountUrl, embedUrl).
_LINK_ATTRIBUTES = frozenset({"url", "uri", "href", "img", "src"})
_LINK_SUFFIXES = ("url", "uri")
# Schemes that run code where a page or an app turns any attribute into a link.
_SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "data"})
# podcast:chat server is a host name ("irc.zeronode.net", a port may follow).
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?")
# A srcset candidate: its URL runs to the next whitespace (CDN URLs hold commas), and any
# descriptors after it ("2x", "512w") to the next comma.
_SRCSET_URL = re.compile(r"[\s,]*([^\s,]\S*)")
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0
        self.chars = 0

    def take(self, text: str) -> bool:
        self.nodes += 1
        self.chars += len(text)
        return self.nodes <= MAX_NODES and self.chars <= MAX_CHARS


def _clean(value: str | None) -> str:
    return _NOT_XML.sub("", value or "").strip()


def _scheme(value: str) -> str:
    # urlsplit drops the tabs, newlines and leading controls a browser ignores ("java\tscript:").
    return urlsplit(value).scheme.lower() if ":" in value else ""


def _safe_link(value: str) -> bool:
    return _scheme(value) in SAFE_SCHEMES


def _srcset_urls(value: str) -> list[str]:
    found: list[str] = []
    position = 0
    while (match := _SRCSET_URL.match(value, position)) is not None:
        url, position = match.group(1), match.end()
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            comma = value.find(",", position)
            position = len(value) if comma < 0 else comma + 1
        found.append(url)
    return found


def safe_attribute(name: str, value: str) -> bool:
    """Whether a kept element's attribute may go back into our feed: a link (url, uri, href,
    img, src, *Url, *Uri and each srcset candidate) in a safe scheme, a chat server that is a
    host name, a location's geo that is a geo: URI, and nothing else in a script scheme."""
    lowered = name.lower()
    if not value:
        return True
    if lowered == "srcset":
        return all(_safe_link(url) for url in _srcset_urls(value))
    if lowered == "server":
        return bool(_HOST.fullmatch(value)) or _safe_link(value)
    if lowered == "geo":
        return _scheme(value) == "geo"
    if lowered in _LINK_ATTRIBUTES or lowered.endswith(_LINK_SUFFIXES):
        return _safe_link(value)
    return _scheme(value) not in _SCRIPT_SCHEMES


def element_tree(element: Any, is_podcast: Any) -> dict[str, Any] | None:
    """The element as a plain tree, or None when it is too big to keep. Its links are as the
    feed gave them: drop_unsafe screens them before the tree is stored."""
    return _tree(element, is_podcast, _Budget())


def _tree(element: Any, is_podcast: Any, budget: _Budget) -> dict[str, Any] | None:
    attrs: dict[str, str] = {}
    for name, value in element.attrib.items():
        if name.startswith("{"):
            continue  # attributes in other namespaces (xml:lang...) are not part of the spec
        attrs[str(name)] = _clean(value)
    text = _clean(element.text)
    if not budget.take(text + "".join(attrs.values()) + "".join(attrs)):
        return None
    children = []
    for child in element:
        if isinstance(child.tag, str) and is_podcast(child):
            found = _tree(child, is_podcast, budget)
            if found is None:
                return None
            children.append(found)
    tree: dict[str, Any] = {"tag": etree.QName(element).localname, "attrs": attrs}
    if text:
        tree["text"] = text
    if children:
        tree["children"] = children
    return tree


def _allowed(tag: Any, name: str, value: str) -> bool:
    if tag == PERSON and name in _PERSON_LINKS and value:
        return _scheme(value) in _WEB_SCHEMES
    return safe_attribute(name, value)


def drop_unsafe(tree: Any) -> list[tuple[str, str]]:
    """Drops from a tree (from element_tree, or from an export archive) each attribute that
    safe_attribute refuses, and a person's img or href that is not http(s); returns them as
    ("podcast:chat server", value)."""
    dropped: list[tuple[str, str]] = []
    if not isinstance(tree, dict):
        return dropped
    attrs = tree.get("attrs")
    if isinstance(attrs, dict):
        for name, value in list(attrs.items()):
            if not _allowed(tree.get("tag"), str(name), str(value)):
                dropped.append((f"podcast:{tree.get('tag')} {name}", str(value)))
                del attrs[name]
    for child in tree.get("children") or ():
        dropped += drop_unsafe(child)
    return dropped


def unsafe_links(tree: Any) -> list[str]:
    """The values drop_unsafe drops from the tree."""
    return [value for _where, value in drop_unsafe(tree)]
