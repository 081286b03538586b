"""Hostile and broken feeds: one bad field never stops the rest, a failed import leaves
nothing, nothing active is stored, and what cannot be repaired is named per episode in the
import report and in feed health."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskCliRunner
from lxml import etree
from PIL import Image
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from showapp import db
from showapp.models import Episode, EpisodeStatus, ImportJob, LinkedFile, Show, Soundbite, User
from showapp.services import accounts
from showapp.services.importing import jobs
from showapp.services.importing.batches import EpisodeBatchImporter
from showapp.storage import LocalStorage
from tests.factories import make_mp3
from tests.test_import import Served
from tests.test_import import http_server as http_server  # the fixture, shared

PODCAST = "https://podcastindex.org/namespace/1.0"
GITHUB_PODCAST = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
DESCRIPTION = "é" * 1500 + "a" * 1000  # 4,000 bytes of UTF-8


def _feed(items: str, channel_extra: str = "", rss_attributes: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        f'xmlns:podcast="{PODCAST}" {rss_attributes}><channel><title>Hostile</title>'
        "<link>https://old.example.com/</link><description>d</description>"
        f"{channel_extra}{items}</channel></rss>"
    ).encode()


def _item(guid: str, enclosure: str = "", extra: str = "", title: str = "") -> str:
    return (
        f"<item><title>{title or guid}</title><guid>{guid}</guid>"
        "<pubDate>Mon, 02 Jan 2023 10:00:00 +0000</pubDate>"
        f"{enclosure}{extra}</item>"
    )


def _import(runner: FlaskCliRunner, path: Path | str, *args: str) -> str:
    result = runner.invoke(args=["import", str(path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def _republished(app: Flask, slug: str = "hostile") -> etree._Element:
    with app.test_client().get(f"/{slug}/feed.xml") as response:
        assert response.status_code == 200
        return etree.fromstring(response.data)


def _by_guid(root: etree._Element) -> dict[str, etree._Element]:
    return {item.findtext("guid"): item for item in root.iter("item")}


def test_bad_fields_never_stop_the_rest_and_are_named(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    cdn = "https://cdn.example.com"
    items = "".join(
        [
            _item("huge", f'<enclosure url="{cdn}/huge.mp3" length="{2**64}" type="audio/mpeg"/>'),
            _item("zero", f'<enclosure url="{cdn}/zero.mp3" length="0" type="audio/mpeg"/>'
                  "<itunes:duration>0</itunes:duration>"),
            _item("page", f'<enclosure url="{cdn}/episode" length="10" type="text/html"/>'),
            _item("spaces", f'<enclosure url="{cdn}/my show/épisode 1.mp3" length="10" '
                  'type="audio/mpeg"/>'),
            _item("m4a", f'<enclosure url="{cdn}/a.m4a" length="10" type="audio/mpeg"/>'),
            _item("dup", f'<enclosure url="{cdn}/a.m4a" length="10" type="audio/x-m4a"/>'),
            _item("relative", '<enclosure url="media/rel.mp3" length="10" type="audio/mpeg"/>',
                  extra='<link>javascript:alert(1)</link>'),
            _item("huge", f'<enclosure url="{cdn}/again.mp3" length="5" type="audio/mpeg"/>'),
        ]
    )  # fmt: skip
    feed = tmp_path / "hostile.xml"
    feed.write_bytes(_feed(items, rss_attributes='xml:base="https://base.example.org/show/"'))
    output = _import(runner, feed)

    assert "6 episodes added" in output or "7 episodes added" in output
    assert "length '18446744073709551616' is not a size" in output
    assert "'zero': enclosure length '0' is not a size" in output
    assert "'zero': itunes:duration is 0" in output
    assert "'page': the enclosure is text/html, not audio or video; imported as a draft" in output
    assert "'spaces': enclosure URL had spaces or non-ASCII characters; encoded" in output
    assert "'m4a': enclosure typed audio/mpeg is audio/x-m4a by its extension" in output
    assert "'dup': the same enclosure URL as the item 'm4a'" in output
    assert "duplicate GUID 'huge' in the feed; later copy skipped" in output
    assert "'javascript:alert(1)' is not an http(s) URL; not stored" in output

    episodes = {e.guid: e for e in session.scalars(select(Episode))}
    assert episodes["huge"].audio_bytes == 0 and episodes["huge"].status == EpisodeStatus.PUBLISHED
    assert episodes["zero"].duration_seconds is None
    assert episodes["page"].status == EpisodeStatus.DRAFT
    assert episodes["spaces"].audio_url == f"{cdn}/my%20show/%C3%A9pisode%201.mp3"
    assert episodes["m4a"].audio_mime == "audio/x-m4a"
    # xml:base on <rss>: the relative enclosure resolves against it, not the channel link.
    assert episodes["relative"].audio_url == "https://base.example.org/show/media/rel.mp3"
    assert "link" not in episodes["relative"].source_extras  # named in the report, not stored

    root = _republished(app)
    republished = _by_guid(root)
    assert set(republished) == {"huge", "zero", "spaces", "m4a", "dup", "relative"}
    assert republished["huge"].find("enclosure").get("length") == "0"  # type: ignore[union-attr]

    result = runner.invoke(args=["feed", "check", "hostile"])
    assert "'page' was imported as a draft: the enclosure is text/html" in result.output
    assert "'dup': the same enclosure URL as the item 'm4a'" in result.output
    assert "'huge' has no file size" in result.output
    assert "has no audio" not in result.output  # linked media is there, on the old host


def test_text_is_unescaped_once_and_kept_to_the_byte(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    enclosure = '<enclosure url="https://cdn.example.com/{}.mp3" length="10" type="audio/mpeg"/>'
    items = "".join(
        [
            _item("double", enclosure.format(1),
                  "<description><![CDATA[&lt;p&gt;Caf&amp;eacute; &amp;amp; bar&lt;/p&gt;]]>"
                  "</description>"),
            _item("entity", enclosure.format(2),
                  "<description><![CDATA[Caf&eacute; cr&egrave;me]]></description>"),
            _item("long", enclosure.format(3), f"<description>{DESCRIPTION}</description>"),
            _item("script", enclosure.format(4),
                  '<description><![CDATA[<p onclick="x()">Hi<script>alert(1)</script>'
                  '<a href="javascript:alert(2)">link</a></p>]]></description>'),
        ]
    )  # fmt: skip
    feed = tmp_path / "text.xml"
    feed.write_bytes(_feed(items))
    _import(runner, feed)
    notes = {e.guid: e.notes_html for e in session.scalars(select(Episode))}
    assert notes["double"] == "<p>Café &amp; bar</p>"
    assert notes["entity"] == "Café crème"
    assert len(notes["long"].encode()) == 4000
    assert "script" not in notes["script"] and "javascript" not in notes["script"]
    assert "onclick" not in notes["script"] and "Hi" in notes["script"]


def test_podcasting_2_extras_are_kept_safely_and_republished(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    value = (
        '<podcast:value type="lightning" method="keysend" suggested="0.00000005000">'
        '<podcast:valueRecipient name="Host" type="node" address="03ae9f91a0cb8ff43840e3c322c"'
        ' split="99"/><podcast:valueRecipient name="App" type="node" address="" split="1"'
        ' fee="true"/><script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script>'
        "</podcast:value>"
    )
    extra = (
        f'<podcast:transcript url="https://t.example.com/1.vtt" type="text/vtt" rel="captions"/>'
        '<podcast:transcript url="https://t.example.com/1.json" type="application/json"'
        ' language="en"/><podcast:chapters url="https://t.example.com/1.json"'
        ' type="application/json+chapters"/>'
        '<podcast:soundbite startTime="73.0" duration="60.0">Best bit</podcast:soundbite>'
        '<podcast:alternateEnclosure type="audio/opus" length="32400" bitrate="96000"'
        ' default="false">'
        '<podcast:source uri="https://cdn.example.com/1.opus"/>'
        '<podcast:source uri="javascript:alert(1)"/>'
        '<podcast:integrity type="sri" value="sha384-abc"/></podcast:alternateEnclosure>'
        '<podcast:person role="guest" href="https://guest.example.com" '
        'img="https://img.example.com/g.jpg">Guest Person</podcast:person>'
        '<podcast:location geo="geo:30.2,-97.7" osm="R113314">Austin, TX</podcast:location>'
        f"{value}"
    )
    channel = (
        '<podcast:locked owner="owner@old.example.com">yes</podcast:locked>'
        '<podcast:funding url="https://give.example.com">Support</podcast:funding>'
        '<podcast:funding url="https://second.example.com">Second</podcast:funding>'
        '<podcast:license url="https://creativecommons.org/licenses/by/4.0/">cc-by-4.0'
        "</podcast:license>"
        f"{value}"
    )
    item = _item("one", '<enclosure url="https://cdn.example.com/1.mp3" length="10" '
                 'type="audio/mpeg"/>', extra)  # fmt: skip
    feed = tmp_path / "p20.xml"
    feed.write_bytes(_feed(item, channel))
    output = _import(runner, feed)
    assert "The feed is locked (podcast:locked yes, owner owner@old.example.com)" in output
    # Twice: the second run adds nothing more.
    _import(runner, feed)
    assert session.scalar(select(func.count(LinkedFile.id))) == 3
    assert session.scalar(select(func.count(Soundbite.id))) == 1

    root = _republished(app)
    ns = {"p": GITHUB_PODCAST}
    locked = root.find("channel/p:locked", ns)
    assert locked is not None and locked.text == "yes"
    assert locked.get("owner") == "owner@old.example.com"
    assert [f.get("url") for f in root.findall("channel/p:funding", ns)] == [
        "https://give.example.com", "https://second.example.com"]  # fmt: skip
    assert root.find("channel/p:license", ns).text == "cc-by-4.0"  # type: ignore[union-attr]
    recipients = root.findall("channel/p:value/p:valueRecipient", ns)
    assert [(r.get("name"), r.get("split"), r.get("address")) for r in recipients] == [
        ("Host", "99", "03ae9f91a0cb8ff43840e3c322c"), ("App", "1", "")]  # fmt: skip
    item_element = root.find("channel/item")
    assert item_element is not None
    transcripts = item_element.findall("p:transcript", ns)
    assert [(t.get("url"), t.get("rel")) for t in transcripts] == [
        ("https://t.example.com/1.vtt", "captions"),
        ("https://t.example.com/1.json", None),
    ]
    chapters = item_element.find("p:chapters", ns)
    assert chapters is not None and chapters.get("url") == "https://t.example.com/1.json"
    bite = item_element.find("p:soundbite", ns)
    assert bite is not None and (bite.get("startTime"), bite.text) == ("73", "Best bit")
    sources = item_element.findall("p:alternateEnclosure/p:source", ns)
    assert [s.get("uri") for s in sources] == ["https://cdn.example.com/1.opus", None]
    assert item_element.find("p:alternateEnclosure/p:integrity", ns) is not None
    assert item_element.find("p:location", ns).get("osm") == "R113314"  # type: ignore[union-attr]
    person = next(p for p in item_element.findall("p:person", ns) if p.text == "Guest Person")
    assert (person.get("href"), person.get("img")) == (
        "https://guest.example.com", "https://img.example.com/g.jpg")  # fmt: skip
    stored = json.dumps(session.scalars(select(Show.podcast_extras)).one()) + json.dumps(
        session.scalars(select(Episode.podcast_extras)).one()
    )
    assert "script" not in stored and "javascript" not in stored


def test_reimport_without_guid_or_self_link_updates_the_same_show(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    items = "".join(
        _item(f"g{n}", f'<enclosure url="https://cdn.example.com/{n}.mp3" length="9" '
              'type="audio/mpeg"/>') for n in range(3)
    )  # fmt: skip
    first, second = tmp_path / "a.xml", tmp_path / "moved" / "b.xml"
    second.parent.mkdir()
    first.write_bytes(_feed(items))
    second.write_bytes(_feed(items + _item("g3")))
    _import(runner, first)
    output = _import(runner, second)
    assert "Show 'hostile': 1 episode added" in output
    assert "belongs to another show" not in output
    assert session.scalar(select(func.count(Show.id))) == 1


def test_a_failed_studio_import_leaves_nothing(
    app: Flask, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = "".join(_item(f"g{n}") for n in range(250))  # three batches
    feed = tmp_path / "feed.xml"
    feed.write_bytes(_feed(items))
    user = accounts.create_admin(session, "a@example.com", "a long passphrase")
    job = jobs.create_job(session, user=user, source=str(feed), show=None, download_media=False)
    session.commit()
    calls = []
    original = EpisodeBatchImporter.import_batch

    def fail_on_third(self: EpisodeBatchImporter, batch: list) -> None:  # type: ignore[type-arg]
        calls.append(len(batch))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        original(self, batch)

    monkeypatch.setattr(EpisodeBatchImporter, "import_batch", fail_on_third)
    settings = jobs.JobSettings(
        LocalStorage(tmp_path), tmp_path, "https://example.org", screen_urls=False
    )
    jobs.run_job(lambda: db.new_session(app), job.id, str(feed), settings)
    session.expire_all()
    assert session.get_one(ImportJob, job.id).state == "failed"
    assert session.scalar(select(func.count(Show.id))) == 0
    assert session.scalar(select(func.count(Episode.id))) == 0
    assert session.scalar(select(func.count(User.id))) == 1


def _image(kind: str, size: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def test_download_media_copies_artwork_transcripts_and_chapters_and_holds_dead_media(
    app: Flask,
    runner: FlaskCliRunner,
    session: Session,
    http_server: tuple[str, Served],
    episodes_dir: Path,
) -> None:
    base, served = http_server
    served.files.update(
        {
            "/art/show.png": (_image("PNG", 1400), "image/png"),
            "/art/episode.gif": (_image("GIF", 1400), "image/gif"),
            "/a/one.mp3": (make_mp3(2.0, seed=5), "audio/mpeg"),
            "/t/one.vtt": (b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n", "text/vtt"),
            "/t/one.html": (b"<p>Hello</p><script>alert(1)</script>", "text/html"),
            "/t/bad.vtt": (b"<html>Not found</html>", "text/vtt"),
            "/c/one.json": (b'{"version": "1.2.0", "chapters": [{"startTime": 0}]}', "x/y"),
        }
    )
    extra = (
        f'<itunes:image href="{base}/art/episode.gif"/>'
        f'<podcast:transcript url="{base}/t/one.vtt" type="text/vtt"/>'
        f'<podcast:transcript url="{base}/t/one.html" type="text/html"/>'
        f'<podcast:transcript url="{base}/t/bad.vtt" type="text/vtt" language="de"/>'
        f'<podcast:chapters url="{base}/c/one.json" type="application/json+chapters"/>'
    )
    items = _item(
        "one", f'<enclosure url="{base}/a/one.mp3" length="0" type="audio/mpeg"/>', extra
    ) + _item("gone", f'<enclosure url="{base}/a/gone.mp3" length="5" type="audio/mpeg"/>')
    served.files["/feed.xml"] = (
        _feed(items, f'<itunes:image href="{base}/art/show.png"/>'),
        "application/rss+xml",
    )
    # First linked, and the feed is built and cached; then the copies must reach it.
    _import(runner, f"{base}/feed.xml")
    assert set(_by_guid(_republished(app))) == {"one", "gone"}
    output = _import(runner, f"{base}/feed.xml", "--download-media")
    assert (
        f"gone: {base}/a/gone.mp3 answered HTTP 404 Not Found; the episode is now a draft" in output
    )
    assert "artwork not copied (The artwork is GIF; Apple needs JPEG or PNG.)" in output
    assert "transcript file not copied (text/html is not copied)" in output
    assert "transcript file not copied (the file is not VTT text)" in output

    session.expire_all()
    show = session.scalars(select(Show)).one()
    assert show.artwork is not None
    assert (episodes_dir / show.artwork).read_bytes() == served.files["/art/show.png"][0]
    episodes = {e.guid: e for e in session.scalars(select(Episode))}
    assert episodes["gone"].status == EpisodeStatus.DRAFT
    one = episodes["one"]
    assert one.audio_bytes == len(served.files["/a/one.mp3"][0])  # measured: the feed said 0
    assert one.duration_seconds and one.duration_seconds > 1
    assert one.artwork is None  # the GIF stays linked

    root = _republished(app)
    ns = {"p": GITHUB_PODCAST, "i": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
    image = root.find("channel/i:image", ns)
    assert image is not None and image.get("href", "").endswith(show.artwork)
    assert set(_by_guid(root)) == {"one"}
    item = root.find("channel/item")
    assert item is not None
    transcripts = [t.get("url", "") for t in item.findall("p:transcript", ns)]
    assert transcripts[1:] == [f"{base}/t/one.html", f"{base}/t/bad.vtt"]
    chapters = item.find("p:chapters", ns)
    assert chapters is not None
    client = app.test_client()
    for url, kind, body in (
        (transcripts[0], "text/vtt", served.files["/t/one.vtt"][0]),
        (chapters.get("url", ""), "application/json", served.files["/c/one.json"][0]),
    ):
        assert url.startswith(app.config["BASE_URL"])
        with client.get(url.removeprefix(app.config["BASE_URL"])) as response:
            assert response.status_code == 200
            assert response.mimetype == kind and response.data == body
    with client.get("/hostile/") as page:
        assert show.artwork in page.get_data(as_text=True)

    check = runner.invoke(args=["feed", "check", "hostile"])
    assert "'gone' was imported as a draft: the audio answered HTTP 404" in check.output


def test_encodings_huge_fields_and_missing_guids_import_cleanly(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    enclosure = '<enclosure url="https://cdn.example.com/{}.mp3" length="10" type="audio/mpeg"/>'
    latin = tmp_path / "latin.xml"
    latin.write_bytes(
        b'<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel>'
        b"<title>Caf\xe9 Latin</title><link>https://old.example.com/</link><description>d"
        b"</description><item><title>\xc9pisode \xe0 Paris</title><guid>latin-1</guid>"
        b"<pubDate>Mon, 02 Jan 2023 10:00:00 +0000</pubDate>"
        + enclosure.format(1).encode()
        + b"</item></channel></rss>"
    )
    utf16 = tmp_path / "utf16.xml"
    utf16.write_bytes(
        _feed(_item("utf16-1", enclosure.format(2), title="Ünïcödé 🎙")).decode()
        .replace('encoding="utf-8"', 'encoding="UTF-16"').encode("utf-16")
    )  # fmt: skip
    huge = tmp_path / "huge.xml"
    huge.write_bytes(
        _feed(
            _item("big", enclosure.format(3),
                  f"<description>{'x' * 2_000_000}</description>", title="t" * 10_000)
            + _item("g" * 300, enclosure.format(4))
            + "<item><title>No guid</title>" + enclosure.format(5) + "</item>"
            + "<item><title><![CDATA[<script>alert(1)</script>Bold]]></title><guid>t</guid>"
            + enclosure.format(6) + "</item>",
            rss_attributes='xmlns:x="urn:x"',
        )
    )  # fmt: skip
    assert "1 episode added" in _import(runner, latin)
    assert "1 episode added" in _import(runner, utf16)
    output = _import(runner, huge)
    assert "GUID longer than 255 characters; skipped" in output
    assert "'No guid': empty <guid>; identified by 'https://cdn.example.com/5.mp3'" in output
    titles = {e.guid: e.title for e in session.scalars(select(Episode))}
    assert titles["latin-1"] == "Épisode à Paris"
    assert titles["utf16-1"] == "Ünïcödé 🎙"
    assert titles["big"] == "t" * 255
    assert titles["https://cdn.example.com/5.mp3"] == "No guid"
    assert "<" not in titles["t"] and "Bold" in titles["t"]
    assert (
        session.scalars(select(Show.title).where(Show.slug == "cafe-latin")).one() == "Café Latin"
    )


def test_probe_media_fixes_lengths_and_holds_dead_links_without_downloading(
    runner: FlaskCliRunner,
    session: Session,
    http_server: tuple[str, Served],
    episodes_dir: Path,
) -> None:
    base, served = http_server
    audio = make_mp3(2.0, seed=7)
    served.files["/a/one.mp3"] = (audio, "audio/mpeg")
    items = _item(
        "one", f'<enclosure url="{base}/a/one.mp3" length="0" type="audio/mpeg"/>'
    ) + _item("gone", f'<enclosure url="{base}/a/gone.mp3" length="5" type="audio/mpeg"/>')
    served.files["/feed.xml"] = (_feed(items), "application/rss+xml")
    output = _import(runner, f"{base}/feed.xml", "--probe-media")
    assert f"'one': the feed said no length, the old host serves {len(audio):,}" in output
    assert "'gone': " in output and "answered HTTP 404" in output
    assert ("/a/one.mp3", "bytes=0-0") in served.requests  # one byte asked for, not the file
    session.expire_all()
    episodes = {e.guid: e for e in session.scalars(select(Episode))}
    assert episodes["one"].audio_bytes == len(audio) and episodes["one"].audio_file is None
    assert episodes["gone"].status == EpisodeStatus.DRAFT
    check = runner.invoke(args=["feed", "check", "hostile"]).output
    assert "'gone' was imported as a draft: the audio answered HTTP 404" in check
    assert "has no file size" not in check
    assert not list(episodes_dir.rglob("*.mp3"))


def test_0021_turns_kept_transcript_and_chapters_urls_into_linked_files(tmp_path: Path) -> None:
    """Shows imported before 0021 kept these URLs in source_extras: the upgrade moves them
    into linked_files (so feeds republish them), and downgrades cleanly."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = db.alembic_config(url)
    command.upgrade(config, "0018")
    engine = db.make_engine(url)
    extras = {
        "transcripts": [
            {"url": "https://t.example/1.vtt", "type": "text/vtt", "rel": "captions"},
            {"url": "javascript:alert(1)", "type": "text/html"},
        ],
        "chapters": {"url": "https://t.example/1.json", "type": "application/json"},
        "link": "https://old.example/1",
    }
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO shows (slug, title, podcast_guid, subtitle, description, author,"
                " owner_name, owner_email, language, category, subcategory, explicit, show_type,"
                " copyright, website, funding_url, funding_text, timezone)"
                " VALUES ('s', 'S', '917393e3-1b1e-5cef-ace4-edaa54e1f810', '', '', '', '', '',"
                " 'en', '', '', 0, 'episodic', '', '', '', '', 'UTC')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO episodes (show_id, guid, slug, title, summary, notes_md, status,"
                " episode_type, explicit, source_extras, version)"
                " VALUES (1, 'g', 'e', 'E', '', '', 'published', 'full', 0, :extras, 1)"
            ),
            {"extras": json.dumps(extras)},
        )
    command.upgrade(config, "0021")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT kind, url, mime, rel FROM linked_files ORDER BY position")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("transcript", "https://t.example/1.vtt", "text/vtt", "captions"),
        ("chapters", "https://t.example/1.json", "application/json", ""),
    ]
    command.downgrade(config, "0018")
    with engine.connect() as connection:
        assert "linked_files" not in inspect(connection).get_table_names()
    engine.dispose()
