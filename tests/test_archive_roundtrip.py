"""Export and restore lose nothing: a show that uses every feature goes SQLite -> PostgreSQL ->
SQLite (SQLite -> SQLite -> SQLite without PostgreSQL) through `showapp export` and
`showapp import`, and every install serves the same feeds, pages, documents and media.

The only bytes allowed to differ are the feeds' <lastBuildDate>: it says when this install
built the feed, which is after the restore. Search pages must find the same pages; their
snippets are the database's own (SQLite's and PostgreSQL's full-text engines differ).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import delete, func, insert, select

from showapp import create_app, db
from showapp.models import (
    Advice,
    AdviceReport,
    Appearance,
    CommentAnchor,
    DailyDownloads,
    Episode,
    EpisodeAudioName,
    EpisodeDay,
    FollowUp,
    Guest,
    GuestLink,
    GuestLinkKind,
    MentorStory,
    Moderation,
    ReviewComment,
    ReviewDecision,
    ReviewLink,
    Show,
    SlugRedirect,
    show_hosts,
)
from showapp.services import accounts, images
from showapp.services.catalog import (
    artwork,
    chapters,
    lookups,
    soundbites,
    transcripts,
    writes,
)
from showapp.services.review import links
from showapp.storage import LocalStorage
from tests.conftest import POSTGRES_URL, _test_config, _truncate_all
from tests.factories import make_episode, make_show

SLUG = "every-feature"
BUILD_DATE = re.compile(rb"<lastBuildDate>[^<]*</lastBuildDate>")
VTT = """WEBVTT

00:00:00.000 --> 00:00:04.000
<v Ada Host>Welcome to every feature.

00:00:04.000 --> 00:00:09.500
<v Zoë Guest>Thanks, Ada. Chapters, transcripts, soundbites: all here.
"""
SRT = """1
00:00:00,000 --> 00:00:04,000
Ada Host: Willkommen.

2
00:00:04,000 --> 00:00:09,000
Zoë Guest: Danke.
"""


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    return migrate_sqlite(tmp_path_factory.mktemp("roundtrip") / "template.sqlite3")


def migrate_sqlite(path: Path) -> str:
    """A migrated SQLite file to copy, whichever database the session runs on."""
    app = create_app(
        _test_config("sqlite:///" + str(path), path.parent / "media"), check_migrations=False
    )
    db.upgrade(app)
    db.get_engine(app).dispose()
    return str(path)


def install(tmp_path: Path, name: str, template: str, url: str | None = None) -> Flask:
    folder = tmp_path / name
    folder.mkdir()
    if not url:
        shutil.copyfile(template, folder / "db.sqlite3")
        url = "sqlite:///" + str(folder / "db.sqlite3")
    return create_app(_test_config(url, folder / "episodes"))


@pytest.fixture
def installs(
    tmp_path: Path, sqlite_template: str, migrated_database: str
) -> Iterator[tuple[Flask, Flask, Flask]]:
    source = install(tmp_path, "source", sqlite_template)
    middle = install(tmp_path, "middle", sqlite_template, POSTGRES_URL)
    if POSTGRES_URL:
        _truncate_all(middle)
    target = install(tmp_path, "target", sqlite_template)
    yield source, middle, target
    if POSTGRES_URL:
        _truncate_all(middle)
    for app in (source, middle, target):
        db.get_engine(app).dispose()


def _png(size: int = 1400, colour: tuple[int, int, int] = (20, 90, 160)) -> io.BytesIO:
    stream = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(stream, "PNG")
    stream.seek(0)
    return stream


def build_show(app: Flask) -> None:
    """One show using every feature a host has: artwork in every size, feed settings,
    directory links, published, bonus, draft and scheduled episodes, chapters, transcripts
    in two languages, a soundbite, guests with a photo and as-of-interview credits, topics,
    old slugs, a host, download figures and a guest review with a reply."""
    episodes_dir = Path(app.config["EPISODES_DIR"])
    with db.new_session(app) as session:
        show = make_show(session, slug=SLUG, title="Every Feature", funding_text="Chip in")
        show.artwork = artwork.store_artwork(LocalStorage(episodes_dir), SLUG, "cover", _png())[0]
        for name, value in {
            "locked": True, "itunes_block": True, "complete": True, "medium": "music",
            "update_frequency": "Weekly", "update_rrule": "FREQ=WEEKLY",
            "funding_url": "https://example.com/support", "website": "https://example.com",
            "apple_podcasts_url": "https://podcasts.apple.com/podcast/id1",
            "spotify_url": "https://open.spotify.com/show/1",
            "overcast_url": "https://overcast.fm/itunes1", "copyright": "CC BY 4.0",
        }.items():  # fmt: skip
            setattr(show, name, value)
        host = accounts.create_admin(session, "host@example.com", "a long passphrase")
        session.execute(insert(show_hosts).values(show_id=show.id, user_id=host.id))

        zoe = writes.find_or_create_guest(
            session, "Zoë Guest", organisation="Now Corp", job_title="CTO", bio="Builds things."
        )
        zoe.links = ["https://example.com/zoe"]
        zoe.photo = images.store_photo(
            LocalStorage(episodes_dir), "guests", zoe.slug, _png(400, (200, 0, 0))
        )
        bo = writes.find_or_create_guest(session, "Bo Second")

        first = make_episode(session, show, episodes_dir, seconds=20, title="All of it")
        writes.credit_guest(
            session, first, zoe, organisation="Then Ltd", job_title="Engineer"
        )  # as of the interview, not her job today
        writes.credit_guest(session, first, bo, role="host", group="cast")
        for name in ("Mentoring", "Rich Media"):
            writes.tag_topic(session, first, writes.find_or_create_topic(session, name, "About."))
        chapters.replace_chapters(
            session, first,
            [{"start": 0, "title": "Hello"},
             {"start": 5, "title": "Links", "url": "https://example.com/c",
              "image": "https://example.com/c.png"},
             {"start": 12.5, "title": "Goodbye"}],
        )  # fmt: skip
        transcripts.add_transcript(session, first, VTT, filename="t.vtt")
        transcripts.add_transcript(session, first, SRT, filename="t.srt", language="de")
        soundbites.add_soundbite(session, first, start=4, duration=5.5, title="All here")
        session.add(EpisodeAudioName(name=f"{SLUG}/old-name.mp3", episode_id=first.id))

        bonus = make_episode(
            session, show, episodes_dir, seconds=8, title="Bonus", episode_type="bonus",
            published_at=datetime.now(UTC) - timedelta(days=3),
        )  # fmt: skip
        bonus.artwork = artwork.store_artwork(
            LocalStorage(episodes_dir), SLUG, "bonus", _png(1500)
        )[0]
        writes.credit_guest(session, bonus, zoe)
        later = datetime.now(UTC) + timedelta(days=9)
        make_episode(session, show, episodes_dir, title="Later", published_at=later)
        draft = make_episode(session, show, episodes_dir, title="Draft", published_at=False)
        writes.credit_guest(session, draft, zoe)
        session.flush()

        mentoring = writes.find_or_create_topic(session, "Mentoring")
        session.add_all([
            SlugRedirect(kind="guest", old_slug="zoe-old", guest_id=zoe.id),
            SlugRedirect(kind="topic", old_slug="mentorship", topic_id=mentoring.id),
        ])  # fmt: skip
        for days, episode, app_name, count in (
            (3, first, "Apple Podcasts", 40), (2, first, "Overcast", 7), (1, bonus, "Spotify", 3)
        ):  # fmt: skip
            session.add(DailyDownloads(
                day=date.today() - timedelta(days=days), episode_id=episode.id, app=app_name,
                platform="iOS", source="feed", downloads=count,
            ))  # fmt: skip

        link = links.create_link(session, draft, zoe.id, days=7, message="Have a listen")
        link.decision, link.decision_message = ReviewDecision.CHANGES, "One cut, please"
        link.decided_at = datetime.now(UTC)
        comment = ReviewComment(
            link_id=link.id, anchor=CommentAnchor.TIME, start_seconds=1.0, end_seconds=2.0,
            body="Cut this cough", idempotency_key="k1",
        )  # fmt: skip
        session.add(comment)
        session.flush()
        session.add(ReviewComment(
            link_id=link.id, reply_to_id=comment.id, from_host=True, body="Done",
            author_id=host.id,
        ))  # fmt: skip
        _add_advice_loop(session, show, first, bonus, draft, zoe, bo)
        session.commit()


def _add_advice_loop(
    session: Any, show: Show, first: Episode, bonus: Episode, draft: Episode, zoe: Guest, bo: Guest
) -> None:
    """Advice with a listener's report, a follow-up on that advice, a follow-up episode, a
    mentor story turned into the draft, and who mentored whom; one guest only gives advice."""
    zoe.email = "zoe@example.com"
    mentor = writes.find_or_create_guest(session, "Mia Mentor")
    bonus.follows_up_id = first.id
    session.flush()
    said = Advice(episode_id=first.id, guest_id=zoe.id, text="Ask for the hard feedback.",
                  start_seconds=3.5, position=0)  # fmt: skip
    told = Advice(episode_id=bonus.id, guest_id=mentor.id, text="Sponsor, don't just mentor.")
    session.add_all([said, told])
    session.flush()
    session.add_all([
        AdviceReport(advice_id=said.id, story="I asked; it stung; it worked.", name="J. R.",
                     email="jr@example.com", consent_to_publish=True,
                     status=Moderation.APPROVED, host_reply="Thank you!"),
        AdviceReport(advice_id=told.id, story="Not yet", name="K", status=Moderation.PENDING),
        FollowUp(show_id=show.id, guest_id=zoe.id, advice_id=said.id,
                 note="Ask Zoë how the feedback scheme went", due_on=date(2027, 6, 1)),
        MentorStory(show_id=show.id, mentor_name="My first manager", story="She vouched for me.",
                    name="L. P.", consent_to_publish=True, status=Moderation.APPROVED,
                    published_at=datetime(2026, 11, 1, tzinfo=UTC), draft_episode_id=draft.id,
                    guest_id=bo.id),
        GuestLink(from_guest_id=mentor.id, to_guest_id=zoe.id, kind=GuestLinkKind.SPONSOR,
                  note="Put her name forward"),
        GuestLink(from_guest_id=zoe.id, to_guest_id=bo.id, kind=GuestLinkKind.MENTOR),
    ])  # fmt: skip


def run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def read_manifest(archive: Path) -> dict[str, Any]:
    with zipfile.ZipFile(archive) as opened:
        manifest: dict[str, Any] = json.loads(opened.read("manifest.json"))
    return manifest


def _differences(got: Any, want: Any, where: str = "") -> list[str]:
    """Where two manifests differ, as paths: readable when a column stops round-tripping."""
    if isinstance(want, dict) and isinstance(got, dict):
        return [d for key in sorted(set(want) | set(got))
                for d in _differences(got.get(key), want.get(key), f"{where}.{key}")]  # fmt: skip
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True))
                for d in _differences(g, w, f"{where}[{i}]")]  # fmt: skip
    return [] if got == want else [f"{where}: {got!r} != {want!r}"]


PAGES = [
    f"/{SLUG}/", f"/{SLUG}/episodes/all-of-it", f"/{SLUG}/episodes/bonus", "/guests/zoe-guest",
    "/guests/bo-second", "/topics/mentoring", "/topics/rich-media",
    f"/media/{SLUG}/all-of-it/chapters.json", f"/media/{SLUG}/all-of-it/transcript.vtt",
    f"/media/{SLUG}/all-of-it/transcript.txt", f"/media/{SLUG}/all-of-it/transcript.srt?lang=de",
    f"/media/{SLUG}/all-of-it/transcript.txt?lang=de",
]  # fmt: skip
FEEDS = [
    f"/{SLUG}/feed.xml", "/guests/zoe-guest/feed.xml", f"/{SLUG}/topics/mentoring/feed.xml",
    "/feed.xml",
]  # fmt: skip
REDIRECTS = ["/guests/zoe-old", "/topics/mentorship"]
# Search pages show snippets ranked by the database's own full-text engine, which SQLite and
# PostgreSQL word differently: what they must agree on is what is found.
SEARCHES = ["/search?q=chapters", "/search?q=willkommen"]
FOUND = re.compile(rb'href="([^"]*/(?:episodes|guests|topics)/[^"]*)"')


def _served(app: Flask) -> dict[str, tuple[int, str, bytes]]:
    """Status, Location and body of every public address the show has."""
    client = app.test_client()
    served = {}
    for path in PAGES + FEEDS + REDIRECTS + SEARCHES:
        response = client.get(path)
        body = response.data
        if path in SEARCHES:
            body = b" ".join(sorted(set(FOUND.findall(body))))
        if path in FEEDS:
            assert BUILD_DATE.search(body), path
            body = BUILD_DATE.sub(b"<lastBuildDate/>", body)
        served[path] = (response.status_code, response.headers.get("Location", ""), body)
    return served


def _media(app: Flask) -> dict[str, str]:
    root = Path(app.config["EPISODES_DIR"])
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_a_show_with_every_feature_survives_export_and_restore_twice(
    installs: tuple[Flask, Flask, Flask], tmp_path: Path
) -> None:
    source, middle, target = installs
    build_show(source)
    before = _served(source)
    assert all(status == 200 for status, _, _ in (before[p] for p in PAGES + FEEDS)), before
    assert [before[p][:2] for p in REDIRECTS] == [
        (301, "/guests/zoe-guest"), (301, "/topics/mentoring")
    ]  # fmt: skip
    # Found by words of its transcripts: the search index is rebuilt on restore too.
    for path in SEARCHES:
        assert f"/{SLUG}/episodes/all-of-it".encode() in before[path][2], path
    feed = before[FEEDS[0]][2]
    for tag in (rb"<podcast:chapters ", rb"<podcast:soundbite ", rb"<podcast:transcript ",
                rb"<podcast:locked[^>]*>yes<", rb"<itunes:block>Yes<", rb"<itunes:complete>Yes<",
                rb"<podcast:medium>music<", rb"<podcast:person ", rb"<podcast:funding ",
                rb"/media/every-feature/cover-\w+\.png"):  # fmt: skip
        assert re.search(tag, feed), tag

    first, second, third = (tmp_path / f"{n}.zip" for n in ("first", "second", "third"))
    run(source, "export", SLUG, str(first), "--with-review")
    run(middle, "import", str(first))
    run(middle, "export", SLUG, str(second), "--with-review")
    run(target, "import", str(second))
    run(target, "export", SLUG, str(third), "--with-review")

    # Every column of every carried row, review state and download figures included.
    manifest = read_manifest(first)
    assert _differences(read_manifest(second), manifest) == []
    assert _differences(read_manifest(third), manifest) == []
    episodes = {e["slug"]: e for e in manifest["episodes"]}
    assert set(episodes["all-of-it"]["parts"]) == {
        "chapters", "transcripts", "soundbites", "daily_downloads", "episode_audio_names",
        "advice", "advice_reports",
    }  # fmt: skip
    _assert_advice_loop_restored(target)
    with db.new_session(target) as session:  # the studio home's sums come back with the rows
        assert session.scalar(select(func.sum(EpisodeDay.downloads))) == 50
    assert [c["body"] for c in episodes["draft"]["review"][0]["comments"]] == [
        "Cut this cough", "Done"
    ]  # fmt: skip
    assert episodes["draft"]["review"][0]["comments"][1]["author"] == "host@example.com"

    media = _media(source)
    assert len(media) == 13  # 4 audio, 2 artworks and a guest photo in 3 sizes each
    for restored in (middle, target):
        assert _media(restored) == media
        after = _served(restored)
        for path, served in before.items():
            assert after[path] == served, path


def _assert_advice_loop_restored(app: Flask) -> None:
    """Each row of the advice loop points at the same things on the new install."""
    with db.new_session(app) as session:
        said = session.scalars(select(Advice).where(Advice.text.startswith("Ask"))).one()
        report = session.scalars(
            select(AdviceReport).where(AdviceReport.advice_id == said.id)
        ).one()
        assert (report.name, report.email, report.status) == ("J. R.", "jr@example.com", "approved")
        follow_up = session.scalars(select(FollowUp)).one()
        assert follow_up.advice_id == said.id
        guest = session.get(Guest, follow_up.guest_id)
        assert guest is not None and guest.email == "zoe@example.com"
        story = session.scalars(select(MentorStory)).one()
        draft = session.get(Episode, story.draft_episode_id)
        assert draft is not None and draft.slug == "draft"
        bonus = session.scalars(select(Episode).where(Episode.slug == "bonus")).one()
        followed = session.get(Episode, bonus.follows_up_id)
        assert followed is not None and followed.slug == "all-of-it"
        links = session.execute(
            select(Guest.slug, GuestLink.kind).join(Guest, Guest.id == GuestLink.from_guest_id)
        ).all()
        assert sorted(links) == [("mia-mentor", "sponsor"), ("zoe-guest", "mentor")]


def test_without_with_review_the_review_state_stays_behind(
    installs: tuple[Flask, Flask, Flask], tmp_path: Path
) -> None:
    source, middle, _ = installs
    build_show(source)
    archive = tmp_path / "plain.zip"
    run(source, "export", SLUG, str(archive))
    manifest = read_manifest(archive)
    assert manifest["with_review"] is False
    assert all("review" not in episode for episode in manifest["episodes"])
    run(middle, "import", str(archive))
    with db.new_session(middle) as session:
        assert session.scalar(select(func.count(ReviewLink.id))) == 0


def test_a_moved_feed_stays_moved_and_a_second_restore_updates_the_show(
    installs: tuple[Flask, Flask, Flask], tmp_path: Path
) -> None:
    source, middle, _ = installs
    build_show(source)
    archive = tmp_path / "show.zip"
    run(source, "export", SLUG, str(archive))
    run(middle, "import", str(archive))
    with db.new_session(source) as session:
        show = lookups.get_show(session, SLUG)
        assert show is not None
        show.new_feed_url = "https://new.example.com/feed.xml"
        session.commit()
    run(source, "export", SLUG, str(archive))
    assert "0 episodes added" in run(middle, "import", str(archive))
    for app in (source, middle):
        response = app.test_client().get(f"/{SLUG}/feed.xml")
        assert (response.status_code, response.headers["Location"]) == (
            301, "https://new.example.com/feed.xml"
        )  # fmt: skip


def test_a_second_restore_leaves_the_guest_directory_to_this_install(
    installs: tuple[Flask, Flask, Flask], tmp_path: Path
) -> None:
    """A guest's first listed time is this install's (its triggers keep it): an archive's,
    written over it, listed Bo again after the host here took his only credit away."""
    source, middle, _ = installs
    build_show(source)
    archive = tmp_path / "show.zip"
    run(source, "export", SLUG, str(archive))
    manifest = read_manifest(archive)
    assert all("listed_since" not in guest for guest in manifest["guests"])
    credits = [c for e in manifest["episodes"] for c in e["appearances"]]
    assert credits and all("listed_at" not in c and "show_id" not in c for c in credits)
    run(middle, "import", str(archive))
    directory = middle.test_client()
    middle.config["SITE_CACHE_SIZE"] = 0
    assert "Bo Second" in directory.get("/guests/").get_data(as_text=True)
    with db.new_session(middle) as session:
        bo = session.scalars(select(Guest).where(Guest.name == "Bo Second")).one()
        session.execute(delete(Appearance).where(Appearance.guest_id == bo.id))
        session.commit()
    assert "Bo Second" not in directory.get("/guests/").get_data(as_text=True)
    assert "0 episodes added" in run(middle, "import", str(archive))
    assert "Bo Second" not in directory.get("/guests/").get_data(as_text=True)


SHARED_FEEDS = Path("/work/shared/feeds")


@pytest.mark.parametrize("name", sorted(p.name for p in SHARED_FEEDS.glob("*.xml")))
def test_an_imported_show_survives_export_and_restore(
    name: str, installs: tuple[Flask, Flask, Flask], tmp_path: Path
) -> None:
    """Whatever an import stores (Podcasting 2.0 data showapp keeps as it came included) is
    carried column by column: the restored feed is the imported one, byte for byte."""
    source, middle, _ = installs
    slug = "imported"
    run(source, "import", str(SHARED_FEEDS / name), "--show", slug)
    archive = tmp_path / "imported.zip"
    run(source, "export", slug, str(archive))
    run(middle, "import", str(archive))
    feeds = []
    for app in (source, middle):
        response = app.test_client().get(f"/{slug}/feed.xml")
        assert response.status_code == 200
        feeds.append(BUILD_DATE.sub(b"<lastBuildDate/>", response.data))
    assert feeds[0] == feeds[1]
    again = tmp_path / "again.zip"
    run(middle, "export", slug, str(again))
    assert _differences(read_manifest(again), read_manifest(archive)) == []
