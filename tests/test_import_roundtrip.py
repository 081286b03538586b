"""Every real feed in /work/shared/feeds: import, republish, and compare source and republished
feeds item by item with two parsers (feedparser and podcastparser) for GUIDs, enclosures and
durations, and with lxml for every Podcasting 2.0 element. A difference is either a repair or
problem the import report names, or a failure."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import feedparser
import podcastparser
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from lxml import etree

FEEDS = Path("/work/shared/feeds")
PODCAST_URIS = {
    "https://podcastindex.org/namespace/1.0",
    "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
    "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md/",
}
# Item elements whose every attribute and child must come back as they went in.
KEPT_ITEM = ("transcript", "chapters", "value", "alternateEnclosure", "location", "license",
             "socialInteract", "txt", "funding")  # fmt: skip
KEPT_CHANNEL = ("guid", "locked", "funding", "value", "location", "license", "podroll", "txt",
                "medium", "updateFrequency")  # fmt: skip


def _readable(raw: bytes) -> bytes:
    # The two source defects the import repairs and reports (see the feeds' README).
    return raw.lstrip().replace(b"&gtgt;", b"&amp;gtgt;")


def _republished(app: Flask, slug: str) -> bytes:
    with app.test_client().get(f"/{slug}/feed.xml") as response:
        assert response.status_code == 200
        return response.data


def _import(runner: FlaskCliRunner, path: Path) -> tuple[str, str]:
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    slug = re.search(r"Show '([^']+)'", result.output).group(1)  # type: ignore[union-attr]
    return slug, result.output


def _shape(element: Any) -> Any:
    """A P2.0 element as comparable values: local name, attributes, text, children. A URL
    with spaces or non-ASCII characters is compared percent-encoded (a repair the report
    names, checked in _encoded_urls_are_named)."""
    attributes = tuple(
        sorted((k, _encoded(v.strip())) for k, v in element.attrib.items() if "{" not in k)
    )
    children = tuple(_shape(c) for c in element if _is_podcast(c))
    return (etree.QName(element).localname, attributes, (element.text or "").strip(), children)


def _encoded(value: str) -> str:
    if value.isascii() and " " not in value:
        return value
    return quote(value, safe=":/?#[]@!$&'()*+,;=%~")


def _encoded_urls_are_named(root: Any, output: str) -> None:
    for item in root.iter("item"):
        for child in item:
            url = child.get("url", "") if isinstance(child.tag, str) else ""
            if url.strip() and _encoded(url.strip()) != url.strip():
                assert _named(output, (item.findtext("title") or "").strip(), "encoded")


def _is_podcast(element: Any) -> bool:
    return isinstance(element.tag, str) and etree.QName(element).namespace in PODCAST_URIS


def _p20(parent: Any, names: tuple[str, ...]) -> Counter[Any]:
    return Counter(
        _shape(child)
        for child in parent
        if _is_podcast(child) and etree.QName(child).localname in names
    )


def _items_by_guid(root: Any) -> dict[str, Any]:
    items: dict[str, Any] = {}
    for item in root.iter("item"):
        guid = (item.findtext("guid") or "").strip()
        if guid:
            items.setdefault(guid, item)
    return items


def _named(output: str, title: str, *words: str) -> bool:
    """Whether the report has a line about this item saying one of `words`."""
    lines = [line for line in output.splitlines() if title[:60] in line]
    return any(word in line for line in lines for word in words)


@pytest.mark.parametrize("name", sorted(p.name for p in FEEDS.glob("*.xml")))
def test_each_real_feed_republishes_what_it_imported(
    name: str, app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    slug, output = _import(runner, FEEDS / name)
    source_bytes = _readable((FEEDS / name).read_bytes())
    out_bytes = _republished(app, slug)

    # Parser 1, feedparser: GUIDs, enclosures, durations.
    source_fp = feedparser.parse(source_bytes)
    out_fp = feedparser.parse(out_bytes)
    assert not out_fp.bozo, out_fp.bozo_exception
    out_entries = {e.get("id"): e for e in out_fp.entries}
    for entry in source_fp.entries:
        guid, title = entry.get("id", ""), entry.get("title", "")
        if not guid:
            assert _named(output, title, "empty <guid>")
            continue
        again = out_entries.get(guid)
        if again is None:
            assert _named(output, title, "draft", "skipped"), (guid, title)
            continue
        _same_enclosure(entry, again, output, title)
        _same_duration(
            entry.get("itunes_duration", ""), again.get("itunes_duration"), output, title
        )

    # Parser 2, podcastparser: the same, read its way (it needs well-formed XML).
    source_pp = podcastparser.parse("source", io.BytesIO(source_bytes))
    out_pp = podcastparser.parse("republished", io.BytesIO(out_bytes))
    out_episodes = {e["guid"]: e for e in out_pp["episodes"]}
    for episode in source_pp["episodes"]:
        again = out_episodes.get(episode["guid"])
        if again is None:
            assert not episode["guid"] or _named(
                output, episode["title"], "draft", "skipped", "empty <guid>"
            ), episode["guid"]
            continue
        for before, after in zip(episode["enclosures"], again["enclosures"], strict=False):
            if before["url"] != after["url"]:
                assert _named(output, episode["title"], "encoded")
            if before["file_size"] > 0 and before["file_size"] <= 2**31 - 1:
                assert after["file_size"] == before["file_size"]
        if episode["total_time"]:
            assert abs(again["total_time"] - episode["total_time"]) <= 1

    # lxml: every Podcasting 2.0 element, channel and items.
    source_root = etree.fromstring(source_bytes)
    out_root = etree.fromstring(out_bytes)
    source_channel, out_channel = source_root.find("channel"), out_root.find("channel")
    expected = _p20(source_channel, KEPT_CHANNEL)
    if expected.get(_guid_shape(source_channel)) and "podcast:guid" in output:
        expected.pop(_guid_shape(source_channel))
    found = _p20(out_channel, KEPT_CHANNEL)
    missing = expected - found
    assert not missing, missing
    _encoded_urls_are_named(source_root, output)
    out_items = _items_by_guid(out_root)
    given = _person_links(source_root)
    for guid, item in _items_by_guid(source_root).items():
        again = out_items.get(guid)
        if again is None:
            continue
        missing = _p20(item, KEPT_ITEM) - _p20(again, KEPT_ITEM)
        assert not missing, (guid, missing)
        _same_soundbites(item, again)
        _same_persons(item, again, given)
    _no_error_the_source_did_not_have(runner, slug, output)


# What the shared feeds really lack (their README's defects list): the only errors the feed
# check may find in their republished feeds.
SOURCE_DEFECTS = ("no owner e-mail", "has no category", "is not on Apple's category list",
                  "has no file size", "The linked artwork is a GIF")  # fmt: skip


def _no_error_the_source_did_not_have(runner: FlaskCliRunner, slug: str, output: str) -> None:
    check = runner.invoke(args=["feed", "check", slug]).output
    for line in check.splitlines():
        if line.startswith("ERROR"):
            assert any(defect in line for defect in SOURCE_DEFECTS), line
        if "has no file size" in line:
            title = line.split("'")[1]
            assert _named(output, title, "length"), line


def _guid_shape(channel: Any) -> Any:
    for child in channel:
        if _is_podcast(child) and etree.QName(child).localname == "guid":
            return _shape(child)
    return None


def _same_enclosure(entry: Any, again: Any, output: str, title: str) -> None:
    before = [link for link in entry.get("links", []) if link.get("rel") == "enclosure"]
    after = [link for link in again.get("links", []) if link.get("rel") == "enclosure"]
    if not before:
        return
    assert after, title
    first, kept = before[0], after[0]
    if first["href"] != kept["href"]:
        assert _named(output, title, "encoded"), (first["href"], kept["href"])
    if first.get("type", "") != kept.get("type", ""):
        assert _named(output, title, "by its extension", "written as"), (first, kept)
    length = first.get("length", "")
    if length.isdigit() and 0 < int(length) <= 2**31 - 1:
        assert kept.get("length") == length
    else:
        assert _named(output, title, "length"), (title, length)
    if len(before) > 1:
        assert _named(output, title, "enclosures; only the first")


def _same_duration(before: str, after: str | None, output: str, title: str) -> None:
    if not before.strip():
        return
    seconds = _clock(before)
    if seconds:
        assert after is not None and abs(_clock(after) - seconds) <= 1, (title, before, after)
    else:
        assert _named(output, title, "itunes:duration"), (title, before)


def _clock(value: str) -> float:
    total = 0.0
    try:
        for part in value.strip().split(":"):
            total = total * 60 + float(part)
    except ValueError:
        return 0.0
    return total


def _same_soundbites(item: Any, again: Any) -> None:
    def bites(parent: Any) -> set[tuple[float, float, str]]:
        return {
            (float(c.get("startTime")), float(c.get("duration")), (c.text or "").strip())
            for c in parent
            if _is_podcast(c) and etree.QName(c).localname == "soundbite"
        }

    assert bites(item) <= bites(again)


def _person_links(root: Any) -> dict[tuple[str, str], set[str]]:
    """Every img and href the source gives each person, anywhere in the feed."""
    links: dict[tuple[str, str], set[str]] = {}
    for element in root.iter():
        if _is_podcast(element) and etree.QName(element).localname == "person":
            for attribute in ("img", "href"):
                value = element.get(attribute, "").strip()
                key = ((element.text or "").strip(), attribute)
                links.setdefault(key, set()).add(value)
    return links


def _same_persons(item: Any, again: Any, given: dict[tuple[str, str], set[str]]) -> None:
    """Each person comes back, with an img and href the feed gave them (a person is one
    guest here, so one photo and link, though a feed may vary them from item to item)."""

    def people(parent: Any) -> dict[str, Any]:
        return {
            (c.text or "").strip(): c
            for c in parent
            if _is_podcast(c) and etree.QName(c).localname == "person" and (c.text or "").strip()
        }

    before, after = people(item), people(again)
    assert set(before) <= set(after)
    for name, person in before.items():
        for attribute in ("img", "href"):
            value = person.get(attribute, "").strip()
            if value.startswith(("http://", "https://")):
                assert after[name].get(attribute) in given[name, attribute], (name, attribute)
