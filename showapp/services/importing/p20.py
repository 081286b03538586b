"""Podcasting 2.0 elements showapp republishes without modelling them (value blocks,
alternate enclosures, location, license, podroll...).

An element is kept as a small tree of plain values: {"tag", "attrs", "text", "children"}, podcast
namespace only. Nothing in it is markup: text and attribute values are plain strings that lxml
escapes when the feed is written, an attribute that names a link keeps only safe schemes, and
a tree is bounded in nodes and characters, so a hostile feed cannot store script or bloat a row.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

# Tags, by where they stand, that are kept as trees (their local names in the podcast
# namespace). What showapp models (guid, locked, funding, person, transcript, chapters,
# soundbite, season, episode, medium, updateFrequency, trailer) is read into columns instead.
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
# Links in these schemes reach nothing but data: no javascript:, data: or vbscript:.
SAFE_SCHEMES = frozenset({"http", "https", "magnet", "ipfs", "ipns", "lightning", "nostr"})
_LINK_ATTRIBUTES = frozenset({"url", "uri", "href", "img", "feedurl", "src"})
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


def _safe_link(value: str) -> bool:
    scheme = urlsplit(value).scheme.lower() if ":" in value else ""
    return scheme in SAFE_SCHEMES


def element_tree(element: Any, is_podcast: Any) -> dict[str, Any] | None:
    """The element as a plain tree, or None when it is too big to keep."""
    return _tree(element, is_podcast, _Budget())


def _tree(element: Any, is_podcast: Any, budget: _Budget) -> dict[str, Any] | None:
    attrs: dict[str, str] = {}
    for name, value in element.attrib.items():
        if name.startswith("{"):
            continue  # attributes in other namespaces (xml:lang...) are not part of the spec
        cleaned = _clean(value)
        if name.lower() in _LINK_ATTRIBUTES and cleaned and not _safe_link(cleaned):
            continue
        attrs[str(name)] = cleaned
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


def unsafe_links(tree: Any) -> list[str]:
    """The links a stored tree holds in a scheme an import would not have kept (a tree from an
    export archive has not been through element_tree): dropped from it, and returned."""
    dropped: list[str] = []
    if not isinstance(tree, dict):
        return dropped
    attrs = tree.get("attrs")
    if isinstance(attrs, dict):
        for name, value in list(attrs.items()):
            if str(name).lower() in _LINK_ATTRIBUTES and not _safe_link(str(value)):
                dropped.append(str(value))
                del attrs[name]
    for child in tree.get("children") or ():
        dropped += unsafe_links(child)
    return dropped
