"""What an import lets through from a hostile or sloppy feed: links in kept Podcasting 2.0
elements, the language and categories, the show's description, titles, and a feed that starts
with a byte-order mark and whitespace. Each case is imported through the CLI, then checked in
the stored rows, the import's report and the app's own feed, parsed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode, Show
from showapp.services.importing import p20
from showapp.services.importing.parse import _Repairing

PODCAST = "https://podcastindex.org/namespace/1.0"
NS = {
    "p": "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
}
ENCLOSURE = '<enclosure url="https://cdn.example.com/{}.mp3" length="10" type="audio/mpeg"/>'
SLUG = "sane"


def _feed(channel: str, items: str = "", title: str = "Sane") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        f'xmlns:podcast="{PODCAST}"><channel><title>{title}</title>'
        f"<link>https://old.example.com/</link>{channel}{items}</channel></rss>"
    )


def _item(guid: str, extra: str = "", title: str = "") -> str:
    return (
        f"<item><title>{title or guid}</title><guid>{guid}</guid>"
        f"<pubDate>Mon, 02 Jan 2023 10:00:00 +0000</pubDate>{ENCLOSURE.format(guid)}{extra}</item>"
    )


def _import(runner: FlaskCliRunner, path: Path) -> str:
    result = runner.invoke(args=["import", str(path), "--show", SLUG])
    assert result.exit_code == 0, result.output
    return result.output


def _republished(app: Flask) -> etree._Element:
    with app.test_client().get(f"/{SLUG}/feed.xml") as response:
        assert response.status_code == 200
        return etree.fromstring(response.data)


def test_kept_podcast_elements_carry_no_unsafe_link(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    cdn = "https://img.example.com/w_100,h_100/a.jpg"  # a resizing CDN's URL holds commas
    channel = (
        "<description>d</description>"
        '<podcast:images srcset="javascript:alert(1) 1x, https://ok.example/a.jpg 2x"/>'
        f'<podcast:images srcset="{cdn} 100w, https://img.example.com/b.jpg 200w"/>'
        '<podcast:chat server="javascript:alert(2)" protocol="irc" space="#show"/>'
        '<podcast:chat server="irc.zeronode.net" protocol="irc" space="#show"'
        ' embedUrl="JaVa&#9;script:alert(3)"/>'
        '<podcast:socialInteract protocol="activitypub" uri="https://social.example/1"'
        ' accountUrl="javascript:alert(4)"/>'
        '<podcast:podroll><podcast:remoteItem feedGuid="abc" feedUrl="javascript:alert(5)"/>'
        '<podcast:remoteItem feedGuid="def" feedUrl="https://feeds.example.com/x"/>'
        "</podcast:podroll>"
        '<podcast:location geo="javascript:alert(6)" osm="R1">Place</podcast:location>'
        '<podcast:txt purpose="data:text/html,x">verify</podcast:txt>'
    )
    extra = (
        '<podcast:contentLink href="javascript:alert(7)">Live</podcast:contentLink>'
        '<podcast:alternateEnclosure type="audio/opus"><podcast:source uri="ipfs://QmHash"/>'
        '<podcast:source uri="vbscript:msgbox"/></podcast:alternateEnclosure>'
        '<podcast:license url="data:text/html,x">custom</podcast:license>'
    )
    feed = tmp_path / "p20.xml"
    feed.write_text(_feed(channel, _item("one", extra)))
    output = _import(runner, feed)

    for line in (
        "channel podcast:images srcset 'javascript:alert(1) 1x, https://ok.example/a.jpg 2x'"
        " is not a safe link; not stored",
        "channel podcast:chat server 'javascript:alert(2)' is not a safe link; not stored",
        "channel podcast:chat embedUrl 'JaVa\\tscript:alert(3)' is not a safe link",
        "channel podcast:socialInteract accountUrl 'javascript:alert(4)' is not a safe link",
        "channel podcast:remoteItem feedUrl 'javascript:alert(5)' is not a safe link",
        "channel podcast:location geo 'javascript:alert(6)' is not a safe link",
        "channel podcast:txt purpose 'data:text/html,x' is not a safe link",
        "'one': podcast:contentLink href 'javascript:alert(7)' is not a safe link; not stored",
        "'one': podcast:source uri 'vbscript:msgbox' is not a safe link; not stored",
        "'one': podcast:license url 'data:text/html,x' is not a safe link; not stored",
    ):
        assert line in output, line
    stored = json.dumps(session.scalars(select(Show.podcast_extras)).one())
    stored += json.dumps(session.scalars(select(Episode.podcast_extras)).one())
    assert "script" not in stored.lower() and "data:" not in stored

    root = _republished(app)
    feed_text = etree.tostring(root, encoding="unicode")
    assert "script:" not in feed_text.lower() and "data:" not in feed_text
    srcsets = [e.get("srcset") for e in root.findall("channel/p:images", NS)]
    assert srcsets == [None, f"{cdn} 100w, https://img.example.com/b.jpg 200w"]
    chats = [(c.get("server"), c.get("space")) for c in root.findall("channel/p:chat", NS)]
    assert chats == [(None, "#show"), ("irc.zeronode.net", "#show")]
    social = root.find("channel/p:socialInteract", NS)
    assert social is not None and social.get("uri") == "https://social.example/1"
    remote = root.findall("channel/p:podroll/p:remoteItem", NS)
    assert [r.get("feedUrl") for r in remote] == [None, "https://feeds.example.com/x"]
    location = root.find("channel/p:location", NS)
    assert location is not None and (location.get("osm"), location.get("geo")) == ("R1", None)
    sources = root.findall("channel/item/p:alternateEnclosure/p:source", NS)
    assert [s.get("uri") for s in sources] == ["ipfs://QmHash", None]
    license_ = root.find("channel/item/p:license", NS)
    assert license_ is not None and license_.text == "custom" and license_.get("url") is None


@pytest.mark.parametrize(
    ("name", "value", "safe"),
    [
        ("srcset", "https://a.example/x.jpg 1x,https://a.example/y.jpg 2x", True),
        ("srcset", "https://a.example/x.jpg 1x,javascript:alert(1) 2x", False),
        ("srcset", "javascript:alert(1),https://a.example/y.jpg 2x", False),
        ("srcset", "/relative.jpg 1x", False),
        ("server", "irc.zeronode.net:6697", True),
        ("server", "https://chat.example.com", True),
        ("server", "javascript:alert(1)", False),
        ("geo", "geo:39.7837304,-100.445882;u=3900000", True),
        ("geo", "https://maps.example.com", False),
        ("feedUrl", "http://feed.nashownotes.com/rss.xml", True),
        ("feedURL", " javascript:alert(1)", False),
        ("uri", "magnet:?xt=urn:btih:abc", True),
        ("space", "#room:matrix.org", True),
        ("accountId", "@host", True),
        ("customValue", "vbscript:x", False),
    ],
)
def test_which_attributes_a_kept_element_may_carry(name: str, value: str, safe: bool) -> None:
    assert p20.safe_attribute(name, value) is safe


def test_language_and_categories_must_be_what_directories_accept(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    channel = (
        "<description>d</description><language>en&lt;script&gt;</language>"
        '<itunes:category text="&lt;b&gt;Cat"/>'
        '<itunes:category text="Arts"><itunes:category text="Literature"/></itunes:category>'
        '<itunes:category text="Technology"/>'
        '<itunes:category text="News"><itunes:category text="Tech News"/></itunes:category>'
    )
    feed = tmp_path / "lang.xml"
    feed.write_text(_feed(channel, _item("one")))
    output = _import(runner, feed)

    assert "channel language 'en<script>' is not a language tag; 'en' stored" in output
    assert "channel itunes:category '<b>Cat' is not on Apple's list; not stored" in output
    assert (
        "channel itunes:category 'Arts > Literature': the subcategory is not on Apple's list; "
        "'Arts' stored without it" in output
    )
    assert (
        "A show here has one category: 'Arts', the feed's first on Apple's list, is kept, and "
        "'Technology', 'News > Tech News' are not." in output
    )
    show = session.scalars(select(Show)).one()
    assert (show.language, show.category, show.subcategory) == ("en", "Arts", "")

    root = _republished(app)
    assert root.findtext("channel/language") == "en"
    categories = root.findall("channel/itunes:category", NS)
    assert [c.get("text") for c in categories] == ["Arts"]
    assert categories[0].find("itunes:category", NS) is None

    # A language tag with a region, in the case the feed wrote it, is kept as it is.
    feed.write_text(_feed("<description>d</description><language>pt-br</language>"))
    assert "language" not in _import(runner, feed)
    session.expire_all()
    assert session.scalars(select(Show.language)).one() == "pt-br"


def test_the_show_description_keeps_its_paragraphs_as_text(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    description = (
        "<description><![CDATA[<p>First, with <a href='https://x.example/'>a link</a> &amp; "
        "more.</p><p>Second<br>line two.</p><script>alert(1)</script>"
        "<ul><li>one</li><li>two</li></ul>]]></description>"
    )
    feed = tmp_path / "description.xml"
    feed.write_text(_feed(description, _item("one")))
    _import(runner, feed)

    stored = session.scalars(select(Show.description)).one()
    assert stored == "First, with a link & more.\n\nSecond\nline two.\n\none\ntwo"
    channel_description = _republished(app).findtext("channel/description") or ""
    assert "alert" not in channel_description and "<script" not in channel_description
    assert "First, with a link &amp; more.\n\nSecond\nline two." in channel_description
    page = app.test_client().get(f"/{SLUG}/").get_data(as_text=True)
    assert "First, with a link &amp; more." in page and "alert(1)" not in page


def test_titles_are_text_and_are_unescaped_once(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    templates = "Title &lt;template&gt; tags and vector&lt;int&gt;"
    items = (
        _item("template", title=templates)
        + _item("double", title="AT&amp;amp;T &amp;#39;quoted&amp;#39;")
        + _item("cdata", title="<![CDATA[Tom &amp; Jerry & R&D;]]>")
        + _item("html", title="<![CDATA[Line<br>break, <b>bold</b>]]>")
        + _item("summary", "<itunes:summary><![CDATA[<p>Hi <b>you</b></p>]]></itunes:summary>")
    )
    feed = tmp_path / "titles.xml"
    feed.write_text(_feed("<description>d</description>", items, title=templates))
    _import(runner, feed)

    titles = {e.guid: e.title for e in session.scalars(select(Episode))}
    assert titles["template"] == "Title <template> tags and vector<int>"
    assert titles["double"] == "AT&T 'quoted'"  # escaped twice, as feeds do: read once more
    assert titles["cdata"] == "Tom & Jerry & R&D;"
    assert titles["html"] == "Line break, bold"
    summary = session.scalars(select(Episode.summary).where(Episode.guid == "summary")).one()
    assert summary == "Hi you"
    assert session.scalars(select(Show.title)).one() == "Title <template> tags and vector<int>"

    root = _republished(app)
    assert root.findtext("channel/title") == "Title <template> tags and vector<int>"
    again = {i.findtext("guid"): i.findtext("title") for i in root.iter("item")}
    assert again["template"] == "Title <template> tags and vector<int>"
    assert again["double"] == "AT&T 'quoted'"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b"\xef\xbb\xbf\n"),
        ("utf-8", b"\xef\xbb\xbf \r\n\t"),
        ("utf-16-le", b"\xff\xfe" + "\n  ".encode("utf-16-le")),
        ("utf-16-be", b"\xfe\xff" + "\r\n".encode("utf-16-be")),
        ("utf-16-le", "\n ".encode("utf-16-le")),
    ],
)
def test_whitespace_after_a_byte_order_mark_is_tolerated(
    runner: FlaskCliRunner, session: Session, tmp_path: Path, encoding: str, prefix: bytes
) -> None:
    text = _feed("<description>Café</description>", _item("one", title="Épisode"))
    declared = text.replace('encoding="UTF-8"', f'encoding="{encoding[:6].upper()}"')
    feed = tmp_path / "bom.xml"
    feed.write_bytes(prefix + declared.encode(encoding))
    assert "1 episode added" in _import(runner, feed)
    assert session.scalars(select(Show.description)).one() == "Café"
    assert session.scalars(select(Episode.title)).one() == "Épisode"


def test_leading_whitespace_is_dropped_however_the_parser_reads() -> None:
    """lxml asks for large chunks; a byte at a time shows a mark or a UTF-16 unit cut in two."""
    body = "<rss/>".encode("utf-16-le")
    stream = _Repairing(io.BytesIO(b"\xff\xfe" + " \n\t".encode("utf-16-le") + body), False)
    read = b"".join(iter(lambda: stream.read(1), b""))
    assert read == b"\xff\xfe" + body
