"""Importing shows: every real feed in /work/shared/feeds over local HTTP, re-runs, media
download with resume, hostile XML, and the export/import round trip."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from showapp import db
from showapp.models import Appearance, Episode, LinkedFile, Show, User, show_hosts
from showapp.services import accounts
from tests.conftest import fresh_app, serving
from tests.factories import make_mp3

FEEDS = Path("/work/shared/feeds")


@dataclass
class Served:
    """What the local server hands out, and what it was asked for."""

    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    cut_once: set[str] = field(default_factory=set)


def _handler(served: Served) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def do_GET(self) -> None:  # noqa: N802
            served.requests.append((self.path, self.headers.get("Range", "")))
            if self.path in served.redirects:
                self.send_response(301)
                self.send_header("Location", served.redirects[self.path])
                self.end_headers()
                return
            if self.path not in served.files:
                self.send_error(404)
                return
            body, content_type = served.files[self.path]
            start = _range_start(self.headers.get("Range", ""))
            self.send_response(206 if start else 200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            if self.path in served.cut_once:
                # A connection that drops halfway through, once.
                served.cut_once.discard(self.path)
                self.wfile.write(body[start : start + (len(body) - start) // 2])
                self.close_connection = True
                return
            self.wfile.write(body[start:])

    return Handler


def _range_start(header: str) -> int:
    match = re.fullmatch(r"bytes=(\d+)-", header)
    return int(match.group(1)) if match else 0


@pytest.fixture
def http_server() -> Iterator[tuple[str, Served]]:
    served = Served()
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))) as base:
        yield base, served


def _source_items(path: Path) -> list[dict[str, str]]:
    """The feed's items read independently with ElementTree (the test's own parser)."""
    raw = path.read_bytes().lstrip()
    # The one feed with an undefined entity: repair it the obvious way for the reference parse.
    raw = raw.replace(b"&gtgt;", b"&gt;")
    root = ET.fromstring(raw)
    items = []
    for item in root.iter("item"):
        enclosure = item.find("enclosure")
        items.append(
            {
                "title": " ".join((item.findtext("title") or "").split()),
                "guid": (item.findtext("guid") or "").strip(),
                "enclosure": "" if enclosure is None else enclosure.get("url", "").strip(),
                "season": _first_text(item, "season"),
                "number": _first_text(item, "episode"),
            }
        )
    return items


def _first_text(item: ET.Element, local_name: str) -> str:
    """itunes:season or podcast:season, whichever comes first (the importer reads both)."""
    for child in item:
        if child.tag.endswith("}" + local_name) and (child.text or "").strip():
            return (child.text or "").strip()
    return ""


def _run_import(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=["import", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("name", sorted(p.name for p in FEEDS.glob("*.xml")))
def test_every_shared_feed_imports_over_http(
    name: str, runner: FlaskCliRunner, session: Session, http_server: tuple[str, Served]
) -> None:
    base, served = http_server
    served.files[f"/feeds/{name}?format=podcast"] = ((FEEDS / name).read_bytes(), "text/xml")
    # Every feed is reached through a permanent redirect to a URL with a query string.
    served.redirects[f"/old/{name}"] = f"/feeds/{name}?format=podcast"
    output = _run_import(runner, f"{base}/old/{name}")

    expected = _source_items(FEEDS / name)
    slug = re.search(r"Show '([^']+)'", output).group(1)  # type: ignore[union-attr]
    show = session.scalars(select(Show).where(Show.slug == slug)).one()
    stored = {e.guid: e for e in session.scalars(select(Episode).where(Episode.show_id == show.id))}
    assert len(stored) == len(expected)
    for source in expected:
        guid = source["guid"] or source["enclosure"]
        episode = stored[guid]
        assert episode.title == source["title"][:255]
        assert episode.audio_url == (source["enclosure"] or None)
        if source["season"].isdigit():
            assert episode.season == (int(source["season"]) or None)
        if source["number"].isdigit() and int(source["number"]) > 0:
            assert episode.number == int(source["number"])
    assert show.source_feed_url == f"{base}/feeds/{name}?format=podcast"


def test_quirks_of_real_feeds_are_handled(
    runner: FlaskCliRunner, session: Session, http_server: tuple[str, Served]
) -> None:
    for name in ("no-agenda.xml", "dk-podcast.xml", "changing-the-tide.xml", "pc20rss.xml"):
        output = _run_import(runner, str(FEEDS / name))
        if name == "no-agenda.xml":
            assert "not well-formed" in output and "gtgt" in output
        if name == "dk-podcast.xml":
            assert "empty <guid>" in output
    mimes = session.scalars(
        select(Episode.audio_mime).join(Show).where(Show.slug == "changing-the-tide")
    ).all()
    assert set(mimes) == {"audio/mpeg"}
    pc20 = session.scalars(select(Episode).join(Show).where(Show.slug == "podcasting-2-0")).all()
    linked = session.execute(
        select(LinkedFile.kind, func.count())
        .where(LinkedFile.episode_id.in_([e.id for e in pc20]))
        .group_by(LinkedFile.kind)
    ).all()
    assert dict(linked) == {"chapters": 48, "transcript": 47}
    assert all("<script" not in e.notes_html for e in pc20)
    credited = session.scalar(select(func.count(Appearance.id)))
    assert credited and credited > 0


def test_reimport_updates_and_never_duplicates(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.xml"
    source = (FEEDS / "1865.xml").read_bytes()
    feed.write_bytes(source)
    _run_import(runner, str(feed))
    count = session.scalar(select(func.count(Episode.id)))
    feed.write_bytes(source.replace(b"<title>1865</title>", b"<title>1865 (renamed)</title>", 1))
    # Found again by the feed's own self link, though the title changed.
    output = _run_import(runner, str(feed))
    assert "Show '1865'" in output and "0 episodes added" in output
    session.expire_all()
    assert session.scalar(select(func.count(Episode.id))) == count
    assert session.scalars(select(Show.title)).one() == "1865 (renamed)"
    assert "0 episodes added, 0 updated" in _run_import(runner, str(feed), "--show", "1865")


def test_different_feeds_with_the_same_title_are_different_shows(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    for name in ("a", "b"):
        feed = tmp_path / f"{name}.xml"
        feed.write_text(
            '<rss version="2.0"><channel><title>Podcast</title>'
            f"<item><title>x</title><guid>{name}-1</guid></item></channel></rss>"
        )
        _run_import(runner, str(feed))
    assert sorted(session.scalars(select(Show.slug))) == ["podcast", "podcast-2"]


def _small_feed(base: str, items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><guid>{title}-guid</guid>"
        f"<pubDate>Mon, 02 Jan 2023 10:00:00 +0000</pubDate>"
        f'<enclosure url="{base}{path}" length="0" '
        f'type="{"video/mp4" if path.endswith(".mp4") else "audio/mp3"}"/></item>'
        for title, path in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Small'
        f"</title><link>{base}/</link><description>d</description>{entries}</channel></rss>"
    ).encode()


def test_download_media_resumes_without_refetching(
    runner: FlaskCliRunner, session: Session, http_server: tuple[str, Served], episodes_dir: Path
) -> None:
    base, served = http_server
    first, second = make_mp3(2.0, seed=3), make_mp3(4.0, seed=4)
    served.files["/a/one.mp3?x=1"] = (first, "audio/mpeg")
    served.files["/a/two"] = (second, "audio/mpeg")  # no extension: the type decides
    served.files["/feed.xml"] = (
        _small_feed(base, [("one", "/a/one.mp3?x=1"), ("two", "/a/two"), ("film", "/v.mp4")]),
        "application/rss+xml",
    )
    served.cut_once.add("/a/two")
    output = _run_import(runner, f"{base}/feed.xml", "--download-media")
    assert "problem" in output and "two" in output
    assert "video/mp4; left on the old host" in output
    assert list(episodes_dir.glob("small/.import-*.part"))

    served.requests.clear()
    _run_import(runner, f"{base}/feed.xml", "--download-media")
    audio_requests = [r for r in served.requests if r[0].startswith("/a/")]
    # Only the broken file is fetched again, from where it stopped; the video never.
    assert not [r for r in served.requests if r[0] == "/v.mp4"]
    assert audio_requests == [("/a/two", f"bytes={len(second) // 2}-")]
    session.expire_all()
    episodes = {e.title: e for e in session.scalars(select(Episode))}
    for title, body in (("one", first), ("two", second)):
        stored = episodes[title]
        assert stored.audio_file is not None
        assert (episodes_dir / stored.audio_file).read_bytes() == body
        assert stored.audio_bytes == len(body)
        assert stored.duration_seconds and stored.duration_seconds > 1
    assert not list(episodes_dir.glob("small/.import-*.part"))


HOSTILE = {
    "xxe-file": '<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    "xxe-net": '<!DOCTYPE rss [<!ENTITY x SYSTEM "{base}/leak">]>',
    "dtd-net": '<!DOCTYPE rss SYSTEM "{base}/leak.dtd">',
    "param": '<!DOCTYPE rss [<!ENTITY % p SYSTEM "{base}/leak.dtd"> %p;]>',
    "laughs": '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + "]>",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_feeds_expand_nothing_and_connect_nowhere(
    kind: str, runner: FlaskCliRunner, session: Session, http_server: tuple[str, Served],
    tmp_path: Path,
) -> None:  # fmt: skip
    base, served = http_server
    entity = "&j;" if kind == "laughs" else "&x;"
    doctype = HOSTILE[kind].format(base=base)
    feed = tmp_path / "hostile.xml"
    feed.write_text(
        f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>Hostile</title>'
        f"<item><title>T{entity}</title><guid>g1</guid><description>{entity}</description>"
        f'<enclosure url="https://example.invalid/a.mp3" length="1" type="audio/mpeg"/>'
        f"</item></channel></rss>"
    )
    result = runner.invoke(args=["import", str(feed)])
    assert served.requests == []
    if kind == "laughs":
        # libxml2 refuses the amplification even with expansion off; the import stops cleanly.
        assert result.exit_code == 1
        assert "not well-formed XML" in result.output and "amplification" in result.output
        assert session.scalar(select(func.count(Episode.id))) == 0
    else:
        assert result.exit_code == 0, result.output
        assert session.scalars(select(Episode.title)).one() == "T"
        assert session.scalars(select(Episode.notes_html)).one() == ""


def _feed_items(app: Flask, slug: str) -> tuple[list[Any], list[Any]]:
    with app.test_client().get(f"/{slug}/feed.xml") as response:
        root = ET.fromstring(response.data)
    channel = root.find("channel")
    assert channel is not None

    def shape(element: ET.Element) -> Any:
        return (element.tag, sorted(element.attrib.items()), (element.text or "").strip(),
                [shape(child) for child in element])  # fmt: skip

    head = [shape(c) for c in channel if c.tag not in {"item", "lastBuildDate"}]
    return head, [shape(item) for item in channel.findall("item")]


def test_round_trip_demo_export_import_gives_the_same_feed(
    app: Flask, app_config: dict[str, Any], demo: None, runner: FlaskCliRunner, tmp_path: Path,
    migrated_database: str,
) -> None:  # fmt: skip
    archive = tmp_path / "out" / "show.zip"
    archive.parent.mkdir()
    with app.app_context(), db.new_session(app) as session:
        show = session.scalars(select(Show)).one()
        slug = show.slug
        host = accounts.create_admin(session, "host@example.com", "a long passphrase")
        session.execute(insert(show_hosts).values(show_id=show.id, user_id=host.id))
        session.commit()
    before = _feed_items(app, slug)
    result = runner.invoke(args=["export", slug, str(archive)])
    assert result.exit_code == 0, result.output

    fresh = fresh_app(app, tmp_path, migrated_database)
    try:
        output = fresh.test_cli_runner().invoke(args=["import", str(archive)])
        assert output.exit_code == 0, output.output
        after = _feed_items(fresh, slug)
        with fresh.app_context(), db.new_session(fresh) as session:
            hosts = session.scalars(
                select(User).join(show_hosts).join(Show).where(Show.slug == slug)
            ).all()
            assert [(u.email, u.role.value, u.password_hash) for u in hosts] == [
                ("host@example.com", "admin", None)
            ]
        assert after[1] == before[1]
        assert after[0] == before[0]
        for item in ET.fromstring(fresh.test_client().get(f"/{slug}/feed.xml").data).iter(
            "enclosure"
        ):
            path = item.get("url", "").split("/media/", 1)[1]
            with fresh.test_client().get(f"/media/{path}") as media:
                assert media.status_code == 200
    finally:
        db.get_engine(fresh).dispose()


QUIRKS = """<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
  xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Caf\xe9 Stories</title><link>/site/</link><description>Tales</description>
<image><url>/img/cover.png</url><title>x</title><link>/</link></image>
<item><title>Relative &amp; loose</title><guid>q1</guid>
  <pubDate>2024-03-05 10:30:00</pubDate>
  <description><![CDATA[<p onclick="x()">Hi <script>alert(1)</script><b>bold</b>
  <a href="javascript:alert(1)">bad</a> <a href="https://ok.example/">ok</a></p>]]></description>
  <enclosure url="media/one?token=abc" length="12" type="audio/mp3"/>
  <itunes:duration>1:02:03</itunes:duration></item>
<item><title>Odd date</title><guid>q2</guid><pubDate>sometime in May</pubDate>
  <description>Line one
Line two

Second paragraph &amp; more</description>
  <enclosure url="https://cdn.example/two.mp3" length="5" type="audio/mpeg"/></item>
<item><title>No enclosure</title><guid>q3</guid>
  <pubDate>Tue, 1 Feb 2022 8:05:00 GMT</pubDate></item>
<item><title>Again</title><guid>q1</guid><pubDate>Tue, 1 Feb 2022 08:05:00 +0100</pubDate>
  <enclosure url="https://cdn.example/dup.mp3" length="5" type="audio/mpeg"/></item>
</channel></rss>
"""


def test_quirks_relative_urls_dates_encoding_and_markup(
    runner: FlaskCliRunner, session: Session, http_server: tuple[str, Served], app: Flask
) -> None:
    base, served = http_server
    served.files["/shows/cafe/feed?fmt=rss"] = (QUIRKS.encode("iso-8859-1"), "text/xml")
    output = _run_import(runner, f"{base}/shows/cafe/feed?fmt=rss")
    show = session.scalars(select(Show)).one()
    assert show.title == "Café Stories"
    assert show.artwork_url == f"{base}/img/cover.png"  # RSS <image>, made absolute
    assert show.website == f"{base}/site/"
    episodes = {e.guid: e for e in session.scalars(select(Episode))}
    assert set(episodes) == {"q1", "q2", "q3"}
    first = episodes["q1"]
    assert first.title == "Relative & loose"
    assert first.audio_url == f"{base}/shows/cafe/media/one?token=abc"
    assert first.audio_mime == "audio/mpeg"
    assert first.duration_seconds == 3723
    assert first.published_at is not None and first.published_at.isoformat() == (
        "2024-03-05T10:30:00+00:00"
    )
    for bad in ("<script", "onclick", "javascript:"):
        assert bad not in first.notes_html
    assert "<b>bold</b>" in first.notes_html and 'href="https://ok.example/"' in first.notes_html
    second = episodes["q2"]
    assert second.status.value == "draft" and second.published_at is None
    # Plain-text notes keep their paragraphs and line breaks.
    assert second.notes_html == "<p>Line one<br>Line two</p><p>Second paragraph &amp; more</p>"
    assert episodes["q3"].status.value == "draft"
    for expected in ("unreadable pubDate", "no usable enclosure", "duplicate GUID 'q1'"):
        assert expected in output

    client = app.test_client()
    page = client.get(f"/{show.slug}/episodes/{first.slug}").get_data(as_text=True)
    assert "<b>bold</b>" in page and "<script>alert" not in page
    assert f'src="{base}/shows/cafe/media/one?token=abc"' in page.replace("&amp;", "&")
    feed = ET.fromstring(client.get(f"/{show.slug}/feed.xml").data)
    items = feed.findall("channel/item")
    assert [i.findtext("guid") for i in items] == ["q1"]
    enclosure = items[0].find("enclosure")
    assert enclosure is not None and enclosure.get("url") == first.audio_url
    assert "<b>bold</b>" in (items[0].findtext("description") or "")
    image = feed.find("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}image")
    assert image is not None and image.get("href") == show.artwork_url


def test_import_reports_progress_to_a_callback(session: Session, tmp_path: Path) -> None:
    from showapp.services.importing import importer

    events: list[importer.ImportProgress] = []
    report = importer.import_feed_file(
        session, FEEDS / "sentimental-garbage.xml", feed_url=None,
        site_base_url="http://podcast.test", progress=events.append,
    )  # fmt: skip
    assert report.created == 138
    # First the new show (a caller committing progress deletes it again if the run fails).
    assert events[0].new_show == report.show_slug and events[0].done == 0
    assert [e.done for e in events] == [0, *range(importer.BATCH, 138, importer.BATCH), 138]
    assert all(e.total == 138 and e.phase == "episodes" for e in events)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/nonexistent/feed.xml", "No such feed file"),
        ("{base}/missing.xml", "HTTP 404"),
        ("{base}/atom.xml", "not an RSS feed"),
        ("{base}/broken.xml", "not well-formed XML"),
    ],
)
def test_bad_sources_fail_clearly_and_store_nothing(
    source: str, message: str, runner: FlaskCliRunner, session: Session,
    http_server: tuple[str, Served],
) -> None:  # fmt: skip
    base, served = http_server
    served.files["/atom.xml"] = (b'<feed xmlns="http://www.w3.org/2005/Atom"/>', "text/xml")
    served.files["/broken.xml"] = (b"<rss><channel><title>x</channel></rss>", "text/xml")
    result = runner.invoke(args=["import", source.format(base=base)])
    assert result.exit_code == 1
    assert message in result.output
    assert session.scalar(select(func.count(Show.id))) == 0


def test_archive_with_unsafe_paths_is_refused(
    runner: FlaskCliRunner, session: Session, tmp_path: Path, demo: None, episodes_dir: Path
) -> None:
    archive = tmp_path / "show.zip"
    slug = session.scalars(select(Show.slug)).one()
    assert runner.invoke(args=["export", slug, str(archive)]).exit_code == 0
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(evil, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        manifest["media"].append("media/../../escaped.txt")
        target.writestr("manifest.json", json.dumps(manifest))
        for name in source.namelist():
            if name.startswith("media/"):
                target.writestr(name, source.read(name))
        target.writestr("media/../../escaped.txt", b"nope")
    result = runner.invoke(args=["import", str(evil)])
    assert result.exit_code == 1 and "Unsafe file name" in result.output
    assert not (episodes_dir.parent / "escaped.txt").exists()
    missing = tmp_path / "missing.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(missing, "w") as target:
        target.writestr("manifest.json", source.read("manifest.json"))
    result = runner.invoke(args=["import", str(missing)])
    assert result.exit_code == 1 and "does not contain it" in result.output
