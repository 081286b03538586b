"""The feed writer on plain values: Podcasting 2.0 writers, feedgen's defects fixed, and
well-formed XML whatever hosts type (a property test over arbitrary Unicode)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from xml.etree import ElementTree

import feedparser
import podcastparser
from feedgen.feed import FeedGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from showapp.models import Episode, EpisodeStatus, EpisodeType, Show, ShowType
from showapp.services.feeds import rss
from showapp.services.feeds import values as feed_values
from showapp.services.feeds.items import Soundbite, Transcript, xml_text
from showapp.services.feeds.podcast_namespace import (
    PODCAST_NS,
    write_chapters,
    write_soundbites,
    write_transcripts,
)

P = "{" + PODCAST_NS + "}"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
BASE = "https://podcast.test"
WHEN = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def _item_node() -> etree._Element:
    root = etree.Element("rss", nsmap={"podcast": PODCAST_NS})
    return etree.SubElement(etree.SubElement(root, "channel"), "item")


def test_transcripts_one_tag_each_with_type_and_language() -> None:
    item = _item_node()
    write_transcripts(item, [
        Transcript("https://x.test/t.vtt", "text/vtt", "en", captions=True),
        Transcript("https://x.test/t.json", "application/json"),
    ])  # fmt: skip
    first, second = item.findall(P + "transcript")
    assert dict(first.attrib) == {"url": "https://x.test/t.vtt", "type": "text/vtt",
                                  "language": "en", "rel": "captions"}  # fmt: skip
    assert dict(second.attrib) == {"url": "https://x.test/t.json", "type": "application/json"}


def test_chapters_points_at_the_json_document() -> None:
    item = _item_node()
    write_chapters(item, "https://x.test/ch.json")
    [chapters] = item.findall(P + "chapters")
    assert chapters.get("url") == "https://x.test/ch.json"
    assert chapters.get("type") == "application/json+chapters"
    empty = _item_node()
    write_chapters(empty, None)
    assert empty.find(P + "chapters") is None


def test_soundbites_in_seconds_with_optional_title() -> None:
    item = _item_node()
    write_soundbites(item, [Soundbite(73.5, 30, "The moment"), Soundbite(600, 15.25)])
    first, second = item.findall(P + "soundbite")
    assert (first.get("startTime"), first.get("duration"), first.text) == (
        "73.5",
        "30",
        "The moment",
    )
    assert (second.get("startTime"), second.get("duration"), second.text) == ("600", "15.25", None)


def _show(**fields: object) -> Show:
    values: dict[str, object] = {
        "slug": "s", "title": "Show", "description": "About", "author": "Ann",
        "owner_name": "Ann", "owner_email": "ann@example.com", "language": "en",
        "category": "Business", "subcategory": "", "explicit": False,
        "show_type": ShowType.EPISODIC, "artwork": "s/cover.jpg?v=2", "copyright": "",
        "website": "", "funding_url": "", "funding_text": "", "podcast_guid": "g",
        "subtitle": "", "new_feed_url": "", "locked": False, "itunes_block": False,
        "complete": False, "medium": "podcast", "update_frequency": "", "update_rrule": "",
        "updated_at": WHEN,
    }  # fmt: skip
    values.update(fields)
    return Show(**values)


def _episode(n: int = 1, **fields: object) -> Episode:
    values: dict[str, object] = {
        "guid": f"guid-{n}", "slug": f"e{n}", "title": f"Episode {n}", "summary": "",
        "notes_md": "Notes", "notes_html": None, "status": EpisodeStatus.PUBLISHED,
        "published_at": WHEN - timedelta(days=n), "audio_file": f"s/e{n}.mp3",
        "audio_bytes": 1000 + n, "audio_mime": "audio/mpeg", "duration_seconds": 61.4,
        "number": n, "season": None, "episode_type": EpisodeType.FULL, "explicit": False,
        "artwork": None,
    }  # fmt: skip
    values.update(fields)
    return Episode(**values)


def test_build_feed_is_pure_and_deterministic() -> None:
    show, episodes = _show(), [_episode(1), _episode(2)]
    assert rss.build_feed(show, episodes, BASE) == rss.build_feed(show, episodes, BASE)


def test_feedgen_defects_are_fixed() -> None:
    show = _show(explicit=True, itunes_block=True, complete=True,
                 new_feed_url="https://new.example.com/feed.xml")  # fmt: skip
    body = rss.build_feed(show, [_episode(1, artwork="s/e1.jpeg", explicit=False)], BASE)
    channel = ElementTree.fromstring(body).find("channel")
    assert channel is not None
    assert channel.findtext(ITUNES + "explicit") == "true"
    # feedgen silently drops artwork URLs that do not end in .jpg/.png
    assert channel.find(ITUNES + "image").get("href") == f"{BASE}/media/s/cover.jpg%3Fv%3D2"  # type: ignore[union-attr]
    item = channel.find("item")
    assert item is not None
    assert item.find(ITUNES + "image").get("href") == f"{BASE}/media/s/e1.jpeg"  # type: ignore[union-attr]
    assert item.findtext(ITUNES + "explicit") == "false"
    assert channel.findtext(ITUNES + "block") == "Yes"
    assert channel.findtext(ITUNES + "complete") == "Yes"
    assert channel.findtext(ITUNES + "new-feed-url") == "https://new.example.com/feed.xml"


def _feedgen_item(guid: str, published: datetime, enclosure: str | None) -> etree._Element:
    entry = FeedGenerator().add_entry()
    entry.guid(guid, permalink=False)
    entry.title("t")
    entry.link(href="https://x.test/e")
    if enclosure:
        entry.enclosure(enclosure, "1", "audio/mpeg")
    entry.published(published)
    node: etree._Element = entry.rss_entry(extensions=False)
    return node


def test_pub_date_is_where_and_as_feedgen_writes_it() -> None:
    # Our extension writes pubDate (feedgen's own formatter switches the process locale).
    plus_two = datetime(2026, 3, 1, 7, 5, 9, tzinfo=timezone(timedelta(hours=2)))
    for episode in [_episode(1), _episode(2, audio_file=None), _episode(3, published_at=plus_two)]:
        body = rss.build_feed(_show(), [episode], BASE)
        ours = etree.fromstring(body).find("channel/item")
        assert ours is not None and episode.published_at is not None
        theirs = _feedgen_item(episode.guid, episode.published_at, episode.audio_file)
        expected = [child.tag for child in theirs]
        assert [child.tag for child in ours][: len(expected)] == expected
        assert ours.findtext("pubDate") == theirs.findtext("pubDate")
    assert ours.findtext("pubDate") == "Sun, 01 Mar 2026 07:05:09 +0200"


def test_cdata_end_marker_in_notes_still_parses() -> None:
    body = rss.build_feed(show=_show(), episodes=[_episode(1, notes_html="<p>a ]]> b</p>")],
                          base_url=BASE)  # fmt: skip
    item = ElementTree.fromstring(body).find("channel/item")
    assert item is not None and item.findtext("description") == "<p>a ]]> b</p>"


def test_an_edited_item_is_rendered_again_and_the_rest_reused() -> None:
    show = _show()
    episodes = [_episode(n) for n in range(1, 4)]
    rss.build_feed(show, episodes, BASE)
    episodes[1].title = "Renamed"
    rebuilt = ElementTree.fromstring(rss.build_feed(show, episodes, BASE))
    titles = [item.findtext("title") for item in rebuilt.iter("item")]
    assert titles == ["Episode 1", "Renamed", "Episode 3"]


hostile_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300
) | st.sampled_from([
    "Tom & Jerry <b>bold</b>", "שלום עולם مرحبا", "🎙️👩🏽‍💻🏳️‍🌈", "\x00\x01\x0b\x1f\ufffe",
    "]]>", "a" * 5000, "&amp; &lt; <![CDATA[x]]>",
])  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=hostile_text, notes=hostile_text, name=hostile_text, description=hostile_text)
def test_any_unicode_makes_a_feed_every_parser_reads(
    title: str, notes: str, name: str, description: str
) -> None:
    show = _show(title=title, description=description, author=name, funding_text=name,
                 funding_url="https://x.test/f", update_frequency=name)  # fmt: skip
    episode = _episode(1, title=title, notes_md=notes, summary=notes)
    body = rss.build_feed(show, [episode], BASE, hosts=[name])
    root = ElementTree.fromstring(body)  # raises on anything not well formed
    item = root.find("channel/item")
    assert item is not None
    assert item.findtext("title") == (xml_text(title) or "Untitled episode")
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    [entry] = podcastparser.parse(BASE + "/s/feed.xml", io.BytesIO(body))["episodes"]
    assert entry["guid"] == "guid-1"


def test_rich_episode_fields_reach_the_item_that_apps_read() -> None:
    """What the issue-4 wiring will pass: plain values on the Item, written by the extension."""
    item = feed_values.item_from_episode(_episode(1), "s", BASE, ())._replace(
        transcripts=(Transcript(f"{BASE}/media/s/e1.vtt", "text/vtt", "en"),),
        chapters_url=f"{BASE}/s/episodes/e1/chapters.json",
        soundbites=(Soundbite(12.5, 30.0, "Best bit"),),
    )
    channel = feed_values.channel_from_show(_show(), BASE, persons=(), last_build=WHEN)
    body = rss.render_feed(channel, [item])
    [entry] = podcastparser.parse(BASE + "/s/feed.xml", io.BytesIO(body))["episodes"]
    assert entry["transcript_url"] == f"{BASE}/media/s/e1.vtt"
    assert entry["chapters_json_url"] == f"{BASE}/s/episodes/e1/chapters.json"
    node = ElementTree.fromstring(body).find("channel/item")
    assert node is not None
    assert node.find(P + "soundbite").get("startTime") == "12.5"  # type: ignore[union-attr]
