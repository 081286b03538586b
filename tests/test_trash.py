"""Deleting episodes: the confirmation, the trash, restoring, purging, 410 pages, retired
GUIDs and download figures that outlive the episode."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.columns import utc_now
from showapp.media.recorder import get_recorder
from showapp.models import Appearance, Chapter, Episode, EpisodeStatus, Show
from showapp.services import per_revision
from showapp.services.catalog import chapters, trash, writes
from showapp.services.catalog.chapters import ChapterEntry
from showapp.services.importing import archive, importer
from showapp.services.review import links as review_links
from showapp.services.stats import rollups
from showapp.storage import LocalStorage
from tests.factories import APPLE, OVERCAST, add_guest, add_topic, make_episode, make_show
from tests.review_helpers import make_draft
from tests.studio_helpers import csrf_token, login, make_user

BASE = "/studio/shows/leaders"


@pytest.fixture
def show(session: Session, episodes_dir: Path) -> Show:
    show = make_show(session, slug="leaders", title="Leaders")
    kept = make_episode(session, show, episodes_dir, title="Hiring well")
    doomed = make_episode(session, show, episodes_dir, title="Pricing secrets")
    for episode in (kept, doomed):
        add_topic(session, episode, "Pricing")
    add_guest(session, doomed, "Ada Lovelace")
    chapters.replace_chapters(session, doomed, [ChapterEntry(0.0, "Intro")])
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    return show


@pytest.fixture
def host(client: FlaskClient, show: Show) -> FlaskClient:
    login(client, "host@example.com")
    return client


def _doomed(session: Session) -> Episode:
    return session.scalars(select(Episode).where(Episode.title == "Pricing secrets")).one()


def _delete(client: FlaskClient, episode: Episode, **form: str) -> int:
    data = {"csrf_token": csrf_token(client, f"{BASE}/episodes"), "confirm": "1", **form}
    return client.post(f"{BASE}/episodes/{episode.id}/delete", data=data).status_code


def _post_from_trash(client: FlaskClient, episode: Episode, action: str, **form: str) -> int:
    data = {"csrf_token": csrf_token(client, f"{BASE}/trash"), **form}
    return client.post(f"{BASE}/trash/{episode.id}/{action}", data=data).status_code


def _public_view(client: FlaskClient) -> dict[str, str]:
    feed = feedparser.parse(client.get("/leaders/feed.xml").data)
    return {
        "show": client.get("/leaders/").get_data(as_text=True),
        "feed": " | ".join(f"{e.title} {e.id}" for e in feed.entries),
        "search": client.get("/search?q=pricing").get_data(as_text=True),
        "sitemap": client.get("/sitemap.xml").get_data(as_text=True),
        "topic": client.get("/topics/pricing").get_data(as_text=True),
        "opml": client.get("/feeds.opml").get_data(as_text=True),
    }


def test_the_confirmation_page_says_what_goes_and_what_stays(
    host: FlaskClient, session: Session
) -> None:
    doomed = _doomed(session)
    page = host.get(f"{BASE}/episodes/{doomed.id}/delete").get_data(as_text=True)
    assert "Delete the episode Pricing secrets?" in page
    assert doomed.audio_file is not None and doomed.audio_file in page
    for expected in ("1 chapter,", "1 guest credit", "0 guest review links", doomed.guid,
                     "never given to another episode", "already counted stay in the show",
                     "30 days", "410"):  # fmt: skip
        assert expected in page
    # A post without `confirm` only asks again.
    token = csrf_token(host, f"{BASE}/episodes/{doomed.id}/delete")
    asked = host.post(f"{BASE}/episodes/{doomed.id}/delete", data={"csrf_token": token})
    assert asked.status_code == 200 and "Yes, move it to the trash" in asked.get_data(as_text=True)
    session.refresh(doomed)
    assert doomed.deleted_at is None


def test_a_deleted_episode_leaves_every_public_place_until_restored(
    host: FlaskClient, session: Session
) -> None:
    doomed = _doomed(session)
    guid, audio = doomed.guid, doomed.audio_file
    before = _public_view(host)
    assert "Pricing secrets" in before["feed"] and guid in before["feed"]
    for place in ("show", "search", "topic"):
        assert "Pricing secrets" in before[place], place
    assert "/leaders/episodes/pricing-secrets" in before["sitemap"]
    assert "/guests/ada-lovelace" in before["opml"] and "/guests/ada-lovelace" in before["sitemap"]

    assert _delete(host, doomed) == 303
    after = _public_view(host)
    assert "Pricing secrets" not in after["feed"] and guid not in after["feed"]
    assert "Hiring well" in after["feed"]
    for place in ("show", "search", "topic"):
        assert "Pricing secrets" not in after[place], place
    assert "/leaders/episodes/pricing-secrets" not in after["sitemap"]
    assert "/guests/ada-lovelace" not in after["opml"] + after["sitemap"]
    gone = host.get("/leaders/episodes/pricing-secrets")
    assert gone.status_code == 410 and "taken this episode down" in gone.get_data(as_text=True)
    assert host.get("/embed/leaders/pricing-secrets").status_code == 410
    assert host.get(f"/media/{audio}").status_code == 404
    assert host.get("/media/leaders/pricing-secrets/chapters.json").status_code == 404
    studio_list = host.get(f"{BASE}/episodes").get_data(as_text=True)
    assert "Moved &#39;Pricing secrets&#39; to the trash" in studio_list  # the flash, only
    assert studio_list.count("Pricing secrets") == 1 and f"{BASE}/episodes/{doomed.id}" not in (
        studio_list
    )
    assert host.get(f"{BASE}/episodes/{doomed.id}").status_code == 404
    assert "Pricing secrets" in host.get(f"{BASE}/trash").get_data(as_text=True)

    assert _post_from_trash(host, doomed, "restore") == 303
    restored = _public_view(host)
    assert f"Pricing secrets {guid}" in restored["feed"]
    for place in ("show", "search", "topic"):
        assert "Pricing secrets" in restored[place], place
    assert "/leaders/episodes/pricing-secrets" in restored["sitemap"]
    assert host.get("/leaders/episodes/pricing-secrets").status_code == 200
    assert host.get(f"/media/{audio}").status_code == 200
    assert "The trash is empty." in host.get(f"{BASE}/trash").get_data(as_text=True)


def test_withdrawn_pages_answer_410_and_never_published_ones_404(
    client: FlaskClient, session: Session, show: Show, episodes_dir: Path
) -> None:
    withdrawn = _doomed(session)
    withdrawn.status, withdrawn.published_at = EpisodeStatus.DRAFT, None
    writes.note_release(withdrawn)
    make_episode(session, show, episodes_dir, title="Never out", published_at=None)
    trashed_draft = make_episode(session, show, episodes_dir, title="Quiet", published_at=None)
    trash.trash_episode(session, trashed_draft)
    later = utc_now() + timedelta(days=3)
    make_episode(session, show, episodes_dir, title="Next week", published_at=later)
    session.commit()
    assert client.get("/leaders/episodes/pricing-secrets").status_code == 410
    for slug in ("never-out", "quiet", "next-week", "no-such-thing"):
        assert client.get(f"/leaders/episodes/{slug}").status_code == 404, slug
    assert client.get(
        "/leaders/episodes/pricing-secrets", headers={"Accept": "application/json"}
    ).json == {"error": "Leaders has taken this episode down, so it is no longer available.",
               "status": 410}  # fmt: skip


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_the_purge_takes_what_is_over_30_days_old_and_retires_the_guid(
    host: FlaskClient, session: Session, runner: FlaskCliRunner, episodes_dir: Path, show: Show,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    doomed = _doomed(session)
    guid, audio = doomed.guid, doomed.audio_file
    assert audio is not None
    assert _delete(host, doomed) == 303
    # Still within its 30 days: the purge leaves it, file and all.
    assert "Purged 0 episodes" in runner.invoke(args=["trash", "purge"]).output
    assert audio in _files(episodes_dir)

    session.refresh(doomed)
    doomed.deleted_at = utc_now() - timedelta(days=31)
    session.commit()
    # A purge whose transaction fails removes no file and leaves the row as it was.
    with Session(session.get_bind()) as failing:
        _count, files = trash.purge_due(failing)
        assert files == [audio]
        failing.rollback()
    assert audio in _files(episodes_dir)
    session.expire_all()
    assert _doomed(session).audio_file == audio

    result = runner.invoke(args=["trash", "purge"])
    assert result.exit_code == 0 and "Purged 1 episode, 0 guests and 0 shows" in result.output
    assert audio not in _files(episodes_dir)
    session.expire_all()
    tombstone = session.get(Episode, doomed.id)
    assert tombstone is not None and tombstone.purged_at is not None
    assert (tombstone.audio_file, tombstone.notes_md, tombstone.guid) == (None, "", guid)
    assert session.scalar(select(func.count()).where(Appearance.episode_id == doomed.id)) == 0
    assert session.scalar(select(func.count()).where(Chapter.episode_id == doomed.id)) == 0
    assert "Purged 0 episodes" in runner.invoke(args=["trash", "purge"]).output  # safe twice
    assert host.get("/leaders/episodes/pricing-secrets").status_code == 410
    assert "The trash is empty." in host.get(f"{BASE}/trash").get_data(as_text=True)
    assert _post_from_trash(host, doomed, "restore") == 404  # a purged episode stays purged

    # Creating an episode never hands out the retired GUID, even if uuid4 offered it.
    offered, real_uuid4 = [uuid.UUID(guid), uuid.UUID(int=7)], uuid.uuid4
    monkeypatch.setattr(uuid, "uuid4", lambda: offered.pop(0) if offered else real_uuid4())
    fresh = writes.create_episode(session, show, title="A new one")
    assert fresh.guid == str(uuid.UUID(int=7))
    session.rollback()
    monkeypatch.undo()
    # An import that carries the retired GUID skips that item.
    feed = tmp_path / "feed.xml"
    feed.write_text(_FEED.format(guid=guid))
    report = importer.import_feed_file(
        session, feed, feed_url=None, site_base_url="http://podcast.test", show_slug="leaders"
    )
    session.commit()
    assert (report.created, report.skipped) == (2, 1)
    assert any("deleted episode" in problem for problem in report.problems)
    session.expire_all()
    assert session.get(Episode, doomed.id).title == "Pricing secrets"  # type: ignore[union-attr]
    # Imported episodes that are out count as public once (their page would answer 410).
    imported = {e.guid: e for e in session.scalars(select(Episode).where(Episode.guid != guid))}
    assert imported["brand-new"].first_published_at == imported["brand-new"].published_at
    assert imported["undated"].first_published_at is None


_FEED = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Leaders</title><link>https://leaders.example/</link>
<item><title>Pricing secrets, back</title><guid>{guid}</guid>
<pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate>
<enclosure url="https://leaders.example/a.mp3" length="100" type="audio/mpeg"/></item>
<item><title>Brand new</title><guid>brand-new</guid>
<pubDate>Tue, 02 Jan 2024 10:00:00 +0000</pubDate>
<enclosure url="https://leaders.example/b.mp3" length="100" type="audio/mpeg"/></item>
<item><title>No date yet</title><guid>undated</guid></item>
</channel></rss>"""


def test_delete_forever_from_the_trash_asks_then_removes_the_files(
    host: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    doomed = _doomed(session)
    audio = doomed.audio_file
    assert _delete(host, doomed) == 303
    asked = host.post(
        f"{BASE}/trash/{doomed.id}/purge", data={"csrf_token": csrf_token(host, f"{BASE}/trash")}
    )
    assert asked.status_code == 200 and "cannot be undone" in asked.get_data(as_text=True)
    assert audio in _files(episodes_dir)
    assert _post_from_trash(host, doomed, "purge", confirm="1") == 303
    assert audio not in _files(episodes_dir)
    assert "The trash is empty." in host.get(f"{BASE}/trash").get_data(as_text=True)
    assert _post_from_trash(host, doomed, "restore") == 404


def _listen(app: Flask, episode: Episode, address: str, agent: str) -> None:
    with app.test_client().get(
        f"/media/{episode.audio_file}",
        headers={"User-Agent": agent},
        environ_base={"REMOTE_ADDR": address},
    ) as response:
        assert response.status_code == 200


def test_downloads_of_a_purged_episode_stay_in_the_show_totals(
    app: Flask, host: FlaskClient, session: Session, show: Show
) -> None:
    doomed = _doomed(session)
    kept = session.scalars(select(Episode).where(Episode.title == "Hiring well")).one()
    _listen(app, doomed, "192.0.2.1", APPLE)
    _listen(app, doomed, "192.0.2.2", OVERCAST)
    _listen(app, kept, "192.0.2.1", APPLE)
    recorder = get_recorder(app)
    assert recorder is not None and recorder.flush() == 3
    rollups.rollup(session)
    session.commit()
    today = datetime.now(UTC).date()
    assert rollups.totals(session, show.id, today)[7] == 3

    assert _delete(host, doomed) == 303
    assert _post_from_trash(host, doomed, "purge", confirm="1") == 303
    rollups.rebuild_day(session, today)  # a later rollup rebuilds the day from downloads
    session.commit()
    assert rollups.totals(session, show.id, today) == {7: 3, 30: 3, 90: 3}
    page = host.get(f"{BASE}/downloads").get_data(as_text=True)
    assert "(deleted) Pricing secrets" in page


def test_only_hosts_of_the_show_may_delete_and_only_with_a_token(
    client: FlaskClient, session: Session, show: Show, episodes_dir: Path
) -> None:
    doomed = _doomed(session)
    other = make_show(session, slug="others", title="Others")
    make_user(session, "stranger@example.com", shows=[other])
    session.commit()
    paths = [f"{BASE}/episodes/{doomed.id}/delete", f"{BASE}/trash/{doomed.id}/restore",
             f"{BASE}/trash/{doomed.id}/purge"]  # fmt: skip
    for path in paths:  # signed out: off to sign in, and nothing happens
        response = client.post(path, data={"confirm": "1"})
        assert response.status_code in {302, 303}, path
        assert "/studio/login" in response.headers["Location"]
    assert "/studio/login" in client.get(f"{BASE}/trash").headers["Location"]
    login(client, "stranger@example.com")
    token = csrf_token(client, "/studio/shows/others/episodes")
    for path in paths:
        assert client.post(path, data={"csrf_token": token, "confirm": "1"}).status_code == 403
    assert client.get(paths[0]).status_code == 403
    assert client.get(f"{BASE}/trash").status_code == 403
    client.post("/studio/logout", data={"csrf_token": token})
    login(client, "host@example.com")
    assert client.post(paths[0], data={"confirm": "1"}).status_code == 400  # no CSRF token
    session.refresh(doomed)
    assert doomed.deleted_at is None
    assert client.get(f"{BASE}/episodes/999999/delete").status_code == 404
    assert _post_from_trash(client, doomed, "restore") == 404  # not in the trash
    assert _delete(client, Episode(id=999999)) == 404


def test_review_links_of_a_deleted_episode_stop_working_until_it_is_restored(
    app: Flask, client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    draft = make_draft(session, episodes_dir)
    link = review_links.create_link(session, draft.episode, draft.guest_id, days=7, message="")
    session.commit()
    path = f"/review/{review_links.token_for(link, str(app.config['SECRET_KEY']))}"
    assert client.get(path).status_code == 200
    trash.trash_episode(session, draft.episode)
    session.commit()
    for url in (path, f"{path}/audio"):
        response = client.get(url)
        assert response.status_code == 410 and b"deleted this episode" in response.data
    trash.restore_episode(session, draft.episode)
    session.commit()
    assert client.get(f"{path}/audio").status_code == 200


def test_an_export_archive_never_brings_back_a_deleted_episode(
    session: Session, show: Show, episodes_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "leaders.zip"
    archive.export_show(session, "leaders", LocalStorage(episodes_dir), target)
    doomed = _doomed(session)
    trash.trash_episode(session, doomed)
    session.commit()
    report = archive.import_archive(session, target, LocalStorage(episodes_dir))
    session.commit()
    assert any("deleted episode" in problem for problem in report.problems)
    session.refresh(doomed)
    assert doomed.deleted_at is not None and doomed.title == "Pricing secrets"


def test_behind_nginx_a_trashed_episode_audio_is_not_handed_off(
    app_config: dict[str, Any], session: Session, show: Show
) -> None:
    proxied = create_app({**app_config, "MEDIA_ACCEL": "x-accel", "TRUSTED_PROXIES": 1})
    doomed = _doomed(session)
    url = f"/media/{doomed.audio_file}"
    try:
        with proxied.test_client().get(url) as response:
            assert response.status_code == 200 and "X-Accel-Redirect" in response.headers
        trash.trash_episode(session, doomed)
        session.commit()  # another app (process) than the one serving: seen within a second
        time.sleep(per_revision.REVISION_TTL + 0.1)
        with proxied.test_client().get(url) as response:
            assert response.status_code == 404 and "X-Accel-Redirect" not in response.headers
    finally:
        db.get_engine(proxied).dispose()
